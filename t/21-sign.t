#!/usr/bin/perl
# kmta-sign: signatures for every algorithm, canonicalization and line
# ending verify with dkimpy and Mail::DKIM; the output keeps the input's
# bytes; bad input and bad keys get the documented exit codes.
use strict;
use warnings;
use MIME::Base64 qw(decode_base64 encode_base64);
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $top = $ENV{KMTA_TOP} // '.';
my $sign = "$bin/kmta-sign";
my $dkimpy = "$top/t/lib/dkimpy-verify";
my $maildkim = "$top/t/lib/mail-dkim-verify";

plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => 'dkimpy missing (python3-dkim)'
    unless system('/usr/bin/python3 -c "import dkim, nacl" 2>/dev/null') == 0;
plan skip_all => 'Mail::DKIM missing (libmail-dkim-perl)'
    unless system('perl -MMail::DKIM::Verifier -e1 2>/dev/null') == 0;

my $dir = tempdir_with_empty_conf();

# Run a command with stdin from a file; returns exit code, stdout, stderr.
sub run {
	my ($cmd, $in) = @_;
	system("$cmd < $in > $dir/out 2> $dir/err");
	return ($? >> 8, read_file("$dir/out"), read_file("$dir/err"));
}

sub openssl {
	my ($args) = @_;
	system("openssl $args 2>/dev/null") == 0 or die "openssl $args failed";
}

# Keys in the forms kmta-sign reads, and their DNS records.
openssl("genpkey -algorithm ed25519 -out $dir/ed.pem");
openssl("genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048"
    . " -out $dir/rsa.pem");
openssl("rsa -in $dir/rsa.pem -traditional -out $dir/rsa1.pem");
openssl("genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:512"
    . " -out $dir/rsa512.pem");
chmod(0600, glob("$dir/*.pem"));

# An Ed25519 record carries the raw 32-byte public key (RFC 8463), the
# last 32 bytes of the SubjectPublicKeyInfo.
my $ed_spki = `openssl pkey -in $dir/ed.pem -pubout -outform DER`;
my $ed_p = encode_base64(substr($ed_spki, -32), '');
my $rsa_p = encode_base64(
    scalar `openssl pkey -in $dir/rsa.pem -pubout -outform DER`, '');
write_file("$dir/keys",
    "ed._domainkey.example.com v=DKIM1; k=ed25519; p=$ed_p\n"
    . "rsa._domainkey.example.com v=DKIM1; k=rsa; p=$rsa_p\n", 0644);

my $lf = "From: Alice Example <alice\@example.com>\n"
    . "To: Bob <bob\@example.net>,\n\tCarol <carol\@example.net>\n"
    . "Subject:  Signed   test \n"
    . "Date: Fri, 04 Dec 2026 20:00:00 +0000\n"
    . "Message-ID: <t21\@example.com>\n"
    . "\n"
    . "Hello Bob,\n\n  indented \t line  \nlast line\n\n\n";
(my $crlf = $lf) =~ s/\n/\r\n/g;
my %input = (LF => $lf, CRLF => $crlf);
my %keyfile = ('ed25519-sha256' => "$dir/ed.pem",
    'rsa-sha256' => "$dir/rsa.pem");
my %selector = ('ed25519-sha256' => 'ed', 'rsa-sha256' => 'rsa');

# Check one signed output against its input and both verifiers.
sub check_signed {
	my ($case, $in, $out, $algo, $count) = @_;
	my $eol = $in =~ /\r\n/ ? "\r\n" : "\n";
	my @fields = ($out =~ /\G(DKIM-Signature:.*?$eol(?:[ \t].*?$eol)*)/gc);
	is(scalar @fields, $count, "$case: $count signature field(s)");
	my $prefix = join('', @fields);
	is(substr($out, length($prefix)), $in, "$case: message bytes unchanged");
	my $bad_eol = $eol eq "\n" ? qr/\r/ : qr/(?<!\r)\n/;
	unlike($prefix, $bad_eol, "$case: header uses the input's line endings");
	my @long = grep { length($_) > 78 } split(/\r?\n/, $prefix);
	is(scalar @long, 0, "$case: no header line over 78 characters");

	write_file("$dir/signed", $out);
	my $want = join('', map { "pass d=example.com s=$selector{$_} a=$_\n" }
	    @$algo);
	my $got = `$dkimpy $dir/keys < $dir/signed`;
	is($? >> 8, 0, "$case: dkimpy verifies") or diag($got);
	is(join('', sort split(/^/, $got)), join('', sort split(/^/, $want)),
	    "$case: dkimpy result lines");
	$got = `$maildkim $dir/keys < $dir/signed`;
	my $rc = $? >> 8;
	SKIP: {
		skip "installed Mail::DKIM lacks ed25519-sha256", 1 if $rc == 3;
		is($rc, 0, "$case: Mail::DKIM verifies") or diag($got);
	}
}

