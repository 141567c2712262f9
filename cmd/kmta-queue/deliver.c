#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "add.h"
#include "buf.h"
#include "child.h"
#include "deliver.h"
#include "fsio.h"
#include "log.h"
#include "program.h"
#include "submit.h"

const char *
queue_program(const char *name, const char *env_var, char *path,
    size_t pathlen)
{
	const char *env = getenv(env_var);

	if (env != NULL && *env != '\0')
		return env;
	return submit_check_program(name,
	    kmta_sibling_program(name, path, pathlen));
}

static bool
is_pending(const struct rcpt *r)
{
	return r->state == RCPT_QUEUED || r->state == RCPT_DEFERRED;
}

/*
 * The batch list for one domain: a line per message with pending
 * recipients there, MESSAGE-FILE TAB SENDER TAB RCPT..., as kmta-send
 * --batch reads it.
 */
static int
batch_list(const struct deliver_item *items, size_t n, const char *domain,
    struct kmta_buf *list)
{
	const struct envelope *env;
	size_t i, j, in_line;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		env = &items[i].env;
		in_line = 0;
		for (j = 0; j < env->nrcpts && rc == 0; j++) {
			if (!is_pending(&env->rcpts[j]) || strcasecmp(domain,
			    address_domain(env->rcpts[j].addr)) != 0)
				continue;
			if (in_line++ == 0)
				rc = kmta_buf_printf(list, "%s\t%s", items[i].path,
				    env->sender[0] ? env->sender : "<>");
			if (rc == 0)
				rc = kmta_buf_printf(list, "\t%s",
				    env->rcpts[j].addr);
		}
		if (in_line > 0 && rc == 0)
			rc = kmta_buf_puts(list, "\n");
	}
	return rc;
}

static void
record_result(struct deliver_item *items, size_t n,
    const struct send_result *res, time_t now)
{
	char addr[QUEUE_ADDR_MAX];
	struct rcpt *r;
	size_t i, j;

	snprintf(addr, sizeof(addr), "%s", res->rcpt);
	add_strip_brackets(addr);
	for (i = 0; i < n; i++) {
		if (strcmp(items[i].path, res->msgref) != 0)
			continue;
		for (j = 0; j < items[i].env.nrcpts; j++) {
			r = &items[i].env.rcpts[j];
			if (items[i].reported[j] || !is_pending(r) ||
			    strcasecmp(r->addr, addr) != 0)
				continue;
			items[i].reported[j] = true;
			r->state = res->outcome == SEND_DELIVERED ?
			    RCPT_DELIVERED : res->outcome == SEND_FAILED ?
			    RCPT_FAILED : RCPT_DEFERRED;
			r->attempts++;
			r->last_attempt = now;
			snprintf(r->code, sizeof(r->code), "%s", res->code);
			snprintf(r->esc, sizeof(r->esc), "%s", res->esc);
			snprintf(r->host, sizeof(r->host), "%s", res->host);
			snprintf(r->text, sizeof(r->text), "%s", res->text);
			return;
		}
	}
	kmta_warn("kmta-send reported an unknown message or recipient: "
	    "%s <%s>", res->msgref, addr);
}

static void
read_results(int fd, struct deliver_item *items, size_t n, time_t now)
{
	struct send_result res;
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = fdopen(fd, "r");

	if (fp == NULL) {
		close(fd);
		return;
	}
	while (getline(&line, &cap, fp) != -1) {
		if (send_result_parse(line, &res) == 0)
			record_result(items, n, &res, now);
		else
			kmta_warn("invalid result line from kmta-send ignored");
	}
	free(line);
	fclose(fp);
}

/* Run kmta-send [-c CONF] --batch with list_fd on its standard input. */
static int
run_kmta_send(int list_fd, const char *conf_path, struct deliver_item *items,
    size_t n, time_t now, struct kmta_err *err)
{
	char *argv[5], program[PATH_MAX];
	int out_fd, argc = 0;
	pid_t pid;

	argv[argc++] = (char *)queue_program("kmta-send", "KMTA_SEND",
	    program, sizeof(program));
	if (conf_path != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = (char *)conf_path;
	}
	argv[argc++] = "--batch";
	argv[argc] = NULL;

	if (child_start(argv, list_fd, &pid, &out_fd, err) == -1)
		return -1;
	read_results(out_fd, items, n, now);
	return child_wait(pid);
}

/*
 * Take one of the max_connections slots of a domain: flock(2) on
 * lock/DOMAIN.N, held while kmta-send runs. The limit counts concurrent
 * kmta-send runs for the domain, which is the number of connections as
 * long as kmta-send keeps one SMTP session open at a time. When every
 * slot is taken, wait for one. Return the slot's fd, or -1 when there is
 * no limit or no slot file could be opened.
 */
