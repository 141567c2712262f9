/* The queue directory: opening it, queue ids, settings and the clock. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fsio.h"
#include "queue.h"

static const char *const queue_subdirs[] = { "tmp", "new", "msg", "env",
    NULL };

int
queue_open(struct queue *q, const char *path, bool create,
    struct kmta_err *err)
{
	const char *const *sub;

	memset(q, 0, sizeof(*q));
	q->dirfd = -1;
	q->min_backoff = QUEUE_MIN_BACKOFF;
	q->max_backoff = QUEUE_MAX_BACKOFF;
	q->max_age = QUEUE_MAX_AGE;
	q->path = strdup(path);
	if (q->path == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");

	if (create && kmta_mkdir_exist_ok(AT_FDCWD, path, 0700, err) == -1)
		return kmta_err_wrap(err, "queue directory");
	q->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->dirfd == -1)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open queue directory %s: %s", path, strerror(errno));

	for (sub = queue_subdirs; *sub != NULL; sub++) {
		if (create && kmta_mkdir_exist_ok(q->dirfd, *sub, 0700,
		    err) == -1)
			return kmta_err_wrap(err, "queue directory %s", path);
		/* A queue made before new/ existed gets it from the next
		 * add or run, and until then has nothing to import. */
		if (!create && strcmp(*sub, "new") != 0 &&
		    faccessat(q->dirfd, *sub, F_OK, 0) == -1)
			return kmta_err_set(err, kmta_errno_code(errno),
			    "queue directory %s: %s/: %s", path, *sub,
			    strerror(errno));
	}
	return 0;
}

void
queue_close(struct queue *q)
{
	if (q->dirfd != -1)
		close(q->dirfd);
	free(q->path);
	q->dirfd = -1;
	q->path = NULL;
}

void
queue_settings(struct queue *q, const struct kmta_conf *conf)
{
	q->min_backoff = kmta_conf_num(conf, "queue", "min_backoff",
	    QUEUE_MIN_BACKOFF);
	q->max_backoff = kmta_conf_num(conf, "queue", "max_backoff",
	    QUEUE_MAX_BACKOFF);
	q->max_age = kmta_conf_num(conf, "queue", "max_age", QUEUE_MAX_AGE);
	q->delay_warning = kmta_conf_num(conf, "queue", "delay_warning", 0);
	q->hostname = kmta_conf_str(conf, "send", "helo_name", NULL);
	if (q->min_backoff < 1)
		q->min_backoff = 1;
	if (q->max_backoff < q->min_backoff)
		q->max_backoff = q->min_backoff;
}

void
queue_date(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, "%a, %d %b %Y %H:%M:%S %z", &tm);
}


/*
 * The current time. KMTA_NOW (seconds since the epoch) overrides it so
 * that tests can check retry and expiry times without waiting.
 */
time_t
queue_now(void)
{
	const char *fake = getenv("KMTA_NOW");
	char *end;
	long long v;

	if (fake != NULL && *fake != '\0') {
		errno = 0;
		v = strtoll(fake, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

/*
 * A new queue id: seconds and microseconds of the arrival time in hex,
 * then 20 random bits, so ids sort by arrival and two adds in the same
 * microsecond still differ.
 */
int
queue_new_id(char *id, size_t idlen, struct kmta_err *err)
{
	struct timeval tv;
	unsigned int rnd;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return kmta_err_set(err, EX_OSERR, "getrandom: %s",
		    strerror(errno));
	gettimeofday(&tv, NULL);
	snprintf(id, idlen, "%08llX%05lX%05X", (unsigned long long)tv.tv_sec,
	    (unsigned long)tv.tv_usec, rnd & 0xFFFFF);
	return 0;
}

/* Return 1 when id has the shape queue_new_id makes, else 0. */
int
queue_valid_id(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!isxdigit((unsigned char)id[n]) ||
		    islower((unsigned char)id[n]))
			return 0;
	return n >= 8 && n < QUEUE_ID_MAX;
}

bool
queue_id_of(const char *name, const char *suffix, char *id)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n <= s || n - s >= QUEUE_ID_MAX ||
	    strcmp(name + n - s, suffix) != 0)
		return false;
	memcpy(id, name, n - s);
	id[n - s] = '\0';
	return queue_valid_id(id);
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List the ids in env/, oldest first. */
int
queue_ids(struct queue *q, char ***ids, size_t *nids, struct kmta_err *err)
{
	struct dirent *de;
	char **list = NULL, **grown;
	size_t n = 0;
	DIR *dir;
	int fd;

	fd = openat(q->dirfd, "env", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open %s/env: %s", q->path, strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		if (!queue_valid_id(de->d_name))
			continue;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown == NULL || (grown[n] = strdup(de->d_name)) == NULL) {
			list = grown ? grown : list;
			queue_ids_free(list, n);
			closedir(dir);
			return kmta_err_set(err, EX_OSERR, "out of memory");
		}
		list = grown;
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(list, n, sizeof(*list), compare_ids);
	*ids = list;
	*nids = n;
	return 0;
}

void
queue_ids_free(char **ids, size_t nids)
{
	size_t i;

	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
}
