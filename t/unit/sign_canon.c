/*
 * kmta-sign internals: canonicalization against the golden .ref files
 * in t/canon (made by dkimpy), the l= cap, base64, the From domain and
 * the bottom-up selection of signed fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-sign/address.h"
#include "../../cmd/kmta-sign/canon.h"
#include "../../cmd/kmta-sign/key.h"
#include "../../cmd/kmta-sign/signheaders.h"
#include "tap.h"

static const char *const cases[] = {
	"crlf", "empty-body", "folded", "header-only", "mixed-case",
	"no-final-newline", "utf8", "whitespace-body", "ws-colon", NULL,
};

static char *
read_file(const char *name, const char *suffix, size_t *len)
{
	const char *top = getenv("KMTA_TOP");
	char path[1024];
	char *data;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/t/canon/%s%s", top ? top : ".", name,
	    suffix);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static int
emit_buf(void *ctx, const char *data, size_t len)
{
	return kmta_buf_append(ctx, data, len);
}

/* Canonicalize a whole message the way the .ref files lay it out. */
static void
canonicalize(const struct kmta_message *m, enum canon c, struct kmta_buf *out)
{
	struct canon_body cb;
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		canon_header(c, m->headers[i].raw, m->headers[i].raw_len, out);
	kmta_buf_append(out, "\r\n", 2);
	canon_body_init(&cb, c, -1, emit_buf, out);
	canon_body_run(&cb, m->data + m->body_off, m->len - m->body_off);
	kmta_buf_append(out, "", 0);
}

static void
test_golden(const char *name)
{
	static const enum canon canons[] = { CANON_SIMPLE, CANON_RELAXED };
	struct kmta_message m;
	struct kmta_err err = { 0 };
	size_t len, ref_len, k;
	char *in = read_file(name, ".in", &len), *ref, suffix[32];

	ok(in != NULL, "%s.in readable", name);
	if (in == NULL)
		return;
	ok(kmta_message_parse(&m, in, len, &err) == 0, "%s.in parses: %s",
	    name, err.msg);
	for (k = 0; k < 2; k++) {
		struct kmta_buf out = { 0 };

		snprintf(suffix, sizeof(suffix), ".%s.ref",
		    canon_name(canons[k]));
		ref = read_file(name, suffix, &ref_len);
		canonicalize(&m, canons[k], &out);
		ok(ref != NULL && out.len == ref_len &&
		    memcmp(out.data, ref, ref_len) == 0, "%s %s matches %s%s",
		    name, canon_name(canons[k]), name, suffix);
		free(ref);
		kmta_buf_free(&out);
	}
	kmta_message_free(&m);
}

/* Feeding a body in chunks of every size from 1 to 7 gives the same bytes. */
static void
test_chunked(const char *name)
{
	static const enum canon canons[] = { CANON_SIMPLE, CANON_RELAXED };
	struct kmta_message m;
	struct kmta_err err = { 0 };
	size_t len, k, step, i, body_len;
	char *in = read_file(name, ".in", &len);
	const char *body;
	int same;

	if (in == NULL || kmta_message_parse(&m, in, len, &err) == -1)
		return;
	body = m.data + m.body_off;
	body_len = m.len - m.body_off;
	for (k = 0; k < 2; k++) {
		struct kmta_buf whole = { 0 };
		struct canon_body cb;

		canon_body_init(&cb, canons[k], -1, emit_buf, &whole);
		canon_body_run(&cb, body, body_len);
		same = 1;
		for (step = 1; step <= 7; step++) {
			struct kmta_buf parts = { 0 };

			canon_body_init(&cb, canons[k], -1, emit_buf, &parts);
			for (i = 0; i < body_len; i += step)
				canon_body_feed(&cb, body + i, body_len - i < step ?
				    body_len - i : step);
			canon_body_finish(&cb);
			same &= parts.len == whole.len && (whole.len == 0 ||
			    memcmp(parts.data, whole.data, whole.len) == 0);
			kmta_buf_free(&parts);
		}
		ok(same, "%s %s: chunked feeding gives the same body", name,
		    canon_name(canons[k]));
		kmta_buf_free(&whole);
	}
	kmta_message_free(&m);
}

