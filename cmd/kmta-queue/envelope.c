/*
 * The envelope file env/ID: one record per line, fields separated by a
 * tab, in this order:
 *
 *   kmta-envelope 1
 *   id        ID
 *   sender    ADDR            (empty for the null sender)
 *   arrival   SECONDS         (first queued, seconds since the epoch)
 *   size      BYTES
 *   attempts  N
 *   next      SECONDS         (next attempt; 0 means now)
 *   hold      0|1
 *   warned    0|1             (a delay warning was sent)
 *   rcpt      STATE ATTEMPTS LAST ADDR CODE ESC HOST TEXT   (one per recipient)
 *             STATE: queued, deferred, delivered, failed or bounced
 *   end
 *
 * The "end" line lets a reader tell a complete file from a cut one. Field
 * values never contain a tab or a line ending: addresses are checked on
 * add and reply texts are cleaned before they are stored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queue.h"

#define ENVELOPE_MAGIC "kmta-envelope 1"
#define FIELDS_MAX 10

static const char *const state_names[] = {
	[RCPT_QUEUED] = "queued",
	[RCPT_DEFERRED] = "deferred",
	[RCPT_DELIVERED] = "delivered",
	[RCPT_FAILED] = "failed",
	[RCPT_BOUNCED] = "bounced",
};

const char *
rcpt_state_name(enum rcpt_state state)
{
	return state_names[state];
}

static int
rcpt_state_parse(const char *s, enum rcpt_state *state)
{
	size_t i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(s, state_names[i]) == 0) {
			*state = (enum rcpt_state)i;
			return 0;
		}
	return -1;
}

int
envelope_add_rcpt(struct envelope *env, const char *addr,
    struct kmta_err *err)
{
	struct rcpt *grown;

	grown = realloc(env->rcpts, (env->nrcpts + 1) * sizeof(*grown));
	if (grown == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	env->rcpts = grown;
	memset(&grown[env->nrcpts], 0, sizeof(*grown));
	snprintf(grown[env->nrcpts].addr, QUEUE_ADDR_MAX, "%s", addr);
	grown[env->nrcpts].state = RCPT_QUEUED;
	env->nrcpts++;
	return 0;
}

/* Recipients still to be delivered: queued or deferred. */
size_t
envelope_pending(const struct envelope *env)
{
	size_t i, n = 0;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == RCPT_QUEUED ||
		    env->rcpts[i].state == RCPT_DEFERRED)
			n++;
	return n;
}

void
envelope_free(struct envelope *env)
{
	free(env->rcpts);
	env->rcpts = NULL;
	env->nrcpts = 0;
}

int
envelope_format(const struct envelope *env, char **out, size_t *len,
    struct kmta_err *err)
{
	struct kmta_buf b = { 0 };
	const struct rcpt *r;
	size_t i;
	int rc;

	rc = kmta_buf_printf(&b, "%s\nid\t%s\nsender\t%s\narrival\t%lld\n"
	    "size\t%zu\nattempts\t%d\nnext\t%lld\nhold\t%d\nwarned\t%d\n",
	    ENVELOPE_MAGIC, env->id, env->sender, (long long)env->arrival,
	    env->size, env->attempts, (long long)env->next_attempt,
	    env->hold ? 1 : 0, env->warned ? 1 : 0);
	for (i = 0; rc == 0 && i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		rc = kmta_buf_printf(&b, "rcpt\t%s\t%d\t%lld\t%s\t%s\t%s\t%s\t"
		    "%s\n", rcpt_state_name(r->state), r->attempts,
		    (long long)r->last_attempt, r->addr, r->code, r->esc,
		    r->host, r->text);
	}
	if (rc == 0)
		rc = kmta_buf_puts(&b, "end\n");
	if (rc == -1) {
		kmta_buf_free(&b);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

/* Split line (changed in place) at tabs into at most FIELDS_MAX fields. */
static size_t
split_fields(char *line, char **fields)
{
	size_t n = 0;
	char *tab;

	fields[n++] = line;
	while (n < FIELDS_MAX && (tab = strchr(line, '\t')) != NULL) {
		*tab = '\0';
		line = tab + 1;
		fields[n++] = line;
	}
	return n;
}

static int
parse_number(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno != 0 || *s == '\0' || *end != '\0' || *out < 0) ? -1 : 0;
}

static int
parse_rcpt(struct envelope *env, char **f, size_t nf, struct kmta_err *err)
{
	long long attempts, last;
	struct rcpt *r;

	if (nf != 9 || parse_number(f[2], &attempts) == -1 ||
	    parse_number(f[3], &last) == -1)
		return -1;
	if (envelope_add_rcpt(env, f[4], err) == -1)
		return -1;
	r = &env->rcpts[env->nrcpts - 1];
	if (rcpt_state_parse(f[1], &r->state) == -1)
		return -1;
	r->attempts = (int)attempts;
	r->last_attempt = (time_t)last;
	snprintf(r->code, sizeof(r->code), "%s", f[5]);
	snprintf(r->esc, sizeof(r->esc), "%s", f[6]);
	snprintf(r->host, sizeof(r->host), "%s", f[7]);
	snprintf(r->text, sizeof(r->text), "%s", f[8]);
	return 0;
}

static int
parse_record(struct envelope *env, char **f, size_t nf, struct kmta_err *err)
{
	long long v;

	if (strcmp(f[0], "rcpt") == 0)
		return parse_rcpt(env, f, nf, err);
	if (nf != 2)
		return -1;
	if (strcmp(f[0], "id") == 0)
		return snprintf(env->id, sizeof(env->id), "%s", f[1]) <
		    (int)sizeof(env->id) ? 0 : -1;
	if (strcmp(f[0], "sender") == 0)
		return snprintf(env->sender, sizeof(env->sender), "%s", f[1]) <
		    (int)sizeof(env->sender) ? 0 : -1;
	if (parse_number(f[1], &v) == -1)
		return -1;
	if (strcmp(f[0], "arrival") == 0)
		env->arrival = (time_t)v;
	else if (strcmp(f[0], "size") == 0)
		env->size = (size_t)v;
	else if (strcmp(f[0], "attempts") == 0)
		env->attempts = (int)v;
	else if (strcmp(f[0], "next") == 0)
		env->next_attempt = (time_t)v;
	else if (strcmp(f[0], "hold") == 0)
		env->hold = v != 0;
	else if (strcmp(f[0], "warned") == 0)
		env->warned = v != 0;
	else
		return -1;
	return 0;
}

/* Parse envelope text; errors are EX_DATAERR naming the bad line. */
int
envelope_parse(struct envelope *env, const char *text, size_t len,
    struct kmta_err *err)
{
	char *copy, *line, *next, *f[FIELDS_MAX];
	int lineno = 0, ended = 0;

	memset(env, 0, sizeof(*env));
	copy = strndup(text, len);
	if (copy == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");

	for (line = copy; *line != '\0' && !ended; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			break;
		*next++ = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, ENVELOPE_MAGIC) != 0)
				goto bad;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = 1;
			continue;
		}
		if (parse_record(env, f, split_fields(line, f), err) == -1)
			goto bad;
	}
	free(copy);
	if (!ended || env->id[0] == '\0' || env->nrcpts == 0) {
		envelope_free(env);
		return kmta_err_set(err, EX_DATAERR,
		    "envelope incomplete (no id, recipient or end line)");
	}
	return 0;

bad:
	free(copy);
	envelope_free(env);
	return kmta_err_set(err, EX_DATAERR, "envelope line %d is invalid",
	    lineno);
}
