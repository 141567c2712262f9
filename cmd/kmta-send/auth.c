/*
 * SMTP AUTH (RFC 4954) to a relay with PLAIN (RFC 4616) or LOGIN. The
 * credentials go out only inside TLS whose certificate was verified,
 * unless [domain] auth_allow_unverified is set. The password comes
 * from a key source, is never logged, and is wiped after the session.
 *
 * NOTE: the password cannot come from a file descriptor yet, only from a
 * key source (file:, env: or vault:).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "send.h"

#define AUTH_TIMEOUT 300	/* as MAIL (RFC 5321 section 4.5.3.2) */

/*
 * Read the [domain] AUTH settings and load the password. Without a
 * verified TLS level, AUTH is a policy error (EX_NOPERM) unless
 * auth_allow_unverified is set.
 */
int
auth_policy_load(const struct send_opts *o, const char *domain,
    struct dest_policy *p, struct kmta_err *err)
{
	const char *src = kmta_conf_domain_str(o->conf, domain,
	    "auth_password", NULL);

	memset(&p->auth_password, 0, sizeof(p->auth_password));
	p->auth_username = kmta_conf_domain_str(o->conf, domain,
	    "auth_username", NULL);
	p->auth_allow_unverified = kmta_conf_domain_bool(o->conf, domain,
	    "auth_allow_unverified", false);
	if (p->auth_username == NULL)
		return 0;

	if (src == NULL)
		return kmta_err_set(err, EX_CONFIG, "[domain \"%s\"]: "
		    "auth_username is set but auth_password is missing", domain);
	if (p->level != TLS_VERIFY && !p->auth_allow_unverified)
		return kmta_err_set(err, EX_NOPERM, "SMTP AUTH for %s not "
		    "sent: its TLS level is %s; set tls = verify, or "
		    "auth_allow_unverified = yes to accept the risk", domain,
		    tls_level_name(p->level));
	if (keysource_load(o->conf, src, &p->auth_password, err) == -1)
		return kmta_err_wrap(err, "auth_password for %s", domain);
	return 0;
}

void
auth_policy_free(struct dest_policy *p)
{
	kmta_secret_free(&p->auth_password);
}

/* Send a line that contains credentials, and log it with shown instead. */
static int
auth_send(struct smtp_conn *c, const char *prefix, const unsigned char *data,
    size_t len, const char *shown, struct smtp_reply *r, struct kmta_err *err)
{
	size_t b64len = 4 * ((len + 2) / 3);
	size_t plen = strlen(prefix);
	char *line = malloc(plen + b64len + 3);
	int rc;

	if (line == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	memcpy(line, prefix, plen);
	EVP_EncodeBlock((unsigned char *)line + plen, data, (int)len);
	memcpy(line + plen + b64len, "\r\n", 3);

	kmta_debug("%s: >>> %s%s", c->peer, prefix, shown);
	conn_set_timeout(c, AUTH_TIMEOUT);
	rc = conn_write(c, line, plen + b64len + 2, err);
	OPENSSL_cleanse(line, plen + b64len + 2);
	free(line);
	if (rc == -1)
		return -1;
	conn_set_timeout(c, AUTH_TIMEOUT);
	return reply_read(c, r, err);
}

/* AUTH PLAIN with the initial response: "\0username\0password". */
static int
auth_plain(struct smtp_conn *c, const struct dest_policy *p,
    struct smtp_reply *r, struct kmta_err *err)
{
	size_t ulen = strlen(p->auth_username), plen = p->auth_password.len;
	unsigned char *msg = malloc(ulen + plen + 2);
	int rc;

	if (msg == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	msg[0] = '\0';
	memcpy(msg + 1, p->auth_username, ulen);
	msg[ulen + 1] = '\0';
	memcpy(msg + ulen + 2, p->auth_password.data, plen);
	rc = auth_send(c, "AUTH PLAIN ", msg, ulen + plen + 2,
	    "(credentials hidden)", r, err);
	OPENSSL_cleanse(msg, ulen + plen + 2);
	free(msg);
	return rc;
}

/* AUTH LOGIN: the username and the password each follow a 334 reply. */
static int
auth_login(struct smtp_conn *c, const struct send_opts *o,
    const struct dest_policy *p, struct smtp_reply *r, struct kmta_err *err)
{
	if (smtp_command(c, session_timeout(o, AUTH_TIMEOUT), r, err,
	    "AUTH LOGIN") == -1)
		return -1;
	if (r->code != 334)
		return 0;

	if (auth_send(c, "", (const unsigned char *)p->auth_username,
	    strlen(p->auth_username), "(username hidden)", r, err) == -1)
		return -1;
	if (r->code != 334)
		return 0;

	return auth_send(c, "", p->auth_password.data, p->auth_password.len,
	    "(password hidden)", r, err);
}

/*
 * Authenticate when the destination has credentials. Returns 0 to go on,
 * else a session status with *last set. A rejected AUTH defers: wrong
 * credentials are the operator's to fix, not a reason to bounce.
 */
int
session_auth(struct smtp_conn *c, const struct send_opts *o,
    const struct dest_policy *p, struct rcpt *last)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;
	int rc;

	if (p->auth_username == NULL)
		return 0;
	if (!c->tls_verified && !p->auth_allow_unverified) {
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.0", c->peer,
		    "SMTP AUTH not sent: TLS to the server is not verified");
		tls_describe(c, last->tls, sizeof(last->tls));
		last->policy_refused = true;
		return SESSION_NEXT_HOST;
	}
	if (!c->auth_plain && !c->auth_login) {
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.0", c->peer,
		    "credentials are configured but the server does not offer "
		    "AUTH PLAIN or LOGIN");
		tls_describe(c, last->tls, sizeof(last->tls));
		return SESSION_NEXT_HOST;
	}

	memset(&r, 0, sizeof(r));
	rc = c->auth_plain ? auth_plain(c, p, &r, &err) :
	    auth_login(c, o, p, &r, &err);
	if (rc == -1) {
		rcpt_set_error(last, c, &err, "4.4.2");
		return SESSION_NEXT_HOST;
	}
	if (r.code != 235) {
		rcpt_set_reply(last, c, &r);
		last->outcome = OUTCOME_DEFERRED;
		return SESSION_NEXT_HOST;
	}
	return 0;
}
