/*
 * The resolver set-up of libcommon/dns.c: name server lists, resolv.conf,
 * which servers' AD bits are trusted, and trust anchor files. No query is
 * sent: every address here is this host's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

static int
open_with(const char *servers, const char *resolv_conf, const char *anchor,
    struct kmta_dns **dns, struct kmta_err *err)
{
	struct kmta_dns_options opt = { 0 };

	opt.name_servers = servers;
	opt.resolv_conf = resolv_conf;
	opt.trust_anchor_file = anchor;
	opt.timeout = 1;
	return kmta_dns_open(&opt, dns, err);
}

static void
test_ad_trust(void)
{
	static const struct {
		const char *servers;
		int trusted;
	} cases[] = {
		{ "127.0.0.1", 1 },
		{ "127.53.1.2:5353", 1 },
		{ "::1", 1 },
		{ "[::1]:5353", 1 },
		{ "127.0.0.1, ::1", 1 },
		/* The unspecified addresses are not loopback addresses. */
		{ "0.0.0.0", 0 },
		{ "127.0.0.1 0.0.0.0", 0 },
		{ "::", 0 },
	};
	struct kmta_dns *dns = NULL;
	struct kmta_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok(open_with(cases[i].servers, NULL, NULL, &dns, &err) == 0,
		    "name_servers \"%s\" accepted: %s", cases[i].servers,
		    err.msg);
		if (dns == NULL)
			continue;
		is_int(kmta_dns_ad_trusted(dns), cases[i].trusted,
		    cases[i].servers);
		kmta_dns_close(dns);
		dns = NULL;
	}
}

static void
test_bad_servers(void)
{
	static const char *bad[] = { "127.0.0.1:99999", "127.0.0.1:0",
	    "localhost", "[::1]:x" };
	struct kmta_dns *dns = NULL;
	struct kmta_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.code = 0;
		ok(open_with(bad[i], NULL, NULL, &dns, &err) == -1 &&
		    err.code == EX_CONFIG, "name_servers \"%s\" rejected: %s",
		    bad[i], err.msg);
	}
}

static void
test_resolv_conf(void)
{
	char path[] = "/tmp/kmta-dns-test.XXXXXX";
	struct kmta_dns *dns = NULL;
	struct kmta_err err = { 0 };
	FILE *f;
	int fd;

	fd = mkstemp(path);
	f = fd == -1 ? NULL : fdopen(fd, "w");
	ok(f != NULL, "temporary resolv.conf created");
	if (f == NULL)
		return;
	fprintf(f, "# comment\nsearch example.test\nnameserver fe80::1%%lo\n"
	    "nameserver 127.0.0.1\n");
	fclose(f);

	ok(open_with(NULL, path, NULL, &dns, &err) == 0,
	    "resolv.conf read: %s", err.msg);
	ok(dns != NULL && kmta_dns_ad_trusted(dns),
	    "scoped address skipped, loopback server trusted");
	kmta_dns_close(dns);
	dns = NULL;

	f = fopen(path, "w");
	fprintf(f, "search example.test\n");
	fclose(f);
	ok(open_with(NULL, path, NULL, &dns, &err) == -1 &&
	    err.code == EX_CONFIG, "resolv.conf without name server rejected");
	unlink(path);
}

static void
test_trust_anchor(void)
{
	char path[] = "/tmp/kmta-anchor-test.XXXXXX";
	struct kmta_dns *dns = NULL;
	struct kmta_err err = { 0 };
	FILE *f;
	int fd;

	fd = mkstemp(path);
	f = fd == -1 ? NULL : fdopen(fd, "w");
	ok(f != NULL, "temporary anchor file created");
	if (f == NULL)
		return;
	fprintf(f, "; a DS record in root.key form\n"
	    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC"
	    "683457104237C7F8EC8D\n");
	fclose(f);

	ok(open_with("0.0.0.0", NULL, path, &dns, &err) == 0,
	    "anchor file read: %s", err.msg);
	ok(dns != NULL && kmta_dns_ad_trusted(dns),
	    "validating in-process trusts any server");
	kmta_dns_close(dns);
	dns = NULL;

	f = fopen(path, "w");
	fprintf(f, ". IN A 127.0.0.1\n");
	fclose(f);
	ok(open_with("127.0.0.1", NULL, path, &dns, &err) == -1 &&
	    err.code == EX_CONFIG, "anchor file without keys rejected");
	unlink(path);
	ok(open_with("127.0.0.1", NULL, path, &dns, &err) == -1 &&
	    err.code == EX_NOINPUT, "missing anchor file is EX_NOINPUT");
}

static void
test_worst(void)
{
	is_int(kmta_dnssec_worst(KMTA_DNSSEC_SECURE, KMTA_DNSSEC_INSECURE),
	    KMTA_DNSSEC_INSECURE, "insecure worse than secure");
	is_int(kmta_dnssec_worst(KMTA_DNSSEC_BOGUS, KMTA_DNSSEC_INSECURE),
	    KMTA_DNSSEC_BOGUS, "bogus worse than insecure");
	is_int(kmta_dnssec_worst(KMTA_DNSSEC_BOGUS, KMTA_DNSSEC_FAILED),
	    KMTA_DNSSEC_FAILED, "failed worst of all");
}

int
main(void)
{
	test_ad_trust();
	test_bad_servers();
	test_resolv_conf();
	test_trust_anchor();
	test_worst();
	return done_testing();
}
