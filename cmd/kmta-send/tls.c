/*
 * TLS for SMTP with OpenSSL: the handshake after STARTTLS (RFC 3207) or
 * on connect (implicit TLS, RFC 8314), at the destination's TLS level.
 *   opportunistic, required   encrypt, accept any certificate
 *   verify                    PKIX chain to [send] ca_file (else the
 *                             system store) and the host name matches
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "send.h"

static const char *const level_names[] = {
	[TLS_DISABLED] = "disabled",
	[TLS_OPPORTUNISTIC] = "opportunistic",
	[TLS_REQUIRED] = "required",
	[TLS_VERIFY] = "verify",
	[TLS_DANE] = "dane",
};

int
tls_level_parse(const char *s, enum tls_level *level)
{
	size_t i;

	/* "dane" comes from TLSA records only, never from a setting. */
	for (i = 0; i < TLS_DANE; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*level = (enum tls_level)i;
			return 0;
		}
	return -1;
}

const char *
tls_level_name(enum tls_level level)
{
	return level_names[level];
}

/*
 * Load [send] client_cert (a PEM chain file) and client_key (a key source)
 * into ctx, for servers that ask for a client certificate. The key's
 * bytes are wiped as soon as OpenSSL has parsed them.
 */
static int
tls_client_cert(const struct send_opts *o, SSL_CTX *ctx, struct kmta_err *err)
{
	const char *cert = kmta_conf_str(o->conf, "send", "client_cert", NULL);
	const char *key = kmta_conf_str(o->conf, "send", "client_key", NULL);
	struct kmta_secret pem = { 0 };
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int ok;

	if (cert == NULL && key == NULL)
		return 0;
	if (cert == NULL || key == NULL)
		return kmta_err_set(err, EX_CONFIG, "[send] client_cert and "
		    "client_key must be set together");
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return kmta_err_set(err, EX_CONFIG, "[send] client_cert: cannot "
		    "load a PEM certificate chain from %s", cert);
	if (keysource_load(o->conf, key, &pem, err) == -1)
		return kmta_err_wrap(err, "[send] client_key");

	bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	kmta_secret_free(&pem);
	ok = pkey != NULL && SSL_CTX_use_PrivateKey(ctx, pkey) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1;
	EVP_PKEY_free(pkey);
	if (!ok)
		return kmta_err_set(err, EX_CONFIG, "[send] client_key: not a "
		    "PEM private key that matches %s", cert);
	return 0;
}

/* One context per level class (none, PKIX, DANE), made on first use. */
static SSL_CTX *
tls_context(const struct send_opts *o, enum tls_level level,
    struct kmta_err *err)
{
	static SSL_CTX *ctx[3];
	int kind = 0;
	bool verify;
	SSL_CTX *c;

	if (level == TLS_VERIFY)
		kind = 1;
	else if (level == TLS_DANE)
		kind = 2;
	verify = kind == 1;
	c = ctx[kind];

	if (c != NULL)
		return c;
	c = SSL_CTX_new(TLS_client_method());
	if (c == NULL) {
		kmta_err_set(err, EX_SOFTWARE, "TLS: cannot create context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	if (verify && (o->ca_file != NULL ?
	    SSL_CTX_load_verify_locations(c, o->ca_file, NULL) :
	    SSL_CTX_set_default_verify_paths(c)) != 1) {
		SSL_CTX_free(c);
		kmta_err_set(err, EX_CONFIG, "TLS: cannot load CA certificates "
		    "from %s", o->ca_file != NULL ? o->ca_file :
		    "the system store");
		return NULL;
	}
	if (kind == 2 && SSL_CTX_dane_enable(c) <= 0) {
		SSL_CTX_free(c);
		kmta_err_set(err, EX_SOFTWARE, "TLS: cannot enable DANE");
		return NULL;
	}
	if (tls_client_cert(o, c, err) == -1) {
		SSL_CTX_free(c);
		return NULL;
	}
	ctx[kind] = c;
	return c;
}

/* Check the certificate against the MX or relay name (RFC 6125). */
static int
tls_set_peer_name(SSL *ssl, const char *name)
{
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	unsigned char bin[16];

	if (inet_pton(AF_INET, name, bin) == 1 ||
	    inet_pton(AF_INET6, name, bin) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1 ? 0 : -1;
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set_tlsext_host_name(ssl, name) != 1)
		return -1;
	return SSL_set1_host(ssl, name) == 1 ? 0 : -1;
}