for my $algo ('rsa-sha256', 'ed25519-sha256') {
	for my $canon ('relaxed/relaxed', 'simple/simple', 'relaxed/simple',
	    'simple/relaxed') {
		for my $ending ('LF', 'CRLF') {
			my $case = "$algo $canon $ending";
			write_file("$dir/in", $input{$ending});
			my ($rc, $out, $err) = run("$sign -d example.com"
			    . " -s $selector{$algo} -a $algo -k $keyfile{$algo}"
			    . " -C $canon", "$dir/in");
			is($rc, 0, "$case: exit 0") or diag($err);
			like($out, qr/^DKIM-Signature: v=1; a=\Q$algo\E; c=\Q$canon\E;/,
			    "$case: a= and c= tags");
			check_signed($case, $input{$ending}, $out, [$algo], 1);
		}
	}
}

# Key forms, with the algorithm taken from the key: PKCS#1 PEM, DER
# (PKCS#8 and PKCS#1), and Ed25519 as DER and as the base64 raw seed.
openssl("pkey -in $dir/rsa.pem -outform DER -out $dir/rsa8.der");
openssl("rsa -in $dir/rsa.pem -traditional -outform DER -out $dir/rsa1.der");
openssl("pkey -in $dir/ed.pem -outform DER -out $dir/ed.der");
my $ed_der = read_file("$dir/ed.der");
write_file("$dir/ed.seed", encode_base64(substr($ed_der, -32), '') . "\n");
chmod(0600, glob("$dir/*.der"));
write_file("$dir/in", $lf);
my ($rc, $out, $err);
for my $form (['rsa', 'rsa1.pem', 'rsa-sha256'], ['rsa', 'rsa8.der', 'rsa-sha256'],
    ['rsa', 'rsa1.der', 'rsa-sha256'], ['ed', 'ed.der', 'ed25519-sha256'],
    ['ed', 'ed.seed', 'ed25519-sha256']) {
	my ($sel, $file, $algo) = @$form;
	($rc, $out, $err) = run("$sign -d example.com -s $sel -k file:$dir/$file",
	    "$dir/in");
	is($rc, 0, "key $file: exit 0") or diag($err);
	check_signed("key $file", $lf, $out, [$algo], 1);
}

# A base64 seed that starts with "0" (0x30, as DER does): one in 64 of
# the seeds dkimpy's dknewkey writes.
my $seed0 = '06kApbKXb9J+3aX4RX+Z818i8KPCPpGjxM2fkVVu76Y=';
write_file("$dir/ed0.seed", $seed0);
chmod(0600, "$dir/ed0.seed");
write_file("$dir/ed0.der", pack('H*', '302e020100300506032b657004220420')
    . decode_base64($seed0));
openssl("pkey -inform DER -in $dir/ed0.der -pubout -outform DER"
    . " -out $dir/ed0.pub");
my $ed0_p = encode_base64(substr(read_file("$dir/ed0.pub"), -32), '');
write_file("$dir/ed0.keys", "ed0._domainkey.example.com v=DKIM1; k=ed25519; "
    . "p=$ed0_p\n");
($rc, $out, $err) = run("$sign -d example.com -s ed0 -k file:$dir/ed0.seed",
    "$dir/in");
is($rc, 0, 'seed starting with 0: exit 0') or diag($err);
write_file("$dir/ed0.signed", $out);
like(`$sign verify --keys $dir/ed0.keys < $dir/ed0.signed`,
    qr/^dkim=pass header\.d=example\.com header\.s=ed0 /,
    'seed starting with 0: signature verifies');

