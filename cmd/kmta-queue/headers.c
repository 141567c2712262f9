/*
 * Recipients from the header (sendmail -t): the addresses of To, Cc and
 * Bcc (RFC 5322 3.6.3), and the message with its Bcc fields removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

/* Length of the header field starting at p, folded lines included. */
static size_t
field_len(const char *p, const char *end)
{
	const char *q = p, *nl;

	for (;;) {
		nl = memchr(q, '\n', (size_t)(end - q));
		if (nl == NULL)
			return (size_t)(end - p);
		q = nl + 1;
		if (q >= end || (*q != ' ' && *q != '\t'))
			return (size_t)(q - p);
	}
}

static bool
is_end_of_header(const char *p, const char *end)
{
	return p >= end || *p == '\n' || (*p == '\r' && p + 1 < end &&
	    p[1] == '\n');
}

static bool
field_named(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && strncasecmp(p, name, n) == 0 && (p[n] == ':' ||
	    p[n] == ' ' || p[n] == '\t');
}

bool
headers_has(const char *data, size_t len, const char *name)
{
	const char *p = data, *end = data + len;
	size_t n;

	while (!is_end_of_header(p, end)) {
		n = field_len(p, end);
		if (field_named(p, n, name))
			return true;
		p += n;
	}
	return false;
}

/* Append the address in item[0..len) (a mailbox or an addr-spec). */
static int
take_address(const char *item, size_t len, struct headers_rcpts *out)
{
	const char *lt = memchr(item, '<', len), *gt;
	char addr[512], *grown_item, **grown;
	size_t n;

	if (lt != NULL && (gt = memchr(lt, '>', len - (size_t)(lt - item))) !=
	    NULL) {
		item = lt + 1;
		len = (size_t)(gt - item);
	}
	while (len > 0 && (*item == ' ' || *item == '\t'))
		item++, len--;
	while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	n = len < sizeof(addr) - 1 ? len : sizeof(addr) - 1;
	memcpy(addr, item, n);
	addr[n] = '\0';

	grown = realloc(out->addrs, (out->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	out->addrs = grown;
	grown_item = strdup(addr);
	if (grown_item == NULL)
		return -1;
	out->addrs[out->n++] = grown_item;
	return 0;
}

/*
 * Split an address-list value at top-level commas, ignoring quoted
 * strings and comments, and treating a group's "name:" and ";" as
 * separators. Folding and comments become spaces.
 */
static int
parse_address_list(const char *v, size_t len, struct headers_rcpts *out)
{
	char *clean = malloc(len + 1);
	size_t i, n = 0, start = 0;
	int depth = 0, rc = 0;
	bool quoted = false;

	if (clean == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		char c = v[i];

		if (c == '\\' && i + 1 < len && (quoted || depth > 0)) {
			clean[n++] = ' ';
			i++;
		} else if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			clean[n++] = ' ';
		} else if (c == '"') {
			quoted = !quoted;
			clean[n++] = ' ';
		} else if (quoted) {
			clean[n++] = ' ';
		} else if (c == '(') {
			depth = 1;
			clean[n++] = ' ';
		} else {
			clean[n++] = (c == '\r' || c == '\n') ? ' ' : c;
		}
	}
	clean[n] = '\0';

	for (i = 0; i <= n && rc == 0; i++) {
		if (i < n && clean[i] != ',' && clean[i] != ';' &&
		    clean[i] != ':')
			continue;
		/* "name:" opens a group, and the text before it is the
		 * group's display name, not an address. */
		if (i == n || clean[i] != ':')
			rc = take_address(clean + start, i - start, out);
		start = i + 1;
	}
	free(clean);
	return rc;
}

int
headers_recipients(char *data, size_t *len, struct headers_rcpts *out,
    struct kmta_err *err)
{
	char *p = data, *end = data + *len, *colon;
	size_t flen;
	bool bcc;

	memset(out, 0, sizeof(*out));
	while (!is_end_of_header(p, end)) {
		flen = field_len(p, end);
		bcc = field_named(p, flen, "Bcc");
		colon = memchr(p, ':', flen);
		if (colon != NULL && (bcc || field_named(p, flen, "To") ||
		    field_named(p, flen, "Cc")) &&
		    parse_address_list(colon + 1, flen - (size_t)(colon + 1 - p),
		    out) == -1) {
			headers_rcpts_free(out);
			return kmta_err_set(err, EX_OSERR, "out of memory");
		}
		if (bcc) {
			memmove(p, p + flen, (size_t)(end - p - flen));
			end -= flen;
			*len -= flen;
			continue;
		}
		p += flen;
	}
	return 0;
}

/* The address of the first From field, or 0 chars when there is none. */
int
headers_from(const char *data, size_t len, char *addr, size_t addrlen)
{
	const char *p = data, *end = data + len, *colon;
	struct headers_rcpts list = { 0 };
	size_t flen;

	addr[0] = '\0';
	while (!is_end_of_header(p, end)) {
		flen = field_len(p, end);
		colon = memchr(p, ':', flen);
		if (colon != NULL && field_named(p, flen, "From")) {
			if (parse_address_list(colon + 1,
			    flen - (size_t)(colon + 1 - p), &list) == -1)
				return -1;
			if (list.n > 0)
				snprintf(addr, addrlen, "%s", list.addrs[0]);
			headers_rcpts_free(&list);
			return 0;
		}
		p += flen;
	}
	return 0;
}

void
headers_rcpts_free(struct headers_rcpts *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->addrs[i]);
	free(r->addrs);
	r->addrs = NULL;
	r->n = 0;
}
