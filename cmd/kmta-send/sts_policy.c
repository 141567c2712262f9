/*
 * MTA-STS (RFC 8461) in kmta-send, on the libcommon MTA-STS layer. In
 * enforce mode, MX hosts that match none of the policy's patterns are
 * dropped, and every remaining host needs TLS with a PKIX-valid
 * certificate for its name, unless DANE already protects it. In testing
 * mode a host outside the patterns is logged and still used, and so is a
 * session that enforce mode would reject (tls_sts_testing_report).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "send.h"

/* Drop (enforce) or report (testing) the hosts outside the policy. */
static void
sts_filter_hosts(const char *domain, struct route *r,
    const struct kmta_sts_policy *policy)
{
	size_t i, kept = 0;

	for (i = 0; i < r->nhosts; i++) {
		if (kmta_sts_mx_match(policy, r->hosts[i].name)) {
			r->hosts[kept++] = r->hosts[i];
			continue;
		}
		kmta_warn("domain=%s mta_sts=%s host=%s: not in the policy's "
		    "mx patterns%s", domain, kmta_sts_mode_name(policy->mode),
		    r->hosts[i].name, policy->mode == KMTA_STS_ENFORCE ?
		    ", skipped" : ", used because the mode is testing");
		if (policy->mode != KMTA_STS_ENFORCE)
			r->hosts[kept++] = r->hosts[i];
	}
	r->nhosts = kept;
}

/*
 * Find the domain's MTA-STS policy and apply it to the route. Returns 0,
 * or -1 with *last set when no host is left to try.
 */
int
sts_route_apply(const struct send_opts *o, struct kmta_dns *dns,
    const char *domain, struct route *r, struct dest_policy *p,
    struct rcpt *last)
{
	struct kmta_sts_options opt;
	struct kmta_sts_result res;
	struct kmta_err err = { 0 };

	if (dns == NULL || r->relay ||
	    !kmta_conf_domain_bool(o->conf, domain, "enable_mta_sts", true))
		return 0;

	memset(&opt, 0, sizeof(opt));
	opt.cache_dir = kmta_conf_str(o->conf, "mta_sts", "cache_dir", NULL);
	opt.ca_file = kmta_conf_str(o->conf, "mta_sts", "ca_file", NULL);
	if (kmta_sts_get(dns, domain, &opt, &res, &err) == -1) {
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.4.3", "", err.msg);
		return -1;
	}
	if (res.cache_error[0] != '\0')
		kmta_warn("domain=%s mta_sts: %s", domain, res.cache_error);

	/* Without a policy, RFC 8461 section 5.1 delivers as before. */
	if (res.source == KMTA_STS_SRC_NONE) {
		if (res.error[0] != '\0')
			kmta_info("domain=%s mta_sts=none reason=\"%s\"", domain,
			    res.error);
		return 0;
	}
	p->sts = true;
	p->sts_mode = res.policy.mode;
	if (p->sts_mode == KMTA_STS_NONE)
		return 0;

	sts_filter_hosts(domain, r, &res.policy);
	if (r->nhosts > 0)
		return 0;
	rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.5", "", "no MX host matches "
	    "the domain's MTA-STS policy");
	snprintf(last->tls, sizeof(last->tls), "mta_sts=enforce");
	return -1;
}
