/* libcommon config parsing: sections, types, and errors naming line and key. */
#include <stdlib.h>

#include "conf.h"
#include "tap.h"

static void
test_good_config(void)
{
	const char *text =
	    "[queue]\n"
	    "dir = /var/spool/kmta\n"
	    "max_age = 5d\n"
	    "[log]\n"
	    "syslog = yes\n"
	    "[dkim \"example.com\"]\n"
	    "selector = s1\n"
	    "algo = ed25519\n"
	    "filename = /etc/kmta/keys/example.com.key\n"
	    "[dkim \"example.com\" \"rsa\"]\n"
	    "selector = s2\n"
	    "[domain \"*\"]\n"
	    "relay = [::1]:2525\n"
	    "[domain \"example.net\"]\n"
	    "tls = verify\n";
	const struct kmta_conf_section *s;
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	char host[64];
	int port = 0;

	ok(kmta_conf_load_string(text, "test.conf", &conf, &err) == 0,
	    "valid config loads: %s", err.msg);
	if (conf == NULL)
		return;
	is_str(kmta_conf_str(conf, "queue", "dir", NULL), "/var/spool/kmta",
	    "queue dir read");
	is_int(kmta_conf_num(conf, "queue", "max_age", 0), 5 * 86400,
	    "duration 5d is 432000 seconds");
	ok(kmta_conf_bool(conf, "log", "syslog", false), "bool yes is true");

	s = kmta_conf_section(conf, "dkim", "EXAMPLE.com", NULL);
	ok(s != NULL, "dkim section found case-insensitively");
	is_str(kmta_conf_str_in(s, "key", NULL),
	    "/etc/kmta/keys/example.com.key", "filename is an alias of key");
	s = kmta_conf_section(conf, "dkim", "example.com", "rsa");
	is_str(kmta_conf_str_in(s, "selector", NULL), "s2",
	    "labelled dkim section kept apart");

	is_str(kmta_conf_domain_str(conf, "example.net", "relay", NULL),
	    "[::1]:2525", "domain falls back to [domain \"*\"]");
	is_str(kmta_conf_domain_str(conf, "example.net", "tls", NULL),
	    "verify", "domain's own key wins");
	ok(kmta_parse_hostport("[::1]:2525", host, sizeof(host), &port,
	    25) == 0, "bracketed IPv6 host and port parse");
	is_str(host, "::1", "IPv6 host without brackets");
	is_int(port, 2525, "port parsed");
	kmta_conf_free(conf);
}

static void
expect_error(const char *text, const char *want, const char *name)
{
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	int rc = kmta_conf_load_string(text, "bad.conf", &conf, &err);

	ok(rc == -1 && err.code == EX_CONFIG, "%s: rejected with EX_CONFIG",
	    name);
	is_str(err.msg, want, name);
	kmta_conf_free(rc == 0 ? conf : NULL);
}

static void
test_directory(void)
{
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };

	ok(kmta_conf_load("/tmp", &conf, &err) == -1,
	    "directory as config fails");
	is_int(err.code, EX_CONFIG, "directory as config is EX_CONFIG");
	is_str(err.msg, "read config /tmp: not a regular file",
	    "error names the path");
}

static void
test_missing_file(void)
{
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };

	ok(kmta_conf_load("/nonexistent/kmta.conf", &conf, &err) == -1,
	    "missing -c file fails");
	is_int(err.code, EX_NOINPUT, "missing -c file is EX_NOINPUT");
	is_str(err.msg, "read config /nonexistent/kmta.conf: No such file or "
	    "directory", "error names the file");
}

int
main(void)
{
	test_good_config();
	test_missing_file();
	test_directory();
	expect_error("[domain \"*\"]\nauth_password = hunter2\n",
	    "bad.conf:2: auth_password: invalid value: expected a key source: "
	    "file:PATH, /PATH, env:NAME or vault:MOUNT/PATH#FIELD",
	    "bad key source value is not echoed");
	expect_error("[queue]\ndir = /q\nmax_age = soon\n",
	    "bad.conf:3: max_age: invalid value \"soon\": expected a duration such as "
	    "300, 30s, 5m, 4h or 5d", "bad duration names line and key");
	expect_error("[queue]\nspool = /q\n",
	    "bad.conf:2: spool: unknown key in [queue]", "unknown key");
	expect_error("[queue]\ndir = /q\n[bogus]\nx = 1\n",
	    "bad.conf:4: unknown section [bogus]", "unknown section");
	expect_error("[dkim \"a.example\"]\nalgo = dsa\n",
	    "bad.conf:2: algo: invalid value \"dsa\": expected one of "
	    "rsa-sha256|ed25519-sha256|rsa|ed25519", "bad enum lists choices");
	expect_error("[dkim \"a.example\"]\nkey = relative/path\n",
	    "bad.conf:2: key: invalid value: expected a key source: "
	    "file:PATH, /PATH, env:NAME or vault:MOUNT/PATH#FIELD",
	    "relative key path rejected");
	expect_error("[queue]\ndir = /q\ndir = /r\n",
	    "bad.conf:3: dir: set twice in [queue]", "duplicate key");
	expect_error("[domain \"*\"]\nport = 99999\n",
	    "bad.conf:2: port: invalid value \"99999\": expected a port number from 1 "
	    "to 65535", "port above 65535 rejected");
	expect_error("dir = /q\n", "bad.conf:1: dir: key outside any section",
	    "key before any section");
	expect_error("[queue]\nthis line has no equals sign\n",
	    "bad.conf:2: syntax error (expected [section] or key = value)",
	    "syntax error names the line");
	return done_testing();
}
