#define OPENSSL_SUPPRESS_DEPRECATED

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyrecord.h"
#include "keyszone.h"
#include "tags.h"

/* Append one name and record text to kf; returns 0, or -1 without memory. */
static int
keys_file_add(struct keys_file *kf, const char *name, const char *record)
{
	char **names, **records, *lower;
	size_t i;

	names = realloc(kf->names, (kf->count + 1) * sizeof(char *));
	if (names == NULL)
		return -1;
	kf->names = names;
	records = realloc(kf->records, (kf->count + 1) * sizeof(char *));
	if (records == NULL)
		return -1;
	kf->records = records;
	kf->names[kf->count] = lower = strdup(name);
	kf->records[kf->count] = strdup(record);
	kf->count++;
	if (lower == NULL || kf->records[kf->count - 1] == NULL)
		return -1;
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	return 0;
}

/*
 * Read the rest of a zone-file record that opens a "(" on this line:
 * append the following lines to *rdata until the ")".
 */
static int
zone_continue(FILE *f, char **rdata, size_t *lineno)
{
	char *line = NULL, *joined;
	size_t cap = 0;

	while (keys_zone_open(*rdata)) {
		if (getline(&line, &cap, f) == -1) {
			free(line);
			return 1;	/* no ")" before the end of the file */
		}
		(*lineno)++;
		joined = malloc(strlen(*rdata) + strlen(line) + 2);
		if (joined == NULL) {
			free(line);
			return -1;
		}
		sprintf(joined, "%s %s", *rdata, line);
		free(*rdata);
		*rdata = joined;
	}
	free(line);
	return 0;
}

/*
 * Turn zone-file rdata into the record text, in place of *record. Returns
 * 0, -1 without memory, or 1 for a malformed record.
 */
static int
zone_record(FILE *f, const char *rdata, char **record, size_t *lineno)
{
	char *joined = strdup(rdata), *text;
	int rc;

	if (joined == NULL)
		return -1;
	if ((rc = zone_continue(f, &joined, lineno)) != 0) {
		free(joined);
		return rc;
	}
	if ((text = malloc(strlen(joined) + 1)) == NULL) {
		free(joined);
		return -1;
	}
	rc = keys_zone_text(joined, text, strlen(joined) + 1) == 0 ? 0 : 1;
	free(joined);
	if (rc != 0) {
		free(text);
		return rc;
	}
	*record = text;
	return 0;
}

