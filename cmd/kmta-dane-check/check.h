/*
 * The checks behind kmta-dane-check: DNS facts, the policy a sender
 * applies to each MX host (DANE first, then MTA-STS), the STARTTLS probes
 * and a verdict per host and per domain.
 */
#ifndef KMTA_DANE_CHECK_CHECK_H
#define KMTA_DANE_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "dane.h"
#include "dns.h"
#include "mtasts.h"
#include "probe.h"
#include "tlsrpt.h"
#include "tlspolicy.h"

/* Exit codes documented in kmta-dane-check(1). */
#define CHECK_EXIT_PASS 0
#define CHECK_EXIT_FAIL 1
#define CHECK_EXIT_UNPROTECTED 2

#define CHECK_MAX_WARNINGS 32

/* Ordered from best to worst; a domain takes its worst host's verdict. */
enum verdict {
	VERDICT_PASS,
	VERDICT_UNPROTECTED,
	VERDICT_TEMPFAIL,
	VERDICT_FAIL,
};

struct host_check {
	uint16_t preference;
	struct kmta_dane_host dane;
	enum kmta_tls_policy policy;
	bool sts_match;			/* when an MTA-STS policy applies */
	size_t nprobes;
	struct probe_result *probes;
	enum verdict verdict;
	char reason[256];
};

struct check_options {
	int port;			/* SMTP port, also in the TLSA name */
	int family;			/* 0, 4 or 6 */
	bool dns_only;
	bool mta_sts;			/* look up and apply MTA-STS */
	struct probe_options probe;
	struct kmta_sts_options sts;
	int expiry_warn_days;
};

struct domain_check {
	char domain[KMTA_DNS_NAME_MAX];
	bool host_mode;			/* --host: one host, no MX lookup */
	int port;			/* SMTP port, also in the TLSA name */
	struct kmta_mx_set mx;
	bool implicit_mx;		/* no MX RRset: the domain itself */
	size_t nhosts;
	struct host_check *hosts;
	bool sts_checked;
	struct kmta_sts_result sts;
	bool tlsrpt_checked;
	struct kmta_tlsrpt tlsrpt;
	size_t nwarnings;
	char warnings[CHECK_MAX_WARNINGS][256];
	int exit_code;
	char summary[256];
};

int check_domain(struct kmta_dns *dns, const char *domain,
    const struct check_options *opt, struct domain_check *out,
    struct kmta_err *err);
int check_host(struct kmta_dns *dns, const char *host,
    const struct check_options *opt, struct domain_check *out,
    struct kmta_err *err);
void check_free(struct domain_check *c);

/* Internal to check*.c: decide one host, and add a warning. */
int check_one_host(struct domain_check *c, struct host_check *h,
    const struct check_options *opt, struct kmta_err *err);
void check_warn(struct domain_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *verdict_name(enum verdict v);

#endif
