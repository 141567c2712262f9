/* The resolver and CNAME-following lookups with a DNSSEC status. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns_int.h"

struct dns_server {
	ldns_resolver *res;
	bool loopback;		/* AD bit trusted */
	char label[80];		/* "addr:port" for messages */
};

struct kmta_dns {
	ldns_rr_list *anchors;	/* set: validate in-process */
	size_t count;
	struct dns_server servers[KMTA_DNS_MAX_SERVERS];
};

static bool
is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

static int
add_server(struct kmta_dns *dns, const char *addr, int port, long timeout,
    struct kmta_err *err)
{
	struct dns_server *s;
	ldns_rdf *rdf;
	struct timeval tv = { timeout, 0 };

	if (dns->count == KMTA_DNS_MAX_SERVERS)
		return 0;
	rdf = ldns_rdf_new_frm_str(strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA :
	    LDNS_RDF_TYPE_A, addr);
	if (rdf == NULL)
		return kmta_err_set(err, EX_CONFIG,
		    "name server %s: not an IPv4 or IPv6 address", addr);

	s = &dns->servers[dns->count];
	s->res = ldns_resolver_new();
	if (s->res == NULL || ldns_resolver_push_nameserver(s->res, rdf) !=
	    LDNS_STATUS_OK) {
		ldns_rdf_deep_free(rdf);
		ldns_resolver_deep_free(s->res);
		return kmta_err_set(err, EX_OSERR, "name server %s: %s", addr,
		    strerror(ENOMEM));
	}
	ldns_rdf_deep_free(rdf);

	ldns_resolver_set_port(s->res, (uint16_t)port);
	ldns_resolver_set_dnssec(s->res, true);
	ldns_resolver_set_edns_udp_size(s->res, 1232);
	ldns_resolver_set_fallback(s->res, true);
	ldns_resolver_set_retry(s->res, 2);
	ldns_resolver_set_timeout(s->res, tv);
	ldns_resolver_set_recursive(s->res, true);
	if (dns->anchors != NULL)
		ldns_resolver_set_dnssec_anchors(s->res,
		    ldns_rr_list_clone(dns->anchors));
	s->loopback = is_loopback(addr);
	snprintf(s->label, sizeof(s->label), "%s%s%s:%d",
	    strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "",
	    port);
	dns->count++;
	return 0;
}

/* "addr[:port], [v6]:port ..." separated by commas or blanks. */
static int
add_server_list(struct kmta_dns *dns, const char *list, long timeout,
    struct kmta_err *err)
{
	char *copy, *item, *save = NULL;
	char host[64];
	int port, rc = 0;

	copy = strdup(list);
	if (copy == NULL)
		return kmta_err_set(err, EX_OSERR, "name_servers: %s",
		    strerror(errno));
	for (item = strtok_r(copy, ", \t", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (strchr(item, ':') == strrchr(item, ':') || item[0] == '[') {
			if (kmta_parse_hostport(item, host, sizeof(host), &port,
			    53) == -1 || port < 1 || port > 65535) {
				rc = kmta_err_set(err, EX_CONFIG,
				    "name server %s: invalid address or port",
				    item);
				break;
			}
		} else {
			snprintf(host, sizeof(host), "%s", item);
			port = 53;
		}
		rc = add_server(dns, host, port, timeout, err);
	}
	free(copy);
	return rc;
}

static int
add_resolv_conf(struct kmta_dns *dns, const char *path, long timeout,
    struct kmta_err *err)
{
	FILE *f;
	char line[512], addr[64];

	f = fopen(path, "r");
	if (f == NULL)
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " nameserver %63s", addr) != 1)
			continue;
		/* A scoped address (fe80::1%eth0) is skipped. */
		if (strchr(addr, '%') != NULL)
			continue;
		if (add_server(dns, addr, 53, timeout, err) == -1) {
			fclose(f);
			return kmta_err_wrap(err, "%s", path);
		}
	}
	fclose(f);
	return 0;
}

int
kmta_dns_open(const struct kmta_dns_options *opt, struct kmta_dns **out,
    struct kmta_err *err)
{
	struct kmta_dns *dns;
	long timeout = opt->timeout > 0 ? opt->timeout : 5;
	const char *rc = opt->resolv_conf ? opt->resolv_conf :
	    "/etc/resolv.conf";
	int r;

	dns = calloc(1, sizeof(*dns));
	if (dns == NULL)
		return kmta_err_set(err, EX_OSERR, "resolver: %s",
		    strerror(errno));

	if (opt->trust_anchor_file != NULL &&
	    kmta_dns_load_anchors(opt->trust_anchor_file, &dns->anchors,
	    err) == -1) {
		free(dns);
		return -1;
	}
	if (opt->name_servers != NULL && opt->name_servers[0] != '\0')
		r = add_server_list(dns, opt->name_servers, timeout, err);
	else
		r = add_resolv_conf(dns, rc, timeout, err);
	if (r == 0 && dns->count == 0)
		r = kmta_err_set(err, EX_CONFIG, "%s: no name server",
		    opt->name_servers ? "name_servers" : rc);
	if (r == -1) {
		kmta_dns_close(dns);
		return -1;
	}
	*out = dns;
	return 0;
}

