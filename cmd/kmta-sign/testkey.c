#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "keylookup.h"
#include "keysource.h"
#include "log.h"
#include "testkey.h"

static void
testkey_usage(FILE *f)
{
	fputs(
"usage: kmta-sign testkey -d DOMAIN -s SELECTOR -k KEYSOURCE [--keys FILE]\n"
"                         [-a ALGO] [-c FILE]\n"
"\n"
"Check that the key record SELECTOR._domainkey.DOMAIN matches the private\n"
"key.\n"
"\n"
"  -d, --domain DOMAIN       signing domain\n"
"  -s, --selector SELECTOR   selector\n"
"  -k, --key KEYSOURCE       private key\n"
"  -a, --algorithm ALGO      rsa-sha256 or ed25519-sha256 (default: the\n"
"                            key's type)\n"
"  -K, --keys FILE           key records instead of DNS, one per line:\n"
"                            SELECTOR._domainkey.DOMAIN TXT-RECORD-TEXT,\n"
"                            or zone-file TXT records as genkey prints\n"
"  -c, --config FILE         config file, for [vault] and [dns] settings\n"
"  -h, --help                show this help\n", f);
}

/* Load the private key; returns 0 or an exit status. */
static int
load_private(const struct kmta_conf *conf, const char *source,
    enum dkim_algo *algo, EVP_PKEY **key)
{
	struct kmta_secret secret;
	struct kmta_err err = { 0 };
	enum dkim_algo key_algo;
	int bits, rc;

	if (keysource_load(conf, source, &secret, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	rc = dkim_key_parse(secret.data, secret.len, source, key, &key_algo,
	    &bits, &err);
	kmta_secret_free(&secret);
	if (rc == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	if (*algo != DKIM_ALGO_NONE && *algo != key_algo) {
		kmta_error("key %s is an %s key, but the algorithm is %s",
		    source, dkim_algo_name(key_algo), dkim_algo_name(*algo));
		return EX_CONFIG;
	}
	*algo = key_algo;
	return 0;
}

/* Compare the record with the key and print the verdict. */
static int
testkey_check(struct key_lookup *keys, const char *name, enum dkim_algo algo,
    EVP_PKEY *key)
{
	struct key_record rec;
	enum key_lookup_status status;
	const char *why;
	char *record, reason[160];
	int rc = 1;

	status = key_lookup_find(keys, name, &record, reason, sizeof(reason));
	if (status == KEY_TEMPFAIL) {
		kmta_error("%s", reason);
		return EX_TEMPFAIL;
	}
	if (status == KEY_MISSING) {
		printf("%s: no key record\n", name);
		return 1;
	}
	if (key_record_parse(record, algo, &rec, &why) == -1) {
		printf("%s: key record unusable: %s\n", name, why);
		free(record);
		return 1;
	}
	free(record);
	if (EVP_PKEY_eq(rec.key, key) == 1) {
		printf("%s: key record matches the %s private key%s\n", name,
		    dkim_algo_name(algo), rec.testing ? " (t=y: testing)" : "");
		rc = 0;
	} else {
		printf("%s: key record is for a different key\n", name);
	}
	EVP_PKEY_free(rec.key);
	return rc;
}

int
testkey_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'K' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *domain = NULL, *selector = NULL, *source = NULL;
	const char *keys_path = NULL, *config = NULL, *algo_name = NULL;
	struct key_lookup keys;
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	enum dkim_algo algo = DKIM_ALGO_NONE;
	EVP_PKEY *key = NULL;
	char name[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:a:K:c:h", options,
	    NULL)) != -1) {
		switch (c) {
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'k': source = optarg; break;
		case 'a': algo_name = optarg; break;
		case 'K': keys_path = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			testkey_usage(stdout);
			return 0;
		default:
			testkey_usage(stderr);
			return EX_USAGE;
		}
	}
	if (domain == NULL || selector == NULL || source == NULL ||
	    optind != argc) {
		testkey_usage(stderr);
		return EX_USAGE;
	}
	if (algo_name != NULL && dkim_algo_parse(algo_name, &algo) == -1) {
		kmta_error("unknown algorithm \"%s\": expected rsa-sha256 or "
		    "ed25519-sha256", algo_name);
		return EX_USAGE;
	}
	memset(&keys, 0, sizeof(keys));
	if (kmta_conf_load(config, &conf, &err) == -1 ||
	    key_lookup_init(&keys, conf, keys_path, &err) == -1) {
		kmta_error("%s", err.msg);
		key_lookup_free(&keys);
		kmta_conf_free(conf);
		return err.code;
	}
	if ((rc = load_private(conf, source, &algo, &key)) == 0) {
		snprintf(name, sizeof(name), "%s._domainkey.%s", selector,
		    domain);
		rc = testkey_check(&keys, name, algo, key);
	}
	EVP_PKEY_free(key);
	key_lookup_free(&keys);
	kmta_conf_free(conf);
	return rc;
}
