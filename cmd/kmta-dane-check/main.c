/*
 * kmta-dane-check: how well mail to a domain is protected (DANE, MTA-STS,
 * TLS-RPT) and why not, in one command. See kmta-dane-check(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"
#include "conf.h"
#include "log.h"
#include "report.h"
#include "tlsa.h"

#define DEFAULT_CACHE_DIR "/var/cache/kmta/mta-sts"

struct cli {
	const char *config;
	const char *host;
	const char *resolver;
	const char *trust_anchor;
	const char *ca_file;
	const char *cache_dir;
	const char *helo;
	bool json;
	long timeout;
	struct check_options check;
};

static int
usage(FILE *out, int code)
{
	fprintf(out,
"usage: kmta-dane-check [options] DOMAIN\n"
"       kmta-dane-check [options] --host HOST\n"
"       kmta-dane-check [--host HOST] [--port PORT] tlsa CERTFILE\n"
"       kmta-dane-check [--cache-dir DIR] cache list|purge [DOMAIN]\n"
"\n"
"Check the DANE, MTA-STS and TLS-RPT protection of mail to DOMAIN.\n"
"\n"
"  -c, --config FILE       config file (default $KMTA_CONF or %s)\n"
"      --host HOST         check one SMTP host instead of a domain's MX hosts\n"
"      --json              print the report as JSON\n"
"      --dns-only          look up DNS and MTA-STS only, make no SMTP connection\n"
"  -p, --port PORT         SMTP port, also in the TLSA name _PORT._tcp (default 25)\n"
"  -r, --resolver ADDR[:PORT]  name server to ask, instead of [dns] name_servers\n"
"      --trust-anchor FILE validate DNSSEC in-process from this root.key file\n"
"  -4, -6                  connect over IPv4 only or IPv6 only\n"
"  -t, --timeout SECONDS   time limit per DNS query, connection and read (default 10)\n"
"      --ca-file FILE      CA certificates for PKIX checks and MTA-STS fetches\n"
"      --cache-dir DIR     MTA-STS policy cache (default %s)\n"
"      --no-mta-sts        do not look up or apply MTA-STS\n"
"      --helo NAME         name sent in EHLO (default the host name)\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 every MX host verified under the policy that applies, 1 a host\n"
"fails it, 2 nothing protects the domain, 64 usage, 65 invalid input, 66 a\n"
"file or cached policy is missing, 69 the domain or host accepts no mail,\n"
"75 temporary failure, 77 permission denied, 78 configuration error.\n",
	    KMTA_CONF_DEFAULT, DEFAULT_CACHE_DIR);
	return code;
}

enum {
	OPT_HOST = 256, OPT_JSON, OPT_DNS_ONLY, OPT_TRUST_ANCHOR, OPT_CA_FILE,
	OPT_CACHE_DIR, OPT_NO_STS, OPT_HELO,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dns-only", no_argument, NULL, OPT_DNS_ONLY },
	{ "port", required_argument, NULL, 'p' },
	{ "resolver", required_argument, NULL, 'r' },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	{ "timeout", required_argument, NULL, 't' },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "no-mta-sts", no_argument, NULL, OPT_NO_STS },
	{ "helo", required_argument, NULL, OPT_HELO },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_number(const char *opt, const char *s, long min, long max, long *out)
{
	if (kmta_parse_uint(s, out) == -1 || *out < min || *out > max) {
		kmta_error("%s: invalid value \"%s\" (%ld to %ld)", opt, s, min,
		    max);
		return -1;
	}
	return 0;
}

static int
parse_options(int argc, char **argv, struct cli *cli)
{
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "c:p:r:t:46h", options,
	    NULL)) != -1) {
		switch (c) {
		case 'c': cli->config = optarg; break;
		case OPT_HOST: cli->host = optarg; break;
		case OPT_JSON: cli->json = true; break;
		case OPT_DNS_ONLY: cli->check.dns_only = true; break;
		case 'p':
			if (parse_number("--port", optarg, 1, 65535, &n) == -1)
				return EX_USAGE;
			cli->check.port = (int)n;
			break;
		case 'r': cli->resolver = optarg; break;
		case OPT_TRUST_ANCHOR: cli->trust_anchor = optarg; break;
		case 't':
			if (parse_number("--timeout", optarg, 1, 3600,
			    &cli->timeout) == -1)
				return EX_USAGE;
			break;
		case '4':
		case '6':
			if (cli->check.family != 0 &&
			    cli->check.family != c - '0') {
				kmta_error("-4 and -6 exclude each other: "
				    "give one, or neither for both");
				return EX_USAGE;
			}
			cli->check.family = c - '0';
			break;
		case OPT_CA_FILE: cli->ca_file = optarg; break;
		case OPT_CACHE_DIR: cli->cache_dir = optarg; break;
		case OPT_NO_STS: cli->check.mta_sts = false; break;
		case OPT_HELO: cli->helo = optarg; break;
		case 'h': exit(usage(stdout, 0));
		default: return usage(stderr, EX_USAGE);
		}
	}
	return 0;
}

/* Fill what the command line left unset from the config, then defaults. */
static void
apply_config(struct cli *cli, const struct kmta_conf *conf,
    struct kmta_dns_options *dns)
{
	static char helo[256];