void
kmta_dns_close(struct kmta_dns *dns)
{
	size_t i;

	if (dns == NULL)
		return;
	for (i = 0; i < dns->count; i++)
		ldns_resolver_deep_free(dns->servers[i].res);
	ldns_rr_list_deep_free(dns->anchors);
	free(dns);
}

bool
kmta_dns_ad_trusted(const struct kmta_dns *dns)
{
	size_t i;

	if (dns->anchors != NULL)
		return true;
	for (i = 0; i < dns->count; i++)
		if (!dns->servers[i].loopback)
			return false;
	return true;
}

const char *
kmta_dnssec_name(enum kmta_dnssec s)
{
	static const char *names[] = { "secure", "insecure", "bogus",
	    "failed" };

	return names[s];
}

const char *
kmta_dns_result_name(enum kmta_dns_result r)
{
	static const char *names[] = { "found", "nodata", "nxdomain",
	    "failed" };

	return names[r];
}

enum kmta_dnssec
kmta_dnssec_worst(enum kmta_dnssec a, enum kmta_dnssec b)
{
	return a > b ? a : b;
}

/*
 * Send one query to one server, with the CD bit set or clear. Returns the
 * reply whatever its rcode, or NULL with why set when none arrived.
 */
static ldns_pkt *
query_send(struct dns_server *s, const ldns_rdf *name, ldns_rr_type type,
    bool cd, char *why, size_t whylen)
{
	ldns_pkt *pkt = NULL;
	ldns_status st;

	ldns_resolver_set_dnssec_cd(s->res, cd);
	st = ldns_resolver_query_status(&pkt, s->res, name, type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	if (st == LDNS_STATUS_OK && pkt != NULL)
		return pkt;
	ldns_pkt_free(pkt);
	snprintf(why, whylen, "%s: %s", s->label, ldns_get_errorstr_by_id(st));
	return NULL;
}

/* A reply asked with the CD bit and validated here. */
static ldns_pkt *
query_validating(struct dns_server *s, const ldns_rdf *name,
    ldns_rr_type type, enum kmta_dnssec *security, char *why, size_t whylen)
{
	ldns_pkt *pkt;
	ldns_pkt_rcode rcode;

	*security = KMTA_DNSSEC_FAILED;
	pkt = query_send(s, name, type, true, why, whylen);
	if (pkt == NULL)
		return NULL;
	rcode = ldns_pkt_get_rcode(pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		snprintf(why, whylen, "%s: %s", s->label,
		    rcode == LDNS_RCODE_SERVFAIL ? "SERVFAIL" : "error reply");
		ldns_pkt_free(pkt);
		return NULL;
	}
	*security = kmta_dns_validate(s->res, pkt, name, type);
	if (*security == KMTA_DNSSEC_SECURE ||
	    *security == KMTA_DNSSEC_INSECURE)
		return pkt;
	snprintf(why, whylen, "%s: DNSSEC validation failed (%s)", s->label,
	    kmta_dnssec_name(*security));
	ldns_pkt_free(pkt);
	return NULL;
}

static ldns_pkt *
query_server(struct dns_server *s, const ldns_rdf *name, ldns_rr_type type,
    enum kmta_dnssec *security, char *why, size_t whylen)
{
	ldns_pkt *pkt, *cd = NULL;
	ldns_status st;
	ldns_pkt_rcode rcode;

	if (ldns_resolver_dnssec_anchors(s->res) != NULL)
		return query_validating(s, name, type, security, why, whylen);

	pkt = query_send(s, name, type, false, why, whylen);
	if (pkt == NULL) {
		*security = KMTA_DNSSEC_FAILED;
		return NULL;
	}

	rcode = ldns_pkt_get_rcode(pkt);
	if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
		*security = s->loopback && ldns_pkt_ad(pkt) ?
		    KMTA_DNSSEC_SECURE : KMTA_DNSSEC_INSECURE;
		return pkt;
	}

	*security = KMTA_DNSSEC_FAILED;
	snprintf(why, whylen, "%s: %s", s->label,
	    rcode == LDNS_RCODE_SERVFAIL ? "SERVFAIL" :
	    rcode == LDNS_RCODE_REFUSED ? "REFUSED" : "error reply");

	/* Data that arrives with checking disabled failed validation. */
	if (rcode == LDNS_RCODE_SERVFAIL && s->loopback) {
		ldns_resolver_set_dnssec_cd(s->res, true);
		st = ldns_resolver_query_status(&cd, s->res, name, type,
		    LDNS_RR_CLASS_IN, LDNS_RD);
		ldns_resolver_set_dnssec_cd(s->res, false);
		if (st == LDNS_STATUS_OK && cd != NULL &&
		    (ldns_pkt_get_rcode(cd) == LDNS_RCODE_NOERROR ||
		    ldns_pkt_get_rcode(cd) == LDNS_RCODE_NXDOMAIN)) {
			*security = KMTA_DNSSEC_BOGUS;
			snprintf(why, whylen, "%s: DNSSEC validation failed "
			    "(bogus)", s->label);
		}
		ldns_pkt_free(cd);
	}
	ldns_pkt_free(pkt);
	return NULL;
}

