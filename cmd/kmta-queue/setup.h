/* Start-up shared by kmta-queue's commands: config, privileges, queue. */
#ifndef KMTA_QUEUE_SETUP_H
#define KMTA_QUEUE_SETUP_H

#include <stdbool.h>

#include "conf.h"
#include "queue.h"

struct setup {
	const char *conf_path;	/* -c, or NULL for $KMTA_CONF or default */
	const char *queue_dir;	/* -q, or NULL for [queue] dir or default */
	bool create;		/* create the queue directory if missing */
	bool runner;		/* root must become [queue] user first */
	bool add_only;		/* only stores mail: as root, hand over the
				   queue's directories, not its files */
};

/*
 * Load the config, apply [log], and open the queue. Started as root, pick
 * the queue user ([queue] user, else the queue directory's owner unless
 * that is root), give it the queue directory and every file in it, and
 * switch to it. A runner started as root without [queue] user fails with
 * EX_NOPERM.
 */
int setup_open(const struct setup *s, struct kmta_conf **conf,
    struct queue *q, struct kmta_err *err);

#endif
