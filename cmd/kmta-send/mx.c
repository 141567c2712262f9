/*
 * Routing a destination domain to the hosts to try: the relay from
 * [domain] when set, else the MX records in preference order (RFC 5321
 * section 5.1), the implicit MX, or a null MX (RFC 7505) as a permanent
 * failure. Lookups use ldns with [dns] name_servers or /etc/resolv.conf.
 *
 * NOTE: the ldns lookups here serve only domains with DANE and MTA-STS
 * off; they should move onto libcommon/dns.h as the other path has.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "send.h"

#define DNS_TIMEOUT_DEFAULT 10	/* seconds per query and server */

/* Add each "address[:port]" of [dns] name_servers to res. */
static int
dns_add_servers(ldns_resolver *res, const char *list, struct kmta_err *err)
{
	char copy[1024], host[SEND_HOST_MAX], *tok, *save = NULL;
	int port, first_port = 0;
	ldns_rdf *ns;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		if (kmta_parse_hostport(tok, host, sizeof(host), &port, 53) == -1)
			return kmta_err_set(err, EX_CONFIG, "[dns] name_servers: "
			    "invalid server \"%s\": expected address[:port]",
			    tok);
		ns = ldns_rdf_new_frm_str(strchr(host, ':') != NULL ?
		    LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host);
		if (ns == NULL)
			return kmta_err_set(err, EX_CONFIG, "[dns] name_servers: "
			    "\"%s\" is not an IP address", host);
		ldns_resolver_push_nameserver(res, ns);
		ldns_rdf_deep_free(ns);

		/* NOTE: ldns has one port per resolver; the first one wins. */
		if (first_port == 0)
			first_port = port;
	}
	if (first_port == 0)
		return kmta_err_set(err, EX_CONFIG, "[dns] name_servers: empty");
	ldns_resolver_set_port(res, (uint16_t)first_port);
	return 0;
}

int
mx_dns_resolver(const struct send_opts *o, ldns_resolver **out,
    struct kmta_err *err)
{
	const char *servers = kmta_conf_str(o->conf, "dns", "name_servers",
	    NULL);
	struct timeval tv = { 0, 0 };
	ldns_resolver *res = NULL;

	if (servers == NULL) {
		if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK)
			return kmta_err_set(err, EX_TEMPFAIL, "DNS: cannot read "
			    "/etc/resolv.conf; set [dns] name_servers");
	} else {
		res = ldns_resolver_new();
		if (res == NULL)
			return kmta_err_set(err, EX_OSERR, "DNS: out of memory");
		if (dns_add_servers(res, servers, err) == -1) {
			ldns_resolver_deep_free(res);
			return -1;
		}
	}

	tv.tv_sec = kmta_conf_num(o->conf, "dns", "timeout",
	    DNS_TIMEOUT_DEFAULT);
	ldns_resolver_set_timeout(res, tv);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_recursive(res, true);
	ldns_resolver_set_fallback(res, true);
	*out = res;
	return 0;
}

/*
 * Query name/type. On success *pkt is the answer (NXDOMAIN and NODATA
 * included); -1 means no usable answer, a temporary failure.
 */
int
mx_dns_query(ldns_resolver *res, const char *name, ldns_rr_type type,
    ldns_pkt **pkt, struct kmta_err *err)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	ldns_status st;
	ldns_pkt_rcode rcode;

	if (dname == NULL)
		return kmta_err_set(err, EX_UNAVAILABLE, "DNS: invalid name "
		    "\"%s\"", name);
	*pkt = NULL;
	st = ldns_resolver_query_status(pkt, res, dname, type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rdf_deep_free(dname);
	if (st != LDNS_STATUS_OK || *pkt == NULL)
		return kmta_err_set(err, EX_TEMPFAIL, "DNS lookup of %s failed: "
		    "%s", name, ldns_get_errorstr_by_id(st));

	rcode = ldns_pkt_get_rcode(*pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		ldns_pkt_free(*pkt);
		*pkt = NULL;
		return kmta_err_set(err, EX_TEMPFAIL, "DNS lookup of %s failed: "
		    "server returned rcode %d", name, (int)rcode);
	}
	return 0;
}

static int
host_cmp(const void *a, const void *b)
{
	const struct route_host *x = a, *y = b;

	return x->preference - y->preference;
}

/* Shuffle each run of hosts with equal preference (RFC 5321 5.1). */
static void
hosts_shuffle_equal(struct route_host *h, size_t n)
{
	size_t start = 0, end, i, j;
	struct route_host tmp;
	unsigned int rnd;

	while (start < n) {
		for (end = start + 1; end < n &&
		    h[end].preference == h[start].preference; end++)
			;
		for (i = end - 1; i > start; i--) {
			if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
				rnd = (unsigned int)i;
			j = start + rnd % (i - start + 1);
			tmp = h[i];
			h[i] = h[j];
			h[j] = tmp;
		}
		start = end;
	}
}

static int
route_add(struct route *r, const char *name, int preference, int port,
    struct kmta_err *err)
{
	struct route_host *h;

