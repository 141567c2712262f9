#!/usr/bin/perl
# kmta-sign: every option in --help is documented in kmta-sign(1) and
# offered by the bash and zsh completions; the man page is mandoc-clean.
use strict;
use warnings;
use Test::More;

my $bin = $ENV{KMTA_BIN} // 'build/bin';
my $top = $ENV{KMTA_TOP} // '.';
plan skip_all => "$bin/kmta-sign not built" unless -x "$bin/kmta-sign";

sub slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	local $/;
	return scalar <$fh>;
}

my $help = `$bin/kmta-sign --help`;
is($? >> 8, 0, '--help exits 0');
my $verify_help = `$bin/kmta-sign verify --help`;
is($? >> 8, 0, 'verify --help exits 0');
$verify_help .= `$bin/kmta-sign genkey --help`;
is($? >> 8, 0, 'genkey --help exits 0');
$verify_help .= `$bin/kmta-sign testkey --help`;
is($? >> 8, 0, 'testkey --help exits 0');
like($help, qr/kmta-sign verify/, 'help mentions verify');
my @options = sort keys %{{ map { $_ => 1 }
    "$help$verify_help" =~ /(--[a-z][a-z-]+)/g }};
cmp_ok(scalar @options, '>=', 18, 'help lists the long options');

my $man = slurp("$top/man/kmta-sign.1");
my $bash = slurp("$top/completions/kmta-sign.bash");
my $zsh = slurp("$top/completions/_kmta-sign");
for my $opt (@options) {
	(my $name = $opt) =~ s/^--//;
	like($man, qr/Fl -\Q$name\E\b/, "man page documents $opt");
	like($bash, qr/\Q$opt\E\b/, "bash completion offers $opt");
	like($zsh, qr/\Q$opt\E\b/, "zsh completion offers $opt");
}

SKIP: {
	skip 'mandoc missing', 1 unless system('command -v mandoc >/dev/null') == 0;
	my $lint = `mandoc -T lint -W warning $top/man/kmta-sign.1 2>&1`;
	is($lint, '', 'kmta-sign.1 is mandoc -T lint clean');
}

done_testing();
