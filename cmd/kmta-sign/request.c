#include <string.h>
#include <strings.h>
#include <time.h>

#include "keysource.h"
#include "log.h"
#include "request.h"
#include "signheaders.h"

void
sign_options_init(struct sign_options *o)
{
	memset(o, 0, sizeof(*o));
	o->timestamp = -1;
	o->expire = -1;
	o->oversign = -1;
	o->body_length = -1;
}

int
sign_parse_canon(const char *s, enum canon *header, enum canon *body)
{
	const char *slash = strchr(s, '/');

	*body = CANON_SIMPLE;
	if (slash == NULL)
		return canon_parse(s, strlen(s), header);
	if (canon_parse(s, (size_t)(slash - s), header) == -1)
		return -1;
	return canon_parse(slash + 1, strlen(slash + 1), body);
}

/* Load and parse the key, and settle the algorithm against it. */
static int
load_key(const struct kmta_conf *conf, const char *source,
    struct dkim_request *req, struct kmta_err *err)
{
	struct kmta_secret secret;
	enum dkim_algo key_algo;
	int bits, rc;

	if (keysource_load(conf, source, &secret, err) == -1)
		return -1;
	rc = dkim_key_parse(secret.data, secret.len, source, &req->key, &key_algo,
	    &bits, err);
	kmta_secret_free(&secret);
	if (rc == -1)
		return -1;

	if (req->algo == DKIM_ALGO_NONE)
		req->algo = key_algo;
	if (req->algo != key_algo)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s is an %s key, but the algorithm is %s", source,
		    dkim_algo_name(key_algo), dkim_algo_name(req->algo));
	if (key_algo == DKIM_ALGO_RSA_SHA256 && bits < DKIM_RSA_WARN_BITS)
		kmta_warn("key %s: RSA key of %d bits; use %d or more", source,
		    bits, DKIM_RSA_WARN_BITS);
	return 0;
}

int
sign_parse_policy(const char *s, enum sign_policy *out)
{
	if (strcmp(s, "Always") == 0 || strcmp(s, "SignAlways") == 0)
		*out = POLICY_ALWAYS;
	else if (strcmp(s, "IfKeyPublished") == 0)
		*out = POLICY_IF_KEY_PUBLISHED;
	else if (strcmp(s, "RequireKeyPublished") == 0)
		*out = POLICY_REQUIRE_KEY_PUBLISHED;
	else
		return -1;
	return 0;
}

/* Settings that the command line applies to every signature. */
static void
apply_options(const struct sign_options *o, struct dkim_request *req)
{
	req->timestamp = o->timestamp >= 0 ? o->timestamp :
	    (long long)time(NULL);
	if (o->headers != NULL)
		req->headers = o->headers;
	if (o->identity != NULL)
		req->identity = o->identity;
	if (o->expire >= 0)
		req->expire = o->expire;
	if (o->oversign >= 0)
		req->oversign = o->oversign;
	if (o->body_length >= 0)
		req->body_length = o->body_length;
	if (o->policy != NULL)
		sign_parse_policy(o->policy, &req->policy);
}

static int
request_from_options(const struct kmta_conf *conf,
    const struct sign_options *o, struct sign_job *job, struct kmta_err *err)
{
	struct dkim_request *req = &job->req[0];

	if (o->selector == NULL || o->key == NULL)
		return kmta_err_set(err, EX_USAGE,
		    "-d %s needs -s SELECTOR and -k KEYSOURCE", o->domain);
	memset(req, 0, sizeof(*req));
	req->domain = o->domain;
	req->selector = o->selector;
	req->header_canon = CANON_RELAXED;
	req->body_canon = CANON_RELAXED;
	if (o->algo != NULL && dkim_algo_parse(o->algo, &req->algo) == -1)
		return kmta_err_set(err, EX_USAGE,
		    "unknown algorithm \"%s\": expected rsa-sha256 or "
		    "ed25519-sha256", o->algo);
	if (o->canonicalization != NULL &&
	    sign_parse_canon(o->canonicalization, &req->header_canon,
	    &req->body_canon) == -1)
		return kmta_err_set(err, EX_USAGE,
		    "unknown canonicalization \"%s\": expected relaxed/relaxed, "
		    "relaxed/simple, simple/relaxed or simple/simple",
		    o->canonicalization);
	apply_options(o, req);
	job->count = 1;
	return load_key(conf, o->key, req, err);
}

static int
section_error(const struct kmta_conf *conf,
    const struct kmta_conf_section *sec, const char *what,
    struct kmta_err *err)
{
	return kmta_err_set(err, EX_CONFIG, "%s:%d: [dkim \"%s\"%s%s%s]: %s",
	    conf->path ? conf->path : "config", sec->line, sec->name,
	    sec->label ? " \"" : "", sec->label ? sec->label : "",
	    sec->label ? "\"" : "", what);
}

/*
 * Expand a key source pattern from a [dkim "*"] section: %d becomes the
 * domain, %s the selector and %% a percent sign. Returns 0 or -1.
 */
