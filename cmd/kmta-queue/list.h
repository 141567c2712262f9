/* kmta-queue list, show and stats: reading the queue for people and scripts. */
#ifndef KMTA_QUEUE_LIST_H
#define KMTA_QUEUE_LIST_H

#include <stdbool.h>
#include <stdio.h>

#include "queue.h"

/* Postfix-style listing, or a JSON array of envelopes with json set. */
int list_queue(struct queue *q, FILE *out, bool json, struct kmta_err *err);

/* The envelope of one message, then the message itself. */
int list_show(struct queue *q, const char *id, FILE *out,
    struct kmta_err *err);

/* Counts by state and destination domain, and the oldest message's age. */
int list_stats(struct queue *q, FILE *out, time_t now, struct kmta_err *err);

#endif