static int
tls_fail(struct smtp_conn *c, struct kmta_err *err)
{
	long vr = SSL_get_verify_result(c->ssl);
	unsigned long e = ERR_get_error();
	char why[256];

	if (vr != X509_V_OK)
		snprintf(why, sizeof(why), "certificate verification failed: %s",
		    X509_verify_cert_error_string(vr));
	else if (e != 0)
		ERR_error_string_n(e, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", errno != 0 ? strerror(errno) :
		    "connection closed by server");
	SSL_free(c->ssl);
	c->ssl = NULL;
	return kmta_err_set(err, EX_TEMPFAIL, "TLS handshake with %s failed: %s",
	    c->peer, why);
}

/* Record the DANE verdict of a finished handshake for the log. */
static void
tls_dane_result(struct smtp_conn *c)
{
	struct kmta_dane_match m;
	size_t len = strlen(c->policy);
	const char *match = "none";

	kmta_dane_ssl_result(c->ssl, &m);
	c->tls_verified = m.verified;
	if (m.verified)
		match = m.depth == 0 ? "leaf" : "issuer";
	snprintf(c->policy + len, sizeof(c->policy) - len, " dane_match=%s",
	    match);
}

/*
 * Log what MTA-STS enforce mode would have rejected on a host of a domain
 * in testing mode (why NULL: nothing), and note the verdict for the log.
 */
void
tls_sts_testing_report(struct smtp_conn *c, const char *why)
{
	size_t len = strlen(c->policy);

	if (!c->sts_testing)
		return;
	if (why != NULL)
		kmta_warn("%s: mta_sts=testing: enforce mode would reject this "
		    "host: %s", c->peer, why);
	snprintf(c->policy + len, sizeof(c->policy) - len,
	    " mta_sts_verdict=%s", why != NULL ? "fail" : "pass");
	c->sts_testing = false;
}

/*
 * Report the PKIX result of a handshake made without SSL_VERIFY_PEER:
 * OpenSSL still checks the chain and the name and records the result.
 */
static void
tls_sts_check(struct smtp_conn *c)
{
	long vr = SSL_get_verify_result(c->ssl);

	if (vr == X509_V_OK)
		tls_sts_testing_report(c, NULL);
	else
		tls_sts_testing_report(c, X509_verify_cert_error_string(vr));
}

int
tls_start(struct smtp_conn *c, const struct send_opts *o,
    enum tls_level level, const struct kmta_dane_host *dane,
    struct kmta_err *err)
{
	bool verify = level == TLS_VERIFY || level == TLS_DANE;
	bool check_only = c->sts_testing && !verify;
	SSL_CTX *ctx = tls_context(o, check_only ? TLS_VERIFY : level, err);
	int rc, e;

	if (ctx == NULL)
		return -1;
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return kmta_err_set(err, EX_SOFTWARE, "TLS: cannot set up a "
		    "session");
	if (level == TLS_DANE && dane != NULL) {
		if (kmta_dane_ssl_arm(c->ssl, dane, err) == -1) {
			SSL_free(c->ssl);
			c->ssl = NULL;
			return -1;
		}
	} else if (tls_set_peer_name(c->ssl, c->name) == -1) {
		return tls_fail(c, err);
	}
	SSL_set_verify(c->ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);

	for (;;) {
		if (conn_arm(c, "TLS handshake with", err) == -1) {
			SSL_free(c->ssl);
			c->ssl = NULL;
			return -1;
		}
		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(c->ssl);
		if (rc == 1) {
			c->tls_verified = verify &&
			    SSL_get_verify_result(c->ssl) == X509_V_OK;
			if (level == TLS_DANE)
				tls_dane_result(c);
			if (check_only)
				tls_sts_check(c);
			return 0;
		}
		e = SSL_get_error(c->ssl, rc);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return tls_fail(c, err);
	}
}

/* "tls=TLSv1.3 cipher=..." and the DANE verdict, if any, for logs. */
void
tls_describe(const struct smtp_conn *c, char *buf, size_t size)
{
	const char *policy = c != NULL ? c->policy : "";

	if (c == NULL || c->ssl == NULL)
		snprintf(buf, size, "tls=none%s%s", policy[0] ? " " : "",
		    policy);
	else
		snprintf(buf, size, "tls=%s cipher=%s%s%s",
		    SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl),
		    policy[0] ? " " : "", policy);
}
