#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsn.h"
#include "hostname.h"

/* Whether a DSN of this kind reports recipient r. */
static bool
reports(enum dsn_kind kind, const struct rcpt *r)
{
	if (kind == DSN_FAILURE)
		return r->state == RCPT_FAILED;
	return r->state == RCPT_QUEUED || r->state == RCPT_DEFERRED;
}

static int
compose_text_part(struct kmta_buf *b, const struct envelope *env,
    enum dsn_kind kind, time_t retry_until, const char *host)
{
	char until[64];
	const struct rcpt *r;
	size_t i;
	int rc;

	queue_date(retry_until, until, sizeof(until));
	rc = kmta_buf_printf(b, "Content-Type: text/plain; charset=us-ascii\n"
	    "\nThis is the mail system at host %s.\n\n", host);
	if (rc == 0 && kind == DSN_FAILURE)
		rc = kmta_buf_puts(b, "Your message could not be delivered to "
		    "one or more recipients. The mail system\nreturned the "
		    "following for each of them:\n\n");
	else if (rc == 0)
		rc = kmta_buf_printf(b, "Your message has not been delivered "
		    "to one or more recipients yet.\nThe mail system will keep "
		    "trying until %s.\nYou need not send it again. The last "
		    "reply for each of them:\n\n", until);
	for (i = 0; i < env->nrcpts && rc == 0; i++) {
		r = &env->rcpts[i];
		if (!reports(kind, r))
			continue;
		if (r->code[0] != '\0')	/* a server's reply */
			rc = kmta_buf_printf(b, "<%s>: %s said: %s %s%s%s\n",
			    r->addr, r->host, r->code, r->esc,
			    r->esc[0] ? " " : "", r->text);
		else
			rc = kmta_buf_printf(b, "<%s>: %s%s%s\n", r->addr,
			    r->host, r->host[0] ? ": " : "", r->text);
	}
	return rc;
}

static int
compose_status_part(struct kmta_buf *b, const struct envelope *env,
    enum dsn_kind kind, time_t retry_until, const char *host, time_t now)
{
	char arrival[64], last[64];
	const struct rcpt *r;
	size_t i;
	int rc;

	queue_date(env->arrival, arrival, sizeof(arrival));
	rc = kmta_buf_printf(b, "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\nX-Kmta-Queue-ID: %s\nArrival-Date: %s\n",
	    host, env->id, arrival);
	for (i = 0; i < env->nrcpts && rc == 0; i++) {
		r = &env->rcpts[i];
		if (!reports(kind, r))
			continue;
		queue_date(r->last_attempt ? r->last_attempt : now, last,
		    sizeof(last));
		rc = kmta_buf_printf(b, "\nFinal-Recipient: rfc822; %s\n"
		    "Action: %s\nStatus: %s\n", r->addr,
		    kind == DSN_FAILURE ? "failed" : "delayed",
		    r->esc[0] ? r->esc : kind == DSN_FAILURE ? "5.0.0" :
		    "4.0.0");
		if (rc == 0 && kind == DSN_DELAY) {
			queue_date(retry_until, last, sizeof(last));
			rc = kmta_buf_printf(b, "Will-Retry-Until: %s\n", last);
			queue_date(r->last_attempt ? r->last_attempt : now,
			    last, sizeof(last));
		}
		if (rc == 0 && r->host[0])
			rc = kmta_buf_printf(b, "Remote-MTA: dns; %.*s\n",
			    (int)strcspn(r->host, "["), r->host);
		if (rc == 0)
			rc = kmta_buf_printf(b, "Diagnostic-Code: %s%s%s%s\n"
			    "Last-Attempt-Date: %s\n", r->code[0] ? "smtp; " :
			    "x-kmta; ", r->code, r->code[0] ? " " : "",
			    r->text, last);
	}
	return rc;
}

/* Append the original header with LF line endings, as the DSN has. */
static int
append_headers_lf(struct kmta_buf *b, const char *h, size_t len)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < len && rc == 0; i++)
		if (!(h[i] == '\r' && i + 1 < len && h[i + 1] == '\n'))
			rc = kmta_buf_append(b, &h[i], 1);
	return rc;
}

