#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "deliver.h"
#include "fsio.h"
#include "sign.h"

/* Read fd to its end into out. */
static int
read_output(int fd, struct kmta_buf *out)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || kmta_buf_append(out, chunk, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

/* The message goes to kmta-sign through an unnamed file in tmp/, so that
 * a large message cannot block both ends of a pair of pipes. */
int
sign_message(struct queue *q, const char *conf_path, struct kmta_buf *msg,
    struct kmta_err *err)
{
	char program[PATH_MAX], *argv[4];
	struct kmta_buf signed_msg = { 0 };
	int in_fd, out_fd, argc = 0, status, read_rc;
	pid_t pid;

	argv[argc++] = (char *)queue_program("kmta-sign", "KMTA_SIGN",
	    program, sizeof(program));
	if (conf_path != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = (char *)conf_path;
	}
	argv[argc] = NULL;

	in_fd = kmta_open_unnamed(q->dirfd, "tmp", err);
	if (in_fd == -1 || kmta_write_all(in_fd, msg->data, msg->len,
	    "message for kmta-sign", err) == -1)
		goto fail;
	if (lseek(in_fd, 0, SEEK_SET) == -1) {
		kmta_err_set(err, kmta_errno_code(errno), "%s",
		    strerror(errno));
		goto fail;
	}

	if (child_start(argv, in_fd, &pid, &out_fd, err) == -1)
		goto fail;
	close(in_fd);
	read_rc = read_output(out_fd, &signed_msg);
	close(out_fd);
	status = child_wait(pid);
	if (status > 127)
		status = EX_SOFTWARE;	/* killed by a signal */

	if (status != 0 || read_rc == -1 || signed_msg.len == 0) {
		kmta_buf_free(&signed_msg);
		return kmta_err_set(err, status != 0 ? status : EX_TEMPFAIL,
		    "sign: %s exited with status %d; the message was not "
		    "queued", argv[0], status);
	}
	kmta_buf_free(msg);
	*msg = signed_msg;
	return 0;

fail:
	if (in_fd != -1)
		close(in_fd);
	return kmta_err_wrap(err, "sign: queue %s", q->path);
}
