/* OpenSSL's DANE verification, armed from a host's TLSA records. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "dane.h"

int
kmta_dane_ssl_arm(SSL *ssl, const struct kmta_dane_host *h,
    struct kmta_err *err)
{
	size_t i;
	int added = 0;
	const struct kmta_tlsa *t;

	if (SSL_set_tlsext_host_name(ssl, h->host) != 1 ||
	    SSL_dane_enable(ssl, h->host) <= 0)
		return kmta_err_set(err, EX_SOFTWARE,
		    "%s: enabling DANE in OpenSSL failed", h->host);

	/* DANE-TA certificates may name the MX host or the TLSA base. */
	if (strcmp(h->tlsa_base, h->host) != 0 &&
	    SSL_add1_host(ssl, h->tlsa_base) != 1)
		return kmta_err_set(err, EX_SOFTWARE,
		    "%s: adding reference name %s failed", h->host,
		    h->tlsa_base);
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);

	for (i = 0; i < h->count; i++) {
		t = &h->tlsa[i];
		if (!kmta_tlsa_usable(t))
			continue;
		if (SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype,
		    t->data, t->len) > 0)
			added++;
	}
	if (added == 0)
		return kmta_err_set(err, EX_SOFTWARE,
		    "%s: OpenSSL accepted none of the TLSA records", h->host);
	return 0;
}

void
kmta_dane_ssl_result(SSL *ssl, struct kmta_dane_match *m)
{
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t len;
	long verify;

	memset(m, 0, sizeof(*m));
	m->depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data,
	    &len);
	verify = SSL_get_verify_result(ssl);
	if (verify != X509_V_OK || m->depth < 0) {
		snprintf(m->why, sizeof(m->why), "%s",
		    verify != X509_V_OK ? X509_verify_cert_error_string(verify) :
		    "no TLSA record matched");
		return;
	}
	m->verified = true;
	m->tlsa.usage = usage;
	m->tlsa.selector = selector;
	m->tlsa.mtype = mtype;
	m->tlsa.len = len < KMTA_TLSA_DATA_MAX ? len : KMTA_TLSA_DATA_MAX;
	memcpy(m->tlsa.data, data, m->tlsa.len);
}
