/*
 * kmta-sign: add DKIM signatures (rsa-sha256, ed25519-sha256) to the
 * message on stdin and write it to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ldns/util.h>

#include "batch.h"
#include "conf.h"
#include "genkey.h"
#include "harden.h"
#include "log.h"
#include "request.h"
#include "secretexec.h"
#include "signheaders.h"
#include "stream.h"
#include "testkey.h"
#include "verify.h"

enum {
	OPT_TIMESTAMP = 256,
	OPT_HEADERS,
	OPT_OVERSIGN,
	OPT_EXPIRE,
	OPT_BODY_LENGTH,
	OPT_REQUIRE,
	OPT_BATCH,
	OPT_POLICY,
	OPT_JOBS,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "domain", required_argument, NULL, 'd' },
	{ "selector", required_argument, NULL, 's' },
	{ "algorithm", required_argument, NULL, 'a' },
	{ "key", required_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "canonicalization", required_argument, NULL, 'C' },
	{ "identity", required_argument, NULL, 'i' },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "headers", required_argument, NULL, OPT_HEADERS },
	{ "oversign", no_argument, NULL, OPT_OVERSIGN },
	{ "expire", required_argument, NULL, OPT_EXPIRE },
	{ "body-length", no_argument, NULL, OPT_BODY_LENGTH },
	{ "require-signature", no_argument, NULL, OPT_REQUIRE },
	{ "batch", no_argument, NULL, OPT_BATCH },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fputs(
"usage: kmta-sign [-c FILE] [options] < message > signed\n"
"       kmta-sign -d DOMAIN -s SELECTOR -k KEYSOURCE [-a ALGO] [options]\n"
"       kmta-sign --batch [-c FILE] [options] FILE...\n"
"       kmta-sign verify --keys FILE < message\n"
"       kmta-sign genkey -a ed25519|rsa -d DOMAIN -s SELECTOR [-o KEYSOURCE]\n"
"       kmta-sign testkey -d DOMAIN -s SELECTOR -k KEYSOURCE --keys FILE\n"
"\n"
"Add DKIM signatures to the message on stdin. Without -d, the signatures\n"
"come from the [dkim \"DOMAIN\"] sections matching the From domain.\n"
"\n"
"  -d, --domain DOMAIN        signing domain (d=); needs -s and -k\n"
"  -s, --selector SELECTOR    selector (s=)\n"
"  -a, --algorithm ALGO       rsa-sha256 or ed25519-sha256 (default: the\n"
"                             key's type)\n"
"  -k, --key KEYSOURCE        private key: /path, file:/path, env:NAME or\n"
"                             vault:MOUNT/PATH#FIELD\n"
"  -c, --config FILE          config file (default $KMTA_CONF, else\n"
"                             " KMTA_CONF_DEFAULT ")\n"
"  -C, --canonicalization C   header/body: relaxed/relaxed (default),\n"
"                             relaxed/simple, simple/relaxed, simple/simple\n"
"  -i, --identity AUID        agent or user identifier (i=), in the domain\n"
"      --timestamp SECONDS    signature time (t=), in seconds since 1970\n"
"                             (default: now)\n"
"      --expire DURATION      expiration (x=) this long after t=, in seconds\n"
"                             or with s, m, h, d\n"
"      --headers A:B:C        exact list of signed fields (h=), repeats\n"
"                             included\n"
"      --oversign             sign each default field once more than it\n"
"                             occurs, so none can be added later\n"
"      --body-length          add l= with the signed body length\n"
"      --require-signature    exit 77 when no section matches the From\n"
"                             domain, instead of passing the message on\n"
"      --batch                sign the FILEs in place, atomically, in one\n"
"                             process that loads each key once\n"
"      --jobs N               with --batch, share the FILEs among N\n"
"                             processes (default 1)\n"
"      --policy POLICY        Always (default), IfKeyPublished (sign only\n"
"                             when the selector's DNS record matches the\n"
"                             key) or RequireKeyPublished (else exit 75)\n"
"  -h, --help                 show this help\n"
"      --version              show the OpenSSL and ldns versions in use\n", f);
}

/* Print the libraries' versions, so that an operator can tell whether a
 * statically linked kmta-sign still carries a version with known flaws. */
static void
version(void)
{
	const char *link_mode = KMTA_SIGN_STATIC ? "linked statically: run "
	    "make install again after their security updates" :
	    "linked dynamically";

	printf("kmta-sign\n%s\nldns %s\n(%s)\n",
	    OpenSSL_version(OPENSSL_VERSION), ldns_version(), link_mode);
}

static int
parse_number(const char *opt, const char *s, long *out)
{
	if (kmta_parse_uint(s, out) == -1) {
		kmta_error("invalid %s \"%s\": expected a whole number", opt, s);
		return -1;
	}
	return 0;
}

