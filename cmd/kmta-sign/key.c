/*
 * RSA keys are read with the RSA_* ASN.1 functions that OpenSSL 3 marks
 * deprecated, because its generic decoders (d2i_AutoPrivateKey) search
 * every provider's decoders and take about a millisecond per process.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "key.h"

#define ED25519_SEED_LEN 32

/*
 * A PKCS#8 PrivateKeyInfo for Ed25519 without optional fields is always
 * these 16 bytes followed by the 32-byte seed (RFC 8410 section 7), so it
 * is read here directly instead of through OpenSSL's generic decoders.
 */
static const unsigned char ED25519_PKCS8_PREFIX[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

int
dkim_algo_parse(const char *s, enum dkim_algo *out)
{
	if (strcmp(s, "rsa-sha256") == 0 || strcmp(s, "rsa") == 0)
		*out = DKIM_ALGO_RSA_SHA256;
	else if (strcmp(s, "ed25519-sha256") == 0 || strcmp(s, "ed25519") == 0)
		*out = DKIM_ALGO_ED25519_SHA256;
	else
		return -1;
	return 0;
}

const char *
dkim_algo_name(enum dkim_algo a)
{
	switch (a) {
	case DKIM_ALGO_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALGO_ED25519_SHA256:
		return "ed25519-sha256";
	case DKIM_ALGO_NONE:
		break;
	}
	return "none";
}

static EVP_PKEY *
ed25519_from_seed(const unsigned char *seed)
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    ED25519_SEED_LEN);
}

/* An RSAPrivateKey (PKCS#1) in DER. */
static EVP_PKEY *
rsa_from_pkcs1(const unsigned char *der, long len)
{
	const unsigned char *p = der;
	RSA *rsa = d2i_RSAPrivateKey(NULL, &p, len);
	EVP_PKEY *key;

	if (rsa == NULL)
		return NULL;
	if ((key = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_RSA(key, rsa) != 1) {
		EVP_PKEY_free(key);
		RSA_free(rsa);
		return NULL;
	}
	return key;
}

/* A PKCS#8 PrivateKeyInfo holding an RSA or Ed25519 key, or NULL. */
static EVP_PKEY *
key_from_pkcs8(const unsigned char *der, long len)
{
	const unsigned char *p = der, *inner;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
	const ASN1_OBJECT *oid;
	EVP_PKEY *key = NULL;
	int inner_len;

	if (p8 == NULL)
		return NULL;
	if (PKCS8_pkey_get0(&oid, &inner, &inner_len, NULL, p8) == 1) {
		/* Ed25519's private key is an OCTET STRING of the seed. */
		if (OBJ_obj2nid(oid) == NID_rsaEncryption)
			key = rsa_from_pkcs1(inner, inner_len);
		else if (OBJ_obj2nid(oid) == NID_ED25519 &&
		    inner_len == 2 + ED25519_SEED_LEN && inner[0] == 0x04 &&
		    inner[1] == ED25519_SEED_LEN)
			key = ed25519_from_seed(inner + 2);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	return key;
}

static EVP_PKEY *
key_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *key;

	if (len == sizeof(ED25519_PKCS8_PREFIX) + ED25519_SEED_LEN &&
	    memcmp(der, ED25519_PKCS8_PREFIX, sizeof(ED25519_PKCS8_PREFIX)) == 0)
		return ed25519_from_seed(der + sizeof(ED25519_PKCS8_PREFIX));
	if (len > 0x7fffffff)
		return NULL;
	if ((key = key_from_pkcs8(der, (long)len)) != NULL ||
	    (key = rsa_from_pkcs1(der, (long)len)) != NULL)
		return key;

	/* Other key types, so that the error can name them. */
	return d2i_AutoPrivateKey(NULL, &p, (long)len);
}

/*
 * Find the base64 text between the BEGIN and END lines of a PEM private
 * key. Returns 0, or -1 with err set for an encrypted or non-key block.
 */
static int
pem_body(const char *text, size_t len, const char *source,
    const char **body, size_t *body_len, struct kmta_err *err)
{
	const char *begin = memmem(text, len, "-----BEGIN ", 11);
	const char *label, *label_end, *end;

	label = begin + 11;
	label_end = memmem(label, len - (size_t)(label - text), "-----", 5);
	if (label_end == NULL)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: malformed PEM BEGIN line", source);
	if (memmem(label, (size_t)(label_end - label), "ENCRYPTED", 9) ||
	    memmem(text, len, "Proc-Type: 4,ENCRYPTED", 22))
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: encrypted private keys are not supported; "
		    "store it unencrypted with mode 0600 or in Vault", source);
	if ((size_t)(label_end - label) < 11 ||
	    memcmp(label_end - 11, "PRIVATE KEY", 11) != 0)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: PEM block \"%.*s\" is not a private key", source,
		    (int)(label_end - label), label);

	*body = label_end + 5;
	end = memmem(*body, len - (size_t)(*body - text), "-----END ", 9);
	if (end == NULL)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: PEM END line missing", source);
	*body_len = (size_t)(end - *body);
	return 0;
}

