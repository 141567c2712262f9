/*
 * The Ed25519 example of RFC 8463 Appendix A, reproduced bit for bit:
 * the same body hash, and the same signature from the appendix's private
 * key over the appendix's header fields. Ed25519 signatures are
 * deterministic, so any difference in canonicalization or hashing shows.
 */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-sign/dkim.h"
#include "../../cmd/kmta-sign/signheaders.h"
#include "../../cmd/kmta-sign/verify.h"
#include "tap.h"

/* The RFC 8032 section 7.1 test 1 secret key, which RFC 8463 uses. */
static const char SEED[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

static const char SIGNED[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
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
static const char HEADERS[] =
    "from:to:subject:date:message-id:from:subject:date";

int
main(void)
{
	struct kmta_message m;
	struct kmta_err err = { 0 };
	struct kmta_buf data = { 0 }, stripped = { 0 };
	struct dkim_request req = { 0 };
	enum dkim_algo algo;
	unsigned char sig[128];
	size_t sig_len = sizeof(sig);
	unsigned long long body_len;
	char bh[64], b64[256];
	int bits;

	ok(kmta_message_parse(&m, strdup(SIGNED), sizeof(SIGNED) - 1, &err) == 0,
	    "example message parses: %s", err.msg);
	ok(dkim_body_hash(CANON_RELAXED, -1, &m, bh, &body_len, &err) == 0,
	    "body hash computed");
	is_str(bh, BODY_HASH, "relaxed body hash equals the example's bh=");

	ok(dkim_key_parse((const unsigned char *)SEED, strlen(SEED), "seed",
	    &req.key, &algo, &bits, &err) == 0, "example seed parses: %s",
	    err.msg);
	is_int(algo, DKIM_ALGO_ED25519_SHA256, "seed is an Ed25519 key");
	req.algo = DKIM_ALGO_ED25519_SHA256;

	/* The selected fields, then the signature field without b='s value. */
	ok(signheaders_data(&m, CANON_RELAXED, HEADERS, &data) == 0,
	    "signed fields collected");
	ok(dkim_strip_b_value(&m.headers[0], &stripped) == 0,
	    "b= value removed from the signature field");
	ok(canon_header(CANON_RELAXED, stripped.data, stripped.len, &data) == 0,
	    "signature field canonicalized");
	data.len -= 2;	/* hashed without its final CRLF */

	ok(dkim_sign_data(&req, &data, sig, &sig_len) == 0, "signing works");
	dkim_base64_encode(sig, sig_len, b64);
	is_str(b64, SIGNATURE, "signature equals the example's b= bit for bit");

	EVP_PKEY_free(req.key);
	kmta_buf_free(&data);
	kmta_buf_free(&stripped);
	kmta_message_free(&m);
	return done_testing();
}
