#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keysource.h"
#include "secret.h"
#include "vault.h"

/* Pipe read ends wait above this fd until they move to their targets. */
#define FD_PARK 1024
#define FD_TARGET_MAX 1023

static bool
env_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int
secret_binding_parse(const char *arg, bool is_fd, struct secret_binding *b,
    struct kmta_err *err)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : 0;
	char *end;
	long n;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (eq == NULL || eq[1] == '\0')
		return kmta_err_set(err, EX_USAGE, "%s: invalid binding \"%s\": "
		    "expected %s=SOURCE", is_fd ? "--fd" : "-e", arg,
		    is_fd ? "N" : "NAME");
	b->src = eq + 1;
	if (is_fd) {
		n = strtol(arg, &end, 10);
		if (end != eq || n < 3 || n > FD_TARGET_MAX)
			return kmta_err_set(err, EX_USAGE, "--fd: invalid file "
			    "descriptor in \"%.*s\": expected 3 to %d",
			    (int)len, arg, FD_TARGET_MAX);
		b->fd = (int)n;
		return 0;
	}
	if (!env_name_valid(arg, len) || len >= sizeof(b->name))
		return kmta_err_set(err, EX_USAGE, "-e: invalid variable name "
		    "\"%.*s\"", (int)len, arg);
	memcpy(b->name, arg, len);
	return 0;
}

static int
bind_env(const struct secret_binding *b, const struct kmta_secret *s,
    struct kmta_err *err)
{
	if (memchr(s->data, '\0', s->len) != NULL)
		return kmta_err_set(err, EX_DATAERR, "-e %s=%s: the secret "
		    "contains a NUL byte, which an environment variable cannot "
		    "hold; use --fd", b->name, b->src);
	if (setenv(b->name, (const char *)s->data, 1) == -1)
		return kmta_err_set(err, EX_OSERR, "setenv %s: %s", b->name,
		    strerror(errno));
	return 0;
}

/*
 * Fill a pipe with the whole secret and close its write end, so the
 * command reads the secret and then EOF without a writer process. The
 * pipe is grown to fit, up to /proc/sys/fs/pipe-max-size.
 */
static int
bind_pipe(const struct secret_binding *b, const struct kmta_secret *s,
    int *parked, struct kmta_err *err)
{
	int p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) == -1)
		return kmta_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	if (s->len > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)s->len) == -1) {
		close(p[0]);
		close(p[1]);
		return kmta_err_set(err, EX_DATAERR, "--fd %d=%s: %zu bytes do "
		    "not fit in a pipe: %s", b->fd, b->src, s->len,
		    strerror(errno));
	}
	do
		n = write(p[1], s->data, s->len);
	while (n == -1 && errno == EINTR);
	close(p[1]);
	if (n != (ssize_t)s->len) {
		close(p[0]);
		return kmta_err_set(err, EX_OSERR, "--fd %d=%s: write to pipe "
		    "failed", b->fd, b->src);
	}

	*parked = fcntl(p[0], F_DUPFD_CLOEXEC, FD_PARK);
	close(p[0]);
	if (*parked == -1)
		return kmta_err_set(err, EX_OSERR, "fcntl F_DUPFD: %s",
		    strerror(errno));
	return 0;
}

/* Move the parked pipe ends to their target fds (without FD_CLOEXEC). */
static int
place_pipes(const struct secret_binding *bindings, const int *parked,
    int count, struct kmta_err *err)
{
	int i;

	for (i = 0; i < count; i++) {
		if (bindings[i].fd < 0)
			continue;
		if (dup2(parked[i], bindings[i].fd) == -1)
			return kmta_err_set(err, EX_OSERR, "dup2 to fd %d: %s",
			    bindings[i].fd, strerror(errno));
		close(parked[i]);
	}
	return 0;
}

static int
bind_all(const struct kmta_conf *conf, const struct secret_binding *bindings,
    int count, int *parked, struct kmta_err *err)
{
	struct kmta_secret s;
	int i, rc;

	for (i = 0; i < count; i++) {
		if (keysource_load(conf, bindings[i].src, &s, err) == -1)
			return -1;
		rc = bindings[i].fd >= 0 ?
		    bind_pipe(&bindings[i], &s, &parked[i], err) :
		    bind_env(&bindings[i], &s, err);
		kmta_secret_free(&s);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
secret_exec(const struct kmta_conf *conf,
    const struct secret_binding *bindings, int count, char **argv,
    struct kmta_err *err)
{
	int *parked = calloc((size_t)count + 1, sizeof(*parked));

	if (parked == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	if (bind_all(conf, bindings, count, parked, err) == -1 ||
	    place_pipes(bindings, parked, count, err) == -1) {
		free(parked);
		return -1;
	}
	free(parked);

	/*
	 * Close the Vault connection and wipe the token and cached secrets.
	 * curl's sockets are not close-on-exec, so the command would
	 * otherwise inherit the connection and keep it open.
	 */
	vault_cleanup();
	execvp(argv[0], argv);
	return kmta_err_set(err, errno == ENOENT ? EX_UNAVAILABLE :
	    errno == EACCES ? EX_NOPERM : EX_OSERR, "execute %s: %s", argv[0],
	    strerror(errno));
}
