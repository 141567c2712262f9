/*
 * Vault key source syntax, HTTP retry statuses and keysource_store() for
 * file: and env: sources. Requests to Vault are tested in t/40-*.t.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "keysource.h"
#include "vault.h"
#include "vault_int.h"
#include "tap.h"

static void
test_syntax(void)
{
	struct vault_ref ref;
	struct kmta_err err;

	ok(vault_ref_parse("vault:secret/dkim/example.com", &ref, &err) == 0,
	    "parse without field");
	is_str(ref.path, "secret/dkim/example.com", "path");
	is_str(ref.field, "key", "field defaults to key");
	ok(vault_ref_parse("vault:kv/relay#password", &ref, &err) == 0,
	    "parse with field");
	is_str(ref.field, "password", "field after #");

	ok(vault_check_syntax("vault:secret") == -1, "mount only rejected");
	ok(vault_check_syntax("vault:secret/") == -1, "trailing slash rejected");
	ok(vault_check_syntax("vault:/secret/x") == -1, "leading slash rejected");
	ok(vault_check_syntax("vault:secret//x") == -1, "empty segment rejected");
	ok(vault_check_syntax("vault:secret/../x") == -1, ".. rejected");
	ok(vault_check_syntax("vault:secret/./x") == -1, ". rejected");
	ok(vault_check_syntax("vault:secret/x?version=1") == -1,
	    "query string rejected");
	ok(vault_check_syntax("vault:secret/x#") == -1, "empty field rejected");
	ok(vault_check_syntax("vault:secret/a\nb") == -1,
	    "control character rejected");
	ok(vault_check_syntax("x") == -1, "source shorter than the prefix");
	ok(vault_check_syntax("vault") == -1, "prefix without colon");
	ok(vault_ref_parse("vault:x", &ref, &err) == -1 &&
	    err.code == EX_USAGE, "malformed source is EX_USAGE");
	ok(strstr(err.msg, "vault:MOUNT/PATH#FIELD") != NULL,
	    "message shows the expected form");
}

static void
test_retryable(void)
{
	long yes[] = { 429, 500, 502, 503, 504 };
	long no[] = { 200, 204, 400, 401, 403, 404, 405, 412, 501 };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(http_status_retryable(yes[i]), "HTTP %ld is retried", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(!http_status_retryable(no[i]), "HTTP %ld is not retried",
		    no[i]);
}

static void
test_store(void)
{
	char dir[] = "/tmp/kmta-unit-vault-XXXXXX", path[256], src[300];
	struct kmta_secret s;
	struct kmta_err err;
	struct stat st;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	snprintf(src, sizeof(src), "file:%s", path);

	ok(keysource_store(NULL, src, (const unsigned char *)"one", 3, &err)
	    == 0, "store file: succeeds");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "stored file has mode 0600");
	ok(keysource_store(NULL, path, (const unsigned char *)"two!", 4, &err)
	    == 0, "store over an existing file");
	ok(keysource_load(NULL, src, &s, &err) == 0 && s.len == 4 &&
	    memcmp(s.data, "two!", 4) == 0, "stored file reads back");
	kmta_secret_free(&s);

	ok(keysource_store(NULL, "env:X", (const unsigned char *)"x", 1, &err)
	    == -1 && err.code == EX_USAGE, "store env: is EX_USAGE");
	ok(keysource_store(NULL, "relative", (const unsigned char *)"x", 1,
	    &err) == -1 && err.code == EX_USAGE, "store bad source is EX_USAGE");
	snprintf(src, sizeof(src), "file:%s/missing-dir/key", dir);
	ok(keysource_store(NULL, src, (const unsigned char *)"x", 1, &err)
	    == -1 && err.code == EX_NOINPUT, "store into a missing directory");

	unlink(path);
	rmdir(dir);
}

/* Vault addresses whose http:// host only looks like loopback. */
static void
test_insecure_address(void)
{
	static const char *const rejected[] = {
		"http://127.0.0.1:8200@vault.example.com:8200",
		"http://127.0.0.1@vault.example.com",
		"http://[::1]@vault.example.com",
		"http://localhost:8200@vault.example.com/",
	};
	static const char *const accepted[] = {
		"http://127.0.0.1:8200",
		"http://127.0.0.2/",
		"http://[::1]:8200",
		"http://localhost:8200/",
	};
	struct vault_client *c;
	struct kmta_err err;
	size_t i;

	for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		setenv("VAULT_ADDR", rejected[i], 1);
		memset(&err, 0, sizeof(err));
		ok(vault_client_get(NULL, &c, &err) == -1,
		    "http address %s rejected", rejected[i]);
		ok(err.code == EX_CONFIG, "%s is EX_CONFIG", rejected[i]);
		vault_client_free();
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		setenv("VAULT_ADDR", accepted[i], 1);
		ok(vault_client_get(NULL, &c, &err) == 0,
		    "loopback address %s accepted", accepted[i]);
		vault_client_free();
	}
	unsetenv("VAULT_ADDR");
}

int
main(void)
{
	test_syntax();
	test_retryable();
	test_store();
	test_insecure_address();
	return done_testing();
}
