/* The name this host gives itself in SMTP and in the mail it writes. */
#ifndef KMTA_HOSTNAME_H
#define KMTA_HOSTNAME_H

#include <stddef.h>

/*
 * Write the host name to out: configured ([send] helo_name) when not
 * NULL, else gethostname(2), else "localhost". kmta-send greets with it
 * and kmta-queue puts it in the DSNs and Message-IDs it writes.
 */
void kmta_host_name(const char *configured, char *out, size_t outlen);

#endif
