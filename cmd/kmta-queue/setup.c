#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "owner.h"
#include "setup.h"

/*
 * Open the queue as root (creating it when create is set) and give it,
 * with every file already in it, to pw, so pw can deliver what root or
 * an earlier queue user stored there. An add hands over the directories
 * only, so its cost does not grow with the queue. The files go to the user
 * when the next other command starts as root, such as a runner from cron.
 */
static int
prepare_queue_for(const struct setup *s, const char *path,
    const struct passwd *pw, struct kmta_err *err)
{
	struct owner_result result = { 0 };
	struct queue q;
	int rc;

	if (queue_open(&q, path, s->create, err) == -1) {
		queue_close(&q);
		return -1;
	}
	rc = owner_take_over(q.dirfd, path, pw->pw_uid, pw->pw_gid,
	    !s->add_only, &result, err);
	queue_close(&q);
	if (rc == 0 && result.changed > 0)
		kmta_info("queue %s: owner or group of %zu entr%s changed to "
		    "user %s", path, result.changed,
		    result.changed == 1 ? "y" : "ies", pw->pw_name);
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

/*
 * Without [queue] user, a queue directory that an unprivileged user owns
 * names its user, so that mail root adds (cron's, through sendmail) is
 * stored in files that user's runner can read. Return whether owner was
 * filled. When the uid has no passwd entry, owner's name is written to
 * name as "uid N".
 */
static bool
queue_dir_owner(const char *path, struct passwd *owner, char *name,
    size_t namelen)
{
	const struct passwd *pw;
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode) || st.st_uid == 0)
		return false;
	pw = getpwuid(st.st_uid);
	if (pw != NULL) {
		*owner = *pw;
		return true;
	}
	snprintf(name, namelen, "uid %ld", (long)st.st_uid);
	memset(owner, 0, sizeof(*owner));
	owner->pw_name = name;
	owner->pw_uid = st.st_uid;
	owner->pw_gid = st.st_gid;
	return true;
}

/*
 * Switch from root to [queue] user, or else to the owner of the queue
 * directory when that is not root. A runner without [queue] user is
 * rejected, so that kmta-send never runs as root by accident.
 */
static int
leave_root(const struct setup *s, const struct kmta_conf *conf,
    const char *path, struct kmta_err *err)
{
	const char *user = kmta_conf_str(conf, "queue", "user", NULL);
	const struct passwd *pw;
	struct passwd owner;
	char owner_name[32];

	if (user == NULL && s->runner)
		return kmta_err_set(err, EX_NOPERM, "will not deliver as root: "
		    "set [queue] user to an unprivileged user that owns %s "
		    "(such as kmta, made with useradd --system kmta)", path);
	if (user == NULL) {
		if (!queue_dir_owner(path, &owner, owner_name,
		    sizeof(owner_name)))
			return 0;
		pw = &owner;
	} else {
		errno = 0;
		pw = getpwnam(user);
		if (pw == NULL)
			return kmta_err_set(err, EX_CONFIG,
			    "[queue] user: %s: %s", user,
			    errno ? strerror(errno) : "no such user");
		if (pw->pw_uid == 0)
			return kmta_err_set(err, EX_CONFIG, "[queue] user: %s: "
			    "has uid 0; name an unprivileged user", user);
	}
	if (prepare_queue_for(s, path, pw, err) == -1)
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
