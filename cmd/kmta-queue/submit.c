/*
 * Submission by other users. Installed set-user-ID to the queue user
 * (make install-setuid), kmta-queue lets any local user add mail to the
 * private queue, as qmail-queue does by running as qmailq. Such a caller
 * gets add and the sendmail personality, and nothing else.
 */
#include <errno.h>
#include <pwd.h>
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

int
submit_init(void)
{
	uid_t ruid = getuid(), euid = geteuid();

	if (ruid == euid)
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
	kmta_error("%s: not allowed for user %s: kmta-queue runs set-user-ID, "
	    "which allows only add and sendmail without -C", what,
	    caller.name);
	return EX_NOPERM;
}
