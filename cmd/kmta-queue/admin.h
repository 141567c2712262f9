/* Changes an operator makes to one queued message. */
#ifndef KMTA_QUEUE_ADMIN_H
#define KMTA_QUEUE_ADMIN_H

#include "queue.h"

enum admin_action {
	ADMIN_DELETE,		/* remove without a bounce */
	ADMIN_HOLD,		/* keep, but let no runner deliver it */
	ADMIN_RELEASE,		/* undo hold and make it due now */
	ADMIN_BOUNCE,		/* fail pending recipients, bounce, remove */
};

/* Lock message id (waiting for a runner that has it) and apply action. */
int admin_message(struct queue *q, const char *id, enum admin_action action,
    struct kmta_err *err);

#endif
