#include <string.h>

#include "vault.h"

int
vault_check_syntax(const char *src)
{
	const char *path = src + strlen("vault:");

	return path[0] != '\0' && path[0] != '/' && strchr(path, '/') != NULL ?
	    0 : -1;
}

int
vault_keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err)
{
	(void)conf;
	(void)out;
	/* TODO: Vault KV v1/v2 client; until then vault: sources fail. */
	return kmta_err_set(err, EX_UNAVAILABLE,
	    "key source %s: Vault support is not built yet", src);
}
