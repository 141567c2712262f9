#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf.h"
#include "genkey.h"
#include "keysource.h"
#include "log.h"

#define TXT_STRING_MAX 255

int
genkey_record(EVP_PKEY *key, struct kmta_buf *out)
{
	unsigned char raw[32], *der = NULL;
	size_t raw_len = sizeof(raw);
	char *b64;
	int len, rc = -1;

	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key, raw, &raw_len) != 1)
			return -1;
		der = OPENSSL_memdup(raw, raw_len);
		len = (int)raw_len;
	} else {
		len = i2d_PUBKEY(key, &der);
	}
	if (der == NULL || len <= 0)
		return -1;
	if ((b64 = malloc(4 * ((size_t)len + 2) / 3 + 4)) != NULL) {
		dkim_base64_encode(der, (size_t)len, b64);
		rc = kmta_buf_printf(out, "v=DKIM1; k=%s; p=%s",
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ?
		    "ed25519" : "rsa", b64);
	}
	free(b64);
	OPENSSL_free(der);
	return rc;
}

int
genkey_zone_line(const char *name, const char *text, struct kmta_buf *out)
{
	size_t len = strlen(text), n;
	int multi = len > TXT_STRING_MAX;

	if (kmta_buf_printf(out, "%s. IN TXT %s", name, multi ? "(" : "") == -1)
		return -1;
	while (len > 0) {
		n = len > TXT_STRING_MAX ? TXT_STRING_MAX : len;
		if (kmta_buf_printf(out, "%s\"%.*s\"", multi ? "\n\t" : "",
		    (int)n, text) == -1)
			return -1;
		text += n;
		len -= n;
	}
	return kmta_buf_puts(out, multi ? " )\n" : "\n");
}

static void
genkey_usage(FILE *f)
{
	fputs(
"usage: kmta-sign genkey -a ed25519|rsa [-b BITS] -d DOMAIN -s SELECTOR\n"
"                        [-o KEYSOURCE] [-c FILE]\n"
"\n"
"Make a DKIM private key, store it, and print its DNS TXT record.\n"
"\n"
"  -a, --algorithm ALGO   ed25519 (ed25519-sha256) or rsa (rsa-sha256)\n"
"  -b, --bits BITS        RSA key size, 1024 to 8192 (default 2048)\n"
"  -d, --domain DOMAIN    signing domain, for the record name\n"
"  -s, --selector SEL     selector, for the record name\n"
"  -o, --output KEYSOURCE where to store the key: file:/path, /path or\n"
"                         vault:MOUNT/PATH#FIELD (default: the file\n"
"                         DOMAIN.SELECTOR.pem in the current directory)\n"
"  -c, --config FILE      config file, for [vault] settings\n"
"  -h, --help             show this help\n", f);
}

static EVP_PKEY *
generate(enum dkim_algo algo, long bits)
{
	if (algo == DKIM_ALGO_ED25519_SHA256)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

/*
 * Fail unless output names nothing yet: a key in use must never be
 * replaced by accident, in a file or in Vault.
 */
static int
check_absent(const struct kmta_conf *conf, const char *output,
    struct kmta_err *err)
{
	struct kmta_secret old;

	if (keysource_load(conf, output, &old, err) == 0) {
		kmta_secret_free(&old);
		return kmta_err_set(err, EX_CANTCREAT, "key source %s holds a "
		    "key already; remove it or choose another -o", output);
	}
	/* NOTE: a Vault secret without the field is EX_CONFIG in vault.c,
	 * distinguished from other config errors only by its message. */
	if (err->code != EX_NOINPUT && strstr(err->msg, ": no field \"") == NULL)
		return -1;
	memset(err, 0, sizeof(*err));
	return 0;
}

/* Write key as PKCS#8 PEM to the key source, which must be empty. */
static int
store_key(const struct kmta_conf *conf, const char *output, EVP_PKEY *key,
    struct kmta_err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem;
	long len;
	int rc;

	if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL) != 1) {
		BIO_free(bio);
		return kmta_err_set(err, EX_SOFTWARE, "encode private key");
	}
	if (check_absent(conf, output, err) == -1) {
		BIO_free(bio);
		return -1;
	}
	len = BIO_get_mem_data(bio, &pem);
	rc = keysource_store(conf, output, (unsigned char *)pem, (size_t)len,
	    err);
	BIO_free(bio);	/* a secure-memory BIO clears its buffer */
	return rc;
}