	dns->name_servers = cli->resolver ? cli->resolver :
	    kmta_conf_str(conf, "dns", "name_servers", NULL);
	if (cli->trust_anchor == NULL)
		cli->trust_anchor = kmta_conf_str(conf, "dns",
		    "trust_anchor_file", NULL);
	dns->trust_anchor_file = cli->trust_anchor;
	if (cli->timeout == 0)
		cli->timeout = kmta_conf_num(conf, "dns", "timeout", 10);
	dns->timeout = cli->timeout;
	if (cli->ca_file == NULL)
		cli->ca_file = kmta_conf_str(conf, "mta_sts", "ca_file", NULL);
	if (cli->cache_dir == NULL)
		cli->cache_dir = kmta_conf_str(conf, "mta_sts", "cache_dir",
		    DEFAULT_CACHE_DIR);
	if (cli->helo == NULL)
		cli->helo = kmta_conf_str(conf, "send", "helo_name", NULL);
	if (cli->helo == NULL) {
		if (gethostname(helo, sizeof(helo) - 1) == -1 || !helo[0])
			snprintf(helo, sizeof(helo), "localhost");
		cli->helo = helo;
	}

	cli->check.probe.port = cli->check.port;
	cli->check.probe.timeout = cli->timeout;
	cli->check.probe.helo = cli->helo;
	cli->check.probe.ca_file = cli->ca_file;
	cli->check.sts.cache_dir = cli->cache_dir;
	cli->check.sts.ca_file = cli->ca_file;
	cli->check.sts.timeout = cli->timeout;
}

static int
print_cached(const char *domain, const struct kmta_sts_policy *p, void *arg)
{
	time_t now = *(time_t *)arg;
	long left = (long)(p->fetched + p->max_age - now);

	printf("%s mode=%s id=%s max_age=%ld %s", domain,
	    kmta_sts_mode_name(p->mode), p->id, p->max_age,
	    left > 0 ? "expires_in=" : "expired");
	if (left > 0)
		printf("%ld", left);
	printf("\n");
	return 0;
}

static int
run_cache(struct cli *cli, int argc, char **argv)
{
	struct kmta_err err;
	time_t now = time(NULL);

	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc == 1) {
		if (kmta_sts_cache_list(cli->cache_dir, print_cached, &now,
		    &err) == -1)
			goto fail;
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "purge") == 0) {
		if (kmta_sts_cache_purge(cli->cache_dir, argv[1], &err) == -1)
			goto fail;
		return 0;
	}
	kmta_error("cache: expected \"list\" or \"purge DOMAIN\"");
	return EX_USAGE;
fail:
	kmta_error("%s", err.msg);
	return err.code;
}

/*
 * Check that the CA file can be read before any lookup, so that a missing
 * file is reported as such and not as a certificate failure of an MX host.
 */
static int
check_ca_file(const char *path)
{
	if (path == NULL || access(path, R_OK) == 0)
		return 0;
	kmta_error("CA file %s: %s", path, strerror(errno));
	return kmta_errno_code(errno);
}

/* Check target: the --host host, else the domain. */
static int
run_check(struct cli *cli, struct kmta_dns_options *dopt, const char *target)
{
	struct domain_check result;
	struct kmta_dns *dns;
	struct kmta_err err;
	int rc;

	if (kmta_dns_open(dopt, &dns, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	if (!kmta_dns_ad_trusted(dns))
		kmta_warn("a name server is not on loopback: its AD bit is not "
		    "trusted, so every answer counts as insecure (see "
		    "--trust-anchor)");

	if (cli->host != NULL)
		rc = check_host(dns, target, &cli->check, &result, &err);
	else
		rc = check_domain(dns, target, &cli->check, &result, &err);
	kmta_dns_close(dns);
	if (rc == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	if (result.sts.cache_error[0])
		kmta_warn("MTA-STS cache: %s", result.sts.cache_error);

	if (cli->json)
		report_json(stdout, &result);
	else
		report_text(stdout, &result);
	rc = result.exit_code;
	check_free(&result);
	return fflush(stdout) == 0 ? rc : EX_IOERR;
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct kmta_dns_options dopt = { 0 };
	struct kmta_conf *conf = NULL;
	struct kmta_err err;
	struct kmta_err terr;
	int rc;

	kmta_log_init("kmta-dane-check");
	cli.check.port = 25;
	cli.check.mta_sts = true;
	cli.check.expiry_warn_days = 14;
	if ((rc = parse_options(argc, argv, &cli)) != 0)
		return rc;
	argc -= optind;
	argv += optind;

	if (argc >= 1 && strcmp(argv[0], "tlsa") == 0) {
		if (argc != 2) {
			kmta_error("tlsa: expected one CERTFILE");
			return usage(stderr, EX_USAGE);
		}
		if (tlsa_print(stdout, argv[1], cli.host, cli.check.port,
		    &terr) == -1) {
			kmta_error("%s", terr.msg);
			return terr.code;
		}
		return 0;
	}
	if (kmta_conf_load(cli.config, &conf, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	kmta_log_configure(conf);
	apply_config(&cli, conf, &dopt);

	if (argc >= 1 && strcmp(argv[0], "cache") == 0)
		rc = run_cache(&cli, argc - 1, argv + 1);
	else if ((cli.host != NULL && argc == 0) ||
	    (cli.host == NULL && argc == 1)) {
		rc = check_ca_file(cli.ca_file);
		if (rc == 0) {
			curl_global_init(CURL_GLOBAL_DEFAULT);
			rc = run_check(&cli, &dopt,
			    argc == 1 ? argv[0] : cli.host);
			curl_global_cleanup();
		}
	} else
		rc = usage(stderr, EX_USAGE);
	kmta_conf_free(conf);
	return rc;
}
