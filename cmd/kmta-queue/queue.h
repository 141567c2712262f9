/*
 * kmta-queue: the queue directory and its envelopes.
 *
 * Layout under the queue directory (mode 0700):
 *   tmp/       files being written; stale ones are removed by "run"
 *   new/       messages that add stored, as ID.msg and ID.env, until an
 *              import moves them to msg/ and env/. Every command but add
 *              imports first.
 *   msg/ID     the message as received, never changed; a runner holds
 *              flock(2) on it while it delivers the message
 *   env/ID     the envelope (envelope.c), replaced by rename(2)
 *   lock/      connection slots of domains with max_connections
 *   corrupt/   messages whose envelope could not be read, and envelopes
 *              whose message file is missing
 * An add renames new/ID.msg into place first and new/ID.env last, and
 * the message is accepted once new/ is fsynced. An import moves the
 * message file to msg/ID and fsyncs msg/ before it moves the envelope to
 * env/ID, so a runner, which looks only at env/, finds both files.
 * Removal unlinks env/ID first.
 */
#ifndef KMTA_QUEUE_H
#define KMTA_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"

#define QUEUE_DIR_DEFAULT "/var/spool/kmta"
#define QUEUE_ID_MAX 32
#define QUEUE_ADDR_MAX 512	/* RFC 5321 4.5.3.1.3: a path is 256 octets */
#define QUEUE_TEXT_MAX 512
#define QUEUE_HOST_MAX 320

/* Backoff and expiry defaults, as Postfix's minimal_backoff_time,
 * maximal_backoff_time and maximal_queue_lifetime. */
#define QUEUE_MIN_BACKOFF 300
#define QUEUE_MAX_BACKOFF 4000
#define QUEUE_MAX_AGE (5 * 86400)
#define QUEUE_MAX_MESSAGE_SIZE 10240000	/* Postfix's message_size_limit */

enum rcpt_state {
	RCPT_QUEUED,		/* not tried yet */
	RCPT_DEFERRED,		/* tried, will be retried */
	RCPT_DELIVERED,
	RCPT_FAILED,		/* permanent failure or expired */
	RCPT_BOUNCED,		/* failed, and already reported in a DSN */
};

struct rcpt {
	char addr[QUEUE_ADDR_MAX];
	enum rcpt_state state;
	int attempts;
	time_t last_attempt;	/* 0 when never tried */
	char code[4];		/* SMTP reply code or "" */
	char esc[16];		/* enhanced status code or "" */
	char host[QUEUE_HOST_MAX];	/* name[addr]:port or "" */
	char text[QUEUE_TEXT_MAX];	/* last reply or error */
};

struct envelope {
	char id[QUEUE_ID_MAX];
	char sender[QUEUE_ADDR_MAX];	/* "" is the null sender */
	time_t arrival;
	time_t next_attempt;
	int attempts;		/* delivery runs of this message */
	bool hold;
	bool warned;		/* the sender got a delay warning */
	size_t size;		/* bytes of msg/ID */
	struct rcpt *rcpts;
	size_t nrcpts;
};

struct queue {
	char *path;
	int dirfd;
	long min_backoff;
	long max_backoff;
	long max_age;
	long delay_warning;	/* seconds; 0: never warn */
	const char *hostname;	/* [send] helo_name, or NULL: the host name */
};

/* queue.c */
int queue_open(struct queue *q, const char *path, bool create,
    struct kmta_err *err);
void queue_close(struct queue *q);
void queue_settings(struct queue *q, const struct kmta_conf *conf);
time_t queue_now(void);
/* Write t as an RFC 5322 date-time in local time ("Fri, 04 Dec 2026
 * 23:32:13 +0000"). */
void queue_date(time_t t, char *out, size_t outlen);
int queue_new_id(char *id, size_t idlen, struct kmta_err *err);
int queue_valid_id(const char *id);
/* Copy to id (QUEUE_ID_MAX bytes) the id of a file name "ID" + suffix,
 * such as "ID.env"; return whether name has that form with a valid id. */
bool queue_id_of(const char *name, const char *suffix, char *id);
int queue_ids(struct queue *q, char ***ids, size_t *nids,
    struct kmta_err *err);
void queue_ids_free(char **ids, size_t nids);

/* envelope.c */
const char *rcpt_state_name(enum rcpt_state state);
int envelope_add_rcpt(struct envelope *env, const char *addr,
    struct kmta_err *err);
int envelope_format(const struct envelope *env, char **out, size_t *len,
    struct kmta_err *err);
int envelope_parse(struct envelope *env, const char *text, size_t len,
    struct kmta_err *err);
size_t envelope_pending(const struct envelope *env);
void envelope_free(struct envelope *env);

/* store.c */
int store_message(struct queue *q, struct envelope *env, const char *data,
    size_t len, struct kmta_err *err);
int store_load_envelope(struct queue *q, const char *id,
    struct envelope *env, struct kmta_err *err);
int store_save_envelope(struct queue *q, const struct envelope *env,
    struct kmta_err *err);
int store_remove(struct queue *q, const char *id, bool sync,
    struct kmta_err *err);
int store_lock(struct queue *q, const char *id, bool wait, int *fd,
    struct kmta_err *err);
int store_clean_stale(struct queue *q, long max_age, size_t *removed,
    struct kmta_err *err);
int store_quarantine(struct queue *q, const char *id, struct kmta_err *err);

/* incoming.c */
int incoming_import(struct queue *q, struct kmta_err *err);

/* address.c */
int address_check(const char *addr, bool allow_null, struct kmta_err *err);
const char *address_domain(const char *addr);

#endif
