#include <string.h>

#include "key.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
dkim_base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
dkim_base64_decode(const char *in, size_t len, unsigned char *out)
{
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0, padding = 0, v;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			padding++;
			continue;
		}
		if (padding > 0 || (v = dkim_base64_value(c)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* Leftover bits must be zero padding: 2 or 4 bits, never 6. */
	if (bits >= 6 || padding > 2 || (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	return (long)n;
}

size_t
dkim_base64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
		    (unsigned long)in[i + 1] << 8 | in[i + 2];

		out[n++] = ALPHABET[(v >> 18) & 63];
		out[n++] = ALPHABET[(v >> 12) & 63];
		out[n++] = ALPHABET[(v >> 6) & 63];
		out[n++] = ALPHABET[v & 63];
	}
	if (i < len) {
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		out[n++] = ALPHABET[(v >> 18) & 63];
		out[n++] = ALPHABET[(v >> 12) & 63];
		out[n++] = i + 1 < len ? ALPHABET[(v >> 6) & 63] : '=';
		out[n++] = '=';
	}
	out[n] = '\0';
	return n;
}
