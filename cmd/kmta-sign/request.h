/*
 * The signatures to add to a message, taken from the command line (-d,
 * -s, -a, -k) or from the [dkim "DOMAIN"] and [dkim "DOMAIN" "LABEL"]
 * sections that match the From domain.
 */
#ifndef KMTA_SIGN_REQUEST_H
#define KMTA_SIGN_REQUEST_H

#include <stdbool.h>

#include "conf.h"
#include "dkim.h"

#define SIGN_MAX_SIGNATURES 8

/* Command-line settings; NULL or -1 means not given. */
struct sign_options {
	const char *domain;
	const char *selector;
	const char *algo;
	const char *key;
	const char *canonicalization;
	const char *headers;
	const char *identity;
	const char *policy;
	long long timestamp;	/* -1: the current time */
	long expire;		/* -1: not given; 0: no x= */
	int oversign;		/* -1: not given */
	int body_length;	/* -1: not given */
};

struct sign_job {
	struct dkim_request req[SIGN_MAX_SIGNATURES];
	size_t count;
	char domain[256];	/* the From domain, d= of [dkim "*"] */
};

void sign_options_init(struct sign_options *o);

/*
 * Fill job with the signatures for a message whose From domain is
 * from_domain, loading each key through its key source: one per
 * [dkim "DOMAIN"] section; without one, one per [dkim "*"] section whose
 * key pattern names an existing key; and one per section with apply=
 * (Always, or OnlyIfMissingDomainBlock when the domain has no section of
 * its own). A job with count 0 means nothing applies. Errors: EX_USAGE
 * for bad options, EX_CONFIG for bad sections or keys, and
 * keysource_load()'s codes.
 */
int sign_job_build(const struct kmta_conf *conf,
    const struct sign_options *o, const char *from_domain,
    struct sign_job *job, struct kmta_err *err);

void sign_job_free(struct sign_job *job);

/*
 * Parse a policy name: Always (or SignAlways), IfKeyPublished or
 * RequireKeyPublished. Returns 0 or -1.
 */
int sign_parse_policy(const char *s, enum sign_policy *out);

/*
 * Check the published key record of every request whose policy requires
 * it: a request without a matching record is dropped (IfKeyPublished,
 * with a warning) or fails the job with EX_TEMPFAIL (RequireKeyPublished),
 * and a failed DNS lookup fails it with EX_TEMPFAIL either way.
 */
int sign_job_check_published(const struct kmta_conf *conf,
    struct sign_job *job, struct kmta_err *err);

/* Parse "relaxed/simple" and friends; a single word sets the header
 * canonicalization and leaves the body simple (RFC 6376 section 3.5). */
int sign_parse_canon(const char *s, enum canon *header, enum canon *body);

#endif
