/*
 * Per-recipient results: one tab-separated line per recipient on stdout
 * for kmta-queue, one key=value line per recipient on stderr for people,
 * and the exit status that sums them up.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "send.h"

const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_DELIVERED:
		return "delivered";
	case OUTCOME_DEFERRED:
		return "deferred";
	case OUTCOME_FAILED:
		return "failed";
	default:
		return "pending";
	}
}

void
rcpt_set(struct rcpt *r, enum outcome outcome, int code, const char *esc,
    const char *host, const char *text)
{
	r->outcome = outcome;
	if (code > 0)
		snprintf(r->code, sizeof(r->code), "%03d", code % 1000);
	else
		r->code[0] = '\0';
	snprintf(r->esc, sizeof(r->esc), "%s", esc != NULL ? esc : "");
	snprintf(r->host, sizeof(r->host), "%s", host != NULL ? host : "");
	snprintf(r->text, sizeof(r->text), "%s", text != NULL && text[0] !=
	    '\0' ? text : "(no text)");
	r->tls[0] = '\0';
	r->policy_refused = false;
}

void
rcpt_set_from(struct rcpt *r, const struct rcpt *from)
{
	r->outcome = from->outcome == OUTCOME_PENDING ? OUTCOME_DEFERRED :
	    from->outcome;
	memcpy(r->code, from->code, sizeof(r->code));
	memcpy(r->esc, from->esc, sizeof(r->esc));
	memcpy(r->host, from->host, sizeof(r->host));
	memcpy(r->text, from->text, sizeof(r->text));
	memcpy(r->tls, from->tls, sizeof(r->tls));
	r->policy_refused = from->policy_refused;
}

static const char *
dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

/*
 * OUTCOME MSGREF RCPT CODE ESC HOST TEXT, tab-separated. Server text and
 * host names have control characters (tabs included) and non-ASCII bytes
 * replaced by '?', so a line can never be split or forged by a peer.
 */
void
result_print(const struct envelope *env)
{
	char text[SEND_TEXT_MAX], host[SEND_PEER_MAX];
	const struct rcpt *r;
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		kmta_log_clean(text, sizeof(text), r->text, strlen(r->text));
		kmta_log_clean(host, sizeof(host), r->host, strlen(r->host));
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", outcome_name(r->outcome),
		    env->msgref, r->addr, dash(r->code), dash(r->esc),
		    dash(host), text);
	}
	fflush(stdout);
}

/*
 * 77 when local policy held back any recipient, else 75 when any was
 * deferred (a retry can still help), else 69 when any failed permanently,
 * else 0: every recipient was delivered.
 */
int
result_exit_code(const struct envelope *envs, size_t nenvs)
{
	bool deferred = false, failed = false, refused = false;
	size_t i, j;

	for (i = 0; i < nenvs; i++)
		for (j = 0; j < envs[i].nrcpts; j++) {
			enum outcome o = envs[i].rcpts[j].outcome;

			deferred |= o == OUTCOME_DEFERRED || o == OUTCOME_PENDING;
			failed |= o == OUTCOME_FAILED;
			refused |= envs[i].rcpts[j].policy_refused;
		}
	if (refused)
		return EX_NOPERM;
	if (deferred)
		return EX_TEMPFAIL;
	return failed ? EX_UNAVAILABLE : 0;
}

/* "CODE ESC TEXT" with the empty parts left out, cleaned for a log. */
void
reply_summary(const struct rcpt *r, char *buf, size_t size)
{
	char text[SEND_TEXT_MAX];

	kmta_log_clean(text, sizeof(text), r->text, strlen(r->text));
	snprintf(buf, size, "%s%s%s%s%s", r->code, r->code[0] != '\0' ? " " :
	    "", r->esc, r->esc[0] != '\0' ? " " : "", text);
}

void
result_log(const struct envelope *env, const struct rcpt *r)
{
	char reply[SEND_TEXT_MAX + 32];

	reply_summary(r, reply, sizeof(reply));
	kmta_info("msg=%s to=<%s> relay=%s %s status=%s reply=\"%s\"",
	    env->msgref, r->addr, dash(r->host), r->tls[0] != '\0' ? r->tls :
	    "tls=none", outcome_name(r->outcome), reply);
}
