#!/usr/bin/perl
# Every kmta-secret option is in --help, the man page and both completion
# files; the man page is mandoc-clean; the bash completion completes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VaultTest;

my $help = run_cmd({ PATH => $ENV{PATH} }, ["$BIN/kmta-secret", '--help'])->{out};
my $man = slurp("$TOP/man/kmta-secret.1") // '';
my $bash = slurp("$TOP/completions/kmta-secret.bash") // '';
my $zsh = slurp("$TOP/completions/_kmta-secret") // '';

for my $opt (qw(-c --config -h --help -n --json --version --from-file -e --env --fd)) {
	like($help, qr/(^|[\s,])\Q$opt\E\b/m, "--help lists $opt");
	(my $mdoc = $opt) =~ s/^-(-?)/$1 ? 'Fl -' : 'Fl '/e;
	like($man, qr/\Q$mdoc\E\b/, "man page documents $opt");
	like($bash, qr/(^|[\s'])\Q$opt\E\b/m, "bash completion offers $opt");
	like($zsh, qr/\Q$opt\E\b/, "zsh completion offers $opt");
}
for my $cmd (qw(get put check exec)) {
	like($help, qr/kmta-secret \[-c FILE\] $cmd/, "--help shows $cmd");
	like($man, qr/^\.It Cm $cmd/m, "man page describes $cmd");
}

SKIP: {
	skip 'mandoc not installed', 1 unless system('mandoc -V >/dev/null 2>&1') == 0
	    || system('command -v mandoc >/dev/null') == 0;
	my $lint = `mandoc -T lint -W warning '$TOP/man/kmta-secret.1' 2>&1`;
	is($lint, '', 'mandoc -T lint is clean');
}

SKIP: {
	skip 'bash not installed', 2 unless -x '/bin/bash';
	my $out = `bash -c '. "$TOP/completions/kmta-secret.bash"
	    COMP_WORDS=(kmta-secret get --j); COMP_CWORD=2; _kmta_secret
	    echo "\${COMPREPLY[*]}"
	    COMP_WORDS=(kmta-secret ""); COMP_CWORD=1; _kmta_secret
	    echo "\${COMPREPLY[*]}"'`;
	my @lines = split /\n/, $out;
	is($lines[0], '--json', 'bash completes get --j to --json');
	like($lines[1] // '', qr/\bget put check exec\b/, 'bash completes the commands');
}

done_testing();
