#!/usr/bin/perl
# kmta-sign --batch: many files signed in place by one process, keys read
# once, a bad file left unchanged and reported while the others are signed.
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

mkdir("$dir/mail") or die;
my $keys = '';
for my $k (['ed', 'ed25519', 'example.com'], ['rsa', 'rsa', 'example.org']) {
	my ($sel, $algo, $domain) = @$k;
	$keys .= genkey_line($sign, $algo, $domain, $sel, "$dir/$sel.pem");
}
write_file("$dir/keys", $keys, 0644);
write_file("$dir/kmta.conf", <<"CONF", 0644);
[dkim "example.com"]
selector = ed
key = $dir/ed.pem

[dkim "example.org"]
selector = rsa
key = $dir/rsa.pem
CONF

my (@files, %original);
for my $i (1 .. 20) {
	my $domain = $i % 2 ? 'example.com' : 'example.org';
	my $eol = $i % 3 ? "\n" : "\r\n";
	my $text = join($eol, "From: user$i\@$domain", "To: r\@example.net",
	    "Subject: batch $i", '', "body of message $i", '');
	my $path = "$dir/mail/m$i.eml";
	write_file($path, $text, $i == 1 ? 0600 : 0644);
	push @files, $path;
	$original{$path} = $text;
}
my $bad = "$dir/mail/bad.eml";
write_file($bad, "To: nobody\@example.net\n\nno From field\n", 0644);
$original{$bad} = read_file($bad);

my $out;
my $strace = system('command -v strace >/dev/null') == 0;
# LeakSanitizer cannot run under ptrace, so an ASan build traced here
# runs without leak checks.
my $trace = $strace ? 'ASAN_OPTIONS=detect_leaks=0 '
    . "strace -f -e trace=openat -o $dir/trace " : '';
system("$trace$sign --batch -c $dir/kmta.conf @files $bad 2> $dir/err");
my $rc = $? >> 8;
my $err = read_file("$dir/err");
is($rc, 65, 'batch with one bad file: exit 65');
like($err, qr/\Q$bad\E: message has no From field/, 'bad file reported by name');
is(read_file($bad), $original{$bad}, 'bad file unchanged');

for my $path (@files) {
	my $text = read_file($path);
	my $name = $path =~ s/.*\///r;
	my ($prefix) = $text =~ /\A(DKIM-Signature:.*?\n(?:[ \t].*\n)*)/;
	ok(defined $prefix, "$name: signed");
	is(substr($text, length($prefix // '')), $original{$path},
	    "$name: original bytes follow the signature");
	my $out = `$sign verify --keys $dir/keys < $path`;
	like($out, qr/^dkim=pass /, "$name: verifies");
}
is((stat($files[0]))[2] & 07777, 0600, 'file mode kept');
my @left = glob("$dir/mail/.kmta-sign.*");
is(scalar @left, 0, 'no temporary files left');

SKIP: {
	skip 'strace missing', 2 unless $strace;
	my $trace_text = read_file("$dir/trace");
	my @ed = $trace_text =~ /openat\([^"]*"\Q$dir\E\/ed\.pem"/g;
	my @rsa = $trace_text =~ /openat\([^"]*"\Q$dir\E\/rsa\.pem"/g;
	is(scalar @ed, 1, 'Ed25519 key file opened once for 10 messages');
	is(scalar @rsa, 1, 'RSA key file opened once for 10 messages');
}

# --jobs 2: two processes share the files; every file is signed once.
my @shared;
for my $i (1 .. 9) {
	my $path = "$dir/mail/j$i.eml";
	write_file($path, "From: j$i\@example.com\nSubject: jobs\n\nbody $i\n",
	    0644);
	push @shared, $path;
}
$out = `$sign --batch --jobs 2 -c $dir/kmta.conf @shared 2>&1`;
is($? >> 8, 0, '--jobs 2: exit 0') or diag($out);
for my $path (@shared) {
	my @sigs = read_file($path) =~ /^DKIM-Signature:/mg;
	is(scalar @sigs, 1, ($path =~ s/.*\///r) . ': signed exactly once');
}
$out = `$sign --batch --jobs 0 -c $dir/kmta.conf @shared 2>&1`;
is($? >> 8, 64, '--jobs 0: exit 64');

# Relative names, in the current directory.
write_file("$dir/mail/rel.eml", "From: a\@example.com\n\nbody\n", 0644);
$out = `cd $dir/mail && $sign --batch -c $dir/kmta.conf rel.eml 2>&1`;
is($? >> 8, 0, 'relative file name: exit 0') or diag($out);
like(read_file("$dir/mail/rel.eml"), qr/\ADKIM-Signature: /,
    'relative file name: signed');

$out = `$sign --batch 2>&1`;
is($? >> 8, 64, '--batch without files: exit 64');

done_testing();
