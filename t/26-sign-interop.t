#!/usr/bin/perl
# Interop on the t/corpus messages: every signature kmta-sign makes, in
# both algorithms and all four canonicalizations, verifies with dkimpy,
# Mail::DKIM and kmta-sign verify; every signature dkimpy makes verifies
# with kmta-sign verify, and so does every RSA signature Mail::DKIM makes;
# l= survives appended text.
use strict;
use warnings;
use MIME::Base64 qw(encode_base64);
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
plan skip_all => 'dkimpy missing (python3-dkim)' unless -x '/usr/bin/dkimsign';
plan skip_all => 'Mail::DKIM missing (libmail-dkim-perl)'
    unless eval { require Mail::DKIM::Signer; 1 };

my $dir = tempdir_with_empty_conf();
my @corpus = sort glob("$top/t/corpus/*.eml");
cmp_ok(scalar @corpus, '>=', 25, 'corpus has at least 25 messages');

# dkimpy's dknewkey makes keys that dkimsign and kmta-sign both read.
my $keys = '';
for my $k (['ed', 'ed25519'], ['rsa', 'rsa']) {
	system("cd $dir && dknewkey --ktype $k->[1] $k->[0] >/dev/null 2>&1") == 0
	    or die "dknewkey failed";
	chmod(0600, "$dir/$k->[0].key");
	chomp(my $record = read_file("$dir/$k->[0].dns"));
	$keys .= "$k->[0]._domainkey.example.com $record\n";
}
write_file("$dir/keys", $keys);
my %algo = (ed => 'ed25519-sha256', rsa => 'rsa-sha256');

# Known dkimpy 1.1.4 limits, reported rather than worked around: it cannot
# parse white space before a header colon (it neither signs nor verifies
# such messages), and in relaxed body canonicalization it keeps trailing
# white space on an unterminated last line, where RFC 6376 section 3.4.4,
# Mail::DKIM and kmta-sign remove it.
my %dkimpy_cannot_parse = ('02-space-before-colon' => 1);
my %dkimpy_last_line = ('07-no-final-newline' => 1);

sub verified {
	my ($tool, $file) = @_;
	my $out = `$tool < $file 2>&1`;
	return ($? >> 8, $out);
}

for my $path (@corpus) {
	my $name = $path =~ s/.*\///r =~ s/\.eml$//r;
	my $original = read_file($path);
	for my $sel ('ed', 'rsa') {
		for my $canon ('relaxed/relaxed', 'simple/simple',
		    'relaxed/simple', 'simple/relaxed') {
			my $case = "$name $sel $canon";
			system("$sign -d example.com -s $sel -k $dir/$sel.key"
			    . " -C $canon < $path > $dir/signed 2>$dir/err");
			if ($? != 0) {
				fail("$case: kmta-sign exit 0");
				diag(read_file("$dir/err"));
				next;
			}
			my $signed = read_file("$dir/signed");
			ok(substr($signed, -length($original)) eq $original,
			    "$case: message bytes unchanged");
			my ($rc, $out) = verified("$dkimpy $dir/keys", "$dir/signed");
			SKIP: {
				skip 'dkimpy cannot parse white space before a colon', 1
				    if $dkimpy_cannot_parse{$name};
				is($rc, 0, "$case: dkimpy verifies") or diag($out);
			}
			($rc, $out) = verified("$maildkim $dir/keys", "$dir/signed");
			SKIP: {
				skip 'installed Mail::DKIM lacks ed25519-sha256', 1
				    if $rc == 3;
				is($rc, 0, "$case: Mail::DKIM verifies") or diag($out);
			}
			($rc, $out) = verified("$sign verify --keys $dir/keys",
			    "$dir/signed");
			is($rc, 0, "$case: kmta-sign verify") or diag($out);
		}

		# Theirs: dkimpy signs, kmta-sign verifies.
		for my $hc ('relaxed', 'simple') {
			for my $bc ('relaxed', 'simple') {
				my $case = "$name dkimsign $sel $hc/$bc";
				SKIP: {
					skip 'dkimpy cannot parse white space before a colon', 1
					    if $dkimpy_cannot_parse{$name};
					skip 'dkimpy keeps trailing white space on an '
					    . 'unterminated last line', 1
					    if $dkimpy_last_line{$name} && $bc eq 'relaxed';
					system("dkimsign --signalg $algo{$sel} --hcanon $hc"
					    . " --bcanon $bc $sel example.com $dir/$sel.key"
					    . " < $path > $dir/theirs 2>$dir/err");
					my ($rc, $out) = verified(
					    "$sign verify --keys $dir/keys", "$dir/theirs");
					is($rc, 0, "$case: kmta-sign verify") or diag($out);
				}
			}
		}
	}
}

# Mail::DKIM's RSA signatures (Debian 12's Mail::DKIM cannot sign with
# Ed25519) verify with kmta-sign verify.
for my $path (@corpus) {
	my $name = $path =~ s/.*\///r =~ s/\.eml$//r;
	# Mail::DKIM signs the message as SMTP carries it: CRLF line endings
	# and a terminated last line, as the verify helpers also see it.
	(my $wire = read_file($path)) =~ s/(?<!\r)\n/\r\n/g;
	$wire .= "\r\n" unless $wire =~ /\r\n\z/;
	for my $method ('relaxed/relaxed', 'simple/simple') {
		my $signer = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256',
		    Method => $method, Domain => 'example.com',
		    Selector => 'rsa', KeyFile => "$dir/rsa.key");
		$signer->PRINT($wire);
		$signer->CLOSE;
		write_file("$dir/theirs", $signer->signature->as_string . "\r\n"
		    . $wire);
		my ($rc, $out) = verified("$sign verify --keys $dir/keys",
		    "$dir/theirs");
		is($rc, 0, "$name Mail::DKIM $method: kmta-sign verify")
		    or diag($out);
	}
}

# l=: text appended to the body after signing leaves the signature valid.
system("$sign -d example.com -s rsa -k $dir/rsa.key --body-length"
    . " < $corpus[0] > $dir/signed") == 0 or die;
write_file("$dir/appended", read_file("$dir/signed")
    . "-- \nappended by a mailing list\n");
for my $v (["$dkimpy $dir/keys", 'dkimpy'], ["$maildkim $dir/keys", 'Mail::DKIM'],
    ["$sign verify --keys $dir/keys", 'kmta-sign verify']) {
	my ($rc, $out) = verified($v->[0], "$dir/appended");
	is($rc, 0, "l= with appended text: $v->[1] verifies") or diag($out);
}

done_testing();
