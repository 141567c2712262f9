/* DANE outcome of an MX host from its addresses and TLSA RRset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane.h"

bool
kmta_tlsa_usable(const struct kmta_tlsa *t)
{
	if (t->usage != KMTA_TLSA_DANE_TA && t->usage != KMTA_TLSA_DANE_EE)
		return false;
	if (t->selector > 1 || t->len == 0)
		return false;
	switch (t->mtype) {
	case 0:
		return true;
	case 1:
		return t->len == 32;
	case 2:
		return t->len == 64;
	default:
		return false;
	}
}

const char *
kmta_dane_outcome_name(enum kmta_dane_outcome o)
{
	static const char *names[] = { "usable", "unusable", "absent",
	    "insecure", "failed" };

	return names[o];
}

const char *
kmta_tlsa_usage_name(uint8_t usage)
{
	static const char *names[] = { "PKIX-TA", "PKIX-EE", "DANE-TA",
	    "DANE-EE" };

	return usage < 4 ? names[usage] : "unknown";
}

void
kmta_tlsa_format(const struct kmta_tlsa *t, char *out, size_t outlen)
{
	size_t i;
	int n;

	n = snprintf(out, outlen, "%u %u %u ", t->usage, t->selector,
	    t->mtype);
	for (i = 0; i < t->len && n > 0 && (size_t)n + 3 <= outlen; i++)
		n += snprintf(out + n, outlen - (size_t)n, "%02x", t->data[i]);
}

/*
 * Copy one TLSA record into t. Returns -1 for a malformed record, and for
 * one whose data is larger than KMTA_TLSA_DATA_MAX: then t has the usage,
 * selector and type, len is 0 and *data_len is the size of the data.
 */
static int
tlsa_from_rr(const ldns_rr *rr, struct kmta_tlsa *t, size_t *data_len)
{
	const ldns_rdf *data;

	*data_len = 0;
	t->len = 0;
	if (ldns_rr_rd_count(rr) != 4)
		return -1;
	t->usage = ldns_rdf2native_int8(ldns_rr_rdf(rr, 0));
	t->selector = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
	t->mtype = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
	data = ldns_rr_rdf(rr, 3);
	*data_len = ldns_rdf_size(data);
	if (*data_len > KMTA_TLSA_DATA_MAX)
		return -1;
	t->len = *data_len;
	memcpy(t->data, ldns_rdf_data(data), t->len);
	return 0;
}

/*
 * Whether t, whose data was too large to keep, would otherwise be usable:
 * a DANE-TA(2) or DANE-EE(3) record with a full certificate or key (type
 * 0). Dropping it could leave only unusable records and so turn
 * certificate checks off, so such a record fails the lookup instead.
 */
static bool
tlsa_usable_but_too_large(const struct kmta_tlsa *t, size_t data_len)
{
	return data_len > KMTA_TLSA_DATA_MAX &&
	    (t->usage == KMTA_TLSA_DANE_TA || t->usage == KMTA_TLSA_DANE_EE) &&
	    t->selector <= 1 && t->mtype == 0;
}

/* Query _PORT._tcp.BASE and keep the answer in h. */
static int
lookup_tlsa(struct kmta_dns *dns, const char *base, int port,
    struct kmta_dane_host *h, struct kmta_err *err)
{
	struct kmta_dns_answer ans;
	char name[KMTA_DNS_NAME_MAX + 16];
	size_t i, n, data_len;

	snprintf(name, sizeof(name), "_%d._tcp.%s", port, base);
	if (kmta_dns_lookup(dns, name, LDNS_RR_TYPE_TLSA, &ans, err) == -1)
		return -1;
	snprintf(h->tlsa_base, sizeof(h->tlsa_base), "%s", base);
	h->tlsa_result = ans.result;
	h->tlsa_security = ans.security;
	if (ans.result == KMTA_DNS_FAILED)
		snprintf(h->why, sizeof(h->why), "TLSA lookup %s: %s", name,
		    ans.why);
	if (ans.result != KMTA_DNS_FOUND)
		return 0;

