/* kmta-queue stats: one "name value" line per count, for scripts. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "list.h"
#include "log.h"

struct domain_count {
	char name[QUEUE_ADDR_MAX];
	size_t pending;
};

struct queue_counts {
	size_t messages, unreadable, held, bytes;
	size_t state[RCPT_BOUNCED + 1];
	time_t oldest;
	struct domain_count *domains;
	size_t ndomains;
};

static int
count_domain(struct queue_counts *c, const char *domain)
{
	struct domain_count *grown;
	size_t i;

	for (i = 0; i < c->ndomains; i++)
		if (strcasecmp(c->domains[i].name, domain) == 0) {
			c->domains[i].pending++;
			return 0;
		}
	grown = realloc(c->domains, (c->ndomains + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	c->domains = grown;
	snprintf(grown[c->ndomains].name, QUEUE_ADDR_MAX, "%s", domain);
	grown[c->ndomains++].pending = 1;
	return 0;
}

static int
count_envelope(struct queue_counts *c, const struct envelope *env)
{
	const struct rcpt *r;
	size_t i;

	c->messages++;
	c->held += env->hold;
	c->bytes += env->size;
	if (c->oldest == 0 || env->arrival < c->oldest)
		c->oldest = env->arrival;
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		c->state[r->state]++;
		if ((r->state == RCPT_QUEUED || r->state == RCPT_DEFERRED) &&
		    count_domain(c, address_domain(r->addr)) == -1)
			return -1;
	}
	return 0;
}

static void
print_counts(FILE *out, const struct queue_counts *c, time_t now)
{
	size_t i;

	fprintf(out, "messages %zu\nunreadable %zu\nheld %zu\nbytes %zu\n",
	    c->messages, c->unreadable, c->held, c->bytes);
	for (i = 0; i <= RCPT_BOUNCED; i++)
		fprintf(out, "recipients_%s %zu\n",
		    rcpt_state_name((enum rcpt_state)i), c->state[i]);
	fprintf(out, "oldest_age %lld\n", c->messages == 0 ? 0LL :
	    (long long)(now - c->oldest));
	for (i = 0; i < c->ndomains; i++)
		fprintf(out, "pending_domain %s %zu\n", c->domains[i].name,
		    c->domains[i].pending);
}

/*
 * Count the queue. An entry that cannot be read is counted as unreadable
 * and named on stderr, and the counts are still printed before the
 * command fails with the first such entry's code.
 */
int
list_stats(struct queue *q, FILE *out, time_t now, struct kmta_err *err)
{
	struct kmta_err entry_err = { 0 }, first = { 0 };
	struct queue_counts counts = { 0 };
	struct envelope env;
	char **ids;
	size_t nids, i;
	int rc = 0;

	if (queue_ids(q, &ids, &nids, err) == -1)
		return -1;
	for (i = 0; i < nids && rc == 0; i++) {
		if (list_load_entry(q, ids[i], &env, &entry_err) == -1) {
			if (entry_err.code == EX_NOINPUT)
				continue;
			kmta_error("queue_id=%s unreadable: %s", ids[i],
			    entry_err.msg);
			if (counts.unreadable++ == 0)
				first = entry_err;
			continue;
		}
		rc = count_envelope(&counts, &env);
		envelope_free(&env);
	}
	queue_ids_free(ids, nids);
	if (rc == 0)
		print_counts(out, &counts, now);
	free(counts.domains);
	if (rc != 0)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	if (counts.unreadable > 0)
		return list_unreadable_error(counts.unreadable, &first, err);
	return 0;
}
