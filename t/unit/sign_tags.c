/*
 * kmta-sign internals: DKIM tag=value lists, key records and the removal
 * of the b= value from a signature field.
 */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-sign/keyrecord.h"
#include "../../cmd/kmta-sign/tags.h"
#include "../../cmd/kmta-sign/verify.h"
#include "tap.h"

static void
test_tags(void)
{
	struct tag_list list;
	const char *why = NULL;
	const char text[] =
	    " v=1;\r\n\ta = rsa-sha256 ; h=from : to;\r\n b=ab\r\n cd;";

	ok(tags_parse(text, sizeof(text) - 1, &list, &why) == 0,
	    "folded tag list parses");
	is_int(list.count, 4, "four tags");
	is_str(tags_get(&list, "a"), "rsa-sha256",
	    "white space around a name and value dropped");
	is_str(tags_get(&list, "h"), "from : to", "inner white space kept");
	ok(tags_get(&list, "x") == NULL, "absent tag is NULL");
	tags_free(&list);

	ok(tags_parse("a=1; a=2", 8, &list, &why) == -1, "duplicate tag rejected");
	is_str(why, "tag given twice", "duplicate tag reason");
	tags_free(&list);
	ok(tags_parse("a=1; junk", 9, &list, &why) == -1, "tag without = rejected");
	tags_free(&list);
	ok(tags_parse("1a=1", 4, &list, &why) == -1,
	    "name starting with a digit rejected");
	tags_free(&list);
	ok(tags_parse("a=1;", 4, &list, &why) == 0, "trailing ; accepted");
	tags_free(&list);
}

static void
check_record(const char *record, enum dkim_algo algo, int want_ok,
    const char *want_why, const char *name)
{
	struct key_record rec;
	const char *why = "";
	int rc = key_record_parse(record, algo, &rec, &why);

	is_int(rc, want_ok ? 0 : -1, name);
	if (!want_ok)
		is_str(why, want_why, name);
	EVP_PKEY_free(rec.key);
}

static void
test_records(void)
{
	const char *ed = "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	char buf[256];

	snprintf(buf, sizeof(buf), "v=DKIM1; k=ed25519; %s", ed);
	check_record(buf, DKIM_ALGO_ED25519_SHA256, 1, NULL, "Ed25519 record");
	snprintf(buf, sizeof(buf), "k=ed25519; v=DKIM1; %s", ed);
	check_record(buf, DKIM_ALGO_ED25519_SHA256, 0,
	    "key record v= is not DKIM1 or not first", "v= not first");
	check_record("v=DKIM1; k=ed25519; p=", DKIM_ALGO_ED25519_SHA256, 0,
	    "key revoked (empty p=)", "empty p= is revoked");
	snprintf(buf, sizeof(buf), "v=DKIM1; %s", ed);
	check_record(buf, DKIM_ALGO_ED25519_SHA256, 0,
	    "key record k= is not ed25519, as ed25519-sha256 needs",
	    "k= defaults to rsa");
	snprintf(buf, sizeof(buf), "k=ed25519; s=*; h=sha1:sha256; %s", ed);
	check_record(buf, DKIM_ALGO_ED25519_SHA256, 1, NULL,
	    "s=* and h= with sha256 accepted");
	check_record("k=ed25519; p=AAAA", DKIM_ALGO_ED25519_SHA256, 0,
	    "key record p= is not a valid public key", "short Ed25519 key");
	check_record("k=rsa; p=!!!!", DKIM_ALGO_RSA_SHA256, 0,
	    "key record p= is not a valid public key", "invalid base64");
}

static void
test_strip_b(void)
{
	const char text[] = "DKIM-Signature: v=1; bh=AAA=; b=abc\r\n def; "
	    "x=1\r\n\r\nbody\r\n";
	struct kmta_message m;
	struct kmta_err err = { 0 };
	struct kmta_buf out = { 0 };

	kmta_message_parse(&m, strdup(text), sizeof(text) - 1, &err);
	ok(dkim_strip_b_value(&m.headers[0], &out) == 0, "b= value removed");
	kmta_buf_append(&out, "", 0);
	is_str(out.data, "DKIM-Signature: v=1; bh=AAA=; b=; x=1",
	    "only b= is emptied, bh= kept");
	kmta_buf_free(&out);
	kmta_message_free(&m);
}

int
main(void)
{
	test_tags();
	test_records();
	test_strip_b();
	return done_testing();
}
