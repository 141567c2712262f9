#include <stdio.h>
#include <string.h>

#include "vault.h"
#include "vault_int.h"

static void
copy_time(char *dst, size_t len, json_t *v)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Fill the KV v2 metadata fields; a policy may deny metadata, then skip. */
static void
check_metadata(struct vault_client *c, const struct vault_location *loc,
    struct vault_info *info)
{
	struct kmta_err ignored;
	json_t *meta;

	if (vault_kv_metadata(c, loc, &meta, &ignored) == -1)
		return;
	info->current_version = (long)json_integer_value(
	    json_object_get(meta, "current_version"));
	info->oldest_version = (long)json_integer_value(
	    json_object_get(meta, "oldest_version"));
	copy_time(info->created_time, sizeof(info->created_time),
	    json_object_get(meta, "created_time"));
	copy_time(info->updated_time, sizeof(info->updated_time),
	    json_object_get(meta, "updated_time"));
	json_decref(meta);
}

/* The token's remaining TTL from auth/token/lookup-self, or -1. */
static long
check_token_ttl(struct vault_client *c)
{
	struct vault_reply reply;
	struct kmta_err ignored;
	long ttl = -1;
	json_t *v;

	if (vault_request(c, "GET", "auth/token/lookup-self", NULL, NULL, true,
	    &reply, &ignored) == -1)
		return -1;
	v = json_object_get(json_object_get(reply.json, "data"), "ttl");
	if (reply.status == 200 && json_is_integer(v))
		ttl = (long)json_integer_value(v);
	vault_reply_free(&reply);
	return ttl;
}

int
vault_check(const struct kmta_conf *conf, const char *src, long version,
    struct vault_info *info, struct kmta_err *err)
{
	struct vault_location loc;
	struct vault_client *c;
	struct vault_ref ref;
	json_t *data = NULL, *meta = NULL;

	memset(info, 0, sizeof(*info));
	if (vault_ref_parse(src, &ref, err) == -1 ||
	    vault_client_get(conf, &c, err) == -1 ||
	    vault_locate(c, ref.path, &loc, err) == -1 ||
	    vault_kv_read(c, &loc, version, &data, &meta, err) == -1)
		return -1;

	snprintf(info->address, sizeof(info->address), "%s", c->address);
	snprintf(info->mount, sizeof(info->mount), "%s", loc.mount);
	snprintf(info->path, sizeof(info->path), "%s", loc.rel);
	snprintf(info->field, sizeof(info->field), "%s", ref.field);
	snprintf(info->token_source, sizeof(info->token_source), "%s",
	    c->token_source);
	info->kv_version = loc.kv_version;
	info->kv_version_detected = loc.detected;
	info->field_present = json_object_get(data, ref.field) != NULL;
	info->field_count = (int)json_object_size(data);
	info->version = (long)json_integer_value(json_object_get(meta,
	    "version"));
	json_decref(data);
	json_decref(meta);

	if (loc.kv_version == 2)
		check_metadata(c, &loc, info);
	info->token_ttl = check_token_ttl(c);
	if (!info->field_present)
		return kmta_err_set(err, EX_CONFIG, "%s: no field \"%s\"",
		    ref.path, ref.field);
	return 0;
}
