#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "add.h"
#include "buf.h"
#include "headers.h"
#include "hostname.h"
#include "missing.h"
#include "sign.h"

/* Read the whole message, up to max bytes (0: no limit). */
static int
read_all(int fd, size_t max, struct kmta_buf *b, struct kmta_err *err)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return kmta_err_set(err, EX_IOERR,
			    "read message from standard input: %s",
			    strerror(errno));
		if (max > 0 && (size_t)n > max - b->len)
			return kmta_err_set(err, EX_DATAERR, "message larger "
			    "than [queue] max_message_size (%zu bytes); not "
			    "queued", max);
		if (kmta_buf_append(b, chunk, (size_t)n) == -1)
			return kmta_err_set(err, EX_TEMPFAIL,
			    "read message: out of memory");
	}
	return 0;
}

/* Cut the message at a line holding a single ".", as sendmail does. */
static void
cut_at_dot_line(struct kmta_buf *b)
{
	size_t i = 0;

	while (i < b->len) {
		const char *line = b->data + i;
		const char *nl = memchr(line, '\n', b->len - i);
		size_t n = nl ? (size_t)(nl - line) : b->len - i;

		if ((n == 1 && line[0] == '.') ||
		    (n == 2 && line[0] == '.' && line[1] == '\r')) {
			b->len = i;
			return;
		}
		i += n + 1;
	}
}

void
add_strip_brackets(char *addr)
{
	size_t n = strlen(addr);

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = '\0';
	}
}

/* Append "@local_domain" to a bare name such as "root", when configured. */
static void
qualify(char *addr, size_t len, const char *local_domain)
{
	size_t n = strlen(addr);

	if (local_domain != NULL && n > 0 && strchr(addr, '@') == NULL)
		snprintf(addr + n, len - n, "@%s", local_domain);
}

static int
add_rcpt_once(struct envelope *env, const char *given,
    const char *local_domain, struct kmta_err *err)
{
	char addr[QUEUE_ADDR_MAX];
	size_t i;

	snprintf(addr, sizeof(addr), "%s", given);
	add_strip_brackets(addr);
	qualify(addr, sizeof(addr), local_domain);
	if (address_check(addr, false, err) == -1)
		return kmta_err_wrap(err, "recipient");
	for (i = 0; i < env->nrcpts; i++)
		if (strcasecmp(env->rcpts[i].addr, addr) == 0)
			return 0;
	return envelope_add_rcpt(env, addr, err);
}

static int
fill_sender(struct envelope *env, const struct add_request *req,
    const struct kmta_buf *b, struct kmta_err *err)
{
	if (req->sender != NULL)
		snprintf(env->sender, sizeof(env->sender), "%s", req->sender);
	else if (headers_from(b->data, b->len, env->sender,
	    sizeof(env->sender)) == -1)
		return kmta_err_set(err, EX_TEMPFAIL, "out of memory");
	if (req->sender == NULL && env->sender[0] == '\0')
		return kmta_err_set(err, EX_USAGE,
		    "no sender: give -f SENDER (or a From field)");
	add_strip_brackets(env->sender);
	qualify(env->sender, sizeof(env->sender), req->local_domain);
	if (address_check(env->sender, true, err) == -1)
		return kmta_err_wrap(err, "sender");
	return 0;
}

static int
fill_recipients(struct envelope *env, const struct add_request *req,
    struct kmta_buf *b, struct kmta_err *err)
{
	struct headers_rcpts from_headers = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < req->nrcpts && rc == 0; i++)
		rc = add_rcpt_once(env, req->rcpts[i], req->local_domain, err);
	if (rc == 0 && req->from_headers) {
		rc = headers_recipients(b->data, &b->len, &from_headers, err);
		for (i = 0; i < from_headers.n && rc == 0; i++)
			rc = add_rcpt_once(env, from_headers.addrs[i],
			    req->local_domain, err);
		headers_rcpts_free(&from_headers);
	}
	if (rc == 0 && env->nrcpts == 0)
		return kmta_err_set(err, req->from_headers ? EX_DATAERR :
		    EX_USAGE, req->from_headers ?
		    "no recipient in To, Cc or Bcc, nor on the command line" :
		    "no recipient given");
	return rc;
}

/* Add the From, Date and Message-ID fields that the message lacks. */
static int
add_missing_fields(const struct queue *q, const struct add_request *req,
    const struct envelope *env, struct kmta_buf *b, struct kmta_err *err)
{
	struct missing_request m = { .sender = env->sender,
	    .full_name = req->full_name, .now = queue_now() };
	char host[256];

	kmta_host_name(q->hostname, host, sizeof(host));
	m.host = host;
	return missing_headers(&m, b, err);
}

int
add_message(struct queue *q, const struct add_request *req, int fd,
    struct envelope *env, struct kmta_err *err)
{
	struct kmta_buf b = { 0 };
	int rc = -1;

	memset(env, 0, sizeof(*env));
	if (read_all(fd, req->max_size, &b, err) == -1)
		goto out;
	if (req->dot_ends_input && b.len > 0)
		cut_at_dot_line(&b);
	if (b.len == 0) {
		kmta_err_set(err, EX_DATAERR, "empty message on standard input");
		goto out;
	}

	/* Recipients first: -t removes Bcc, which must not be signed. */
	if (fill_sender(env, req, &b, err) == -1 ||
	    fill_recipients(env, req, &b, err) == -1)
		goto out;
	if (req->add_missing && add_missing_fields(q, req, env, &b, err) == -1)
		goto out;
	if (req->sign && sign_message(q, req->conf_path, &b, err) == -1)
		goto out;
	env->arrival = queue_now();
	rc = store_message(q, env, b.data, b.len, err);
out:
	kmta_buf_free(&b);
	if (rc == -1)
		envelope_free(env);
	return rc;
}
