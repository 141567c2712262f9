#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault_int.h"

/* Split at the first slash when the mount cannot be asked for. */
static int
locate_first_segment(const char *path, int kv_version,
    struct vault_location *loc)
{
	size_t n = strcspn(path, "/");

	snprintf(loc->mount, sizeof(loc->mount), "%.*s/", (int)n, path);
	snprintf(loc->rel, sizeof(loc->rel), "%s", path + n + 1);
	loc->kv_version = kv_version;
	return 0;
}

/*
 * Find the mount of path and its KV version the way Vault's CLI does:
 * GET sys/internal/ui/mounts/PATH returns the mount's path and options.
 * A 404 comes from Vault releases without that endpoint, where every KV
 * mount is version 1.
 */
static int
locate_preflight(struct vault_client *c, const char *path,
    struct vault_location *loc, struct kmta_err *err)
{
	struct vault_reply reply;
	char ui[VAULT_PATH_MAX + 32];
	json_t *data, *mount, *version, *type;
	int rc = -1;

	snprintf(ui, sizeof(ui), "sys/internal/ui/mounts/%s", path);
	if (vault_request(c, "GET", ui, NULL, NULL, true, &reply, err) == -1)
		return -1;
	if (reply.status == 404) {
		vault_reply_free(&reply);
		return locate_first_segment(path, 1, loc);
	}
	if (reply.status != 200) {
		snprintf(ui, sizeof(ui), "mount lookup for %s", path);
		vault_status_error(&reply, ui, err);
		goto out;
	}

	data = json_object_get(reply.json, "data");
	mount = json_object_get(data, "path");
	type = json_object_get(data, "type");
	version = json_object_get(json_object_get(data, "options"), "version");
	if (!json_is_string(mount) ||
	    strncmp(path, json_string_value(mount), json_string_length(mount))
	    != 0) {
		kmta_err_set(err, EX_TEMPFAIL, "mount lookup for %s: reply has "
		    "no matching data.path", path);
		goto out;
	}
	if (json_is_string(type) && strcmp(json_string_value(type), "kv") != 0
	    && strcmp(json_string_value(type), "generic") != 0) {
		kmta_err_set(err, EX_CONFIG, "%s: mount %s is of type %s, "
		    "not a KV secrets engine", path, json_string_value(mount),
		    json_string_value(type));
		goto out;
	}

	snprintf(loc->mount, sizeof(loc->mount), "%s", json_string_value(mount));
	snprintf(loc->rel, sizeof(loc->rel), "%s",
	    path + json_string_length(mount));
	loc->kv_version = json_is_string(version) &&
	    strcmp(json_string_value(version), "2") == 0 ? 2 : 1;
	loc->detected = true;
	rc = 0;
out:
	vault_reply_free(&reply);
	return rc;
}

int
vault_locate(struct vault_client *c, const char *path,
    struct vault_location *loc, struct kmta_err *err)
{
	memset(loc, 0, sizeof(*loc));
	if (c->kv_version != 0)
		locate_first_segment(path, c->kv_version, loc);
	else if (locate_preflight(c, path, loc, err) == -1)
		return -1;
	if (loc->rel[0] == '\0')
		return kmta_err_set(err, EX_USAGE, "%s: names the mount %s, not "
		    "a secret inside it", path, loc->mount);
	return 0;
}

/* Report a KV v2 version that exists but was deleted or destroyed. */
static int
deleted_version_error(const struct vault_location *loc, json_t *metadata,
    struct kmta_err *err)
{
	json_t *deleted = json_object_get(metadata, "deletion_time");
	long version = (long)json_integer_value(json_object_get(metadata,
	    "version"));

	if (json_is_true(json_object_get(metadata, "destroyed")))
		return kmta_err_set(err, EX_NOINPUT, "%s%s: version %ld was "
		    "destroyed and cannot be recovered", loc->mount, loc->rel,
		    version);
	return kmta_err_set(err, EX_NOINPUT, "%s%s: version %ld was deleted "
	    "at %s; vault kv undelete can restore it", loc->mount, loc->rel,
	    version, json_is_string(deleted) ? json_string_value(deleted) :
	    "an unknown time");
}

