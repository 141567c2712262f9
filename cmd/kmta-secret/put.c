#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "keysource.h"
#include "secret.h"

/* Read all of fd into a locked secret buffer, at most KMTA_SECRET_MAX. */
static int
read_value(int fd, const char *name, struct kmta_secret *s,
    struct kmta_err *err)
{
	ssize_t n;

	if (kmta_secret_alloc(s, KMTA_SECRET_MAX) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	while (s->len < s->cap) {
		n = read(fd, s->data + s->len, s->cap - s->len);
		if (n == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return kmta_err_set(err, EX_IOERR, "read %s: %s", name,
			    strerror(errno));
		s->len += (size_t)n;
	}
	if (s->len == s->cap)
		return kmta_err_set(err, EX_DATAERR, "%s: value larger than %d "
		    "bytes", name, KMTA_SECRET_MAX);
	if (s->len == 0)
		return kmta_err_set(err, EX_DATAERR, "%s: empty value; nothing "
		    "stored", name);
	return 0;
}

int
secret_put(const struct kmta_conf *conf, const char *src, int fd,
    const char *name, struct kmta_err *err)
{
	struct kmta_secret s;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = read_value(fd, name, &s, err);
	if (rc == 0)
		rc = keysource_store(conf, src, s.data, s.len, err);
	kmta_secret_free(&s);
	return rc;
}
