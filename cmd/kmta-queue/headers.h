/* Header fields that kmta-queue reads: To/Cc/Bcc for -t, From. */
#ifndef KMTA_QUEUE_HEADERS_H
#define KMTA_QUEUE_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct headers_rcpts {
	char **addrs;
	size_t n;
};

/*
 * Collect the addresses of every To, Cc and Bcc field of the message in
 * data, and remove the Bcc fields from data (updating *len), so that Bcc
 * recipients stay hidden from the others.
 */
int headers_recipients(char *data, size_t *len, struct headers_rcpts *out,
    struct kmta_err *err);

/* Whether the header block of data has a field called name. */
bool headers_has(const char *data, size_t len, const char *name);

/* Copy the first address of the From field into addr ("" when absent). */
int headers_from(const char *data, size_t len, char *addr, size_t addrlen);

void headers_rcpts_free(struct headers_rcpts *r);

#endif
