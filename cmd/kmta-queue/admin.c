/* kmta-queue delete, hold, release and bounce: changes to one message. */
#include <stdio.h>
#include <unistd.h>

#include "admin.h"
#include "dsn.h"
#include "log.h"

/* Fail the pending recipients of env, as "kmta-queue bounce" requests. */
static void
fail_pending(struct envelope *env, time_t now)
{
	struct rcpt *r;
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (r->state != RCPT_QUEUED && r->state != RCPT_DEFERRED)
			continue;
		r->state = RCPT_FAILED;
		r->last_attempt = now;
		r->code[0] = r->host[0] = '\0';
		snprintf(r->esc, sizeof(r->esc), "5.0.0");
		snprintf(r->text, sizeof(r->text), "returned to the sender by "
		    "the mail administrator");
	}
}

static int
apply(struct queue *q, struct envelope *env, enum admin_action action,
    struct kmta_err *err)
{
	char bounce_id[QUEUE_ID_MAX];

	switch (action) {
	case ADMIN_DELETE:
		return store_remove(q, env->id, true, err);
	case ADMIN_HOLD:
		env->hold = true;
		return store_save_envelope(q, env, err);
	case ADMIN_RELEASE:
		env->hold = false;
		env->next_attempt = 0;
		return store_save_envelope(q, env, err);
	case ADMIN_BOUNCE:
		fail_pending(env, queue_now());
		if (dsn_enqueue(q, env, DSN_FAILURE, queue_now(), bounce_id,
		    sizeof(bounce_id), err) == -1)
			return -1;
		if (bounce_id[0] != '\0')
			kmta_info("queue_id=%s bounce queued as %s", env->id,
			    bounce_id);
		return store_remove(q, env->id, true, err);
	}
	return 0;
}

int
admin_message(struct queue *q, const char *id, enum admin_action action,
    struct kmta_err *err)
{
	struct envelope env;
	int lock_fd, rc;

	if (!queue_valid_id(id))
		return kmta_err_set(err, EX_USAGE, "invalid queue id: %s", id);
	/* Wait for a runner that is delivering this message right now. */
	if (store_lock(q, id, true, &lock_fd, err) == -1)
		return err->code == EX_NOINPUT ? kmta_err_set(err, EX_NOINPUT,
		    "queue id %s: not in the queue", id) : -1;
	rc = store_load_envelope(q, id, &env, err);
	if (rc == 0) {
		rc = apply(q, &env, action, err);
		envelope_free(&env);
	}
	close(lock_fd);
	return rc;
}
