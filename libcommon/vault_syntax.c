/*
 * Parsing of vault:MOUNT/PATH#FIELD key sources. This file calls neither
 * libcurl nor jansson, so that keysource.c can check the syntax in
 * programs that link no Vault client.
 */
#include <stdio.h>
#include <string.h>

#include "vault.h"
#include "vault_int.h"

/*
 * A path is one or more slash-separated segments after the mount, none
 * empty, "." or "..", and free of control characters.
 */
static int
path_check(const char *path, size_t len)
{
	const char *seg = path, *end = path + len, *slash;
	size_t n;
	int segments = 0;

	if (len == 0 || len >= VAULT_PATH_MAX)
		return -1;
	while (seg < end) {
		slash = memchr(seg, '/', (size_t)(end - seg));
		n = (size_t)((slash ? slash : end) - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return -1;
		segments++;
		seg += n + 1;
	}
	for (seg = path; seg < end; seg++)
		if ((unsigned char)*seg < 0x20 || *seg == 0x7f || *seg == '?')
			return -1;
	return segments >= 2 && path[len - 1] != '/' ? 0 : -1;
}

int
vault_ref_parse(const char *src, struct vault_ref *ref, struct kmta_err *err)
{
	const char *path, *hash, *field, *p;
	size_t len;

	/* Check the prefix first: a shorter src has no path to look at. */
	if (strncmp(src, "vault:", 6) != 0)
		return kmta_err_set(err, EX_USAGE, "invalid key source \"%s\": "
		    "expected vault:MOUNT/PATH#FIELD", src);
	path = src + strlen("vault:");
	hash = strchr(path, '#');
	len = hash ? (size_t)(hash - path) : strlen(path);
	field = hash ? hash + 1 : "key";
	if (path_check(path, len) == -1)
		return kmta_err_set(err, EX_USAGE, "invalid key source \"%s\": "
		    "expected vault:MOUNT/PATH#FIELD", src);
	for (p = field; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (field[0] == '\0' || *p != '\0' || strlen(field) >= VAULT_FIELD_MAX)
		return kmta_err_set(err, EX_USAGE, "invalid key source \"%s\": "
		    "empty or invalid FIELD after #", src);

	memcpy(ref->path, path, len);
	ref->path[len] = '\0';
	snprintf(ref->field, sizeof(ref->field), "%s", field);
	return 0;
}

int
vault_check_syntax(const char *src)
{
	struct vault_ref ref;

	return vault_ref_parse(src, &ref, NULL);
}
