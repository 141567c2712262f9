#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
kmta_err_set(struct kmta_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
kmta_err_wrap(struct kmta_err *err, const char *fmt, ...)
{
	char prefix[KMTA_ERR_MAX];
	char old[KMTA_ERR_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}

int
kmta_errno_code(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return EX_NOINPUT;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case ENOSPC:
	case EDQUOT:
	case EAGAIN:
	case EINTR:
	case ENOMEM:
		return EX_TEMPFAIL;
	case EIO:
		return EX_IOERR;
	default:
		return EX_OSERR;
	}
}
