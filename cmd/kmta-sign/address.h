/* The author domain of a message, from its From field (RFC 5322 3.6.2). */
#ifndef KMTA_SIGN_ADDRESS_H
#define KMTA_SIGN_ADDRESS_H

#include <stddef.h>

#include "err.h"
#include "message.h"

#define DOMAIN_MAX 254

/*
 * Find the domain of the one address in the message's one From field and
 * store it lower-cased in domain (DOMAIN_MAX bytes). Errors are
 * EX_DATAERR: no From field, several From fields, several addresses, or
 * an address without a valid domain.
 */
int sign_from_domain(const struct kmta_message *m, char *domain,
    struct kmta_err *err);

#endif