# Reproducible output: --timestamp and --headers set t= and h= exactly.
($rc, $out, $err) = run("$sign -d example.com -s ed -k $dir/ed.pem"
    . " --timestamp 1700000000 --headers from:to:subject:from", "$dir/in");
is($rc, 0, '--timestamp/--headers: exit 0') or diag($err);
like($out, qr/ t=1700000000;/, '--timestamp sets t=');
like($out, qr/ h=from:to:subject:from;/, '--headers sets h= with repeats');
check_signed('--headers', $lf, $out, ['ed25519-sha256'], 1);
my ($rc2, $out2) = run("$sign -d example.com -s ed -k $dir/ed.pem"
    . " --timestamp 1700000000 --headers from:to:subject:from", "$dir/in");
is($out2, $out, 'same input and flags give the same output');

# Optional tags: x=, i=, l= and over-signing, each verified by both.
my @tag_cases = (
	['--expire 1d', qr/ t=(\d+); x=(\d+);/, 'x= one day after t='],
	['-i alice@mail.example.com', qr/ i=alice\@mail\.example\.com;/,
	    'i= in a subdomain'],
	['--body-length', qr/ l=\d+;/, 'l= present'],
	['--oversign', qr/ h=From:From:Subject:Subject:Date:Date:To:To:/,
	    'each default field signed once more'],
);
write_file("$dir/in", $lf);
for my $t (@tag_cases) {
	my ($opts, $re, $name) = @$t;
	for my $algo ('rsa-sha256', 'ed25519-sha256') {
		($rc, $out, $err) = run("$sign -d example.com -s $selector{$algo}"
		    . " -k $keyfile{$algo} $opts", "$dir/in");
		is($rc, 0, "$opts $algo: exit 0") or diag($err);
		(my $unfolded = $out) =~ s/\r?\n[ \t]+/ /g;
		like($unfolded, $re, "$opts $algo: $name");
		if ($opts =~ /expire/ && $unfolded =~ $re) {
			is($2 - $1, 86400, "$opts $algo: x= - t= is 86400");
		}
		check_signed("$opts $algo", $lf, $out, [$algo], 1);
	}
}

# An over-signed Subject stops a second Subject from being added at the
# top, which a plain signature lets through. (dkimpy over-signs From
# itself when verifying, so From cannot show the difference.)
for my $case (['--oversign', 1], ['', 0]) {
	my ($opt, $oversigned) = @$case;
	($rc, $out) = run("$sign -d example.com -s ed -k $dir/ed.pem $opt",
	    "$dir/in");
	(my $added = $out) =~
	    s/^(DKIM-Signature:.*?\n(?:[ \t].*\n)*)/${1}Subject: added later\n/;
	write_file("$dir/added", $added);
	my $verdict = `$dkimpy $dir/keys < $dir/added`;
	if ($oversigned) {
		is($? >> 8, 1, 'added Subject breaks an over-signed signature');
	} else {
		is($? >> 8, 0, 'added Subject passes a plain signature');
	}
}

# Dual signing from the config: Ed25519 and RSA for the From domain.
write_file("$dir/dual.conf", <<"CONF");
[dkim "example.com"]
selector = ed
algo = ed25519
key = file:$dir/ed.pem

[dkim "example.com" "rsa"]
selector = rsa
algo = rsa-sha256
filename = $dir/rsa.pem
canonicalization = simple/simple
CONF
for my $ending ('LF', 'CRLF') {
	write_file("$dir/in", $input{$ending});
	($rc, $out, $err) = run("$sign -c $dir/dual.conf", "$dir/in");
	is($rc, 0, "config dual signing $ending: exit 0") or diag($err);
	check_signed("config dual signing $ending", $input{$ending}, $out,
	    ['ed25519-sha256', 'rsa-sha256'], 2);
}

