/* Input checks that a message must pass before it is signed. */
#ifndef KMTA_SIGN_CHECK_H
#define KMTA_SIGN_CHECK_H

#include "err.h"
#include "message.h"

/* RFC 5322 section 2.1.1: a line is at most 998 octets before CRLF. */
#define CHECK_LINE_MAX 998
/* Larger header blocks are rejected as malformed or hostile. */
#define CHECK_HEADER_MAX (1024 * 1024)

/*
 * Check the header block: at most CHECK_HEADER_MAX bytes, no line over
 * CHECK_LINE_MAX octets. NUL bytes in the header are already rejected by
 * kmta_message_parse(). Errors are EX_DATAERR naming the field.
 */
int sign_check_message(const struct kmta_message *m, struct kmta_err *err);

#endif
