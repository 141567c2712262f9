/*
 * DKIM private keys: RSA (PKCS#1 or PKCS#8, PEM or DER) and Ed25519
 * (PKCS#8 PEM or DER, or the base64 32-byte seed that dkimpy writes).
 */
#ifndef KMTA_SIGN_KEY_H
#define KMTA_SIGN_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

enum dkim_algo {
	DKIM_ALGO_NONE,		/* not chosen: take it from the key */
	DKIM_ALGO_RSA_SHA256,
	DKIM_ALGO_ED25519_SHA256,
};

#define DKIM_RSA_MIN_BITS 1024
#define DKIM_RSA_WARN_BITS 2048

/* Parse "rsa-sha256", "ed25519-sha256" or the short "rsa", "ed25519". */
int dkim_algo_parse(const char *s, enum dkim_algo *out);
const char *dkim_algo_name(enum dkim_algo a);

/*
 * Parse a private key from the bytes of a key source. source names the
 * key in messages (never its content). Sets *algo to the key's algorithm
 * and *bits to its size. Errors are EX_CONFIG: not a private key, an
 * encrypted key, an unsupported key type, or RSA under 1024 bits.
 */
int dkim_key_parse(const unsigned char *data, size_t len, const char *source,
    EVP_PKEY **out, enum dkim_algo *algo, int *bits, struct kmta_err *err);

/*
 * Decode base64, skipping white space. Returns the decoded length, or -1
 * on a byte outside the alphabet or bad padding. out needs len * 3 / 4
 * bytes.
 */
long dkim_base64_decode(const char *in, size_t len, unsigned char *out);

/* Encode base64 into out (NUL-terminated; needs 4 * ((len + 2) / 3) + 1). */
size_t dkim_base64_encode(const unsigned char *in, size_t len, char *out);

#endif
