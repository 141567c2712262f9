/* "kmta-dane-check tlsa CERTFILE": the TLSA records to publish. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tlsa.h"

/* SHA-256 of the DER SubjectPublicKeyInfo, as TLSA selector 1 type 1. */
static int
spki_sha256(X509 *cert, struct kmta_tlsa *t)
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int len;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len <= 0)
		return -1;
	if (EVP_Digest(der, (size_t)len, t->data, &mdlen, EVP_sha256(),
	    NULL) != 1) {
		OPENSSL_free(der);
		return -1;
	}
	OPENSSL_free(der);
	t->selector = 1;
	t->mtype = 1;
	t->len = mdlen;
	return 0;
}

static void
print_record(FILE *out, const char *host, int port, const struct kmta_tlsa *t,
    X509 *cert)
{
	char rec[KMTA_TLSA_DATA_MAX * 2 + 16], cn[256] = "";

	kmta_tlsa_format(t, rec, sizeof(rec));
	X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
	    cn, sizeof(cn));
	if (host != NULL)
		fprintf(out, "_%d._tcp.%s. IN TLSA %s ; %s CN=%s\n", port,
		    host, rec, kmta_tlsa_usage_name(t->usage), cn);
	else
		fprintf(out, "%s ; %s CN=%s\n", rec,
		    kmta_tlsa_usage_name(t->usage), cn);
}

int
tlsa_print(FILE *out, const char *certfile, const char *host, int port,
    struct kmta_err *err)
{
	struct kmta_tlsa t = { 0 };
	X509 *leaf, *issuer;
	FILE *f;

	f = fopen(certfile, "r");
	if (f == NULL)
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    certfile, strerror(errno));
	leaf = PEM_read_X509(f, NULL, NULL, NULL);
	issuer = leaf ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	fclose(f);
	if (leaf == NULL)
		return kmta_err_set(err, EX_DATAERR, "%s: no PEM certificate",
		    certfile);

	t.usage = KMTA_TLSA_DANE_EE;
	if (spki_sha256(leaf, &t) == -1)
		goto fail;
	print_record(out, host, port, &t, leaf);
	if (issuer != NULL) {
		t.usage = KMTA_TLSA_DANE_TA;
		if (spki_sha256(issuer, &t) == -1)
			goto fail;
		print_record(out, host, port, &t, issuer);
	}
	X509_free(leaf);
	X509_free(issuer);
	return 0;
fail:
	X509_free(leaf);
	X509_free(issuer);
	return kmta_err_set(err, EX_DATAERR, "%s: cannot hash the public key",
	    certfile);
}
