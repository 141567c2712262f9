/*
 * The message as sent after DATA (RFC 5321 section 4.5.2): every line ends
 * in CRLF whatever the input used, a line starting with '.' gets a second
 * '.', and "." on a line of its own ends the data. A bare CR or LF also
 * ends a line, because RFC 5321 section 4.1.1.4 forbids sending either
 * alone, and a receiver that took "<CR>.<CR><LF>" for the end of data
 * could be fed a second, smuggled message.
 */
#include <string.h>

#include "send.h"

#define BODY_CHUNK (64 * 1024)

struct chunk {
	char buf[BODY_CHUNK + 4];
	size_t len;
};

/*
 * Find the line at p: set *len to its length without the line ending
 * (CRLF, LF or a bare CR) and return where the next line starts.
 */
static const char *
body_next_line(const char *p, const char *end, size_t *len)
{
	const char *q;

	for (q = p; q < end; q++) {
		if (*q == '\n') {
			*len = (size_t)(q - p);
			return q + 1;
		}
		if (*q == '\r') {
			*len = (size_t)(q - p);
			return q + 1 < end && q[1] == '\n' ? q + 2 : q + 1;
		}
	}
	*len = (size_t)(end - p);
	return end;
}

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

/*
 * Add one line and its CRLF. With fold, a line over BODY_LINE_MAX octets
 * is broken with CRLF SPACE, as Postfix's smtp_line_length_limit does; a
 * continuation starts with a space, so it never needs dot stuffing.
 */
static int
line_add(struct smtp_conn *c, struct chunk *k, const char *p, size_t len,
    bool fold, long timeout, struct kmta_err *err)
{
	size_t part = len, max = BODY_LINE_MAX;

	if (len > 0 && p[0] == '.') {
		if (chunk_add(c, k, ".", 1, timeout, err) == -1)
			return -1;
		max--;
	}
	while (fold && part > max) {
		if (chunk_add(c, k, p, max, timeout, err) == -1 ||
		    chunk_add(c, k, "\r\n ", 3, timeout, err) == -1)
			return -1;
		p += max;
		part -= max;
		max = BODY_LINE_MAX - 1;
	}
	if (chunk_add(c, k, p, part, timeout, err) == -1)
		return -1;
	return chunk_add(c, k, "\r\n", 2, timeout, err);
}

int
body_send(struct smtp_conn *c, const struct kmta_message *m, bool fold,
    long block_timeout, struct kmta_err *err)
{
	static struct chunk k;
	const char *p = m->data, *end = m->data + m->len, *next;
	size_t len;

	k.len = 0;
	while (p < end) {
		next = body_next_line(p, end, &len);
		if (line_add(c, &k, p, len, fold, block_timeout, err) == -1)
			return -1;
		p = next;
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
	const char *p = m->data, *end = m->data + m->len;
	size_t len, max = 0, n = 0;

	*lineno = 0;
	while (p < end) {
		n++;
		p = body_next_line(p, end, &len);
		if (len > max) {
			max = len;
			*lineno = n;
		}
	}
	return max;
}