	n = ldns_rr_list_rr_count(ans.rrs);
	h->tlsa = calloc(n, sizeof(*h->tlsa));
	if (h->tlsa == NULL) {
		kmta_dns_answer_free(&ans);
		return kmta_err_set(err, EX_OSERR, "%s: %s", name,
		    strerror(errno));
	}
	for (i = 0; i < n; i++) {
		if (tlsa_from_rr(ldns_rr_list_rr(ans.rrs, i),
		    &h->tlsa[h->count], &data_len) == -1) {
			if (!tlsa_usable_but_too_large(&h->tlsa[h->count],
			    data_len))
				continue;
			h->tlsa_result = KMTA_DNS_FAILED;
			snprintf(h->why, sizeof(h->why), "TLSA lookup %s: a "
			    "record has %zu bytes of data, more than the %d "
			    "that kmta supports", name, data_len,
			    KMTA_TLSA_DATA_MAX);
			break;
		}
		if (kmta_tlsa_usable(&h->tlsa[h->count]))
			h->usable++;
		h->count++;
	}
	kmta_dns_answer_free(&ans);
	return 0;
}

/*
 * RFC 7672 section 2.2.2: after a secure CNAME expansion the TLSA RRset of
 * the expanded name is tried first, then that of the original name.
 */
static int
find_tlsa(struct kmta_dns *dns, const char *host, int port,
    struct kmta_dane_host *h, struct kmta_err *err)
{
	if (h->addrs.cnames > 0 && h->addrs.security == KMTA_DNSSEC_SECURE) {
		if (lookup_tlsa(dns, h->addrs.name, port, h, err) == -1)
			return -1;
		if (h->tlsa_result == KMTA_DNS_FOUND ||
		    h->tlsa_result == KMTA_DNS_FAILED)
			return 0;
	}
	return lookup_tlsa(dns, host, port, h, err);
}

static enum kmta_dane_outcome
decide(struct kmta_dane_host *h)
{
	if (h->mx_security == KMTA_DNSSEC_INSECURE ||
	    h->addrs.security == KMTA_DNSSEC_INSECURE)
		return KMTA_DANE_INSECURE;
	if (h->tlsa_result == KMTA_DNS_FAILED)
		return KMTA_DANE_FAILED;
	if (h->tlsa_security != KMTA_DNSSEC_SECURE)
		return KMTA_DANE_INSECURE;
	if (h->tlsa_result != KMTA_DNS_FOUND)
		return KMTA_DANE_ABSENT;
	return h->usable > 0 ? KMTA_DANE_USABLE : KMTA_DANE_UNUSABLE;
}

int
kmta_dane_host(struct kmta_dns *dns, const char *host, int port,
    enum kmta_dnssec mx_security, int family, struct kmta_dane_host *h,
    struct kmta_err *err)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->host, sizeof(h->host), "%s", host);
	snprintf(h->tlsa_base, sizeof(h->tlsa_base), "%s", host);
	h->mx_security = mx_security;
	h->tlsa_result = KMTA_DNS_FAILED;
	h->tlsa_security = KMTA_DNSSEC_FAILED;

	if (kmta_dns_addrs(dns, host, family, &h->addrs, err) == -1)
		return -1;
	if (mx_security == KMTA_DNSSEC_FAILED ||
	    mx_security == KMTA_DNSSEC_BOGUS) {
		h->outcome = KMTA_DANE_FAILED;
		snprintf(h->why, sizeof(h->why), "MX lookup %s",
		    kmta_dnssec_name(mx_security));
		return 0;
	}
	if (h->addrs.result != KMTA_DNS_FOUND) {
		h->outcome = KMTA_DANE_FAILED;
		snprintf(h->why, sizeof(h->why), "address lookup %s: %s",
		    host, h->addrs.result == KMTA_DNS_FAILED ? h->addrs.why :
		    "no A or AAAA record");
		return 0;
	}

	if (find_tlsa(dns, host, port, h, err) == -1)
		return -1;
	h->outcome = decide(h);
	return 0;
}

void
kmta_dane_host_free(struct kmta_dane_host *h)
{
	kmta_addr_set_free(&h->addrs);
	free(h->tlsa);
	h->tlsa = NULL;
	h->count = 0;
}
