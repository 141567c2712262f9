/*
 * --batch: several messages for one destination over shared connections.
 * Each stdin line is MESSAGE-FILE<TAB>SENDER<TAB>RCPT[<TAB>RCPT...]; the
 * message file's name is the MSGREF of its result lines. A message that
 * cannot be read gets result lines of its own and does not stop the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "send.h"

#define BATCH_MAX 10000		/* messages per run */
#define BATCH_RCPTS_MAX 10000	/* recipients per line */

struct batch_item {
	char *line;		/* owns the strings the envelope points to */
	char **fields;
	struct kmta_message msg;
	bool msg_loaded;
};

/* Split line on tabs in place and return the number of fields. */
static size_t
split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		fields[n++] = p;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Parse one batch line into env. A malformed line is a usage error. */
static int
batch_parse(struct batch_item *it, struct envelope *env, size_t lineno,
    struct kmta_err *err)
{
	size_t n;

	it->line[strcspn(it->line, "\r\n")] = '\0';
	it->fields = calloc(BATCH_RCPTS_MAX + 2, sizeof(char *));
	if (it->fields == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	n = split_tabs(it->line, it->fields, BATCH_RCPTS_MAX + 2);
	if (n < 3 || it->fields[0][0] == '\0')
		return kmta_err_set(err, EX_USAGE, "batch line %zu: expected "
		    "MESSAGE-FILE<TAB>SENDER<TAB>RCPT[<TAB>RCPT...]", lineno);
	if (envelope_init(env, it->fields[1], it->fields + 2, n - 2, err) == -1)
		return kmta_err_wrap(err, "batch line %zu", lineno);
	env->msgref = it->fields[0];
	return 0;
}

/* Load a message. When that fails, its recipients get their result now. */
static void
batch_load(const struct send_opts *o, struct batch_item *it,
    struct envelope *env)
{
	struct kmta_err err = { 0 };
	size_t i;

	if (send_message_load(env->msgref, o->long_lines, &it->msg,
	    &err) == 0) {
		it->msg_loaded = true;
		env->msg = &it->msg;
		return;
	}
	kmta_error("%s", err.msg);
	for (i = 0; i < env->nrcpts; i++)
		rcpt_set(&env->rcpts[i], err.code == EX_DATAERR ?
		    OUTCOME_FAILED : OUTCOME_DEFERRED, 0, err.code ==
		    EX_DATAERR ? "5.6.0" : "4.3.0", "", err.msg);
}

static void
batch_free(struct batch_item *items, struct envelope *envs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (items[i].msg_loaded)
			kmta_message_free(&items[i].msg);
		free(items[i].fields);
		free(items[i].line);
		free(envs[i].rcpts);
	}
	free(items);
	free(envs);
}

int
batch_run(const struct send_opts *o)
{
	/* One spare item takes the line getline(3) may allocate at EOF. */
	struct batch_item *items = calloc(BATCH_MAX + 1, sizeof(*items));
	struct envelope *envs = calloc(BATCH_MAX + 1, sizeof(*envs));
	struct kmta_err err = { 0 };
	size_t n = 0, cap = 0, i;
	int rc = -1;

	if (items == NULL || envs == NULL) {
		free(items);
		free(envs);
		kmta_error("out of memory");
		return EX_OSERR;
	}
	while (getline(&items[n].line, &cap, stdin) != -1) {
		cap = 0;
		if (n == BATCH_MAX) {
			kmta_err_set(&err, EX_USAGE, "batch: more than %d "
			    "messages", BATCH_MAX);
			break;
		}
		if (batch_parse(&items[n], &envs[n], n + 1, &err) == -1) {
			n++;
			break;
		}
		n++;
	}
	if (err.code != 0 || n == 0) {
		if (err.code == 0)
			kmta_err_set(&err, EX_USAGE, "batch: no messages on "
			    "standard input");
		kmta_error("%s", err.msg);
		rc = err.code;
	} else {
		for (i = 0; i < n; i++)
			batch_load(o, &items[i], &envs[i]);
		deliver_all(o, envs, n);
		rc = envelope_report(envs, n);
	}
	batch_free(items, envs, n + 1);
	return rc;
}
