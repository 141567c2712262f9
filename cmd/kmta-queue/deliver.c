/* Running kmta-send for one message and recording what it reports. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "add.h"
#include "deliver.h"
#include "log.h"

const char *
deliver_program(void)
{
	static char beside[PATH_MAX];
	const char *env = getenv("KMTA_SEND");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(beside, sizeof(beside), "%s/kmta-send", self);
			if (access(beside, X_OK) == 0)
				return beside;
		}
	}
	return "kmta-send";
}

/* argv for kmta-send: [-c CONF] -f SENDER RCPT... for pending recipients. */
static char **
build_argv(const struct envelope *env, const char *conf_path)
{
	char **argv = calloc(env->nrcpts + 7, sizeof(*argv));
	size_t i, n = 0;

	if (argv == NULL)
		return NULL;
	argv[n++] = (char *)deliver_program();
	if (conf_path != NULL) {
		argv[n++] = "-c";
		argv[n++] = (char *)conf_path;
	}
	argv[n++] = "-f";
	argv[n++] = env->sender[0] != '\0' ? (char *)env->sender : "<>";
	argv[n++] = "--";
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == RCPT_QUEUED ||
		    env->rcpts[i].state == RCPT_DEFERRED)
			argv[n++] = env->rcpts[i].addr;
	argv[n] = NULL;
	return argv;
}

static pid_t
spawn(char **argv, int in_fd, int out_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (dup2(in_fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1)
		_exit(EX_OSERR);
	execvp(argv[0], argv);
	fprintf(stderr, "kmta-queue: run %s: %s\n", argv[0], strerror(errno));
	_exit(EX_UNAVAILABLE);
}

static void
record_result(struct envelope *env, const struct send_result *res,
    bool *reported, time_t now)
{
	char addr[QUEUE_ADDR_MAX];
	struct rcpt *r;
	size_t i;

	snprintf(addr, sizeof(addr), "%s", res->rcpt);
	add_strip_brackets(addr);
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (reported[i] || strcasecmp(r->addr, addr) != 0 ||
		    (r->state != RCPT_QUEUED && r->state != RCPT_DEFERRED))
			continue;
		reported[i] = true;
		r->state = res->outcome == SEND_DELIVERED ? RCPT_DELIVERED :
		    res->outcome == SEND_FAILED ? RCPT_FAILED : RCPT_DEFERRED;
		r->attempts++;
		r->last_attempt = now;
		snprintf(r->code, sizeof(r->code), "%s", res->code);
		snprintf(r->esc, sizeof(r->esc), "%s", res->esc);
		snprintf(r->host, sizeof(r->host), "%s", res->host);
		snprintf(r->text, sizeof(r->text), "%s", res->text);
		return;
	}
	kmta_warn("queue_id=%s kmta-send reported an unknown recipient: %s",
	    env->id, addr);
}

/* Pending recipients that got no result line are deferred. */
static void
defer_unreported(struct envelope *env, const bool *reported, int status,
    time_t now)
{
	struct rcpt *r;
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (reported[i] || (r->state != RCPT_QUEUED &&
		    r->state != RCPT_DEFERRED))
			continue;
		r->state = RCPT_DEFERRED;
		r->attempts++;
		r->last_attempt = now;
		r->code[0] = r->esc[0] = r->host[0] = '\0';
		if (status > 128)
			snprintf(r->text, sizeof(r->text), "kmta-send killed "
			    "by signal %d, no result", status - 128);
		else
			snprintf(r->text, sizeof(r->text), "kmta-send exited "
			    "with status %d, no result", status);
	}
}

static void
read_results(int fd, struct envelope *env, bool *reported, time_t now)
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
			record_result(env, &res, reported, now);
		else
			kmta_warn("queue_id=%s invalid result line from "
			    "kmta-send ignored", env->id);
	}
	free(line);
	fclose(fp);
}

static int
wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return EX_OSERR;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int
deliver_message(struct queue *q, struct envelope *env, const char *conf_path,
    time_t now, struct kmta_err *err)
{
	char path[64], **argv = NULL;
	int in_fd = -1, pipe_fd[2] = { -1, -1 }, status = -1;
	bool *reported = calloc(env->nrcpts, sizeof(*reported));
	pid_t pid;

	snprintf(path, sizeof(path), "msg/%s", env->id);
	argv = build_argv(env, conf_path);
	if (reported == NULL || argv == NULL) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	in_fd = openat(q->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (in_fd == -1 || pipe2(pipe_fd, O_CLOEXEC) == -1) {
		kmta_err_set(err, kmta_errno_code(errno), "queue id %s: %s",
		    env->id, strerror(errno));
		goto out;
	}

	pid = spawn(argv, in_fd, pipe_fd[1]);
	close(pipe_fd[1]);
	pipe_fd[1] = -1;
	if (pid == -1) {
		kmta_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
		goto out;
	}
	read_results(pipe_fd[0], env, reported, now);
	pipe_fd[0] = -1;
	status = wait_status(pid);
	defer_unreported(env, reported, status, now);
out:
	if (pipe_fd[0] != -1)
		close(pipe_fd[0]);
	if (pipe_fd[1] != -1)
		close(pipe_fd[1]);
	if (in_fd != -1)
		close(in_fd);
	free(argv);
	free(reported);
	return status;
}