int
dsn_compose(const struct envelope *env, enum dsn_kind kind,
    time_t retry_until, const char *headers, size_t headers_len, time_t now,
    const char *host, struct kmta_buf *out, struct kmta_err *err)
{
	char date[64], boundary[128];
	int rc;

	queue_date(now, date, sizeof(date));
	snprintf(boundary, sizeof(boundary), "%s.%lld/%s", env->id,
	    (long long)now, host);

	rc = kmta_buf_printf(out, "From: Mail Delivery System "
	    "<MAILER-DAEMON@%s>\nTo: <%s>\nSubject: %s\nDate: %s\n"
	    "Message-ID: <%s.%s@%s>\n"
	    "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n\nThis is a MIME-encapsulated message.\n\n"
	    "--%s\n", host, env->sender, kind == DSN_FAILURE ?
	    "Undelivered Mail Returned to Sender" :
	    "Delayed Mail (still being retried)", date, env->id,
	    kind == DSN_FAILURE ? "dsn" : "delay", host, boundary, boundary);
	if (rc == 0)
		rc = compose_text_part(out, env, kind, retry_until, host);
	if (rc == 0)
		rc = kmta_buf_printf(out, "\n--%s\n", boundary);
	if (rc == 0)
		rc = compose_status_part(out, env, kind, retry_until, host,
		    now);
	if (rc == 0)
		rc = kmta_buf_printf(out, "\n--%s\nContent-Type: "
		    "text/rfc822-headers\n\n", boundary);
	if (rc == 0)
		rc = append_headers_lf(out, headers, headers_len);
	if (rc == 0)
		rc = kmta_buf_printf(out, "\n--%s--\n", boundary);
	if (rc == -1)
		return kmta_err_set(err, EX_OSERR, "compose DSN: out of memory");
	return 0;
}

/* Read the header block of msg/ID (up to the empty line, 64 KiB max). */
static int
read_headers(struct queue *q, const char *id, struct kmta_buf *b,
    struct kmta_err *err)
{
	char path[64], chunk[65536], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "msg/%s", id);
	fd = openat(q->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "open %s: %s",
		    path, strerror(errno));
	n = read(fd, chunk, sizeof(chunk) - 1);
	close(fd);
	if (n < 0)
		return kmta_err_set(err, EX_IOERR, "read %s: %s", path,
		    strerror(errno));
	chunk[n] = '\0';
	end = strstr(chunk, "\n\n");
	if (end == NULL)
		end = strstr(chunk, "\n\r\n");
	n = end != NULL ? end - chunk + 1 : n;
	if (kmta_buf_append(b, chunk, (size_t)n) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	return 0;
}

int
dsn_enqueue(struct queue *q, const struct envelope *env,
    enum dsn_kind kind, time_t now, char *bounce_id, size_t idlen,
    struct kmta_err *err)
{
	struct kmta_buf headers = { 0 }, text = { 0 };
	struct envelope bounce = { 0 };
	size_t i, reported = 0;
	char host[256];
	int rc = -1;

	bounce_id[0] = '\0';
	for (i = 0; i < env->nrcpts; i++)
		reported += reports(kind, &env->rcpts[i]);
	if (env->sender[0] == '\0' || reported == 0)
		return 0;

	kmta_host_name(q->hostname, host, sizeof(host));
	if (read_headers(q, env->id, &headers, err) == -1 ||
	    dsn_compose(env, kind, env->arrival + q->max_age,
	    headers.data ? headers.data : "", headers.len, now, host, &text,
	    err) == -1 ||
	    envelope_add_rcpt(&bounce, env->sender, err) == -1)
		goto out;
	bounce.arrival = now;
	rc = store_message(q, &bounce, text.data, text.len, err);
	if (rc == 0)
		snprintf(bounce_id, idlen, "%s", bounce.id);
out:
	kmta_buf_free(&headers);
	kmta_buf_free(&text);
	envelope_free(&bounce);
	return rc;
}
