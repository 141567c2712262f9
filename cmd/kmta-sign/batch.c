#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "batch.h"
#include "check.h"
#include "fsio.h"
#include "log.h"

#define BATCH_MESSAGE_MAX ((size_t)1 << 30)
#define BATCH_DOMAINS_MAX 256

/* Signing jobs by From domain, so each key is loaded once per run. */
struct job_cache {
	struct {
		char domain[DOMAIN_MAX];
		struct sign_job job;
	} entry[BATCH_DOMAINS_MAX];
	size_t count;
};

static const struct sign_job *
cached_job(struct job_cache *cache, const struct kmta_conf *conf,
    const struct sign_options *o, const char *domain, struct kmta_err *err)
{
	struct sign_job *job;
	size_t i;

	/* With -d every message gets the same signature. */
	for (i = 0; i < cache->count; i++)
		if (o->domain != NULL ||
		    strcmp(cache->entry[i].domain, domain) == 0)
			return &cache->entry[i].job;
	if (cache->count == BATCH_DOMAINS_MAX) {
		kmta_err_set(err, EX_SOFTWARE, "more than %d From domains in "
		    "one batch", BATCH_DOMAINS_MAX);
		return NULL;
	}
	job = &cache->entry[cache->count].job;
	if (sign_job_build(conf, o, domain, job, err) == -1) {
		sign_job_free(job);
		return NULL;
	}
	snprintf(cache->entry[cache->count].domain, DOMAIN_MAX, "%s", domain);
	cache->count++;
	return job;
}

static void
cache_free(struct job_cache *cache)
{
	size_t i;

	for (i = 0; i < cache->count; i++)
		sign_job_free(&cache->entry[i].job);
	cache->count = 0;
}

/* Build the signature fields for one message into headers. */
static int
sign_one(struct job_cache *cache, const struct kmta_conf *conf,
    const struct sign_options *o, int require, const struct kmta_message *m,
    struct kmta_buf *headers, struct kmta_err *err)
{
	const struct sign_job *job;
	char domain[DOMAIN_MAX];
	size_t i;

	if (sign_check_message(m, err) == -1 ||
	    sign_from_domain(m, domain, err) == -1)
		return -1;
	if ((job = cached_job(cache, conf, o, domain, err)) == NULL)
		return -1;
	if (job->count == 0 && require)
		return kmta_err_set(err, EX_NOPERM, "no [dkim \"%s\"] section "
		    "for the From domain; message not signed", domain);
	for (i = job->count; i-- > 0;) {
		struct dkim_request req = job->req[i];

		/* Jobs outlive one message, so t= is set per message. */
		if (o->timestamp < 0)
			req.timestamp = (long long)time(NULL);
		if (dkim_sign(&req, m, headers, err) == -1)
			return -1;
	}
	return 0;
}

/* Replace path with headers + m through a synced temporary file. */
static int
replace_file(const char *path, const struct stat *st,
    const struct kmta_buf *headers, const struct kmta_message *m,
    struct kmta_err *err)
{
	char tmp[4096], dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s/.kmta-sign.XXXXXX", dirname(dir));
	if ((fd = mkstemp(tmp)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "create temporary file in %s: %s", dir, strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) == -1 ||
	    kmta_write_all(fd, headers->data, headers->len, tmp, err) == -1 ||
	    kmta_write_all(fd, m->data, m->len, tmp, err) == -1 ||
	    fsync(fd) == -1 || close(fd) == -1) {
		if (err->msg[0] == '\0')
			kmta_err_set(err, kmta_errno_code(errno), "write %s: %s",
			    tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		kmta_err_set(err, kmta_errno_code(errno), "rename %s to %s: %s",
		    tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return kmta_fsync_dir(AT_FDCWD, dir, err);
}

static int
sign_file(struct job_cache *cache, const struct kmta_conf *conf,
    const struct sign_options *o, int require, const char *path,
    struct kmta_err *err)
{
	struct kmta_message m = { 0 };
	struct kmta_buf headers = { 0 };
	struct stat st;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "open %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == -1 ||
	    kmta_message_read(fd, BATCH_MESSAGE_MAX, &m, err) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	if (sign_one(cache, conf, o, require, &m, &headers, err) == 0 &&
	    (headers.len == 0 || replace_file(path, &st, &headers, &m,
	    err) == 0))
		rc = 0;
	kmta_buf_free(&headers);
	kmta_message_free(&m);
	return rc;
}

int
batch_sign(const struct kmta_conf *conf, const struct sign_options *o,
    int require, char **files, int nfiles)
{
	static struct job_cache cache;
	struct kmta_err err;
	int i, status = 0, failed = 0;

	for (i = 0; i < nfiles; i++) {
		memset(&err, 0, sizeof(err));
		if (sign_file(&cache, conf, o, require, files[i], &err) == 0)
			continue;
		kmta_error("%s: %s", files[i], err.msg);
		failed++;
		if (status == 0)
			status = err.code;
	}
	if (failed > 0)
		kmta_info("batch: %d of %d files not signed", failed, nfiles);
	cache_free(&cache);
	return status;
}
