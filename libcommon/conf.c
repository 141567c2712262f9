#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conf.h"
#include "keysource.h"

/* Parser state: inih calls back per key; the reader counts lines. */
struct conf_parse {
	struct kmta_conf *conf;
	const char *file;
	FILE *fp;
	const char *text;	/* for kmta_conf_load_string */
	int line;
	struct kmta_conf_section *cur;
	char cur_header[512];
	struct kmta_err *err;
	bool failed;
};

static char *
conf_reader_file(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	char *r = fgets(str, num, p->fp);

	if (r != NULL)
		p->line++;
	return r;
}

static char *
conf_reader_string(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	const char *nl;
	size_t n;

	if (*p->text == '\0')
		return NULL;
	nl = strchr(p->text, '\n');
	n = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, p->text, n);
	str[n] = '\0';
	p->text += n;
	p->line++;
	return str;
}

__attribute__((format(printf, 2, 3))) static int
conf_fail(struct conf_parse *p, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		kmta_err_set(p->err, EX_CONFIG, "%s:%d: %s", p->file, p->line,
		    why);
		p->failed = true;
	}
	return 0;
}

static bool
section_type_known(const char *type, bool named)
{
	const struct kmta_conf_key *k;
	bool want_named = strcmp(type, "dkim") == 0 ||
	    strcmp(type, "domain") == 0;

	if (named != want_named)
		return false;
	for (k = kmta_conf_keys; k->section != NULL; k++)
		if (strcmp(k->section, type) == 0)
			return true;
	return false;
}

/* Take one "quoted" string from *s into out; return 0, or -1 if malformed. */
static int
take_quoted(const char **s, char *out, size_t outlen)
{
	const char *p = *s, *end;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"')
		return -1;
	end = strchr(p + 1, '"');
	if (end == NULL)
		return -1;
	n = (size_t)(end - p - 1);
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, p + 1, n);
	out[n] = '\0';
	*s = end + 1;
	return 0;
}

/* Split a section header such as: dkim "example.com" "rsa". */
static int
parse_header(const char *header, char *type, size_t typelen, char *name,
    char *label, size_t namelen)
{
	const char *p = header;
	size_t n = strcspn(p, " \t\"");

	if (n == 0 || n >= typelen)
		return -1;
	memcpy(type, p, n);
	type[n] = '\0';
	p += n;
	name[0] = label[0] = '\0';

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (take_quoted(&p, name, namelen) == -1)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (take_quoted(&p, label, namelen) == -1)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' ? 0 : -1;
}

static struct kmta_conf_section *
section_new(struct conf_parse *p, const char *type, const char *name,
    const char *label)
{
	struct kmta_conf_section *s, **tail;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->type = strdup(type);
	s->name = name[0] ? strdup(name) : NULL;
	s->label = label[0] ? strdup(label) : NULL;
	s->line = p->line;
	if (s->type == NULL || (name[0] && s->name == NULL) ||
	    (label[0] && s->label == NULL)) {
		free(s->type);
		free(s->name);
		free(s->label);
		free(s);
		return NULL;
	}
	for (tail = &p->conf->sections; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s;
	return s;
}

/* Make the section named by header current, creating it on first use. */
static int
enter_section(struct conf_parse *p, const char *header)
{
	char type[64], name[256], label[256];
	const struct kmta_conf_section *found;

	if (strcmp(header, p->cur_header) == 0 && p->cur != NULL)
		return 0;

	if (parse_header(header, type, sizeof(type), name, label,
	    sizeof(name)) == -1)
		return conf_fail(p, "invalid section header [%s]", header), -1;
	if ((strcmp(type, "dkim") == 0 || strcmp(type, "domain") == 0) &&
	    name[0] == '\0')
		return conf_fail(p, "section [%s] needs a name, as in "
		    "[%s \"example.com\"]", header, type), -1;
	if (!section_type_known(type, name[0] != '\0'))
		return conf_fail(p, "unknown section [%s]", header), -1;

	found = kmta_conf_section(p->conf, type, name[0] ? name : NULL,
	    label[0] ? label : NULL);
	p->cur = (struct kmta_conf_section *)found;
	if (p->cur == NULL)
		p->cur = section_new(p, type, name, label);
	if (p->cur == NULL)
		return conf_fail(p, "out of memory"), -1;
	snprintf(p->cur_header, sizeof(p->cur_header), "%s", header);
	return 0;
}

static const struct kmta_conf_key *
key_lookup(const char *section, const char *key)
{
	const struct kmta_conf_key *k;

	for (k = kmta_conf_keys; k->section != NULL; k++)
		if (strcmp(k->section, section) == 0 &&
		    strcmp(k->key, key) == 0)
			break;
	if (k->section != NULL && k->alias_of != NULL)
		return key_lookup(section, k->alias_of);
	return k->section != NULL ? k : NULL;
}

static bool
enum_allows(const char *choices, const char *value)
{
	size_t n = strlen(value);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, "|");

		if (len == n && strncasecmp(p, value, n) == 0)
			return true;
		p = p[len] == '|' ? p + len + 1 : NULL;
	}
	return false;
}

