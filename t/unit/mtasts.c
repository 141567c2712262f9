/* MTA-STS policy and TXT parsing, mx pattern matching, TLS-RPT records. */
#include <stdlib.h>
#include <string.h>

#include "dane.h"
#include "mtasts.h"
#include "tap.h"
#include "tlsrpt.h"

static int
parse(const char *text, struct kmta_sts_policy *p, struct kmta_err *err)
{
	return kmta_sts_parse(text, strlen(text), p, err);
}

static void
test_policy_valid(void)
{
	struct kmta_sts_policy p;
	struct kmta_err err = { 0 };

	ok(parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmax_age: 604800\r\n", &p, &err) == 0,
	    "CRLF policy parses: %s", err.msg);
	is_int(p.mode, KMTA_STS_ENFORCE, "mode enforce");
	is_int(p.max_age, 604800, "max_age read");
	is_int(p.mx_count, 2, "two mx patterns");
	is_str(p.mx[1], "*.example.net", "wildcard pattern kept");

	ok(parse("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 0\n"
	    "future_key: x\n", &p, &err) == 0,
	    "LF policy with an unknown key parses: %s", err.msg);
	is_int(p.mode, KMTA_STS_TESTING, "mode testing");

	ok(parse("version: STSv1\nmode: none\nmax_age: 86400", &p, &err) == 0,
	    "mode none needs no mx and no final newline: %s", err.msg);
}

static void
test_policy_invalid(void)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "mode: enforce\nmx: a.example\nmax_age: 1\n", "version missing" },
		{ "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",
		    "version: expected STSv1" },
		{ "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",
		    "mode: invalid value" },
		{ "version: STSv1\nmode: enforce\nmx: a.example\n",
		    "max_age missing" },
		{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",
		    "max_age: invalid value" },
		{ "version: STSv1\nmode: enforce\nmx: a.example\n"
		    "max_age: 31557601\n", "max_age: invalid value" },
		{ "version: STSv1\nmode: enforce\nmax_age: 1\n", "mx missing" },
		{ "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n",
		    "mx: invalid pattern" },
		{ "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n",
		    "mx: invalid pattern" },
		{ "version: STSv1\nmode enforce\nmx: a.example\nmax_age: 1\n",
		    "line 2: expected \"key: value\"" },
		{ "version: STSv1\nmode: enforce\nmode: none\nmx: a.example\n"
		    "max_age: 1\n", "mode given twice" },
	};
	struct kmta_sts_policy p;
	struct kmta_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		ok(parse(cases[i].text, &p, &err) == -1 &&
		    err.code == EX_DATAERR, "invalid policy %zu rejected", i);
		ok(strstr(err.msg, cases[i].why) != NULL,
		    "invalid policy %zu: error \"%s\" contains \"%s\"", i,
		    err.msg, cases[i].why);
	}
}

static void
test_mx_match(void)
{
	struct kmta_sts_policy p = { 0 };

	p.mx_count = 2;
	strcpy(p.mx[0], "mail.example.com");
	strcpy(p.mx[1], "*.example.net");
	ok(kmta_sts_mx_match(&p, "MAIL.example.com"), "exact match ignores case");
	ok(kmta_sts_mx_match(&p, "mx1.example.net"), "wildcard matches one label");
	ok(!kmta_sts_mx_match(&p, "a.b.example.net"),
	    "wildcard does not match two labels");
	ok(!kmta_sts_mx_match(&p, "example.net"),
	    "wildcard does not match the bare domain");
	ok(!kmta_sts_mx_match(&p, "other.example.com"), "other host rejected");
}

static void
test_txt(void)
{
	struct kmta_err err = { 0 };
	char id[KMTA_STS_ID_MAX];

	ok(kmta_sts_txt_parse("v=STSv1; id=20160831085700Z;", id, sizeof(id),
	    &err) == 0, "TXT record parses: %s", err.msg);
	is_str(id, "20160831085700Z", "TXT id read");
	ok(kmta_sts_txt_parse("v=STSv1;id=abc", id, sizeof(id), &err) == 0,
	    "TXT without blanks parses");
	ok(kmta_sts_txt_parse("v=STSv1; id=a-b", id, sizeof(id), &err) == -1,
	    "id with a dash rejected");
	ok(kmta_sts_txt_parse("v=STSv1;", id, sizeof(id), &err) == -1,
	    "TXT without id rejected");
	ok(kmta_sts_txt_parse("id=1; v=STSv1", id, sizeof(id), &err) == -1,
	    "v= not first rejected");
}

static void
test_tlsrpt(void)
{
	struct kmta_tlsrpt r;
	struct kmta_err err = { 0 };

	memset(&r, 0, sizeof(r));
	ok(kmta_tlsrpt_parse("v=TLSRPTv1; rua=mailto:r@example.com,"
	    "https://r.example.com/v1", &r, &err) == 0,
	    "TLS-RPT record parses: %s", err.msg);
	is_int(r.rua_count, 2, "two rua URIs");
	is_str(r.rua[1], "https://r.example.com/v1", "https URI kept");
	ok(kmta_tlsrpt_parse("v=TLSRPTv1; rua=http://r.example.com/", &r,
	    &err) == -1, "http URI rejected");
	ok(kmta_tlsrpt_parse("v=TLSRPTv1;", &r, &err) == -1,
	    "record without rua rejected");
	ok(kmta_tlsrpt_parse("v=TLSRPTv2; rua=mailto:r@example.com", &r,
	    &err) == -1, "other version rejected");
}

static void
test_tlsa_usable(void)
{
	struct kmta_tlsa t = { .usage = 3, .selector = 1, .mtype = 1, .len = 32 };

	ok(kmta_tlsa_usable(&t), "3 1 1 with 32 bytes usable");
	t.len = 31;
	ok(!kmta_tlsa_usable(&t), "3 1 1 with 31 bytes unusable");
	t.len = 32;
	t.usage = 1;
	ok(!kmta_tlsa_usable(&t), "PKIX-EE unusable");
	t.usage = 2;
	t.mtype = 2;
	ok(!kmta_tlsa_usable(&t), "2 1 2 with 32 bytes unusable");
	t.len = 64;
	ok(kmta_tlsa_usable(&t), "2 1 2 with 64 bytes usable");
	t.selector = 2;
	ok(!kmta_tlsa_usable(&t), "selector 2 unusable");
}

int
main(void)
{
	test_policy_valid();
	test_policy_invalid();
	test_mx_match();
	test_txt();
	test_tlsrpt();
	test_tlsa_usable();
	return done_testing();
}
