#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"

int
kmta_write_all(int fd, const void *data, size_t len, const char *what,
    struct kmta_err *err)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return kmta_err_set(err, kmta_errno_code(errno),
			    "write %s: %s", what, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
kmta_fsync_dir(int dirfd, const char *path, struct kmta_err *err)
{
	int fd, saved;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open directory %s: %s", path, strerror(errno));
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		return kmta_err_set(err, kmta_errno_code(saved),
		    "fsync directory %s: %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

/* The directory part of a relative path such as "msg/ID", or ".". */
static void
parent_dir(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(out, outlen, ".");
		return;
	}
	n = (size_t)(slash - path);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

int
kmta_rename_into_place(int dirfd, const char *from, const char *to,
    bool noreplace, struct kmta_err *err)
{
	int rc;

	if (noreplace)
		rc = renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE);
	else
		rc = renameat(dirfd, from, dirfd, to);
	if (rc == -1)
		return kmta_err_set(err, errno == EEXIST ? EX_TEMPFAIL :
		    kmta_errno_code(errno), "rename %s to %s: %s", from, to,
		    strerror(errno));
	return 0;
}

int
kmta_write_synced(int dirfd, const char *path, const void *data, size_t len,
    struct kmta_err *err)
{
	int fd, saved;

	fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "create %s: %s", path, strerror(errno));

	if (kmta_write_all(fd, data, len, path, err) == -1)
		goto fail;
	if (fsync(fd) == -1) {
		kmta_err_set(err, kmta_errno_code(errno), "fsync %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		kmta_err_set(err, kmta_errno_code(errno), "close %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	return 0;

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlinkat(dirfd, path, 0);
	errno = saved;
	return -1;
}

int
kmta_write_durable(int dirfd, const char *tmp_path, const char *dst_path,
    const void *data, size_t len, bool noreplace, struct kmta_err *err)
{
	char parent[4096];

	if (kmta_write_synced(dirfd, tmp_path, data, len, err) == -1)
		return -1;
	if (kmta_rename_into_place(dirfd, tmp_path, dst_path, noreplace,
	    err) == -1) {
		unlinkat(dirfd, tmp_path, 0);
		return -1;
	}
	parent_dir(dst_path, parent, sizeof(parent));
	if (kmta_fsync_dir(dirfd, parent, err) == -1) {
		/* A new file whose name may not survive a crash is taken
		 * back, so the caller's failure report stays true. */
		if (noreplace)
			unlinkat(dirfd, dst_path, 0);
		return -1;
	}
	return 0;
}

int
kmta_open_unnamed(int dirfd, const char *dir, struct kmta_err *err)
{
	char path[4096];
	unsigned attempt;
	int fd;

	fd = openat(dirfd, dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd != -1 ? fd : kmta_err_set(err,
		    kmta_errno_code(errno), "create a file in %s: %s", dir,
		    strerror(errno));

	for (attempt = 0; attempt < 100; attempt++) {
		snprintf(path, sizeof(path), "%s/.unnamed.%ld.%u", dir,
		    (long)getpid(), attempt);
		fd = openat(dirfd, path, O_RDWR | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			unlinkat(dirfd, path, 0);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	return kmta_err_set(err, kmta_errno_code(errno),
	    "create a file in %s: %s", dir, strerror(errno));
}

int
kmta_mkdir_exist_ok(int dirfd, const char *path, unsigned mode,
    struct kmta_err *err)
{
	struct stat st;

	if (mkdirat(dirfd, path, (mode_t)mode) == 0)
		return 0;
	if (errno != EEXIST)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "create directory %s: %s", path, strerror(errno));
	if (fstatat(dirfd, path, &st, 0) == -1 || !S_ISDIR(st.st_mode))
		return kmta_err_set(err, EX_CANTCREAT,
		    "create directory %s: exists and is not a directory",
		    path);
	return 0;
}