static int
expand_pattern(const char *pattern, const char *domain, const char *selector,
    char *out, size_t size)
{
	size_t n = 0, len;
	const char *add;

	for (; *pattern != '\0'; pattern++) {
		char one[2] = { *pattern, '\0' };

		add = one;
		if (*pattern == '%') {
			pattern++;
			if (*pattern == 'd')
				add = domain;
			else if (*pattern == 's')
				add = selector;
			else if (*pattern != '%')
				return -1;
		}
		len = strlen(add);
		if (n + len >= size)
			return -1;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Fill req from a section. domain is the signing domain: the section's
 * own name, or the From domain for a [dkim "*"] section, whose key is a
 * pattern.
 */
static int
request_from_section(const struct kmta_conf *conf,
    const struct kmta_conf_section *sec, const struct sign_options *o,
    const char *domain, struct dkim_request *req, struct kmta_err *err)
{
	const char *algo = kmta_conf_str_in(sec, "algo", NULL);
	const char *canon = kmta_conf_str_in(sec, "canonicalization",
	    "relaxed/relaxed");
	const char *key = kmta_conf_str_in(sec, "key", NULL);
	const char *reason;
	char expanded[1024];

	memset(req, 0, sizeof(*req));
	req->domain = domain;
	req->selector = kmta_conf_str_in(sec, "selector", NULL);
	if (req->selector == NULL)
		return section_error(conf, sec, "selector missing", err);
	if (key == NULL)
		return section_error(conf, sec, "key missing", err);
	if (strcmp(sec->name, "*") == 0) {
		if (expand_pattern(key, domain, req->selector, expanded,
		    sizeof(expanded)) == -1)
			return section_error(conf, sec, "invalid key pattern: "
			    "use %d for the domain, %s for the selector, %% "
			    "for a percent sign", err);
		key = expanded;
	}
	if (algo != NULL)
		dkim_algo_parse(algo, &req->algo);
	sign_parse_canon(canon, &req->header_canon, &req->body_canon);
	req->headers = kmta_conf_str_in(sec, "headers", NULL);
	if (req->headers != NULL && (reason = signheaders_check(req->headers)) !=
	    NULL)
		return section_error(conf, sec, reason, err);
	req->identity = kmta_conf_str_in(sec, "identity", NULL);
	req->oversign = kmta_conf_bool_in(sec, "oversign", false);
	req->body_length = kmta_conf_bool_in(sec, "body_length", false);
	req->expire = kmta_conf_num_in(sec, "expire", 0);
	sign_parse_policy(kmta_conf_str_in(sec, "policy", "Always"),
	    &req->policy);
	apply_options(o, req);
	return load_key(conf, key, req, err);
}

/* Add the signature of one section to job. */
static int
add_section(const struct kmta_conf *conf, const struct kmta_conf_section *sec,
    const struct sign_options *o, const char *domain, struct sign_job *job,
    struct kmta_err *err)
{
	if (job->count == SIGN_MAX_SIGNATURES)
		return section_error(conf, sec, "too many signatures for one "
		    "message", err);
	job->count++;
	return request_from_section(conf, sec, o, domain,
	    &job->req[job->count - 1], err);
}

/*
 * Add the [dkim "*"] signatures for a domain without a section. A key
 * missing from its usual place means the domain is not set up for
 * signing, which is logged and not an error.
 */
static int
add_default_sections(const struct kmta_conf *conf,
    const struct sign_options *o, struct sign_job *job, struct kmta_err *err)
{
	const struct kmta_conf_section *sec = NULL;

	while ((sec = kmta_conf_next(conf, "dkim", sec)) != NULL) {
		if (strcmp(sec->name, "*") != 0)
			continue;
		if (add_section(conf, sec, o, job->domain, job, err) == 0)
			continue;
		if (err->code != EX_NOINPUT)
			return -1;
		kmta_info("no key for %s in its usual place: %s", job->domain,
		    err->msg);
		EVP_PKEY_free(job->req[--job->count].key);
	}
	return 0;
}

int
sign_job_build(const struct kmta_conf *conf, const struct sign_options *o,
    const char *from_domain, struct sign_job *job, struct kmta_err *err)
{
	const struct kmta_conf_section *sec = NULL;
	const char *apply;
	size_t own;

	memset(job, 0, sizeof(*job));
	snprintf(job->domain, sizeof(job->domain), "%s", from_domain);
	if (o->domain != NULL)
		return request_from_options(conf, o, job, err);

	while ((sec = kmta_conf_next(conf, "dkim", sec)) != NULL)
		if (strcasecmp(sec->name, from_domain) == 0 &&
		    add_section(conf, sec, o, sec->name, job, err) == -1)
			return -1;
	own = job->count;
	if (own == 0 && add_default_sections(conf, o, job, err) == -1)
		return -1;

	/* Sections with apply= sign for every From domain (an ESP's). */
	while ((sec = kmta_conf_next(conf, "dkim", sec)) != NULL) {
		apply = kmta_conf_str_in(sec, "apply", NULL);
		if (apply == NULL || strcasecmp(sec->name, from_domain) == 0 ||
		    (own > 0 && strcmp(apply, "OnlyIfMissingDomainBlock") == 0))
			continue;
		if (add_section(conf, sec, o, sec->name, job, err) == -1)
			return -1;
	}
	return 0;
}

void
sign_job_free(struct sign_job *job)
{
	size_t i;

	for (i = 0; i < job->count; i++)
		EVP_PKEY_free(job->req[i].key);
	memset(job, 0, sizeof(*job));
}
