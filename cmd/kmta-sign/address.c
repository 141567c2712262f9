#include <string.h>

#include "address.h"
#include "buf.h"

/*
 * Copy a field value without comments and folding, with each quoted
 * string reduced to the letter q, so that commas, '<' and '@' left in the
 * result are structure, not text.
 */
static int
strip_value(const char *v, size_t len, struct kmta_buf *out)
{
	size_t i;
	int depth = 0, quoted = 0;

	for (i = 0; i < len; i++) {
		char c = v[i];

		if (c == '\\' && (quoted || depth > 0)) {
			i++;
			continue;
		}
		if (quoted) {
			quoted = c != '"';
			continue;
		}
		if (c == '(') {
			depth++;
			continue;
		}
		if (depth > 0) {
			depth -= c == ')';
			continue;
		}
		if (c == '"') {
			quoted = 1;
			c = 'q';
		} else if (c == '\r' || c == '\n' || c == '\t') {
			c = ' ';
		}
		if (kmta_buf_append(out, &c, 1) == -1)
			return -1;
	}
	return kmta_buf_append(out, "", 0);
}

static int
domain_valid(const char *d, size_t len)
{
	size_t i;

	if (len == 0 || len >= DOMAIN_MAX || d[0] == '.' || d[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = d[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
		if (c == '.' && i + 1 < len && d[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Find the domain in the stripped value of one From field. */
static int
address_domain(const char *s, char *domain, struct kmta_err *err)
{
	const char *open = strchr(s, '<'), *close, *at, *end;
	size_t i, len;

	if (strchr(s, ',') != NULL)
		return kmta_err_set(err, EX_DATAERR,
		    "From field has several addresses; DKIM signs for one "
		    "author domain");
	if (open != NULL) {
		if ((close = strchr(open, '>')) == NULL)
			return kmta_err_set(err, EX_DATAERR,
			    "From field has '<' without '>'");
		at = memrchr(open, '@', (size_t)(close - open));
		end = close;
	} else {
		at = strrchr(s, '@');
		end = s + strlen(s);
	}
	if (at == NULL)
		return kmta_err_set(err, EX_DATAERR,
		    "From field has no address with '@'");

	at++;
	while (at < end && *at == ' ')
		at++;
	len = strcspn(at, " >;");
	if (at + len > end)
		len = (size_t)(end - at);
	while (len > 0 && at[len - 1] == '.')
		len--;
	if (!domain_valid(at, len))
		return kmta_err_set(err, EX_DATAERR,
		    "From field: invalid domain \"%.*s\"", (int)len, at);
	for (i = 0; i < len; i++)
		domain[i] = (char)(at[i] >= 'A' && at[i] <= 'Z' ?
		    at[i] - 'A' + 'a' : at[i]);
	domain[len] = '\0';
	return 0;
}

int
sign_from_domain(const struct kmta_message *m, char *domain,
    struct kmta_err *err)
{
	const struct kmta_header *from;
	struct kmta_buf stripped = { 0 };
	const char *value;
	size_t count, len;
	int rc;

	from = kmta_message_header(m, "From", 0, &count);
	if (count == 0)
		return kmta_err_set(err, EX_DATAERR,
		    "message has no From field");
	if (count > 1)
		return kmta_err_set(err, EX_DATAERR,
		    "message has %zu From fields; RFC 5322 allows one", count);

	value = kmta_header_value(from, &len);
	if (strip_value(value, len, &stripped) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	rc = address_domain(stripped.data, domain, err);
	kmta_buf_free(&stripped);
	return rc;
}
