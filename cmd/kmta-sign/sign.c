#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "dkim.h"
#include "signheaders.h"

/* Writes a header field, breaking lines before DKIM_LINE_MAX. */
struct folder {
	struct kmta_buf *out;
	const char *eol;
	size_t col;
	int failed;
};

static void
fold_put(struct folder *f, const char *s, size_t n)
{
	if (kmta_buf_append(f->out, s, n) == -1)
		f->failed = 1;
	f->col += n;
}

static void
fold_break(struct folder *f)
{
	fold_put(f, f->eol, strlen(f->eol));
	f->col = 0;
	fold_put(f, " ", 1);
}

/* Add a word, preceded by a space when space is set, folding if needed. */
static void
fold_word(struct folder *f, const char *s, size_t n, int space)
{
	if (f->col + n + (space ? 1 : 0) > DKIM_LINE_MAX && f->col > 1)
		fold_break(f);
	else if (space)
		fold_put(f, " ", 1);
	fold_put(f, s, n);
}

static void
fold_tag(struct folder *f, const char *tag, const char *value)
{
	char word[512];
	int n = snprintf(word, sizeof(word), "%s=%s;", tag, value);

	fold_word(f, word, (size_t)n < sizeof(word) ? (size_t)n :
	    sizeof(word) - 1, 1);
}

/* Fill lines with base64 text, which may be folded anywhere. */
static void
fold_base64(struct folder *f, const char *s, size_t n)
{
	while (n > 0) {
		size_t room = f->col < DKIM_LINE_MAX ?
		    DKIM_LINE_MAX - f->col : 0;

		if (room == 0) {
			fold_break(f);
			continue;
		}
		if (room > n)
			room = n;
		fold_put(f, s, room);
		s += room;
		n -= room;
	}
}

/* The h= list, folded after a colon where a line would be too long. */
static void
fold_header_list(struct folder *f, const char *list)
{
	const char *p = list;
	char word[160];
	int first = 1;

	while (*p != '\0') {
		size_t len = strcspn(p, ":");
		int last = p[len] == '\0';
		int n = snprintf(word, sizeof(word), "%s%.*s%s",
		    first ? "h=" : "", (int)len, p, last ? ";" : ":");

		fold_word(f, word, (size_t)n < sizeof(word) ? (size_t)n :
		    sizeof(word) - 1, first);
		first = 0;
		p += len + (last ? 0 : 1);
	}
}

/* Check that i= is the domain of d= or a subdomain of it. */
static int
identity_check(const char *identity, const char *domain,
    struct kmta_err *err)
{
	const char *at = strrchr(identity, '@');
	size_t ilen, dlen = strlen(domain);

	if (at == NULL)
		return kmta_err_set(err, EX_USAGE,
		    "identity \"%s\": missing '@'", identity);
	ilen = strlen(at + 1);
	if (strcasecmp(at + 1, domain) == 0 || (ilen > dlen &&
	    at[ilen - dlen] == '.' &&
	    strcasecmp(at + 1 + ilen - dlen, domain) == 0))
		return 0;
	return kmta_err_set(err, EX_USAGE,
	    "identity \"%s\" is not in the signing domain %s", identity,
	    domain);
}

/* Write every tag up to and including the empty "b=". */
static void
fold_tags(struct folder *f, const struct dkim_request *req, const char *list,
    const char *bh, unsigned long long body_len)
{
	char c[32], number[32];

	fold_put(f, "DKIM-Signature: v=1;", 20);
	fold_tag(f, "a", dkim_algo_name(req->algo));
	snprintf(c, sizeof(c), "%s/%s", canon_name(req->header_canon),
	    canon_name(req->body_canon));
	fold_tag(f, "c", c);
	fold_tag(f, "d", req->domain);
	fold_tag(f, "s", req->selector);
	if (req->timestamp >= 0) {
		snprintf(number, sizeof(number), "%lld", req->timestamp);
		fold_tag(f, "t", number);
	}
	if (req->timestamp >= 0 && req->expire > 0) {
		snprintf(number, sizeof(number), "%lld",
		    req->timestamp + req->expire);
		fold_tag(f, "x", number);
	}
	if (req->identity != NULL)
		fold_tag(f, "i", req->identity);
	if (req->body_length) {
		snprintf(number, sizeof(number), "%llu", body_len);
		fold_tag(f, "l", number);
	}
	fold_header_list(f, list);
	fold_tag(f, "bh", bh);
	fold_word(f, "b=", 2, 1);
}

