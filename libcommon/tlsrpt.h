/* SMTP TLS Reporting (RFC 8460): the _smtp._tls TXT record. */
#ifndef KMTA_TLSRPT_H
#define KMTA_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "err.h"

#define KMTA_TLSRPT_MAX_RUA 8

struct kmta_tlsrpt {
	enum kmta_dns_result result;	/* of the TXT lookup */
	bool found;			/* one valid v=TLSRPTv1 record */
	size_t rua_count;
	char rua[KMTA_TLSRPT_MAX_RUA][512];	/* mailto: and https: URIs */
	char error[256];		/* why the record is invalid */
};

/*
 * Parse "v=TLSRPTv1; rua=URI[,URI]": v first, rua required, each URI
 * mailto: or https:. Other fields are ignored. EX_DATAERR when invalid.
 */
int kmta_tlsrpt_parse(const char *txt, struct kmta_tlsrpt *out,
    struct kmta_err *err);

/* Look up _smtp._tls.DOMAIN. Returns -1 only on a malformed name or ENOMEM. */
int kmta_tlsrpt_get(struct kmta_dns *dns, const char *domain,
    struct kmta_tlsrpt *out, struct kmta_err *err);

#endif
