/* Adding the Date, Message-ID and From fields that a message lacks. */
#ifndef KMTA_QUEUE_MISSING_H
#define KMTA_QUEUE_MISSING_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct missing_request {
	const char *sender;	/* envelope sender; "" adds no From */
	const char *full_name;	/* sendmail -F, or NULL */
	const char *host;	/* domain of the Message-ID */
	time_t now;
};

/*
 * Add a From (the envelope sender, with -F's name), Date and Message-ID
 * field at the top of msg where its header has none. A message whose
 * first line is no header field gets them and an empty line before it.
 */
int missing_headers(const struct missing_request *m, struct kmta_buf *msg,
    struct kmta_err *err);

#endif
