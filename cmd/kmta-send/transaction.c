/*
 * One mail transaction: MAIL, RCPT for each pending recipient of the
 * domain, DATA and the message (RFC 5321 section 3.3). With PIPELINING
 * (RFC 2920) the commands go out in one write, and the replies are read in
 * order afterwards. Without it, each command waits for its reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "send.h"

/* RFC 5321 section 4.5.3.2 timeouts, in seconds. */
#define TIMEOUT_MAIL 300
#define TIMEOUT_RCPT 300
#define TIMEOUT_DATA_INIT 120
#define TIMEOUT_DATA_BLOCK 180
#define TIMEOUT_DATA_END 600

struct step {
	char cmd[600];
	long timeout;
	struct rcpt *rcpt;	/* RCPT steps only */
	bool answered;
	struct smtp_reply reply;
};

static bool
rcpt_pending(const struct rcpt *r, const char *domain)
{
	return r->outcome == OUTCOME_PENDING &&
	    strcasecmp(r->domain, domain) == 0;
}

/* Fail every pending recipient of domain with a local reason. */
static void
fail_pending(struct envelope *env, const char *domain,
    const struct smtp_conn *c, const char *esc, const char *text)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++)
		if (rcpt_pending(&env->rcpts[i], domain)) {
			rcpt_set(&env->rcpts[i], OUTCOME_FAILED, 0, esc, c->peer,
			    text);
			tls_describe(c, env->rcpts[i].tls,
			    sizeof(env->rcpts[i].tls));
		}
}

/*
 * Whether this transaction needs SMTPUTF8: the sender or a recipient that
 * goes to this server (a pending one of domain) is not ASCII. Recipients
 * of other domains travel in their own transactions.
 */
static bool
envelope_needs_smtputf8(const struct envelope *env, const char *domain)
{
	size_t i;

	if (!addr_is_ascii(env->sender))
		return true;
	for (i = 0; i < env->nrcpts; i++)
		if (rcpt_pending(&env->rcpts[i], domain) &&
		    !addr_is_ascii(env->rcpts[i].addr))
			return true;
	return false;
}

/*
 * Check the message against this server's extensions before MAIL, so a
 * message the server cannot take fails without being sent (RFC 1870
 * SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8). 8-bit data is never
 * converted: it fails with 5.6.3.
 */
static bool
transaction_fits(const struct smtp_conn *c, struct envelope *env,
    const char *domain)
{
	char text[SEND_TEXT_MAX];

	if (c->ext_size && c->size_max > 0 && env->msg->len > c->size_max) {
		snprintf(text, sizeof(text), "message of %zu octets exceeds the "
		    "server's SIZE limit of %lu octets", env->msg->len,
		    c->size_max);
		fail_pending(env, domain, c, "5.3.4", text);
		return false;
	}
	if (!c->ext_8bitmime && body_has_8bit(env->msg)) {
		fail_pending(env, domain, c, "5.6.3", "message contains 8-bit "
		    "data and the server does not offer 8BITMIME");
		return false;
	}
	if (!c->ext_smtputf8 && envelope_needs_smtputf8(env, domain)) {
		fail_pending(env, domain, c, "5.6.7", "an address contains "
		    "UTF-8 and the server does not offer SMTPUTF8");
		return false;
	}
	return true;
}

/* Lay out MAIL, one RCPT per pending recipient of domain, and DATA. */
static struct step *
steps_build(const struct smtp_conn *c, struct envelope *env,
    const char *domain, size_t *nsteps)
{
	struct step *s = calloc(env->nrcpts + 2, sizeof(*s));
	size_t i, n = 0;

	if (s == NULL)
		return NULL;
	snprintf(s[n].cmd, sizeof(s[n].cmd), "MAIL FROM:<%s>%s%s",
	    env->sender, body_has_8bit(env->msg) ? " BODY=8BITMIME" : "",
	    envelope_needs_smtputf8(env, domain) ? " SMTPUTF8" : "");
	if (c->ext_size)
		snprintf(s[n].cmd + strlen(s[n].cmd), sizeof(s[n].cmd) -
		    strlen(s[n].cmd), " SIZE=%zu", env->msg->len);
	s[n++].timeout = TIMEOUT_MAIL;

	for (i = 0; i < env->nrcpts; i++) {
		if (!rcpt_pending(&env->rcpts[i], domain))
			continue;
		snprintf(s[n].cmd, sizeof(s[n].cmd), "RCPT TO:<%s>",
		    env->rcpts[i].addr);
		s[n].rcpt = &env->rcpts[i];
		s[n++].timeout = TIMEOUT_RCPT;
	}

	snprintf(s[n].cmd, sizeof(s[n].cmd), "DATA");
	s[n++].timeout = TIMEOUT_DATA_INIT;
	*nsteps = n;
	return s;
}

static int
step_write(struct smtp_conn *c, const struct send_opts *o, struct step *s,
    struct kmta_err *err)
{
	char line[sizeof(s->cmd) + 2];
	int len = snprintf(line, sizeof(line), "%s\r\n", s->cmd);

	kmta_debug("%s: >>> %s", c->peer, s->cmd);
	conn_set_timeout(c, session_timeout(o, s->timeout));
	return conn_write(c, line, (size_t)len, err);
}

static int
step_read(struct smtp_conn *c, const struct send_opts *o, struct step *s,
    struct kmta_err *err)
{
	conn_set_timeout(c, session_timeout(o, s->timeout));
	if (reply_read(c, &s->reply, err) == -1)
		return -1;
	s->answered = true;
	return 0;
}

/*
 * Send the steps and read their replies. Without PIPELINING, stop after a
 * rejected MAIL, and send DATA only when some RCPT was accepted.
 */
