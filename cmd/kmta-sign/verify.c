#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dkim.h"
#include "request.h"
#include "signheaders.h"
#include "tags.h"
#include "verify.h"

#define IS_FWS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* One signature's parsed tags, as the checks below need them. */
struct signature {
	struct tag_list tags;
	enum dkim_algo algo;
	enum canon header_canon, body_canon;
	long long length;	/* l=, or -1 */
	const char *domain, *selector, *identity, *bh, *b;
	char *headers;		/* h= without white space */
};

const char *
dkim_result_name(enum dkim_result r)
{
	static const char *const names[] = {
		"pass", "fail", "neutral", "temperror", "permerror",
	};

	return names[r];
}

static void
verdict(struct dkim_verdict *v, enum dkim_result r, const char *reason)
{
	v->result = r;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
}

static int
parse_number(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*out = strtoll(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Read and check the signature's tags; returns 0, or -1 with v set. */
static int
signature_parse(const struct kmta_header *field, struct signature *sig,
    struct dkim_verdict *v)
{
	static const char *const required[] = {
		"v", "a", "b", "bh", "d", "h", "s", NULL,
	};
	const char *value, *why, *c, *a;
	size_t len, i;
	char reason[64];

	value = kmta_header_value(field, &len);
	if (tags_parse(value, len, &sig->tags, &why) == -1) {
		verdict(v, DKIM_NEUTRAL, why);
		return -1;
	}
	for (i = 0; required[i] != NULL; i++)
		if (tags_get(&sig->tags, required[i]) == NULL) {
			snprintf(reason, sizeof(reason), "missing tag %s=",
			    required[i]);
			verdict(v, DKIM_NEUTRAL, reason);
			return -1;
		}

	sig->domain = tags_get(&sig->tags, "d");
	sig->selector = tags_get(&sig->tags, "s");
	a = tags_get(&sig->tags, "a");
	snprintf(v->domain, sizeof(v->domain), "%s", sig->domain);
	snprintf(v->selector, sizeof(v->selector), "%s", sig->selector);
	snprintf(v->algo, sizeof(v->algo), "%s", a);

	c = tags_get(&sig->tags, "c");
	if (strcmp(tags_get(&sig->tags, "v"), "1") != 0)
		verdict(v, DKIM_NEUTRAL, "unsupported version v=");
	else if (strcmp(a, "rsa-sha256") != 0 && strcmp(a, "ed25519-sha256"))
		verdict(v, DKIM_NEUTRAL, "unsupported algorithm");
	else if (c != NULL && sign_parse_canon(c, &sig->header_canon,
	    &sig->body_canon) == -1)
		verdict(v, DKIM_NEUTRAL, "unsupported canonicalization");
	else
		return 0;
	return -1;
}

/* The i= domain must be d= or below it (RFC 6376 section 3.5). */
static int
identity_in_domain(const char *identity, const char *domain, int strict)
{
	const char *at = strrchr(identity, '@');
	size_t ilen, dlen = strlen(domain);

	if (at == NULL)
		return 0;
	at++;
	ilen = strlen(at);
	if (strcasecmp(at, domain) == 0)
		return 1;
	return !strict && ilen > dlen && at[ilen - dlen - 1] == '.' &&
	    strcasecmp(at + ilen - dlen, domain) == 0;
}

/* Checks that need no key: h=, i=, l=, t= and x=. */
static int
signature_check(struct signature *sig, long long now, struct dkim_verdict *v)
{
	const char *l = tags_get(&sig->tags, "l");
	const char *t = tags_get(&sig->tags, "t");
	const char *x = tags_get(&sig->tags, "x");
	long long t_value = -1, x_value = -1;

	sig->identity = tags_get(&sig->tags, "i");
	sig->bh = tags_get(&sig->tags, "bh");
	sig->b = tags_get(&sig->tags, "b");
	sig->length = -1;
	if ((sig->headers = malloc(strlen(tags_get(&sig->tags, "h")) + 1)))
		tags_strip_space(tags_get(&sig->tags, "h"), sig->headers);

	if (sig->headers == NULL || !signheaders_has(sig->headers, "From"))
		verdict(v, DKIM_PERMERROR, "h= does not include From");
	else if (sig->identity != NULL &&
	    !identity_in_domain(sig->identity, sig->domain, 0))
		verdict(v, DKIM_PERMERROR, "i= is not in the d= domain");
	else if (l != NULL && parse_number(l, &sig->length) == -1)
		verdict(v, DKIM_NEUTRAL, "invalid l=");
	else if ((t != NULL && parse_number(t, &t_value) == -1) ||
	    (x != NULL && parse_number(x, &x_value) == -1))
		verdict(v, DKIM_NEUTRAL, "invalid t= or x=");
	else if (x != NULL && t != NULL && x_value < t_value)
		verdict(v, DKIM_NEUTRAL, "x= is before t=");
	else if (x != NULL && x_value < now)
		verdict(v, DKIM_NEUTRAL, "signature expired");
	else if (t != NULL && t_value > now + VERIFY_CLOCK_SKEW)
		verdict(v, DKIM_NEUTRAL, "signature time t= is in the future");
	else
		return 0;
	return -1;
}

int
dkim_strip_b_value(const struct kmta_header *field, struct kmta_buf *out)
{
	const char *p = (const char *)memchr(field->raw, ':',
	    field->raw_len) + 1;
	const char *end = field->raw + field->raw_len, *name, *eq;

	if (kmta_buf_append(out, field->raw, (size_t)(p - field->raw)) == -1)
		return -1;
	while (p < end) {
		const char *spec_end = memchr(p, ';', (size_t)(end - p));

		if (spec_end == NULL)
			spec_end = end;
		name = p;
		while (name < spec_end && IS_FWS(*name))
			name++;
		eq = memchr(name, '=', (size_t)(spec_end - name));
		if (eq != NULL && name[0] == 'b' &&
		    (name + 1 == eq || IS_FWS(name[1]))) {
			if (kmta_buf_append(out, p, (size_t)(eq + 1 - p)) == -1)
				return -1;
		} else if (kmta_buf_append(out, p, (size_t)(spec_end - p)) == -1) {
			return -1;
		}
		if (spec_end < end && kmta_buf_append(out, ";", 1) == -1)
			return -1;
		p = spec_end + 1;
	}
	return 0;
}

static int
body_check(const struct kmta_message *m, const struct signature *sig,
    struct dkim_verdict *v)
{
	struct kmta_err err;
	unsigned long long total;
	char bh[64], *want = malloc(strlen(sig->bh) + 1);
	int rc = -1;

	if (want == NULL) {
		verdict(v, DKIM_TEMPERROR, "out of memory");
		return -1;
	}
	tags_strip_space(sig->bh, want);
	if (dkim_body_hash(sig->body_canon, sig->length, m, bh, &total,
	    &err) == -1)
		verdict(v, DKIM_TEMPERROR, err.msg);
	else if (sig->length >= 0 && (unsigned long long)sig->length > total)
		verdict(v, DKIM_FAIL, "l= is longer than the body");
	else if (strcmp(bh, want) != 0)
		verdict(v, DKIM_FAIL, "body hash mismatch");
	else
		rc = 0;
	free(want);
	return rc;
}

/* Check b= over the selected fields and the signature field itself. */
static int
signature_verify(const struct kmta_message *m, size_t field,
    const struct signature *sig, EVP_PKEY *key, struct dkim_verdict *v)
{
	struct kmta_buf data = { 0 }, stripped = { 0 };
	unsigned char digest[EVP_MAX_MD_SIZE], *raw = NULL;
	unsigned int digest_len;
	char *b64 = malloc(strlen(sig->b) + 1);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	long raw_len = -1;
	int ok = 0;

	if (b64 != NULL && (raw = malloc(strlen(sig->b) + 1)) != NULL) {
		tags_strip_space(sig->b, b64);
		raw_len = dkim_base64_decode(b64, strlen(b64), raw);
	}
	if (ctx != NULL && raw_len > 0 &&
	    signheaders_data(m, sig->header_canon, sig->headers, &data) == 0 &&
	    dkim_strip_b_value(&m->headers[field], &stripped) == 0 &&
	    canon_header(sig->header_canon, stripped.data, stripped.len,
	    &data) == 0) {
		data.len -= 2;	/* hashed without its final CRLF */
		if (sig->algo == DKIM_ALGO_RSA_SHA256)
			ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
			    key) == 1 && EVP_DigestVerify(ctx, raw,
			    (size_t)raw_len, (unsigned char *)data.data,
			    data.len) == 1;
		else
			ok = EVP_Digest(data.data, data.len, digest,
			    &digest_len, EVP_sha256(), NULL) == 1 &&
			    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL,
			    key) == 1 && EVP_DigestVerify(ctx, raw,
			    (size_t)raw_len, digest, digest_len) == 1;
	}
	if (!ok)
		verdict(v, DKIM_FAIL, raw_len > 0 ? "signature mismatch" :
		    "invalid b= value");
	EVP_MD_CTX_free(ctx);
	kmta_buf_free(&data);
	kmta_buf_free(&stripped);
	free(b64);
	free(raw);
	return ok ? 0 : -1;
}

