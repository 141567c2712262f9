/*
 * vault: key sources for kmta-sign, through kmta-secret.
 *
 * kmta-sign does not link the in-process Vault client, because loading
 * libcurl and its dependencies cost each one-process-per-message run
 * about 2.5 ms even when the key was a local file (bench/run on a 2-core
 * virtual machine, bench/RESULTS.md). A vault: source instead runs
 *
 *   kmta-secret [-c FILE] get --json vault:MOUNT/PATH
 *   kmta-secret [-c FILE] put vault:MOUNT/PATH#FIELD    (genkey -o)
 *
 * with -c naming the config file that kmta-sign read, if any. kmta-secret
 * is the one in the directory of the running program (/proc/self/exe),
 * else the first on PATH. It inherits the environment (VAULT_ADDR,
 * VAULT_TOKEN and the rest). The secret comes back through a pipe into a
 * locked buffer that is wiped when freed, and a value to store goes to
 * kmta-secret's stdin, so no secret appears in an argv. A failure keeps
 * kmta-secret's exit status (a sysexits code) and its last message, and
 * its other stderr lines (warnings) are copied to kmta-sign's stderr.
 *
 * A secret is read whole and kept for [vault] cache_ttl (60 s by default),
 * so two signatures whose keys are two fields of one secret cost one run
 * and one Vault read, as with the in-process client.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "program.h"
#include "secretexec.h"

#define SECRET_PROGRAM "kmta-secret"
#define MESSAGES_MAX 4096	/* kmta-secret's stderr kept for errors */
#define OUTPUT_START 16384	/* first size of the stdout buffer */
#define CACHE_MAX 16
#define CACHE_TTL_DEFAULT 60	/* seconds, as in vault_settings.c */

extern char **environ;

/* The input and outputs of one kmta-secret run. */
struct child_io {
	const unsigned char *input;	/* for stdin; NULL: /dev/null */
	size_t input_len;
	struct kmta_secret output;	/* stdout */
	char messages[MESSAGES_MAX];	/* stderr, cut at MESSAGES_MAX - 1 */
	size_t messages_len;
};

/* One secret's fields as the JSON text from `kmta-secret get --json`. */
struct cache_entry {
	char path[PATH_MAX];		/* MOUNT/PATH; "" when free */
	struct kmta_secret json;
	time_t fetched;			/* CLOCK_MONOTONIC seconds */
};

static struct cache_entry cache[CACHE_MAX];

/*
 * Store in path the kmta-secret next to the running program, or
 * SECRET_PROGRAM alone (searched on PATH) when there is none.
 */
static void
find_program(char *path, size_t size)
{
	char found[PATH_MAX];

	snprintf(path, size, "%s", kmta_sibling_program(SECRET_PROGRAM, found,
	    sizeof(found)));
}

/* Grow out, a locked buffer, up to KMTA_SECRET_MAX bytes. */
static int
output_grow(struct kmta_secret *out)
{
	struct kmta_secret bigger;
	size_t cap = out->cap == 0 ? OUTPUT_START : out->cap * 2;

	if (cap > KMTA_SECRET_MAX)
		cap = KMTA_SECRET_MAX;
	if (kmta_secret_alloc(&bigger, cap) == -1)
		return -1;
	if (out->len > 0)
		memcpy(bigger.data, out->data, out->len);
	bigger.len = out->len;
	kmta_secret_free(out);
	*out = bigger;
	return 0;
}

/* Read what fd has into io, and close fd at end of file. */
static int
read_stdout(int *fd, struct child_io *io, struct kmta_err *err)
{
	struct kmta_secret *out = &io->output;
	ssize_t n;

	if (out->len == out->cap) {
		if (out->cap == KMTA_SECRET_MAX)
			return kmta_err_set(err, EX_DATAERR, "kmta-secret: "
			    "secret larger than %d bytes", KMTA_SECRET_MAX);
		if (output_grow(out) == -1)
			return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	n = read(*fd, out->data + out->len, out->cap - out->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == -1)
		return kmta_err_set(err, EX_IOERR, "read from kmta-secret: %s",
		    strerror(errno));
	if (n == 0) {
		close(*fd);
		*fd = -1;
	}
	out->len += (size_t)n;
	return 0;
}

static void
read_stderr(int *fd, struct child_io *io)
{
	char scratch[512];
	size_t room = sizeof(io->messages) - 1 - io->messages_len;
	ssize_t n;

	if (room == 0)
		n = read(*fd, scratch, sizeof(scratch));
	else
		n = read(*fd, io->messages + io->messages_len, room);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (room > 0)
		io->messages_len += (size_t)n;
	io->messages[io->messages_len] = '\0';
}

static void
write_stdin(int *fd, struct child_io *io, size_t *written)
{
	ssize_t n;

	if (*written < io->input_len) {
		n = write(*fd, io->input + *written, io->input_len - *written);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n > 0) {
			*written += (size_t)n;
			if (*written < io->input_len)
				return;
		}
	}
	/* Done, or kmta-secret stopped reading. Its exit status says why. */
	close(*fd);
	*fd = -1;
}