static int
steps_exchange(struct smtp_conn *c, const struct send_opts *o,
    struct step *s, size_t n, struct kmta_err *err)
{
	bool accepted = false;
	size_t i;

	if (c->ext_pipelining) {
		for (i = 0; i < n; i++)
			if (step_write(c, o, &s[i], err) == -1)
				return -1;
		for (i = 0; i < n; i++)
			if (step_read(c, o, &s[i], err) == -1)
				return -1;
		return 0;
	}

	for (i = 0; i < n; i++) {
		if (i == n - 1 && !accepted)
			break;
		if (step_write(c, o, &s[i], err) == -1 ||
		    step_read(c, o, &s[i], err) == -1)
			return -1;
		if (i == 0 && s[i].reply.code / 100 != 2)
			break;
		if (s[i].rcpt != NULL && s[i].reply.code / 100 == 2)
			accepted = true;
	}
	return 0;
}

/* Give every accepted recipient (still pending) the server's verdict. */
static void
accepted_set_reply(struct step *s, size_t n, const struct smtp_conn *c,
    const struct smtp_reply *reply)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i].rcpt == NULL || s[i].rcpt->outcome != OUTCOME_PENDING)
			continue;
		rcpt_set_reply(s[i].rcpt, c, reply);
		if (reply->code / 100 != 2 && reply->code / 100 != 5)
			s[i].rcpt->outcome = OUTCOME_DEFERRED;
	}
}

/* Defer every accepted recipient (still pending) with a local error. */
static void
accepted_set_error(struct step *s, size_t n, const struct smtp_conn *c,
    const struct kmta_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].rcpt != NULL && s[i].rcpt->outcome == OUTCOME_PENDING)
			rcpt_set_error(s[i].rcpt, c, err, "4.4.2");
}

/* Apply the RCPT replies; return how many recipients were accepted. */
static size_t
rcpt_replies(struct step *s, size_t n, const struct smtp_conn *c)
{
	size_t i, accepted = 0;

	for (i = 0; i < n; i++) {
		if (s[i].rcpt == NULL || !s[i].answered)
			continue;
		if (s[i].reply.code / 100 == 2) {
			accepted++;
			continue;
		}
		rcpt_set_reply(s[i].rcpt, c, &s[i].reply);
		if (s[i].reply.code / 100 != 5)
			s[i].rcpt->outcome = OUTCOME_DEFERRED;
	}
	return accepted;
}

/* After 354: the message, then the final reply for every accepted one. */
static enum transaction_status
transaction_data(struct smtp_conn *c, const struct send_opts *o,
    struct envelope *env, struct step *s, size_t n)
{
	struct kmta_err err = { 0 };
	struct smtp_reply reply;

	if (body_send(c, env->msg, o->long_lines == LONG_LINES_FOLD,
	    session_timeout(o, TIMEOUT_DATA_BLOCK),
	    &err) == -1) {
		accepted_set_error(s, n, c, &err);
		return TRANSACTION_LOST;
	}
	conn_set_timeout(c, session_timeout(o, TIMEOUT_DATA_END));
	if (reply_read(c, &reply, &err) == -1) {
		/* NOTE: the server may have taken the message: a retry can
		 * deliver it twice (RFC 1047). */
		accepted_set_error(s, n, c, &err);
		return TRANSACTION_LOST;
	}
	accepted_set_reply(s, n, c, &reply);
	return TRANSACTION_DONE;
}

static enum transaction_status
transaction_replies(struct smtp_conn *c, const struct send_opts *o,
    struct envelope *env, const char *domain, struct step *s, size_t n,
    struct rcpt *last)
{
	struct step *data = &s[n - 1];
	size_t accepted, i;

	if (s[0].reply.code / 100 == 4) {
		rcpt_set_reply(last, c, &s[0].reply);
		return TRANSACTION_NEXT_HOST;
	}
	if (s[0].reply.code / 100 != 2) {
		rcpt_set_reply(last, c, &s[0].reply);
		if (last->outcome != OUTCOME_FAILED)
			return TRANSACTION_NEXT_HOST;
		for (i = 0; i < env->nrcpts; i++)
			if (rcpt_pending(&env->rcpts[i], domain))
				rcpt_set_reply(&env->rcpts[i], c, &s[0].reply);
		return data->answered && data->reply.code == 354 ?
		    TRANSACTION_LOST : TRANSACTION_DONE;
	}

	accepted = rcpt_replies(s, n, c);
	if (accepted == 0)
		return data->answered && data->reply.code == 354 ?
		    TRANSACTION_LOST : TRANSACTION_DONE;
	if (data->reply.code != 354) {
		accepted_set_reply(s, n, c, &data->reply);
		return TRANSACTION_DONE;
	}
	return transaction_data(c, o, env, s, n);
}

enum transaction_status
transaction_run(struct smtp_conn *c, const struct send_opts *o,
    struct envelope *env, const char *domain, struct rcpt *last)
{
	struct kmta_err err = { 0 };
	enum transaction_status ts;
	struct step *s;
	size_t n;

	if (!transaction_fits(c, env, domain))
		return TRANSACTION_DONE;
	s = steps_build(c, env, domain, &n);
	if (s == NULL) {
		kmta_err_set(&err, EX_OSERR, "out of memory");
		rcpt_set_error(last, c, &err, "4.3.0");
		return TRANSACTION_LOST;
	}

	if (steps_exchange(c, o, s, n, &err) == -1) {
		/* Verdicts already read stand; the rest go to the next host. */
		if (s[0].answered && s[0].reply.code / 100 == 2)
			rcpt_replies(s, n, c);
		rcpt_set_error(last, c, &err, "4.4.2");
		free(s);
		return TRANSACTION_LOST;
	}
	ts = transaction_replies(c, o, env, domain, s, n, last);
	free(s);
	return ts;
}
