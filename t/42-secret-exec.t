#!/usr/bin/perl
# kmta-secret exec: secrets in a command's environment (-e) or on a pipe
# (--fd), the command's exit status passed through, and option errors.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VaultTest;

my $ks = "$BIN/kmta-secret";
my $env = { PATH => $ENV{PATH}, HOME => $TMP, KMTA_CONF => "$TMP/empty.conf",
    DB_PASSWORD => "pw-$$", MULTI => "line1\nline2\n" };
spew("$TMP/empty.conf", "");
spew("$TMP/key.pem", "KEYDATA-$$\n", 0600);
my $r;

$r = run_cmd($env, [$ks, 'exec', '-e', 'PASS=env:DB_PASSWORD', '--',
    'sh', '-c', 'printf "%s" "$PASS"']);
is($r->{rc}, 0, 'exec -e exits with the command\'s status 0');
is($r->{out}, "pw-$$", 'exec -e sets the variable');

$r = run_cmd($env, [$ks, 'exec', '--env', "KEY=file:$TMP/key.pem", '--',
    'sh', '-c', 'printf "%s|" "$KEY"']);
is($r->{out}, "KEYDATA-$$\n|", 'exec --env with a file: source keeps the bytes');

$r = run_cmd($env, [$ks, 'exec', '--fd', "5=file:$TMP/key.pem",
    '--fd', '7=env:MULTI', '--', 'sh', '-c', 'cat <&5; cat <&7']);
is($r->{rc}, 0, 'exec --fd exits 0') or diag($r->{err});
is($r->{out}, "KEYDATA-$$\nline1\nline2\n", 'exec --fd hands each secret on its fd');

$r = run_cmd($env, [$ks, 'exec', '--fd', '4=env:DB_PASSWORD', '--',
    'sh', '-c', 'cat <&4; cat <&4; echo "[$?]"']);
is($r->{out}, "pw-$$\[0]\n", 'the pipe ends after the secret');

$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:DB_PASSWORD', '--', 'sh', '-c', 'exit 42']);
is($r->{rc}, 42, 'exec returns the command\'s exit status');

$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:DB_PASSWORD', '--', 'sh', '-c', 'kill -TERM $$']);
is($r->{rc}, 128 + 15, 'a command killed by a signal shows as 128+N');

$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:DB_PASSWORD', '--', 'sh', '-c', 'ulimit -c']);
is($r->{out}, "0\n", 'the command inherits the core dump limit 0');

$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:NOT_SET_ANYWHERE', '--', 'true']);
is($r->{rc}, 66, 'a missing secret exits 66 before the command runs');
like($r->{err}, qr/NOT_SET_ANYWHERE is not set/, 'and names the variable');

$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:DB_PASSWORD', '--', "$TMP/no-such-program"]);
is($r->{rc}, 69, 'a missing command exits 69');

spew("$TMP/nul.bin", "a\0b", 0600);
$r = run_cmd($env, [$ks, 'exec', '-e', "X=file:$TMP/nul.bin", '--', 'true']);
is($r->{rc}, 65, 'a secret with a NUL byte cannot go in the environment');
like($r->{err}, qr/use --fd/, 'and the error points to --fd');
$r = run_cmd($env, [$ks, 'exec', '--fd', "3=file:$TMP/nul.bin", '--', 'sh', '-c', 'od -An -c <&3']);
like($r->{out}, qr/a\s+\\0\s+b/, 'but it can go on a pipe');

for my $bad (['-e', 'PASS'], ['-e', '1X=env:A'], ['-e', 'X='], ['--fd', '2=env:A'],
    ['--fd', 'x=env:A'], ['--fd', '99999=env:A']) {
	$r = run_cmd($env, [$ks, 'exec', @$bad, '--', 'true']);
	is($r->{rc}, 64, "exec @$bad exits 64");
}
$r = run_cmd($env, [$ks, 'exec', '--', 'true']);
is($r->{rc}, 64, 'exec without -e or --fd exits 64');
$r = run_cmd($env, [$ks, 'exec', '-e', 'X=env:DB_PASSWORD']);
is($r->{rc}, 64, 'exec without a command exits 64');
$r = run_cmd($env, [$ks, 'get', '--from-file', '/dev/null', 'env:HOME']);
is($r->{rc}, 64, 'an option of another command exits 64');
$r = run_cmd($env, [$ks, 'frobnicate']);
is($r->{rc}, 64, 'an unknown command exits 64');
$r = run_cmd($env, [$ks, '--help']);
is($r->{rc}, 0, '--help exits 0');
like($r->{out}, qr/^usage: kmta-secret/, '--help prints the usage');
like($r->{out}, qr/--fd N=SOURCE/, '--help lists exec options');

# check on local sources: kind and mode, never the value.
$r = run_cmd($env, [$ks, 'check', "file:$TMP/key.pem"]);
is($r->{rc}, 0, 'check file: exits 0');
like($r->{out}, qr/^kind=file\nmode=0600\n/m, 'check file: reports kind and mode');
unlike($r->{out}, qr/KEYDATA/, 'check file: prints no value');
$r = run_cmd($env, [$ks, 'check', 'env:DB_PASSWORD']);
like($r->{out}, qr/^kind=env$/m, 'check env: reports kind');
unlike($r->{out}, qr/pw-/, 'check env: prints no value');
$r = run_cmd($env, [$ks, 'check', 'env:NOT_SET_ANYWHERE']);
is($r->{rc}, 66, 'check of a missing variable exits 66');

# -c FILE selects the config file, overriding KMTA_CONF.
spew("$TMP/bad.conf", "[vault]\nno_such_key = 1\n");
$r = run_cmd($env, [$ks, '-c', "$TMP/bad.conf", 'get', 'env:DB_PASSWORD']);
is($r->{rc}, 78, '-c reads the named config');
like($r->{err}, qr/bad\.conf:2.*no_such_key/, 'and reports its errors with file and line');
$r = run_cmd($env, [$ks, '--config', "$TMP/missing.conf", 'get', 'env:DB_PASSWORD']);
is($r->{rc}, 66, 'a missing -c file exits 66');
like($r->{err}, qr/missing\.conf: No such file/, 'and names the file');

done_testing();
