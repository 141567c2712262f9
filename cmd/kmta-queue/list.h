/* kmta-queue list, show and stats: reading the queue for people and scripts. */
#ifndef KMTA_QUEUE_LIST_H
#define KMTA_QUEUE_LIST_H

#include <stdbool.h>
#include <stdio.h>

#include "queue.h"

/*
 * Load the envelope of id and check that its message file can be read,
 * so an entry that a runner could not deliver is never shown as fine.
 * Fails with EX_NOINPUT only when the message left the queue.
 */
int list_load_entry(struct queue *q, const char *id, struct envelope *env,
    struct kmta_err *err);

/* Fill err with a count of unreadable entries and the first one's cause. */
int list_unreadable_error(size_t unreadable, const struct kmta_err *first,
    struct kmta_err *err);

/*
 * Postfix-style listing, or a JSON array of envelopes with json set.
 * An entry that cannot be read is listed with its id and the reason, and
 * then the listing fails with the first such entry's code.
 */
int list_queue(struct queue *q, FILE *out, bool json, struct kmta_err *err);

/* The envelope of one message, then the message itself. */
int list_show(struct queue *q, const char *id, FILE *out,
    struct kmta_err *err);

/* Counts by state and destination domain, and the oldest message's age. */
int list_stats(struct queue *q, FILE *out, time_t now, struct kmta_err *err);

#endif