/* Ask each server in turn until one gives a usable reply. */
static ldns_pkt *
query(struct kmta_dns *dns, const ldns_rdf *name, ldns_rr_type type,
    enum kmta_dnssec *security, char *why, size_t whylen)
{
	ldns_pkt *pkt;
	size_t i;

	*security = KMTA_DNSSEC_FAILED;
	for (i = 0; i < dns->count; i++) {
		pkt = query_server(&dns->servers[i], name, type, security, why,
		    whylen);
		if (pkt != NULL || *security == KMTA_DNSSEC_BOGUS)
			return pkt;
	}
	return NULL;
}

void
kmta_dns_name_str(const ldns_rdf *rdf, char *out, size_t outlen)
{
	char *s = ldns_rdf2str(rdf);
	size_t len;

	snprintf(out, outlen, "%s", s ? s : "");
	free(s);
	len = strlen(out);
	if (len > 1 && out[len - 1] == '.')
		out[len - 1] = '\0';
}

/* One CNAME step: the answer's type records, or its CNAME target. */
static int
take_step(struct kmta_dns_answer *ans, ldns_pkt *pkt, const ldns_rdf *name,
    ldns_rr_type type, ldns_rdf **next)
{
	ldns_rr_list *rrs, *cname;

	*next = NULL;
	rrs = ldns_pkt_rr_list_by_name_and_type(pkt, name, type,
	    LDNS_SECTION_ANSWER);
	if (rrs != NULL && ldns_rr_list_rr_count(rrs) > 0) {
		ans->rrs = rrs;
		ans->result = KMTA_DNS_FOUND;
		return 0;
	}
	ldns_rr_list_deep_free(rrs);

	cname = ldns_pkt_rr_list_by_name_and_type(pkt, name,
	    LDNS_RR_TYPE_CNAME, LDNS_SECTION_ANSWER);
	if (type != LDNS_RR_TYPE_CNAME && cname != NULL &&
	    ldns_rr_list_rr_count(cname) > 0) {
		*next = ldns_rdf_clone(ldns_rr_rdf(ldns_rr_list_rr(cname, 0),
		    0));
		ldns_rr_list_deep_free(cname);
		return *next == NULL ? -1 : 0;
	}
	ldns_rr_list_deep_free(cname);

	ans->result = ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN ?
	    KMTA_DNS_NXDOMAIN : KMTA_DNS_NODATA;
	return 0;
}

int
kmta_dns_lookup(struct kmta_dns *dns, const char *name, ldns_rr_type type,
    struct kmta_dns_answer *ans, struct kmta_err *err)
{
	ldns_rdf *qname, *next;
	ldns_pkt *pkt;
	enum kmta_dnssec step = KMTA_DNSSEC_FAILED;
	int i;

	memset(ans, 0, sizeof(*ans));
	ans->security = KMTA_DNSSEC_SECURE;
	qname = ldns_dname_new_frm_str(name);
	if (qname == NULL)
		return kmta_err_set(err, EX_DATAERR, "%s: invalid domain name",
		    name);

	for (i = 0; i <= KMTA_DNS_MAX_CNAME; i++) {
		kmta_dns_name_str(qname, ans->name, sizeof(ans->name));
		pkt = query(dns, qname, type, &step, ans->why,
		    sizeof(ans->why));
		ans->security = kmta_dnssec_worst(ans->security, step);
		ans->final_security = step;
		if (pkt == NULL) {
			ans->result = KMTA_DNS_FAILED;
			break;
		}

		if (take_step(ans, pkt, qname, type, &next) == -1) {
			ldns_pkt_free(pkt);
			ldns_rdf_deep_free(qname);
			return kmta_err_set(err, EX_OSERR, "%s: %s", name,
			    strerror(ENOMEM));
		}
		ldns_pkt_free(pkt);
		if (next == NULL)
			break;
		ldns_rdf_deep_free(qname);
		qname = next;
		ans->cnames++;
	}
	ldns_rdf_deep_free(qname);

	if (i > KMTA_DNS_MAX_CNAME) {
		ans->result = KMTA_DNS_FAILED;
		snprintf(ans->why, sizeof(ans->why),
		    "more than %d CNAME steps", KMTA_DNS_MAX_CNAME);
	}
	return 0;
}

void
kmta_dns_answer_free(struct kmta_dns_answer *ans)
{
	ldns_rr_list_deep_free(ans->rrs);
	ans->rrs = NULL;
}
