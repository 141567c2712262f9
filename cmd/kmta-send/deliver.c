/*
 * Delivery to one destination domain: route it, then try each host and
 * each of its addresses in order until a session gives every pending
 * recipient a verdict. Recipients still pending at the end take the last
 * host-level error (deferred for a 4xx or a local failure, failed for 5xx).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "send.h"

bool
envelope_has_pending(const struct envelope *env, const char *domain)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].outcome == OUTCOME_PENDING &&
		    strcasecmp(env->rcpts[i].domain, domain) == 0)
			return true;
	return false;
}

/* The number of recipients of domain that still wait for a verdict. */
static size_t
count_pending(struct envelope *envs, size_t nenvs, const char *domain)
{
	size_t i, j, n = 0;

	for (i = 0; i < nenvs; i++)
		for (j = 0; j < envs[i].nrcpts; j++)
			if (envs[i].rcpts[j].outcome == OUTCOME_PENDING &&
			    strcasecmp(envs[i].rcpts[j].domain, domain) == 0)
				n++;
	return n;
}

static bool
any_pending(struct envelope *envs, size_t nenvs, const char *domain)
{
	size_t i;

	for (i = 0; i < nenvs; i++)
		if (envelope_has_pending(&envs[i], domain))
			return true;
	return false;
}

/* Give every pending recipient of domain the verdict in last. */
static void
pending_set(struct envelope *envs, size_t nenvs, const char *domain,
    const struct rcpt *last)
{
	size_t i, j;

	for (i = 0; i < nenvs; i++)
		for (j = 0; j < envs[i].nrcpts; j++)
			if (envs[i].rcpts[j].outcome == OUTCOME_PENDING &&
			    strcasecmp(envs[i].rcpts[j].domain, domain) == 0)
				rcpt_set_from(&envs[i].rcpts[j], last);
}

/* Log a host that was tried and skipped, as an operator would grep it. */
static void
log_host_failure(const char *domain, const struct rcpt *last)
{
	char reply[SEND_TEXT_MAX + 32];

	reply_summary(last, reply, sizeof(reply));
	kmta_info("domain=%s relay=%s %s status=%s attempt=failed reply=\"%s\"",
	    domain, last->host[0] != '\0' ? last->host : "-",
	    last->tls[0] != '\0' ? last->tls : "tls=none",
	    outcome_name(last->outcome), reply);
}

/* Read the [domain] settings that shape every session to domain. */
static int
dest_policy_load(const struct send_opts *o, const char *domain, int port,
    struct dest_policy *p, struct rcpt *last)
{
	const char *level = kmta_conf_domain_str(o->conf, domain, "tls",
	    "opportunistic");
	struct kmta_err err = { 0 };

	memset(p, 0, sizeof(*p));
	if (tls_level_parse(level, &p->level) == -1)
		kmta_err_set(&err, EX_CONFIG, "tls: invalid level \"%s\"",
		    level);
	p->implicit_tls = kmta_conf_domain_bool(o->conf, domain,
	    "implicit_tls", port == 465);
	if (err.code == 0 && auth_policy_load(o, domain, p, &err) == 0)
		return 0;

	kmta_error("%s", err.msg);
	rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.0", "", err.msg);
	last->policy_refused = err.code == EX_NOPERM;
	return -1;
}

/* "dane=usable mta_sts=enforce" for the log, or "" without either. */
static void
policy_note(const struct dest_policy *p, char *buf, size_t size)
{
	buf[0] = '\0';
	if (p->dane_outcome != NULL)
		snprintf(buf, size, "dane=%s", p->dane_outcome);
	if (p->sts)
		snprintf(buf + strlen(buf), size - strlen(buf), "%smta_sts=%s",
		    buf[0] != '\0' ? " " : "", kmta_sts_mode_name(p->sts_mode));
}

