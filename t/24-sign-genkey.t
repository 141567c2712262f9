#!/usr/bin/perl
# kmta-sign genkey: new keys are stored with mode 0600, their printed DNS
# records are valid zone-file TXT records, and mail signed with them
# verifies with kmta-sign verify, dkimpy and Mail::DKIM.
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

my $dir = tempdir_with_empty_conf();

# Turn a zone-file TXT line into "NAME TEXT" for a keys file.
sub keys_line {
	my ($zone) = @_;
	my ($name) = $zone =~ /^(\S+)\. IN TXT /;
	my @strings = $zone =~ /"([^"]*)"/g;
	return ($name, join('', @strings), \@strings);
}

write_file("$dir/msg", "From: a\@example.com\nTo: b\@example.net\n"
    . "Subject: genkey\n\nbody\n");
my $keys = '';
my $zones = '';
for my $case (['ed25519', 'g1', undef, 'ed25519-sha256'],
    ['rsa', 'g2', "file:$dir/g2.pem", 'rsa-sha256'],
    ['rsa', 'g3', "$dir/g3.pem", 'rsa-sha256', 3072]) {
	my ($algo, $sel, $output, $a, $bits) = @$case;
	my $opts = "-a $algo -d example.com -s $sel";
	$opts .= " -o $output" if defined $output;
	$opts .= " -b $bits" if defined $bits;
	my $zone = `cd $dir && $sign genkey $opts 2>$dir/err`;
	is($? >> 8, 0, "genkey $algo $sel: exit 0") or diag(`cat $dir/err`);
	my $path = defined $output ? $output =~ s/^file://r
	    : "$dir/example.com.$sel.pem";
	ok(-f $path, "genkey $sel: key file written");
	is((stat($path))[2] & 07777, 0600, "genkey $sel: key file mode 0600");
	$zones .= $zone;
	my ($name, $text, $strings) = keys_line($zone);
	is($name, "$sel._domainkey.example.com", "genkey $sel: record name");
	like($text, qr/^v=DKIM1; k=$algo; p=[A-Za-z0-9+\/]+=*$/,
	    "genkey $sel: record text");
	my @long = grep { length($_) > 255 } @$strings;
	is(scalar @long, 0, "genkey $sel: TXT strings of at most 255 octets");
	$keys .= "$name $text\n";
	write_file("$dir/keys", $keys);

	system("$sign -d example.com -s $sel -k $path < $dir/msg"
	    . " > $dir/signed") == 0 or die;
	my $out = `$sign verify --keys $dir/keys < $dir/signed`;
	like($out, qr/^dkim=pass header\.d=example\.com header\.s=$sel header\.a=$a$/,
	    "genkey $sel: kmta-sign verify passes");
	$out = `$top/t/lib/dkimpy-verify $dir/keys < $dir/signed`;
	is($? >> 8, 0, "genkey $sel: dkimpy passes") or diag($out);
	$out = `$top/t/lib/mail-dkim-verify $dir/keys < $dir/signed`;
	my $rc = $? >> 8;
	SKIP: {
		skip "installed Mail::DKIM lacks $a", 1 if $rc == 3;
		is($rc, 0, "genkey $sel: Mail::DKIM passes") or diag($out);
	}
}

my $rsa_bits = `openssl pkey -in $dir/g3.pem -noout -text 2>/dev/null`;
like($rsa_bits, qr/3072 bit/, 'genkey -b 3072 makes a 3072-bit key');

# testkey: the records printed above match their keys and no others.
write_file("$dir/keys2", $keys
    . "revoked._domainkey.example.com v=DKIM1; k=rsa; p=\n");
