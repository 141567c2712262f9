/*
 * Reading one string field out of the JSON object that `kmta-secret get
 * --json` prints (RFC 8259). kmta-sign does not link jansson for this one
 * job, so that start-up loads no library it can do without.
 */
#include <stdbool.h>
#include <string.h>

#include "secretexec.h"

struct json_cursor {
	const unsigned char *p;
	const unsigned char *end;
};

static void
skip_space(struct json_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Append one byte when it fits; *len counts every byte, stored or not. */
static void
put_byte(unsigned char *dst, size_t cap, size_t *len, unsigned v)
{
	if (dst != NULL && *len < cap)
		dst[*len] = (unsigned char)v;
	(*len)++;
}

static void
put_utf8(unsigned char *dst, size_t cap, size_t *len, unsigned cp)
{
	if (cp < 0x80) {
		put_byte(dst, cap, len, cp);
	} else if (cp < 0x800) {
		put_byte(dst, cap, len, 0xc0 | cp >> 6);
		put_byte(dst, cap, len, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		put_byte(dst, cap, len, 0xe0 | cp >> 12);
		put_byte(dst, cap, len, 0x80 | ((cp >> 6) & 0x3f));
		put_byte(dst, cap, len, 0x80 | (cp & 0x3f));
	} else {
		put_byte(dst, cap, len, 0xf0 | cp >> 18);
		put_byte(dst, cap, len, 0x80 | ((cp >> 12) & 0x3f));
		put_byte(dst, cap, len, 0x80 | ((cp >> 6) & 0x3f));
		put_byte(dst, cap, len, 0x80 | (cp & 0x3f));
	}
}

/* Decode a \u escape at c->p (after the backslash and 'u'), pairs too. */
static int
decode_unicode(struct json_cursor *c, unsigned *cp)
{
	unsigned low;

	if (c->end - c->p < 4 || hex4(c->p, cp) == -1)
		return -1;
	c->p += 4;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return -1;
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;

	/* A high surrogate must be followed by \u and a low surrogate. */
	if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
	    hex4(c->p + 2, &low) == -1 || low < 0xdc00 || low > 0xdfff)
		return -1;
	c->p += 6;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
	return 0;
}

/*
 * Decode the string at c->p (at its opening quote) into dst, of cap
 * bytes; dst NULL only skips it. *len is the decoded length, which may
 * exceed cap. Returns -1 for a malformed string.
 */
static int
decode_string(struct json_cursor *c, unsigned char *dst, size_t cap,
    size_t *len)
{
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const char *e;
	unsigned cp;

	*len = 0;
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p < 0x20)
			return -1;
		if (*c->p != '\\') {
			put_byte(dst, cap, len, *c->p++);
			continue;
		}
		if (++c->p >= c->end)
			return -1;
		if (*c->p++ == 'u') {
			if (decode_unicode(c, &cp) == -1)
				return -1;
			put_utf8(dst, cap, len, cp);
			continue;
		}
		for (e = escapes; *e != '\0' && *e != (char)c->p[-1]; e += 2)
			;
		if (*e == '\0')
			return -1;
		put_byte(dst, cap, len, (unsigned char)e[1]);
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	return 0;
}

/* Skip a number, literal, array or object; strings inside are decoded. */
static int
skip_value(struct json_cursor *c)
{
	const unsigned char *start;
	size_t ignored;
	int depth = 0;

	do {
		skip_space(c);
		if (c->p >= c->end)
			return -1;
		if (*c->p == '"') {
			if (decode_string(c, NULL, 0, &ignored) == -1)
				return -1;
		} else if (*c->p == '{' || *c->p == '[') {
			depth++;
			c->p++;
		} else if (*c->p == '}' || *c->p == ']') {
			if (--depth < 0)
				return -1;
			c->p++;
		} else if (depth > 0 && (*c->p == ',' || *c->p == ':')) {
			c->p++;
		} else {
			start = c->p;
			while (c->p < c->end && strchr(" \t\r\n,:{}[]\"",
			    *c->p) == NULL)
				c->p++;
			if (c->p == start)
				return -1;
		}
	} while (depth > 0);
	return 0;
}

/* Decode the string value at c->p into a locked buffer. */
static int
copy_value(struct json_cursor *c, const char *path, const char *field,
    struct kmta_secret *out, struct kmta_err *err)
{
	struct json_cursor probe = *c;
	size_t len;

	if (c->p >= c->end || *c->p != '"')
		return kmta_err_set(err, EX_DATAERR, "%s: field \"%s\" is not "
		    "a string", path, field);
	if (decode_string(&probe, NULL, 0, &len) == -1)
		return kmta_err_set(err, EX_DATAERR, "%s: invalid JSON from "
		    "kmta-secret", path);
	if (kmta_secret_alloc(out, len) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	decode_string(c, out->data, out->cap, &out->len);
	return 0;
}

int
secretexec_json_field(const unsigned char *json, size_t len,
    const char *path, const char *field, struct kmta_secret *out,
    struct kmta_err *err)
{
	struct json_cursor c = { json, json + len };
	unsigned char name[256];	/* field names are shorter */
	size_t name_len;

	memset(out, 0, sizeof(*out));
	skip_space(&c);
	if (c.p >= c.end || *c.p++ != '{')
		goto invalid;
	skip_space(&c);
	if (c.p < c.end && *c.p == '}')
		goto no_field;

	for (;;) {
		if (decode_string(&c, name, sizeof(name), &name_len) == -1)
			goto invalid;
		skip_space(&c);
		if (c.p >= c.end || *c.p++ != ':')
			goto invalid;
		skip_space(&c);
		if (name_len == strlen(field) &&
		    memcmp(name, field, name_len) == 0)
			return copy_value(&c, path, field, out, err);
		if (skip_value(&c) == -1)
			goto invalid;

		skip_space(&c);
		if (c.p < c.end && *c.p == '}')
			break;
		if (c.p >= c.end || *c.p++ != ',')
			goto invalid;
		skip_space(&c);
	}

no_field:
	return kmta_err_set(err, EX_CONFIG, "%s: no field \"%s\"", path,
	    field);
invalid:
	return kmta_err_set(err, EX_DATAERR, "%s: invalid JSON from "
	    "kmta-secret", path);
}
