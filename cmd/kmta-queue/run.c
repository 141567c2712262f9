#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver.h"
#include "dsn.h"
#include "fsio.h"
#include "log.h"
#include "run.h"

long
run_backoff(const struct queue *q, int attempts)
{
	long wait = q->min_backoff;
	int i;

	for (i = 1; i < attempts && wait < q->max_backoff; i++)
		wait *= 2;
	return wait < q->max_backoff ? wait : q->max_backoff;
}

/* Log a queue error and keep the first one for the exit status. */
static void
note_error(struct run_stats *stats, const struct kmta_err *err)
{
	kmta_error("%s", err->msg);
	if (stats->errors++ == 0)
		stats->first_error = *err;
}

static void
log_results(const struct envelope *env, const struct envelope *before)
{
	const struct rcpt *r;
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (r->attempts == before->rcpts[i].attempts)
			continue;
		kmta_info("queue_id=%s to=<%s> relay=%s attempts=%d "
		    "status=%s reply=\"%s%s%s%s%s\"", env->id, r->addr,
		    r->host[0] ? r->host : "none", r->attempts,
		    rcpt_state_name(r->state), r->code, r->code[0] ? " " : "",
		    r->esc, r->esc[0] ? " " : "", r->text);
	}
}

/* Write seconds as whole days, hours, minutes or seconds. */
static void
format_duration(long seconds, char *out, size_t outlen)
{
	static const struct { long size; const char *unit; } units[] = {
		{ 86400, "day" }, { 3600, "hour" }, { 60, "minute" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (seconds >= units[i].size && seconds % units[i].size == 0) {
			snprintf(out, outlen, "%ld %s%s", seconds /
			    units[i].size, units[i].unit,
			    seconds == units[i].size ? "" : "s");
			return;
		}
	snprintf(out, outlen, "%ld second%s", seconds, seconds == 1 ? "" :
	    "s");
}

/*
 * Fail every pending recipient of a message older than max_age, with
 * status 4.4.7 and a text that quotes the last reply and its host. The
 * host and code are cleared, since no server sent this text; the last
 * attempt stays as it was.
 */
static void
expire(struct envelope *env, const struct queue *q, time_t now)
{
	char last[QUEUE_TEXT_MAX], limit[64];
	struct rcpt *r;
	size_t i;

	format_duration(q->max_age, limit, sizeof(limit));
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (r->state != RCPT_QUEUED && r->state != RCPT_DEFERRED)
			continue;
		if (r->text[0] == '\0')
			snprintf(last, sizeof(last), "never tried");
		else
			snprintf(last, sizeof(last), "last reply%s%s: %s%s%s%s%s",
			    r->host[0] ? " from " : "", r->host, r->code,
			    r->code[0] ? " " : "", r->esc, r->esc[0] ? " " : "",
			    r->text);
		r->state = RCPT_FAILED;
		r->code[0] = r->host[0] = '\0';
		snprintf(r->esc, sizeof(r->esc), "4.4.7");
		snprintf(r->text, sizeof(r->text), "message expired: not "
		    "delivered within %s (max_age); %s", limit, last);
	}
	kmta_info("queue_id=%s expired: %lds in the queue, max_age %lds",
	    env->id, (long)(now - env->arrival), q->max_age);
}

/* Queue a DSN for the failed recipients not reported yet, if any. */
static int
queue_bounce(struct queue *q, const struct envelope *env, time_t now,
    struct run_stats *stats, struct kmta_err *err)
{
	char bounce_id[QUEUE_ID_MAX];
	size_t i;

	if (env->sender[0] == '\0') {
		for (i = 0; i < env->nrcpts; i++)
			if (env->rcpts[i].state == RCPT_FAILED) {
				kmta_info("queue_id=%s no bounce for the failed "
				    "recipients: the sender is null", env->id);
				break;
			}
		return 0;
	}
	if (dsn_enqueue(q, env, DSN_FAILURE, now, bounce_id, sizeof(bounce_id),
	    err) == -1)
		return kmta_err_wrap(err, "queue_id=%s bounce", env->id);
	if (bounce_id[0] != '\0') {
		stats->bounces++;
		kmta_info("queue_id=%s bounce queued as %s to=<%s>", env->id,
		    bounce_id, env->sender);
	}
	return 0;
}

/* Bounce the failed recipients of a finished message, then remove it. */
static int
finish(struct queue *q, const struct envelope *env, time_t now,
    struct run_stats *stats, struct kmta_err *err)
{
	if (queue_bounce(q, env, now, stats, err) == -1)
		return -1;
	if (store_remove(q, env->id, false, err) == -1)
		return -1;
	stats->finished++;
	kmta_info("queue_id=%s removed", env->id);
	return 0;
}

/*
 * Queue one delay warning for a message still pending delay_warning
 * seconds after its arrival. The flag is saved with the envelope, so a
 * crash in between may warn twice but never loses the message.
 */
static int
warn_if_delayed(struct queue *q, struct envelope *env, time_t now,
    struct run_stats *stats, struct kmta_err *err)
{
	char warning_id[QUEUE_ID_MAX];

	if (q->delay_warning <= 0 || env->warned ||
	    now - env->arrival < q->delay_warning)
		return 0;
	if (dsn_enqueue(q, env, DSN_DELAY, now, warning_id,
	    sizeof(warning_id), err) == -1)
		return kmta_err_wrap(err, "queue_id=%s delay warning", env->id);
	env->warned = true;
	if (warning_id[0] != '\0') {
		stats->warnings++;
		kmta_info("queue_id=%s delay warning queued as %s to=<%s>",
		    env->id, warning_id, env->sender);
	}
	return 0;
}

/*
 * Bounce the recipients that failed while others are still pending, so
 * the sender need not wait for the retries to end. They become "bounced"
 * when the envelope is saved next, so the final bounce leaves them out.
 * A crash or a failed save in between may report them twice: bounces are
 * at least once, like deliveries.
 */
static int
bounce_failed(struct queue *q, struct envelope *env, time_t now,
    struct run_stats *stats, struct kmta_err *err)
{
	size_t i;

	/* A bounce's failed recipients stay "failed": no DSN goes out. */
	if (env->sender[0] == '\0')
		return 0;
	if (queue_bounce(q, env, now, stats, err) == -1)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == RCPT_FAILED)
			env->rcpts[i].state = RCPT_BOUNCED;
	return 0;
}

