#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "vault.h"
#include "vault_int.h"

#define CACHE_MAX 64

/* One secret read, kept for cache_ttl seconds. */
struct cache_entry {
	char path[VAULT_PATH_MAX];
	long version;
	struct vault_location loc;
	json_t *data;
	time_t fetched;		/* CLOCK_MONOTONIC seconds */
};

static struct cache_entry cache[CACHE_MAX];

static void
cache_drop(struct cache_entry *e)
{
	json_decref(e->data);
	explicit_bzero(e, sizeof(*e));
}

static struct cache_entry *
cache_find(const struct vault_client *c, const char *path, long version)
{
	time_t now = kmta_monotonic_seconds();
	int i;

	for (i = 0; i < CACHE_MAX; i++) {
		struct cache_entry *e = &cache[i];

		if (e->data == NULL || strcmp(e->path, path) != 0 ||
		    e->version != version)
			continue;
		if (now - e->fetched < c->cache_ttl)
			return e;
		cache_drop(e);
	}
	return NULL;
}

/* Keep a read; when full, the oldest entry makes room. */
static void
cache_put(const struct vault_client *c, const char *path, long version,
    const struct vault_location *loc, json_t *data)
{
	struct cache_entry *slot = &cache[0];
	int i;

	if (c->cache_ttl <= 0)
		return;
	for (i = 0; i < CACHE_MAX; i++) {
		if (cache[i].data == NULL) {
			slot = &cache[i];
			break;
		}
		if (cache[i].fetched < slot->fetched)
			slot = &cache[i];
	}
	cache_drop(slot);
	snprintf(slot->path, sizeof(slot->path), "%s", path);
	slot->version = version;
	slot->loc = *loc;
	slot->data = json_incref(data);
	slot->fetched = kmta_monotonic_seconds();
}

static void
cache_forget(const char *path)
{
	int i;

	for (i = 0; i < CACHE_MAX; i++)
		if (cache[i].data != NULL && strcmp(cache[i].path, path) == 0)
			cache_drop(&cache[i]);
}

void
vault_cleanup(void)
{
	int i;

	for (i = 0; i < CACHE_MAX; i++)
		if (cache[i].data != NULL)
			cache_drop(&cache[i]);
	vault_client_free();
	http_cleanup();
}

/* Read a secret's data object through the cache (a new reference). */
static int
read_data(const struct kmta_conf *conf, const struct vault_ref *ref,
    long version, json_t **data, struct vault_location *loc,
    struct kmta_err *err)
{
	struct vault_client *c;
	struct cache_entry *e;

	if (vault_client_get(conf, &c, err) == -1)
		return -1;
	if ((e = cache_find(c, ref->path, version)) != NULL) {
		*data = json_incref(e->data);
		*loc = e->loc;
		return 0;
	}
	if (vault_locate(c, ref->path, loc, err) == -1 ||
	    vault_kv_read(c, loc, version, data, NULL, err) == -1)
		return -1;
	cache_put(c, ref->path, version, loc, *data);
	return 0;
}

/* List a secret's field names for an error message (names only). */
static void
field_names(json_t *data, char *out, size_t len)
{
	const char *name;
	json_t *v;
	size_t used = 0;

	out[0] = '\0';
	json_object_foreach(data, name, v) {
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    used ? ", " : "", name);
		if (used >= len)
			break;
	}
}

static int
copy_field(json_t *data, const struct vault_ref *ref,
    struct kmta_secret *out, struct kmta_err *err)
{
	json_t *v = json_object_get(data, ref->field);
	char names[256];
	char *text = NULL;
	const char *bytes;
	size_t len;

	if (v == NULL) {
		field_names(data, names, sizeof(names));
		return kmta_err_set(err, EX_CONFIG, "%s: no field \"%s\" "
		    "(fields: %s)", ref->path, ref->field,
		    names[0] ? names : "none");
	}
	if (json_is_string(v)) {
		bytes = json_string_value(v);
		len = json_string_length(v);
	} else {
		/* Numbers, booleans and objects are printed as JSON text. */
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		bytes = text != NULL ? text : "";
		len = strlen(bytes);
	}

	if (kmta_secret_alloc(out, len) == -1) {
		free(text);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	memcpy(out->data, bytes, len);
	out->len = len;
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	return 0;
}

int
vault_load_version(const struct kmta_conf *conf, const char *src,
    long version, struct kmta_secret *out, struct kmta_err *err)
{
	struct vault_location loc;
	struct vault_ref ref;
	json_t *data = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (vault_ref_parse(src, &ref, err) == -1 ||
	    read_data(conf, &ref, version, &data, &loc, err) == -1)
		return -1;
	rc = copy_field(data, &ref, out, err);
	json_decref(data);
	return rc;
}

int
vault_keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err)
{
	return vault_load_version(conf, src, 0, out, err);
}

int
vault_load_json(const struct kmta_conf *conf, const char *src, long version,
    struct kmta_secret *out, struct kmta_err *err)
{
	struct vault_location loc;
	struct vault_ref ref;
	json_t *data = NULL;
	char *text;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (vault_ref_parse(src, &ref, err) == -1 ||
	    read_data(conf, &ref, version, &data, &loc, err) == -1)
		return -1;
	text = json_dumps(data, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(data);
	if (text == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");

	len = strlen(text);
	if (kmta_secret_alloc(out, len) == 0) {
		memcpy(out->data, text, len);
		out->len = len;
	}
	explicit_bzero(text, len);
	free(text);
	return out->data != NULL ? 0 :
	    kmta_err_set(err, EX_OSERR, "out of memory");
}

int
vault_keysource_store(const struct kmta_conf *conf, const char *src,
    const unsigned char *data, size_t len, struct kmta_err *err)
{
	struct vault_location loc;
	struct vault_client *c;
	struct vault_ref ref;
	json_t *value;
	int rc;

	if (vault_ref_parse(src, &ref, err) == -1 ||
	    vault_client_get(conf, &c, err) == -1 ||
	    vault_locate(c, ref.path, &loc, err) == -1)
		return -1;
	value = json_stringn((const char *)data, len);
	if (value == NULL)
		return kmta_err_set(err, EX_DATAERR, "%s: the value is not "
		    "valid UTF-8, as JSON strings must be; store binary data "
		    "base64-encoded", src);

	rc = vault_kv_write_field(c, &loc, ref.field, value, err);
	json_decref(value);
	cache_forget(ref.path);
	return rc;
}

const struct keysource_vault_backend vault_inprocess_backend = {
	.load = vault_keysource_load,
	.store = vault_keysource_store,
};
