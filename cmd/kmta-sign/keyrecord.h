/*
 * DKIM public key records (RFC 6376 section 3.6.1, RFC 8463 section 4)
 * and the offline keys file used in place of DNS.
 */
#ifndef KMTA_SIGN_KEYRECORD_H
#define KMTA_SIGN_KEYRECORD_H

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"
#include "key.h"

/*
 * A keys file: lines "SELECTOR._domainkey.DOMAIN TXT-RECORD-TEXT", or the
 * zone-file records genkey prints ("NAME [TTL] [IN] TXT "..."").
 */
struct keys_file {
	char **names;		/* lower-case, without a final dot */
	char **records;
	size_t count;
};

/*
 * Load a keys file; '#' and ';' lines, blank lines and lines without a
 * record text are skipped. A malformed zone-file record is EX_DATAERR.
 */
int keys_file_load(const char *path, struct keys_file *kf,
    struct kmta_err *err);

/* The record for name (case-insensitive), or NULL. */
const char *keys_file_find(const struct keys_file *kf, const char *name);

void keys_file_free(struct keys_file *kf);

/* A parsed key record: the public key and the flags that limit it. */
struct key_record {
	EVP_PKEY *key;
	int testing;		/* t=y: the domain is testing DKIM */
	int strict_identity;	/* t=s: i= must be in d= exactly */
};

/*
 * Parse record for a signature made with algo. Returns 0, or -1 with why
 * set to a static reason: malformed, revoked (empty p=), wrong key type,
 * a hash or service type that excludes this use, or RSA under 1024 bits.
 */
int key_record_parse(const char *record, enum dkim_algo algo,
    struct key_record *out, const char **why);

#endif
