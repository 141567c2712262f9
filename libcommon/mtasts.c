/* The MTA-STS policy and TXT record parsers, and MX pattern matching. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts.h"

const char *
kmta_sts_mode_name(enum kmta_sts_mode m)
{
	static const char *names[] = { "none", "testing", "enforce" };

	return names[m];
}

/* A host name: LDH labels of 1 to 63 characters, 253 in all. */
static bool
valid_host(const char *s)
{
	size_t label = 0, total = strlen(s);
	const char *p;

	if (total == 0 || total > 253)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		if (label == 0 && *p == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

static bool
valid_pattern(const char *s)
{
	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	return valid_host(s);
}

static int
set_field(struct kmta_sts_policy *p, const char *key, const char *value,
    int line, unsigned *seen, struct kmta_err *err)
{
	char *end;

	if (strcmp(key, "version") == 0) {
		if (*seen & 1 || strcmp(value, "STSv1") != 0)
			return kmta_err_set(err, EX_DATAERR, "line %d: "
			    "version: expected STSv1 once, got \"%s\"", line,
			    value);
		*seen |= 1;
	} else if (strcmp(key, "mode") == 0) {
		if (*seen & 2)
			return kmta_err_set(err, EX_DATAERR,
			    "line %d: mode given twice", line);
		if (strcmp(value, "enforce") == 0)
			p->mode = KMTA_STS_ENFORCE;
		else if (strcmp(value, "testing") == 0)
			p->mode = KMTA_STS_TESTING;
		else if (strcmp(value, "none") == 0)
			p->mode = KMTA_STS_NONE;
		else
			return kmta_err_set(err, EX_DATAERR, "line %d: mode: "
			    "invalid value \"%s\" (enforce, testing or none)",
			    line, value);
		*seen |= 2;
	} else if (strcmp(key, "max_age") == 0) {
		errno = 0;
		p->max_age = strtol(value, &end, 10);
		if (*seen & 4 || !isdigit((unsigned char)value[0]) ||
		    *end != '\0' || errno != 0 || strlen(value) > 10 ||
		    p->max_age > KMTA_STS_MAX_AGE_MAX)
			return kmta_err_set(err, EX_DATAERR, "line %d: "
			    "max_age: invalid value \"%s\" (0 to %d, once)",
			    line, value, KMTA_STS_MAX_AGE_MAX);
		*seen |= 4;
	} else if (strcmp(key, "mx") == 0) {
		if (!valid_pattern(value))
			return kmta_err_set(err, EX_DATAERR, "line %d: mx: "
			    "invalid pattern \"%s\"", line, value);
		if (p->mx_count == KMTA_STS_MAX_MX)
			return kmta_err_set(err, EX_DATAERR, "line %d: more "
			    "than %d mx patterns", line, KMTA_STS_MAX_MX);
		snprintf(p->mx[p->mx_count++], KMTA_DNS_NAME_MAX, "%s", value);
	}
	return 0;
}

/* Split one line into key and value at ':' and optional blanks. */
static int
parse_line(char *line, int lineno, char **key, char **value,
    struct kmta_err *err)
{
	char *colon = strchr(line, ':'), *p;

	if (colon == NULL || colon == line)
		return kmta_err_set(err, EX_DATAERR,
		    "line %d: expected \"key: value\"", lineno);
	*colon = '\0';
	for (p = line; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			return kmta_err_set(err, EX_DATAERR,
			    "line %d: invalid key \"%s\"", lineno, line);
	*key = line;
	for (p = colon + 1; *p == ' ' || *p == '\t'; p++)
		;
	*value = p;
	/* Trailing blanks are not part of the value. */
	p += strlen(p);
	while (p > *value && (p[-1] == ' ' || p[-1] == '\t'))
		*--p = '\0';
	return 0;
}

int
kmta_sts_parse(const char *text, size_t len, struct kmta_sts_policy *p,
    struct kmta_err *err)
{
	char line[1024], *key = NULL, *value = NULL;
	size_t start = 0, end, n;
	unsigned seen = 0;
	int lineno = 0;

	memset(p, 0, sizeof(*p));
	if (len > KMTA_STS_POLICY_MAX)
		return kmta_err_set(err, EX_DATAERR,
		    "policy larger than %d bytes", KMTA_STS_POLICY_MAX);
	while (start < len) {
		lineno++;
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		n = end - start;
		if (n > 0 && text[start + n - 1] == '\r')
			n--;
		if (n >= sizeof(line) || memchr(text + start, '\0', n))
			return kmta_err_set(err, EX_DATAERR,
			    "line %d: too long or contains NUL", lineno);
		memcpy(line, text + start, n);
		line[n] = '\0';
		start = end + 1;
		if (n == 0)
			continue;
		if (parse_line(line, lineno, &key, &value, err) == -1 ||
		    set_field(p, key, value, lineno, &seen, err) == -1)
			return -1;
	}

	if (!(seen & 1))
		return kmta_err_set(err, EX_DATAERR, "version missing");
	if (!(seen & 2))
		return kmta_err_set(err, EX_DATAERR, "mode missing");
	if (!(seen & 4))
		return kmta_err_set(err, EX_DATAERR, "max_age missing");
	if (p->mx_count == 0 && p->mode != KMTA_STS_NONE)
		return kmta_err_set(err, EX_DATAERR, "mx missing for mode %s",
		    kmta_sts_mode_name(p->mode));
	return 0;
}

int
kmta_sts_txt_parse(const char *txt, char *id, size_t idlen,
    struct kmta_err *err)
{
	const char *p = txt, *v;
	size_t n;
	bool have_id = false;

	if (strncmp(p, "v=STSv1", 7) != 0 || (p[7] != ';' && p[7] != '\0' &&
	    p[7] != ' '))
		return kmta_err_set(err, EX_DATAERR,
		    "\"%s\": does not start with v=STSv1", txt);
	p += 7;
	while (*p != '\0') {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		v = strchr(p, '=');
		n = strcspn(p, ";");
		if (v == NULL || v > p + n)
			return kmta_err_set(err, EX_DATAERR,
			    "\"%s\": field without \"=\"", txt);
		if (strncmp(p, "id=", 3) == 0) {
			n = strcspn(p + 3, "; \t");
			if (n == 0 || n > 32 || n >= idlen || have_id)
				return kmta_err_set(err, EX_DATAERR,
				    "\"%s\": id must be 1 to 32 letters and "
				    "digits, once", txt);
			for (size_t i = 0; i < n; i++)
				if (!isalnum((unsigned char)p[3 + i]))
					return kmta_err_set(err, EX_DATAERR,
					    "\"%s\": id must be letters and "
					    "digits", txt);
			memcpy(id, p + 3, n);
			id[n] = '\0';
			have_id = true;
		}
		p += strcspn(p, ";");
	}
	if (!have_id)
		return kmta_err_set(err, EX_DATAERR, "\"%s\": id missing", txt);
	return 0;
}

bool
kmta_sts_mx_match(const struct kmta_sts_policy *p, const char *host)
{
	const char *dot;
	size_t i;

	for (i = 0; i < p->mx_count; i++) {
		if (strncmp(p->mx[i], "*.", 2) != 0) {
			if (strcasecmp(p->mx[i], host) == 0)
				return true;
			continue;
		}
		/* The wildcard stands for exactly one leftmost label. */
		dot = strchr(host, '.');
		if (dot != NULL && dot != host &&
		    strcasecmp(dot + 1, p->mx[i] + 2) == 0)
			return true;
	}
	return false;
}

bool
kmta_sts_expired(const struct kmta_sts_policy *p, time_t now)
{
	return now >= p->fetched + p->max_age;
}
