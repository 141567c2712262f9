#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

int
child_start(char *const argv[], int in_fd, pid_t *pid, int *out_fd,
    struct kmta_err *err)
{
	int out[2];

	if (pipe2(out, O_CLOEXEC) == -1)
		return kmta_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));

	*pid = fork();
	if (*pid == 0) {
		if (dup2(in_fd, STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1)
			_exit(EX_OSERR);
		execvp(argv[0], argv);
		fprintf(stderr, "kmta-queue: run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(EX_UNAVAILABLE);
	}

	close(out[1]);
	if (*pid == -1) {
		close(out[0]);
		return kmta_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
	}
	*out_fd = out[0];
	return 0;
}

int
child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return EX_OSERR;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
