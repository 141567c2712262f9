#!/usr/bin/perl
# kmta-sign verify: signatures from kmta-sign, dkimpy and Mail::DKIM
# verify; tampering, key record flags, l=, x= and t= give the right
# Authentication-Results line and exit status.
use strict;
use warnings;
use MIME::Base64 qw(encode_base64);
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $sign = "$bin/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => 'dkimsign missing (python3-dkim)' unless -x '/usr/bin/dkimsign';

my $dir = tempdir_with_empty_conf();

# Verify a file with a keys file; returns exit code and output.
sub verify {
	my ($file, $keys, @opts) = @_;
	my $out = `$sign verify --keys $keys @opts < $file 2>&1`;
	return ($? >> 8, $out);
}

system("openssl genpkey -algorithm ed25519 -out $dir/ed.pem 2>/dev/null") == 0
    or die;
system("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048"
    . " -out $dir/rsa.pem 2>/dev/null") == 0 or die;
chmod(0600, "$dir/ed.pem", "$dir/rsa.pem");
my $ed_der = `openssl pkey -in $dir/ed.pem -outform DER`;
write_file("$dir/ed.seed", encode_base64(substr($ed_der, -32), '') . "\n");
my $ed_p = encode_base64(substr(
    scalar `openssl pkey -in $dir/ed.pem -pubout -outform DER`, -32), '');
my $rsa_p = encode_base64(
    scalar `openssl pkey -in $dir/rsa.pem -pubout -outform DER`, '');
my %record = (
	ed => "v=DKIM1; k=ed25519; p=$ed_p",
	rsa => "v=DKIM1; k=rsa; p=$rsa_p",
);
write_file("$dir/keys", join('', map { "$_._domainkey.example.com $record{$_}\n" }
    sort keys %record));

my $lf = "From: Alice <alice\@example.com>\nTo: bob\@example.net\n"
    . "Subject:  verify \n me\nDate: Fri, 04 Dec 2026 20:00:00 +0000\n\n"
    . "Hello  Bob,\n\n  body\t text \n\n";
(my $crlf = $lf) =~ s/\n/\r\n/g;
my %algo = (ed => 'ed25519-sha256', rsa => 'rsa-sha256');

# Ours, in every canonicalization and line ending.
for my $sel ('ed', 'rsa') {
	for my $canon ('relaxed/relaxed', 'simple/simple', 'relaxed/simple',
	    'simple/relaxed') {
		for my $ending (['LF', $lf], ['CRLF', $crlf]) {
			my $case = "kmta-sign $sel $canon $ending->[0]";
			write_file("$dir/in", $ending->[1]);
			system("$sign -d example.com -s $sel -k $dir/$sel.pem"
			    . " -C $canon < $dir/in > $dir/signed") == 0 or die;
			my ($rc, $out) = verify("$dir/signed", "$dir/keys");
			is($rc, 0, "$case: exit 0");
			is($out, "dkim=pass header.d=example.com header.s=$sel"
			    . " header.a=$algo{$sel}\n", "$case: pass line");
		}
	}
}

# dkimpy's, in its header and body canonicalizations.
write_file("$dir/in", $lf);
for my $sel ('ed', 'rsa') {
	my $key = $sel eq 'ed' ? "$dir/ed.seed" : "$dir/rsa.pem";
	for my $hc ('relaxed', 'simple') {
		for my $bc ('relaxed', 'simple') {
			my $case = "dkimsign $sel $hc/$bc";
			system("dkimsign --signalg $algo{$sel} --hcanon $hc"
			    . " --bcanon $bc $sel example.com $key < $dir/in"
			    . " > $dir/theirs") == 0 or die;
			my ($rc, $out) = verify("$dir/theirs", "$dir/keys");
			is($rc, 0, "$case: exit 0") or diag($out);
			like($out, qr/^dkim=pass header\.d=example\.com header\.s=$sel /,
			    "$case: pass line");
		}
	}
}

# Mail::DKIM's (RSA only: Debian 12's Mail::DKIM cannot sign Ed25519).
SKIP: {
	skip 'Mail::DKIM::Signer missing', 4
	    unless eval { require Mail::DKIM::Signer; 1 };
	for my $method ('relaxed', 'simple/simple') {
		my $signer = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256',
		    Method => $method, Domain => 'example.com', Selector => 'rsa',
		    KeyFile => "$dir/rsa.pem");
		(my $wire = $lf) =~ s/\n/\r\n/g;
		$signer->PRINT($wire);
		$signer->CLOSE;
		write_file("$dir/theirs", $signer->signature->as_string . "\r\n"
		    . $wire);
		my ($rc, $out) = verify("$dir/theirs", "$dir/keys");
		is($rc, 0, "Mail::DKIM $method: exit 0") or diag($out);
		like($out, qr/^dkim=pass header\.d=example\.com header\.s=rsa /,
		    "Mail::DKIM $method: pass line");
	}
}

# Failures and key record flags, each with its result and reason.
write_file("$dir/in", $lf);
system("$sign -d example.com -s ed -k $dir/ed.pem --timestamp 1700000000"
    . " --expire 1h --body-length < $dir/in > $dir/signed") == 0 or die;
my $signed = read_file("$dir/signed");
(my $body_changed = $signed) =~ s/Hello  Bob/Hello Eve/;
(my $header_changed = $signed) =~ s/^To: bob/To: eve/m;
(my $appended = $signed) .= "appended after signing\n";
write_file("$dir/body_changed", $body_changed);
write_file("$dir/header_changed", $header_changed);
write_file("$dir/appended", $appended);
write_file("$dir/plain", $lf);

