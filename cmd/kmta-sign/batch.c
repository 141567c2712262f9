#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	/* NOTE: the published key is checked once per domain and run. */
	if (sign_job_build(conf, o, domain, job, err) == -1 ||
	    sign_job_check_published(conf, job, err) == -1) {
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

/*
 * Files are signed in chunks: each signed message goes to a temporary
 * file in its directory, then one syncfs(2) per directory makes the whole
 * chunk durable, then each temporary file is renamed over its original
 * and the directory synced. One sync per chunk instead of two per file is
 * what lets a batch run near the signing rate.
 */
#define BATCH_CHUNK 256

struct pending {
	char path[4096];
	char tmp[4096];
	char dir[4096];
};

/* Write headers + m to a new temporary file next to path. */
static int
write_temp(const char *path, const struct stat *st,
    const struct kmta_buf *headers, const struct kmta_message *m,
    struct pending *p, struct kmta_err *err)
{
	char copy[4096], *dir;
	int fd;

	/* dirname() may return a static "." instead of editing copy. */
	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->path, sizeof(p->path), "%s", path);
	snprintf(p->tmp, sizeof(p->tmp), "%s/.kmta-sign.XXXXXX", dir);
	if ((fd = mkstemp(p->tmp)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "create temporary file in %s: %s", p->dir, strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) == -1 ||
	    kmta_write_all(fd, headers->data, headers->len, p->tmp, err) == -1 ||
	    kmta_write_all(fd, m->data, m->len, p->tmp, err) == -1 ||
	    close(fd) == -1) {
		if (err->msg[0] == '\0')
			kmta_err_set(err, kmta_errno_code(errno), "write %s: %s",
			    p->tmp, strerror(errno));
		close(fd);
		unlink(p->tmp);
		return -1;
	}
	return 0;
}

/* syncfs(2) or fsync(2) each distinct directory of the chunk once. */
static int
sync_dirs(struct pending *chunk, size_t n, int whole_fs,
    struct kmta_err *err)
{
	size_t i, k;
	int fd, rc = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < i && strcmp(chunk[k].dir, chunk[i].dir); k++)
			;
		if (k < i)
			continue;
		if ((fd = open(chunk[i].dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || (whole_fs ? syncfs(fd) : fsync(fd))) {
			rc = kmta_err_set(err, kmta_errno_code(errno),
			    "sync %s: %s", chunk[i].dir, strerror(errno));
		}
		if (fd != -1)
			close(fd);
	}
	return rc;
}

/* Make the chunk durable and rename it into place; returns failures. */
static int
commit_chunk(struct pending *chunk, size_t n, int *status)
{
	struct kmta_err err = { 0 };
	size_t i;
	int failed = 0;

	if (sync_dirs(chunk, n, 1, &err) == -1) {
		for (i = 0; i < n; i++) {
			kmta_error("%s: %s", chunk[i].path, err.msg);
			unlink(chunk[i].tmp);
		}
		if (*status == 0)
			*status = err.code;
		return (int)n;
	}
	for (i = 0; i < n; i++) {
		if (rename(chunk[i].tmp, chunk[i].path) == 0)
			continue;
		kmta_error("%s: rename %s: %s", chunk[i].path, chunk[i].tmp,
		    strerror(errno));
		unlink(chunk[i].tmp);
		failed++;
		if (*status == 0)
			*status = kmta_errno_code(errno);
	}
	if (sync_dirs(chunk, n, 0, &err) == -1) {
		kmta_error("%s", err.msg);
		if (*status == 0)
			*status = err.code;
	}
	return failed;
}

/* Sign one file into a pending temporary file; *written is 1 if one
 * was written. */
static int
sign_file(struct job_cache *cache, const struct kmta_conf *conf,
    const struct sign_options *o, int require, const char *path,
    struct pending *p, int *written, struct kmta_err *err)
{
	struct kmta_message m = { 0 };
	struct kmta_buf headers = { 0 };
	struct stat st;
	int fd, rc = -1;

	*written = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "open %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == -1 ||
	    kmta_message_read(fd, BATCH_MESSAGE_MAX, &m, err) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	if (sign_one(cache, conf, o, require, &m, &headers, err) == 0) {
		/* A message passed on unsigned needs no rewrite. */
		if (headers.len == 0)
			rc = 0;
		else if (write_temp(path, &st, &headers, &m, p, err) == 0)
			rc = 0, *written = 1;
	}
	kmta_buf_free(&headers);
	kmta_message_free(&m);
	return rc;
}

static int
batch_sign_share(const struct kmta_conf *conf, const struct sign_options *o,
    int require, char **files, int nfiles)
{
	static struct job_cache cache;
	static struct pending chunk[BATCH_CHUNK];
	struct kmta_err err;
	size_t n = 0;
	int i, status = 0, failed = 0, written;

	for (i = 0; i < nfiles; i++) {
		memset(&err, 0, sizeof(err));
		if (sign_file(&cache, conf, o, require, files[i], &chunk[n],
		    &written, &err) == -1) {
			kmta_error("%s: %s", files[i], err.msg);
			failed++;
			if (status == 0)
				status = err.code;
		}
		n += (size_t)written;
		if (n == BATCH_CHUNK || (i == nfiles - 1 && n > 0)) {
			failed += commit_chunk(chunk, n, &status);
			n = 0;
		}
	}
	if (failed > 0)
		kmta_info("batch: %d of %d files not signed", failed, nfiles);
	cache_free(&cache);
	return status;
}

/*
 * Split the files among jobs processes, file i going to process i % jobs,
 * so each process loads its keys once and the cores share the signing.
 */
int
batch_sign(const struct kmta_conf *conf, const struct sign_options *o,
    int require, char **files, int nfiles, int jobs)
{
	char **share;
	pid_t pids[BATCH_JOBS_MAX];
	int w, i, n, status = 0, child, started = 0;

	if (jobs <= 1 || nfiles < 2)
		return batch_sign_share(conf, o, require, files, nfiles);
	if (jobs > nfiles)
		jobs = nfiles;
	if ((share = calloc((size_t)nfiles, sizeof(*share))) == NULL) {
		kmta_error("out of memory");
		return EX_OSERR;
	}
	fflush(NULL);
	for (w = 0; w < jobs; w++) {
		for (n = 0, i = w; i < nfiles; i += jobs)
			share[n++] = files[i];
		if (w == jobs - 1)
			break;
		if ((pids[w] = fork()) == -1) {
			kmta_error("fork: %s", strerror(errno));
			status = EX_OSERR;
			break;
		}
		if (pids[w] == 0)
			_exit(batch_sign_share(conf, o, require, share, n));
		started++;
	}
	if (status == 0)
		status = batch_sign_share(conf, o, require, share, n);
	for (w = 0; w < started; w++) {
		while (waitpid(pids[w], &child, 0) == -1 && errno == EINTR)
			;
		if (status == 0)
			status = WIFEXITED(child) ? WEXITSTATUS(child) :
			    EX_SOFTWARE;
	}
	free(share);
	return status;
}
