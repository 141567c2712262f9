/* The h= list of a signature and the header data it selects. */
#ifndef KMTA_SIGN_SIGNHEADERS_H
#define KMTA_SIGN_SIGNHEADERS_H

#include <stdbool.h>

#include "buf.h"
#include "canon.h"
#include "message.h"

/*
 * Append the default h= list for m to h: each field of
 * dkim_default_headers present in m, once per occurrence, plus once more
 * when oversign is set.
 */
int signheaders_default(const struct kmta_message *m, bool oversign,
    struct kmta_buf *h);

/*
 * Copy a user's "a:b:c" list to h without white space around the names.
 * Returns -1 for an empty name or one containing white space, ';' or '='.
 */
int signheaders_normalize(const char *list, struct kmta_buf *h);

/*
 * Check a user's "a:b:c" list before any message is read. Returns NULL
 * when it is usable, else why not.
 */
const char *signheaders_check(const char *list);

/* Return 1 when the h= list names field (case-insensitive), else 0. */
int signheaders_has(const char *list, const char *field);

/* Append the canonical fields that the h= list selects, in h= order. */
int signheaders_data(const struct kmta_message *m, enum canon c,
    const char *list, struct kmta_buf *out);

#endif
