#include <string.h>

#include <openssl/evp.h>

#include "dkim.h"

/* Canonical bytes are gathered here so SHA-256 sees large updates. */
struct hash_stage {
	EVP_MD_CTX *ctx;
	size_t len;
	unsigned char buf[16384];
};

static int
stage_flush(struct hash_stage *hs)
{
	int ok = EVP_DigestUpdate(hs->ctx, hs->buf, hs->len);

	hs->len = 0;
	return ok == 1 ? 0 : -1;
}

static int
stage_emit(void *ctx, const char *data, size_t len)
{
	struct hash_stage *hs = ctx;

	if (len >= sizeof(hs->buf)) {
		if (stage_flush(hs) == -1)
			return -1;
		return EVP_DigestUpdate(hs->ctx, data, len) == 1 ? 0 : -1;
	}
	if (hs->len + len > sizeof(hs->buf) && stage_flush(hs) == -1)
		return -1;
	memcpy(hs->buf + hs->len, data, len);
	hs->len += len;
	return 0;
}

int
dkim_body_hash(enum canon c, long long limit, const struct kmta_message *m,
    char *bh, unsigned long long *length, struct kmta_err *err)
{
	struct hash_stage hs;
	struct canon_body cb;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	int rc = -1;

	hs.len = 0;
	if ((hs.ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(hs.ctx, EVP_sha256(), NULL) != 1)
		goto done;

	canon_body_init(&cb, c, limit, stage_emit, &hs);
	if (canon_body_run(&cb, m->data + m->body_off,
	    m->len - m->body_off) == -1 || stage_flush(&hs) == -1 ||
	    EVP_DigestFinal_ex(hs.ctx, digest, &digest_len) != 1)
		goto done;

	dkim_base64_encode(digest, digest_len, bh);
	*length = cb.total;
	rc = 0;
done:
	EVP_MD_CTX_free(hs.ctx);
	hs.ctx = NULL;
	if (rc == -1)
		kmta_err_set(err, EX_SOFTWARE, "SHA-256 of the body failed");
	return rc;
}
