/* libcommon message reading: LF and CRLF, folded fields, bad headers. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "tap.h"

static int
parse(const char *text, struct kmta_message *m, struct kmta_err *err)
{
	char *copy = strdup(text);

	return kmta_message_parse(m, copy, strlen(text), err);
}

static void
test_crlf_folded(void)
{
	struct kmta_message m;
	struct kmta_err err = { 0 };
	const struct kmta_header *h;
	size_t count = 0, len;
	const char *v;

	ok(parse("From: a@example.com\r\nSubject: one\r\n\ttwo\r\n"
	    "Received: x\r\nreceived: y\r\n\r\nbody\r\n", &m, &err) == 0,
	    "CRLF message parses: %s", err.msg);
	ok(m.crlf, "CRLF detected");
	is_int(m.nheaders, 4, "four fields");
	h = kmta_message_header(&m, "subject", 0, NULL);
	ok(h != NULL, "Subject found case-insensitively");
	v = kmta_header_value(h, &len);
	ok(len == 10 && memcmp(v, " one\r\n\ttwo", len) == 0,
	    "folded value kept with its line break");
	h = kmta_message_header(&m, "Received", 1, &count);
	is_int(count, 2, "two Received fields counted");
	ok(h != NULL && h->raw[0] == 'r', "second Received is the lower one");
	is_str(m.data + m.body_off, "body\r\n", "body starts after empty line");
	kmta_message_free(&m);
}

static void
test_lf_no_body(void)
{
	struct kmta_message m;
	struct kmta_err err = { 0 };

	ok(parse("From: a@example.com\nTo: b@example.net\n", &m, &err) == 0,
	    "header-only LF message parses");
	ok(!m.crlf, "LF detected");
	is_int(m.body_off, m.len, "no body: body offset is the end");
	is_int(m.headers[1].raw_len, strlen("To: b@example.net"),
	    "field excludes its line ending");
	kmta_message_free(&m);
}

static void
test_bad(const char *text, size_t len, const char *want, const char *name)
{
	struct kmta_message m;
	struct kmta_err err = { 0 };
	char *copy = malloc(len + 1);

	memcpy(copy, text, len);
	ok(kmta_message_parse(&m, copy, len, &err) == -1 &&
	    err.code == EX_DATAERR, "%s: EX_DATAERR", name);
	is_str(err.msg, want, name);
	kmta_message_free(&m);
}

/* Pass a string literal with its exact length, NUL bytes included. */
#define TEST_BAD(lit, want, name) test_bad(lit, sizeof(lit) - 1, want, name)

int
main(void)
{
	test_crlf_folded();
	test_lf_no_body();
	TEST_BAD("", "empty message", "empty input");
	TEST_BAD(" folded\nFrom: a\n\n", "message starts with a folded line",
	    "leading continuation");
	TEST_BAD("From: a\nnot a header\n\nbody\n",
	    "header line 2 has no field name and colon", "line without colon");
	TEST_BAD("From: a\0b\n\n", "NUL byte in the header", "NUL byte");
	return done_testing();
}