static int
take_connection_slot(struct queue *q, const struct kmta_conf *conf,
    const char *domain)
{
	long limit = kmta_conf_domain_num(conf, domain, "max_connections", 0);
	char name[QUEUE_ADDR_MAX], path[QUEUE_ADDR_MAX + 32];
	size_t i;
	long slot;
	int fd;

	if (limit <= 0 || kmta_mkdir_exist_ok(q->dirfd, "lock", 0700,
	    NULL) == -1)
		return -1;
	/* The domain comes from an address, so keep it to file-name bytes. */
	for (i = 0; domain[i] != '\0' && i < sizeof(name) - 1; i++)
		name[i] = (isalnum((unsigned char)domain[i]) ||
		    domain[i] == '-' || domain[i] == '.') ?
		    (char)tolower((unsigned char)domain[i]) : '_';
	name[i] = '\0';

	for (slot = 0; slot <= limit; slot++) {
		/* The last round waits on one slot, chosen by pid. */
		long n = slot < limit ? slot : (long)getpid() % limit;

		snprintf(path, sizeof(path), "lock/%s.%ld", name, n);
		fd = openat(q->dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd == -1)
			return -1;
		if (flock(fd, slot < limit ? LOCK_EX | LOCK_NB : LOCK_EX) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* The batch list goes through an unnamed file in tmp/, so that neither
 * side of a pipe can block the other while kmta-send reads its input. */
static int
deliver_domain(struct queue *q, struct deliver_item *items, size_t n,
    const char *domain, const char *conf_path,
    const struct kmta_conf *conf, time_t now, struct kmta_err *err)
{
	struct kmta_buf list = { 0 };
	int fd, slot_fd, status = -1;
	size_t i;

	if (batch_list(items, n, domain, &list) == -1) {
		kmta_buf_free(&list);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	fd = kmta_open_unnamed(q->dirfd, "tmp", err);
	if (fd == -1 || kmta_write_all(fd, list.data, list.len, "batch list",
	    err) == -1 || lseek(fd, 0, SEEK_SET) == -1) {
		if (fd != -1)
			close(fd);
		kmta_buf_free(&list);
		return kmta_err_wrap(err, "queue %s: batch list", q->path);
	}
	kmta_buf_free(&list);
	slot_fd = take_connection_slot(q, conf, domain);
	status = run_kmta_send(fd, conf_path, items, n, now, err);
	if (slot_fd != -1)
		close(slot_fd);
	close(fd);
	for (i = 0; i < n; i++)
		items[i].status = status;
	return status == -1 ? -1 : 0;
}

/* Defer the pending recipients that got no result line. */
static void
defer_unreported(struct deliver_item *item, time_t now)
{
	struct rcpt *r;
	size_t i;

	for (i = 0; i < item->env.nrcpts; i++) {
		r = &item->env.rcpts[i];
		if (item->reported[i] || !is_pending(r))
			continue;
		r->state = RCPT_DEFERRED;
		r->attempts++;
		r->last_attempt = now;
		r->code[0] = r->esc[0] = r->host[0] = '\0';
		if (item->status < 0)
			snprintf(r->text, sizeof(r->text), "kmta-send could "
			    "not be run, no result");
		else if (item->status > 128)
			snprintf(r->text, sizeof(r->text), "kmta-send killed "
			    "by signal %d, no result", item->status - 128);
		else
			snprintf(r->text, sizeof(r->text), "kmta-send exited "
			    "with status %d, no result", item->status);
	}
}

/* The next domain with a pending unreported recipient, or NULL. */
static const char *
next_domain(const struct deliver_item *items, size_t n, bool **done)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < items[i].env.nrcpts; j++)
			if (!done[i][j] && is_pending(&items[i].env.rcpts[j]))
				return address_domain(items[i].env.rcpts[j].addr);
	return NULL;
}

/* Mark the recipients in domain as handed over. */
static void
mark_domain(const struct deliver_item *items, size_t n, bool **done,
    const char *domain)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < items[i].env.nrcpts; j++)
			if (strcasecmp(domain, address_domain(
			    items[i].env.rcpts[j].addr)) == 0)
				done[i][j] = true;
}

int
deliver_batch(struct queue *q, struct deliver_item *items, size_t n,
    const char *conf_path, const struct kmta_conf *conf, time_t now,
    struct kmta_err *err)
{
	char domain[QUEUE_ADDR_MAX];
	const char *next;
	bool **done = calloc(n, sizeof(*done));
	size_t i, runs = 0, failed = 0;

	for (i = 0; done != NULL && i < n; i++)
		if ((done[i] = calloc(items[i].env.nrcpts + 1, 1)) == NULL)
			break;
	if (done == NULL || i < n) {
		for (; done != NULL && i > 0; i--)
			free(done[i - 1]);
		free(done);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}

	while ((next = next_domain(items, n, done)) != NULL) {
		snprintf(domain, sizeof(domain), "%s", next);
		mark_domain(items, n, done, domain);
		runs++;
		if (deliver_domain(q, items, n, domain, conf_path, conf, now,
		    err) == -1) {
			kmta_error("deliver to %s: %s", domain, err->msg);
			failed++;
		}
	}
	for (i = 0; i < n; i++) {
		defer_unreported(&items[i], now);
		free(done[i]);
	}
	free(done);
	return runs > 0 && failed == runs ? -1 : 0;
}
