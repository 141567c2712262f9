/*
 * Key sources: one string syntax naming where a secret lives.
 *
 *   /path/file, file:/path/file   a local file, which must not be readable
 *                                 by group or others
 *   env:NAME                      an environment variable
 *   vault:MOUNT/PATH#FIELD        a field of a Vault KV secret, read
 *                                 through the backend that the program
 *                                 selected with keysource_set_vault_backend()
 *
 * This file links no Vault client, so that a program which reads only
 * local keys does not load libcurl at start-up.
 *
 * A loaded secret sits in memory locked against swapping where permitted
 * and is wiped by kmta_secret_free().
 */
#ifndef KMTA_KEYSOURCE_H
#define KMTA_KEYSOURCE_H

#include <stddef.h>

#include "conf.h"
#include "err.h"

#define KMTA_SECRET_MAX (1024 * 1024)

enum keysource_kind {
	KEYSOURCE_FILE,
	KEYSOURCE_ENV,
	KEYSOURCE_VAULT,
};

struct kmta_secret {
	unsigned char *data;	/* NUL-terminated after len bytes */
	size_t len;
	size_t cap;
	int locked;		/* mlock(2) succeeded */
};

/*
 * Functions that load and store vault: key sources. vault.h provides the
 * in-process client (vault_inprocess_backend), and kmta-sign's backend
 * runs kmta-secret.
 */
struct keysource_vault_backend {
	int (*load)(const struct kmta_conf *conf, const char *src,
	    struct kmta_secret *out, struct kmta_err *err);
	int (*store)(const struct kmta_conf *conf, const char *src,
	    const unsigned char *data, size_t len, struct kmta_err *err);
};

/*
 * Select how vault: key sources are read and written, once at start-up.
 * Until a program selects a backend, vault: sources fail with
 * EX_SOFTWARE.
 */
void keysource_set_vault_backend(const struct keysource_vault_backend *b);

/* Return 0 when src is a well-formed key source, else -1. */
int keysource_check_syntax(const char *src);

/* The kind of a well-formed key source. */
enum keysource_kind keysource_kind(const char *src);

/*
 * Load the secret named by src. conf (may be NULL) supplies [vault]
 * settings. Errors: EX_NOINPUT when the file or variable is missing,
 * EX_NOPERM for unsafe file permissions, EX_USAGE for a malformed source;
 * Vault adds its own codes (see vault.h).
 */
int keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err);

/*
 * Store data under a key source: a file is written atomically with mode
 * 0600, a vault: source creates or updates its field without touching the
 * secret's other fields. env: sources cannot be written (EX_USAGE).
 */
int keysource_store(const struct kmta_conf *conf, const char *src,
    const unsigned char *data, size_t len, struct kmta_err *err);

/* Allocate an empty secret buffer of cap bytes (locked where permitted). */
int kmta_secret_alloc(struct kmta_secret *s, size_t cap);

/* Wipe and release a secret; safe on a zeroed struct. */
void kmta_secret_free(struct kmta_secret *s);

#endif
