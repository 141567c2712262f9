/*
 * Envelopes and messages: checking the addresses, reading the message,
 * delivering every envelope by destination domain and reporting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "send.h"

/* NOTE: a fixed cap on one message held in memory, not a config key yet. */
#define MESSAGE_MAX ((size_t)256 * 1024 * 1024)

static const char *
sender_normalize(const char *s)
{
	return strcmp(s, "<>") == 0 ? "" : s;
}

/* Check the envelope and fill env->rcpts from the recipient strings. */
int
envelope_init(struct envelope *env, const char *sender, char **rcpts,
    size_t n, struct kmta_err *err)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	env->sender = sender_normalize(sender);
	env->msgref = "-";
	if (env->sender[0] != '\0' &&
	    addr_check_mailbox(env->sender, "sender", err) == -1)
		return -1;
	env->rcpts = calloc(n, sizeof(*env->rcpts));
	if (env->rcpts == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	env->nrcpts = n;
	for (i = 0; i < n; i++) {
		if (addr_check_mailbox(rcpts[i], "recipient", err) == -1)
			return -1;
		env->rcpts[i].addr = rcpts[i];
		env->rcpts[i].domain = addr_domain(rcpts[i]);
	}
	return 0;
}

/* Read and check a message; path NULL means standard input. */
int
send_message_load(const char *path, enum long_lines long_lines,
    struct kmta_message *m, struct kmta_err *err)
{
	const char *name = path != NULL ? path : "on standard input";
	size_t longest, lineno;
	int fd = 0, rc;

	if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "cannot open "
		    "message %s: %s", path, strerror(errno));
	rc = kmta_message_read(fd, MESSAGE_MAX, m, err);
	if (path != NULL)
		close(fd);
	if (rc == -1)
		return kmta_err_wrap(err, "message %s", name);

	longest = body_longest_line(m, &lineno);
	if (longest <= BODY_LINE_MAX)
		return 0;
	if (long_lines == LONG_LINES_REJECT) {
		kmta_message_free(m);
		return kmta_err_set(err, EX_DATAERR, "message %s: line %zu is "
		    "%zu octets, over the SMTP limit of %d (RFC 5321 4.5.3.1.6)",
		    name, lineno, longest, BODY_LINE_MAX);
	}
	kmta_warn("message %s: line %zu is %zu octets, over the SMTP limit of "
	    "%d; %s (long_lines = %s)", name, lineno, longest, BODY_LINE_MAX,
	    long_lines == LONG_LINES_FOLD ? "folded with CRLF SPACE" :
	    "sent unchanged", long_lines == LONG_LINES_FOLD ? "fold" : "send");
	return 0;
}

/* Deliver every envelope, one destination domain after the other. */
void
deliver_all(const struct send_opts *o, struct envelope *envs, size_t nenvs)
{
	size_t i, j;

	for (i = 0; i < nenvs; i++)
		for (j = 0; j < envs[i].nrcpts; j++)
			if (envs[i].rcpts[j].outcome == OUTCOME_PENDING)
				deliver_domain(o, envs, nenvs,
				    envs[i].rcpts[j].domain);
}

int
envelope_report(struct envelope *envs, size_t nenvs)
{
	size_t i, j;

	for (i = 0; i < nenvs; i++) {
		result_print(&envs[i]);
		for (j = 0; j < envs[i].nrcpts; j++)
			result_log(&envs[i], &envs[i].rcpts[j]);
	}
	return result_exit_code(envs, nenvs);
}
