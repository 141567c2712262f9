/* Internals shared by the vault*.c files; not for use outside libcommon. */
#ifndef KMTA_VAULT_INT_H
#define KMTA_VAULT_INT_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "err.h"
#include "http.h"
#include "keysource.h"

#define VAULT_PATH_MAX 512
#define VAULT_FIELD_MAX 256

/* A parsed vault:MOUNT/PATH#FIELD. */
struct vault_ref {
	char path[VAULT_PATH_MAX];	/* MOUNT/PATH, no leading slash */
	char field[VAULT_FIELD_MAX];
};

/* Connection settings and the process's token, set up once. */
struct vault_client {
	const struct kmta_conf *conf;
	char address[256];		/* without a trailing slash */
	char namespace[256];
	char token_source[64];
	int kv_version;			/* 0: detect */
	long cache_ttl;			/* seconds */
	struct http_options http;
	char ca_file[1024], ca_path[1024], client_cert[1024], client_key[1024];
	struct kmta_secret token;	/* empty until vault_token_get() */
};

/* A secret's location: its mount and the path inside it. */
struct vault_location {
	char mount[VAULT_PATH_MAX];	/* "secret/" */
	char rel[VAULT_PATH_MAX];	/* path inside the mount */
	int kv_version;
	bool detected;
};

/* A Vault reply: HTTP status and the decoded JSON body (may be NULL). */
struct vault_reply {
	long status;
	json_t *json;
};

int vault_ref_parse(const char *src, struct vault_ref *ref,
    struct kmta_err *err);

/* vault_settings.c */
int vault_client_get(const struct kmta_conf *conf, struct vault_client **out,
    struct kmta_err *err);
void vault_client_free(void);
int vault_token_get(struct vault_client *c, struct kmta_err *err);
int vault_approle_login(struct vault_client *c, struct kmta_err *err);
void vault_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vault_request.c */
void vault_json_init(void);
int vault_request(struct vault_client *c, const char *method,
    const char *path, const char *query, json_t *body, bool with_token,
    struct vault_reply *reply, struct kmta_err *err);
void vault_reply_free(struct vault_reply *reply);
int vault_status_error(const struct vault_reply *reply, const char *what,
    struct kmta_err *err);

/* vault_kv.c */
int vault_locate(struct vault_client *c, const char *path,
    struct vault_location *loc, struct kmta_err *err);
int vault_kv_read(struct vault_client *c, const struct vault_location *loc,
    long version, json_t **data, json_t **metadata, struct kmta_err *err);
int vault_kv_write_field(struct vault_client *c,
    const struct vault_location *loc, const char *field, json_t *value,
    struct kmta_err *err);
int vault_kv_metadata(struct vault_client *c,
    const struct vault_location *loc, json_t **metadata,
    struct kmta_err *err);

#endif
