/* Signing on the way in: [queue] sign runs kmta-sign over each new message. */
#ifndef KMTA_QUEUE_SIGN_H
#define KMTA_QUEUE_SIGN_H

#include "buf.h"
#include "queue.h"

/*
 * Replace msg with kmta-sign's output for it ($KMTA_SIGN, else the
 * kmta-sign next to kmta-queue, else PATH), passing conf_path as -c when
 * set. A kmta-sign failure is returned with kmta-sign's exit status as
 * the error code, and msg is left unchanged.
 */
int sign_message(struct queue *q, const char *conf_path,
    struct kmta_buf *msg, struct kmta_err *err);

#endif
