#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "http.h"

#define CONNECT_TIMEOUT_MS 10000
#define TOTAL_TIMEOUT_MS 30000
#define MAX_ATTEMPTS 3
#define BACKOFF_MS 200

/*
 * One easy handle per process, reset before each request: curl keeps its
 * connection and TLS session caches across resets, so a second request to
 * the same server reuses the connection. NOTE: not safe for threads.
 */
static CURL *http_handle;

struct http_sink {
	struct http_response *resp;
	size_t max;
	bool overflow;
};

bool
http_status_retryable(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504;
}

void
http_response_free(struct http_response *resp)
{
	if (resp->body != NULL) {
		explicit_bzero(resp->body, resp->cap);
		free(resp->body);
	}
	memset(resp, 0, sizeof(*resp));
}

/*
 * Grow the body buffer by copying, never by realloc(3), so that no
 * unwiped copy of a secret is left behind in freed memory.
 */
static int
sink_grow(struct http_response *resp, size_t need)
{
	unsigned char *p;
	size_t cap = resp->cap ? resp->cap : 4096;

	while (cap < need)
		cap *= 2;
	p = calloc(1, cap);
	if (p == NULL)
		return -1;
	if (resp->body != NULL) {
		memcpy(p, resp->body, resp->len);
		explicit_bzero(resp->body, resp->cap);
		free(resp->body);
	}
	resp->body = p;
	resp->cap = cap;
	return 0;
}

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *sink = arg;
	struct http_response *resp = sink->resp;
	size_t n = size * nmemb;

	if (resp->len + n > sink->max) {
		sink->overflow = true;
		return 0;
	}
	if (resp->len + n + 1 > resp->cap &&
	    sink_grow(resp, resp->len + n + 1) == -1)
		return 0;
	memcpy(resp->body + resp->len, data, n);
	resp->len += n;
	resp->body[resp->len] = '\0';
	return n;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static bool
curl_code_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

static void
set_tls(CURL *curl, const struct http_options *opt)
{
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	if (opt->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, opt->ca_file);
	if (opt->ca_path != NULL)
		curl_easy_setopt(curl, CURLOPT_CAPATH, opt->ca_path);
	if (opt->client_cert != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, opt->client_cert);
	if (opt->client_key != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, opt->client_key);
}

static long
or_default(long v, long def)
{
	return v > 0 ? v : def;
}

/* Set the options that stay the same for every attempt. */
static void
setup(CURL *curl, const struct http_options *opt, const char *method,
    const char *url, struct curl_slist *hdrs, const void *body,
    size_t body_len, struct http_sink *sink)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
	    opt->allow_http ? "http,https" : "https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION,
	    opt->follow_redirects ? 1L : 0L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    or_default(opt->connect_timeout_ms, CONNECT_TIMEOUT_MS));
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
	    or_default(opt->total_timeout_ms, TOTAL_TIMEOUT_MS));
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)sink->max);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "kmta");
	/* The environment's proxy settings do not apply to secrets. */
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
	} else if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	set_tls(curl, opt);
}

static void
copy_content_type(CURL *curl, struct http_response *resp)
{
	char *type = NULL;

	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
	    type != NULL ? type : "");
}

static int
attempt_error(CURLcode rc, const char *url, const char *detail,
    size_t max, struct kmta_err *err)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return kmta_err_set(err, EX_USAGE, "%s: %s", url,
		    detail[0] ? detail : curl_easy_strerror(rc));
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		return kmta_err_set(err, EX_TEMPFAIL,
		    "%s: response larger than %zu bytes", url, max);
	case CURLE_OPERATION_TIMEDOUT:
		return kmta_err_set(err, EX_TEMPFAIL, "%s: timed out: %s",
		    url, detail[0] ? detail : curl_easy_strerror(rc));
	default:
		return kmta_err_set(err, EX_TEMPFAIL, "%s: %s", url,
		    detail[0] ? detail : curl_easy_strerror(rc));
	}
}

