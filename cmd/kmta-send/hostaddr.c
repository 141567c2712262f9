/*
 * The addresses of one host to connect to, in the order to try them:
 * the preferred address family first ([send] address_preference), limited
 * by [send] inet_protocols or -4/-6. MX hosts are looked up with ldns. A
 * relay name is looked up with the libcommon resolver when [dns]
 * name_servers is set, else with getaddrinfo(3), so /etc/hosts works for
 * smarthosts. A relay without an address is a temporary failure, because
 * the fix (the relay setting or its DNS) is the sender's, not the
 * recipient's.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "send.h"

struct addr_list {
	char (*addrs)[64];
	size_t n;
	bool temp_failure;	/* a lookup failed, so "none" may not be final */
	char why[256];
};

static void
addr_add(struct addr_list *l, const char *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->addrs[i], addr) == 0)
			return;
	if (l->n < ROUTE_ADDRS_MAX)
		snprintf(l->addrs[l->n++], 64, "%s", addr);
}

static bool
family_wanted(const struct send_opts *o, int family)
{
	return o->family == AF_UNSPEC || o->family == family;
}

/* Add the addresses of one family for name, looked up with ldns. */
static void
addr_lookup_ldns(const struct send_opts *o, const char *name, int family,
    struct addr_list *l)
{
	ldns_rr_type type = family == AF_INET6 ? LDNS_RR_TYPE_AAAA :
	    LDNS_RR_TYPE_A;
	struct kmta_err err = { 0 };
	ldns_resolver *res = NULL;
	ldns_rr_list *rrs;
	ldns_pkt *pkt;
	size_t i;

	if (!family_wanted(o, family))
		return;
	if (mx_dns_resolver(o, &res, &err) == -1 ||
	    mx_dns_query(res, name, type, &pkt, &err) == -1) {
		if (res != NULL)
			ldns_resolver_deep_free(res);
		l->temp_failure = true;
		snprintf(l->why, sizeof(l->why), "%s", err.msg);
		return;
	}

	rrs = ldns_pkt_rr_list_by_type(pkt, type, LDNS_SECTION_ANSWER);
	for (i = 0; rrs != NULL && i < ldns_rr_list_rr_count(rrs); i++) {
		char *text = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(rrs, i),
		    0));

		if (text != NULL)
			addr_add(l, text);
		free(text);
	}
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(pkt);
	ldns_resolver_deep_free(res);
}

/*
 * Add the addresses of a relay name from the [dns] name_servers, the
 * preferred family first.
 */
static void
addr_lookup_relay(const struct send_opts *o, const char *servers,
    const char *name, struct addr_list *l)
{
	struct kmta_dns_options opt = { 0 };
	struct kmta_err err = { 0 };
	struct kmta_addr_set set;
	struct kmta_dns *dns;
	bool want_v6;
	size_t i;
	int pass;

	opt.name_servers = servers;
	opt.timeout = kmta_conf_num(o->conf, "dns", "timeout", 10);
	opt.trust_anchor_file = kmta_conf_str(o->conf, "dns",
	    "trust_anchor_file", NULL);
	if (kmta_dns_open(&opt, &dns, &err) == -1) {
		l->temp_failure = true;
		snprintf(l->why, sizeof(l->why), "%s", err.msg);
		return;
	}
	if (kmta_dns_addrs(dns, name, o->family == AF_INET ? 4 :
	    o->family == AF_INET6 ? 6 : 0, &set, &err) == -1) {
		l->temp_failure = true;
		snprintf(l->why, sizeof(l->why), "%s", err.msg);
		kmta_dns_close(dns);
		return;
	}

	if (set.result == KMTA_DNS_FAILED) {
		l->temp_failure = true;
		snprintf(l->why, sizeof(l->why), "lookup of %s failed: %s",
		    name, set.why);
	}
	for (pass = 0; pass < 2; pass++) {
		want_v6 = (o->prefer_family == AF_INET6) == (pass == 0);
		for (i = 0; i < set.count; i++)
			if ((strchr(set.addrs[i], ':') != NULL) == want_v6)
				addr_add(l, set.addrs[i]);
	}
	kmta_addr_set_free(&set);
	kmta_dns_close(dns);
}

