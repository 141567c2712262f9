/* Bounces: RFC 3464 delivery status notifications. */
#ifndef KMTA_QUEUE_DSN_H
#define KMTA_QUEUE_DSN_H

#include "buf.h"
#include "queue.h"

enum dsn_kind {
	DSN_FAILURE,		/* Action: failed, for failed recipients */
	DSN_DELAY,		/* Action: delayed, for pending recipients */
};

/*
 * Compose the DSN for the failed recipients of env into out: a
 * multipart/report (RFC 6522) with a text part, a message/delivery-status
 * part and the original header as text/rfc822-headers. headers is the
 * original message's header block; host names this host (Reporting-MTA,
 * the MAILER-DAEMON address and the Message-ID).
 */
int dsn_compose(const struct envelope *env, enum dsn_kind kind,
    time_t retry_until, const char *headers, size_t headers_len, time_t now,
    const char *host, struct kmta_buf *out, struct kmta_err *err);

/*
 * Queue a DSN of the given kind for env, sent with the null sender to
 * env's sender. Does nothing when the sender is null (a bounce is never
 * bounced) or no recipient is in the state the kind reports; *bounce_id
 * is then "".
 */
int dsn_enqueue(struct queue *q, const struct envelope *env,
    enum dsn_kind kind, time_t now, char *bounce_id, size_t idlen,
    struct kmta_err *err);

#endif
