#!/usr/bin/perl
# kmta-sign's link mode: by default it carries its own libcrypto and
# libldns, so that one process per message starts without resolving
# libcrypto's symbols, and --version names the versions it carries.
use strict;
use warnings;
use Test::More;
use Cwd ();
use File::Basename ();

my $sign = ($ENV{KMTA_BIN} // "build/bin") . "/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;

my $out = `$sign --version 2>&1`;
is($? >> 8, 0, '--version: exit 0');
my ($openssl) = $out =~ /^(OpenSSL \d+\.\d+\.\d+\S*)/m;
ok(defined $openssl, '--version names the OpenSSL version') or diag($out);
like($out, qr/^ldns \d+\.\d+\.\d+/m, '--version names the ldns version');
my $static = $out =~ /\(linked statically: run make install again/;
ok($static || $out =~ /\(linked dynamically\)/, '--version names the link mode');

SKIP: {
	my $system = `openssl version 2>/dev/null`;
	skip 'openssl command missing', 1 unless $? == 0;
	like($system, qr/^\Q$openssl\E\b/,
	    'the OpenSSL in kmta-sign is the installed one');
}

SKIP: {
	skip 'readelf missing (binutils)', 3
	    unless system('readelf --version >/dev/null 2>&1') == 0;
	my @needed = `readelf -d $sign` =~ /\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g;
	my @crypto = grep { /^lib(crypto|ssl|ldns)\.so/ } @needed;
	if ($static) {
		is_deeply(\@crypto, [], 'static build loads no libcrypto, libssl or libldns')
		    or diag("NEEDED: @needed");
	} else {
		ok(scalar(grep { /^libcrypto\.so/ } @crypto),
		    'shared build loads libcrypto') or diag("NEEDED: @needed");
	}
	my $dynamic = `readelf -dW $sign`;
	like($dynamic, qr/FLAGS.*BIND_NOW/, 'still linked with BIND_NOW');
	like(`readelf -hW $sign`, qr/Type:\s+DYN/, 'still a position-independent executable');
}

# A static copy goes stale when OpenSSL is updated, and --version says to
# run make install again then; make must link kmta-sign again for that.
SKIP: {
	skip 'shared build', 1 unless $static;
	skip 'make or cc missing', 1
	    unless system('make --version >/dev/null 2>&1') == 0 &&
	    system('cc --version >/dev/null 2>&1') == 0;
	chomp(my $archive = `cc -print-file-name=libcrypto.a`);
	$archive = Cwd::realpath($archive);
	skip 'libcrypto.a not found', 1 unless defined $archive && -f $archive;
	my $top = $ENV{KMTA_TOP} // '.';
	my $bin = Cwd::realpath(File::Basename::dirname($sign));
	my $build = File::Basename::dirname($bin);
	my $plan = `make -n -C '$top' BUILD='$build' -W '$archive' '$bin/kmta-sign' 2>&1`;
	like($plan, qr/-o \Q$bin\E\/kmta-sign /,
	    'newer libcrypto.a relinks kmta-sign') or diag($plan);
}

done_testing();
