/*
 * MTA-STS (RFC 8461): the _mta-sts TXT record, the policy file, its
 * on-disk cache and which policy a sender applies to a domain.
 */
#ifndef KMTA_MTASTS_H
#define KMTA_MTASTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dns.h"
#include "err.h"

#define KMTA_STS_MAX_MX 32
#define KMTA_STS_ID_MAX 33		/* 32 characters and the NUL */
#define KMTA_STS_MAX_AGE_MAX 31557600	/* one year, RFC 8461 section 3.2 */
#define KMTA_STS_POLICY_MAX 65536	/* bytes; RFC 8461 section 3.3 */

enum kmta_sts_mode {
	KMTA_STS_NONE,
	KMTA_STS_TESTING,
	KMTA_STS_ENFORCE,
};

struct kmta_sts_policy {
	enum kmta_sts_mode mode;
	long max_age;			/* seconds */
	size_t mx_count;
	char mx[KMTA_STS_MAX_MX][KMTA_DNS_NAME_MAX];
	char id[KMTA_STS_ID_MAX];	/* from the TXT record it was fetched for */
	time_t fetched;			/* when it was fetched */
};

/*
 * Parse a policy file (LF or CRLF lines). Strict: version must be STSv1,
 * mode and max_age are required and appear once, mx is required unless the
 * mode is none, and each mx is a host name or "*." and a host name.
 * Unknown keys are ignored as RFC 8461 asks. Errors are EX_DATAERR with
 * the line number.
 */
int kmta_sts_parse(const char *text, size_t len, struct kmta_sts_policy *p,
    struct kmta_err *err);

/* Parse "v=STSv1; id=..." and copy the id. EX_DATAERR when invalid. */
int kmta_sts_txt_parse(const char *txt, char *id, size_t idlen,
    struct kmta_err *err);

/*
 * True when host matches a pattern: equal ignoring case, or "*.rest"
 * where host is exactly one label followed by ".rest".
 */
bool kmta_sts_mx_match(const struct kmta_sts_policy *p, const char *host);

const char *kmta_sts_mode_name(enum kmta_sts_mode m);

/* The on-disk cache: one file per domain in dir. */
int kmta_sts_cache_load(const char *dir, const char *domain,
    struct kmta_sts_policy *p, struct kmta_err *err);
int kmta_sts_cache_store(const char *dir, const char *domain,
    const struct kmta_sts_policy *p, struct kmta_err *err);
/* Remove domain's cached policy; EX_NOINPUT when none is cached. */
int kmta_sts_cache_purge(const char *dir, const char *domain,
    struct kmta_err *err);

/* Call fn for each cached domain; stops at the first non-zero return. */
int kmta_sts_cache_list(const char *dir,
    int (*fn)(const char *domain, const struct kmta_sts_policy *p,
    void *arg), void *arg, struct kmta_err *err);

bool kmta_sts_expired(const struct kmta_sts_policy *p, time_t now);

struct kmta_sts_options {
	const char *cache_dir;		/* NULL: no cache */
	const char *ca_file;		/* NULL: system CA bundle */
	long timeout;			/* seconds for the whole fetch; 0: 10 */
	time_t now;			/* 0: time(NULL) */
	int https_port;			/* 0: 443; tests use another */
};

enum kmta_sts_source {
	KMTA_STS_SRC_NONE,		/* no policy applies */
	KMTA_STS_SRC_FETCHED,
	KMTA_STS_SRC_CACHE,		/* cache current for the TXT id */
	KMTA_STS_SRC_CACHE_STALE,	/* refresh failed, cache unexpired */
};

struct kmta_sts_result {
	enum kmta_dns_result txt_result;
	char txt_id[KMTA_STS_ID_MAX];	/* empty without a valid record */
	enum kmta_sts_source source;
	struct kmta_sts_policy policy;	/* when source is not NONE */
	bool temporary;			/* a retry may find a policy */
	char error[256];		/* why a fetch or the record failed */
	char cache_error[256];		/* why storing in the cache failed */
};

/*
 * Decide the policy a sender applies to domain (RFC 8461 section 5.1).
 * The policy is fetched when the TXT id differs from the cached one. An
 * unexpired cached policy is used when the record or the fetch fails, and
 * an expired one never is. A cache that cannot be written is reported in
 * out->cache_error. Returns -1 only on a malformed name or exhausted
 * memory.
 *
 * NOTE: the fetch and cache code use static 64 KiB buffers, so only one
 * thread at a time may call kmta_sts_get and kmta_sts_cache_load.
 */
int kmta_sts_get(struct kmta_dns *dns, const char *domain,
    const struct kmta_sts_options *opt, struct kmta_sts_result *out,
    struct kmta_err *err);

#endif
