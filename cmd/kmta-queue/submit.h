/* Submission by other users through a set-user-ID kmta-queue. */
#ifndef KMTA_QUEUE_SUBMIT_H
#define KMTA_QUEUE_SUBMIT_H

#include <stdbool.h>
#include <sys/types.h>

/* The user who ran a set-user-ID kmta-queue. */
struct submitter {
	bool active;
	uid_t uid;
	char name[64];		/* passwd name, or "uidN" without one */
};

/*
 * Settle the ids at start-up, after opening /dev/null on any of
 * descriptors 0 to 2 that is closed. Run by root, or neither set-user-ID nor
 * set-group-ID, nothing changes (a set-ID copy run by root returns to
 * root). Run by another user, become the queue user (or group) for good,
 * clear the environment and remember the caller. Returns 0, or an exit
 * status after an error.
 */
int submit_init(void);

/* The caller when another user ran a set-user-ID kmta-queue, else NULL. */
const struct submitter *submit_caller(void);

/*
 * Return path, a program found next to kmta-queue's executable, or name
 * for a PATH lookup instead. name is returned when another user runs a
 * set-user-ID kmta-queue and could have placed path there, for example
 * through a hard link to kmta-queue in a directory of their own.
 */
const char *submit_check_program(const char *name, const char *path);

/* Log which user submitted message id, when another user did. */
void submit_log(const char *id);

/* Report that the caller may not use what (a command or option); returns
 * EX_NOPERM. */
int submit_refuse(const char *what);

#endif
