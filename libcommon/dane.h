/*
 * DANE for SMTP (RFC 7672, RFC 7671): the TLSA RRset of an MX host and the
 * outcome a sender acts on.
 *
 * A host's outcome follows the tables of Postfix and KumoMTA:
 *
 *   usable      MX RRset, addresses and TLSA RRset secure, at least one
 *               DANE-TA(2) or DANE-EE(3) record that this code can use:
 *               STARTTLS is required and the certificate must match.
 *   unusable    secure TLSA RRset but no usable record: STARTTLS is
 *               required, the certificate is not checked.
 *   absent      TLSA securely absent: DANE does not apply.
 *   insecure    the MX RRset, the addresses or the TLSA RRset is insecure:
 *               DANE does not apply.
 *   failed      a lookup failed or was bogus on a secure chain: defer the
 *               delivery, never fall back to cleartext.
 */
#ifndef KMTA_DANE_H
#define KMTA_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "dns.h"
#include "err.h"

/*
 * The largest TLSA data kept: room for a full certificate (matching type
 * 0), which is often over 1 KB with an RSA key. A usable record with more
 * data fails the lookup (see kmta_dane_host), so it never goes unchecked.
 */
#define KMTA_TLSA_DATA_MAX 8192

enum kmta_tlsa_usage {
	KMTA_TLSA_PKIX_TA = 0,
	KMTA_TLSA_PKIX_EE = 1,
	KMTA_TLSA_DANE_TA = 2,
	KMTA_TLSA_DANE_EE = 3,
};

struct kmta_tlsa {
	uint8_t usage;
	uint8_t selector;	/* 0 full certificate, 1 SubjectPublicKeyInfo */
	uint8_t mtype;		/* 0 full, 1 SHA-256, 2 SHA-512 */
	size_t len;
	unsigned char data[KMTA_TLSA_DATA_MAX];
};

enum kmta_dane_outcome {
	KMTA_DANE_USABLE,
	KMTA_DANE_UNUSABLE,
	KMTA_DANE_ABSENT,
	KMTA_DANE_INSECURE,
	KMTA_DANE_FAILED,
};

struct kmta_dane_host {
	char host[KMTA_DNS_NAME_MAX];		/* MX host as published */
	char tlsa_base[KMTA_DNS_NAME_MAX];	/* name the TLSA RRset is at */
	enum kmta_dane_outcome outcome;
	enum kmta_dnssec mx_security;
	struct kmta_addr_set addrs;
	enum kmta_dnssec tlsa_security;
	enum kmta_dns_result tlsa_result;
	size_t count;			/* all TLSA records */
	size_t usable;			/* those kmta_tlsa_usable accepts */
	struct kmta_tlsa *tlsa;
	char why[160];			/* why the outcome is failed */
};

/* True for DANE-TA(2) and DANE-EE(3) with a known selector and type. */
bool kmta_tlsa_usable(const struct kmta_tlsa *t);

/*
 * Look up the addresses and the TLSA RRset of host and decide the outcome.
 * mx_security is the status of the MX RRset that named host; pass
 * KMTA_DNSSEC_SECURE for a host given by itself. port is the TCP port of
 * the TLSA name (_PORT._tcp.HOST), family is 0, 4 or 6. Returns -1 only
 * on a malformed name or exhausted memory.
 */
int kmta_dane_host(struct kmta_dns *dns, const char *host, int port,
    enum kmta_dnssec mx_security, int family, struct kmta_dane_host *out,
    struct kmta_err *err);
void kmta_dane_host_free(struct kmta_dane_host *h);

const char *kmta_dane_outcome_name(enum kmta_dane_outcome o);
const char *kmta_tlsa_usage_name(uint8_t usage);

/* "3 1 1 ab12..." for messages and reports. */
void kmta_tlsa_format(const struct kmta_tlsa *t, char *out, size_t outlen);

/*
 * Arm ssl for DANE verification of h (usable outcome only): SNI set to the
 * host, its usable TLSA records loaded, name checks for DANE-TA against the
 * host and the TLSA base name, none for DANE-EE (RFC 7672 section 3.2).
 * SSL_CTX_dane_enable must have been called on ssl's context.
 */
int kmta_dane_ssl_arm(SSL *ssl, const struct kmta_dane_host *h,
    struct kmta_err *err);

/* After the handshake: which TLSA record matched, and at which depth. */
struct kmta_dane_match {
	bool verified;
	int depth;			/* certificate depth, 0 is the leaf */
	struct kmta_tlsa tlsa;
	char why[160];			/* verification error otherwise */
};

void kmta_dane_ssl_result(SSL *ssl, struct kmta_dane_match *m);

#endif
