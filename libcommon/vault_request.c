#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "vault_int.h"

#define HEADER_MAX 8

static void *
json_malloc(size_t n)
{
	return malloc(n);
}

/*
 * jansson keeps decoded strings, secrets among them, in its own heap
 * blocks; wipe each block before it goes back to malloc.
 */
static void
json_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

void
vault_json_init(void)
{
	json_set_alloc_funcs(json_malloc, json_free);
}

void
vault_reply_free(struct vault_reply *reply)
{
	json_decref(reply->json);
	memset(reply, 0, sizeof(*reply));
}

/*
 * Copy one Vault error string for display. Vault formats multi-errors as
 * "1 error occurred:\n\t* permission denied\n\n", so runs of white space
 * become one space; other control and non-ASCII bytes become '?'.
 */
static void
clean_error(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; *src != '\0' && n + 1 < len; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (n > 0 && dst[n - 1] != ' ')
				dst[n++] = ' ';
		} else {
			dst[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
		}
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* Join Vault's {"errors": [...]} strings with "; ". */
static void
vault_errors_text(json_t *json, char *out, size_t len)
{
	json_t *errors = json_object_get(json, "errors"), *e;
	char clean[KMTA_ERR_MAX];
	size_t i, used = 0;

	out[0] = '\0';
	json_array_foreach(errors, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0)
			continue;
		clean_error(clean, sizeof(clean), json_string_value(e));
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    used ? "; " : "", clean);
		if (used >= len)
			break;
	}
}

static int
status_code(long status)
{
	switch (status) {
	case 400:
		return EX_DATAERR;
	case 401:
	case 403:
		return EX_NOPERM;
	case 404:
		return EX_NOINPUT;
	case 405:
	case 501:
		return EX_UNAVAILABLE;
	case 412:
	case 429:
	case 473:
		return EX_TEMPFAIL;
	default:
		return status >= 500 ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
}

/* Turn a non-2xx reply into an error carrying Vault's own text. */
int
vault_status_error(const struct vault_reply *reply, const char *what,
    struct kmta_err *err)
{
	char text[KMTA_ERR_MAX];

	vault_errors_text(reply->json, text, sizeof(text));
	if (text[0] == '\0' && reply->status == 404)
		snprintf(text, sizeof(text), "not found");
	else if (text[0] == '\0')
		snprintf(text, sizeof(text), "no error text");
	return kmta_err_set(err, status_code(reply->status),
	    "%s: Vault returned HTTP %ld: %s", what, reply->status, text);
}

/*
 * Percent-encode a Vault path for a URL. Slashes stay, and so do the
 * characters RFC 3986 leaves unreserved.
 */
static int
url_append_path(struct kmta_buf *b, const char *path)
{
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL) {
			if (kmta_buf_append(b, p, 1) == -1)
				return -1;
		} else if (kmta_buf_printf(b, "%%%02X", *p) == -1) {
			return -1;
		}
	}
	return 0;
}

#define TOKEN_HEADER "X-Vault-Token: "

/* Allocate the token header at its final size, so no copy is left over. */
static char *
token_header(const struct vault_client *c)
{
	size_t prefix = strlen(TOKEN_HEADER);
	char *h = calloc(1, prefix + c->token.len + 1);

	if (h == NULL)
		return NULL;
	memcpy(h, TOKEN_HEADER, prefix);
	memcpy(h + prefix, c->token.data, c->token.len);
	return h;
}

static void
token_header_free(char *h)
{
	if (h == NULL)
		return;
	explicit_bzero(h, strlen(h));
	free(h);
}

static int
build_headers(struct vault_client *c, bool with_token, char **tok,
    struct kmta_buf *ns, const char **headers)
{
	int n = 0;

	headers[n++] = "X-Vault-Request: true";
	headers[n++] = "Accept: application/json";
	headers[n++] = "Content-Type: application/json";
	if (with_token) {
		if ((*tok = token_header(c)) == NULL)
			return -1;
		headers[n++] = *tok;
	}
	if (c->namespace[0] != '\0') {
		if (kmta_buf_printf(ns, "X-Vault-Namespace: %s",
		    c->namespace) == -1)
			return -1;
		headers[n++] = ns->data;
	}
	headers[n] = NULL;
	return 0;
}

/*
 * Decode a reply body. A jansson error text quotes the input near the
 * error, which may be part of a secret, so only the position is reported.
 */
static int
decode_body(const struct http_response *resp, const char *what,
    json_t **out, struct kmta_err *err)
{
	json_error_t jerr;

	*out = NULL;
	if (resp->len == 0)
		return 0;
	*out = json_loadb((const char *)resp->body, resp->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (*out == NULL)
		return kmta_err_set(err, EX_TEMPFAIL, "%s: Vault returned "
		    "HTTP %ld with invalid JSON (line %d, column %d)", what,
		    resp->status, jerr.line, jerr.column);
	return 0;
}

int
vault_request(struct vault_client *c, const char *method, const char *path,
    const char *query, json_t *body, bool with_token, struct vault_reply *reply,
    struct kmta_err *err)
{
	struct kmta_buf url = { 0 }, ns = { 0 };
	struct http_response resp = { 0 };
	const char *headers[HEADER_MAX];
	char *text = NULL, *tok = NULL;
	char what[VAULT_PATH_MAX + 16];
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	snprintf(what, sizeof(what), "%s %s", method, path);
	if (with_token && vault_token_get(c, err) == -1)
		return -1;
	if (kmta_buf_printf(&url, "%s/v1/", c->address) == -1 ||
	    url_append_path(&url, path) == -1 ||
	    (query != NULL && kmta_buf_printf(&url, "?%s", query) == -1) ||
	    build_headers(c, with_token, &tok, &ns, headers) == -1) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		kmta_err_set(err, EX_SOFTWARE, "%s: cannot encode JSON", what);
		goto out;
	}

	if (http_request(&c->http, method, url.data, headers, text,
	    text ? strlen(text) : 0, &resp, err) == -1) {
		kmta_err_wrap(err, "Vault %s", what);
		goto out;
	}
	reply->status = resp.status;
	rc = decode_body(&resp, what, &reply->json, err);
out:
	if (text != NULL)
		json_free(text);
	http_response_free(&resp);
	kmta_buf_free(&url);
	token_header_free(tok);
	kmta_buf_free(&ns);
	return rc;
}
