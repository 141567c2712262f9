/*
 * keysource_load() of key files: the locked buffer is sized from the
 * file, and KMTA_SECRET_MAX stays the limit.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#include "keysource.h"

static char dir[] = "/tmp/kmta-unit-keysize-XXXXXX";

/* Write a key file of size bytes of 'k' with mode 0600; return its path. */
static const char *
make_file(const char *name, size_t size)
{
	static char path[256];
	char *data = malloc(size + 1);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || data == NULL)
		abort();
	memset(data, 'k', size);
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	free(data);
	return path;
}

static void
test_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 119, 1700, KMTA_SECRET_MAX };
	struct kmta_secret s;
	struct kmta_err err;
	const char *path;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		path = make_file("key", sizes[i]);
		is_int(keysource_load(NULL, path, &s, &err), 0, "load succeeds");
		is_int(s.len, sizes[i], "whole file read");
		ok(s.cap <= sizes[i] + 1, "buffer of %zu bytes for a %zu-byte "
		    "file", s.cap, sizes[i]);
		ok(s.data != NULL && s.data[s.len] == '\0', "NUL-terminated");
		kmta_secret_free(&s);
		unlink(path);
	}
}

static void
test_too_large(void)
{
	struct kmta_secret s;
	struct kmta_err err;
	const char *path = make_file("big", KMTA_SECRET_MAX + 1);

	is_int(keysource_load(NULL, path, &s, &err), -1, "over the limit fails");
	is_int(err.code, EX_DATAERR, "over the limit is EX_DATAERR");
	ok(strstr(err.msg, "larger than") != NULL, "message names the limit");
	ok(s.data == NULL, "over the limit leaves no buffer");
	unlink(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		abort();
	test_sizes();
	test_too_large();
	rmdir(dir);
	return done_testing();
}