/* Save a message's new state, or finish it when nothing is pending. */
static int
settle(struct queue *q, struct envelope *env, const struct envelope *before,
    time_t now, struct run_stats *stats, struct kmta_err *err)
{
	log_results(env, before);
	if (envelope_pending(env) == 0)
		return finish(q, env, now, stats, err);
	if (bounce_failed(q, env, now, stats, err) == -1 ||
	    warn_if_delayed(q, env, now, stats, err) == -1)
		return -1;
	env->next_attempt = now + run_backoff(q, env->attempts);
	return store_save_envelope(q, env, err);
}

static void
item_free(struct deliver_item *item)
{
	envelope_free(&item->env);
	free(item->reported);
	if (item->lock_fd != -1)
		close(item->lock_fd);
	item->lock_fd = -1;
}

/* Move a message with an unreadable envelope aside; err keeps the cause. */
static void
quarantine(struct queue *q, const char *id, struct kmta_err *err)
{
	struct kmta_err move_err = { 0 };

	if (store_quarantine(q, id, &move_err) == -1)
		kmta_error("queue_id=%s %s", id, move_err.msg);
	else
		kmta_err_wrap(err, "queue_id=%s moved to corrupt/", id);
}

/*
 * Lock message id and load its envelope under the lock, because another
 * runner may have delivered or rescheduled it since the directory scan.
 * Return 1 when the message is due and now belongs to item, 0 when it is
 * to be left alone, -1 on a queue error.
 */
static int
take_message(struct queue *q, const char *id, const struct run_options *opt,
    time_t now, struct deliver_item *item, struct run_stats *stats,
    struct kmta_err *err)
{
	memset(item, 0, sizeof(*item));
	if (store_lock(q, id, false, &item->lock_fd, err) == -1) {
		stats->locked += err->code == EX_TEMPFAIL;
		/* EX_NOINPUT means another runner finished it meanwhile. */
		return err->code == EX_TEMPFAIL || err->code == EX_NOINPUT ?
		    0 : -1;
	}
	if (store_load_envelope(q, id, &item->env, err) == -1) {
		if (err->code == EX_DATAERR)
			quarantine(q, id, err);
		close(item->lock_fd);
		return err->code == EX_NOINPUT ? 0 : -1;
	}
	if (item->env.hold || (!opt->ignore_schedule &&
	    item->env.next_attempt > now)) {
		item_free(item);
		return 0;
	}
	item->reported = calloc(item->env.nrcpts, sizeof(*item->reported));
	if (item->reported == NULL) {
		item_free(item);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	snprintf(item->path, sizeof(item->path), "%s/msg/%s", q->path, id);
	item->status = -1;
	return 1;
}

/* Expire the message of item if it is past max_age; return 1 if so. */
static int
expire_if_old(struct queue *q, struct deliver_item *item, time_t now,
    struct run_stats *stats, struct kmta_err *err, int *rc)
{
	struct envelope before = item->env;

