#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keysource.h"
#include "secret.h"
#include "vault.h"

static void
print_vault(const char *src, const struct vault_info *i)
{
	printf("source=%s\n", src);
	printf("status=ok\n");
	printf("address=%s\n", i->address);
	printf("mount=%s\n", i->mount);
	printf("path=%s\n", i->path);
	printf("field=%s\n", i->field);
	printf("kv_version=%d\n", i->kv_version);
	printf("kv_version_from=%s\n", i->kv_version_detected ? "mount" :
	    "config");
	printf("fields=%d\n", i->field_count);
	if (i->kv_version == 2) {
		printf("version=%ld\n", i->version);
		printf("current_version=%ld\n", i->current_version);
		printf("oldest_version=%ld\n", i->oldest_version);
		printf("created_time=%s\n", i->created_time);
		printf("updated_time=%s\n", i->updated_time);
	}
	printf("token_source=%s\n", i->token_source);
	if (i->token_ttl >= 0)
		printf("token_ttl=%ld\n", i->token_ttl);
}

/* Load a file: or env: secret to prove it is readable, then drop it. */
static int
check_local(const struct kmta_conf *conf, const char *src,
    struct kmta_err *err)
{
	struct kmta_secret s;
	const char *path = strncmp(src, "file:", 5) == 0 ? src + 5 : src;
	struct stat st;

	if (keysource_load(conf, src, &s, err) == -1)
		return -1;
	kmta_secret_free(&s);

	printf("source=%s\n", src);
	printf("status=ok\n");
	if (keysource_kind(src) == KEYSOURCE_ENV) {
		printf("kind=env\n");
		return 0;
	}
	printf("kind=file\n");
	if (stat(path, &st) == 0)
		printf("mode=%04o\nuid=%u\n", (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid);
	return 0;
}

int
secret_check(const struct kmta_conf *conf, const char *src, long version,
    struct kmta_err *err)
{
	struct vault_info info;

	if (keysource_check_syntax(src) == -1)
		return kmta_err_set(err, EX_USAGE, "invalid key source \"%s\": "
		    "expected file:PATH, /PATH, env:NAME or "
		    "vault:MOUNT/PATH#FIELD", src);
	if (keysource_kind(src) != KEYSOURCE_VAULT) {
		if (version > 0)
			return kmta_err_set(err, EX_USAGE, "--version applies "
			    "to vault: sources only, not %s", src);
		return check_local(conf, src, err);
	}
	if (vault_check(conf, src, version, &info, err) == -1)
		return -1;
	print_vault(src, &info);
	return 0;
}
