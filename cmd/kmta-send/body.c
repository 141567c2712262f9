/*
 * The message as sent after DATA (RFC 5321 section 4.5.2): every line ends
 * in CRLF whatever the input used, a line starting with '.' gets a second
 * '.', and "." on a line of its own ends the data.
 */
#include <string.h>

#include "send.h"

#define BODY_CHUNK (64 * 1024)

struct chunk {
	char buf[BODY_CHUNK + 4];
	size_t len;
};

static int
chunk_flush(struct smtp_conn *c, struct chunk *k, long timeout,
    struct kmta_err *err)
{
	if (k->len == 0)
		return 0;
	conn_set_timeout(c, timeout);
	if (conn_write(c, k->buf, k->len, err) == -1)
		return -1;
	k->len = 0;
	return 0;
}

static int
chunk_add(struct smtp_conn *c, struct chunk *k, const char *data, size_t len,
    long timeout, struct kmta_err *err)
{
	size_t n;

	while (len > 0) {
		if (k->len == BODY_CHUNK &&
		    chunk_flush(c, k, timeout, err) == -1)
			return -1;
		n = BODY_CHUNK - k->len;
		if (n > len)
			n = len;
		memcpy(k->buf + k->len, data, n);
		k->len += n;
		data += n;
		len -= n;
	}
	return 0;
}

int
body_send(struct smtp_conn *c, const struct kmta_message *m,
    long block_timeout, struct kmta_err *err)
{
	static struct chunk k;
	const char *p = m->data, *end = m->data + m->len, *nl;
	size_t len;

	k.len = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;

		if ((p[0] == '.' && len > 0 &&
		    chunk_add(c, &k, ".", 1, block_timeout, err) == -1) ||
		    chunk_add(c, &k, p, len, block_timeout, err) == -1 ||
		    chunk_add(c, &k, "\r\n", 2, block_timeout, err) == -1)
			return -1;
		p = nl != NULL ? nl + 1 : end;
	}
	if (chunk_add(c, &k, ".\r\n", 3, block_timeout, err) == -1)
		return -1;
	return chunk_flush(c, &k, block_timeout, err);
}

bool
body_has_8bit(const struct kmta_message *m)
{
	size_t i;

	for (i = 0; i < m->len; i++)
		if ((unsigned char)m->data[i] >= 0x80)
			return true;
	return false;
}

/* Return the maximum line length in octets, without the line ending, and
 * set *lineno to that line's number. */
size_t
body_longest_line(const struct kmta_message *m, size_t *lineno)
{
	const char *p = m->data, *end = m->data + m->len, *nl;
	size_t len, max = 0, n = 0;

	*lineno = 0;
	while (p < end) {
		n++;
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > max) {
			max = len;
			*lineno = n;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return max;
}