static int
genkey_run(const struct kmta_conf *conf, enum dkim_algo algo, long bits,
    const char *domain, const char *selector, const char *output)
{
	struct kmta_buf record = { 0 }, zone = { 0 };
	struct kmta_err err = { 0 };
	char name[512];
	EVP_PKEY *key = generate(algo, bits);
	int rc = 0;

	snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
	if (key == NULL) {
		kmta_error("generate %s key failed", dkim_algo_name(algo));
		return EX_SOFTWARE;
	}
	if (genkey_record(key, &record) == -1 ||
	    genkey_zone_line(name, record.data, &zone) == -1) {
		kmta_error("encode public key for %s failed", name);
		rc = EX_SOFTWARE;
	} else if (store_key(conf, output, key, &err) == -1) {
		kmta_error("%s", err.msg);
		rc = err.code;
	} else {
		kmta_info("stored the %s private key for %s in %s",
		    dkim_algo_name(algo), name, output);
		fwrite(zone.data, 1, zone.len, stdout);
	}
	EVP_PKEY_free(key);
	kmta_buf_free(&record);
	kmta_buf_free(&zone);
	return rc;
}

/* Check options and fill the default -o; returns 0 or an exit status. */
static int
genkey_check(const char *algo_name, enum dkim_algo *algo, long bits,
    const char *domain, const char *selector, const char **output,
    char *default_output, size_t size)
{
	char cwd[PATH_MAX];

	if (algo_name == NULL || domain == NULL || selector == NULL) {
		genkey_usage(stderr);
		return EX_USAGE;
	}
	if (dkim_algo_parse(algo_name, algo) == -1) {
		kmta_error("unknown algorithm \"%s\": expected ed25519 or rsa",
		    algo_name);
		return EX_USAGE;
	}
	if (*algo == DKIM_ALGO_RSA_SHA256 &&
	    (bits < DKIM_RSA_MIN_BITS || bits > GENKEY_RSA_MAX_BITS)) {
		kmta_error("invalid -b %ld: RSA keys have %d to %d bits", bits,
		    DKIM_RSA_MIN_BITS, GENKEY_RSA_MAX_BITS);
		return EX_USAGE;
	}
	if (*output == NULL) {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			kmta_error("getcwd: %s", strerror(errno));
			return EX_OSERR;
		}
		snprintf(default_output, size, "file:%s/%s.%s.pem", cwd, domain,
		    selector);
		*output = default_output;
	}
	return 0;
}

int
genkey_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *algo_name = NULL, *domain = NULL, *selector = NULL;
	const char *output = NULL, *config = NULL;
	char default_output[PATH_MAX + 600];
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	enum dkim_algo algo;
	long bits = GENKEY_RSA_DEFAULT_BITS;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:b:d:s:o:c:h", options,
	    NULL)) != -1) {
		switch (c) {
		case 'a': algo_name = optarg; break;
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'o': output = optarg; break;
		case 'c': config = optarg; break;
		case 'b':
			if (kmta_parse_uint(optarg, &bits) == -1) {
				kmta_error("invalid -b \"%s\": expected a number "
				    "of bits", optarg);
				return EX_USAGE;
			}
			break;
		case 'h':
			genkey_usage(stdout);
			return 0;
		default:
			genkey_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		kmta_error("unexpected argument \"%s\"", argv[optind]);
		return EX_USAGE;
	}
	if ((rc = genkey_check(algo_name, &algo, bits, domain, selector,
	    &output, default_output, sizeof(default_output))) != 0)
		return rc;
	if (kmta_conf_load(config, &conf, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	rc = genkey_run(conf, algo, bits, domain, selector, output);
	kmta_conf_free(conf);
	return rc;
}
