/*
 * One SMTP connection to one address of an MX host: banner, EHLO,
 * STARTTLS, a TLS handshake verified with DANE (when the host has usable
 * TLSA records) or PKIX (else, for MTA-STS), then QUIT.
 */
#ifndef KMTA_DANE_CHECK_PROBE_H
#define KMTA_DANE_CHECK_PROBE_H

#include <stdbool.h>

#include "dane.h"

struct probe_options {
	int port;
	long timeout;		/* seconds per connect, read and handshake */
	const char *helo;
	const char *ca_file;	/* PKIX trust anchors; NULL: system default */
};

struct probe_result {
	char addr[64];
	bool connected;
	bool starttls_offered;
	bool tls;		/* handshake completed */
	bool temporary;		/* the failure may pass on a retry */
	char error[256];	/* why the probe stopped early */
	char tls_version[32];
	char cipher[64];
	bool has_cert;
	long days_left;		/* until the leaf certificate expires */
	char subject[256];	/* leaf subject CN, for reports */
	bool dane_checked;
	struct kmta_dane_match dane;
	bool pkix_valid;	/* chain and name valid for the MX host */
	char pkix_why[160];
};

/*
 * Probe addr for host h. DANE verification is armed when h's outcome is
 * usable, and after a completed handshake the chain is also checked under
 * PKIX against the MX host name. Every problem is recorded in out.
 */
void probe_host(const struct probe_options *opt, const struct kmta_dane_host *h,
    const char *addr, struct probe_result *out);

#endif
