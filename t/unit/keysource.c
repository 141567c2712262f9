/* libcommon key sources: syntax, file permissions, environment. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keysource.h"
#include "tap.h"

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, text, strlen(text)) == -1)
		abort();
	fchmod(fd, mode);
	close(fd);
}

static void
test_syntax(void)
{
	ok(keysource_check_syntax("/etc/kmta/key.pem") == 0, "absolute path");
	ok(keysource_check_syntax("file:/etc/kmta/key.pem") == 0, "file:");
	ok(keysource_check_syntax("env:DKIM_KEY") == 0, "env:");
	ok(keysource_check_syntax("vault:secret/dkim/example.com#key") == 0,
	    "vault:");
	ok(keysource_check_syntax("key.pem") == -1, "relative path rejected");
	ok(keysource_check_syntax("file:key.pem") == -1,
	    "relative file: rejected");
	ok(keysource_check_syntax("env:") == -1, "empty env name rejected");
	ok(keysource_check_syntax("env:1ABC") == -1,
	    "env name starting with a digit rejected");
	is_int(keysource_kind("env:X"), KEYSOURCE_ENV, "env kind");
	is_int(keysource_kind("/x"), KEYSOURCE_FILE, "file kind");
}

static void
test_file(const char *dir)
{
	struct kmta_secret s;
	struct kmta_err err = { 0 };
	char path[512], src[600];

	snprintf(path, sizeof(path), "%s/key", dir);
	write_file(path, "secret-bytes\n", 0600);
	snprintf(src, sizeof(src), "file:%s", path);
	ok(keysource_load(NULL, src, &s, &err) == 0, "0600 file loads: %s",
	    err.msg);
	ok(s.len == 13 && memcmp(s.data, "secret-bytes\n", 13) == 0,
	    "file bytes read exactly");
	kmta_secret_free(&s);
	ok(s.data == NULL, "free clears the secret");

	chmod(path, 0640);
	ok(keysource_load(NULL, path, &s, &err) == -1 &&
	    err.code == EX_NOPERM, "group-readable file rejected with 77");
	ok(strstr(err.msg, "mode 0640") != NULL &&
	    strstr(err.msg, path) != NULL, "error names the file and mode");

	ok(keysource_load(NULL, "file:key.pem", &s, &err) == -1 &&
	    err.code == EX_USAGE, "relative file: source is EX_USAGE");
	is_str(err.msg, "invalid key source \"file:key.pem\": a key file path "
	    "must be absolute (/PATH or file:/PATH)", "error says why");

	snprintf(path, sizeof(path), "%s/missing", dir);
	ok(keysource_load(NULL, path, &s, &err) == -1 &&
	    err.code == EX_NOINPUT, "missing file is EX_NOINPUT");
}

static void
test_env(void)
{
	struct kmta_secret s;
	struct kmta_err err = { 0 };

	setenv("KMTA_TEST_SECRET", "hunter2", 1);
	ok(keysource_load(NULL, "env:KMTA_TEST_SECRET", &s, &err) == 0,
	    "env source loads");
	is_str((char *)s.data, "hunter2", "env value read");
	kmta_secret_free(&s);
	unsetenv("KMTA_TEST_SECRET");
	ok(keysource_load(NULL, "env:KMTA_TEST_SECRET", &s, &err) == -1 &&
	    err.code == EX_NOINPUT, "unset variable is EX_NOINPUT");
	is_str(err.msg, "environment variable KMTA_TEST_SECRET is not set",
	    "error names the variable");
}

static void
cleanup(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	char dir[] = "/tmp/kmta-keysource.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	test_syntax();
	test_file(dir);
	test_env();
	cleanup(dir);
	return done_testing();
}
