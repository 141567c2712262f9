/* The TLS policy of one MX host from its DANE outcome and MTA-STS. */
#include <stddef.h>

#include "tlspolicy.h"

const char *
kmta_tls_policy_name(enum kmta_tls_policy p)
{
	static const char *names[] = { "dane", "dane-encrypt",
	    "mta-sts-enforce", "mta-sts-testing", "none", "defer" };

	return names[p];
}

enum kmta_tls_policy
kmta_tls_policy(const struct kmta_dane_host *host,
    const struct kmta_sts_result *sts, bool *sts_match)
{
	bool have_sts = sts != NULL && sts->source != KMTA_STS_SRC_NONE &&
	    sts->policy.mode != KMTA_STS_NONE;

	if (sts_match != NULL)
		*sts_match = have_sts && kmta_sts_mx_match(&sts->policy,
		    host->host);

	switch (host->outcome) {
	case KMTA_DANE_USABLE:
		return KMTA_POLICY_DANE;
	case KMTA_DANE_UNUSABLE:
		return KMTA_POLICY_DANE_ENCRYPT;
	case KMTA_DANE_FAILED:
		return KMTA_POLICY_DEFER;
	default:
		break;
	}
	if (!have_sts)
		return KMTA_POLICY_NONE;
	return sts->policy.mode == KMTA_STS_ENFORCE ? KMTA_POLICY_STS_ENFORCE :
	    KMTA_POLICY_STS_TESTING;
}
