/*
 * The example of RFC 8463 Appendix A, reproduced bit for bit: the same
 * body hash, and the same Ed25519 and RSA signatures from the appendix's
 * private keys over the appendix's header fields. Both Ed25519 and
 * RSASSA-PKCS1-v1_5 signatures are deterministic, so any difference in
 * canonicalization or hashing shows.
 */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-sign/dkim.h"
#include "../../cmd/kmta-sign/signheaders.h"
#include "../../cmd/kmta-sign/verify.h"
#include "tap.h"

/* The RFC 8032 section 7.1 test 1 secret key, which RFC 8463 uses. */
static const char SEED[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

/* The appendix's 1024-bit RSA key, PKCS #1 PEM (RFC 8463 Appendix A.1). */
static const char RSA_KEY[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char SIGNED[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

static const char BODY_HASH[] = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
static const char SIGNATURE[] = "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQeh"
    "SwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
static const char RSA_SIGNATURE[] = "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpE"
    "L8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOs"
    "k2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";
static const char HEADERS[] =
    "from:to:subject:date:message-id:from:subject:date";

/*
 * Sign the appendix's fields as the signature field sig_field does, with
 * key, and compare the result with the appendix's b= value.
 */
static void
check_signature(const struct kmta_message *m,
    const struct kmta_header *sig_field, EVP_PKEY *key, enum dkim_algo algo,
    const char *want, const char *name)
{
	struct kmta_buf data = { 0 }, stripped = { 0 };
	struct dkim_request req = { 0 };
	unsigned char sig[256];
	size_t sig_len = sizeof(sig);
	char b64[512], test_name[128];

	req.key = key;
	req.algo = algo;

	/* The selected fields, then the signature field without b='s value. */
	ok(signheaders_data(m, CANON_RELAXED, HEADERS, &data) == 0,
	    "%s: signed fields collected", name);
	ok(dkim_strip_b_value(sig_field, &stripped) == 0,
	    "%s: b= value removed from the signature field", name);
	ok(canon_header(CANON_RELAXED, stripped.data, stripped.len, &data) == 0,
	    "%s: signature field canonicalized", name);
	data.len -= 2;	/* hashed without its final CRLF */

	ok(dkim_sign_data(&req, &data, sig, &sig_len) == 0, "%s: signing works",
	    name);
	dkim_base64_encode(sig, sig_len, b64);
	snprintf(test_name, sizeof(test_name),
	    "%s: b= equals the example's bit for bit", name);
	is_str(b64, want, test_name);

	kmta_buf_free(&data);
	kmta_buf_free(&stripped);
}

int
main(void)
{
	struct kmta_message m;
	struct kmta_err err = { 0 };
	EVP_PKEY *ed_key = NULL, *rsa_key = NULL;
	enum dkim_algo algo;
	unsigned long long body_len;
	char bh[64];
	int bits;

	ok(kmta_message_parse(&m, strdup(SIGNED), sizeof(SIGNED) - 1, &err) == 0,
	    "example message parses: %s", err.msg);
	ok(dkim_body_hash(CANON_RELAXED, -1, &m, bh, &body_len, &err) == 0,
	    "body hash computed");
	is_str(bh, BODY_HASH, "relaxed body hash equals the example's bh=");

	ok(dkim_key_parse((const unsigned char *)SEED, strlen(SEED), "seed",
	    &ed_key, &algo, &bits, &err) == 0, "example seed parses: %s",
	    err.msg);
	is_int(algo, DKIM_ALGO_ED25519_SHA256, "seed is an Ed25519 key");
	check_signature(&m, &m.headers[0], ed_key, DKIM_ALGO_ED25519_SHA256,
	    SIGNATURE, "Ed25519");

	ok(dkim_key_parse((const unsigned char *)RSA_KEY, strlen(RSA_KEY),
	    "rsa", &rsa_key, &algo, &bits, &err) == 0,
	    "example RSA key parses: %s", err.msg);
	is_int(algo, DKIM_ALGO_RSA_SHA256, "RSA key is an RSA key");
	is_int(bits, 1024, "RSA key has 1024 bits");
	check_signature(&m, &m.headers[1], rsa_key, DKIM_ALGO_RSA_SHA256,
	    RSA_SIGNATURE, "RSA");

	EVP_PKEY_free(ed_key);
	EVP_PKEY_free(rsa_key);
	kmta_message_free(&m);
	return done_testing();
}
