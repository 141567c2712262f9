#include <string.h>

#include "check.h"

static int
check_field(const struct kmta_header *h, struct kmta_err *err)
{
	const char *p = h->raw, *end = h->raw + h->raw_len, *nl;
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > CHECK_LINE_MAX)
			return kmta_err_set(err, EX_DATAERR,
			    "%.*s field has a line of %zu octets; RFC 5322 "
			    "allows %d", (int)(h->name_len > 64 ? 64 :
			    h->name_len), h->name, len, CHECK_LINE_MAX);
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int
sign_check_message(const struct kmta_message *m, struct kmta_err *err)
{
	size_t i;

	if (m->body_off > CHECK_HEADER_MAX)
		return kmta_err_set(err, EX_DATAERR,
		    "header block of %zu bytes is over the %d-byte limit",
		    m->body_off, CHECK_HEADER_MAX);
	for (i = 0; i < m->nheaders; i++)
		if (check_field(&m->headers[i], err) == -1)
			return -1;
	return 0;
}