# A From domain without a section passes through, unless required.
write_file("$dir/other", "From: x\@other.example\nSubject: s\n\nbody\n");
($rc, $out, $err) = run("$sign -c $dir/dual.conf", "$dir/other");
is($rc, 0, 'no section: exit 0');
is($out, read_file("$dir/other"), 'no section: message unchanged');
like($err, qr/no \[dkim "other\.example"\] section/, 'no section: logged');
($rc, $out, $err) = run("$sign -c $dir/dual.conf --require-signature",
    "$dir/other");
is($rc, 77, '--require-signature without section: exit 77');
is($out, '', '--require-signature: nothing on stdout');

# Errors: exit code, a message naming the value, nothing on stdout.
my $ed = "-d example.com -s ed -k $dir/ed.pem";
write_file("$dir/nofrom", "To: bob\@example.net\nSubject: s\n\nbody\n");
write_file("$dir/twofrom", "From: a\@example.com, b\@example.com\n\nbody\n");
write_file("$dir/twofields", "From: a\@example.com\nFrom: b\@example.com\n\nb\n");
write_file("$dir/nul", "From: a\@example.com\nSubject: a\0b\n\nbody\n");
write_file("$dir/bigheader", "From: a\@example.com\n"
    . ("X-Filler: " . ('y' x 900) . "\n") x 1200 . "\nbody\n");
write_file("$dir/longline", "From: a\@example.com\nSubject: " . ('x' x 1000)
    . "\n\nbody\n");
write_file("$dir/in", $lf);
write_file("$dir/group.pem", read_file("$dir/ed.pem"), 0640);
write_file("$dir/notakey.pem", "hello, this is not a key\n", 0600);
my @errors = (
	['no From field', "$sign $ed", 'nofrom', 65, qr/no From field/],
	['several From addresses', "$sign $ed", 'twofrom', 65,
	    qr/several addresses/],
	['several From fields', "$sign $ed", 'twofields', 65,
	    qr/2 From fields/],
	['NUL byte', "$sign $ed", 'nul', 65, qr/NUL byte/],
	['line over 998 octets', "$sign $ed", 'longline', 65,
	    qr/Subject field has a line of 1009 octets/],
	['header block over 1 MiB', "$sign $ed", 'bigheader', 65,
	    qr/header block of \d+ bytes is over the 1048576-byte limit/],
	['missing key file', "$sign -d example.com -s ed -k $dir/nokey.pem",
	    'in', 66, qr/\Q$dir\E\/nokey\.pem/],
	['group-readable key', "$sign -d example.com -s ed -k $dir/group.pem",
	    'in', 77, qr/\Q$dir\E\/group\.pem/],
	['file that is no key', "$sign -d example.com -s ed -k $dir/notakey.pem",
	    'in', 78, qr/notakey\.pem: not a PEM private key, DER key or base64/],
	['unknown algorithm', "$sign $ed -a ed448-sha256", 'in', 64,
	    qr/unknown algorithm "ed448-sha256"/],
	['algorithm not matching key', "$sign $ed -a rsa-sha256", 'in', 78,
	    qr/ed\.pem is an ed25519-sha256 key/],
	['RSA under 1024 bits', "$sign -d example.com -s r -k $dir/rsa512.pem",
	    'in', 78, qr/RSA key of 512 bits is too short/],
	['unknown canonicalization', "$sign $ed -C loose", 'in', 64,
	    qr/unknown canonicalization "loose"/],
	['bad header list', "$sign $ed --headers 'from::to'", 'in', 64,
	    qr/invalid header list "from::to"/],
	['header list without From', "$sign $ed --headers 'to:subject'", 'in',
	    64, qr/invalid header list "to:subject": .* must include From/],
	['identity outside domain', "$sign $ed -i a\@example.net", 'in', 64,
	    qr/a\@example\.net" is not in the signing domain/],
	['missing selector', "$sign -d example.com -k $dir/ed.pem", 'in', 64,
	    qr/needs -s SELECTOR/],
);
for my $e (@errors) {
	my ($name, $cmd, $file, $code, $msg) = @$e;
	($rc, $out, $err) = run($cmd, "$dir/$file");
	is($rc, $code, "$name: exit $code");
	like($err, qr/^kmta-sign: .*$msg/, "$name: message") or diag($err);
	is($out, '', "$name: nothing on stdout");
}

done_testing();
