/* Bounces: RFC 3464 delivery status notifications. */
#ifndef KMTA_QUEUE_DSN_H
#define KMTA_QUEUE_DSN_H

#include "buf.h"
#include "queue.h"

/*
 * Compose the DSN for the failed recipients of env into out: a
 * multipart/report (RFC 6522) with a text part, a message/delivery-status
 * part and the original header as text/rfc822-headers. headers is the
 * original message's header block.
 */
int dsn_compose(const struct envelope *env, const char *headers,
    size_t headers_len, time_t now, struct kmta_buf *out,
    struct kmta_err *err);

/*
 * Queue a DSN for env's failed recipients, sent with the null sender to
 * env's sender. Does nothing when the sender is null (a bounce is never
 * bounced) or no recipient failed; *bounce_id is then "".
 */
int dsn_enqueue(struct queue *q, const struct envelope *env, time_t now,
    char *bounce_id, size_t idlen, struct kmta_err *err);

#endif
