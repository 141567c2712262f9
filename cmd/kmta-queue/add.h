/* kmta-queue add: accepting a message from a pipe. */
#ifndef KMTA_QUEUE_ADD_H
#define KMTA_QUEUE_ADD_H

#include <stdbool.h>
#include <stddef.h>

#include "queue.h"

struct add_request {
	const char *sender;	/* NULL: the From field's address */
	char **rcpts;		/* from the command line */
	size_t nrcpts;
	bool from_headers;	/* -t: also To, Cc and Bcc; drop Bcc */
	bool dot_ends_input;	/* sendmail without -i: a "." line ends it */
	bool sign;		/* [queue] sign: run kmta-sign before storing */
	const char *conf_path;	/* for kmta-sign -c, or NULL */
	const char *local_domain; /* appended to a bare name, or NULL */
	size_t max_size;	/* [queue] max_message_size; 0: no limit */
	bool add_missing;	/* sendmail: add a missing From, Date and
				   Message-ID field */
	const char *full_name;	/* sendmail -F, for an added From */
};

/*
 * Read a message from fd and store it in q. On success env holds the
 * stored envelope (its id is the queue id); free it with envelope_free.
 * Errors: EX_USAGE with no recipient given, EX_DATAERR for an empty
 * message, one over max_size or a bad address, EX_TEMPFAIL or EX_IOERR when the queue could
 * not store it, in which case nothing of it is left in the queue.
 */
int add_message(struct queue *q, const struct add_request *req, int fd,
    struct envelope *env, struct kmta_err *err);

/* Remove a pair of angle brackets around addr in place ("<>" -> ""). */
void add_strip_brackets(char *addr);

#endif
