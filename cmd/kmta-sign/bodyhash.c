#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "dkim.h"

static int
stage_flush(struct body_hasher *h)
{
	int ok = SHA256_Update(&h->sha, h->buf, h->len);

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
		return SHA256_Update(&h->sha, data, len) == 1 ? 0 : -1;
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
	if (SHA256_Init(&h->sha) != 1)
		return -1;
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
	unsigned char digest[SHA256_DIGEST_LENGTH];

	if (canon_body_finish(&h->cb) == -1 || stage_flush(h) == -1 ||
	    SHA256_Final(digest, &h->sha) != 1)
		return -1;
	dkim_base64_encode(digest, sizeof(digest), bh);
	*length = h->cb.total;
	return 0;
}

void
body_hasher_free(struct body_hasher *h)
{
	OPENSSL_cleanse(&h->sha, sizeof(h->sha));
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
