/*
 * The MTA-STS policy cache: one file per domain, named by the domain in
 * lower case, holding "fetched: EPOCH", "id: ID", a blank line and the
 * policy in its RFC 8461 form. Files are replaced atomically.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fsio.h"
#include "mtasts.h"

/* A lower-case file name for domain; -1 when it is no host name. */
static int
cache_name(const char *domain, char *out, size_t outlen,
    struct kmta_err *err)
{
	size_t i, n = strlen(domain);

	if (n == 0 || n >= outlen || domain[0] == '.')
		return kmta_err_set(err, EX_DATAERR,
		    "%s: invalid domain name", domain);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)domain[i]) && domain[i] != '-' &&
		    domain[i] != '.')
			return kmta_err_set(err, EX_DATAERR,
			    "%s: invalid domain name", domain);
		out[i] = (char)tolower((unsigned char)domain[i]);
	}
	out[n] = '\0';
	return 0;
}

static int
serialize(const struct kmta_sts_policy *p, struct kmta_buf *b)
{
	size_t i;
	int rc;

	rc = kmta_buf_printf(b, "fetched: %lld\nid: %s\n\nversion: STSv1\n"
	    "mode: %s\nmax_age: %ld\n", (long long)p->fetched, p->id,
	    kmta_sts_mode_name(p->mode), p->max_age);
	for (i = 0; i < p->mx_count && rc == 0; i++)
		rc = kmta_buf_printf(b, "mx: %s\n", p->mx[i]);
	return rc;
}

int
kmta_sts_cache_store(const char *dir, const char *domain,
    const struct kmta_sts_policy *p, struct kmta_err *err)
{
	struct kmta_buf b = { 0 };
	char name[KMTA_DNS_NAME_MAX], tmp[KMTA_DNS_NAME_MAX + 16];
	int dirfd, rc;

	if (cache_name(domain, name, sizeof(name), err) == -1)
		return -1;
	if (kmta_mkdir_exist_ok(AT_FDCWD, dir, 0700, err) == -1)
		return kmta_err_wrap(err, "MTA-STS cache");
	if (serialize(p, &b) == -1)
		return kmta_err_set(err, EX_OSERR, "%s: %s", domain,
		    strerror(errno));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		kmta_buf_free(&b);
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    dir, strerror(errno));
	}
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	rc = kmta_write_durable(dirfd, tmp, name, b.data, b.len, false, err);
	close(dirfd);
	kmta_buf_free(&b);
	return rc == -1 ? kmta_err_wrap(err, "MTA-STS cache %s", dir) : 0;
}

static int
read_file(const char *path, char *buf, size_t buflen, size_t *len,
    struct kmta_err *err)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    path, strerror(errno));
	*len = fread(buf, 1, buflen - 1, f);
	buf[*len] = '\0';
	if (ferror(f) || !feof(f)) {
		fclose(f);
		return kmta_err_set(err, EX_DATAERR, "%s: unreadable or "
		    "larger than %zu bytes", path, buflen - 1);
	}
	fclose(f);
	return 0;
}

int
kmta_sts_cache_load(const char *dir, const char *domain,
    struct kmta_sts_policy *p, struct kmta_err *err)
{
	char name[KMTA_DNS_NAME_MAX], path[4096], id[KMTA_STS_ID_MAX];
	static char text[KMTA_STS_POLICY_MAX + 512];
	long long fetched;
	size_t len = 0;
	char *body;

	if (cache_name(domain, name, sizeof(name), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, text, sizeof(text), &len, err) == -1)
		return -1;

	body = strstr(text, "\n\n");
	if (sscanf(text, "fetched: %lld\nid: %32[A-Za-z0-9]\n", &fetched,
	    id) != 2 || body == NULL)
		return kmta_err_set(err, EX_DATAERR, "%s: invalid cache "
		    "header", path);
	body += 2;
	if (kmta_sts_parse(body, len - (size_t)(body - text), p, err) == -1)
		return kmta_err_wrap(err, "%s", path);
	p->fetched = (time_t)fetched;
	snprintf(p->id, sizeof(p->id), "%s", id);
	return 0;
}

int
kmta_sts_cache_purge(const char *dir, const char *domain,
    struct kmta_err *err)
{
	char name[KMTA_DNS_NAME_MAX], path[4096];

	if (cache_name(domain, name, sizeof(name), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) == -1) {
		if (errno == ENOENT)
			return kmta_err_set(err, EX_NOINPUT, "no cached MTA-STS "
			    "policy for %s in %s", domain, dir);
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    path, strerror(errno));
	}
	return 0;
}

int
kmta_sts_cache_list(const char *dir,
    int (*fn)(const char *domain, const struct kmta_sts_policy *p, void *arg),
    void *arg, struct kmta_err *err)
{
	struct kmta_sts_policy p;
	struct kmta_err ignored;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    dir, strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* A damaged entry is skipped here; a lookup reports it. */
		if (kmta_sts_cache_load(dir, de->d_name, &p, &ignored) == -1)
			continue;
		rc = fn(de->d_name, &p, arg);
	}
	closedir(d);
	return rc;
}
