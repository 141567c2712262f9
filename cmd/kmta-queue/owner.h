/* Handing the queue to the queue user when kmta-queue starts as root. */
#ifndef KMTA_QUEUE_OWNER_H
#define KMTA_QUEUE_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct owner_result {
	size_t changed;		/* entries whose owner or group changed */
	size_t skipped;		/* entries left alone, each with a warning */
};

/*
 * Give the queue directory at queuefd and every file and directory in it
 * to uid and gid, without following symbolic links. Must run as root.
 * Without files, only the queue directory and its direct entries change.
 * That lets the user add mail, and it takes the same time at any queue size.
 * Only a failure on the queue directory itself is an error. An entry
 * that cannot be changed is logged as a warning and counted as skipped,
 * and list and stats report it when the queue user cannot read it.
 */
int owner_take_over(int queuefd, const char *path, uid_t uid, gid_t gid,
    bool files, struct owner_result *result, struct kmta_err *err);

#endif
