/* Handing a queued message to kmta-send and reading its results. */
#ifndef KMTA_QUEUE_DELIVER_H
#define KMTA_QUEUE_DELIVER_H

#include "queue.h"

enum send_outcome {
	SEND_DELIVERED,
	SEND_DEFERRED,
	SEND_FAILED,
};

/* One result line of kmta-send, split into its 7 tab-separated fields. */
struct send_result {
	enum send_outcome outcome;
	char msgref[64];
	char rcpt[QUEUE_ADDR_MAX];
	char code[4];
	char esc[16];
	char host[QUEUE_HOST_MAX];
	char text[QUEUE_TEXT_MAX];
};

/* Parse one line (without its newline); return 0, or -1 if malformed. */
int send_result_parse(const char *line, struct send_result *res);

/*
 * The kmta-send program to run: $KMTA_SEND, else the kmta-send next to
 * this program's executable, else "kmta-send" looked up in PATH.
 */
const char *deliver_program(void);

/*
 * Run kmta-send for the pending recipients of env with msg/ID on its
 * standard input, and record each result line in env. A pending
 * recipient without a result line becomes deferred. Return kmta-send's
 * exit status (or 128 + signal), or -1 when it could not be started.
 */
int deliver_message(struct queue *q, struct envelope *env,
    const char *conf_path, time_t now, struct kmta_err *err);

#endif
