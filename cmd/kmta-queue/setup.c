#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "owner.h"
#include "setup.h"

/*
 * Open the queue as root (creating it when create is set) and give it,
 * with every file already in it, to pw, so pw can deliver what root or
 * an earlier queue user stored there.
 */
static int
prepare_queue_for(const char *path, bool create, const struct passwd *pw,
    struct kmta_err *err)
{
	struct owner_result result = { 0 };
	struct queue q;
	int rc;

	if (queue_open(&q, path, create, err) == -1) {
		queue_close(&q);
		return -1;
	}
	rc = owner_take_over(q.dirfd, path, pw->pw_uid, pw->pw_gid, &result,
	    err);
	queue_close(&q);
	if (rc == 0 && result.changed > 0)
		kmta_info("queue %s: gave %zu files and directories to user "
		    "%s", path, result.changed, pw->pw_name);
	return rc;
}

static int
become_user(const struct passwd *pw, struct kmta_err *err)
{
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		return kmta_err_set(err, EX_OSERR, "switch to user %s: %s",
		    pw->pw_name, strerror(errno));
	/* Make sure root cannot be regained. */
	if (setuid(0) == 0)
		return kmta_err_set(err, EX_SOFTWARE, "switch to user %s: "
		    "root privileges are still available", pw->pw_name);
	return 0;
}

/* Switch from root to [queue] user; a runner without one is rejected. */
static int
leave_root(const struct setup *s, const struct kmta_conf *conf,
    const char *path, struct kmta_err *err)
{
	const char *user = kmta_conf_str(conf, "queue", "user", NULL);
	const struct passwd *pw;

	if (user == NULL)
		return s->runner ? kmta_err_set(err, EX_NOPERM,
		    "will not deliver as root: set [queue] user to an "
		    "unprivileged user (such as nobody) that owns %s", path) :
		    0;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		return kmta_err_set(err, EX_CONFIG, "[queue] user: %s: %s",
		    user, errno ? strerror(errno) : "no such user");
	if (pw->pw_uid == 0)
		return kmta_err_set(err, EX_CONFIG, "[queue] user: %s: has "
		    "uid 0; name an unprivileged user", user);
	if (prepare_queue_for(path, s->create, pw, err) == -1)
		return -1;
	return become_user(pw, err);
}

int
setup_open(const struct setup *s, struct kmta_conf **conf, struct queue *q,
    struct kmta_err *err)
{
	const char *path;

	q->dirfd = -1;
	q->path = NULL;
	if (kmta_conf_load(s->conf_path, conf, err) == -1)
		return -1;
	kmta_log_configure(*conf);

	path = s->queue_dir ? s->queue_dir :
	    kmta_conf_str(*conf, "queue", "dir", QUEUE_DIR_DEFAULT);
	if (geteuid() == 0 && leave_root(s, *conf, path, err) == -1)
		return -1;
	if (queue_open(q, path, s->create, err) == -1)
		return -1;
	queue_settings(q, *conf);
	return 0;
}