void
dkim_verify_field(const struct kmta_message *m, size_t field,
    struct key_lookup *keys, long long now, struct dkim_verdict *v)
{
	struct signature sig;
	struct key_record rec = { 0 };
	enum key_lookup_status status;
	const char *why;
	char name[512], *record = NULL;

	memset(&sig, 0, sizeof(sig));
	memset(v, 0, sizeof(*v));
	if (signature_parse(&m->headers[field], &sig, v) == -1 ||
	    signature_check(&sig, now, v) == -1)
		goto done;
	dkim_algo_parse(v->algo, &sig.algo);

	snprintf(name, sizeof(name), "%s._domainkey.%s", sig.selector,
	    sig.domain);
	status = key_lookup_find(keys, name, &record, v->reason,
	    sizeof(v->reason));
	if (status != KEY_FOUND) {
		v->result = status == KEY_MISSING ? DKIM_PERMERROR :
		    DKIM_TEMPERROR;
		goto done;
	}
	if (key_record_parse(record, sig.algo, &rec, &why) == -1) {
		verdict(v, DKIM_PERMERROR, why);
		goto done;
	}
	if (rec.strict_identity && sig.identity != NULL &&
	    !identity_in_domain(sig.identity, sig.domain, 1)) {
		verdict(v, DKIM_PERMERROR, "key t=s forbids an i= subdomain");
		goto done;
	}
	if (body_check(m, &sig, v) == -1 ||
	    signature_verify(m, field, &sig, rec.key, v) == -1)
		goto done;
	verdict(v, DKIM_PASS, rec.testing ? "key in testing mode (t=y)" : "");
done:
	EVP_PKEY_free(rec.key);
	free(record);
	free(sig.headers);
	tags_free(&sig.tags);
}
