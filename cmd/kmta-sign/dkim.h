/*
 * Making one DKIM-Signature header field for a message (RFC 6376 section
 * 5, with Ed25519 from RFC 8463).
 */
#ifndef KMTA_SIGN_DKIM_H
#define KMTA_SIGN_DKIM_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "buf.h"
#include "canon.h"
#include "err.h"
#include "key.h"
#include "message.h"

/* Maximum line length of the generated header field, without the line
 * ending. */
#define DKIM_LINE_MAX 78

/* When to sign: always, or only with a matching published key record. */
enum sign_policy {
	POLICY_ALWAYS,
	POLICY_IF_KEY_PUBLISHED,	/* else leave this signature out */
	POLICY_REQUIRE_KEY_PUBLISHED,	/* else fail with EX_TEMPFAIL */
};

/* One signature to add, as the tags of its header field will carry it. */
struct dkim_request {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	enum dkim_algo algo;		/* a= */
	enum canon header_canon;	/* c= */
	enum canon body_canon;
	const char *headers;	/* exact h= list "a:b:a", or NULL for default */
	bool oversign;		/* default list: sign each field once more */
	long long timestamp;	/* t=, or -1 to leave it out */
	long long expire;	/* x= seconds after t=, or 0 for none */
	const char *identity;	/* i=, or NULL */
	bool body_length;	/* add l= with the canonical body length */
	EVP_PKEY *key;
	enum sign_policy policy;
	const char *body_hash;	/* bh= computed while streaming, or NULL */
	unsigned long long body_hash_length;	/* its canonical length */
};

/*
 * The default signed fields, from the list RFC 6376 section 5.4.1
 * recommends plus the MIME fields and Message-ID; only fields present in
 * the message are signed.
 */
extern const char *const dkim_default_headers[];

/*
 * Append the complete DKIM-Signature field to out, folded at
 * DKIM_LINE_MAX and ending in the message's line ending (CRLF when
 * m->crlf, else LF). Errors: EX_DATAERR for a message the request cannot
 * sign (no From field, an i= outside d=), EX_SOFTWARE when OpenSSL fails.
 */
int dkim_sign(const struct dkim_request *req, const struct kmta_message *m,
    struct kmta_buf *out, struct kmta_err *err);

/*
 * Sign the canonical header data into sig (*sig_len: its size in, the
 * signature's length out). rsa-sha256 signs the data with SHA-256 and
 * PKCS#1 v1.5; ed25519-sha256 signs its SHA-256 digest with PureEdDSA
 * (RFC 8463 section 3). Returns 0, or -1 when OpenSSL fails.
 */
int dkim_sign_data(const struct dkim_request *req, const struct kmta_buf *data,
    unsigned char *sig, size_t *sig_len);

/* SHA-256 over a canonical body fed in chunks. */
struct body_hasher {
	struct canon_body cb;
	SHA256_CTX sha;
	size_t len;
	unsigned char buf[16384];	/* staged canonical bytes */
};

/* Start, feed and finish a body hash; each returns 0, or -1 when
 * OpenSSL fails. finish writes base64 into bh (45 bytes) and the whole
 * canonical length into *length, and frees the hash context. */
int body_hasher_start(struct body_hasher *h, enum canon c, long long limit);
int body_hasher_feed(struct body_hasher *h, const char *data, size_t len);
int body_hasher_finish(struct body_hasher *h, char *bh,
    unsigned long long *length);
void body_hasher_free(struct body_hasher *h);

/*
 * Compute the bh= value (base64 of the SHA-256 body hash) into bh (45
 * bytes), hashing at most limit canonical bytes (-1 for all). Sets
 * *length to the whole canonical body length.
 */
int dkim_body_hash(enum canon c, long long limit,
    const struct kmta_message *m, char *bh, unsigned long long *length,
    struct kmta_err *err);

#endif