/* Try one address; return true when no other address need be tried. */
static bool
deliver_address(const struct send_opts *o, struct envelope *envs,
    size_t nenvs, const char *domain, const struct route_host *h,
    const char *addr, const struct dest_policy *policy, struct rcpt *last)
{
	struct dest_policy p = *policy;
	struct kmta_err err = { 0 };
	enum session_status st;
	struct smtp_conn c;
	size_t before;
	int rc;

	for (;;) {
		before = count_pending(envs, nenvs, domain);
		rc = conn_open(&c, o, h->name, addr, h->port, &err);
		policy_note(&p, c.policy, sizeof(c.policy));
		c.sts_testing = p.sts && p.sts_mode == KMTA_STS_TESTING &&
		    p.level != TLS_DANE;
		if (rc == -1) {
			rcpt_set_error(last, &c, &err, "4.4.1");
			conn_close(&c);
			return false;
		}
		st = session_run(&c, o, envs, nenvs, domain, &p, last);
		conn_close(&c);

		/* A server that ends a batch early (a limit of messages per
		 * session) gets a new connection while each one makes progress. */
		if (st == SESSION_NEXT_HOST && count_pending(envs, nenvs,
		    domain) < before && any_pending(envs, nenvs, domain)) {
			log_host_failure(domain, last);
			continue;
		}
		if (st != SESSION_RETRY_PLAIN)
			break;

		/* Opportunistic TLS may fall back to plain text (RFC 7435). */
		log_host_failure(domain, last);
		p.level = TLS_DISABLED;
	}
	return st == SESSION_DONE || !any_pending(envs, nenvs, domain);
}

/* Try every address of one host; return true when no other host need be
 * tried. */
static bool
deliver_host(const struct send_opts *o, struct envelope *envs, size_t nenvs,
    const char *domain, struct kmta_dns *dns, const struct route *r,
    const struct route_host *host, const struct dest_policy *policy,
    struct rcpt *last)
{
	char addrs[ROUTE_ADDRS_MAX][64], esc[SEND_ESC_MAX];
	struct dest_policy p = *policy;
	struct kmta_err err = { 0 };
	struct kmta_dane_host dane;
	bool done = false;
	size_t a, n = 0;
	int rc;

	memset(&dane, 0, sizeof(dane));
	if (r->dane) {
		rc = dane_host_policy(o, dns, r, host, &dane, &p, addrs, &n,
		    last);
	} else {
		rc = route_addresses(o, host, addrs, &n, esc, &err);
		if (rc == -1)
			rcpt_set_error(last, NULL, &err, esc);
	}

	/* MTA-STS enforce needs PKIX unless DANE protects the host. */
	if (rc == 0 && p.sts && p.sts_mode == KMTA_STS_ENFORCE &&
	    p.level != TLS_DANE)
		p.level = TLS_VERIFY;

	if (rc == -1)
		log_host_failure(domain, last);
	for (a = 0; rc == 0 && a < n && !done; a++) {
		done = deliver_address(o, envs, nenvs, domain, host, addrs[a],
		    &p, last);
		if (!done)
			log_host_failure(domain, last);
	}
	if (r->dane)
		kmta_dane_host_free(&dane);
	return done;
}

void
deliver_domain(const struct send_opts *o, struct envelope *envs,
    size_t nenvs, const char *domain)
{
	struct dest_policy policy = { 0 };
	struct kmta_err err = { 0 };
	struct kmta_dns *dns = NULL;
	struct rcpt last;
	struct route r = { 0 };
	size_t h;

	memset(&last, 0, sizeof(last));
	rcpt_set(&last, OUTCOME_DEFERRED, 0, "4.4.0", "", "no host was tried");
	if (policy_dns_open(o, domain, &dns, &err) == -1 ||
	    route_lookup(o, dns, domain, &r, &err) == -1) {
		rcpt_set_error(&last, NULL, &err, r.esc[0] != '\0' ? r.esc :
		    "4.4.3");
		goto done;
	}

	/* Every host of a route shares the port: one relay, or [domain] port. */
	if (r.nhosts > 0 && dest_policy_load(o, domain, r.hosts[0].port,
	    &policy, &last) == -1)
		goto done;
	r.dane = dns != NULL &&
	    kmta_conf_domain_bool(o->conf, domain, "enable_dane", false);
	if (sts_route_apply(o, dns, domain, &r, &policy, &last) == -1)
		goto done;

	for (h = 0; h < r.nhosts && any_pending(envs, nenvs, domain); h++)
		if (deliver_host(o, envs, nenvs, domain, dns, &r, &r.hosts[h],
		    &policy, &last))
			break;

done:
	route_free(&r);
	auth_policy_free(&policy);
	if (dns != NULL)
		kmta_dns_close(dns);
	if (any_pending(envs, nenvs, domain))
		pending_set(envs, nenvs, domain, &last);
}