/*
 * Move data between kmta-secret and io until it closes its stdout and
 * stderr. poll(2) keeps a full stderr pipe from blocking its stdout.
 */
static int
exchange(int fds[3], struct child_io *io, struct kmta_err *err)
{
	struct pollfd p[3];
	size_t written = 0;
	int i, n, rc = 0;

	while (fds[1] != -1 || fds[2] != -1) {
		for (i = 0; i < 3; i++) {
			p[i].fd = fds[i];
			p[i].events = i == 0 ? POLLOUT : POLLIN;
			p[i].revents = 0;
		}
		n = poll(p, 3, -1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = kmta_err_set(err, EX_OSERR, "poll: %s",
			    strerror(errno));
			break;
		}
		if (fds[0] != -1 && p[0].revents != 0)
			write_stdin(&fds[0], io, &written);
		if (fds[1] != -1 && p[1].revents != 0 &&
		    read_stdout(&fds[1], io, err) == -1) {
			rc = -1;
			break;
		}
		if (fds[2] != -1 && p[2].revents != 0)
			read_stderr(&fds[2], io);
	}
	for (i = 0; i < 3; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return rc;
}

static void
close_pipes(int pipes[3][2])
{
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			if (pipes[i][j] != -1)
				close(pipes[i][j]);
}

/*
 * Start kmta-secret with argv and pipes for its stdin (when io->input is
 * set), stdout and stderr. fds gets kmta-sign's ends of the pipes.
 */
static int
spawn(char **argv, const struct child_io *io, pid_t *pid, int fds[3],
    struct kmta_err *err)
{
	int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	posix_spawn_file_actions_t actions;
	char path[PATH_MAX];
	int i, rc;

	for (i = io->input != NULL ? 0 : 1; i < 3; i++)
		if (pipe2(pipes[i], O_CLOEXEC) == -1) {
			close_pipes(pipes);
			return kmta_err_set(err, EX_OSERR, "pipe: %s",
			    strerror(errno));
		}

	/* kmta-sign's own stdin is the message: never hand it on. */
	posix_spawn_file_actions_init(&actions);
	if (io->input != NULL)
		posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0);
	else
		posix_spawn_file_actions_addopen(&actions, 0, "/dev/null",
		    O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1);
	posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2);

	find_program(path, sizeof(path));
	rc = strchr(path, '/') != NULL ?
	    posix_spawn(pid, path, &actions, NULL, argv, environ) :
	    posix_spawnp(pid, path, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0) {
		close_pipes(pipes);
		return kmta_err_set(err, EX_UNAVAILABLE, "run %s: %s; install "
		    "it next to kmta-sign or on PATH to use vault: key sources",
		    path, strerror(rc));
	}

	fds[0] = pipes[0][1];
	fds[1] = pipes[1][0];
	fds[2] = pipes[2][0];

	/* A value over the pipe's capacity must not block the stderr reads. */
	if (fds[0] != -1)
		fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	pipes[0][1] = pipes[1][0] = pipes[2][0] = -1;
	close_pipes(pipes);
	return 0;
}

/*
 * Write kmta-secret's stderr lines to ours, except the last one when it
 * failed, which becomes err's message without the "kmta-secret: " prefix.
 */
static void
pass_messages(struct child_io *io, int failed, struct kmta_err *err)
{
	static const char prefix[] = SECRET_PROGRAM ": ";
	char *last;

	while (io->messages_len > 0 &&
	    io->messages[io->messages_len - 1] == '\n')
		io->messages[--io->messages_len] = '\0';
	last = strrchr(io->messages, '\n');
	last = last != NULL ? last + 1 : io->messages;

	if (failed && last[0] != '\0' && err != NULL) {
		if (strncmp(last, prefix, sizeof(prefix) - 1) == 0)
			kmta_err_set(err, err->code, "%s",
			    last + sizeof(prefix) - 1);
		else
			kmta_err_set(err, err->code, "%s", last);
		*last = '\0';
	}
	if (io->messages[0] != '\0')
		fprintf(stderr, "%s%s", io->messages,
		    failed && last != io->messages ? "" : "\n");
}

/* Fill err from kmta-secret's wait status after a failed run. */
static void
status_error(int status, const char *command, const char *src,
    struct kmta_err *err)
{
	int code;

	if (WIFSIGNALED(status)) {
		kmta_err_set(err, EX_SOFTWARE, "%s %s %s: killed by signal %d",
		    SECRET_PROGRAM, command, src, WTERMSIG(status));
		return;
	}
	code = WEXITSTATUS(status);
	kmta_err_set(err, code >= EX__BASE && code <= EX__MAX ? code :
	    EX_SOFTWARE, "%s %s %s: exit status %d", SECRET_PROGRAM, command,
	    src, code);
}

/*
 * Run `kmta-secret [-c FILE] COMMAND [--json] SOURCE`. On failure err
 * gets kmta-secret's exit status and its last message.
 */