my $keys_with = sub {
	my ($name, $text) = @_;
	write_file("$dir/$name", "ed._domainkey.example.com $text\n");
	return "$dir/$name";
};
my $now = '--now 1700000100';
my @cases = (
	['in time', 'signed', "$dir/keys", $now, 0, qr/^dkim=pass header\.d/],
	['body changed', 'body_changed', "$dir/keys", $now, 1,
	    qr/^dkim=fail \(body hash mismatch\)/],
	['header changed', 'header_changed', "$dir/keys", $now, 1,
	    qr/^dkim=fail \(signature mismatch\)/],
	['text appended within l=', 'appended', "$dir/keys", $now, 0,
	    qr/^dkim=pass /],
	['expired x=', 'signed', "$dir/keys", '--now 1700003601', 1,
	    qr/^dkim=neutral \(signature expired\)/],
	['t= in the future', 'signed', "$dir/keys", '--now 1699990000', 1,
	    qr/^dkim=neutral \(signature time t= is in the future\)/],
	['no signature', 'plain', "$dir/keys", $now, 1,
	    qr/^dkim=none \(no DKIM-Signature field\)/],
	['invalid public key', 'signed', $keys_with->('k-bad',
	    'v=DKIM1; k=ed25519; p=AAAA'), $now, 1,
	    qr/^dkim=permerror \(key record p= is not a valid public key\)/],
	['revoked key', 'signed', $keys_with->('k-revoked',
	    'v=DKIM1; k=ed25519; p='), $now, 1,
	    qr/^dkim=permerror \(key revoked \(empty p=\)\)/],
	['key type mismatch', 'signed', $keys_with->('k-type',
	    "v=DKIM1; k=rsa; p=$ed_p"), $now, 1,
	    qr/^dkim=permerror \(key record k= is not ed25519, as ed25519-sha256 needs\)/],
	['hash list without sha256', 'signed', $keys_with->('k-hash',
	    "v=DKIM1; k=ed25519; h=sha1; p=$ed_p"), $now, 1,
	    qr/^dkim=permerror \(key record h= excludes sha256\)/],
	['testing key t=y', 'signed', $keys_with->('k-test',
	    "v=DKIM1; k=ed25519; t=y; p=$ed_p"), $now, 0,
	    qr/^dkim=pass \(key in testing mode \(t=y\)\)/],
	['service type not email', 'signed', $keys_with->('k-service',
	    "v=DKIM1; k=ed25519; s=other; p=$ed_p"), $now, 1,
	    qr/^dkim=permerror \(key record s= excludes email\)/],
);
for my $c (@cases) {
	my ($name, $file, $keys, $opts, $code, $re) = @$c;
	my ($rc, $out) = verify("$dir/$file", $keys, $opts);
	is($rc, $code, "$name: exit $code");
	like($out, $re, "$name: result line") or diag($out);
}

# The selector must be in the keys file: a file for another selector.
my $other = $keys_with->('k-other', "v=DKIM1; k=ed25519; p=$ed_p");
write_file($other, "zz._domainkey.example.com v=DKIM1; k=ed25519; p=$ed_p\n");
my ($rc, $out) = verify("$dir/signed", $other, $now);
like($out, qr/^dkim=permerror \(no key record for ed\._domainkey\.example\.com\)/,
    'unknown selector: permerror naming the record');

# Two signatures, one failing: exit 0 because one passes.
system("$sign -d example.com -s rsa -k $dir/rsa.pem --timestamp 1700000050"
    . " < $dir/body_changed"
    . " > $dir/mixed") == 0 or die;
($rc, $out) = verify("$dir/mixed", "$dir/keys", $now);
is($rc, 0, 'one of two signatures passing: exit 0');
like($out, qr/\Adkim=pass .*header\.s=rsa .*\ndkim=fail .*header\.s=ed /,
    'two result lines, top signature first');

# The Ed25519 example of RFC 8463 Appendix A verifies at its signing time.
my $rfc = join("\r\n",
    'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;',
    ' d=football.example.com; i=@football.example.com;',
    ' q=dns/txt; s=brisbane; t=1528637909; h=from : to :',
    ' subject : date : message-id : from : subject : date;',
    ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
    ' b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus',
    ' Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==',
    'From: Joe SixPack <joe@football.example.com>',
    'To: Suzie Q <suzie@shopping.example.net>',
    'Subject: Is dinner ready?',
    'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)',
    'Message-ID: <20030712040037.46341.5F8J@football.example.com>',
    '', 'Hi.', '', 'We lost the game.  Are you hungry yet?', '', 'Joe.', '');
write_file("$dir/rfc8463", $rfc);
write_file("$dir/rfc8463.keys", 'brisbane._domainkey.football.example.com'
    . " v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n");
($rc, $out) = verify("$dir/rfc8463", "$dir/rfc8463.keys", '--now 1528637909');
is($rc, 0, 'RFC 8463 example: exit 0');
like($out, qr/^dkim=pass header\.d=football\.example\.com header\.s=brisbane /,
    'RFC 8463 example: pass');
(my $rfc_changed = $rfc) =~ s/hungry/thirsty/;
write_file("$dir/rfc8463.changed", $rfc_changed);
($rc, $out) = verify("$dir/rfc8463.changed", "$dir/rfc8463.keys",
    '--now 1528637909');
like($out, qr/^dkim=fail \(body hash mismatch\)/, 'RFC 8463 example changed: fail');

# Usage errors.
$out = `$sign verify --keys $dir/keys extra < $dir/signed 2>&1`;
is($? >> 8, 64, 'verify with an extra argument: exit 64');
like($out, qr/unexpected argument "extra"/, 'extra argument: message');
$out = `$sign verify --keys $dir/nofile < $dir/signed 2>&1`;
is($? >> 8, 66, 'missing keys file: exit 66');
like($out, qr/\Q$dir\E\/nofile/, 'missing keys file: message names it');

done_testing();
