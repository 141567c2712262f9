/*
 * HTTP(S) requests through libcurl, for Vault and MTA-STS policy fetches.
 *
 * TLS peer and host name verification are always on. Every request has a
 * connect timeout, a total timeout and a cap on the response body. Failed
 * connections and the statuses 429, 500, 502, 503 and 504 are retried a
 * bounded number of times with exponential backoff. The last response is
 * returned to the caller, which maps its status to an error.
 */
#ifndef KMTA_HTTP_H
#define KMTA_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define HTTP_MAX_RESPONSE_DEFAULT (1024 * 1024)

struct http_options {
	const char *ca_file;		/* PEM bundle; NULL: system default */
	const char *ca_path;		/* hashed CA directory; NULL: none */
	const char *client_cert;	/* PEM client certificate (mutual TLS) */
	const char *client_key;		/* PEM key for client_cert */
	long connect_timeout_ms;	/* 0: 10 s */
	long total_timeout_ms;		/* per attempt; 0: 30 s */
	size_t max_response;		/* body cap in bytes; 0: 1 MiB */
	int max_attempts;		/* 0: 3; 1 disables retries */
	long backoff_ms;		/* first retry delay, doubled after; 0: 200 */
	/* NOTE: resolve and content_type have no test yet; Vault uses neither. */
	const char *const *resolve;	/* "HOST:PORT:ADDRESS" entries that
					   pin a name to an address (curl's
					   CURLOPT_RESOLVE); NULL-terminated */
	bool follow_redirects;		/* default off */
	bool allow_http;		/* accept http:// URLs (caller checks) */
};

struct http_response {
	long status;			/* HTTP status, 0 when none arrived */
	unsigned char *body;		/* NUL-terminated; wiped on free */
	size_t len;
	size_t cap;
	int attempts;			/* requests made, retries included */
	char content_type[128];		/* Content-Type header, "" if none */
};

/*
 * Make one request with up to max_attempts tries. headers is a
 * NULL-terminated list of "Name: value" lines (may be NULL), and body may
 * be NULL. On return 0, resp contains the final status and body, and the
 * status may be an error status. Errors: EX_TEMPFAIL for connection failures, timeouts and
 * TLS verification failures, and for a body over the cap (the server
 * misbehaves, and a caller such as a queue should keep its work and retry
 * later); EX_USAGE for a malformed or disallowed URL.
 */
int http_request(const struct http_options *opt, const char *method,
    const char *url, const char *const *headers, const void *body,
    size_t body_len, struct http_response *resp, struct kmta_err *err);

/* Wipe and release a response; safe on a zeroed struct. */
void http_response_free(struct http_response *resp);

/* Close the connections kept between requests. */
void http_cleanup(void);

/* Return true when a status is one that http_request() retries. */
bool http_status_retryable(long status);

#endif
