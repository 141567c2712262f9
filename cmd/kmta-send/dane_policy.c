/*
 * DANE for SMTP (RFC 7672) in kmta-send, on the libcommon DNS and DANE
 * layer. For each MX host, a usable TLSA RRset requires STARTTLS and a
 * certificate that matches a record, and an unusable one requires STARTTLS
 * only. A failed or bogus lookup on a secure chain skips the host, so a
 * host that DANE protects never gets the message in the clear.
 *
 * NOTE: DANE applies to MX hosts only, not to a [domain] relay.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "send.h"

#define DANE_DNS_TIMEOUT 10	/* seconds, as [dns] timeout's default */

/*
 * Open the libcommon resolver, which keeps DNSSEC status, when DANE or
 * MTA-STS applies to domain: [domain] enable_dane or enable_mta_sts is set
 * and the domain is neither relayed nor an address literal.
 */
int
policy_dns_open(const struct send_opts *o, const char *domain,
    struct kmta_dns **dns, struct kmta_err *err)
{
	struct kmta_dns_options opt;

	*dns = NULL;
	if (kmta_conf_domain_str(o->conf, domain, "relay", NULL) != NULL)
		return 0;

	/* An address literal (user@[127.0.0.1]) has no host name to look up
	 * TLSA records or an MTA-STS policy for. */
	if (domain[0] == '[')
		return 0;
	if (!kmta_conf_domain_bool(o->conf, domain, "enable_dane", false) &&
	    !kmta_conf_domain_bool(o->conf, domain, "enable_mta_sts", true))
		return 0;

	memset(&opt, 0, sizeof(opt));
	opt.name_servers = kmta_conf_str(o->conf, "dns", "name_servers", NULL);
	opt.timeout = kmta_conf_num(o->conf, "dns", "timeout",
	    DANE_DNS_TIMEOUT);
	opt.trust_anchor_file = kmta_conf_str(o->conf, "dns",
	    "trust_anchor_file", NULL);
	return kmta_dns_open(&opt, dns, err);
}

/* Copy the host's addresses, the preferred family first. */
static void
addrs_ordered(const struct send_opts *o, const struct kmta_addr_set *set,
    char (*addrs)[64], size_t *n)
{
	bool first_v6 = o->prefer_family == AF_INET6;
	size_t i;
	int pass;

	*n = 0;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < set->count && *n < ROUTE_ADDRS_MAX; i++) {
			bool v6 = strchr(set->addrs[i], ':') != NULL;

			if (v6 == (pass == 0 ? first_v6 : !first_v6))
				snprintf(addrs[(*n)++], 64, "%s", set->addrs[i]);
		}
}

/*
 * Decide the TLS level of one MX host from its TLSA RRset and fill its
 * addresses. Returns 0 when the host may be tried, -1 with *last set when
 * it must be skipped.
 */
int
dane_host_policy(const struct send_opts *o, struct kmta_dns *dns,
    const struct route *r, const struct route_host *h,
    struct kmta_dane_host *dh, struct dest_policy *p, char (*addrs)[64],
    size_t *naddrs, struct rcpt *last)
{
	struct kmta_err err = { 0 };
	char text[SEND_TEXT_MAX];
	int family = 0;

	if (o->family == AF_INET)
		family = 4;
	else if (o->family == AF_INET6)
		family = 6;

	if (kmta_dane_host(dns, h->name, h->port, r->mx_security, family, dh,
	    &err) == -1) {
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.4.3", "", err.msg);
		return -1;
	}

	/* No address of the one enabled family is a local limit, as without
	 * DANE, and not a failed DANE lookup. */
	if (family != 0 && dh->addrs.result == KMTA_DNS_NODATA) {
		snprintf(text, sizeof(text), "host %s has no IPv%d address, and "
		    "only IPv%d is enabled", h->name, family, family);
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.4.4", "", text);
		return -1;
	}

	p->dane_outcome = kmta_dane_outcome_name(dh->outcome);
	switch (dh->outcome) {
	case KMTA_DANE_FAILED:
		snprintf(text, sizeof(text), "DANE lookup for %s failed: %s",
		    h->name, dh->why);
		rcpt_set(last, OUTCOME_DEFERRED, 0, "4.7.5", "", text);
		snprintf(last->tls, sizeof(last->tls), "dane=failed");
		return -1;
	case KMTA_DANE_USABLE:
		p->level = TLS_DANE;
		p->dane = dh;
		break;
	case KMTA_DANE_UNUSABLE:
		if (p->level < TLS_REQUIRED)
			p->level = TLS_REQUIRED;
		break;
	default:
		break;
	}

	addrs_ordered(o, &dh->addrs, addrs, naddrs);
	if (*naddrs > 0)
		return 0;
	snprintf(text, sizeof(text), "host %s has no address%s%s", h->name,
	    dh->addrs.why[0] != '\0' ? ": " : "", dh->addrs.why);
	rcpt_set(last, dh->addrs.result == KMTA_DNS_FAILED ? OUTCOME_DEFERRED :
	    OUTCOME_FAILED, 0, dh->addrs.result == KMTA_DNS_FAILED ? "4.4.3" :
	    "5.4.4", "", text);
	return -1;
}
