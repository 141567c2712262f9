/* kmta-queue run: delivering due messages. */
#ifndef KMTA_QUEUE_RUN_H
#define KMTA_QUEUE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "queue.h"

#define RUN_STALE_AGE 3600	/* seconds before a leftover in tmp/, new/ or
				   msg/ is removed */

struct run_options {
	const char *conf_path;	/* passed on to kmta-send as -c */
	const struct kmta_conf *conf;	/* for [domain] max_connections */
	bool ignore_schedule;	/* flush: deliver deferred messages now */
	int jobs;		/* parallel runners, at least 1 */
};

struct run_stats {
	size_t messages;	/* handed to kmta-send */
	size_t locked;		/* skipped: another runner has them */
	size_t finished;	/* left the queue */
	size_t bounces;		/* DSNs for failed recipients */
	size_t warnings;	/* DSNs for delayed messages */
	size_t errors;		/* queue errors (not delivery failures) */
	struct kmta_err first_error;
};

/* Seconds to wait after the given number of attempts. */
long run_backoff(const struct queue *q, int attempts);

/*
 * Deliver every due message once. Return 0, or -1 with err holding the
 * first queue error (a delivery deferral is not an error).
 */
int run_once(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err);

/* run_once in opt->jobs processes at a time; the locks share the work. */
int run_parallel(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err);

#endif
