/*
 * Zone-file TXT records in a keys file, as genkey prints them:
 *
 *   ed1._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=..."
 *   r1._domainkey.example.com. 3600 IN TXT ( "v=DKIM1; k=rsa; p=..."
 *           "...rest of p=..." )
 *
 * The record text is the character-strings joined, with the zone-file
 * escapes \X and \DDD (RFC 1035 section 5.1) undone.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "keyszone.h"

/* Skip blanks; return the start of the next word and its length in *len. */
static const char *
next_word(const char *s, size_t *len)
{
	s += strspn(s, " \t\r\n");
	*len = strcspn(s, " \t\r\n");
	return s;
}

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return len > 0;
}

const char *
keys_zone_rdata(const char *rest)
{
	const char *word;
	size_t len;

	word = next_word(rest, &len);
	if (all_digits(word, len))
		word = next_word(word + len, &len);
	if (len == 2 && strncasecmp(word, "IN", 2) == 0)
		word = next_word(word + len, &len);
	if (len != 3 || strncasecmp(word, "TXT", 3) != 0)
		return NULL;
	return word + len;
}

bool
keys_zone_open(const char *rdata)
{
	bool quoted = false, open = false;
	const char *p;

	for (p = rdata; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '(')
			open = true;
		else if (!quoted && *p == ')')
			open = false;
	}
	return open;
}

/* Undo one escape at *p (after the backslash); return the byte. */
static int
unescape(const char **p)
{
	const char *s = *p;
	int v;

	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2])) {
		v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		*p = s + 3;
		return v <= 255 ? v : -1;
	}
	*p = s + 1;
	return (unsigned char)s[0];
}

int
keys_zone_text(const char *rdata, char *out, size_t outlen)
{
	const char *p = rdata;
	size_t n = 0;
	int c;

	while (*p != '\0') {
		if (*p != '"') {
			if (strchr(" \t\r\n()", *p) == NULL)
				return -1;	/* an unquoted word */
			p++;
			continue;
		}
		for (p++; *p != '"'; ) {
			if (*p == '\0')
				return -1;	/* no closing quote */
			c = (unsigned char)*p++;
			if (c == '\\' && *p != '\0' && (c = unescape(&p)) == -1)
				return -1;
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)c;
		}
		p++;
	}
	out[n] = '\0';
	return 0;
}