/* Decode the PEM or raw-seed text of a key source into a key. */
static int
key_from_text(const char *text, size_t len, const char *source,
    EVP_PKEY **out, struct kmta_err *err)
{
	const char *b64 = text;
	size_t b64_len = len;
	unsigned char *der;
	long n;

	if (memmem(text, len, "-----BEGIN ", 11) != NULL &&
	    pem_body(text, len, source, &b64, &b64_len, err) == -1)
		return -1;

	if ((der = OPENSSL_malloc(b64_len + 1)) == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	n = dkim_base64_decode(b64, b64_len, der);
	if (n == ED25519_SEED_LEN && b64 == text)
		*out = ed25519_from_seed(der);
	else if (n > 0)
		*out = key_from_der(der, (size_t)n);
	OPENSSL_clear_free(der, b64_len + 1);

	if (n < 0 && b64 == text)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: not a PEM private key, DER key or base64 Ed25519 "
		    "seed", source);
	if (n < 0)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: invalid base64 in the PEM body", source);
	return 0;
}

static int
key_check(EVP_PKEY *key, const char *source, enum dkim_algo *algo,
    int *bits, struct kmta_err *err)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		*algo = DKIM_ALGO_RSA_SHA256;
		*bits = EVP_PKEY_get_bits(key);
		if (*bits < DKIM_RSA_MIN_BITS)
			return kmta_err_set(err, EX_CONFIG,
			    "key %s: RSA key of %d bits is too short; "
			    "RFC 8301 requires at least %d", source, *bits,
			    DKIM_RSA_MIN_BITS);
		return 0;
	case EVP_PKEY_ED25519:
		*algo = DKIM_ALGO_ED25519_SHA256;
		*bits = 256;
		return 0;
	}
	return kmta_err_set(err, EX_CONFIG,
	    "key %s: unsupported key type %s; expected RSA or Ed25519", source,
	    OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
}

int
dkim_key_parse(const unsigned char *data, size_t len, const char *source,
    EVP_PKEY **out, enum dkim_algo *algo, int *bits, struct kmta_err *err)
{
	EVP_PKEY *key = NULL;

	*out = NULL;
	/* DER starts with a SEQUENCE (0x30), but so does a base64 seed
	 * whose first character is '0', so text is tried after DER. */
	if (len > 0 && data[0] == 0x30)
		key = key_from_der(data, len);
	if (key == NULL && key_from_text((const char *)data, len, source,
	    &key, err) == -1)
		return -1;

	if (key == NULL)
		return kmta_err_set(err, EX_CONFIG,
		    "key %s: not an RSA or Ed25519 private key in PEM, DER "
		    "or base64 seed form", source);
	if (key_check(key, source, algo, bits, err) == -1) {
		EVP_PKEY_free(key);
		return -1;
	}
	*out = key;
	return 0;
}
