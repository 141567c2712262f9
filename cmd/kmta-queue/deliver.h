/*
 * Handing queued messages to kmta-send and recording its results.
 * Messages go in batches, one kmta-send --batch per destination domain,
 * so that kmta-send can deliver them over shared connections.
 */
#ifndef KMTA_QUEUE_DELIVER_H
#define KMTA_QUEUE_DELIVER_H

#include <limits.h>

#include "queue.h"

/* Messages a runner locks and hands over at a time.
 * NOTE: a fixed size, not measured. */
#define DELIVER_BATCH_MAX 100

enum send_outcome {
	SEND_DELIVERED,
	SEND_DEFERRED,
	SEND_FAILED,
};

/* One result line of kmta-send, split into its 7 tab-separated fields. */
struct send_result {
	enum send_outcome outcome;
	char msgref[PATH_MAX];
	char rcpt[QUEUE_ADDR_MAX];
	char code[4];
	char esc[16];
	char host[QUEUE_HOST_MAX];
	char text[QUEUE_TEXT_MAX];
};

/* A locked message that is due, with what kmta-send reported for it. */
struct deliver_item {
	struct envelope env;
	int lock_fd;
	char path[PATH_MAX];	/* absolute path of msg/ID: the MSGREF */
	bool *reported;		/* per recipient: a result line came */
	int status;		/* exit status of the last kmta-send for
				 * it, or -1 when none ran */
};

/* Parse one line (without its newline); return 0, or -1 if malformed. */
int send_result_parse(const char *line, struct send_result *res);

/*
 * The program name to run (kmta-send, kmta-sign): $env_var, else the one
 * next to this program's executable (written into path), else name
 * itself, for execvp(3) to look up in PATH. For another user's
 * submission the one next to it is used only where that user cannot have
 * placed it (submit_check_program).
 */
const char *queue_program(const char *name, const char *env_var, char *path,
    size_t pathlen);

/*
 * Deliver the pending recipients of items[0..n) through kmta-send
 * --batch, one run per destination domain, and record every result in
 * the items' envelopes. Pending recipients without a result line become
 * deferred. Return -1 only when no kmta-send could be started at all.
 */
int deliver_batch(struct queue *q, struct deliver_item *items, size_t n,
    const char *conf_path, const struct kmta_conf *conf, time_t now,
    struct kmta_err *err);

#endif
