/*
 * Handing the queue directory and everything in it to the queue user, so
 * files that root wrote (an add without [queue] user, a user change in
 * the config) never sit in the queue where the runner cannot read them.
 *
 * This runs as root inside a directory the queue user can write to, so
 * that user controls what it finds there. Nothing is followed: entries
 * are opened with O_PATH | O_NOFOLLOW and changed through that fd, a
 * symbolic link or an entry on another file system is left alone, and a
 * regular file with more than one link is skipped, because it may be a
 * hard link to a file outside the queue such as /etc/shadow.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "owner.h"

/* Queue state lives one level below the queue directory, so the limit only
 * bounds the open descriptors spent on a deeper tree that someone made. */
#define OWNER_DEPTH_MAX 4

struct takeover {
	const char *path;	/* the queue directory, for messages */
	uid_t uid;
	gid_t gid;
	dev_t dev;		/* the queue directory's file system */
	bool files;		/* descend into the queue's subdirectories */
	size_t changed;
	size_t skipped;
};

static void give_tree(struct takeover *t, int fd, const char *dir,
    int depth);

/* Warn about entry name of directory dir ("" for the queue directory). */
static void
skip_entry(struct takeover *t, const char *dir, const char *name,
    const char *why)
{
	t->skipped++;
	if (dir[0] == '\0' && name[0] == '\0')
		name = ".";
	kmta_warn("queue %s: chown %s%s%s to uid %ld skipped: %s", t->path,
	    dir, dir[0] != '\0' ? "/" : "", name, (long)t->uid, why);
}

/* Give one entry of dirfd to the queue user, and descend into a directory. */
static void
give_entry(struct takeover *t, int dirfd, const char *dir, const char *name,
    int depth)
{
	char sub[4096];
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		/* ENOENT: a runner removed it since the directory scan. */
		if (errno != ENOENT)
			skip_entry(t, dir, name, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1) {
		skip_entry(t, dir, name, strerror(errno));
	} else if (S_ISLNK(st.st_mode)) {
		/* Not queue state, and changing it would change nothing. */
	} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		skip_entry(t, dir, name, "not a regular file or directory");
	} else if (st.st_dev != t->dev) {
		skip_entry(t, dir, name, "on another file system");
	} else if (S_ISREG(st.st_mode) && st.st_nlink != 1) {
		skip_entry(t, dir, name, "has more than one hard link");
	} else if ((st.st_uid != t->uid || st.st_gid != t->gid) &&
	    fchownat(fd, "", t->uid, t->gid, AT_EMPTY_PATH) == -1) {
		skip_entry(t, dir, name, strerror(errno));
	} else {
		if (st.st_uid != t->uid || st.st_gid != t->gid)
			t->changed++;
		if (S_ISDIR(st.st_mode) && t->files) {
			snprintf(sub, sizeof(sub), "%s%s%s", dir,
			    dir[0] != '\0' ? "/" : "", name);
			give_tree(t, fd, sub, depth + 1);
		}
	}
	close(fd);
}

/*
 * Give every entry of the directory at fd to the user. The directory is
 * opened through fd, the entry that was checked, so a name swapped for a
 * symbolic link meanwhile is never followed.
 */
static void
give_tree(struct takeover *t, int fd, const char *dir, int depth)
{
	struct dirent *de;
	DIR *listing;
	int list_fd;

	if (depth > OWNER_DEPTH_MAX) {
		skip_entry(t, dir, "", "nested too deep for queue state");
		return;
	}
	list_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (list_fd == -1 || (listing = fdopendir(list_fd)) == NULL) {
		if (list_fd != -1)
			close(list_fd);
		skip_entry(t, dir, "", strerror(errno));
		return;
	}
	while ((de = readdir(listing)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			give_entry(t, dirfd(listing), dir, de->d_name, depth);
	closedir(listing);
}

int
owner_take_over(int queuefd, const char *path, uid_t uid, gid_t gid,
    bool files, struct owner_result *result, struct kmta_err *err)
{
	struct takeover t = { .path = path, .uid = uid, .gid = gid,
	    .files = files };
	struct stat st;

	if (fstat(queuefd, &st) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "queue directory %s: %s", path, strerror(errno));
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchown(queuefd, uid, gid) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "chown queue directory %s to uid %ld: %s", path, (long)uid,
		    strerror(errno));
	t.dev = st.st_dev;
	give_tree(&t, queuefd, "", 0);
	result->changed = t.changed;
	result->skipped = t.skipped;
	return 0;
}
