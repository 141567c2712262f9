/*
 * An RFC 5322 message read from a file descriptor, with LF or CRLF line
 * endings. The bytes are kept exactly as read; the header fields are
 * located but not changed.
 */
#ifndef KMTA_MESSAGE_H
#define KMTA_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct kmta_header {
	const char *name;	/* field name, not NUL-terminated */
	size_t name_len;
	const char *raw;	/* whole field, folded lines included, */
	size_t raw_len;		/* without the final line ending */
};

struct kmta_message {
	char *data;
	size_t len;
	size_t body_off;	/* first byte after the empty line, or len */
	bool crlf;		/* the first line ends in CRLF */
	struct kmta_header *headers;
	size_t nheaders;
};

/*
 * Read a whole message from fd (at most max bytes) and index its header.
 * Errors: EX_DATAERR for an empty message, a header block that does not
 * start with a field, a NUL byte in the header, or a message over max;
 * EX_IOERR for a read error.
 */
int kmta_message_read(int fd, size_t max, struct kmta_message *m,
    struct kmta_err *err);

/* Index an in-memory message; m takes ownership of data (malloc'd). */
int kmta_message_parse(struct kmta_message *m, char *data, size_t len,
    struct kmta_err *err);

void kmta_message_free(struct kmta_message *m);

/*
 * The i-th field named name (case-insensitive) counted from the top, or
 * NULL. Set count to get the number of such fields.
 */
const struct kmta_header *kmta_message_header(const struct kmta_message *m,
    const char *name, size_t i, size_t *count);

/* The value of a field: the bytes after the colon. */
const char *kmta_header_value(const struct kmta_header *h, size_t *len);

#endif
