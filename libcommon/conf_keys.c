/*
 * Every key kmta.conf accepts, by section. kmta.conf(5) documents each row;
 * a key added here needs a line there, in conf/kmta.conf and a test.
 */
#include <stddef.h>

#include "conf.h"

#define ALGOS "rsa-sha256|ed25519-sha256|rsa|ed25519"
#define CANONS "relaxed/relaxed|relaxed/simple|simple/relaxed|simple/simple|" \
    "relaxed|simple"
#define TLS_LEVELS "disabled|opportunistic|required|verify"

const struct kmta_conf_key kmta_conf_keys[] = {
	{ "log", "syslog", KMTA_CONF_BOOL, NULL, NULL },
	{ "log", "level", KMTA_CONF_ENUM, "error|warning|info|debug", NULL },

	{ "vault", "address", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "token_file", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "role_id_file", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "secret_id_file", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "approle_mount", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "namespace", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "ca_cert", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "ca_path", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "client_cert", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "client_key", KMTA_CONF_STRING, NULL, NULL },
	{ "vault", "kv_version", KMTA_CONF_ENUM, "auto|1|2", NULL },
	{ "vault", "allow_insecure_http", KMTA_CONF_BOOL, NULL, NULL },
	{ "vault", "timeout", KMTA_CONF_DURATION, NULL, NULL },
	{ "vault", "connect_timeout", KMTA_CONF_DURATION, NULL, NULL },
	{ "vault", "max_retries", KMTA_CONF_UINT, NULL, NULL },
	{ "vault", "cache_ttl", KMTA_CONF_DURATION, NULL, NULL },

	{ "queue", "dir", KMTA_CONF_STRING, NULL, NULL },
	{ "queue", "min_backoff", KMTA_CONF_DURATION, NULL, NULL },
	{ "queue", "max_backoff", KMTA_CONF_DURATION, NULL, NULL },
	{ "queue", "max_age", KMTA_CONF_DURATION, NULL, NULL },
	{ "queue", "user", KMTA_CONF_STRING, NULL, NULL },
	{ "queue", "delay_warning", KMTA_CONF_DURATION, NULL, NULL },
	{ "queue", "sign", KMTA_CONF_BOOL, NULL, NULL },
	{ "queue", "local_domain", KMTA_CONF_STRING, NULL, NULL },
	{ "queue", "max_message_size", KMTA_CONF_UINT, NULL, NULL },

	{ "send", "helo_name", KMTA_CONF_STRING, NULL, NULL },
	{ "send", "connect_timeout", KMTA_CONF_DURATION, NULL, NULL },
	{ "send", "command_timeout", KMTA_CONF_DURATION, NULL, NULL },
	{ "send", "ca_file", KMTA_CONF_STRING, NULL, NULL },
	{ "send", "inet_protocols", KMTA_CONF_ENUM, "all|ipv4|ipv6", NULL },
	{ "send", "address_preference", KMTA_CONF_ENUM, "ipv6|ipv4", NULL },
	{ "send", "client_cert", KMTA_CONF_STRING, NULL, NULL },
	{ "send", "client_key", KMTA_CONF_KEYSOURCE, NULL, NULL },
	{ "send", "long_lines", KMTA_CONF_ENUM, "send|fold|reject", NULL },

	{ "dns", "name_servers", KMTA_CONF_STRING, NULL, NULL },
	{ "dns", "timeout", KMTA_CONF_DURATION, NULL, NULL },
	{ "dns", "trust_anchor_file", KMTA_CONF_STRING, NULL, NULL },

	{ "mta_sts", "cache_dir", KMTA_CONF_STRING, NULL, NULL },
	{ "mta_sts", "ca_file", KMTA_CONF_STRING, NULL, NULL },

	{ "dkim", "selector", KMTA_CONF_STRING, NULL, NULL },
	{ "dkim", "algo", KMTA_CONF_ENUM, ALGOS, NULL },
	{ "dkim", "key", KMTA_CONF_KEYSOURCE, NULL, NULL },
	{ "dkim", "filename", KMTA_CONF_KEYSOURCE, NULL, "key" },
	{ "dkim", "canonicalization", KMTA_CONF_ENUM, CANONS, NULL },
	{ "dkim", "headers", KMTA_CONF_STRING, NULL, NULL },
	{ "dkim", "oversign", KMTA_CONF_BOOL, NULL, NULL },
	{ "dkim", "expire", KMTA_CONF_DURATION, NULL, NULL },
	{ "dkim", "identity", KMTA_CONF_STRING, NULL, NULL },
	{ "dkim", "body_length", KMTA_CONF_BOOL, NULL, NULL },
	{ "dkim", "policy", KMTA_CONF_ENUM,
	    "Always|SignAlways|IfKeyPublished|RequireKeyPublished", NULL },
	{ "dkim", "apply", KMTA_CONF_ENUM, "Always|OnlyIfMissingDomainBlock",
	    NULL },

	{ "domain", "relay", KMTA_CONF_HOSTPORT, NULL, NULL },
	{ "domain", "port", KMTA_CONF_PORT, NULL, NULL },
	{ "domain", "tls", KMTA_CONF_ENUM, TLS_LEVELS, NULL },
	{ "domain", "implicit_tls", KMTA_CONF_BOOL, NULL, NULL },
	{ "domain", "auth_username", KMTA_CONF_STRING, NULL, NULL },
	{ "domain", "auth_password", KMTA_CONF_KEYSOURCE, NULL, NULL },
	{ "domain", "auth_allow_unverified", KMTA_CONF_BOOL, NULL, NULL },
	{ "domain", "enable_dane", KMTA_CONF_BOOL, NULL, NULL },
	{ "domain", "enable_mta_sts", KMTA_CONF_BOOL, NULL, NULL },
	{ "domain", "max_connections", KMTA_CONF_UINT, NULL, NULL },

	{ NULL, NULL, KMTA_CONF_STRING, NULL, NULL },
};
