/* Running kmta-send and kmta-sign as child processes of kmta-queue. */
#ifndef KMTA_QUEUE_CHILD_H
#define KMTA_QUEUE_CHILD_H

#include <sys/types.h>

#include "err.h"

/*
 * Start argv[0] (looked up on PATH when it has no slash) with in_fd as its
 * standard input and a new pipe as its standard output. On success *pid is
 * the child and *out_fd the pipe's read end, which the caller closes.
 */
int child_start(char *const argv[], int in_fd, pid_t *pid, int *out_fd,
    struct kmta_err *err);

/*
 * Wait for pid and return its exit status: 128 plus the signal number when
 * a signal ended it, as shells report it, or EX_OSERR when waiting failed.
 */
int child_wait(pid_t pid);

#endif