static int
kv2_read(struct vault_client *c, const struct vault_location *loc,
    long version, json_t **data, json_t **metadata, struct kmta_err *err)
{
	struct vault_reply reply;
	char path[2 * VAULT_PATH_MAX], query[32], what[2 * VAULT_PATH_MAX];
	json_t *outer, *meta;
	int rc = -1;

	snprintf(path, sizeof(path), "%sdata/%s", loc->mount, loc->rel);
	snprintf(query, sizeof(query), "version=%ld", version);
	if (vault_request(c, "GET", path, version > 0 ? query : NULL, NULL,
	    true, &reply, err) == -1)
		return -1;

	outer = json_object_get(reply.json, "data");
	meta = json_object_get(outer, "metadata");
	if (reply.status == 404 && json_is_object(meta)) {
		deleted_version_error(loc, meta, err);
		goto out;
	}
	if (reply.status != 200) {
		snprintf(what, sizeof(what), "read %s%s", loc->mount, loc->rel);
		vault_status_error(&reply, what, err);
		goto out;
	}
	if (!json_is_object(json_object_get(outer, "data"))) {
		kmta_err_set(err, EX_TEMPFAIL, "read %s%s: reply has no "
		    "data.data object", loc->mount, loc->rel);
		goto out;
	}

	*data = json_incref(json_object_get(outer, "data"));
	if (metadata != NULL)
		*metadata = json_incref(meta);
	rc = 0;
out:
	vault_reply_free(&reply);
	return rc;
}

static int
kv1_read(struct vault_client *c, const struct vault_location *loc,
    json_t **data, struct kmta_err *err)
{
	struct vault_reply reply;
	char path[2 * VAULT_PATH_MAX], what[2 * VAULT_PATH_MAX];
	int rc = -1;

	snprintf(path, sizeof(path), "%s%s", loc->mount, loc->rel);
	if (vault_request(c, "GET", path, NULL, NULL, true, &reply, err) == -1)
		return -1;
	if (reply.status != 200) {
		snprintf(what, sizeof(what), "read %s", path);
		vault_status_error(&reply, what, err);
	} else if (!json_is_object(json_object_get(reply.json, "data"))) {
		kmta_err_set(err, EX_TEMPFAIL, "read %s: reply has no data "
		    "object", path);
	} else {
		*data = json_incref(json_object_get(reply.json, "data"));
		rc = 0;
	}
	vault_reply_free(&reply);
	return rc;
}

int
vault_kv_read(struct vault_client *c, const struct vault_location *loc,
    long version, json_t **data, json_t **metadata, struct kmta_err *err)
{
	*data = NULL;
	if (metadata != NULL)
		*metadata = NULL;
	if (loc->kv_version == 2)
		return kv2_read(c, loc, version, data, metadata, err);
	if (version > 0)
		return kmta_err_set(err, EX_USAGE, "%s%s: --version needs a KV "
		    "version 2 mount, and %s is version 1", loc->mount,
		    loc->rel, loc->mount);
	return kv1_read(c, loc, data, err);
}

/*
 * Read the latest KV v2 data for an update: a missing secret yields an
 * empty object and cas 0; a deleted latest version yields an empty object
 * and that version as cas.
 */
static int
kv2_read_for_update(struct vault_client *c, const struct vault_location *loc,
    json_t **data, long *cas, struct kmta_err *err)
{
	struct vault_reply reply;
	char path[2 * VAULT_PATH_MAX], what[2 * VAULT_PATH_MAX];
	json_t *outer, *meta;
	int rc = -1;

	snprintf(path, sizeof(path), "%sdata/%s", loc->mount, loc->rel);
	if (vault_request(c, "GET", path, NULL, NULL, true, &reply, err) == -1)
		return -1;
	outer = json_object_get(reply.json, "data");
	meta = json_object_get(outer, "metadata");

	if (reply.status == 404 || reply.status == 200) {
		*cas = (long)json_integer_value(json_object_get(meta,
		    "version"));
		*data = json_is_object(json_object_get(outer, "data")) ?
		    json_deep_copy(json_object_get(outer, "data")) :
		    json_object();
		rc = *data != NULL ? 0 :
		    kmta_err_set(err, EX_OSERR, "out of memory");
	} else {
		snprintf(what, sizeof(what), "read %s%s", loc->mount, loc->rel);
		vault_status_error(&reply, what, err);
	}
	vault_reply_free(&reply);
	return rc;
}