/*
 * Add the addresses of one family for name from getaddrinfo(3).
 * NOTE: [dns] timeout does not bound this lookup; resolv.conf(5) does.
 */
static void
addr_lookup_system(const struct send_opts *o, const char *name, int family,
    struct addr_list *l)
{
	struct addrinfo hints, *ai, *p;
	char text[64];
	int rc;

	if (!family_wanted(o, family))
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &ai);
	if (rc == EAI_AGAIN || rc == EAI_SYSTEM || rc == EAI_MEMORY) {
		l->temp_failure = true;
		snprintf(l->why, sizeof(l->why), "lookup of %s failed: %s",
		    name, gai_strerror(rc));
		return;
	}
	if (rc != 0)
		return;
	for (p = ai; p != NULL; p = p->ai_next) {
		const void *sa = p->ai_family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr;

		if (inet_ntop(p->ai_family, sa, text, sizeof(text)) != NULL)
			addr_add(l, text);
	}
	freeaddrinfo(ai);
}

int
route_addresses(const struct send_opts *o, const struct route_host *h,
    char (*addrs)[64], size_t *n, char *esc, struct kmta_err *err)
{
	struct addr_list l = { addrs, 0, false, "" };
	const char *servers = kmta_conf_str(o->conf, "dns", "name_servers",
	    NULL);
	unsigned char bin[16];
	int first = o->prefer_family;
	int second = first == AF_INET6 ? AF_INET : AF_INET6;
	int literal = inet_pton(AF_INET, h->name, bin) == 1 ? AF_INET :
	    inet_pton(AF_INET6, h->name, bin) == 1 ? AF_INET6 : AF_UNSPEC;

	/* An IP address needs no lookup, but -4/-6 apply to it too. */
	*n = 0;
	if (literal != AF_UNSPEC && !family_wanted(o, literal)) {
		snprintf(esc, SEND_ESC_MAX, "4.4.4");
		return kmta_err_set(err, EX_TEMPFAIL, "%s is an %s address, and "
		    "only %s is enabled", h->name,
		    literal == AF_INET ? "IPv4" : "IPv6",
		    o->family == AF_INET ? "IPv4" : "IPv6");
	}
	if (literal != AF_UNSPEC) {
		addr_add(&l, h->name);
		*n = l.n;
		return 0;
	}

	if (h->relay && servers != NULL) {
		addr_lookup_relay(o, servers, h->name, &l);
	} else if (h->relay) {
		addr_lookup_system(o, h->name, first, &l);
		addr_lookup_system(o, h->name, second, &l);
	} else {
		addr_lookup_ldns(o, h->name, first, &l);
		addr_lookup_ldns(o, h->name, second, &l);
	}

	*n = l.n;
	if (l.n > 0)
		return 0;
	if (l.temp_failure) {
		snprintf(esc, SEND_ESC_MAX, "4.4.3");
		return kmta_err_set(err, EX_TEMPFAIL, "%s", l.why);
	}
	/* A local limit to one family is the operator's to change: retry. */
	if (o->family != AF_UNSPEC) {
		snprintf(esc, SEND_ESC_MAX, "4.4.4");
		return kmta_err_set(err, EX_TEMPFAIL, "host %s has no %s "
		    "address, and only %s is enabled", h->name,
		    o->family == AF_INET ? "IPv4" : "IPv6",
		    o->family == AF_INET ? "IPv4" : "IPv6");
	}
	if (h->relay) {
		snprintf(esc, SEND_ESC_MAX, "4.4.4");
		return kmta_err_set(err, EX_TEMPFAIL, "relay host %s has no "
		    "address: check the relay setting", h->name);
	}
	snprintf(esc, SEND_ESC_MAX, "5.4.4");
	return kmta_err_set(err, EX_UNAVAILABLE, "host %s has no address",
	    h->name);
}
