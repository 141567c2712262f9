/* A domain's check: MX RRset, MTA-STS, TLS-RPT, each host, exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int
add_host(struct domain_check *c, const char *host, uint16_t preference,
    enum kmta_dnssec mx_security, const struct check_options *opt,
    struct kmta_dns *dns, struct kmta_err *err)
{
	struct host_check *h = &c->hosts[c->nhosts];

	memset(h, 0, sizeof(*h));
	h->preference = preference;
	if (kmta_dane_host(dns, host, opt->port, mx_security, opt->family,
	    &h->dane, err) == -1)
		return -1;
	c->nhosts++;
	return check_one_host(c, h, opt, err);
}

static void
summarize(struct domain_check *c)
{
	enum verdict worst = VERDICT_PASS;
	const struct host_check *w = NULL;
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (w == NULL || c->hosts[i].verdict > worst) {
			worst = c->hosts[i].verdict;
			w = &c->hosts[i];
		}

	switch (worst) {
	case VERDICT_PASS:
		c->exit_code = CHECK_EXIT_PASS;
		snprintf(c->summary, sizeof(c->summary), "pass: every MX host "
		    "verified under the policy that applies");
		break;
	case VERDICT_UNPROTECTED:
		c->exit_code = CHECK_EXIT_UNPROTECTED;
		snprintf(c->summary, sizeof(c->summary), "unprotected: %s has "
		    "neither usable DANE nor an enforced MTA-STS policy",
		    w->dane.host);
		break;
	case VERDICT_TEMPFAIL:
		c->exit_code = EX_TEMPFAIL;
		snprintf(c->summary, sizeof(c->summary), "temporary failure: "
		    "%s: %s", w->dane.host, w->reason);
		break;
	case VERDICT_FAIL:
		c->exit_code = CHECK_EXIT_FAIL;
		snprintf(c->summary, sizeof(c->summary), "fail: %s: %s",
		    w->dane.host, w->reason);
		break;
	}
}

/* The MX RRset decides alone: no mail, no domain, or a failed lookup. */
static bool
mx_decides(struct domain_check *c)
{
	if (c->mx.result == KMTA_DNS_FAILED) {
		bool bogus = c->mx.security == KMTA_DNSSEC_BOGUS;

		c->exit_code = bogus ? CHECK_EXIT_FAIL : EX_TEMPFAIL;
		snprintf(c->summary, sizeof(c->summary), "%s: MX lookup: %s",
		    bogus ? "fail" : "temporary failure", c->mx.why);
		return true;
	}
	if (c->mx.result == KMTA_DNS_NXDOMAIN) {
		c->exit_code = EX_UNAVAILABLE;
		snprintf(c->summary, sizeof(c->summary), "no mail: %s does "
		    "not exist", c->domain);
		return true;
	}
	if (c->mx.null_mx) {
		c->exit_code = EX_UNAVAILABLE;
		snprintf(c->summary, sizeof(c->summary), "no mail: %s "
		    "publishes a null MX (RFC 7505)", c->domain);
		return true;
	}
	return false;
}

static int
check_policies(struct kmta_dns *dns, struct domain_check *c,
    const struct check_options *opt, struct kmta_err *err)
{
	if (opt->mta_sts) {
		if (kmta_sts_get(dns, c->domain, &opt->sts, &c->sts, err) == -1)
			return -1;
		c->sts_checked = true;
		if (c->sts.source == KMTA_STS_SRC_CACHE_STALE)
			check_warn(c, "MTA-STS: using the cached policy: %s",
			    c->sts.error);
	}
	if (kmta_tlsrpt_get(dns, c->domain, &c->tlsrpt, err) == -1)
		return -1;
	c->tlsrpt_checked = true;
	return 0;
}

int
check_domain(struct kmta_dns *dns, const char *domain,
    const struct check_options *opt, struct domain_check *c,
    struct kmta_err *err)
{
	size_t i, n;

	memset(c, 0, sizeof(*c));
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	c->port = opt->port;
	if (kmta_dns_mx(dns, domain, &c->mx, err) == -1)
		return -1;
	if (mx_decides(c))
		return 0;
	if (check_policies(dns, c, opt, err) == -1)
		return -1;

	/* RFC 5321 section 5.1: without MX records the domain is the host. */
	c->implicit_mx = c->mx.result != KMTA_DNS_FOUND;
	n = c->implicit_mx ? 1 : c->mx.count;
	c->hosts = calloc(n, sizeof(*c->hosts));
	if (c->hosts == NULL)
		return kmta_err_set(err, EX_OSERR, "%s: out of memory", domain);
	for (i = 0; i < n; i++) {
		if (add_host(c, c->implicit_mx ? domain : c->mx.hosts[i].host,
		    c->implicit_mx ? 0 : c->mx.hosts[i].preference,
		    c->mx.security, opt, dns, err) == -1)
			return -1;
	}
	summarize(c);
	return 0;
}

int
check_host(struct kmta_dns *dns, const char *host,
    const struct check_options *opt, struct domain_check *c,
    struct kmta_err *err)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->domain, sizeof(c->domain), "%s", host);
	c->host_mode = true;
	c->port = opt->port;
	c->hosts = calloc(1, sizeof(*c->hosts));
	if (c->hosts == NULL)
		return kmta_err_set(err, EX_OSERR, "%s: out of memory", host);
	if (add_host(c, host, 0, KMTA_DNSSEC_SECURE, opt, dns, err) == -1)
		return -1;
	summarize(c);

	/* A host that does not exist accepts no mail, like such a domain. */
	if (c->hosts[0].dane.addrs.result == KMTA_DNS_NXDOMAIN) {
		c->exit_code = EX_UNAVAILABLE;
		snprintf(c->summary, sizeof(c->summary), "no mail: %s does "
		    "not exist", host);
	}
	return 0;
}

void
check_free(struct domain_check *c)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		kmta_dane_host_free(&c->hosts[i].dane);
		free(c->hosts[i].probes);
	}
	free(c->hosts);
	c->hosts = NULL;
	c->nhosts = 0;
	kmta_mx_set_free(&c->mx);
}
