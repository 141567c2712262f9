/* Envelope address checks (RFC 5321 section 4.1.2, with RFC 6531 UTF-8). */
#include <string.h>

#include "send.h"

/* RFC 5321 section 4.5.3.1.3: a path is at most 256 octets with "<>". */
#define ADDR_MAX 254

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at == NULL ? NULL : at + 1;
}

bool
addr_is_ascii(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr > 0x7e)
			return false;
	return true;
}

/* A domain: dot-separated labels of letters, digits, '-' or UTF-8 bytes. */
static bool
domain_valid(const char *d)
{
	size_t label = 0;

	if (d[0] == '[')
		return strlen(d) > 2 && d[strlen(d) - 1] == ']';
	for (; *d != '\0'; d++) {
		unsigned char ch = (unsigned char)*d;

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!(ch >= 0x80 || ch == '-' || (ch >= '0' && ch <= '9') ||
		    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/*
 * Check a mailbox given on the command line or in a batch line. The local
 * part may hold any printable character except the ones that would break
 * the MAIL or RCPT command or our tab-separated output.
 * NOTE: quoted local parts with spaces (RFC 5321 Quoted-string) are rejected.
 */
int
addr_check_mailbox(const char *addr, const char *what, struct kmta_err *err)
{
	const char *domain = addr_domain(addr);
	const char *p;

	if (strlen(addr) > ADDR_MAX)
		return kmta_err_set(err, EX_USAGE, "invalid %s address %.64s...: "
		    "longer than %d octets", what, addr, ADDR_MAX);
	for (p = addr; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>')
			return kmta_err_set(err, EX_USAGE, "invalid %s address "
			    "\"%s\": contains a space, control character, "
			    "'<' or '>'", what, addr);
	}
	if (domain == NULL || domain == addr + 1)
		return kmta_err_set(err, EX_USAGE, "invalid %s address \"%s\": "
		    "expected local-part@domain", what, addr);
	if (!domain_valid(domain))
		return kmta_err_set(err, EX_USAGE, "invalid %s address \"%s\": "
		    "invalid domain \"%s\"", what, addr, domain);
	return 0;
}