int
keys_file_load(const char *path, struct keys_file *kf, struct kmta_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *name, *record, *text, *end;
	const char *rdata;
	size_t cap = 0, lineno = 0, first;
	int rc;

	memset(kf, 0, sizeof(*kf));
	if (f == NULL)
		return kmta_err_set(err, kmta_errno_code(errno),
		    "open keys file %s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) != -1) {
		first = ++lineno;
		name = line + strspn(line, " \t");
		if (*name == '#' || *name == ';' || *name == '\n' ||
		    *name == '\0')
			continue;
		record = name + strcspn(name, " \t\n");
		if (*record == '\n' || *record == '\0')
			continue;
		*record++ = '\0';
		record += strspn(record, " \t");
		end = record + strlen(record);
		while (end > record && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (name[strlen(name) - 1] == '.')
			name[strlen(name) - 1] = '\0';

		text = NULL;
		if ((rdata = keys_zone_rdata(record)) != NULL) {
			rc = zone_record(f, rdata, &text, &lineno);
			if (rc == -1)
				goto nomem;
			if (rc == 1) {
				kmta_err_set(err, EX_DATAERR, "keys file %s:%zu: "
				    "%s: invalid TXT record: expected quoted "
				    "strings, in ( ) when on several lines",
				    path, first, name);
				goto fail;
			}
		}
		rc = keys_file_add(kf, name, text != NULL ? text : record);
		free(text);
		if (rc == -1)
			goto nomem;
	}
	free(line);
	fclose(f);
	return 0;
nomem:
	kmta_err_set(err, EX_OSERR, "out of memory");
fail:
	free(line);
	fclose(f);
	keys_file_free(kf);
	return -1;
}

const char *
keys_file_find(const struct keys_file *kf, const char *name)
{
	size_t i;

	for (i = 0; i < kf->count; i++)
		if (kf->names[i] != NULL && strcasecmp(kf->names[i], name) == 0)
			return kf->records[i];
	return NULL;
}

void
keys_file_free(struct keys_file *kf)
{
	size_t i;

	for (i = 0; i < kf->count; i++) {
		free(kf->names[i]);
		free(kf->records[i]);
	}
	free(kf->names);
	free(kf->records);
	memset(kf, 0, sizeof(*kf));
}

/* Return 1 when the colon-separated list contains word (or "*"). */
static int
list_has(const char *list, const char *word, int star)
{
	size_t wlen = strlen(word), len;

	while (*list != '\0') {
		list += strspn(list, " \t\r\n:");
		len = strcspn(list, " \t\r\n:");
		if ((len == wlen && strncasecmp(list, word, len) == 0) ||
		    (star && len == 1 && *list == '*'))
			return 1;
		list += len;
	}
	return 0;
}

static EVP_PKEY *
public_key(enum dkim_algo algo, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	EVP_PKEY *key;
	RSA *rsa;

	if (algo == DKIM_ALGO_ED25519_SHA256)
		return len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
		    NULL, der, 32) : NULL;
	if ((key = d2i_PUBKEY(NULL, &p, len)) != NULL)
		return key;

	/* Some domains publish a bare RSAPublicKey (PKCS#1). */
	p = der;
	if ((rsa = d2i_RSAPublicKey(NULL, &p, len)) == NULL)
		return NULL;
	if ((key = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_RSA(key, rsa) != 1) {
		EVP_PKEY_free(key);
		RSA_free(rsa);
		return NULL;
	}
	return key;
}

/* Check the tags that decide whether the key may be used at all. */
static int
record_allows(const struct tag_list *tags, enum dkim_algo algo,
    const char **why)
{
	const char *v = tags_get(tags, "v"), *h = tags_get(tags, "h");
	const char *k = tags_get(tags, "k"), *s = tags_get(tags, "s");
	const char *want = algo == DKIM_ALGO_ED25519_SHA256 ? "ed25519" : "rsa";

	if (v != NULL && (strcmp(v, "DKIM1") != 0 ||
	    strcmp(tags->tags[0].name, "v") != 0))
		*why = "key record v= is not DKIM1 or not first";
	else if (h != NULL && !list_has(h, "sha256", 0))
		*why = "key record h= excludes sha256";
	else if (strcasecmp(k != NULL ? k : "rsa", want) != 0)
		*why = algo == DKIM_ALGO_ED25519_SHA256 ?
		    "key record k= is not ed25519, as ed25519-sha256 needs" :
		    "key record k= is not rsa, as rsa-sha256 needs";
	else if (s != NULL && !list_has(s, "email", 1))
		*why = "key record s= excludes email";
	else
		return 0;
	return -1;
}

int
key_record_parse(const char *record, enum dkim_algo algo,
    struct key_record *out, const char **why)
{
	struct tag_list tags;
	const char *p, *t;
	unsigned char *der = NULL;
	char *b64 = NULL;
	long len;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (tags_parse(record, strlen(record), &tags, why) == -1)
		goto done;
	if (record_allows(&tags, algo, why) == -1)
		goto done;
	if ((p = tags_get(&tags, "p")) == NULL) {
		*why = "key record has no p=";
		goto done;
	}
	if (*p == '\0') {
		*why = "key revoked (empty p=)";
		goto done;
	}

	b64 = malloc(strlen(p) + 1);
	der = malloc(strlen(p) + 1);
	if (b64 == NULL || der == NULL) {
		*why = "out of memory";
		goto done;
	}
	tags_strip_space(p, b64);
	len = dkim_base64_decode(b64, strlen(b64), der);
	if (len <= 0 || (out->key = public_key(algo, der, len)) == NULL) {
		*why = "key record p= is not a valid public key";
		goto done;
	}
	if (algo == DKIM_ALGO_RSA_SHA256 &&
	    EVP_PKEY_get_bits(out->key) < DKIM_RSA_MIN_BITS) {
		*why = "RSA key under 1024 bits";
		goto done;
	}

	t = tags_get(&tags, "t");
	out->testing = t != NULL && list_has(t, "y", 0);
	out->strict_identity = t != NULL && list_has(t, "s", 0);
	rc = 0;
done:
	if (rc == -1) {
		EVP_PKEY_free(out->key);
		out->key = NULL;
	}
	free(b64);
	free(der);
	tags_free(&tags);
	return rc;
}
