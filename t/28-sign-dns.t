#!/usr/bin/perl
# kmta-sign key lookups in DNS: verify and testkey ask a DNS server that
# this test runs on 127.0.0.1 (t/lib/txtd.py), named in [dns]
# name_servers. A SERVFAIL is a temporary error (exit 75), a missing name
# a permanent one.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $top = $ENV{KMTA_TOP} // '.';
my $sign = "$bin/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => 'dnspython missing (python3-dnspython)'
    unless system('/usr/bin/python3 -c "import dns.message" 2>/dev/null') == 0;

my $dir = tempdir_with_empty_conf();

# Keys and their records: ed and rsa published, "other" published with
# a different key, "flaky" answered with SERVFAIL.
my $keys = '';
for my $k (['ed', 'ed25519'], ['rsa', 'rsa'], ['other', 'ed25519'],
    ['unpublished', 'ed25519']) {
	my $line = genkey_line($sign, $k->[1], 'example.com', $k->[0],
	    "$dir/$k->[0].pem");
	$keys .= $line unless $k->[0] eq 'unpublished';
}
write_file("$dir/records", $keys);

my $pid = fork() // die;
if ($pid == 0) {
	exec('/usr/bin/python3', "$top/t/lib/txtd.py", '--keys', "$dir/records",
	    '--port-file', "$dir/port", '--servfail',
	    'flaky._domainkey.example.com') or exit(127);
}
END { kill('TERM', $pid) if $pid; }
for (1 .. 100) {
	last if -s "$dir/port";
	select(undef, undef, undef, 0.1);
}
chomp(my $port = read_file("$dir/port"));
ok($port > 0, 'DNS server on 127.0.0.1 started');
write_file("$dir/kmta.conf", "[dns]\nname_servers = 127.0.0.1:$port\n"
    . "timeout = 2\n");
$ENV{KMTA_CONF} = "$dir/kmta.conf";

write_file("$dir/msg", "From: a\@example.com\nTo: b\@example.net\n"
    . "Subject: dns\n\nbody\n");
sub signed_with {
	my ($sel, $key) = @_;
	system("$sign -d example.com -s $sel -k $dir/$key.pem < $dir/msg"
	    . " > $dir/signed") == 0 or die;
	return "$dir/signed";
}

my @verify = (
	['ed25519 record in DNS', 'ed', 'ed', 0, qr/^dkim=pass header\.d=example\.com header\.s=ed /],
	['RSA record in DNS', 'rsa', 'rsa', 0, qr/^dkim=pass header\.d=example\.com header\.s=rsa /],
	['no such name', 'nothere', 'ed', 1,
	    qr/^dkim=permerror \(no key record for nothere\._domainkey\.example\.com\)/],
	['SERVFAIL', 'flaky', 'ed', 75, qr/^dkim=temperror \(DNS lookup of flaky\._domainkey\.example\.com failed/],
	['record for another key', 'other', 'ed', 1, qr/^dkim=fail \(signature mismatch\)/],
);
for my $v (@verify) {
	my ($name, $sel, $key, $code, $re) = @$v;
	my $file = signed_with($sel, $key);
	my $out = `$sign verify < $file 2>&1`;
	is($? >> 8, $code, "verify, $name: exit $code");
	like($out, $re, "verify, $name: result line");
}

my @testkey = (
	['published key', 'ed', 'ed', 0, qr/key record matches/],
	['other key', 'other', 'ed', 1, qr/key record is for a different key/],
	['no record', 'unpublished', 'unpublished', 1, qr/no key record/],
	['SERVFAIL', 'flaky', 'ed', 75, qr/DNS lookup of flaky\._domainkey\.example\.com failed/],
);
for my $t (@testkey) {
	my ($name, $sel, $key, $code, $re) = @$t;
	my $out = `$sign testkey -d example.com -s $sel -k $dir/$key.pem 2>&1`;
	is($? >> 8, $code, "testkey, $name: exit $code");
	like($out, $re, "testkey, $name: output");
}

# Signing policies: the published record decides whether to sign.
sub sign_out {
	my ($opts) = @_;
	system("$sign $opts < $dir/msg > $dir/out 2> $dir/err");
	return ($? >> 8, read_file("$dir/out"), read_file("$dir/err"));
}
my @policy = (
	['IfKeyPublished, record matches', 'ed', 'ed', 'IfKeyPublished', 0, 1],
	['IfKeyPublished, no record', 'unpublished', 'unpublished',
	    'IfKeyPublished', 0, 0, qr/no key record for unpublished\./],
	['IfKeyPublished, record for another key', 'other', 'ed',
	    'IfKeyPublished', 0, 0, qr/key record other\._domainkey\.example\.com is for a different key/],
	['RequireKeyPublished, record matches', 'rsa', 'rsa',
	    'RequireKeyPublished', 0, 1],
	['RequireKeyPublished, no record', 'unpublished', 'unpublished',
	    'RequireKeyPublished', 75, 0, qr/no key record.*message not signed, try again later/],
	['RequireKeyPublished, SERVFAIL', 'flaky', 'ed', 'RequireKeyPublished',
	    75, 0, qr/DNS lookup of flaky\._domainkey\.example\.com failed/],
	['IfKeyPublished, SERVFAIL', 'flaky', 'ed', 'IfKeyPublished', 75, 0,
	    qr/failed/],
	['Always, no record', 'unpublished', 'unpublished', 'Always', 0, 1],
);
for my $p (@policy) {
	my ($name, $sel, $key, $policy, $code, $signed, $re) = @$p;
	my ($rc, $out, $err) = sign_out("-d example.com -s $sel"
	    . " -k $dir/$key.pem --policy $policy");
	is($rc, $code, "$name: exit $code") or diag($err);
	if ($code != 0) {
		is($out, '', "$name: nothing on stdout");
	} elsif ($signed) {
		like($out, qr/\ADKIM-Signature: .* s=$sel;/s, "$name: signed");
	} else {
		is($out, read_file("$dir/msg"), "$name: passed on unsigned");
	}
	like($err, $re, "$name: reason logged") if $re;
}

# From the config: an unpublished Ed25519 key is left out, RSA still signs.
write_file("$dir/policy.conf", <<"CONF");
[dns]
name_servers = 127.0.0.1:$port
timeout = 2

[dkim "example.com"]
selector = unpublished
key = $dir/unpublished.pem
policy = IfKeyPublished

[dkim "example.com" "rsa"]
selector = rsa
key = $dir/rsa.pem
policy = SignAlways
CONF
my ($rc, $out, $err) = sign_out("-c $dir/policy.conf");
is($rc, 0, 'config policies: exit 0') or diag($err);
my @fields = $out =~ /^DKIM-Signature:/mg;
is(scalar @fields, 1, 'config policies: one signature left');
like($out, qr/\ADKIM-Signature: .* s=rsa;/s, 'config policies: the RSA one');
write_file("$dir/signed", $out);
like(`$sign verify -c $dir/policy.conf < $dir/signed`, qr/^dkim=pass /,
    'config policies: signature verifies through DNS');

($rc, $out) = sign_out("-d example.com -s unpublished -k $dir/unpublished.pem"
    . " --policy IfKeyPublished --require-signature");
is($rc, 77, 'nothing left to sign with --require-signature: exit 77');
($rc, $out, $err) = sign_out("-d example.com -s ed -k $dir/ed.pem --policy Sometimes");
is($rc, 64, 'unknown policy: exit 64');
like($err, qr/unknown policy "Sometimes"/, 'unknown policy: message');

done_testing();