static void
test_body_limit(void)
{
	struct kmta_buf out = { 0 };
	struct canon_body cb;
	const char body[] = "abc\n\n\ndef\n";

	canon_body_init(&cb, CANON_SIMPLE, 5, emit_buf, &out);
	canon_body_run(&cb, body, sizeof(body) - 1);
	kmta_buf_append(&out, "", 0);
	is_str(out.data, "abc\r\n", "l=5 passes the first 5 canonical bytes");
	is_int(cb.total, 14, "canonical length counted past the cap");
	kmta_buf_free(&out);
}

static void
test_base64(void)
{
	const unsigned char raw[] = { 0xfb, 0xff, 0x00, 'a' };
	unsigned char back[8];
	char text[16];

	dkim_base64_encode(raw, 4, text);
	is_str(text, "+/8AYQ==", "base64 encodes with padding");
	is_int(dkim_base64_decode("+/8A\n YQ==", 10, back), 4,
	    "base64 decodes across white space");
	ok(memcmp(back, raw, 4) == 0, "base64 round trip");
	is_int(dkim_base64_decode("+/8A!", 5, back), -1, "base64 rejects '!'");
	is_int(dkim_base64_decode("YR==", 4, back), -1,
	    "base64 rejects non-zero padding bits");
}

/* The From domain of a one-field message, or the error message. */
static void
check_from(const char *value, const char *want, const char *name)
{
	char text[512], domain[DOMAIN_MAX];
	struct kmta_message m;
	struct kmta_err err = { 0 };
	int rc;

	snprintf(text, sizeof(text), "From:%s\n\nbody\n", value);
	kmta_message_parse(&m, strdup(text), strlen(text), &err);
	rc = sign_from_domain(&m, domain, &err);
	is_str(rc == 0 ? domain : err.msg, want, name);
	kmta_message_free(&m);
}

static void
test_from_domain(void)
{
	check_from(" a@Example.COM", "example.com", "bare address");
	check_from(" \"Doe, J\" <j@mail.example.org> (work, home)",
	    "mail.example.org", "quoted comma and comment");
	check_from(" Alice\n <alice@example.net>", "example.net",
	    "folded display name");
	check_from(" a@example.com, b@example.com",
	    "From field has several addresses; DKIM signs for one author "
	    "domain", "two addresses");
	check_from(" undisclosed", "From field has no address with '@'",
	    "no address");
	check_from(" a@exa_mple.com", "From field: invalid domain "
	    "\"exa_mple.com\"", "invalid domain");
}

static void
test_bottom_up(void)
{
	const char text[] = "X: 1\nFrom: a@example.com\nX: 2\nX: 3\n\nb\n";
	struct kmta_message m;
	struct kmta_err err = { 0 };
	struct kmta_buf out = { 0 }, list = { 0 };

	kmta_message_parse(&m, strdup(text), sizeof(text) - 1, &err);
	signheaders_data(&m, CANON_RELAXED, "x:from:x:x:x", &out);
	kmta_buf_append(&out, "", 0);
	is_str(out.data, "x:3\r\nfrom:a@example.com\r\nx:2\r\nx:1\r\n",
	    "repeated names select fields from the bottom up");

	signheaders_default(&m, true, &list);
	is_str(list.data, "From:From", "oversign adds one more From");
	ok(signheaders_has("to:FROM", "From"), "h= list lookup ignores case");
	ok(!signheaders_has("to:x-from", "From"), "h= lookup matches names whole");
	kmta_buf_free(&out);
	kmta_buf_free(&list);
	kmta_message_free(&m);
}

int
main(void)
{
	size_t i;

	for (i = 0; cases[i] != NULL; i++)
		test_golden(cases[i]);
	for (i = 0; cases[i] != NULL; i++)
		test_chunked(cases[i]);
	test_body_limit();
	test_base64();
	test_from_domain();
	test_bottom_up();
	return done_testing();
}
