#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver.h"
#include "dsn.h"
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

/* Fail every pending recipient of a message older than max_age. */
static void
expire(struct envelope *env, const struct queue *q, time_t now)
{
	char last_reply[QUEUE_TEXT_MAX];
	struct rcpt *r;
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (r->state != RCPT_QUEUED && r->state != RCPT_DEFERRED)
			continue;
		snprintf(last_reply, sizeof(last_reply), "%s%s%s",
		    r->code, r->code[0] ? " " : "",
		    r->text[0] ? r->text : "never tried");
		r->state = RCPT_FAILED;
		r->attempts++;
		r->last_attempt = now;
		r->code[0] = '\0';
		snprintf(r->esc, sizeof(r->esc), "4.4.7");
		snprintf(r->text, sizeof(r->text), "message expired after "
		    "%lds in the queue; last reply: %s", q->max_age,
		    last_reply);
	}
	kmta_info("queue_id=%s expired after %lds in the queue", env->id,
	    (long)(now - env->arrival));
}

/* Bounce the failed recipients of a finished message, then remove it. */
static int
finish(struct queue *q, const struct envelope *env, time_t now,
    struct run_stats *stats, struct kmta_err *err)
{
	char bounce_id[QUEUE_ID_MAX];

	if (dsn_enqueue(q, env, now, bounce_id, sizeof(bounce_id), err) == -1)
		return kmta_err_wrap(err, "queue_id=%s bounce", env->id);
	if (bounce_id[0] != '\0') {
		stats->bounces++;
		kmta_info("queue_id=%s bounce queued as %s to=<%s>", env->id,
		    bounce_id, env->sender);
	}
	if (store_remove(q, env->id, err) == -1)
		return -1;
	stats->finished++;
	kmta_info("queue_id=%s removed", env->id);
	return 0;
}

static int
process(struct queue *q, struct envelope *env, const struct run_options *opt,
    time_t now, struct run_stats *stats, struct kmta_err *err)
{
	struct envelope before = *env;
	int status = 0;

	before.rcpts = malloc(env->nrcpts * sizeof(*env->rcpts));
	if (before.rcpts == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	memcpy(before.rcpts, env->rcpts, env->nrcpts * sizeof(*env->rcpts));

	if (now - env->arrival >= q->max_age) {
		expire(env, q, now);
	} else {
		status = deliver_message(q, env, opt->conf_path, now, err);
		stats->messages++;
		env->attempts++;
	}
	log_results(env, &before);
	free(before.rcpts);
	if (status == -1)
		return -1;

	if (envelope_pending(env) == 0)
		return finish(q, env, now, stats, err);
	env->next_attempt = now + run_backoff(q, env->attempts);
	return store_save_envelope(q, env, err);
}

/* Lock, reload and deliver one message if it is due. */
static int
run_message(struct queue *q, const char *id, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err)
{
	struct envelope env;
	time_t now;
	int lock_fd, rc = 0;

	if (store_lock(q, id, false, &lock_fd, err) == -1) {
		if (err->code == EX_TEMPFAIL)
			stats->locked++;
		/* EX_NOINPUT means another runner finished it meanwhile. */
		return err->code == EX_TEMPFAIL || err->code == EX_NOINPUT ?
		    0 : -1;
	}
	/* Read the envelope under the lock, because another runner may
	 * have delivered or rescheduled the message since the scan. */
	if (store_load_envelope(q, id, &env, err) == -1) {
		close(lock_fd);
		return err->code == EX_NOINPUT ? 0 : -1;
	}
	now = queue_now();
	if (!env.hold && (opt->ignore_schedule || env.next_attempt <= now))
		rc = process(q, &env, opt, now, stats, err);
	envelope_free(&env);
	close(lock_fd);
	return rc;
}

int
run_once(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err)
{
	struct kmta_err first = { 0 };
	char **ids;
	size_t nids, i, removed;

	if (store_clean_stale(q, RUN_STALE_AGE, &removed, err) == -1)
		return -1;
	if (removed > 0)
		kmta_info("removed %zu stale files from %s", removed, q->path);
	if (queue_ids(q, &ids, &nids, err) == -1)
		return -1;

	for (i = 0; i < nids; i++) {
		if (run_message(q, ids[i], opt, stats, err) == 0)
			continue;
		kmta_error("%s", err->msg);
		stats->errors++;
		if (first.code == 0)
			first = *err;
	}
	queue_ids_free(ids, nids);
	kmta_info("run done: sent=%zu removed=%zu bounces=%zu locked=%zu "
	    "errors=%zu", stats->messages, stats->finished, stats->bounces,
	    stats->locked, stats->errors);
	if (first.code != 0) {
		*err = first;
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
