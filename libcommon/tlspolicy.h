/*
 * The TLS policy a sender applies to one MX host, strongest first
 * (RFC 7672, RFC 8461): DANE when the host has a secure TLSA RRset, else
 * the domain's MTA-STS policy, else opportunistic TLS.
 *
 * A delivery agent calls, per destination domain and MX host:
 *
 *   kmta_dns_mx(dns, domain, &mx, &err);
 *   kmta_sts_get(dns, domain, &sts_options, &sts, &err);
 *   kmta_dane_host(dns, mx.hosts[i].host, 25, mx.security, 0, &host, &err);
 *   policy = kmta_tls_policy(&host, &sts, &match);
 *
 * For KMTA_POLICY_DANE it then arms its SSL object with kmta_dane_ssl_arm()
 * and checks kmta_dane_ssl_result() after the handshake. For
 * KMTA_POLICY_STS_ENFORCE it skips hosts without match and verifies the
 * certificate under PKIX for the MX host name.
 */
#ifndef KMTA_TLSPOLICY_H
#define KMTA_TLSPOLICY_H

#include <stdbool.h>

#include "dane.h"
#include "mtasts.h"

enum kmta_tls_policy {
	KMTA_POLICY_DANE,		/* STARTTLS, certificate matches TLSA */
	KMTA_POLICY_DANE_ENCRYPT,	/* TLSA present, none usable: STARTTLS */
	KMTA_POLICY_STS_ENFORCE,	/* STARTTLS, PKIX-valid for the host */
	KMTA_POLICY_STS_TESTING,	/* report problems, deliver anyway */
	KMTA_POLICY_NONE,		/* the configured level applies */
	KMTA_POLICY_DEFER,		/* a lookup failed: try again later */
};

/*
 * Decide host's policy. sts is NULL when MTA-STS is disabled; sts_match
 * (may be NULL) is set when an MTA-STS policy in enforce or testing mode
 * lists the host.
 */
enum kmta_tls_policy kmta_tls_policy(const struct kmta_dane_host *host,
    const struct kmta_sts_result *sts, bool *sts_match);

/* "dane", "dane-encrypt", "mta-sts-enforce", ... for reports and logs. */
const char *kmta_tls_policy_name(enum kmta_tls_policy p);

#endif
