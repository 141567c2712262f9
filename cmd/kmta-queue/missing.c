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
#include <sys/random.h>
#include <time.h>

#include "headers.h"
#include "missing.h"
#include "queue.h"

/* Whether line (up to the next LF) starts a header field: name ":". */
static bool
is_field(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '!' && *q <= '~' && *q != ':')
		q++;
	return q > p && q < end && *q == ':';
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
	struct kmta_buf add = { 0 };
	const char *nl = memchr(msg->data, '\n', msg->len);
	const char *eol = nl != NULL && nl > msg->data && nl[-1] == '\r' ?
	    "\r\n" : "\n";
	bool header = is_field(msg->data, msg->data + msg->len);
	bool need_from = m->sender[0] != '\0' &&
	    !(header && headers_has(msg->data, msg->len, "From"));
	bool need_date = !(header && headers_has(msg->data, msg->len, "Date"));
	bool need_id = !(header &&
	    headers_has(msg->data, msg->len, "Message-ID"));
	unsigned char rnd[8];
	char date[64];
	int rc = 0;

	if (!need_from && !need_date && !need_id)
		return 0;
	if (need_from)
		rc = put_from(&add, m, eol);
	if (rc == 0 && need_date) {
		queue_date(m->now, date, sizeof(date));
		rc = kmta_buf_printf(&add, "Date: %s%s", date, eol);
	}
	if (rc == 0 && need_id) {
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
		rc = kmta_buf_append(&add, msg->data, msg->len);
	if (rc == -1) {
		kmta_buf_free(&add);
		return kmta_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	kmta_buf_free(msg);
	*msg = add;
	return 0;
}
