/* Vault KV key sources: vault:MOUNT/PATH#FIELD. */
#ifndef KMTA_VAULT_H
#define KMTA_VAULT_H

#include "conf.h"
#include "err.h"
#include "keysource.h"

struct kmta_secret;

/* Return 0 when src is a well-formed vault: key source, else -1. */
int vault_check_syntax(const char *src);

/* Load the field named by a vault: key source. */
int vault_keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err);

#endif
