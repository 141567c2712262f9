/*
 * Process hardening for programs that hold secrets: no core dumps, and no
 * ptrace attachment or /proc/PID/mem reads by other processes of the same
 * user (PR_SET_DUMPABLE 0). Root can still read the memory.
 */
#ifndef KMTA_HARDEN_H
#define KMTA_HARDEN_H

#include "err.h"

/*
 * Set RLIMIT_CORE to 0 and PR_SET_DUMPABLE to 0. Call it first in main(),
 * before any secret is loaded. execve(2) of a program resets the dumpable
 * flag, so a child started later is not covered.
 */
int harden_process(struct kmta_err *err);

#endif
