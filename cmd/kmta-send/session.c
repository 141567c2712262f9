/*
 * One SMTP session with one server address: greeting, EHLO (or HELO),
 * STARTTLS at the destination's TLS level, then one transaction per
 * message with RSET between them, then QUIT (RFC 5321 section 3).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "log.h"
#include "send.h"

/* RFC 5321 section 4.5.3.2 timeouts, in seconds. */
#define TIMEOUT_GREETING 300
#define TIMEOUT_EHLO 300	/* not given by the RFC; as MAIL */
#define TIMEOUT_QUIT 60

long
session_timeout(const struct send_opts *o, long rfc_default)
{
	return o->command_timeout > 0 ? o->command_timeout : rfc_default;
}

static enum outcome
outcome_of_code(int code)
{
	if (code >= 200 && code < 300)
		return OUTCOME_DELIVERED;
	if (code >= 500 && code < 600)
		return OUTCOME_FAILED;
	return OUTCOME_DEFERRED;
}

void
rcpt_set_reply(struct rcpt *r, const struct smtp_conn *c,
    const struct smtp_reply *reply)
{
	rcpt_set(r, outcome_of_code(reply->code), reply->code, reply->esc,
	    c->peer, reply->text[0] != '\0' ? reply->text : "(no reply text)");
	tls_describe(c, r->tls, sizeof(r->tls));
}

void
rcpt_set_error(struct rcpt *r, const struct smtp_conn *c,
    const struct kmta_err *err, const char *esc)
{
	enum outcome out = err->code == EX_UNAVAILABLE ||
	    err->code == EX_DATAERR ? OUTCOME_FAILED : OUTCOME_DEFERRED;

	rcpt_set(r, out, 0, esc, c != NULL ? c->peer : "", err->msg);
	tls_describe(c, r->tls, sizeof(r->tls));
}

static void
ext_clear(struct smtp_conn *c)
{
	c->esmtp = false;
	c->ext_starttls = c->ext_8bitmime = c->ext_smtputf8 = false;
	c->ext_pipelining = c->ext_size = false;
	c->size_max = 0;
	c->auth_plain = c->auth_login = false;
}

/* Record the SASL mechanisms after "AUTH" this client can use. */
static void
ehlo_parse_auth(struct smtp_conn *c, const char *mechs)
{
	size_t len;

	while (*mechs == ' ' || *mechs == '=')
		mechs++;
	while (*mechs != '\0' && *mechs != '\n') {
		len = strcspn(mechs, " \n");
		if (len == 5 && strncasecmp(mechs, "PLAIN", len) == 0)
			c->auth_plain = true;
		if (len == 5 && strncasecmp(mechs, "LOGIN", len) == 0)
			c->auth_login = true;
		mechs += len;
		while (*mechs == ' ')
			mechs++;
	}
}

/* Record the EHLO keywords this client uses (RFC 5321 section 4.1.1.1). */
static void
ehlo_parse(struct smtp_conn *c, const struct smtp_reply *r)
{
	const char *line = strchr(r->lines, '\n');

	ext_clear(c);
	c->esmtp = true;
	while (line != NULL) {
		const char *kw = line + 1;
		size_t len = strcspn(kw, " \n");

		line = strchr(kw, '\n');
		if (len == 8 && strncasecmp(kw, "STARTTLS", len) == 0)
			c->ext_starttls = true;
		else if (len == 8 && strncasecmp(kw, "8BITMIME", len) == 0)
			c->ext_8bitmime = true;
		else if (len == 8 && strncasecmp(kw, "SMTPUTF8", len) == 0)
			c->ext_smtputf8 = true;
		else if (len == 10 && strncasecmp(kw, "PIPELINING", len) == 0)
			c->ext_pipelining = true;
		else if (len == 4 && strncasecmp(kw, "AUTH", len) == 0)
			ehlo_parse_auth(c, kw + 4);
		else if (len == 4 && strncasecmp(kw, "SIZE", len) == 0) {
			c->ext_size = true;
			if (kw[4] == ' ')
				c->size_max = strtoul(kw + 5, NULL, 10);
		}
	}
}

/* EHLO, or HELO when the server rejects EHLO; -1 sets *last. */
static int
session_hello(struct smtp_conn *c, const struct send_opts *o,
    struct rcpt *last)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;
	long t = session_timeout(o, TIMEOUT_EHLO);

	if (smtp_command(c, t, &r, &err, "EHLO %s", o->helo_name) == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return -1;
	}
	if (r.code == 250) {
		ehlo_parse(c, &r);
		return 0;
	}
	if (r.code < 500 || c->ssl != NULL) {
		rcpt_set_reply(last, c, &r);
		return -1;
	}

	ext_clear(c);
	if (smtp_command(c, t, &r, &err, "HELO %s", o->helo_name) == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return -1;
	}
	if (r.code != 250) {
		rcpt_set_reply(last, c, &r);
		return -1;
	}
	return 0;
}

/*
 * STARTTLS (RFC 3207) when offered and the level allows. Returns 0 when
 * the session may go on (in TLS, or in plain text where that is allowed),
 * else a session status with *last set.
 */
