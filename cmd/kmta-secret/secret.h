/* kmta-secret: the get, put, check and exec commands. */
#ifndef KMTA_SECRET_CMD_H
#define KMTA_SECRET_CMD_H

#include <stdbool.h>

#include "conf.h"
#include "err.h"

struct secret_get_opts {
	bool newline;		/* -n: end the output with a newline */
	bool json;		/* --json: the whole secret as JSON */
	long version;		/* --version: KV v2 version, 0 latest */
};

/* Write the secret named by src to fd 1. Returns an EX_* code. */
int secret_get(const struct kmta_conf *conf, const char *src,
    const struct secret_get_opts *opt, struct kmta_err *err);

/* Store bytes read from fd under src. Returns 0 or -1. */
int secret_put(const struct kmta_conf *conf, const char *src, int fd,
    const char *name, struct kmta_err *err);

/* Describe a secret on stdout as key=value lines, never its value. */
int secret_check(const struct kmta_conf *conf, const char *src,
    long version, struct kmta_err *err);

/* A secret handed to a command: an environment variable or a pipe fd. */
struct secret_binding {
	char name[128];		/* variable name, or "" for a pipe */
	int fd;			/* pipe target fd, or -1 */
	const char *src;
};

/*
 * Load every binding and execvp(3) argv with them; returns only on
 * failure, because the command replaces this process and its exit status
 * becomes kmta-secret's.
 */
int secret_exec(const struct kmta_conf *conf,
    const struct secret_binding *bindings, int count, char **argv,
    struct kmta_err *err);

/* Parse "NAME=SOURCE" (env) or "N=SOURCE" (fd) into b. */
int secret_binding_parse(const char *arg, bool is_fd,
    struct secret_binding *b, struct kmta_err *err);

#endif