/*
 * SHA256_* and RSA_sign are OpenSSL 3's deprecated low-level calls. Unlike
 * the EVP calls they need no provider lookup, which costs more than the
 * hash when a process signs one message. RSA_sign still uses blinding.
 */
int
dkim_sign_data(const struct dkim_request *req, const struct kmta_buf *data,
    unsigned char *sig, size_t *sig_len)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	unsigned int rsa_len = 0;
	EVP_MD_CTX *ctx;
	SHA256_CTX sha;
	int ok;

	SHA256_Init(&sha);
	SHA256_Update(&sha, data->data, data->len);
	SHA256_Final(digest, &sha);
	if (req->algo == DKIM_ALGO_RSA_SHA256) {
		RSA *rsa = EVP_PKEY_get1_RSA(req->key);

		ok = rsa != NULL && (size_t)RSA_size(rsa) <= *sig_len &&
		    RSA_sign(NID_sha256, digest, sizeof(digest), sig, &rsa_len,
		    rsa) == 1;
		RSA_free(rsa);
		*sig_len = rsa_len;
		return ok ? 0 : -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, req->key) == 1 &&
	    EVP_DigestSign(ctx, sig, sig_len, digest, sizeof(digest)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Build the header list, as given or the default for this message. */
static int
header_list(const struct dkim_request *req, const struct kmta_message *m,
    struct kmta_buf *list, struct kmta_err *err)
{
	if (req->headers != NULL) {
		if (signheaders_normalize(req->headers, list) == -1)
			return kmta_err_set(err, EX_USAGE,
			    "invalid header list \"%s\": expected names "
			    "separated by ':'", req->headers);
	} else if (signheaders_default(m, req->oversign, list) == -1) {
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	if (list->len == 0 || !signheaders_has(list->data, "From"))
		return kmta_err_set(err, EX_DATAERR,
		    "the signed header list must include From");
	return 0;
}

int
dkim_sign(const struct dkim_request *req, const struct kmta_message *m,
    struct kmta_buf *out, struct kmta_err *err)
{
	struct kmta_buf list = { 0 }, data = { 0 }, field = { 0 };
	struct folder f = { &field, m->crlf ? "\r\n" : "\n", 0, 0 };
	unsigned char sig[1024];
	char bh[64], b64[1400];
	size_t sig_len = sizeof(sig);
	unsigned long long body_len = 0;
	int rc = -1;

	if (req->identity != NULL &&
	    identity_check(req->identity, req->domain, err) == -1)
		return -1;
	if (header_list(req, m, &list, err) == -1)
		goto done;
	if (req->body_hash != NULL) {
		snprintf(bh, sizeof(bh), "%s", req->body_hash);
		body_len = req->body_hash_length;
	} else if (dkim_body_hash(req->body_canon, -1, m, bh, &body_len,
	    err) == -1) {
		goto done;
	}

	fold_tags(&f, req, list.data, bh, body_len);
	if (f.failed || signheaders_data(m, req->header_canon, list.data,
	    &data) == -1 || canon_header(req->header_canon, field.data,
	    field.len, &data) == -1) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto done;
	}
	data.len -= 2;	/* the signature field is hashed without its CRLF */

	if (EVP_PKEY_get_size(req->key) > (int)sizeof(sig) ||
	    dkim_sign_data(req, &data, sig, &sig_len) == -1) {
		kmta_err_set(err, EX_SOFTWARE, "%s signing with %s failed",
		    dkim_algo_name(req->algo), req->selector);
		goto done;
	}
	fold_base64(&f, b64, dkim_base64_encode(sig, sig_len, b64));
	fold_put(&f, f.eol, strlen(f.eol));
	if (f.failed || kmta_buf_append(out, field.data, field.len) == -1) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto done;
	}
	rc = 0;
done:
	kmta_buf_free(&list);
	kmta_buf_free(&data);
	kmta_buf_free(&field);
	return rc;
}
