#!/usr/bin/perl
# kmta-sign on large messages: the body streams through a spool, so a
# 200 MB message signs in well under 64 MB of memory, and the signed
# output is the input byte for byte and verifies.
use strict;
use warnings;
use Digest::SHA;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use KmtaTest;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $top = $ENV{KMTA_TOP} // '.';
my $sign = "$bin/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;

my $dir = tempdir_with_empty_conf();
$ENV{TMPDIR} = $dir;

write_file("$dir/keys",
    genkey_line($sign, 'ed25519', 'example.com', 'big', "$dir/big.pem"));

# A message of about $mb megabytes, CRLF or LF, with long and short lines.
sub make_message {
	my ($path, $mb, $eol) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	binmode($fh);
	print $fh join($eol, 'From: big@example.com', 'To: r@example.net',
	    'Subject: large', '', '');
	my $line = ('0123456789abcdef' x 64) . "  \t$eol";
	my $block = ($line x 1024) . "short line$eol$eol";
	print $fh $block for 1 .. $mb;
	close($fh) or die;
}

# Length of the signature fields in front of the original message.
sub prefix_length {
	my ($path) = @_;
	open(my $fh, '<', $path) or die;
	binmode($fh);
	read($fh, my $start, 8192);
	return index($start, 'From: big@example.com');
}

sub sha_file {
	my ($path, $skip) = @_;
	open(my $fh, '<', $path) or die;
	binmode($fh);
	seek($fh, $skip, 0);
	my $sha = Digest::SHA->new(256);
	$sha->addfile($fh);
	return $sha->hexdigest;
}

# 10 MB, past the 4 MiB in-memory spool: dkimpy checks the spooled path.
make_message("$dir/ten.eml", 10, "\r\n");
system("$sign -d example.com -s big -k $dir/big.pem < $dir/ten.eml"
    . " > $dir/ten.signed") == 0 or die;
is(sha_file("$dir/ten.signed", prefix_length("$dir/ten.signed")),
    sha_file("$dir/ten.eml", 0),
    '10 MB: message bytes unchanged after the signature');
my $out = `$top/t/lib/dkimpy-verify $dir/keys < $dir/ten.signed`;
is($? >> 8, 0, '10 MB: dkimpy verifies') or diag($out);
$out = `$sign verify --keys $dir/keys < $dir/ten.signed`;
like($out, qr/^dkim=pass /, '10 MB: kmta-sign verify passes');
my @spool = glob("$dir/kmta-sign.*");
is(scalar @spool, 0, 'spool file unlinked');

# 200 MB: maximum resident set size from GNU time.
SKIP: {
	skip '/usr/bin/time missing', 3 unless -x '/usr/bin/time';
	make_message("$dir/big.eml", 200, "\n");
	system("/usr/bin/time -f %M -o $dir/rss $sign -d example.com -s big"
	    . " -k $dir/big.pem < $dir/big.eml > $dir/big.signed") == 0
	    or die;
	chomp(my $kb = do { open(my $fh, '<', "$dir/rss"); local $/; <$fh> });
	$kb =~ s/.*\n//s;
	cmp_ok($kb, '<', 64 * 1024, "200 MB: maximum RSS ${kb} KB under 64 MB");
	is(sha_file("$dir/big.signed", prefix_length("$dir/big.signed")),
	    sha_file("$dir/big.eml", 0), '200 MB: message bytes unchanged');
	$out = `$sign verify --keys $dir/keys < $dir/big.signed`;
	like($out, qr/^dkim=pass /, '200 MB: kmta-sign verify passes');
}

done_testing();