/* Parse the command line; returns 0, or an exit status. */
static int
parse_options(int argc, char **argv, struct sign_options *o,
    const char **config, int *require, int *batch, int *jobs)
{
	enum sign_policy policy;
	const char *reason;
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "d:s:a:k:c:C:i:h", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'd': o->domain = optarg; break;
		case 's': o->selector = optarg; break;
		case 'a': o->algo = optarg; break;
		case 'k': o->key = optarg; break;
		case 'c': *config = optarg; break;
		case 'C': o->canonicalization = optarg; break;
		case 'i': o->identity = optarg; break;
		case OPT_HEADERS: o->headers = optarg; break;
		case OPT_OVERSIGN: o->oversign = 1; break;
		case OPT_BODY_LENGTH: o->body_length = 1; break;
		case OPT_REQUIRE: *require = 1; break;
		case OPT_BATCH: *batch = 1; break;
		case OPT_JOBS:
			if (parse_number("--jobs", optarg, &n) == -1 || n < 1 ||
			    n > BATCH_JOBS_MAX) {
				kmta_error("invalid --jobs \"%s\": expected 1 to "
				    "%d", optarg, BATCH_JOBS_MAX);
				return EX_USAGE;
			}
			*jobs = (int)n;
			break;
		case OPT_POLICY:
			if (sign_parse_policy(optarg, &policy) == -1) {
				kmta_error("unknown policy \"%s\": expected "
				    "Always, IfKeyPublished or "
				    "RequireKeyPublished", optarg);
				return EX_USAGE;
			}
			o->policy = optarg;
			break;
		case OPT_TIMESTAMP:
			if (parse_number("--timestamp", optarg, &n) == -1)
				return EX_USAGE;
			o->timestamp = n;
			break;
		case OPT_EXPIRE:
			if (kmta_parse_duration(optarg, &n) == -1) {
				kmta_error("invalid --expire \"%s\": expected "
				    "seconds or a number with s, m, h, d", optarg);
				return EX_USAGE;
			}
			o->expire = n;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			version();
			exit(0);
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (o->headers != NULL && (reason = signheaders_check(o->headers)) !=
	    NULL) {
		kmta_error("invalid header list \"%s\": %s", o->headers, reason);
		return EX_USAGE;
	}
	if (o->domain == NULL && (o->selector != NULL || o->key != NULL ||
	    o->algo != NULL || o->canonicalization != NULL)) {
		kmta_error("-s, -k, -a and -C need -d DOMAIN; without -d the "
		    "[dkim] sections of the config set them");
		return EX_USAGE;
	}
	if (*batch && optind == argc) {
		kmta_error("--batch needs at least one message file");
		return EX_USAGE;
	}
	if (!*batch && optind != argc) {
		kmta_error("unexpected argument \"%s\"; the message is read "
		    "from stdin, or use --batch for files", argv[optind]);
		return EX_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sign_options o;
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	const char *config = NULL;
	int require = 0, batch = 0, jobs = 1, rc;

	kmta_log_init("kmta-sign");
	if (harden_process(&err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	/* vault: key sources run kmta-secret, so that kmta-sign links no
	 * libcurl (secretexec.c). */
	keysource_set_vault_backend(&secretexec_backend);
	/* Skipping openssl.cnf keeps start-up short for one process per
	 * message; nothing here needs engines or providers it configures.
	 * kmta-sign prints no OpenSSL error text, so the strings stay out. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	    OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
	    NULL);
	/*
	 * RSA blinding needs random numbers. The default CTR-DRBG first builds
	 * OpenSSL's table of ciphers (14% of the instructions of a process
	 * signing one message with RSA). A Hash_DRBG with SHA-256 (NIST SP
	 * 800-90A, 256-bit strength) needs no cipher.
	 */
	if (RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") != 1) {
		kmta_error("setting up OpenSSL's random generator failed");
		return EX_SOFTWARE;
	}
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "genkey") == 0)
		return genkey_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "testkey") == 0)
		return testkey_main(argc - 1, argv + 1);

	sign_options_init(&o);
	if ((rc = parse_options(argc, argv, &o, &config, &require, &batch,
	    &jobs)) != 0)
		return rc;
	if (kmta_conf_load(config, &conf, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	kmta_log_configure(conf);

	if (batch)
		rc = batch_sign(conf, &o, require, argv + optind, argc - optind,
		    jobs);
	else if (stream_sign(conf, &o, require, STDIN_FILENO, STDOUT_FILENO,
	    &err) == -1) {
		kmta_error("%s", err.msg);
		rc = err.code;
	}
	kmta_conf_free(conf);
	return rc;
}
