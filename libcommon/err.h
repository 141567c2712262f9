/*
 * Error reporting convention for libcommon.
 *
 * Every libcommon function that can fail returns 0 on success and -1 on
 * failure, and on failure fills a struct kmta_err with a sysexits(3) code
 * and a message. libcommon never prints and never exits: only cmd/ turns
 * an error into "program: message" on stderr and an exit status.
 */
#ifndef KMTA_ERR_H
#define KMTA_ERR_H

#include <sysexits.h>

#define KMTA_ERR_MAX 512

struct kmta_err {
	int code;		/* EX_* from <sysexits.h> */
	char msg[KMTA_ERR_MAX];	/* "what failed: why", no program name */
};

/* Fill err (which may be NULL) with code and a formatted message; return -1. */
int kmta_err_set(struct kmta_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with a formatted context; return -1. */
int kmta_err_wrap(struct kmta_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Map an errno value from open(2), read(2) and friends to a sysexits code. */
int kmta_errno_code(int errnum);

#endif