my @testkey = (
	['ed25519 match', "-s g1 -k $dir/example.com.g1.pem", 0,
	    qr/^g1\._domainkey\.example\.com: key record matches the ed25519-sha256 private key$/],
	['rsa match', "-s g2 -k $dir/g2.pem", 0,
	    qr/^g2\._domainkey\.example\.com: key record matches the rsa-sha256/],
	['other key', "-s g2 -k $dir/g3.pem", 1,
	    qr/^g2\._domainkey\.example\.com: key record is for a different key$/],
	['no record', "-s none -k $dir/g2.pem", 1,
	    qr/^none\._domainkey\.example\.com: no key record$/],
	['revoked record', "-s revoked -k $dir/g2.pem", 1,
	    qr/key record unusable: key revoked/],
	['key of the other type', "-s g1 -k $dir/g2.pem", 1,
	    qr/^g1\._domainkey\.example\.com: key record unusable: key record k= is not rsa, as rsa-sha256 needs$/],
	['algorithm not of the key', "-s g1 -a rsa -k $dir/example.com.g1.pem",
	    78, qr/^$/],
);
for my $t (@testkey) {
	my ($name, $opts, $code, $re) = @$t;
	my $out = `$sign testkey -d example.com $opts --keys $dir/keys2 2>/dev/null`;
	is($? >> 8, $code, "testkey $name: exit $code");
	like($out, $re, "testkey $name: output");
}
my $out = `$sign testkey -d example.com -s g1 --keys $dir/keys2 2>&1`;
is($? >> 8, 64, 'testkey without -k: exit 64');

# A keys file may hold genkey's zone-file records as printed, with a TTL,
# escapes and comments.
(my $zone_ttl = $zones) =~ s/^(g1\._domainkey\S+) IN TXT/$1 3600 IN TXT/m;
$zone_ttl =~ s/v=DKIM1; k=ed25519/v\\061DKIM1\\; k=ed25519/;
write_file("$dir/zone", "; zone-file records from genkey\n$zone_ttl");
like($zone_ttl, qr/^g2\._domainkey\S+ IN TXT \(\n/m,
    'RSA record spans lines in ( )');
system("$sign -d example.com -s g1 -k $dir/example.com.g1.pem < $dir/msg"
    . " > $dir/signed1") == 0 or die;
system("$sign -d example.com -s g3 -k $dir/g3.pem < $dir/signed1"
    . " > $dir/signed2") == 0 or die;
$out = `$sign verify --keys $dir/zone < $dir/signed2`;
is($? >> 8, 0, 'verify --keys with zone-file records: exit 0');
like($out, qr/^dkim=pass header\.d=example\.com header\.s=g1 /m,
    'zone-file Ed25519 record with TTL and escapes passes');
like($out, qr/^dkim=pass header\.d=example\.com header\.s=g3 /m,
    'zone-file RSA record on several lines passes');
$out = `$sign testkey -d example.com -s g2 -k $dir/g2.pem --keys $dir/zone`;
is($? >> 8, 0, 'testkey with a zone-file record: exit 0');
for my $bad (['unclosed (', qq{b._domainkey.example.com. IN TXT ( "v=DKIM1;"\n}],
    ['unquoted text', "b._domainkey.example.com. IN TXT v=DKIM1;\n"],
    ['unclosed quote', qq{b._domainkey.example.com. IN TXT "v=DKIM1;\n}]) {
	my ($what, $line) = @$bad;
	write_file("$dir/badzone", "# first line\n$line");
	$out = `$sign verify --keys $dir/badzone < $dir/signed2 2>&1 >/dev/null`;
	is($? >> 8, 65, "zone record, $what: exit 65");
	like($out, qr/keys file \Q$dir\E\/badzone:2: b\._domainkey\.example\.com: invalid TXT record/,
	    "zone record, $what: error names file, line and name");
}

# Errors.
my @errors = (
	['existing key file', "-a rsa -d example.com -s g2 -o $dir/g2.pem", 73,
	    qr{key source \Q$dir\E/g2\.pem holds a key already}],
	['RSA under 1024 bits', "-a rsa -b 512 -d example.com -s x", 64,
	    qr/invalid -b 512/],
	['unknown algorithm', "-a dsa -d example.com -s x", 64,
	    qr/unknown algorithm "dsa"/],
	['missing selector', "-a rsa -d example.com", 64, qr/usage:/],
	['env: key source', "-a ed25519 -d example.com -s x -o env:KEY", 64,
	    qr/env: sources cannot be written/],
);
for my $e (@errors) {
	my ($name, $opts, $code, $re) = @$e;
	my $out = `cd $dir && $sign genkey $opts 2>&1 >/dev/null`;
	is($? >> 8, $code, "$name: exit $code");
	like($out, $re, "$name: message");
}

done_testing();
