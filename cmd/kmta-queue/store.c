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

static void
unlink_pair(struct queue *q, const char *first, const char *second)
{
	unlinkat(q->dirfd, first, 0);
	unlinkat(q->dirfd, second, 0);
}

/*
 * Place message id in new/: write and fsync tmp/ID.msg and tmp/ID.env,
 * rename them to new/ID.msg and then new/ID.env, and fsync new/ once.
 * The envelope comes last because an import takes only messages whose
 * envelope is in new/. On failure every file placed is unlinked again.
 */
static int
place_new(struct queue *q, const char *id, const char *data, size_t len,
    const char *text, size_t text_len, struct kmta_err *err)
{
	char tmp_msg[64], tmp_env[64], new_msg[64], new_env[64];

	snprintf(tmp_msg, sizeof(tmp_msg), "tmp/%s.msg", id);
	snprintf(tmp_env, sizeof(tmp_env), "tmp/%s.env", id);
	snprintf(new_msg, sizeof(new_msg), "new/%s.msg", id);
	snprintf(new_env, sizeof(new_env), "new/%s.env", id);

	if (kmta_write_synced(q->dirfd, tmp_msg, data, len, err) == -1)
		return -1;
	if (kmta_write_synced(q->dirfd, tmp_env, text, text_len, err) == -1) {
		unlinkat(q->dirfd, tmp_msg, 0);
		return -1;
	}
	if (kmta_rename_into_place(q->dirfd, tmp_msg, new_msg, true,
	    err) == -1) {
		unlink_pair(q, tmp_msg, tmp_env);
		return -1;
	}
	if (kmta_rename_into_place(q->dirfd, tmp_env, new_env, true,
	    err) == -1) {
		unlink_pair(q, new_msg, tmp_env);
		return -1;
	}
	if (kmta_fsync_dir(q->dirfd, "new", err) == -1) {
		/* NOTE: an import in another process may have moved the
		 * files on already. Then the message stays queued although
		 * add fails, and a retry by the sender sends it twice. */
		unlink_pair(q, new_env, new_msg);
		return -1;
	}
	return 0;
}

/*
 * Store a new message in new/ with three fsyncs: the message file, the
 * envelope file and new/ itself. Until an import moves it to msg/ and
 * env/, no runner delivers it. Every command but add imports first.
 */
int
store_message(struct queue *q, struct envelope *env, const char *data,
    size_t len, struct kmta_err *err)
{
	char *text;
	size_t text_len;
	int rc;

	if (queue_new_id(env->id, sizeof(env->id), err) == -1)
		return -1;
	env->size = len;
	if (envelope_format(env, &text, &text_len, err) == -1)
		return -1;
	rc = place_new(q, env->id, data, len, text, text_len, err);
	free(text);
	if (rc == -1)
		return kmta_err_wrap(err, "queue %s", q->path);
	return 0;
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

/*
 * Whether message id has an envelope. new/ID.env is checked before
 * env/ID because an import renames the one to the other. In this order,
 * an import between the two checks cannot make both of them miss it.
 */
static bool
has_envelope(int dirfd, const char *id)
{
	char path[64];

	snprintf(path, sizeof(path), "new/%s.env", id);
	if (faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	snprintf(path, sizeof(path), "env/%s", id);
	return faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Whether file name in directory sub belongs to a message that still has
 * an envelope: msg/ID, or new/ID.msg and new/ID.env. Files in tmp/ never
 * do, and neither does any other name in new/.
 */
static bool
in_use(int dirfd, const char *sub, const char *name)
{
	char id[QUEUE_ID_MAX];

	if (strcmp(sub, "msg") == 0)
		return has_envelope(dirfd, name);
	if (strcmp(sub, "new") != 0)
		return false;
	return (queue_id_of(name, ".msg", id) ||
	    queue_id_of(name, ".env", id)) && has_envelope(dirfd, id);
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
		/* A message file without an envelope is from an add, an
		 * import or a removal that was cut short. */
		if (in_use(q->dirfd, sub, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		if (unlinkat(q->dirfd, path, 0) == 0)
			(*removed)++;
	}
	closedir(dir);
	return 0;
}

/*
 * Remove files in tmp/, message files in msg/ and new/ without an
 * envelope, and any other file in new/, whose mtime is more than max_age
 * seconds ago. An add in progress is never that old, so only leftovers
 * of killed processes go.
 */
int
store_clean_stale(struct queue *q, long max_age, size_t *removed,
    struct kmta_err *err)
{
	time_t cutoff = time(NULL) - max_age;

	*removed = 0;
	if (clean_dir(q, "tmp", cutoff, removed, err) == -1 ||
	    clean_dir(q, "new", cutoff, removed, err) == -1)
		return -1;
	return clean_dir(q, "msg", cutoff, removed, err);
}
