/* The TLSA records to publish for a certificate chain. */
#ifndef KMTA_DANE_CHECK_TLSA_H
#define KMTA_DANE_CHECK_TLSA_H

#include <stdio.h>

#include "dane.h"

/*
 * Print "3 1 1 HEX" for the first certificate in certfile (PEM) and
 * "2 1 1 HEX" for the second (its issuer), if any. With host, each line
 * is a zone-file line for _PORT._tcp.HOST.
 */
int tlsa_print(FILE *out, const char *certfile, const char *host, int port,
    struct kmta_err *err);

#endif
