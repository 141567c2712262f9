#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "verify.h"

/* Larger messages are rejected with exit 65, as when signing. */
#define VERIFY_MESSAGE_MAX ((size_t)1 << 30)

static void
verify_usage(FILE *f)
{
	fputs(
"usage: kmta-sign verify [-c FILE] [--keys FILE] [--now SECONDS] < message\n"
"\n"
"Verify every DKIM-Signature of the message on stdin and print one line\n"
"per signature: dkim=pass|fail|neutral|temperror|permerror.\n"
"\n"
"  -K, --keys FILE     key records instead of DNS, one per line:\n"
"                      SELECTOR._domainkey.DOMAIN TXT-RECORD-TEXT,\n"
"                      or zone-file TXT records as genkey prints\n"
"  -c, --config FILE   config file, for [dns] name_servers and timeout\n"
"      --now SECONDS   check t= and x= against this time, in seconds\n"
"                      since 1970 (default: now)\n"
"  -h, --help          show this help\n", f);
}

static void
print_verdict(const struct dkim_verdict *v)
{
	char reason[sizeof(v->reason)], domain[sizeof(v->domain)];
	char selector[sizeof(v->selector)], algo[sizeof(v->algo)];

	/* Tag values come from the message: clean them before printing. */
	kmta_log_clean(reason, sizeof(reason), v->reason, strlen(v->reason));
	kmta_log_clean(domain, sizeof(domain), v->domain, strlen(v->domain));
	kmta_log_clean(selector, sizeof(selector), v->selector,
	    strlen(v->selector));
	kmta_log_clean(algo, sizeof(algo), v->algo, strlen(v->algo));
	printf("dkim=%s", dkim_result_name(v->result));
	if (reason[0] != '\0')
		printf(" (%s)", reason);
	printf(" header.d=%s header.s=%s header.a=%s\n",
	    domain[0] ? domain : "?", selector[0] ? selector : "?",
	    algo[0] ? algo : "?");
}

static int
verify_message(const struct kmta_message *m, struct key_lookup *keys,
    long long now)
{
	struct dkim_verdict v;
	size_t i, signatures = 0, passed = 0, temporary = 0;

	for (i = 0; i < m->nheaders; i++) {
		const struct kmta_header *h = &m->headers[i];

		if (h->name_len != 14 ||
		    strncasecmp(h->name, "DKIM-Signature", 14) != 0)
			continue;
		signatures++;
		dkim_verify_field(m, i, keys, now, &v);
		print_verdict(&v);
		passed += v.result == DKIM_PASS;
		temporary += v.result == DKIM_TEMPERROR;
	}
	if (signatures == 0)
		printf("dkim=none (no DKIM-Signature field)\n");
	if (passed > 0)
		return 0;
	return temporary > 0 ? EX_TEMPFAIL : 1;
}

int
verify_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "keys", required_argument, NULL, 'K' },
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct key_lookup keys;
	struct kmta_conf *conf = NULL;
	struct kmta_message m;
	struct kmta_err err = { 0 };
	const char *keys_path = NULL, *config = NULL;
	long long now = (long long)time(NULL);
	long n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "K:c:h", options, NULL)) != -1) {
		switch (c) {
		case 'K':
			keys_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'N':
			if (kmta_parse_uint(optarg, &n) == -1) {
				kmta_error("invalid --now \"%s\": expected "
				    "seconds since 1970", optarg);
				return EX_USAGE;
			}
			now = n;
			break;
		case 'h':
			verify_usage(stdout);
			return 0;
		default:
			verify_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		kmta_error("unexpected argument \"%s\"; the message is read "
		    "from stdin", argv[optind]);
		return EX_USAGE;
	}

	memset(&keys, 0, sizeof(keys));
	if (kmta_conf_load(config, &conf, &err) == -1 ||
	    key_lookup_init(&keys, conf, keys_path, &err) == -1 ||
	    kmta_message_read(STDIN_FILENO, VERIFY_MESSAGE_MAX, &m, &err) == -1) {
		kmta_error("%s", err.msg);
		key_lookup_free(&keys);
		kmta_conf_free(conf);
		return err.code;
	}
	rc = verify_message(&m, &keys, now);
	kmta_message_free(&m);
	key_lookup_free(&keys);
	kmta_conf_free(conf);
	return rc;
}
