/* kmta-sign genkey: make a DKIM key pair and its DNS record. */
#ifndef KMTA_SIGN_GENKEY_H
#define KMTA_SIGN_GENKEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "buf.h"
#include "key.h"

#define GENKEY_RSA_DEFAULT_BITS 2048
#define GENKEY_RSA_MAX_BITS 8192

/*
 * Append the key record text for key ("v=DKIM1; k=...; p=...") to out.
 * Ed25519 records carry the raw 32-byte public key (RFC 8463 section 4),
 * RSA records the DER SubjectPublicKeyInfo.
 */
int genkey_record(EVP_PKEY *key, struct kmta_buf *out);

/*
 * Append a zone-file line for name with TXT text, split into quoted
 * strings of at most 255 octets (RFC 1035 character-strings).
 */
int genkey_zone_line(const char *name, const char *text,
    struct kmta_buf *out);

/* kmta-sign genkey ...: returns the exit status. */
int genkey_main(int argc, char **argv);

#endif
