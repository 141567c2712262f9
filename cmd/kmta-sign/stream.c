#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "check.h"
#include "fsio.h"
#include "log.h"
#include "stream.h"

/* The body as read: in memory first, then in an unlinked file. */
struct spool {
	char *mem;
	size_t len;
	int fd;
};

static ssize_t
read_some(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n;
}

/* Offset just past the empty line that ends the header, or 0. */
static size_t
header_end(const char *data, size_t len)
{
	size_t i;

	if (len >= 1 && data[0] == '\n')
		return 1;
	if (len >= 2 && data[0] == '\r' && data[1] == '\n')
		return 2;
	for (i = 0; i + 1 < len; i++) {
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Read until the header's empty line (or the end of input). *head gets
 * every byte read and *read_len their count; *head_len ends just after
 * the empty line, so the bytes past it are the start of the body.
 */
static int
read_header(int fd, char **head, size_t *head_len, size_t *read_len,
    struct kmta_err *err)
{
	size_t len = 0, cap = STREAM_CHUNK, end = 0;
	char *buf = malloc(cap), *p;
	ssize_t n;

	while (buf != NULL) {
		if (len == cap) {
			if (cap > CHECK_HEADER_MAX) {
				free(buf);
				return kmta_err_set(err, EX_DATAERR, "header block "
				    "is over the %d-byte limit", CHECK_HEADER_MAX);
			}
			if ((p = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return kmta_err_set(err, EX_OSERR,
				    "out of memory");
			}
			buf = p;
			cap *= 2;
		}
		if ((n = read_some(fd, buf + len, cap - len)) == -1) {
			free(buf);
			return kmta_err_set(err, EX_IOERR, "read message: %s",
			    strerror(errno));
		}
		len += (size_t)n;
		/* Scan from the start, so an empty line split across reads
		 * is found. */
		if ((end = header_end(buf, len)) != 0 || n == 0)
			break;
	}
	if (buf == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");

	*head = buf;
	*head_len = end != 0 ? end : len;
	*read_len = len;
	return 0;
}

/* Keep body bytes: in memory up to SPOOL_MEMORY_MAX, then in a file. */
static int
spool_write(struct spool *sp, const char *data, size_t len,
    struct kmta_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (sp->fd == -1 && sp->len + len <= SPOOL_MEMORY_MAX) {
		if (sp->mem == NULL && (sp->mem = malloc(SPOOL_MEMORY_MAX)) == NULL)
			return kmta_err_set(err, EX_OSERR, "out of memory");
		memcpy(sp->mem + sp->len, data, len);
		sp->len += len;
		return 0;
	}
	if (sp->fd == -1) {
		snprintf(path, sizeof(path), "%s/kmta-sign.XXXXXX",
		    dir != NULL && *dir != '\0' ? dir : "/tmp");
		if ((sp->fd = mkstemp(path)) == -1)
			return kmta_err_set(err, EX_IOERR, "create spool file "
			    "%s: %s", path, strerror(errno));
		unlink(path);
		if (kmta_write_all(sp->fd, sp->mem, sp->len, "spool file",
		    err) == -1)
			return -1;
		free(sp->mem);
		sp->mem = NULL;
	}
	return kmta_write_all(sp->fd, data, len, "spool file", err);
}

/* Copy the spooled body to out_fd. */
static int
spool_copy(struct spool *sp, int out_fd, struct kmta_err *err)
{
	char buf[STREAM_CHUNK];
	ssize_t n;

	if (sp->fd == -1)
		return kmta_write_all(out_fd, sp->mem, sp->len, "output", err);
	if (lseek(sp->fd, 0, SEEK_SET) == -1)
		return kmta_err_set(err, EX_IOERR, "rewind spool file: %s",
		    strerror(errno));
	while ((n = read_some(sp->fd, buf, sizeof(buf))) > 0)
		if (kmta_write_all(out_fd, buf, (size_t)n, "output", err) == -1)
			return -1;
	if (n == -1)
		return kmta_err_set(err, EX_IOERR, "read spool file: %s",
		    strerror(errno));
	return 0;
}

/* Pass one chunk of body to every hasher and to the spool. */
static int
body_chunk(struct body_hasher *hashers, size_t count, struct spool *sp,
    const char *data, size_t len, struct kmta_err *err)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (body_hasher_feed(&hashers[i], data, len) == -1)
			return kmta_err_set(err, EX_SOFTWARE,
			    "SHA-256 of the body failed");
	return spool_write(sp, data, len, err);
}

/*
 * Read the rest of the body, hash it once per signature, and store each
 * bh= in the job's requests (bh[i] must outlive the job's use).
 */
static int
read_body(int fd, struct sign_job *job, struct spool *sp, const char *first,
    size_t first_len, char (*bh)[64], struct kmta_err *err)
{
	struct body_hasher *hashers = calloc(job->count + 1, sizeof(*hashers));
	char *buf = malloc(STREAM_CHUNK);
	size_t i, started = 0;
	ssize_t n = 0;
	int rc = -1;

	if (hashers == NULL || buf == NULL) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto done;
	}
	for (; started < job->count; started++)
		if (body_hasher_start(&hashers[started],
		    job->req[started].body_canon, -1) == -1) {
			kmta_err_set(err, EX_SOFTWARE, "SHA-256 setup failed");
			goto done;
		}

	if (body_chunk(hashers, job->count, sp, first, first_len, err) == -1)
		goto done;
	while ((n = read_some(fd, buf, STREAM_CHUNK)) > 0)
		if (body_chunk(hashers, job->count, sp, buf, (size_t)n,
		    err) == -1)
			goto done;
	if (n == -1) {
		kmta_err_set(err, EX_IOERR, "read message: %s", strerror(errno));
		goto done;
	}

	for (i = 0; i < job->count; i++) {
		if (body_hasher_finish(&hashers[i], bh[i],
		    &job->req[i].body_hash_length) == -1) {
			kmta_err_set(err, EX_SOFTWARE,
			    "SHA-256 of the body failed");
			goto done;
		}
		job->req[i].body_hash = bh[i];
	}
	rc = 0;
done:
	for (i = 0; hashers != NULL && i < started; i++)
		body_hasher_free(&hashers[i]);
	free(hashers);
	free(buf);
	return rc;
}

/* Check the header and build the job for its From domain. */
static int
prepare(const struct kmta_conf *conf, const struct sign_options *o,
    int require, const struct kmta_message *m, struct sign_job *job,
    struct kmta_err *err)
{
	char domain[DOMAIN_MAX];

	if (sign_check_message(m, err) == -1 ||
	    sign_from_domain(m, domain, err) == -1)
		return -1;
	if (sign_job_build(conf, o, domain, job, err) == -1 ||
	    sign_job_check_published(conf, job, err) == -1)
		return -1;
	if (job->count == 0 && require)
		return kmta_err_set(err, EX_NOPERM,
		    "no [dkim \"%s\"] section for the From domain; message "
		    "not signed", domain);
	if (job->count == 0)
		kmta_info("no [dkim \"%s\"] section; message passed on "
		    "unsigned", domain);
	return 0;
}

int
stream_sign(const struct kmta_conf *conf, const struct sign_options *o,
    int require, int in_fd, int out_fd, struct kmta_err *err)
{
	struct kmta_message m = { 0 };
	struct kmta_buf headers = { 0 };
	struct sign_job job = { 0 };
	struct spool sp = { NULL, 0, -1 };
	char bh[SIGN_MAX_SIGNATURES][64], *head = NULL, *copy;
	size_t head_len = 0, read_len = 0, i;
	int rc = -1;

	if (read_header(in_fd, &head, &head_len, &read_len, err) == -1)
		return -1;
	if ((copy = malloc(head_len + 1)) == NULL) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto done;
	}
	memcpy(copy, head, head_len);
	if (kmta_message_parse(&m, copy, head_len, err) == -1 ||
	    prepare(conf, o, require, &m, &job, err) == -1 ||
	    read_body(in_fd, &job, &sp, head + head_len, read_len - head_len,
	    bh, err) == -1)
		goto done;

	/* Signatures are prepended, so the last one made ends up on top. */
	for (i = job.count; i-- > 0;)
		if (dkim_sign(&job.req[i], &m, &headers, err) == -1)
			goto done;
	if (kmta_write_all(out_fd, headers.data, headers.len, "output",
	    err) == -1 ||
	    kmta_write_all(out_fd, head, head_len, "output", err) == -1 ||
	    spool_copy(&sp, out_fd, err) == -1)
		goto done;
	rc = 0;
done:
	sign_job_free(&job);
	kmta_message_free(&m);
	kmta_buf_free(&headers);
	free(head);
	free(sp.mem);
	if (sp.fd != -1)
		close(sp.fd);
	return rc;
}
