#!/usr/bin/perl
# The DKIM verification helpers t/lib/dkimpy-verify and t/lib/mail-dkim-verify
# checked against signatures made by dkimpy's own dkimsign and dknewkey.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $top = $ENV{KMTA_TOP} // '.';
my $dkimpy = "$top/t/lib/dkimpy-verify";
my $maildkim = "$top/t/lib/mail-dkim-verify";

for my $tool ('/usr/bin/dkimsign', '/usr/bin/dknewkey') {
	plan skip_all => "$tool missing (python3-dkim)" unless -x $tool;
}
plan skip_all => 'Mail::DKIM missing (libmail-dkim-perl)'
    unless system('perl -MMail::DKIM::Verifier -e1 2>/dev/null') == 0;

my $dir = tempdir(CLEANUP => 1);

sub run {
	my ($cmd) = @_;
	my $out = `$cmd 2>&1`;
	return ($? >> 8, $out);
}

# Keys: Ed25519, RSA-2048, and RSA-4096 whose record exceeds one 255-octet
# TXT character-string, so the resolver's string splitting is exercised.
# dknewkey has no size option, so openssl makes the 4096-bit key.
my %keys = (ed => '--ktype ed25519', rsa => '--ktype rsa');
open(my $keysfh, '>', "$dir/keys") or die;
for my $name (sort keys %keys) {
	my ($rc, $out) = run("cd $dir && dknewkey $keys{$name} $name");
	is($rc, 0, "dknewkey $name") or diag($out);
	chomp(my $record = read_file("$dir/$name.dns"));
	print $keysfh "$name._domainkey.example.com $record\n";
}
my ($rc, $out) = run("openssl genrsa -out $dir/rsa4096.key 4096");
is($rc, 0, 'openssl genrsa 4096') or diag($out);
my $p = `openssl pkey -in $dir/rsa4096.key -pubout -outform DER | base64 -w0`;
cmp_ok(length($p), '>', 255, 'rsa4096 record needs several strings');
print $keysfh "rsa4096._domainkey.example.com v=DKIM1; k=rsa; p=$p\n";
close($keysfh);

my $body = "Hello,\n\nthis is a test.  With  spaces \n\n\n";
my $lf = "From: Alice <alice\@example.com>\nTo: bob\@example.net\n"
    . "Subject: helper\n test\nDate: Fri, 04 Dec 2026 20:00:00 +0000\n\n$body";
(my $crlf = $lf) =~ s/\n/\r\n/g;
my %messages = (lf => $lf, crlf => $crlf);

my @algos = (['ed', 'ed25519-sha256'], ['rsa', 'rsa-sha256'],
    ['rsa4096', 'rsa-sha256']);
for my $a (@algos) {
	my ($key, $algo) = @$a;
	for my $canon ('relaxed/relaxed', 'simple/simple', 'relaxed/simple') {
		my ($hc, $bc) = split('/', $canon);
		for my $ending (sort keys %messages) {
			my $case = "$key $canon $ending";
			write_file("$dir/in", $messages{$ending});
			my ($rc, $out) = run("dkimsign --signalg $algo --hcanon $hc"
			    . " --bcanon $bc $key example.com $dir/$key.key"
			    . " < $dir/in > $dir/signed");
			is($rc, 0, "dkimsign $case") or diag($out);

			($rc, $out) = run("$dkimpy $dir/keys < $dir/signed");
			is($rc, 0, "dkimpy-verify passes $case") or diag($out);
			like($out, qr/^pass d=example\.com s=\Q$key\E a=\Q$algo\E$/m,
			    "dkimpy-verify line $case");

			($rc, $out) = run("$maildkim $dir/keys < $dir/signed");
			SKIP: {
				skip "installed Mail::DKIM lacks $algo", 2 if $rc == 3;
				is($rc, 0, "mail-dkim-verify passes $case")
				    or diag($out);
				like($out, qr/^pass d=example\.com s=\Q$key\E a=\Q$algo\E$/m,
				    "mail-dkim-verify line $case");
			}

			my $tampered = read_file("$dir/signed");
			$tampered =~ s/this is a test/this is a fake/;
			write_file("$dir/tampered", $tampered);
			($rc, $out) = run("$dkimpy $dir/keys < $dir/tampered");
			is($rc, 1, "dkimpy-verify rejects body change $case");
			like($out, qr/^fail d=example\.com/m,
			    "dkimpy-verify fail line $case");
			($rc, $out) = run("$maildkim $dir/keys < $dir/tampered");
			SKIP: {
				skip "installed Mail::DKIM lacks $algo", 2 if $rc == 3;
				is($rc, 1, "mail-dkim-verify rejects body change $case");
				like($out, qr/^fail d=example\.com/m,
				    "mail-dkim-verify fail line $case");
			}
		}
	}
}

# A message without a signature, and a signature whose key is not in the
# keys file, both fail.
write_file("$dir/plain", $lf);
for my $helper ($dkimpy, $maildkim) {
	my ($rc, $out) = run("$helper $dir/keys < $dir/plain");
	is($rc, 1, "$helper: unsigned message fails");
	like($out, qr/^fail no DKIM-Signature/m, "$helper: unsigned reason");
}
run("dkimsign rsa example.com $dir/rsa.key < $dir/plain > $dir/signed");
write_file("$dir/otherkeys", "other._domainkey.example.com v=DKIM1; p=\n");
for my $helper ($dkimpy, $maildkim) {
	my ($rc, $out) = run("$helper $dir/otherkeys < $dir/signed");
	is($rc, 1, "$helper: unknown selector fails");
	my ($urc) = run("$helper $dir/no-such-file < $dir/signed");
	is($urc, 2, "$helper: missing keys file is a usage error");
}

done_testing();