	h = realloc(r->hosts, (r->nhosts + 1) * sizeof(*h));
	if (h == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	r->hosts = h;
	h = &r->hosts[r->nhosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->preference = preference;
	h->port = port;
	return 0;
}

static int
route_fail(struct route *r, const char *esc, struct kmta_err *err,
    const char *domain, const char *why)
{
	snprintf(r->esc, sizeof(r->esc), "%s", esc);
	return kmta_err_set(err, EX_UNAVAILABLE, "domain %s %s", domain, why);
}

/* Fill r from the MX answer for domain, handling null and implicit MX. */
static int
route_from_mx(struct route *r, ldns_pkt *pkt, const char *domain, int port,
    struct kmta_err *err)
{
	ldns_rr_list *mx;
	size_t i;
	int rc = 0;

	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN)
		return route_fail(r, "5.1.2", err, domain,
		    "not found (NXDOMAIN)");

	mx = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_MX, LDNS_SECTION_ANSWER);
	if (mx == NULL || ldns_rr_list_rr_count(mx) == 0) {
		ldns_rr_list_deep_free(mx);
		return route_add(r, domain, 0, port, err);
	}

	for (i = 0; i < ldns_rr_list_rr_count(mx) && rc == 0; i++) {
		ldns_rr *rr = ldns_rr_list_rr(mx, i);
		int pref = ldns_rdf2native_int16(ldns_rr_mx_preference(rr));
		char *name = ldns_rdf2str(ldns_rr_mx_exchange(rr));
		size_t len = name != NULL ? strlen(name) : 0;

		if (len > 1 && name[len - 1] == '.')
			name[len - 1] = '\0';
		if (name == NULL)
			rc = kmta_err_set(err, EX_OSERR, "out of memory");
		else if (strcmp(name, ".") == 0)
			rc = route_fail(r, "5.1.10", err, domain,
			    "does not accept mail (null MX, RFC 7505)");
		else
			rc = route_add(r, name, pref, port, err);
		free(name);
	}
	ldns_rr_list_deep_free(mx);
	return rc;
}

/* A relay from [domain "DOMAIN"] or [domain "*"]: one host to try. */
static int
route_from_relay(struct route *r, const char *relay, int port,
    struct kmta_err *err)
{
	char host[SEND_HOST_MAX];
	int relay_port;

	if (kmta_parse_hostport(relay, host, sizeof(host), &relay_port,
	    port) == -1)
		return kmta_err_set(err, EX_CONFIG, "relay: invalid value \"%s\"",
		    relay);
	r->relay = true;
	if (route_add(r, host, 0, relay_port, err) == -1)
		return -1;
	r->hosts[0].relay = true;
	return 0;
}

/* Fill r from an MX lookup that keeps the DNSSEC status, for DANE. */
static int
route_from_dnssec(struct route *r, struct kmta_dns *dns, const char *domain,
    int port, struct kmta_err *err)
{
	struct kmta_mx_set set;
	size_t i;
	int rc = 0;

	if (kmta_dns_mx(dns, domain, &set, err) == -1)
		return -1;
	r->mx_security = set.security;
	if (set.result == KMTA_DNS_NXDOMAIN)
		rc = route_fail(r, "5.1.2", err, domain, "not found (NXDOMAIN)");
	else if (set.result == KMTA_DNS_FAILED)
		rc = kmta_err_set(err, EX_TEMPFAIL, "MX lookup of %s failed: %s",
		    domain, set.why);
	else if (set.null_mx)
		rc = route_fail(r, "5.1.10", err, domain,
		    "does not accept mail (null MX, RFC 7505)");
	else if (set.result == KMTA_DNS_NODATA)
		rc = route_add(r, domain, 0, port, err);
	for (i = 0; rc == 0 && set.result == KMTA_DNS_FOUND &&
	    i < set.count; i++)
		rc = route_add(r, set.hosts[i].host, set.hosts[i].preference,
		    port, err);
	kmta_mx_set_free(&set);
	return rc;
}

/*
 * Route domain. With dns (DANE or MTA-STS enabled) the MX lookup goes
 * through the libcommon DNS layer and keeps its DNSSEC status. Without it,
 * ldns queries the configured name servers directly.
 */
int
route_lookup(const struct send_opts *o, struct kmta_dns *dns,
    const char *domain, struct route *r, struct kmta_err *err)
{
	const char *relay = kmta_conf_domain_str(o->conf, domain, "relay", NULL);
	int port = (int)kmta_conf_domain_num(o->conf, domain, "port", 25);
	ldns_resolver *res;
	ldns_pkt *pkt;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->esc, sizeof(r->esc), "4.4.3");
	if (relay != NULL)
		return route_from_relay(r, relay, port, err);

	/* An address literal, user@[127.0.0.1], names the host itself. */
	if (domain[0] == '[') {
		char literal[SEND_HOST_MAX];

		snprintf(literal, sizeof(literal), "%.*s",
		    (int)strlen(domain) - 2, domain + 1);
		if (strncasecmp(literal, "IPv6:", 5) == 0)
			memmove(literal, literal + 5, strlen(literal + 5) + 1);
		return route_add(r, literal, 0, port, err);
	}

	if (dns != NULL) {
		rc = route_from_dnssec(r, dns, domain, port, err);
	} else {
		if (mx_dns_resolver(o, &res, err) == -1)
			return -1;
		rc = mx_dns_query(res, domain, LDNS_RR_TYPE_MX, &pkt, err);
		if (rc == 0) {
			rc = route_from_mx(r, pkt, domain, port, err);
			ldns_pkt_free(pkt);
		}
		ldns_resolver_deep_free(res);
	}
	if (rc == -1) {
		route_free(r);
		return -1;
	}

	qsort(r->hosts, r->nhosts, sizeof(*r->hosts), host_cmp);
	hosts_shuffle_equal(r->hosts, r->nhosts);
	return 0;
}

void
route_free(struct route *r)
{
	free(r->hosts);
	r->hosts = NULL;
	r->nhosts = 0;
}
