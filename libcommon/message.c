#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "message.h"

/* Length of the line starting at p, line ending included. */
static size_t
line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
}

/* Length of the line ending at the end of a line of n bytes (0, 1 or 2). */
static size_t
eol_len(const char *line, size_t n)
{
	if (n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n')
		return 2;
	if (n >= 1 && line[n - 1] == '\n')
		return 1;
	return 0;
}

static int
add_header(struct kmta_message *m, const char *start, const char *end,
    struct kmta_err *err)
{
	struct kmta_header *h;
	const char *colon;
	size_t raw_len = (size_t)(end - start);

	h = realloc(m->headers, (m->nheaders + 1) * sizeof(*h));
	if (h == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	m->headers = h;

	/* The final line ending is not part of the field. */
	if (raw_len >= 1 && start[raw_len - 1] == '\n')
		raw_len--;
	if (raw_len >= 1 && start[raw_len - 1] == '\r')
		raw_len--;

	colon = memchr(start, ':', raw_len);
	h = &m->headers[m->nheaders];
	h->name = start;
	h->name_len = colon ? (size_t)(colon - start) : raw_len;
	h->raw = start;
	h->raw_len = raw_len;
	while (h->name_len > 0 && (start[h->name_len - 1] == ' ' ||
	    start[h->name_len - 1] == '\t'))
		h->name_len--;
	if (colon == NULL || h->name_len == 0)
		return kmta_err_set(err, EX_DATAERR,
		    "header line %zu has no field name and colon",
		    m->nheaders + 1);
	m->nheaders++;
	return 0;
}

int
kmta_message_parse(struct kmta_message *m, char *data, size_t len,
    struct kmta_err *err)
{
	const char *p = data, *end = data + len, *field = NULL;
	size_t n;

	memset(m, 0, sizeof(*m));
	m->data = data;
	m->len = len;
	m->body_off = len;
	if (len == 0)
		return kmta_err_set(err, EX_DATAERR, "empty message");
	n = line_len(p, end);
	m->crlf = eol_len(p, n) == 2;

	while (p < end) {
		n = line_len(p, end);
		if (memchr(p, '\0', n) != NULL)
			return kmta_err_set(err, EX_DATAERR,
			    "NUL byte in the header");
		if (n == eol_len(p, n) && n > 0) {
			m->body_off = (size_t)(p + n - data);
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (field == NULL)
				return kmta_err_set(err, EX_DATAERR,
				    "message starts with a folded line");
		} else {
			if (field != NULL && add_header(m, field, p, err) == -1)
				return -1;
			field = p;
		}
		p += n;
	}
	if (field != NULL && add_header(m, field, p, err) == -1)
		return -1;
	return 0;
}

int
kmta_message_read(int fd, size_t max, struct kmta_message *m,
    struct kmta_err *err)
{
	size_t len = 0, cap = 64 * 1024;
	char *data = malloc(cap), *p;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	if (data == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(data);
				return kmta_err_set(err, EX_DATAERR,
				    "message larger than %zu bytes", max);
			}
			cap *= 2;
			if ((p = realloc(data, cap)) == NULL) {
				free(data);
				return kmta_err_set(err, EX_OSERR,
				    "out of memory");
			}
			data = p;
		}
		n = read(fd, data + len, cap - len);
		if (n == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(data);
			return kmta_err_set(err, EX_IOERR,
			    "read message: %s", strerror(errno));
		}
		len += (size_t)n;
	}
	if (len > max) {
		free(data);
		return kmta_err_set(err, EX_DATAERR,
		    "message larger than %zu bytes", max);
	}
	if (kmta_message_parse(m, data, len, err) == -1) {
		kmta_message_free(m);
		return -1;
	}
	return 0;
}

void
kmta_message_free(struct kmta_message *m)
{
	free(m->data);
	free(m->headers);
	memset(m, 0, sizeof(*m));
}

const struct kmta_header *
kmta_message_header(const struct kmta_message *m, const char *name, size_t i,
    size_t *count)
{
	const struct kmta_header *found = NULL;
	size_t k, seen = 0, nlen = strlen(name);

	for (k = 0; k < m->nheaders; k++) {
		const struct kmta_header *h = &m->headers[k];

		if (h->name_len != nlen || strncasecmp(h->name, name, nlen))
			continue;
		if (seen == i)
			found = h;
		seen++;
	}
	if (count != NULL)
		*count = seen;
	return found;
}

const char *
kmta_header_value(const struct kmta_header *h, size_t *len)
{
	const char *colon = memchr(h->raw, ':', h->raw_len);

	*len = h->raw_len - (size_t)(colon + 1 - h->raw);
	return colon + 1;
}
