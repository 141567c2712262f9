#!/usr/bin/perl
# kmta-sign configuration: [dkim "*"] key patterns for domains without a
# section, and apply= signatures for an ESP domain, Always or
# OnlyIfMissingDomainBlock.
use strict;
use warnings;
use File::Path qw(make_path);
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $sign = "$bin/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;

my $dir = tempdir_with_empty_conf();

# Keys: default-place keys for a.example and c.example, an own-section key
# for own.example, and keys for two ESP domains.
my $keys = '';
sub genkey {
	my ($domain, $sel, $path) = @_;
	$keys .= genkey_line($sign, 'ed25519', $domain, $sel, $path);
}
for my $d ('a.example', 'c.example') {
	make_path("$dir/keys/$d");
	genkey($d, 'sel1', "$dir/keys/$d/sel1.pem");
}
genkey('own.example', 'mine', "$dir/own.pem");
genkey('esp.example.net', 'esp', "$dir/esp.pem");
genkey('fallback.example.net', 'fb', "$dir/fallback.pem");
write_file("$dir/keys.txt", $keys);

write_file("$dir/kmta.conf", <<"CONF");
[dkim "*"]
selector = sel1
key = $dir/keys/%d/%s.pem

[dkim "own.example"]
selector = mine
key = $dir/own.pem

[dkim "esp.example.net"]
selector = esp
key = $dir/esp.pem
apply = Always

[dkim "fallback.example.net"]
selector = fb
key = $dir/fallback.pem
apply = OnlyIfMissingDomainBlock
CONF

# Sign mail from domain; return exit code, the d=/s= pairs, stderr.
sub sign_from {
	my ($domain, $conf) = @_;
	write_file("$dir/msg", "From: user\@$domain\nTo: r\@example.org\n"
	    . "Subject: config\n\nbody\n");
	system("$sign -c $conf < $dir/msg > $dir/out 2> $dir/err");
	my $rc = $? >> 8;
	my $out = read_file("$dir/out");
	(my $unfolded = $out) =~ s/\r?\n[ \t]+/ /g;
	my @pairs;
	while ($unfolded =~ /^DKIM-Signature: .*? d=([^;]+); s=([^;]+);/mg) {
		push @pairs, "$1/$2";
	}
	return ($rc, join(' ', sort @pairs), read_file("$dir/err"));
}

my @cases = (
	['key in the usual place', 'a.example',
	    'a.example/sel1 esp.example.net/esp fallback.example.net/fb'],
	['own section', 'own.example', 'esp.example.net/esp own.example/mine'],
	['no key in the usual place', 'b.example',
	    'esp.example.net/esp fallback.example.net/fb'],
);
for my $c (@cases) {
	my ($name, $domain, $want) = @$c;
	my ($rc, $pairs, $err) = sign_from($domain, "$dir/kmta.conf");
	is($rc, 0, "$name: exit 0") or diag($err);
	is($pairs, $want, "$name: signatures $want");
	my $verdict = `$sign verify --keys $dir/keys.txt < $dir/out`;
	my @fail = $verdict =~ /^dkim=(?!pass)/mg;
	is(scalar @fail, 0, "$name: every signature verifies") or diag($verdict);
	like($err, qr/no key for b\.example in its usual place/,
	    "$name: missing key logged") if $domain eq 'b.example';
}

# Every [dkim] key of a section shows in the signature it makes.
write_file("$dir/all.conf", <<"CONF");
[dkim "own.example"]
selector = mine
algo = ed25519-sha256
key = $dir/own.pem
canonicalization = simple/relaxed
headers = from:to:subject:from
oversign = yes
expire = 1d
identity = \@sub.own.example
body_length = yes
policy = SignAlways
CONF
write_file("$dir/msg", "From: user\@own.example\nTo: r\@example.org\n"
    . "Subject: all keys\n\nbody\n");
system("$sign -c $dir/all.conf < $dir/msg > $dir/out 2> $dir/err");
is($? >> 8, 0, 'all [dkim] keys: exit 0') or diag(read_file("$dir/err"));
(my $all = read_file("$dir/out")) =~ s/\r?\n[ \t]+/ /g;
like($all, qr/ c=simple\/relaxed;/, 'canonicalization sets c=');
like($all, qr/ h=from:\s*to:\s*subject:\s*from;/,
    'headers sets h= exactly, folding aside');
like($all, qr/ t=(\d+); x=(\d+);/, 'expire sets x=');
like($all, qr/ i=\@sub\.own\.example;/, 'identity sets i=');
like($all, qr/ l=\d+;/, 'body_length sets l=');
like(`$sign verify --keys $dir/keys.txt < $dir/out`, qr/^dkim=pass /,
    'all [dkim] keys: signature verifies');

write_file("$dir/bad.conf", "[dkim \"*\"]\nselector = s\nkey = $dir/%x.pem\n");
my ($rc, $pairs, $err) = sign_from('a.example', "$dir/bad.conf");
is($rc, 78, 'invalid key pattern: exit 78');
like($err, qr/invalid key pattern/, 'invalid key pattern: message');

write_file("$dir/apply.conf", "[dkim \"x.example\"]\nselector = s\n"
    . "key = $dir/esp.pem\napply = Sometimes\n");
($rc, $pairs, $err) = sign_from('a.example', "$dir/apply.conf");
is($rc, 78, 'unknown apply value: exit 78');
like($err, qr/apply/, 'unknown apply value: message names the key');

write_file("$dir/nofrom.conf", "[dkim \"x.example\"]\nselector = s\n"
    . "key = $dir/esp.pem\nheaders = To:Subject\n");
($rc, $pairs, $err) = sign_from('x.example', "$dir/nofrom.conf");
is($rc, 78, 'headers without From in the config: exit 78');
like($err, qr/must include From/, 'headers without From: message');

# -s, -k, -a and -C belong to -d: with the config alone they would be
# ignored, so they are usage errors.
for my $opt ('-C simple/simple', '-s other', "-k $dir/esp.pem", '-a rsa') {
	system("$sign -c $dir/apply.conf $opt < $dir/msg > $dir/out 2> $dir/err");
	is($? >> 8, 64, "$opt without -d: exit 64");
	is(-s "$dir/out" // 0, 0, "$opt without -d: nothing on stdout");
	like(read_file("$dir/err"), qr/need -d DOMAIN/,
	    "$opt without -d: message");
}

done_testing();
