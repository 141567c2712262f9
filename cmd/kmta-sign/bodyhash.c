#include <string.h>

#include <openssl/evp.h>

#include "dkim.h"

static int
stage_flush(struct body_hasher *h)
{
	int ok = EVP_DigestUpdate(h->ctx, h->buf, h->len);

	h->len = 0;
	return ok == 1 ? 0 : -1;
}

/* Gather canonical bytes so that SHA-256 gets large updates. */
static int
stage_emit(void *ctx, const char *data, size_t len)
{
	struct body_hasher *h = ctx;

	if (len >= sizeof(h->buf)) {
		if (stage_flush(h) == -1)
			return -1;
		return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -1;
	}
	if (h->len + len > sizeof(h->buf) && stage_flush(h) == -1)
		return -1;
	memcpy(h->buf + h->len, data, len);
	h->len += len;
	return 0;
}

int
body_hasher_start(struct body_hasher *h, enum canon c, long long limit)
{
	h->len = 0;
	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return -1;
	}
	canon_body_init(&h->cb, c, limit, stage_emit, h);
	return 0;
}

int
body_hasher_feed(struct body_hasher *h, const char *data, size_t len)
{
	return canon_body_feed(&h->cb, data, len);
}

int
body_hasher_finish(struct body_hasher *h, char *bh,
    unsigned long long *length)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	int rc = -1;

	if (canon_body_finish(&h->cb) == 0 && stage_flush(h) == 0 &&
	    EVP_DigestFinal_ex(h->ctx, digest, &digest_len) == 1) {
		dkim_base64_encode(digest, digest_len, bh);
		*length = h->cb.total;
		rc = 0;
	}
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	return rc;
}

void
body_hasher_free(struct body_hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int
dkim_body_hash(enum canon c, long long limit, const struct kmta_message *m,
    char *bh, unsigned long long *length, struct kmta_err *err)
{
	struct body_hasher h;

	if (body_hasher_start(&h, c, limit) == -1 ||
	    body_hasher_feed(&h, m->data + m->body_off,
	    m->len - m->body_off) == -1 ||
	    body_hasher_finish(&h, bh, length) == -1) {
		body_hasher_free(&h);
		return kmta_err_set(err, EX_SOFTWARE,
		    "SHA-256 of the body failed");
	}
	return 0;
}
