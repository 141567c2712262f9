/*
 * The MTA-STS policy that applies to a domain: the TXT record, the HTTPS
 * fetch and the cache, in the order of RFC 8461 section 5.1.
 *
 * NOTE: the fetch uses libcurl here, not http.c, because it must connect
 * to the address kmta's own resolver found (CURLOPT_RESOLVE) and check the
 * Content-Type, which http_request() does not offer yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mtasts.h"

struct body {
	char data[KMTA_STS_POLICY_MAX + 1];
	size_t len;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > KMTA_STS_POLICY_MAX - b->len)
		return 0;	/* over the cap: curl aborts the transfer */
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* "host:port:addr,addr" for CURLOPT_RESOLVE, IPv6 in brackets. */
static void
resolve_entry(const char *host, int port, const struct kmta_addr_set *a,
    char *out, size_t outlen)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "%s:%d:", host, port);
	for (i = 0; i < a->count && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n,
		    strchr(a->addrs[i], ':') ? "%s[%s]" : "%s%s",
		    i ? "," : "", a->addrs[i]);
}

static int
http_get(const char *url, const char *resolve, const struct kmta_sts_options *opt,
    struct body *b, char *why, size_t whylen, bool *temporary)
{
	struct curl_slist *pin = curl_slist_append(NULL, resolve);
	char detail[CURL_ERROR_SIZE] = "";
	char *ctype = NULL;
	long status = 0;
	CURLcode rc;
	CURL *curl = curl_easy_init();

	if (curl == NULL || pin == NULL) {
		snprintf(why, whylen, "%s: curl setup failed", url);
		curl_slist_free_all(pin);
		curl_easy_cleanup(curl);
		return -1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opt->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, opt->ca_file);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, opt->timeout > 0 ?
	    opt->timeout : 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "kmta");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
	*temporary = true;
	if (rc != CURLE_OK)
		snprintf(why, whylen, "%s: %s", url, detail[0] ? detail :
		    curl_easy_strerror(rc));
	else if (status != 200)
		snprintf(why, whylen, "%s: HTTP status %ld", url, status);
	else if (ctype == NULL || strncasecmp(ctype, "text/plain", 10) != 0) {
		snprintf(why, whylen, "%s: Content-Type %s, not text/plain",
		    url, ctype ? ctype : "missing");
		*temporary = false;
	} else
		why[0] = '\0';
	curl_slist_free_all(pin);
	curl_easy_cleanup(curl);
	return why[0] == '\0' ? 0 : -1;
}

static int
fetch_policy(struct kmta_dns *dns, const char *domain,
    const struct kmta_sts_options *opt, struct kmta_sts_result *out,
    struct kmta_err *err)
{
	static struct body b;
	struct kmta_addr_set addrs;
	struct kmta_err perr;
	char host[KMTA_DNS_NAME_MAX + 8], url[KMTA_DNS_NAME_MAX + 64];
	char resolve[1024];
	int port = opt->https_port > 0 ? opt->https_port : 443;

	snprintf(host, sizeof(host), "mta-sts.%s", domain);
	if (kmta_dns_addrs(dns, host, 0, &addrs, err) == -1)
		return -1;
	if (addrs.result != KMTA_DNS_FOUND) {
		out->temporary = addrs.result == KMTA_DNS_FAILED;
		snprintf(out->error, sizeof(out->error), "%s: %s", host,
		    addrs.result == KMTA_DNS_FAILED ? addrs.why :
		    "no address record");
		kmta_addr_set_free(&addrs);
		return 1;
	}
	resolve_entry(host, port, &addrs, resolve, sizeof(resolve));
	kmta_addr_set_free(&addrs);

	snprintf(url, sizeof(url), port == 443 ?
	    "https://%s/.well-known/mta-sts.txt" :
	    "https://%s:%d/.well-known/mta-sts.txt", host, port);
	b.len = 0;
	if (http_get(url, resolve, opt, &b, out->error, sizeof(out->error),
	    &out->temporary) == -1)
		return 1;
	if (kmta_sts_parse(b.data, b.len, &out->policy, &perr) == -1) {
		snprintf(out->error, sizeof(out->error), "%s: %s", url,
		    perr.msg);
		out->temporary = false;
		return 1;
	}
	return 0;
}

/* The id of the one v=STSv1 TXT record, or an error in out. */
static int
find_txt(struct kmta_dns *dns, const char *domain, struct kmta_sts_result *out,
    struct kmta_err *err)
{
	struct kmta_txt_set txt;
	struct kmta_err perr;
	char name[KMTA_DNS_NAME_MAX + 16];
	size_t i, found = 0;

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	if (kmta_dns_txt(dns, name, &txt, err) == -1)
		return -1;
	out->txt_result = txt.result;
	if (txt.result == KMTA_DNS_FAILED) {
		out->temporary = true;
		snprintf(out->error, sizeof(out->error), "%s TXT: %s", name,
		    txt.why);
	}
	for (i = 0; i < txt.count; i++) {
		if (strncmp(txt.texts[i], "v=STSv1", 7) != 0)
			continue;
		if (++found > 1 || kmta_sts_txt_parse(txt.texts[i],
		    out->txt_id, sizeof(out->txt_id), &perr) == -1) {
			out->txt_id[0] = '\0';
			snprintf(out->error, sizeof(out->error), "%s TXT: %s",
			    name, found > 1 ? "more than one v=STSv1 record" :
			    perr.msg);
			break;
		}
	}
	kmta_txt_set_free(&txt);
	return 0;
}

int
kmta_sts_get(struct kmta_dns *dns, const char *domain,
    const struct kmta_sts_options *opt, struct kmta_sts_result *out,
    struct kmta_err *err)
{
	struct kmta_sts_policy cached;
	struct kmta_err cerr;
	time_t now = opt->now ? opt->now : time(NULL);
	bool have_cache, fresh;
	int rc;

	memset(out, 0, sizeof(*out));
	have_cache = opt->cache_dir != NULL &&
	    kmta_sts_cache_load(opt->cache_dir, domain, &cached, &cerr) == 0;
	fresh = have_cache && !kmta_sts_expired(&cached, now);

	if (find_txt(dns, domain, out, err) == -1)
		return -1;
	if (out->txt_id[0] != '\0') {
		if (fresh && strcmp(cached.id, out->txt_id) == 0) {
			out->policy = cached;
			out->source = KMTA_STS_SRC_CACHE;
			return 0;
		}
		rc = fetch_policy(dns, domain, opt, out, err);
		if (rc == -1)
			return -1;
		if (rc == 0) {
			out->policy.fetched = now;
			snprintf(out->policy.id, sizeof(out->policy.id), "%s",
			    out->txt_id);
			out->source = KMTA_STS_SRC_FETCHED;
			if (opt->cache_dir != NULL &&
			    kmta_sts_cache_store(opt->cache_dir, domain,
			    &out->policy, &cerr) == -1)
				snprintf(out->cache_error,
				    sizeof(out->cache_error), "%s", cerr.msg);
			return 0;
		}
	}

	/* No record, an invalid one, or a failed fetch: RFC 8461 5.1. */
	if (fresh) {
		out->policy = cached;
		out->source = KMTA_STS_SRC_CACHE_STALE;
	} else if (have_cache && out->error[0] == '\0')
		snprintf(out->error, sizeof(out->error),
		    "cached policy expired");
	else if (have_cache) {
		size_t n = strlen(out->error);

		snprintf(out->error + n, sizeof(out->error) - n,
		    "; cached policy expired");
	}
	return 0;
}