static int
run_secret(const struct kmta_conf *conf, const char *command, int json,
    const char *src, struct child_io *io, struct kmta_err *err)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, saved;
	int fds[3] = { -1, -1, -1 };
	char *argv[7];
	int argc = 0, status, rc;
	pid_t pid;

	argv[argc++] = (char *)SECRET_PROGRAM;
	if (conf != NULL && conf->path != NULL) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = conf->path;
	}
	argv[argc++] = (char *)command;
	if (json)
		argv[argc++] = (char *)"--json";
	argv[argc++] = (char *)src;
	argv[argc] = NULL;

	memset(&io->output, 0, sizeof(io->output));
	io->messages[0] = '\0';
	io->messages_len = 0;

	/* A kmta-secret that exits before reading stdin must not kill us. */
	sigaction(SIGPIPE, &ignore, &saved);
	if (spawn(argv, io, &pid, fds, err) == -1) {
		sigaction(SIGPIPE, &saved, NULL);
		return -1;
	}
	rc = exchange(fds, io, err);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	sigaction(SIGPIPE, &saved, NULL);

	if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		pass_messages(io, 0, err);
		return 0;
	}
	kmta_secret_free(&io->output);
	if (rc == -1)
		return -1;
	status_error(status, command, src, err);
	pass_messages(io, 1, err);
	return -1;
}

/* Split vault:MOUNT/PATH#FIELD (already checked) into path and field. */
static int
split_source(const char *src, char *path, size_t size, const char **field,
    struct kmta_err *err)
{
	const char *start = src + strlen("vault:");
	const char *hash = strchr(start, '#');
	size_t len = hash != NULL ? (size_t)(hash - start) : strlen(start);

	if (len >= size)
		return kmta_err_set(err, EX_USAGE, "invalid key source \"%s\": "
		    "path too long", src);
	memcpy(path, start, len);
	path[len] = '\0';
	*field = hash != NULL ? hash + 1 : "key";
	return 0;
}

static void
cache_wipe(void)
{
	size_t i;

	for (i = 0; i < CACHE_MAX; i++) {
		kmta_secret_free(&cache[i].json);
		cache[i].path[0] = '\0';
	}
}

/* The cached secret at path, or NULL when it is missing or expired. */
static struct cache_entry *
cache_find(const struct kmta_conf *conf, const char *path)
{
	long ttl = kmta_conf_num(conf, "vault", "cache_ttl",
	    CACHE_TTL_DEFAULT);
	size_t i;

	for (i = 0; i < CACHE_MAX; i++) {
		if (strcmp(cache[i].path, path) != 0)
			continue;
		if (kmta_monotonic_seconds() - cache[i].fetched < ttl)
			return &cache[i];
		kmta_secret_free(&cache[i].json);
		cache[i].path[0] = '\0';
	}
	return NULL;
}

/* Keep json for path, taking ownership, unless the cache is full. */
static struct cache_entry *
cache_add(const char *path, struct kmta_secret *json)
{
	static int registered;
	size_t i;

	if (!registered)
		registered = atexit(cache_wipe) == 0;
	for (i = 0; i < CACHE_MAX; i++) {
		if (cache[i].path[0] != '\0')
			continue;
		snprintf(cache[i].path, sizeof(cache[i].path), "%s", path);
		cache[i].json = *json;
		cache[i].fetched = kmta_monotonic_seconds();
		memset(json, 0, sizeof(*json));
		return &cache[i];
	}
	return NULL;
}

static void
cache_forget(const char *path)
{
	size_t i;

	for (i = 0; i < CACHE_MAX; i++)
		if (strcmp(cache[i].path, path) == 0) {
			kmta_secret_free(&cache[i].json);
			cache[i].path[0] = '\0';
		}
}

static int
secretexec_load(const struct kmta_conf *conf, const char *src,
    struct kmta_secret *out, struct kmta_err *err)
{
	struct cache_entry *e;
	struct child_io io = { 0 };
	char path[PATH_MAX], secret[PATH_MAX + 8];
	const char *field;
	int rc;

	memset(out, 0, sizeof(*out));
	if (split_source(src, path, sizeof(path), &field, err) == -1)
		return -1;
	if ((e = cache_find(conf, path)) != NULL)
		return secretexec_json_field(e->json.data, e->json.len, path,
		    field, out, err);

	/* The whole secret, so that its other fields need no second run. */
	snprintf(secret, sizeof(secret), "vault:%s", path);
	if (run_secret(conf, "get", 1, secret, &io, err) == -1)
		return -1;
	rc = secretexec_json_field(io.output.data, io.output.len, path, field,
	    out, err);
	if (cache_add(path, &io.output) == NULL)
		kmta_secret_free(&io.output);
	return rc;
}

static int
secretexec_store(const struct kmta_conf *conf, const char *src,
    const unsigned char *data, size_t len, struct kmta_err *err)
{
	struct child_io io = { 0 };
	char path[PATH_MAX];
	const char *field;
	int rc;

	if (split_source(src, path, sizeof(path), &field, err) == -1)
		return -1;
	io.input = data;
	io.input_len = len;
	rc = run_secret(conf, "put", 0, src, &io, err);
	kmta_secret_free(&io.output);
	cache_forget(path);
	return rc;
}

const struct keysource_vault_backend secretexec_backend = {
	.load = secretexec_load,
	.store = secretexec_store,
};
