/* Queue files: storing a message, envelopes, removal, locks, cleanup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsio.h"
#include "queue.h"

/*
 * Store a new message: msg/ID first, env/ID last, each through tmp/ with
 * fsync and a directory fsync. Until env/ID exists no runner picks the
 * message up, and on any failure both files are unlinked again.
 */
int
store_message(struct queue *q, struct envelope *env, const char *data,
    size_t len, struct kmta_err *err)
{
	char tmp[64], dst[64], *text = NULL;
	size_t text_len;
	int rc;

	if (queue_new_id(env->id, sizeof(env->id), err) == -1)
		return -1;
	env->size = len;

	snprintf(tmp, sizeof(tmp), "tmp/%s.msg", env->id);
	snprintf(dst, sizeof(dst), "msg/%s", env->id);
	if (kmta_write_durable(q->dirfd, tmp, dst, data, len, true, err) == -1)
		return kmta_err_wrap(err, "queue %s", q->path);

	if (envelope_format(env, &text, &text_len, err) == -1)
		goto fail;
	snprintf(tmp, sizeof(tmp), "tmp/%s.env", env->id);
	snprintf(dst, sizeof(dst), "env/%s", env->id);
	rc = kmta_write_durable(q->dirfd, tmp, dst, text, text_len, true, err);
	free(text);
	if (rc == -1) {
		kmta_err_wrap(err, "queue %s", q->path);
		goto fail;
	}
	return 0;

fail:
	snprintf(dst, sizeof(dst), "msg/%s", env->id);
	unlinkat(q->dirfd, dst, 0);
	return -1;
}

