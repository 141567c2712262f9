/*
 * The addresses of one host to connect to, in the order to try them:
 * the preferred address family first ([send] address_preference), limited
 * by [send] inet_protocols. MX hosts are looked up with ldns; a relay name
 * goes through getaddrinfo(3), so /etc/hosts works for smarthosts.
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
	unsigned char bin[16];
	int first = o->prefer_family;
	int second = first == AF_INET6 ? AF_INET : AF_INET6;

	/* An IP address needs no lookup. */
	if (inet_pton(AF_INET, h->name, bin) == 1 ||
	    inet_pton(AF_INET6, h->name, bin) == 1) {
		addr_add(&l, h->name);
		*n = l.n;
		return 0;
	}

	if (h->system_resolver) {
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
	snprintf(esc, SEND_ESC_MAX, "5.4.4");
	return kmta_err_set(err, EX_UNAVAILABLE, "host %s has no address",
	    h->name);
}