/* Free a header list, wiping it first because it may carry a token. */
static void
free_headers(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/*
 * Append the NULL-terminated items (none when items is NULL) to list.
 * Returns the list, or NULL after wiping and freeing it when memory runs
 * out.
 */
static struct curl_slist *
slist_append_all(struct curl_slist *list, const char *const *items)
{
	struct curl_slist *next;

	for (; items != NULL && *items != NULL; items++) {
		next = curl_slist_append(list, *items);
		if (next == NULL) {
			free_headers(list);
			return NULL;
		}
		list = next;
	}
	return list;
}

static struct curl_slist *
build_headers(const char *const *headers)
{
	/* An empty Expect: stops curl from waiting for 100-continue. */
	struct curl_slist *list = curl_slist_append(NULL, "Expect:");

	if (list == NULL)
		return NULL;
	return slist_append_all(list, headers);
}

static int
run_attempts(CURL *curl, const struct http_options *opt, const char *url,
    struct http_sink *sink, char *detail, struct kmta_err *err)
{
	struct http_response *resp = sink->resp;
	int max_attempts = (int)or_default(opt->max_attempts, MAX_ATTEMPTS);
	long delay = or_default(opt->backoff_ms, BACKOFF_MS);
	CURLcode rc;

	for (;;) {
		resp->len = 0;
		resp->status = 0;
		sink->overflow = false;
		detail[0] = '\0';
		resp->attempts++;
		rc = curl_easy_perform(curl);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE,
			    &resp->status);
			copy_content_type(curl, resp);
		}
		if (sink->overflow)
			rc = CURLE_FILESIZE_EXCEEDED;

		if (resp->attempts >= max_attempts)
			break;
		if (rc == CURLE_OK && !http_status_retryable(resp->status))
			break;
		if (rc != CURLE_OK && !curl_code_retryable(rc))
			break;
		sleep_ms(delay);
		delay *= 2;
	}

	if (rc != CURLE_OK)
		return attempt_error(rc, url, detail, sink->max, err);
	return 0;
}

/*
 * Register the digests that certificate verification looks up by name. A
 * program that initialized OpenSSL with OPENSSL_INIT_NO_ADD_ALL_DIGESTS
 * (kmta-sign does, to start faster) has none, and OpenSSL 3 then rejects
 * every certificate as "CA signature digest algorithm too weak".
 */
static void
register_tls_digests(void)
{
	EVP_add_digest(EVP_sha1());
	EVP_add_digest(EVP_sha224());
	EVP_add_digest(EVP_sha256());
	EVP_add_digest(EVP_sha384());
	EVP_add_digest(EVP_sha512());
}

int
http_request(const struct http_options *opt, const char *method,
    const char *url, const char *const *headers, const void *body,
    size_t body_len, struct http_response *resp, struct kmta_err *err)
{
	char detail[CURL_ERROR_SIZE];
	struct http_sink sink;
	struct curl_slist *hdrs, *resolve = NULL;
	CURL *curl;
	int rc;

	memset(resp, 0, sizeof(*resp));
	sink.resp = resp;
	sink.max = opt->max_response ? opt->max_response :
	    HTTP_MAX_RESPONSE_DEFAULT;
	sink.overflow = false;

	register_tls_digests();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return kmta_err_set(err, EX_SOFTWARE, "curl_global_init failed");
	if (http_handle == NULL)
		http_handle = curl_easy_init();
	else
		curl_easy_reset(http_handle);
	curl = http_handle;
	hdrs = build_headers(headers);
	if (opt->resolve != NULL)
		resolve = slist_append_all(NULL, opt->resolve);
	if (curl == NULL || hdrs == NULL ||
	    (opt->resolve != NULL && resolve == NULL)) {
		free_headers(hdrs);
		curl_slist_free_all(resolve);
		return kmta_err_set(err, EX_OSERR, "%s: out of memory", url);
	}

	setup(curl, opt, method, url, hdrs, body, body_len, &sink);
	if (resolve != NULL)
		curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	rc = run_attempts(curl, opt, url, &sink, detail, err);

	/* The handle keeps pointers to these lists until the next reset. */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_RESOLVE, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	free_headers(hdrs);
	curl_slist_free_all(resolve);
	if (rc == -1)
		http_response_free(resp);
	return rc;
}

void
http_cleanup(void)
{
	if (http_handle != NULL)
		curl_easy_cleanup(http_handle);
	http_handle = NULL;
}
