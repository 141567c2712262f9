/*
 * Submission by other users. Installed set-user-ID to the queue user
 * (make install-setuid), kmta-queue lets any local user add mail to the
 * private queue, as qmail-queue does by running as qmailq. Such a caller
 * gets add and the sendmail personality, and nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "submit.h"

/* The search path given to kmta-sign when it signs a submitted message. */
#define SUBMIT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static struct submitter caller;

const struct submitter *
submit_caller(void)
{
	return caller.active ? &caller : NULL;
}

/* Remember the calling user's uid and name, from the passwd entry only. */
static void
remember_caller(uid_t uid)
{
	const struct passwd *pw = getpwuid(uid);

	caller.active = true;
	caller.uid = uid;
	if (pw != NULL)
		snprintf(caller.name, sizeof(caller.name), "%s", pw->pw_name);
	else
		snprintf(caller.name, sizeof(caller.name), "uid%ld", (long)uid);
}

/*
 * Drop the caller's identity for good: real, effective and saved ids all
 * become the queue user's (and the group's, when set-group-ID too), so
 * that no later step runs with the caller's rights or can return to them.
 */
static int
become_queue_user(void)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();

	if (getgid() != egid && setregid(egid, egid) == -1)
		return -1;
	if (setreuid(euid, euid) == -1)
		return -1;
	return getuid() == euid && geteuid() == euid ? 0 : -1;
}

/*
 * Open /dev/null on any of descriptors 0, 1 and 2 that the caller closed,
 * so that no queue file opened later takes one of them and receives what
 * is meant for standard output or error.
 */
static int
open_standard_fds(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd == -1)
			return -1;
		if (fd > STDERR_FILENO) {
			close(fd);
			return 0;
		}
		/* Keep it open across exec, as the descriptor it stands for. */
		if (fcntl(fd, F_SETFD, 0) == -1)
			return -1;
	}
}

int
submit_init(void)
{
	uid_t ruid = getuid(), euid = geteuid();

	if (open_standard_fds() == -1)
		return EX_OSERR;

	/* A copy that is set-group-ID only gives the caller the queue's
	 * group, so it restricts the caller as well. */
	if (ruid == euid && getgid() == getegid())
		return 0;

	/* Root ran the set-user-ID copy, from cron for example: act as root,
	 * which then switches to [queue] user as usual. */
	if (ruid == 0) {
		if (setuid(0) == -1) {
			kmta_error("return to root: %s", strerror(errno));
			return EX_OSERR;
		}
		return 0;
	}

	remember_caller(ruid);
	if (become_queue_user() == -1) {
		kmta_error("switch to the queue user (uid %ld): %s",
		    (long)euid, strerror(errno));
		return EX_OSERR;
	}

	/* The caller's environment could name another config (KMTA_CONF),
	 * program (KMTA_SEND, KMTA_SIGN) or clock (KMTA_NOW). */
	if (clearenv() != 0 || setenv("PATH", SUBMIT_PATH, 1) == -1) {
		kmta_error("clear the environment: %s", strerror(errno));
		return EX_OSERR;
	}
	umask(077);
	return 0;
}

/*
 * Whether path and each directory above it are owned by root or the queue
 * user and writable by no one else, so that the caller cannot have put the
 * file there. A world-writable directory counts only when it is root's
 * and sticky, as /tmp is, because then others cannot rename its files.
 */
static bool
trusted_path(const char *path, uid_t euid, char *why, size_t whylen)
{
	char component[PATH_MAX];
	struct stat st;
	char *slash;
	bool file = true;

	if (path[0] != '/' || snprintf(component, sizeof(component), "%s",
	    path) >= (int)sizeof(component)) {
		snprintf(why, whylen, "not an absolute path");
		return false;
	}
	for (;;) {
		if (lstat(component[0] != '\0' ? component : "/", &st) == -1) {
			snprintf(why, whylen, "%s: %s", component,
			    strerror(errno));
			return false;
		}
		if (file ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) {
			snprintf(why, whylen, "%s: not a %s", component,
			    file ? "regular file" : "directory");
			return false;
		}
		if (st.st_uid != 0 && st.st_uid != euid) {
			snprintf(why, whylen, "%s: owned by uid %ld", component,
			    (long)st.st_uid);
			return false;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		    (file || st.st_uid != 0 || (st.st_mode & S_ISVTX) == 0)) {
			snprintf(why, whylen, "%s: writable by group or others",
			    component);
			return false;
		}
		if (component[0] == '\0')
			return true;
		slash = strrchr(component, '/');
		*slash = '\0';
		file = false;
	}
}

const char *
submit_check_program(const char *name, const char *path)
{
	char why[PATH_MAX + 64];

	if (!caller.active || path == name ||
	    trusted_path(path, geteuid(), why, sizeof(why)))
		return path;
	kmta_warn("not running %s for another user's mail: %s; looking up "
	    "%s in PATH=%s instead", path, why, name, SUBMIT_PATH);
	return name;
}

void
submit_log(const char *id)
{
	if (caller.active)
		kmta_info("queue_id=%s uid=%ld user=%s submitted", id,
		    (long)caller.uid, caller.name);
}

int
submit_refuse(const char *what)
{
	kmta_error("%s: not allowed for user %s: a set-user-ID kmta-queue lets "
	    "other users run only add and sendmail, without -c, -q or -C",
	    what, caller.name);
	return EX_NOPERM;
}
