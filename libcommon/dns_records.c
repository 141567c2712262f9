/* Typed MX, A/AAAA and TXT lookups on top of kmta_dns_lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"

static int
no_memory(struct kmta_err *err, const char *name)
{
	return kmta_err_set(err, EX_OSERR, "%s: %s", name, strerror(ENOMEM));
}

/*
 * Look name up and copy the result, its DNSSEC status and the reason for a
 * failure into the caller's set. Returns 1 with ans holding the records
 * when some were found, 0 when none were (ans is then empty), or -1.
 */
static int
lookup_records(struct kmta_dns *dns, const char *name, ldns_rr_type type,
    struct kmta_dns_answer *ans, enum kmta_dns_result *result,
    enum kmta_dnssec *security, char *why, size_t whylen,
    struct kmta_err *err)
{
	if (kmta_dns_lookup(dns, name, type, ans, err) == -1)
		return -1;
	*result = ans->result;
	*security = ans->security;
	snprintf(why, whylen, "%s", ans->why);
	if (ans->result != KMTA_DNS_FOUND) {
		kmta_dns_answer_free(ans);
		return 0;
	}
	return 1;
}

static int
mx_compare(const void *a, const void *b)
{
	const struct kmta_mx *x = a, *y = b;

	return (int)x->preference - (int)y->preference;
}

int
kmta_dns_mx(struct kmta_dns *dns, const char *domain, struct kmta_mx_set *out,
    struct kmta_err *err)
{
	struct kmta_dns_answer ans;
	size_t i, n;
	ldns_rr *rr;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = lookup_records(dns, domain, LDNS_RR_TYPE_MX, &ans, &out->result,
	    &out->security, out->why, sizeof(out->why), err);
	if (rc <= 0)
		return rc;

	n = ldns_rr_list_rr_count(ans.rrs);
	out->hosts = calloc(n, sizeof(*out->hosts));
	if (out->hosts == NULL) {
		kmta_dns_answer_free(&ans);
		return no_memory(err, domain);
	}
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(ans.rrs, i);
		out->hosts[i].preference = ldns_rdf2native_int16(
		    ldns_rr_rdf(rr, 0));
		kmta_dns_name_str(ldns_rr_rdf(rr, 1), out->hosts[i].host,
		    sizeof(out->hosts[i].host));
	}
	out->count = n;
	kmta_dns_answer_free(&ans);
	qsort(out->hosts, n, sizeof(*out->hosts), mx_compare);

	/* RFC 7505: a single "MX 0 ." means the domain accepts no mail. */
	if (n == 1 && strcmp(out->hosts[0].host, ".") == 0)
		out->null_mx = true;
	return 0;
}

void
kmta_mx_set_free(struct kmta_mx_set *set)
{
	free(set->hosts);
	set->hosts = NULL;
	set->count = 0;
}

static int
append_addrs(struct kmta_addr_set *out, const struct kmta_dns_answer *ans,
    struct kmta_err *err)
{
	size_t i, n = ldns_rr_list_rr_count(ans->rrs);
	char (*grown)[64];
	char *s;

	grown = realloc(out->addrs, (out->count + n) * sizeof(*out->addrs));
	if (grown == NULL)
		return no_memory(err, out->name);
	out->addrs = grown;
	for (i = 0; i < n; i++) {
		s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ans->rrs, i), 0));
		if (s == NULL)
			return no_memory(err, out->name);
		snprintf(out->addrs[out->count++], 64, "%s", s);
		free(s);
	}
	return 0;
}

static int
result_rank(enum kmta_dns_result r)
{
	static const int rank[] = { 2, 1, 0, 3 };

	return rank[r];
}

/* Merge one family's answer: failed beats found, nodata and nxdomain. */
static int
merge_addrs(struct kmta_addr_set *out, struct kmta_dns_answer *ans,
    bool first, struct kmta_err *err)
{
	int rc = 0;

	if (first) {
		out->security = ans->security;
		out->result = ans->result;
	} else {
		out->security = kmta_dnssec_worst(out->security,
		    ans->security);
		if (result_rank(ans->result) > result_rank(out->result))
			out->result = ans->result;
	}
	if (ans->result == KMTA_DNS_FAILED)
		snprintf(out->why, sizeof(out->why), "%s", ans->why);
	snprintf(out->name, sizeof(out->name), "%s", ans->name);
	if (ans->cnames > out->cnames)
		out->cnames = ans->cnames;
	if (ans->result == KMTA_DNS_FOUND)
		rc = append_addrs(out, ans, err);
	kmta_dns_answer_free(ans);
	return rc;
}

int
kmta_dns_addrs(struct kmta_dns *dns, const char *host, int family,
    struct kmta_addr_set *out, struct kmta_err *err)
{
	struct kmta_dns_answer ans;
	bool first = true;

	memset(out, 0, sizeof(*out));
	if (family != 6) {
		if (kmta_dns_lookup(dns, host, LDNS_RR_TYPE_A, &ans, err) == -1)
			return -1;
		if (merge_addrs(out, &ans, first, err) == -1)
			return -1;
		first = false;
	}
	if (family != 4) {
		if (kmta_dns_lookup(dns, host, LDNS_RR_TYPE_AAAA, &ans,
		    err) == -1)
			return -1;
		if (merge_addrs(out, &ans, first, err) == -1)
			return -1;
	}
	if (out->result == KMTA_DNS_FOUND && out->count == 0)
		out->result = KMTA_DNS_NODATA;
	return 0;
}

void
kmta_addr_set_free(struct kmta_addr_set *set)
{
	free(set->addrs);
	set->addrs = NULL;
	set->count = 0;
}

/* Join the character-strings of one TXT record. */
static char *
txt_join(const ldns_rr *rr)
{
	size_t i, len = 0, n = ldns_rr_rd_count(rr);
	const ldns_rdf *rdf;
	char *text;

	for (i = 0; i < n; i++)
		len += ldns_rdf_size(ldns_rr_rdf(rr, i));
	text = malloc(len + 1);
	if (text == NULL)
		return NULL;
	len = 0;
	for (i = 0; i < n; i++) {
		rdf = ldns_rr_rdf(rr, i);
		/* Wire form: one length byte, then the bytes. */
		if (ldns_rdf_size(rdf) < 1)
			continue;
		memcpy(text + len, ldns_rdf_data(rdf) + 1,
		    ldns_rdf_size(rdf) - 1);
		len += ldns_rdf_size(rdf) - 1;
	}
	text[len] = '\0';
	return text;
}

int
kmta_dns_txt(struct kmta_dns *dns, const char *name, struct kmta_txt_set *out,
    struct kmta_err *err)
{
	struct kmta_dns_answer ans;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = lookup_records(dns, name, LDNS_RR_TYPE_TXT, &ans, &out->result,
	    &out->security, out->why, sizeof(out->why), err);
	if (rc <= 0)
		return rc;

	n = ldns_rr_list_rr_count(ans.rrs);
	out->texts = calloc(n, sizeof(*out->texts));
	if (out->texts == NULL) {
		kmta_dns_answer_free(&ans);
		return no_memory(err, name);
	}
	for (i = 0; i < n; i++) {
		out->texts[i] = txt_join(ldns_rr_list_rr(ans.rrs, i));
		if (out->texts[i] == NULL) {
			kmta_dns_answer_free(&ans);
			kmta_txt_set_free(out);
			return no_memory(err, name);
		}
		out->count++;
	}
	kmta_dns_answer_free(&ans);
	return 0;
}

void
kmta_txt_set_free(struct kmta_txt_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		free(set->texts[i]);
	free(set->texts);
	set->texts = NULL;
	set->count = 0;
}
