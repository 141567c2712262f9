/*
 * Importing added messages. An add leaves new/ID.msg and new/ID.env and
 * fsyncs only new/. An import moves them on to msg/ID and env/ID, where
 * the runners and the other commands look, and fsyncs msg/ before any
 * envelope goes into env/. One process imports at a time, under flock(2)
 * on new/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fsio.h"
#include "log.h"
#include "queue.h"

/* A message whose envelope is in new/. */
struct incoming_entry {
	char id[QUEUE_ID_MAX];
	bool ready;		/* msg/ID is in place */
};

/*
 * Open new/ and lock it, waiting while another process imports. A queue
 * made before new/ existed has nothing to import: then *fd is -1.
 */
static int
lock_new(struct queue *q, int *fd, struct kmta_err *err)
{
	*fd = openat(q->dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd == -1 && errno == ENOENT)
		return 0;
	if (*fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open new/: %s", strerror(errno));
	while (flock(*fd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		kmta_err_set(err, kmta_errno_code(errno), "lock new/: %s",
		    strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* List the ids that have an envelope in new/. */
static int
list_incoming(struct queue *q, struct incoming_entry **list, size_t *n,
    struct kmta_err *err)
{
	struct incoming_entry *grown;
	struct dirent *de;
	char id[QUEUE_ID_MAX];
	DIR *dir;
	int fd;

	*list = NULL;
	*n = 0;
	fd = openat(q->dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return kmta_err_set(err, kmta_errno_code(errno),
		    "read new/: %s", strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		if (!queue_id_of(de->d_name, ".env", id))
			continue;
		grown = realloc(*list, (*n + 1) * sizeof(**list));
		if (grown == NULL) {
			closedir(dir);
			return kmta_err_set(err, EX_OSERR, "out of memory");
		}
		*list = grown;
		memcpy(grown[*n].id, id, sizeof(id));
		grown[(*n)++].ready = false;
	}
	closedir(dir);
	return 0;
}

/*
 * Move new/ID.env, whose message file is missing, to corrupt/ID.env (as
 * store_quarantine does for env/), so that an operator can inspect it.
 */
static int
quarantine_envelope(struct queue *q, const char *id, struct kmta_err *err)
{
	char from[64], to[64];

	if (kmta_mkdir_exist_ok(q->dirfd, "corrupt", 0700, err) == -1)
		return -1;
	snprintf(from, sizeof(from), "new/%s.env", id);
	snprintf(to, sizeof(to), "corrupt/%s.env", id);
	if (renameat(q->dirfd, from, q->dirfd, to) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "move %s to %s: %s", from, to, strerror(errno));
	if (kmta_fsync_dir(q->dirfd, "corrupt", err) == -1)
		return -1;
	kmta_warn("queue_id=%s envelope in new/ has no message file: moved "
	    "to %s/%s", id, q->path, to);
	return 0;
}

/*
 * Rename from to to unless to exists. An existing to is kept and from is
 * dropped: msg/ID has the same bytes and may be locked by a runner, and
 * env/ID may contain delivery results recorded since an earlier import.
 * Returns 0, or -1 with errno set.
 */
static int
move_keeping_target(struct queue *q, const char *from, const char *to)
{
	if (renameat2(q->dirfd, from, q->dirfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST && unlinkat(q->dirfd, from, 0) == 0)
		return 0;
	return -1;
}

/*
 * Move new/ID.msg to msg/ID. Without new/ID.msg, an import that was cut
 * short may have moved it already; with neither file the envelope goes
 * to corrupt/. Return 1 when msg/ID is in place, 0 when the envelope was
 * moved aside, -1 on error.
 */
static int
move_message(struct queue *q, const char *id, struct kmta_err *err)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "new/%s.msg", id);
	snprintf(to, sizeof(to), "msg/%s", id);
	if (move_keeping_target(q, from, to) == 0)
		return 1;
	if (errno != ENOENT)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "move %s to %s: %s", from, to, strerror(errno));
	if (faccessat(q->dirfd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno != ENOENT)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "%s: %s", to, strerror(errno));
	return quarantine_envelope(q, id, err) == -1 ? -1 : 0;
}

static int
move_envelope(struct queue *q, const char *id, struct kmta_err *err)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "new/%s.env", id);
	snprintf(to, sizeof(to), "env/%s", id);
	if (move_keeping_target(q, from, to) == 0)
		return 0;
	return kmta_err_set(err, kmta_errno_code(errno), "move %s to %s: %s",
	    from, to, strerror(errno));
}

/* Keep the first error of an entry, and count them all. */
static void
note_failure(size_t *failed, struct kmta_err *first,
    const struct kmta_err *entry_err)
{
	if ((*failed)++ == 0)
		*first = *entry_err;
}

/*
 * Import the listed entries. An entry that fails is left in new/ for
 * the next import, and the others go on.
 */
static int
import_entries(struct queue *q, struct incoming_entry *list, size_t n,
    struct kmta_err *err)
{
	struct kmta_err entry_err = { 0 }, first = { 0 };
	size_t i, ready = 0, failed = 0;
	int rc;

	for (i = 0; i < n; i++) {
		rc = move_message(q, list[i].id, &entry_err);
		if (rc == -1)
			note_failure(&failed, &first, &entry_err);
		list[i].ready = rc == 1;
		ready += rc == 1;
	}
	/* Even when this pass moved no message file, an import killed
	 * before its fsync may have moved one whose rename is not yet on
	 * disk, so msg/ is fsynced before any envelope goes in. */
	if (ready > 0 && kmta_fsync_dir(q->dirfd, "msg", err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (list[i].ready &&
		    move_envelope(q, list[i].id, &entry_err) == -1)
			note_failure(&failed, &first, &entry_err);
	if (ready > 0 && kmta_fsync_dir(q->dirfd, "env", err) == -1)
		return -1;
	if (failed == 0)
		return 0;
	*err = first;
	if (failed > 1)
		kmta_err_wrap(err, "%zu messages not imported, first error",
		    failed);
	return -1;
}

/*
 * Import every message in new/ that has its envelope there. A message
 * file in new/ without one is an add in progress, or one that never
 * reported success; store_clean_stale removes it when it is old.
 */
int
incoming_import(struct queue *q, struct kmta_err *err)
{
	struct incoming_entry *list;
	size_t n;
	int lock_fd, rc;

	if (lock_new(q, &lock_fd, err) == -1)
		return kmta_err_wrap(err, "queue %s: import", q->path);
	if (lock_fd == -1)
		return 0;
	rc = list_incoming(q, &list, &n, err);
	if (rc == 0 && n > 0)
		rc = import_entries(q, list, n, err);
	free(list);
	close(lock_fd);
	if (rc == -1)
		return kmta_err_wrap(err, "queue %s: import", q->path);
	return 0;
}
