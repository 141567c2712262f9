/*
 * Header fields that mail from the sendmail personality lacks: PHP's
 * mail() and many scripts send no Date, no Message-ID and often no From,
 * which RFC 5322 section 3.6 requires (Message-ID "should" be present),
 * and receivers score or reject such mail. They are added at the top of
 * the header, in the message's own line endings, before any signing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "missing.h"

/* Whether line (up to the next LF) starts a header field: name ":". */
static bool
is_field(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '!' && *q <= '~' && *q != ':')
		q++;
	return q > p && q < end && *q == ':';
}

/* Whether the header block of msg has a field called name. */
static bool
has_field(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	const char *nl;

	while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end &&
	    p[1] == '\n')) {
		if ((size_t)(end - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':')
			return true;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}

static void
rfc5322_now(time_t now, char *out, size_t outlen)
{
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(out, outlen, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* Write the From field: the sender, with -F's name as a quoted string
 * stripped of control characters. */
static int
put_from(struct kmta_buf *b, const struct missing_request *m,
    const char *eol)
{
	const char *c;
	int rc;

	if (m->full_name == NULL || m->full_name[0] == '\0')
		return kmta_buf_printf(b, "From: <%s>%s", m->sender, eol);
	rc = kmta_buf_puts(b, "From: \"");
	for (c = m->full_name; rc == 0 && *c != '\0'; c++) {
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			continue;
		if (*c == '"' || *c == '\\')
			rc = kmta_buf_puts(b, "\\");
		if (rc == 0)
			rc = kmta_buf_append(b, c, 1);
	}
	if (rc == 0)
		rc = kmta_buf_printf(b, "\" <%s>%s", m->sender, eol);
	return rc;
}

int
missing_headers(const struct missing_request *m, struct kmta_buf *msg,
    struct kmta_err *err)
{
	struct kmta_buf add = { 0 }, joined = { 0 };
	const char *start = msg->data, *end = msg->data + msg->len;
	const char *nl = memchr(start, '\n', msg->len);
	const char *eol = nl != NULL && nl > start && nl[-1] == '\r' ?
	    "\r\n" : "\n";
	bool header = is_field(start, end);
	unsigned char rnd[8];
	char date[64];
	int rc = 0;

	if (header && has_field(start, end, "Date") &&
	    has_field(start, end, "Message-ID") &&
	    (m->sender[0] == '\0' || has_field(start, end, "From")))
		return 0;
	if (!header || !has_field(start, end, "From")) {
		if (m->sender[0] != '\0')
			rc = put_from(&add, m, eol);
	}
	if (rc == 0 && (!header || !has_field(start, end, "Date"))) {
		rfc5322_now(m->now, date, sizeof(date));
		rc = kmta_buf_printf(&add, "Date: %s%s", date, eol);
	}
	if (rc == 0 && (!header || !has_field(start, end, "Message-ID"))) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		rc = kmta_buf_printf(&add, "Message-ID: <%lld.%02x%02x%02x%02x"
		    "%02x%02x%02x%02x@%s>%s", (long long)m->now, rnd[0], rnd[1],
		    rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], m->host,
		    eol);
	}
	/* A message that starts with its body gets an empty line after the
	 * new fields, so that its first line stays body. */
	if (rc == 0 && !header)
		rc = kmta_buf_puts(&add, eol);
	if (rc == 0)
		rc = kmta_buf_append(&joined, add.data ? add.data : "", add.len);
	if (rc == 0)
		rc = kmta_buf_append(&joined, msg->data, msg->len);
	kmta_buf_free(&add);
	if (rc == -1) {
		kmta_buf_free(&joined);
		return kmta_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	kmta_buf_free(msg);
	*msg = joined;
	return 0;
}
