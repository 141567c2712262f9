/* Envelope addresses as the queue accepts them. */
#include <string.h>

#include "queue.h"

/*
 * Check an envelope address: local@domain, shorter than the 256 octets of
 * RFC 5321 4.5.3.1.3, no whitespace or control characters (they would
 * break the envelope's tab-separated records and kmta-send's argv), and
 * no leading '-' that a program would take for an option. allow_null
 * accepts "" for the null sender.
 */
int
address_check(const char *addr, bool allow_null, struct kmta_err *err)
{
	const char *at = strrchr(addr, '@');
	const unsigned char *p;

	if (addr[0] == '\0' && allow_null)
		return 0;
	if (addr[0] == '\0')
		return kmta_err_set(err, EX_DATAERR, "empty address");
	if (strlen(addr) > 255)
		return kmta_err_set(err, EX_DATAERR,
		    "address longer than 255 octets: %.64s...", addr);
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return kmta_err_set(err, EX_DATAERR,
			    "invalid address (space or control character): "
			    "%.255s", addr);
	if (addr[0] == '-')
		return kmta_err_set(err, EX_DATAERR,
		    "invalid address (starts with '-'): %s", addr);
	/* A bare name such as "root" gets [queue] local_domain before it
	 * comes here; without that setting it is rejected. */
	if (at == NULL)
		return kmta_err_set(err, EX_DATAERR, "invalid address (no "
		    "domain): %s; set [queue] local_domain to add one to "
		    "bare names such as cron's root", addr);
	if (at == addr || at[1] == '\0')
		return kmta_err_set(err, EX_DATAERR,
		    "invalid address (expected local@domain): %s", addr);
	return 0;
}

/* The domain part of a checked address. */
const char *
address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : addr;
}