static int
read_file_at(int dirfd, const char *path, struct kmta_buf *b,
    struct kmta_err *err)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "open %s: %s",
		    path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || kmta_buf_append(b, chunk, (size_t)n) == -1) {
			kmta_err_set(err, kmta_errno_code(errno), "read %s: %s",
			    path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

int
store_load_envelope(struct queue *q, const char *id, struct envelope *env,
    struct kmta_err *err)
{
	struct kmta_buf b = { 0 };
	char path[64];
	int rc;

	if (!queue_valid_id(id))
		return kmta_err_set(err, EX_USAGE, "invalid queue id: %s", id);
	snprintf(path, sizeof(path), "env/%s", id);
	if (read_file_at(q->dirfd, path, &b, err) == -1) {
		kmta_buf_free(&b);
		if (err != NULL && err->code == EX_NOINPUT)
			return kmta_err_set(err, EX_NOINPUT,
			    "queue id %s: not in the queue", id);
		return -1;
	}
	rc = envelope_parse(env, b.data ? b.data : "", b.len, err);
	kmta_buf_free(&b);
	if (rc == -1)
		return kmta_err_wrap(err, "%s/%s", q->path, path);
	return 0;
}

int
store_save_envelope(struct queue *q, const struct envelope *env,
    struct kmta_err *err)
{
	char tmp[80], dst[64], *text;
	size_t len;
	int rc;

	if (envelope_format(env, &text, &len, err) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "tmp/%s.env.%ld", env->id, (long)getpid());
	snprintf(dst, sizeof(dst), "env/%s", env->id);
	/* A leftover of a killed process with our pid would fail O_EXCL. */
	unlinkat(q->dirfd, tmp, 0);
	rc = kmta_write_durable(q->dirfd, tmp, dst, text, len, false, err);
	free(text);
	if (rc == -1)
		return kmta_err_wrap(err, "queue %s", q->path);
	return 0;
}

/*
 * Remove a message: env/ID first, so a crash leaves at worst msg/ID,
 * which store_clean_stale removes later. Without sync a crash may undo
 * the removal, which at worst delivers the message again. That is why
 * the runner can fsync env/ once per batch instead of once per message.
 */
int
store_remove(struct queue *q, const char *id, bool sync,
    struct kmta_err *err)
{
	char path[64];

	snprintf(path, sizeof(path), "env/%s", id);
	if (unlinkat(q->dirfd, path, 0) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "remove %s/%s: %s", q->path, path, strerror(errno));
	if (sync && kmta_fsync_dir(q->dirfd, "env", err) == -1)
		return -1;
	snprintf(path, sizeof(path), "msg/%s", id);
	if (unlinkat(q->dirfd, path, 0) == -1 && errno != ENOENT)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "remove %s/%s: %s", q->path, path, strerror(errno));
	return 0;
}

/*
 * Lock message id for delivery or change: flock(2) on msg/ID, which
 * never changes, so the lock is not lost when env/ID is replaced. The
 * lock lasts until *fd is closed. A message locked by another process
 * fails with EX_TEMPFAIL unless wait is set.
 */
int
store_lock(struct queue *q, const char *id, bool wait, int *fd,
    struct kmta_err *err)
{
	char path[64];

	snprintf(path, sizeof(path), "msg/%s", id);
	*fd = openat(q->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (*fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "queue id %s: open %s: %s", id, path, strerror(errno));
	while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR)
			continue;
		kmta_err_set(err, errno == EWOULDBLOCK ? EX_TEMPFAIL :
		    kmta_errno_code(errno), "queue id %s: lock: %s", id,
		    errno == EWOULDBLOCK ? "in use by another process" :
		    strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Move a message whose envelope cannot be read to corrupt/ (as Postfix
 * does), so that runs go on without it and an operator can inspect it:
 * env/ID becomes corrupt/ID.env and msg/ID corrupt/ID.msg.
 */
int
store_quarantine(struct queue *q, const char *id, struct kmta_err *err)
{
	char from[64], to[64];

	if (kmta_mkdir_exist_ok(q->dirfd, "corrupt", 0700, err) == -1)
		return kmta_err_wrap(err, "queue %s", q->path);
	snprintf(from, sizeof(from), "msg/%s", id);
	snprintf(to, sizeof(to), "corrupt/%s.msg", id);
	if (renameat(q->dirfd, from, q->dirfd, to) == -1 && errno != ENOENT)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "move %s to %s: %s", from, to, strerror(errno));
	snprintf(from, sizeof(from), "env/%s", id);
	snprintf(to, sizeof(to), "corrupt/%s.env", id);
	if (renameat(q->dirfd, from, q->dirfd, to) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "move %s to %s: %s", from, to, strerror(errno));
	return kmta_fsync_dir(q->dirfd, "corrupt", err);
}

/* Whether file name in directory sub is older than cutoff. */
static bool
older_than(int dirfd, const char *sub, const char *name, time_t cutoff)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sub, name);
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_mtime < cutoff;
}

static bool
has_envelope(int dirfd, const char *id)
{
	char path[64];

	snprintf(path, sizeof(path), "env/%s", id);
	return faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
clean_dir(struct queue *q, const char *sub, time_t cutoff, size_t *removed,
    struct kmta_err *err)
{
	struct dirent *de;
	char path[512];
	DIR *dir;
	int fd;

	fd = openat(q->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open %s/%s: %s", q->path, sub, strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' ||
		    !older_than(q->dirfd, sub, de->d_name, cutoff))
			continue;
		/* A message file without an envelope is from an add or a
		 * removal that was cut short. */
		if (strcmp(sub, "msg") == 0 &&
		    has_envelope(q->dirfd, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		if (unlinkat(q->dirfd, path, 0) == 0)
			(*removed)++;
	}
	closedir(dir);
	return 0;
}

/*
 * Remove files in tmp/, and files in msg/ without an envelope, whose
 * mtime is more than max_age seconds ago. An add in progress is never
 * that old, so only leftovers of killed processes go.
 */
int
store_clean_stale(struct queue *q, long max_age, size_t *removed,
    struct kmta_err *err)
{
	time_t cutoff = time(NULL) - max_age;

	*removed = 0;
	if (clean_dir(q, "tmp", cutoff, removed, err) == -1)
		return -1;
	return clean_dir(q, "msg", cutoff, removed, err);
}
