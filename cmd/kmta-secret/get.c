#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fsio.h"
#include "keysource.h"
#include "secret.h"
#include "vault.h"

/* Write to standard output; any failure is an I/O error (EX_IOERR). */
static int
write_stdout(const void *data, size_t len, struct kmta_err *err)
{
	if (kmta_write_all(STDOUT_FILENO, data, len, "standard output",
	    err) == -1) {
		err->code = EX_IOERR;
		return -1;
	}
	return 0;
}

/*
 * Wrap a file: or env: secret as {"key": VALUE}, so that scripts read the
 * same field name as the default field of a vault: source.
 */
static int
wrap_json(const char *src, struct kmta_secret *s, struct kmta_err *err)
{
	struct kmta_secret out;
	json_t *obj;
	char *text;
	size_t len;

	obj = json_pack("{s:s%}", "key", (const char *)s->data, s->len);
	if (obj == NULL)
		return kmta_err_set(err, EX_DATAERR, "%s: the value is not "
		    "valid UTF-8, so it cannot be printed as JSON; use get "
		    "without --json", src);
	text = json_dumps(obj, JSON_INDENT(2));
	json_decref(obj);
	if (text == NULL || kmta_secret_alloc(&out, strlen(text)) == -1) {
		free(text);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}

	len = strlen(text);
	memcpy(out.data, text, len);
	out.len = len;
	explicit_bzero(text, len);
	free(text);
	kmta_secret_free(s);
	*s = out;
	return 0;
}

static int
load(const struct kmta_conf *conf, const char *src,
    const struct secret_get_opts *opt, struct kmta_secret *s,
    struct kmta_err *err)
{
	bool vault = keysource_check_syntax(src) == 0 &&
	    keysource_kind(src) == KEYSOURCE_VAULT;

	if (opt->version > 0 && !vault)
		return kmta_err_set(err, EX_USAGE, "--version applies to "
		    "vault: sources only, not %s", src);
	if (vault && opt->json)
		return vault_load_json(conf, src, opt->version, s, err);
	if (vault)
		return vault_load_version(conf, src, opt->version, s, err);
	if (keysource_load(conf, src, s, err) == -1)
		return -1;
	return opt->json ? wrap_json(src, s, err) : 0;
}

int
secret_get(const struct kmta_conf *conf, const char *src,
    const struct secret_get_opts *opt, struct kmta_err *err)
{
	struct kmta_secret s;
	int rc;

	memset(&s, 0, sizeof(s));
	if (load(conf, src, opt, &s, err) == -1) {
		kmta_secret_free(&s);
		return -1;
	}
	rc = write_stdout(s.data, s.len, err);
	if (rc == 0 && (opt->newline || opt->json))
		rc = write_stdout("\n", 1, err);
	kmta_secret_free(&s);
	return rc;
}
