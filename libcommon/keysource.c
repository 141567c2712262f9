#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keysource.h"
#include "vault.h"	/* vault_check_syntax() only: no libcurl */

static const struct keysource_vault_backend *vault_backend;

void
keysource_set_vault_backend(const struct keysource_vault_backend *b)
{
	vault_backend = b;
}

static int
no_vault_backend(const char *src, struct kmta_err *err)
{
	return kmta_err_set(err, EX_SOFTWARE, "key source %s: this program "
	    "has no Vault client", src);
}

int
keysource_check_syntax(const char *src)
{
	const char *p;

	if (strncmp(src, "file:", 5) == 0)
		return src[5] == '/' ? 0 : -1;
	if (strncmp(src, "env:", 4) == 0) {
		if (src[4] == '\0')
			return -1;
		for (p = src + 4; *p != '\0'; p++)
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (p > src + 4 && *p >= '0' && *p <= '9')))
				return -1;
		return 0;
	}
	if (strncmp(src, "vault:", 6) == 0)
		return vault_check_syntax(src);
	return src[0] == '/' ? 0 : -1;
}

enum keysource_kind
keysource_kind(const char *src)
{
	if (strncmp(src, "env:", 4) == 0)
		return KEYSOURCE_ENV;
	if (strncmp(src, "vault:", 6) == 0)
		return KEYSOURCE_VAULT;
	return KEYSOURCE_FILE;
}

int
kmta_secret_alloc(struct kmta_secret *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->data = calloc(1, cap + 1);
	if (s->data == NULL)
		return -1;
	s->cap = cap;
	s->locked = mlock(s->data, cap + 1) == 0;
	return 0;
}

void
kmta_secret_free(struct kmta_secret *s)
{
	if (s->data == NULL)
		return;
	explicit_bzero(s->data, s->cap + 1);
	if (s->locked)
		munlock(s->data, s->cap + 1);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

/*
 * Check an open key file: owned by us or root, and not readable or writable
 * by group or others (the rule ssh applies to private keys). Stores the
 * file's size in *size.
 */
static int
file_check_mode(int fd, const char *path, off_t *size, struct kmta_err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return kmta_err_set(err, EX_IOERR, "stat %s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kmta_err_set(err, EX_NOINPUT,
		    "key file %s: not a regular file", path);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return kmta_err_set(err, EX_NOPERM,
		    "key file %s: owned by uid %u, expected %u or root", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return kmta_err_set(err, EX_NOPERM,
		    "key file %s: mode %04o is accessible by group or others; "
		    "run chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    path);
	*size = st.st_size;
	return 0;
}

static int
load_file(const char *path, struct kmta_secret *out, struct kmta_err *err)
{
	off_t size = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open key file %s: %s", path, strerror(errno));
	if (file_check_mode(fd, path, &size, err) == -1) {
		close(fd);
		return -1;
	}
	if (size > KMTA_SECRET_MAX) {
		close(fd);
		return kmta_err_set(err, EX_DATAERR,
		    "key file %s: larger than %d bytes", path,
		    KMTA_SECRET_MAX);
	}

	/*
	 * A buffer of the file's size, not of KMTA_SECRET_MAX, because
	 * locking and wiping 1 MiB cost each signing process about 0.3 ms
	 * (bench/run on a 2-core virtual machine). The spare byte shows a
	 * file that grew after fstat().
	 */
	if (kmta_secret_alloc(out, (size_t)size + 1) == -1) {
		close(fd);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}

	while (out->len < out->cap) {
		n = read(fd, out->data + out->len, out->cap - out->len);
		if (n == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			kmta_err_set(err, EX_IOERR, "read key file %s: %s",
			    path, strerror(errno));
			close(fd);
			kmta_secret_free(out);
			return -1;
		}
		out->len += (size_t)n;
	}
	close(fd);
	if (out->len == out->cap) {
		kmta_secret_free(out);
		return kmta_err_set(err, EX_TEMPFAIL,
		    "key file %s: changed while being read; try again", path);
	}
	return 0;
}

static int
load_env(const char *name, struct kmta_secret *out, struct kmta_err *err)
{
	const char *v = getenv(name);
	size_t len;

	if (v == NULL)
		return kmta_err_set(err, EX_NOINPUT,
		    "environment variable %s is not set", name);
	len = strlen(v);
	if (kmta_secret_alloc(out, len) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	memcpy(out->data, v, len);
	out->len = len;
	return 0;
}

/* Explain a malformed key source; a relative path is the usual mistake. */
static int
syntax_error(const char *src, struct kmta_err *err)
{
	if (keysource_kind(src) == KEYSOURCE_FILE)
		return kmta_err_set(err, EX_USAGE,
		    "invalid key source \"%s\": a key file path must be "
		    "absolute (/PATH or file:/PATH)", src);
	return kmta_err_set(err, EX_USAGE,
	    "invalid key source \"%s\": expected file:PATH, /PATH, "
	    "env:NAME or vault:MOUNT/PATH#FIELD", src);
}

int
keysource_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err)
{
	memset(out, 0, sizeof(*out));
	if (err != NULL)
		err->msg[0] = '\0';
	if (keysource_check_syntax(src) == -1)
		return syntax_error(src, err);

	switch (keysource_kind(src)) {
	case KEYSOURCE_ENV:
		return load_env(src + 4, out, err);
	case KEYSOURCE_VAULT:
		if (vault_backend == NULL)
			return no_vault_backend(src, err);
		return vault_backend->load(conf, src, out, err);
	case KEYSOURCE_FILE:
		break;
	}
	return load_file(strncmp(src, "file:", 5) == 0 ? src + 5 : src, out,
	    err);
}

static int
write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash == path ? 1 : slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Write a key file atomically with mode 0600: a temporary file in the same
 * directory, fsync, rename over path, fsync the directory.
 */
static int
store_file(const char *path, const unsigned char *data, size_t len,
    struct kmta_err *err)
{
	char tmp[4096];
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return kmta_err_set(err, EX_USAGE, "key file %s: path too long",
		    path);
	fd = mkstemp(tmp);	/* mode 0600 */
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "create temporary file for %s: %s", path, strerror(errno));

	saved = write_all(fd, data, len) == -1 || fsync(fd) == -1 ? errno : 0;
	if (close(fd) == -1 && saved == 0)
		saved = errno;
	if (saved != 0) {
		unlink(tmp);
		return kmta_err_set(err, kmta_errno_code(saved) == EX_OSERR ?
		    EX_IOERR : kmta_errno_code(saved), "write %s: %s", tmp,
		    strerror(saved));
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		return kmta_err_set(err, kmta_errno_code(saved),
		    "rename %s to %s: %s", tmp, path, strerror(saved));
	}
	if (fsync_parent(path) == -1)
		return kmta_err_set(err, EX_IOERR, "fsync directory of %s: %s",
		    path, strerror(errno));
	return 0;
}

int
keysource_store(const struct kmta_conf *conf, const char *src,
    const unsigned char *data, size_t len, struct kmta_err *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
	if (keysource_check_syntax(src) == -1)
		return syntax_error(src, err);

	switch (keysource_kind(src)) {
	case KEYSOURCE_ENV:
		return kmta_err_set(err, EX_USAGE, "key source %s: env: "
		    "sources cannot be written; use file: or vault:", src);
	case KEYSOURCE_VAULT:
		if (vault_backend == NULL)
			return no_vault_backend(src, err);
		return vault_backend->store(conf, src, data, len, err);
	case KEYSOURCE_FILE:
		break;
	}
	return store_file(strncmp(src, "file:", 5) == 0 ? src + 5 : src, data,
	    len, err);
}
