/* The policy and verdict of one MX host, from DNS and its probes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

const char *
verdict_name(enum verdict v)
{
	static const char *names[] = { "pass", "unprotected", "tempfail",
	    "fail" };

	return names[v];
}

void
check_warn(struct domain_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarnings == CHECK_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(c->warnings[c->nwarnings++], sizeof(c->warnings[0]), fmt,
	    ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void
set_verdict(struct host_check *h, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	h->verdict = v;
	va_start(ap, fmt);
	vsnprintf(h->reason, sizeof(h->reason), fmt, ap);
	va_end(ap);
}

static bool
dnssec_bogus(const struct kmta_dane_host *d)
{
	return d->mx_security == KMTA_DNSSEC_BOGUS ||
	    d->addrs.security == KMTA_DNSSEC_BOGUS ||
	    d->tlsa_security == KMTA_DNSSEC_BOGUS;
}

/* The verdict one address earns under the host's policy. */
static enum verdict
judge_probe(const struct host_check *h, const struct probe_result *p,
    char *why, size_t whylen)
{
	bool tls_required = h->policy == KMTA_POLICY_DANE ||
	    h->policy == KMTA_POLICY_DANE_ENCRYPT ||
	    h->policy == KMTA_POLICY_STS_ENFORCE;

	if (!p->tls && tls_required) {
		snprintf(why, whylen, "%s: %s", p->addr, p->error);
		if (p->connected && !p->starttls_offered)
			return VERDICT_FAIL;
		return p->temporary ? VERDICT_TEMPFAIL : VERDICT_FAIL;
	}
	if (h->policy == KMTA_POLICY_DANE && !p->dane.verified) {
		snprintf(why, whylen, "%s: TLSA mismatch: %s", p->addr,
		    p->dane.why);
		return VERDICT_FAIL;
	}
	if (h->policy == KMTA_POLICY_STS_ENFORCE && !p->pkix_valid) {
		snprintf(why, whylen, "%s: certificate not valid for %s: %s",
		    p->addr, h->dane.host, p->pkix_why);
		return VERDICT_FAIL;
	}
	return VERDICT_PASS;
}

static void
warn_probe(struct domain_check *c, const struct host_check *h,
    const struct probe_result *p, int warn_days)
{
	if (p->tls && p->has_cert && p->days_left < warn_days)
		check_warn(c, "%s[%s]: certificate expires in %ld days",
		    h->dane.host, p->addr, p->days_left);
	if (h->policy == KMTA_POLICY_STS_TESTING && p->tls && !p->pkix_valid)
		check_warn(c, "%s[%s]: MTA-STS testing: certificate not valid: "
		    "%s", h->dane.host, p->addr, p->pkix_why);
	if (h->policy == KMTA_POLICY_NONE && p->connected && !p->tls)
		check_warn(c, "%s[%s]: no TLS: %s", h->dane.host, p->addr,
		    p->error);
}

static int
probe_all(struct host_check *h, const struct check_options *opt,
    struct kmta_err *err)
{
	size_t i;

	h->probes = calloc(h->dane.addrs.count, sizeof(*h->probes));
	if (h->probes == NULL && h->dane.addrs.count > 0)
		return kmta_err_set(err, EX_OSERR, "%s: out of memory",
		    h->dane.host);
	for (i = 0; i < h->dane.addrs.count; i++)
		probe_host(&opt->probe, &h->dane, h->dane.addrs.addrs[i],
		    &h->probes[h->nprobes++]);
	return 0;
}

/* The verdict before any connection: what DNS and the policy decide. */
static bool
judge_dns(struct host_check *h, struct domain_check *c)
{
	switch (h->policy) {
	case KMTA_POLICY_DEFER:
		if (dnssec_bogus(&h->dane))
			set_verdict(h, VERDICT_FAIL, "bogus DNSSEC: %s",
			    h->dane.why);
		else
			set_verdict(h, VERDICT_TEMPFAIL, "%s", h->dane.why);
		return true;
	case KMTA_POLICY_STS_ENFORCE:
		if (!h->sts_match) {
			set_verdict(h, VERDICT_FAIL, "MX host matches no mx "
			    "pattern of the MTA-STS policy");
			return true;
		}
		break;
	case KMTA_POLICY_STS_TESTING:
		if (!h->sts_match)
			check_warn(c, "%s: MTA-STS testing: MX host matches no "
			    "mx pattern", h->dane.host);
		break;
	default:
		break;
	}
	return false;
}

int
check_one_host(struct domain_check *c, struct host_check *h,
    const struct check_options *opt, struct kmta_err *err)
{
	char why[256];
	enum verdict v;
	size_t i;

	h->policy = kmta_tls_policy(&h->dane, c->sts_checked ? &c->sts : NULL,
	    &h->sts_match);
	if (h->dane.outcome == KMTA_DANE_USABLE && h->dane.count == 1)
		check_warn(c, "%s: a single TLSA record is published; a key "
		    "rollover breaks delivery unless a second record is "
		    "published first", h->dane.host);

	set_verdict(h, h->policy == KMTA_POLICY_DANE ||
	    h->policy == KMTA_POLICY_STS_ENFORCE ? VERDICT_PASS :
	    VERDICT_UNPROTECTED, "%s", "");
	if (judge_dns(h, c) || opt->dns_only)
		return 0;

	if (probe_all(h, opt, err) == -1)
		return -1;
	for (i = 0; i < h->nprobes; i++) {
		warn_probe(c, h, &h->probes[i], opt->expiry_warn_days);
		v = judge_probe(h, &h->probes[i], why, sizeof(why));
		if (v > h->verdict)
			set_verdict(h, v, "%s", why);
	}
	return 0;
}
