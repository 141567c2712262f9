/*
 * DNS lookups with a DNSSEC status (ldns).
 *
 * Name servers come from a list ("addr[:port], ..." as in [dns]
 * name_servers) or /etc/resolv.conf. Queries go over UDP with the DO bit
 * and are retried over TCP when the reply is truncated.
 *
 * Every answer carries a DNSSEC status. The AD bit is trusted only from a
 * name server on a loopback address (127.0.0.0/8, ::1), the way Postfix
 * trusts a local validating resolver; from any other server every answer
 * is insecure. A SERVFAIL is asked again with the CD bit set: if the data
 * then arrives, the resolver rejected it in validation and the answer is
 * bogus, else the failure is temporary.
 *
 * With a trust anchor file the AD bit is ignored: queries carry the CD bit
 * and kmta validates each answer itself (dns_validate.c), from any name
 * server.
 *
 * CNAME chains are followed one step per query, at most KMTA_DNS_MAX_CNAME
 * steps, and both the status of the whole chain and that of its last step
 * are kept, because RFC 7672 section 2.2.2 treats a secure expansion and
 * an insecure one differently.
 */
#ifndef KMTA_DNS_H
#define KMTA_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "err.h"

#define KMTA_DNS_NAME_MAX 256
#define KMTA_DNS_MAX_CNAME 8
#define KMTA_DNS_MAX_SERVERS 4

enum kmta_dnssec {
	KMTA_DNSSEC_SECURE,
	KMTA_DNSSEC_INSECURE,
	KMTA_DNSSEC_BOGUS,
	KMTA_DNSSEC_FAILED,	/* no usable reply: a temporary failure */
};

enum kmta_dns_result {
	KMTA_DNS_FOUND,
	KMTA_DNS_NODATA,
	KMTA_DNS_NXDOMAIN,
	KMTA_DNS_FAILED,	/* timeout, SERVFAIL, REFUSED, bogus */
};

struct kmta_dns_options {
	const char *name_servers;	/* NULL: /etc/resolv.conf */
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	long timeout;			/* seconds per query, 0: 5 */
	const char *trust_anchor_file;	/* NULL: trust the AD bit */
};

struct kmta_dns;

struct kmta_dns_answer {
	enum kmta_dns_result result;
	enum kmta_dnssec security;	/* worst status over the chain */
	enum kmta_dnssec final_security;	/* of the last step alone */
	char name[KMTA_DNS_NAME_MAX];	/* owner after CNAMEs, no final dot */
	int cnames;			/* CNAME steps followed */
	ldns_rr_list *rrs;		/* records of the type asked for */
	char why[128];			/* why a lookup failed */
};

int kmta_dns_open(const struct kmta_dns_options *opt, struct kmta_dns **out,
    struct kmta_err *err);
void kmta_dns_close(struct kmta_dns *dns);

/*
 * True when every answer's DNSSEC status can be trusted: every name server
 * is on loopback, or answers are validated in-process.
 */
bool kmta_dns_ad_trusted(const struct kmta_dns *dns);

/*
 * Look up name/type, following CNAMEs. Returns 0 with answer filled (also
 * for NXDOMAIN and failed lookups: see answer->result), or -1 when name is
 * invalid or memory runs out. Free with kmta_dns_answer_free.
 */
int kmta_dns_lookup(struct kmta_dns *dns, const char *name, ldns_rr_type type,
    struct kmta_dns_answer *answer, struct kmta_err *err);
void kmta_dns_answer_free(struct kmta_dns_answer *answer);

const char *kmta_dnssec_name(enum kmta_dnssec s);
const char *kmta_dns_result_name(enum kmta_dns_result r);

/* The worse of two statuses: failed > bogus > insecure > secure. */
enum kmta_dnssec kmta_dnssec_worst(enum kmta_dnssec a, enum kmta_dnssec b);

/* An MX RRset sorted by preference; null_mx for "MX 0 ." (RFC 7505). */
struct kmta_mx {
	uint16_t preference;
	char host[KMTA_DNS_NAME_MAX];
};

struct kmta_mx_set {
	enum kmta_dns_result result;
	enum kmta_dnssec security;
	bool null_mx;
	size_t count;
	struct kmta_mx *hosts;
	char why[128];
};

int kmta_dns_mx(struct kmta_dns *dns, const char *domain,
    struct kmta_mx_set *out, struct kmta_err *err);
void kmta_mx_set_free(struct kmta_mx_set *set);

/* The A and AAAA records of a host. family is 0 (both), 4 or 6. */
struct kmta_addr_set {
	enum kmta_dns_result result;
	enum kmta_dnssec security;	/* worst over the lookups made */
	char name[KMTA_DNS_NAME_MAX];	/* after CNAMEs */
	int cnames;
	size_t count;
	char (*addrs)[64];		/* presentation form */
	char why[128];
};

int kmta_dns_addrs(struct kmta_dns *dns, const char *host, int family,
    struct kmta_addr_set *out, struct kmta_err *err);
void kmta_addr_set_free(struct kmta_addr_set *set);

/* TXT records, each record's strings joined without separator. */
struct kmta_txt_set {
	enum kmta_dns_result result;
	enum kmta_dnssec security;
	size_t count;
	char **texts;
	char why[128];
};

int kmta_dns_txt(struct kmta_dns *dns, const char *name,
    struct kmta_txt_set *out, struct kmta_err *err);
void kmta_txt_set_free(struct kmta_txt_set *set);

#endif