static int
session_starttls(struct smtp_conn *c, const struct send_opts *o,
    const struct dest_policy *p, struct rcpt *last)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;

	if (p->level == TLS_DISABLED && c->ssl == NULL)
		tls_sts_testing_report(c, "the session is not encrypted");
	if (p->level == TLS_DISABLED || c->ssl != NULL)
		return 0;
	if (!c->ext_starttls) {
		tls_sts_testing_report(c, "the server does not offer STARTTLS");
		if (p->level == TLS_OPPORTUNISTIC)
			return 0;
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.4", c->peer,
		    "TLS is required but the server does not offer STARTTLS");
		tls_describe(c, last->tls, sizeof(last->tls));
		return SESSION_NEXT_HOST;
	}

	if (smtp_command(c, session_timeout(o, TIMEOUT_EHLO), &r, &err,
	    "STARTTLS") == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return SESSION_NEXT_HOST;
	}
	if (r.code != 220) {
		if (p->level == TLS_OPPORTUNISTIC)
			return 0;
		rcpt_set_reply(last, c, &r);
		last->outcome = OUTCOME_DEFERRED;
		return SESSION_NEXT_HOST;
	}

	/* Bytes after the 220 were sent in the clear: never trust them. */
	if (c->roff != c->rlen)
		kmta_warn("%s: discarded %zu bytes sent before the TLS handshake",
		    c->peer, c->rlen - c->roff);
	conn_discard_input(c);
	conn_set_timeout(c, session_timeout(o, TIMEOUT_EHLO));
	if (tls_start(c, o, p->level, p->dane, &err) == -1) {
		rcpt_set_error(last, c, &err, p->level >= TLS_VERIFY ? "4.7.5" :
		    "4.7.0");
		return p->level == TLS_OPPORTUNISTIC ? SESSION_RETRY_PLAIN :
		    SESSION_NEXT_HOST;
	}
	return session_hello(c, o, last) == -1 ? SESSION_NEXT_HOST : 0;
}

/* Greeting (after implicit TLS when configured), EHLO and STARTTLS. */
static int
session_open(struct smtp_conn *c, const struct send_opts *o,
    const struct dest_policy *p, struct rcpt *last)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;
	enum tls_level level = p->level;
	int rc;

	conn_set_timeout(c, session_timeout(o, TIMEOUT_GREETING));
	if (p->implicit_tls) {
		if (level < TLS_REQUIRED)
			level = TLS_REQUIRED;
		if (tls_start(c, o, level, p->dane, &err) == -1) {
			rcpt_set_error(last, c, &err, level >= TLS_VERIFY ?
			    "4.7.5" : "4.7.0");
			return SESSION_NEXT_HOST;
		}
	}

	if (reply_read(c, &r, &err) == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return SESSION_NEXT_HOST;
	}
	if (r.code != 220) {
		rcpt_set_reply(last, c, &r);
		return SESSION_NEXT_HOST;
	}
	if (session_hello(c, o, last) == -1)
		return SESSION_NEXT_HOST;
	rc = session_starttls(c, o, p, last);
	if (rc != 0)
		return rc;
	return session_auth(c, o, p, last);
}

static void
session_quit(struct smtp_conn *c, const struct send_opts *o)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;

	smtp_command(c, session_timeout(o, TIMEOUT_QUIT), &r, &err, "QUIT");
}

/* RSET between two transactions (RFC 5321 section 4.1.1.5). */
static int
session_rset(struct smtp_conn *c, const struct send_opts *o,
    struct rcpt *last)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;

	if (smtp_command(c, session_timeout(o, TIMEOUT_EHLO), &r, &err,
	    "RSET") == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return -1;
	}
	if (r.code != 250) {
		rcpt_set_reply(last, c, &r);
		last->outcome = OUTCOME_DEFERRED;
		return -1;
	}
	return 0;
}

enum session_status
session_run(struct smtp_conn *c, const struct send_opts *o,
    struct envelope *envs, size_t nenvs, const char *domain,
    const struct dest_policy *p, struct rcpt *last)
{
	enum transaction_status ts;
	bool first = true;
	size_t i;
	int rc;

	rc = session_open(c, o, p, last);
	if (rc != 0) {
		/* Send QUIT only to a server that still replies. */
		if (rc == SESSION_NEXT_HOST && last->code[0] != '\0')
			session_quit(c, o);
		return (enum session_status)rc;
	}

	for (i = 0; i < nenvs; i++) {
		if (!envelope_has_pending(&envs[i], domain))
			continue;
		if (!first && session_rset(c, o, last) == -1)
			return SESSION_NEXT_HOST;
		first = false;

		ts = transaction_run(c, o, &envs[i], domain, last);
		if (ts == TRANSACTION_NEXT_HOST) {
			session_quit(c, o);
			return SESSION_NEXT_HOST;
		}
		if (ts == TRANSACTION_LOST)
			return SESSION_NEXT_HOST;
	}
	session_quit(c, o);
	return SESSION_DONE;
}
