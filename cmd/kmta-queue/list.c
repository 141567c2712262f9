#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "list.h"
#include "log.h"

static void
print_text(FILE *out, const struct envelope *env)
{
	char arrival[32];
	const struct rcpt *r;
	struct tm tm;
	size_t i;

	localtime_r(&env->arrival, &tm);
	strftime(arrival, sizeof(arrival), "%a %b %e %H:%M:%S", &tm);
	fprintf(out, "%-18s%c %9zu %s  %s\n", env->id, env->hold ? '!' : ' ',
	    env->size, arrival, env->sender[0] ? env->sender :
	    "MAILER-DAEMON");
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		fprintf(out, "%49s%s  %s", "", r->addr,
		    rcpt_state_name(r->state));
		if (r->attempts > 0)
			fprintf(out, " (attempts %d)", r->attempts);
		if (r->text[0] != '\0')
			fprintf(out, ": %s%s%s%s%s%s%s", r->host,
			    r->host[0] ? " " : "", r->code,
			    r->code[0] ? " " : "", r->esc,
			    r->esc[0] ? " " : "", r->text);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void
json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
print_json(FILE *out, const struct envelope *env)
{
	const struct rcpt *r;
	size_t i;

	fputs("{\"id\":", out);
	json_string(out, env->id);
	fputs(",\"sender\":", out);
	json_string(out, env->sender);
	fprintf(out, ",\"size\":%zu,\"arrival\":%lld,\"next_attempt\":%lld,"
	    "\"attempts\":%d,\"hold\":%s,\"recipients\":[", env->size,
	    (long long)env->arrival, (long long)env->next_attempt,
	    env->attempts, env->hold ? "true" : "false");
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		fprintf(out, "%s{\"address\":", i ? "," : "");
		json_string(out, r->addr);
		fprintf(out, ",\"state\":\"%s\",\"attempts\":%d,"
		    "\"last_attempt\":%lld,\"code\":", rcpt_state_name(r->state),
		    r->attempts, (long long)r->last_attempt);
		json_string(out, r->code);
		fputs(",\"enhanced_status\":", out);
		json_string(out, r->esc);
		fputs(",\"host\":", out);
		json_string(out, r->host);
		fputs(",\"text\":", out);
		json_string(out, r->text);
		fputc('}', out);
	}
	fputs("]}", out);
}

int
list_load_entry(struct queue *q, const char *id, struct envelope *env,
    struct kmta_err *err)
{
	char msg_path[64], env_path[64];
	int fd, saved;

	if (store_load_envelope(q, id, env, err) == -1)
		return -1;
	snprintf(msg_path, sizeof(msg_path), "msg/%s", id);
	fd = openat(q->dirfd, msg_path, O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		close(fd);
		return 0;
	}
	saved = errno;
	envelope_free(env);

	/* Removal and quarantine also take env/ID away, so a message file
	 * missing along with its envelope means the message left the queue. */
	snprintf(env_path, sizeof(env_path), "env/%s", id);
	if (saved == ENOENT && faccessat(q->dirfd, env_path, F_OK,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return kmta_err_set(err, EX_NOINPUT,
		    "queue id %s: not in the queue", id);
	if (saved == ENOENT)
		return kmta_err_set(err, EX_DATAERR, "open %s: message file "
		    "missing while its envelope exists", msg_path);
	return kmta_err_set(err, kmta_errno_code(saved), "open %s: %s",
	    msg_path, strerror(saved));
}

static void
print_unreadable_text(FILE *out, const char *id, const char *reason)
{
	fprintf(out, "%-18s? unreadable: %s\n\n", id, reason);
}

static void
print_unreadable_json(FILE *out, const char *id, const char *reason)
{
	fputs("{\"id\":", out);
	json_string(out, id);
	fputs(",\"error\":", out);
	json_string(out, reason);
	fputc('}', out);
}

static void
print_total(FILE *out, size_t bytes, size_t shown, size_t unreadable)
{
	if (shown == 0 && unreadable == 0) {
		fputs("Mail queue is empty\n", out);
		return;
	}
	fprintf(out, "-- %zu Kbytes in %zu Request%s", (bytes + 1023) / 1024,
	    shown, shown == 1 ? "" : "s");
	if (unreadable > 0)
		fprintf(out, ", %zu unreadable", unreadable);
	fputs(".\n", out);
}

/*
 * Report the unreadable entries as one error that gives their count and
 * the first one, whose code becomes the exit status.
 */
int
list_unreadable_error(size_t unreadable, const struct kmta_err *first,
    struct kmta_err *err)
{
	return kmta_err_set(err, first->code, "%zu queue entr%s could not be "
	    "read (first: %s)", unreadable, unreadable == 1 ? "y" : "ies",
	    first->msg);
}

int
list_queue(struct queue *q, FILE *out, bool json, struct kmta_err *err)
{
	struct kmta_err entry_err = { 0 }, first = { 0 };
	struct envelope env;
	char **ids;
	size_t nids, i, shown = 0, unreadable = 0, bytes = 0;

	if (queue_ids(q, &ids, &nids, err) == -1)
		return -1;
	if (json)
		fputc('[', out);
	else if (nids > 0)
		fprintf(out, "%-18s  %9s %-19s  %s\n", "-Queue ID-", "-Size-",
		    "-Arrival Time-", "-Sender/Recipient-------");
	for (i = 0; i < nids; i++) {
		if (list_load_entry(q, ids[i], &env, &entry_err) == -1) {
			/* A message removed since the scan is simply not
			 * listed, but one that is there and cannot be read
			 * is shown, so nothing in the queue is hidden. */
			if (entry_err.code == EX_NOINPUT)
				continue;
			if (unreadable++ == 0)
				first = entry_err;
			if (json) {
				fputs(shown + unreadable > 1 ? ",\n" : "\n",
				    out);
				print_unreadable_json(out, ids[i],
				    entry_err.msg);
			} else {
				print_unreadable_text(out, ids[i],
				    entry_err.msg);
			}
			continue;
		}
		if (json) {
			fputs(shown + unreadable > 0 ? ",\n" : "\n", out);
			print_json(out, &env);
		} else {
			print_text(out, &env);
		}
		shown++;
		bytes += env.size;
		envelope_free(&env);
	}
	queue_ids_free(ids, nids);
	if (json)
		fputs(shown + unreadable > 0 ? "\n]\n" : "]\n", out);
	else
		print_total(out, bytes, shown, unreadable);
	if (unreadable > 0)
		return list_unreadable_error(unreadable, &first, err);
	return 0;
}

int
list_show(struct queue *q, const char *id, FILE *out, struct kmta_err *err)
{
	struct envelope env;
	char path[64], chunk[65536];
	ssize_t n;
	int fd;

	if (store_load_envelope(q, id, &env, err) == -1)
		return -1;
	print_text(out, &env);
	envelope_free(&env);

	snprintf(path, sizeof(path), "msg/%s", id);
	fd = openat(q->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "queue id %s: open %s: %s", id, path, strerror(errno));
	fflush(out);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, out);
	close(fd);
	return n < 0 ? kmta_err_set(err, EX_IOERR, "read %s: %s", path,
	    strerror(errno)) : 0;
}
