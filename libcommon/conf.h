/*
 * The kmta.conf ini file (read with libinih).
 *
 * Global sections ([vault], [dns], [queue], [log], ...) hold key = value
 * pairs. Named sections ([dkim "example.com"], [domain "example.net"]) carry
 * a name and, for [dkim "example.com" "label"], an optional label, so one
 * domain can have several signatures. Every key is declared with a type in
 * conf_keys.c. An unknown section or key, or a value of the wrong type, is
 * an error naming the file, the line, the key and the value.
 */
#ifndef KMTA_CONF_H
#define KMTA_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define KMTA_CONF_DEFAULT "/etc/kmta/kmta.conf"

enum kmta_conf_type {
	KMTA_CONF_STRING,
	KMTA_CONF_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	KMTA_CONF_UINT,		/* decimal, 0 to LONG_MAX */
	KMTA_CONF_DURATION,	/* seconds, or a number with s, m, h, d */
	KMTA_CONF_ENUM,		/* one of a '|'-separated list */
	KMTA_CONF_KEYSOURCE,	/* file:, env:, vault: or an absolute path */
	KMTA_CONF_HOSTPORT,	/* host, host:port or [v6]:port */
	KMTA_CONF_PORT,		/* a TCP port, 1 to 65535 */
};

struct kmta_conf_key {
	const char *section;	/* "vault", "dkim", "domain", ... */
	const char *key;
	enum kmta_conf_type type;
	const char *choices;	/* KMTA_CONF_ENUM only */
	const char *alias_of;	/* set when key is another name for alias_of */
};

/* The table of known keys, ended by a row with section NULL. */
extern const struct kmta_conf_key kmta_conf_keys[];

struct kmta_conf_value {
	const char *key;	/* canonical name (aliases resolved) */
	char *value;
	int line;
	struct kmta_conf_value *next;
};

struct kmta_conf_section {
	char *type;		/* "vault", "dkim", ... */
	char *name;		/* "example.com" for named sections, else NULL */
	char *label;		/* second quoted string, else NULL */
	int line;
	struct kmta_conf_value *values;
	struct kmta_conf_section *next;
};

struct kmta_conf {
	char *path;		/* NULL when no file was read */
	struct kmta_conf_section *sections;
};

/*
 * Load the config. path NULL means $KMTA_CONF, else KMTA_CONF_DEFAULT; a
 * missing default file yields an empty config, a missing file that was named
 * explicitly is an error (EX_NOINPUT). Errors are EX_CONFIG with
 * "FILE:LINE: key: why".
 */
int kmta_conf_load(const char *path, struct kmta_conf **out,
    struct kmta_err *err);

/* Parse ini text from memory, for tests; name is used in messages. */
int kmta_conf_load_string(const char *text, const char *name,
    struct kmta_conf **out, struct kmta_err *err);

void kmta_conf_free(struct kmta_conf *conf);

/*
 * Find a section: type with name NULL for global sections; label NULL
 * matches a section without a label only.
 */
const struct kmta_conf_section *kmta_conf_section(
    const struct kmta_conf *conf, const char *type, const char *name,
    const char *label);

/* The next section of the same type after prev (NULL for the first). */
const struct kmta_conf_section *kmta_conf_next(const struct kmta_conf *conf,
    const char *type, const struct kmta_conf_section *prev);

/* A key's value in a section, or NULL when the key is not set there. */
const struct kmta_conf_value *kmta_conf_value(
    const struct kmta_conf_section *sec, const char *key);

/*
 * Typed getters with a default. For named sections use the *_in variants.
 * Values were checked at load time, so getters cannot fail.
 */
const char *kmta_conf_str(const struct kmta_conf *conf, const char *section,
    const char *key, const char *def);
bool kmta_conf_bool(const struct kmta_conf *conf, const char *section,
    const char *key, bool def);
long kmta_conf_num(const struct kmta_conf *conf, const char *section,
    const char *key, long def);

const char *kmta_conf_str_in(const struct kmta_conf_section *sec,
    const char *key, const char *def);
bool kmta_conf_bool_in(const struct kmta_conf_section *sec, const char *key,
    bool def);
long kmta_conf_num_in(const struct kmta_conf_section *sec, const char *key,
    long def);

/*
 * The [domain "NAME"] key for a destination domain, falling back to
 * [domain "*"], then def.
 */
const char *kmta_conf_domain_str(const struct kmta_conf *conf,
    const char *domain, const char *key, const char *def);
bool kmta_conf_domain_bool(const struct kmta_conf *conf, const char *domain,
    const char *key, bool def);
long kmta_conf_domain_num(const struct kmta_conf *conf, const char *domain,
    const char *key, long def);

/* Parse helpers shared with command-line options; return 0 or -1. */
int kmta_parse_bool(const char *s, bool *out);
int kmta_parse_uint(const char *s, long *out);
int kmta_parse_duration(const char *s, long *seconds);

/*
 * Split "host", "host:port" or "[v6addr]:port" into host (at most hostlen
 * bytes with the NUL) and port (def_port when absent).
 */
int kmta_parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int def_port);

#endif