static int
kv1_read_for_update(struct vault_client *c, const struct vault_location *loc,
    json_t **data, struct kmta_err *err)
{
	if (kv1_read(c, loc, data, err) == 0) {
		json_t *copy = json_deep_copy(*data);

		json_decref(*data);
		*data = copy;
		return copy != NULL ? 0 :
		    kmta_err_set(err, EX_OSERR, "out of memory");
	}
	if (err != NULL && err->code == EX_NOINPUT) {
		*data = json_object();
		return 0;
	}
	return -1;
}

static int
write_reply_check(struct vault_reply *reply, const char *path,
    struct kmta_err *err)
{
	char what[2 * VAULT_PATH_MAX];
	json_t *errors = json_object_get(reply->json, "errors");
	json_t *first = json_array_get(errors, 0);

	if (reply->status == 200 || reply->status == 204)
		return 0;
	snprintf(what, sizeof(what), "write %s", path);
	vault_status_error(reply, what, err);
	/* A check-and-set mismatch means another writer came first. */
	if (reply->status == 400 && json_is_string(first) &&
	    strstr(json_string_value(first), "check-and-set") != NULL)
		err->code = EX_TEMPFAIL;
	return -1;
}

int
vault_kv_write_field(struct vault_client *c,
    const struct vault_location *loc, const char *field, json_t *value,
    struct kmta_err *err)
{
	struct vault_reply reply;
	char path[2 * VAULT_PATH_MAX];
	json_t *data = NULL, *body;
	long cas = 0;
	int rc;

	rc = loc->kv_version == 2 ?
	    kv2_read_for_update(c, loc, &data, &cas, err) :
	    kv1_read_for_update(c, loc, &data, err);
	if (rc == -1)
		return -1;
	json_object_set(data, field, value);

	if (loc->kv_version == 2) {
		snprintf(path, sizeof(path), "%sdata/%s", loc->mount, loc->rel);
		body = json_pack("{s:{s:I},s:O}", "options", "cas",
		    (json_int_t)cas, "data", data);
	} else {
		/* NOTE: KV v1 has no check-and-set, so a concurrent writer's
		 * change to another field can be lost. */
		snprintf(path, sizeof(path), "%s%s", loc->mount, loc->rel);
		body = json_incref(data);
	}
	json_decref(data);
	if (body == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");

	rc = vault_request(c, "POST", path, NULL, body, true, &reply, err);
	json_decref(body);
	if (rc == 0)
		rc = write_reply_check(&reply, path, err);
	vault_reply_free(&reply);
	return rc;
}

int
vault_kv_metadata(struct vault_client *c, const struct vault_location *loc,
    json_t **metadata, struct kmta_err *err)
{
	struct vault_reply reply;
	char path[2 * VAULT_PATH_MAX], what[2 * VAULT_PATH_MAX];
	int rc = -1;

	*metadata = NULL;
	snprintf(path, sizeof(path), "%smetadata/%s", loc->mount, loc->rel);
	if (vault_request(c, "GET", path, NULL, NULL, true, &reply, err) == -1)
		return -1;
	if (reply.status == 200 &&
	    json_is_object(json_object_get(reply.json, "data"))) {
		*metadata = json_incref(json_object_get(reply.json, "data"));
		rc = 0;
	} else {
		snprintf(what, sizeof(what), "read metadata %s", path);
		vault_status_error(&reply, what, err);
	}
	vault_reply_free(&reply);
	return rc;
}