/* Check value against the key's type; return NULL or a reason. */
static const char *
value_problem(const struct kmta_conf_key *k, const char *value)
{
	char host[256];
	bool b;
	long n;
	int port;

	switch (k->type) {
	case KMTA_CONF_STRING:
		return value[0] == '\0' ? "empty value" : NULL;
	case KMTA_CONF_BOOL:
		return kmta_parse_bool(value, &b) == -1 ?
		    "expected yes or no" : NULL;
	case KMTA_CONF_UINT:
		return kmta_parse_uint(value, &n) == -1 ?
		    "expected a whole number" : NULL;
	case KMTA_CONF_DURATION:
		return kmta_parse_duration(value, &n) == -1 ?
		    "expected a duration such as 300, 30s, 5m, 4h or 5d" : NULL;
	case KMTA_CONF_ENUM:
		return enum_allows(k->choices, value) ? NULL :
		    "value not allowed";
	case KMTA_CONF_KEYSOURCE:
		return keysource_check_syntax(value) == -1 ?
		    "expected a key source: file:PATH, /PATH, env:NAME or "
		    "vault:MOUNT/PATH#FIELD" : NULL;
	case KMTA_CONF_PORT:
		return kmta_parse_uint(value, &n) == -1 || n < 1 || n > 65535 ?
		    "expected a port number from 1 to 65535" : NULL;
	case KMTA_CONF_HOSTPORT:
		return kmta_parse_hostport(value, host, sizeof(host), &port,
		    25) == -1 ? "expected host, host:port or [address]:port" :
		    NULL;
	}
	return "unknown type";
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_parse *p = user;
	const struct kmta_conf_key *k;
	struct kmta_conf_value *v, **tail;
	const char *why;
	char msg[160];

	if (p->failed)
		return 0;
	if (section[0] == '\0')
		return conf_fail(p, "%s: key outside any section", name);
	if (enter_section(p, section) == -1)
		return 0;

	k = key_lookup(p->cur->type, name);
	if (k == NULL)
		return conf_fail(p, "%s: unknown key in [%s]", name,
		    p->cur->type);
	why = value_problem(k, value);
	if (why != NULL) {
		snprintf(msg, sizeof(msg), "%s", why);
		if (k->type == KMTA_CONF_ENUM)
			snprintf(msg, sizeof(msg), "expected one of %s",
			    k->choices);
		/* A malformed key source may be a secret pasted in by
		 * mistake, so its value is never echoed. */
		if (k->type == KMTA_CONF_KEYSOURCE)
			return conf_fail(p, "%s: invalid value: %s", name,
			    msg);
		return conf_fail(p, "%s: invalid value \"%.64s\": %s", name,
		    value, msg);
	}
	if (kmta_conf_value(p->cur, k->key) != NULL)
		return conf_fail(p, "%s: set twice in [%s]", name, section);

	v = calloc(1, sizeof(*v));
	if (v == NULL || (v->value = strdup(value)) == NULL) {
		free(v);
		return conf_fail(p, "%s: out of memory", name);
	}
	v->key = k->key;
	v->line = p->line;
	for (tail = &p->cur->values; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = v;
	return 1;
}

static int
conf_parse_run(struct conf_parse *p, ini_reader reader, struct kmta_conf **out)
{
	int rc;

	rc = ini_parse_stream(reader, p, conf_handler, p);
	if (rc != 0 && !p->failed) {
		p->line = rc > 0 ? rc : p->line;
		conf_fail(p, "%s", rc == -2 ? "out of memory" :
		    "syntax error (expected [section] or key = value)");
	}
	if (p->failed) {
		kmta_conf_free(p->conf);
		return -1;
	}
	*out = p->conf;
	return 0;
}

int
kmta_conf_load_string(const char *text, const char *name,
    struct kmta_conf **out, struct kmta_err *err)
{
	struct conf_parse p = { .file = name, .text = text, .err = err };

	p.conf = calloc(1, sizeof(*p.conf));
	if (p.conf == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	return conf_parse_run(&p, conf_reader_string, out);
}

int
kmta_conf_load(const char *path, struct kmta_conf **out, struct kmta_err *err)
{
	struct conf_parse p = { .err = err };
	bool explicit = path != NULL;
	struct stat st;
	int rc;

	if (path == NULL && (path = getenv("KMTA_CONF")) != NULL && *path)
		explicit = true;
	if (path == NULL || *path == '\0')
		path = KMTA_CONF_DEFAULT;

	p.conf = calloc(1, sizeof(*p.conf));
	if (p.conf == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	p.file = path;
	p.fp = fopen(path, "r");
	if (p.fp == NULL) {
		if (errno == ENOENT && !explicit) {
			*out = p.conf;
			return 0;
		}
		free(p.conf);
		return kmta_err_set(err, errno == ENOENT ? EX_NOINPUT :
		    kmta_errno_code(errno) == EX_NOPERM ? EX_NOPERM : EX_CONFIG,
		    "read config %s: %s", path, strerror(errno));
	}
	if (fstat(fileno(p.fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(p.fp);
		free(p.conf);
		return kmta_err_set(err, EX_CONFIG,
		    "read config %s: not a regular file", path);
	}
	p.conf->path = strdup(path);
	rc = conf_parse_run(&p, conf_reader_file, out);
	if (rc == 0 && ferror(p.fp)) {
		kmta_conf_free(*out);
		*out = NULL;
		rc = kmta_err_set(err, EX_IOERR, "read config %s: %s", path,
		    strerror(errno));
	}
	fclose(p.fp);
	return rc;
}

void
kmta_conf_free(struct kmta_conf *conf)
{
	struct kmta_conf_section *s, *snext;
	struct kmta_conf_value *v, *vnext;

	if (conf == NULL)
		return;
	for (s = conf->sections; s != NULL; s = snext) {
		snext = s->next;
		for (v = s->values; v != NULL; v = vnext) {
			vnext = v->next;
			free(v->value);
			free(v);
		}
		free(s->type);
		free(s->name);
		free(s->label);
		free(s);
	}
	free(conf->path);
	free(conf);
}

static bool
str_eq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

const struct kmta_conf_section *
kmta_conf_section(const struct kmta_conf *conf, const char *type,
    const char *name, const char *label)
{
	const struct kmta_conf_section *s;

	if (conf == NULL)
		return NULL;
	for (s = conf->sections; s != NULL; s = s->next)
		if (strcmp(s->type, type) == 0 && str_eq_null(s->name, name) &&
		    str_eq_null(s->label, label))
			return s;
	return NULL;
}

const struct kmta_conf_section *
kmta_conf_next(const struct kmta_conf *conf, const char *type,
    const struct kmta_conf_section *prev)
{
	const struct kmta_conf_section *s;

	if (conf == NULL)
		return NULL;
	for (s = prev ? prev->next : conf->sections; s != NULL; s = s->next)
		if (strcmp(s->type, type) == 0)
			return s;
	return NULL;
}

const struct kmta_conf_value *
kmta_conf_value(const struct kmta_conf_section *sec, const char *key)
{
	const struct kmta_conf_value *v;

	if (sec == NULL)
		return NULL;
	for (v = sec->values; v != NULL; v = v->next)
		if (strcmp(v->key, key) == 0)
			return v;
	return NULL;
}

const char *
kmta_conf_str_in(const struct kmta_conf_section *sec, const char *key,
    const char *def)
{
	const struct kmta_conf_value *v = kmta_conf_value(sec, key);

	return v ? v->value : def;
}

bool
kmta_conf_bool_in(const struct kmta_conf_section *sec, const char *key,
    bool def)
{
	const struct kmta_conf_value *v = kmta_conf_value(sec, key);
	bool b;

	if (v == NULL || kmta_parse_bool(v->value, &b) == -1)
		return def;
	return b;
}

long
kmta_conf_num_in(const struct kmta_conf_section *sec, const char *key,
    long def)
{
	const struct kmta_conf_value *v = kmta_conf_value(sec, key);
	long n;

	if (v == NULL)
		return def;
	if (kmta_parse_duration(v->value, &n) == -1)
		return def;
	return n;
}

const char *
kmta_conf_str(const struct kmta_conf *conf, const char *section,
    const char *key, const char *def)
{
	return kmta_conf_str_in(kmta_conf_section(conf, section, NULL, NULL),
	    key, def);
}

bool
kmta_conf_bool(const struct kmta_conf *conf, const char *section,
    const char *key, bool def)
{
	return kmta_conf_bool_in(kmta_conf_section(conf, section, NULL, NULL),
	    key, def);
}

long
kmta_conf_num(const struct kmta_conf *conf, const char *section,
    const char *key, long def)
{
	return kmta_conf_num_in(kmta_conf_section(conf, section, NULL, NULL),
	    key, def);
}

/* The [domain] section that sets key for domain: its own, else "*". */
static const struct kmta_conf_section *
domain_section_for(const struct kmta_conf *conf, const char *domain,
    const char *key)
{
	const struct kmta_conf_section *s;

	s = kmta_conf_section(conf, "domain", domain, NULL);
	if (s != NULL && kmta_conf_value(s, key) != NULL)
		return s;
	return kmta_conf_section(conf, "domain", "*", NULL);
}

const char *
kmta_conf_domain_str(const struct kmta_conf *conf, const char *domain,
    const char *key, const char *def)
{
	return kmta_conf_str_in(domain_section_for(conf, domain, key), key,
	    def);
}

bool
kmta_conf_domain_bool(const struct kmta_conf *conf, const char *domain,
    const char *key, bool def)
{
	return kmta_conf_bool_in(domain_section_for(conf, domain, key), key,
	    def);
}

long
kmta_conf_domain_num(const struct kmta_conf *conf, const char *domain,
    const char *key, long def)
{
	return kmta_conf_num_in(domain_section_for(conf, domain, key), key,
	    def);
}

int
kmta_parse_bool(const char *s, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

int
kmta_parse_uint(const char *s, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

int
kmta_parse_duration(const char *s, long *seconds)
{
	char num[32];
	size_t n = strlen(s);
	long unit = 1, v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: unit = 0; break;
	}
	if (unit != 0)
		num[n - 1] = '\0';
	else
		unit = 1;
	if (kmta_parse_uint(num, &v) == -1 || v > LONG_MAX / unit)
		return -1;
	*seconds = v * unit;
	return 0;
}

int
kmta_parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int def_port)
{
	const char *colon, *hend;
	long p = def_port;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (hend == NULL)
			return -1;
		s++;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;	/* a bare IPv6 address, no port */
		hend = colon ? colon : s + strlen(s);
	}
	if (hend == s || (size_t)(hend - s) >= hostlen)
		return -1;
	if (colon != NULL &&
	    (kmta_parse_uint(colon + 1, &p) == -1 || p < 1 || p > 65535))
		return -1;
	memcpy(host, s, (size_t)(hend - s));
	host[hend - s] = '\0';
	*port = (int)p;
	return 0;
}
