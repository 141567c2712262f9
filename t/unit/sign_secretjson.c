/*
 * secretexec_json_field(): the JSON reader kmta-sign uses for the output of
 * `kmta-secret get --json`.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#include "../../cmd/kmta-sign/secretexec.h"

/* Run the reader on text; return its exit code, 0 on success. */
static int
field(const char *text, const char *name, struct kmta_secret *out,
    struct kmta_err *err)
{
	memset(err, 0, sizeof(*err));
	if (secretexec_json_field((const unsigned char *)text, strlen(text),
	    "secret/dkim/example.com", name, out, err) == -1)
		return err->code;
	return 0;
}

static void
test_values(void)
{
	static const struct {
		const char *text, *field, *want;
	} cases[] = {
		{ "{\"key\": \"abc\"}", "key", "abc" },
		{ "{\n  \"ed\": \"-----BEGIN\\nx\\n\",\n  \"rsa\": \"r\"\n}\n",
		    "ed", "-----BEGIN\nx\n" },
		{ "{\"a\": 1, \"b\": [1, {\"c\": \"}\"}], \"key\": \"v\"}",
		    "key", "v" },
		{ "{\"a\": null, \"b\": true, \"key\": \"\\\"\\\\\\/\\t\"}",
		    "key", "\"\\/\t" },
		{ "{\"key\": \"\\u00e9\\u20ac\\ud83d\\ude00\"}", "key",
		    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "{\"f\\u0023\": \"escaped name\"}", "f#", "escaped name" },
		{ "{\"key\": \"\"}", "key", "" },
	};
	struct kmta_secret s;
	struct kmta_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(field(cases[i].text, cases[i].field, &s, &err), 0,
		    "value read");
		ok(s.data != NULL && s.len == strlen(cases[i].want) &&
		    memcmp(s.data, cases[i].want, s.len) == 0,
		    "value %zu decoded", i);
		ok(s.data != NULL && s.data[s.len] == '\0',
		    "value %zu NUL-terminated", i);
		kmta_secret_free(&s);
	}
}

static void
test_errors(void)
{
	static const struct {
		const char *text, *field;
		int code;
	} cases[] = {
		{ "{\"ed\": \"x\"}", "rsa", EX_CONFIG },
		{ "{}", "key", EX_CONFIG },
		{ "{\"key\": 5}", "key", EX_DATAERR },
		{ "{\"key\": {\"a\": \"b\"}}", "key", EX_DATAERR },
		{ "", "key", EX_DATAERR },
		{ "[\"key\"]", "key", EX_DATAERR },
		{ "{\"key\": \"open", "key", EX_DATAERR },
		{ "{\"a\": \"1\" \"key\": \"v\"}", "key", EX_DATAERR },
		{ "{\"a\":, \"key\": \"v\"}", "key", EX_DATAERR },
		{ "{\"key\": \"\\ud800\"}", "key", EX_DATAERR },
		{ "{\"key\": \"\\q\"}", "key", EX_DATAERR },
		{ "{\"key\": \"a\nb\"}", "key", EX_DATAERR },
	};
	struct kmta_secret s;
	struct kmta_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(field(cases[i].text, cases[i].field, &s, &err),
		    cases[i].code, "error code");
		ok(s.data == NULL, "case %zu leaves no buffer", i);
	}

	field("{\"ed\": \"x\"}", "rsa", &s, &err);
	ok(strstr(err.msg, ": no field \"rsa\"") != NULL,
	    "missing field message names the field");
}

int
main(void)
{
	test_values();
	test_errors();
	return done_testing();
}