	if (now - item->env.arrival < q->max_age)
		return 0;
	before.rcpts = malloc(item->env.nrcpts * sizeof(*before.rcpts));
	if (before.rcpts == NULL) {
		*rc = kmta_err_set(err, EX_OSERR, "out of memory");
		return 1;
	}
	memcpy(before.rcpts, item->env.rcpts,
	    item->env.nrcpts * sizeof(*before.rcpts));
	expire(&item->env, q, now);
	*rc = settle(q, &item->env, &before, now, stats, err);
	if (*rc == 0)
		*rc = kmta_fsync_dir(q->dirfd, "env", err);
	free(before.rcpts);
	return 1;
}

/* Hand items[0..n) to kmta-send, then save or finish each of them. */
static int
deliver_items(struct queue *q, struct deliver_item *items, size_t n,
    const struct run_options *opt, time_t now, struct run_stats *stats,
    struct kmta_err *err)
{
	struct envelope *before = calloc(n, sizeof(*before));
	struct kmta_err item_err = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; before != NULL && i < n; i++) {
		before[i] = items[i].env;
		before[i].rcpts = malloc(items[i].env.nrcpts *
		    sizeof(*before[i].rcpts));
		if (before[i].rcpts == NULL)
			break;
		memcpy(before[i].rcpts, items[i].env.rcpts,
		    items[i].env.nrcpts * sizeof(*before[i].rcpts));
	}
	if (before == NULL || i < n)
		rc = kmta_err_set(err, EX_OSERR, "out of memory");
	else
		rc = deliver_batch(q, items, n, opt->conf_path, opt->conf, now,
		    err);

	for (i = 0; rc == 0 && i < n; i++) {
		items[i].env.attempts++;
		stats->messages++;
		if (settle(q, &items[i].env, &before[i], now, stats,
		    &item_err) == -1)
			note_error(stats, &item_err);
	}
	/* One fsync makes all of this batch's removals durable. */
	if (rc == 0 && kmta_fsync_dir(q->dirfd, "env", &item_err) == -1)
		note_error(stats, &item_err);
	for (i = 0; before != NULL && i < n; i++)
		free(before[i].rcpts);
	free(before);
	return rc;
}

int
run_once(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err)
{
	struct deliver_item *items;
	char **ids;
	size_t nids, i, j, removed, nitems = 0, batch = DELIVER_BATCH_MAX;
	time_t now;
	int rc;

	if (store_clean_stale(q, RUN_STALE_AGE, &removed, err) == -1)
		return -1;
	if (removed > 0)
		kmta_info("removed %zu stale files from %s", removed, q->path);
	if (queue_ids(q, &ids, &nids, err) == -1)
		return -1;

	/* With -j, a runner takes its share at most, so that the others
	 * find messages left to lock even when fewer than a batch are due. */
	if (opt->jobs > 1 && (nids + (size_t)opt->jobs - 1) /
	    (size_t)opt->jobs < batch)
		batch = nids > 0 ? (nids + (size_t)opt->jobs - 1) /
		    (size_t)opt->jobs : 1;

	items = calloc(DELIVER_BATCH_MAX, sizeof(*items));
	if (items == NULL) {
		queue_ids_free(ids, nids);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	for (i = 0; i < nids || nitems > 0;) {
		if (i < nids && nitems < batch) {
			now = queue_now();
			rc = take_message(q, ids[i++], opt, now, &items[nitems],
			    stats, err);
			if (rc == 1 && expire_if_old(q, &items[nitems], now,
			    stats, err, &rc)) {
				item_free(&items[nitems]);
			} else if (rc == 1) {
				nitems++;
				continue;
			}
		} else {
			rc = deliver_items(q, items, nitems, opt, queue_now(),
			    stats, err);
			for (j = 0; j < nitems; j++)
				item_free(&items[j]);
			nitems = 0;
		}
		if (rc == -1)
			note_error(stats, err);
	}
	free(items);
	queue_ids_free(ids, nids);
	kmta_info("run done: sent=%zu removed=%zu bounces=%zu warnings=%zu "
	    "locked=%zu errors=%zu", stats->messages, stats->finished,
	    stats->bounces, stats->warnings, stats->locked, stats->errors);
	if (stats->errors > 0) {
		*err = stats->first_error;
		return -1;
	}
	return 0;
}

int
run_parallel(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err)
{
	int i, status, failed = 0;
	pid_t pid;

	if (opt->jobs <= 1)
		return run_once(q, opt, stats, err);
	for (i = 0; i < opt->jobs; i++) {
		pid = fork();
		if (pid == -1)
			return kmta_err_set(err, EX_OSERR, "fork: %s",
			    strerror(errno));
		if (pid == 0)
			_exit(run_once(q, opt, stats, err) == 0 ? 0 :
			    err->code);
	}
	while ((pid = wait(&status)) != -1 || errno == EINTR)
		if (pid > 0 && (!WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0))
			failed = WIFEXITED(status) ? WEXITSTATUS(status) :
			    EX_SOFTWARE;
	if (failed)
		return kmta_err_set(err, failed, "a parallel runner failed "
		    "(exit %d)", failed);
	return 0;
}
