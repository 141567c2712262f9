/*
 * Vault KV key sources: vault:MOUNT/PATH#FIELD, FIELD defaulting to "key".
 *
 * Settings come from the environment variables Vault's CLI reads
 * (VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT,
 * VAULT_CLIENT_KEY, VAULT_NAMESPACE, VAULT_MAX_RETRIES,
 * VAULT_CLIENT_TIMEOUT), which win over the [vault] section of kmta.conf.
 * The token is VAULT_TOKEN, else [vault] token_file, else an AppRole login
 * with [vault] role_id_file and secret_id_file, else ~/.vault-token.
 *
 * The KV version of a mount is detected as Vault's CLI does it, from
 * sys/internal/ui/mounts/PATH, unless [vault] kv_version fixes it. A secret
 * read is cached in memory for [vault] cache_ttl (60 s by default), so a
 * batch run makes one request per secret. Error codes: EX_NOPERM for 401
 * and 403, EX_NOINPUT for a missing secret or version, EX_CONFIG for a
 * missing field or token and bad settings, EX_TEMPFAIL for a sealed,
 * overloaded or unreachable Vault and for invalid replies. Messages carry
 * Vault's own error text and never a secret.
 */
#ifndef KMTA_VAULT_H
#define KMTA_VAULT_H

#include <stdbool.h>

#include "conf.h"
#include "err.h"
#include "keysource.h"

struct kmta_secret;

/* Facts about a secret that vault_check() collects, without its value. */
struct vault_info {
	char address[256];
	char mount[256];		/* "secret/" */
	char path[512];			/* path inside the mount */
	char field[256];
	int kv_version;			/* 1 or 2 */
	bool kv_version_detected;	/* false when fixed by config */
	bool field_present;
	int field_count;
	long version;			/* KV v2: version read, else 0 */
	long current_version;		/* KV v2 metadata, else 0 */
	long oldest_version;
	char created_time[64];
	char updated_time[64];
	long token_ttl;			/* seconds from lookup-self, -1 unknown */
	char token_source[64];		/* "VAULT_TOKEN", "approle", ... */
};

/*
 * The in-process Vault client as a key source backend, for
 * keysource_set_vault_backend().
 */
extern const struct keysource_vault_backend vault_inprocess_backend;

/* Return 0 when src is a well-formed vault: key source, else -1. */
int vault_check_syntax(const char *src);

/* Load the field named by a vault: key source (latest version). */
int vault_keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err);

/*
 * Load a field of a pinned KV v2 version (0: latest). A soft-deleted or
 * destroyed version is an EX_NOINPUT error whose message names that state.
 */
int vault_load_version(const struct kmta_conf *conf, const char *src,
    long version, struct kmta_secret *out, struct kmta_err *err);

/* Load a whole secret's fields as one JSON object text. */
int vault_load_json(const struct kmta_conf *conf, const char *src,
    long version, struct kmta_secret *out, struct kmta_err *err);

/*
 * Create or update the field named by src, keeping the secret's other
 * fields. KV v2 writes use check-and-set on the version read, so a
 * concurrent writer makes this fail (EX_TEMPFAIL) instead of losing data.
 * The value must be UTF-8 (EX_DATAERR otherwise), as JSON strings are.
 */
int vault_keysource_store(const struct kmta_conf *conf, const char *src,
    const unsigned char *data, size_t len, struct kmta_err *err);

/* Describe a secret and the token that reads it, never its value. */
int vault_check(const struct kmta_conf *conf, const char *src, long version,
    struct vault_info *info, struct kmta_err *err);

/* Wipe the cache of secrets, the token and the settings. */
void vault_cleanup(void);

/*
 * Set the function that receives warnings (an http:// address allowed by
 * allow_insecure_http, a token file readable by others). The default
 * writes them with kmta_warn(), because these warnings accompany a call
 * that succeeds and so have no error to travel in.
 */
void vault_set_warning_handler(void (*handler)(const char *msg));

#endif
