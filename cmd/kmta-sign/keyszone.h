/* Zone-file TXT records in a keys file (the form genkey prints). */
#ifndef KMTA_SIGN_KEYSZONE_H
#define KMTA_SIGN_KEYSZONE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Check whether rest, the part of a line after the owner name, is in
 * zone-file form: [TTL] [IN] TXT RDATA. Returns the RDATA, or NULL.
 */
const char *keys_zone_rdata(const char *rest);

/* Whether rdata opens a "(" that it does not close, outside quotes. */
bool keys_zone_open(const char *rdata);

/*
 * Join the quoted character-strings of rdata into out, undoing \X and
 * \DDD. Returns 0, or -1 for an unquoted word, an unclosed quote, an
 * escape over 255 or text longer than outlen - 1.
 */
int keys_zone_text(const char *rdata, char *out, size_t outlen);

#endif
