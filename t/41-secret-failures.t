#!/usr/bin/perl
# kmta-secret against a Vault that fails: sealed, overloaded, hanging,
# refusing connections, sending invalid JSON or oversized bodies, or
# presenting a certificate from another CA. Checks the exit codes, the
# retry counts, and that no secret or token leaks into output, logs,
# /proc or files left behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Find;
use Test::More;
use Time::HiRes qw(sleep);
use VaultTest;

plan skip_all => '/usr/bin/python3 not installed' unless -x '/usr/bin/python3';
plan skip_all => 'openssl not installed'
    unless system('openssl version >/dev/null 2>&1') == 0;

my $value = 'S3CRET-VALUE-' . $$ . '-do-not-leak';
spew("$TMP/seed.json", <<"JSON");
{"namespaces": {"": {"mounts": {"secret/": 2},
  "data": {"secret/app": {"key": "$value", "user": "app"}}}}}
JSON
my $ks = "$BIN/kmta-secret";
my @stderr;		# every stderr collected, for the leak scan
my $r;

sub run_get {
	my ($url, $src, %env) = @_;
	my $res = run_cmd(vault_env($url, %env), [$ks, 'get', $src // 'vault:secret/app']);
	push @stderr, $res->{err};
	return $res;
}

sub count_requests {
	my ($name, $path) = @_;
	return scalar(grep { $_ eq "GET $path" } request_log($name));
}

spew("$TMP/fast.conf", "[vault]\ntimeout = 1\nconnect_timeout = 1\n");

# Sealed: 503 "Vault is sealed", retried, then 75.
my $sealed = start_vault('sealed', seed => "$TMP/seed.json", args => ['--fault', 'sealed']);
$r = run_get($sealed, undef, VAULT_MAX_RETRIES => 1);
is($r->{rc}, 75, 'sealed Vault exits 75');
like($r->{err}, qr/HTTP 503: Vault is sealed/, 'sealed carries Vault\'s text');
is(count_requests('sealed', '/v1/sys/internal/ui/mounts/secret/app'), 2,
    'VAULT_MAX_RETRIES=1 makes two attempts');

# Overloaded at first, then fine: the retries hide it.
my $flaky = start_vault('flaky', seed => "$TMP/seed.json", args => ['--fault', 'first=2:503']);
$r = run_get($flaky);
is($r->{rc}, 0, 'two 503 replies then success exits 0') or diag($r->{err});
is($r->{out}, $value, 'and prints the secret');
is(count_requests('flaky', '/v1/sys/internal/ui/mounts/secret/app'), 3,
    '503 is retried');

for my $case ([500, 75], [502, 75], [504, 75], [429, 75]) {
	my ($code, $rc) = @$case;
	my $v = start_vault("s$code", seed => "$TMP/seed.json",
	    args => ['--fault', "status=$code"]);
	$r = run_get($v, undef, VAULT_MAX_RETRIES => 2);
	is($r->{rc}, $rc, "HTTP $code exits $rc");
	is(count_requests("s$code", '/v1/sys/internal/ui/mounts/secret/app'), 3,
	    "HTTP $code is retried twice");
}
for my $case ([403, 77], [400, 65], [405, 69]) {
	my ($code, $rc) = @$case;
	my $v = start_vault("s$code", seed => "$TMP/seed.json",
	    args => ['--fault', "status=$code"]);
	$r = run_get($v, undef, VAULT_MAX_RETRIES => 2);
	is($r->{rc}, $rc, "HTTP $code exits $rc");
	like($r->{err}, qr/HTTP $code: injected failure/, "HTTP $code carries the error text");
	is(count_requests("s$code", '/v1/sys/internal/ui/mounts/secret/app'), 1,
	    "HTTP $code is not retried");
}

# A server that accepts and never answers.
my $hang = start_vault('hang', seed => "$TMP/seed.json", args => ['--fault', 'hang']);
$r = run_get($hang, undef, KMTA_CONF => "$TMP/fast.conf", VAULT_MAX_RETRIES => 0);
is($r->{rc}, 75, 'a Vault that never answers exits 75');
like($r->{err}, qr/timed out/, 'and says it timed out');

# Nothing listens on the port.
my $port = free_port();
$r = run_get("https://127.0.0.1:$port", undef, VAULT_MAX_RETRIES => 1);
is($r->{rc}, 75, 'connection refused exits 75');
like($r->{err}, qr/127\.0\.0\.1:$port.*(refused|connect)/i,
    'connection refused names the address');

# Invalid JSON and oversized bodies.
my $bad = start_vault('badjson', seed => "$TMP/seed.json", args => ['--fault', 'badjson']);
$r = run_get($bad);
is($r->{rc}, 75, 'invalid JSON exits 75');
like($r->{err}, qr/invalid JSON \(line \d+, column \d+\)/, 'invalid JSON gives the position');
unlike($r->{err}, qr/unterminated/, 'the JSON error does not quote the body');

my $huge = start_vault('huge', seed => "$TMP/seed.json", args => ['--fault', 'huge']);
$r = run_get($huge);
is($r->{rc}, 75, 'an oversized body exits 75');
like($r->{err}, qr/response larger than \d+ bytes/, 'and names the cap');

# A certificate from a CA we do not trust.
my $good = start_vault('good', seed => "$TMP/seed.json");
system('sh', "$TOP/t/lib/mkcert.sh", "$TMP/otherca", 'unused', 'localhost') == 0
    or die 'mkcert other CA';
$r = run_get($good, undef, VAULT_CACERT => "$TMP/otherca/ca.pem");
is($r->{rc}, 75, 'a certificate from another CA exits 75');
like($r->{err}, qr/certificate/i, 'and says the certificate failed');
is(count_requests('good', '/v1/sys/internal/ui/mounts/secret/app'), 0,
    'no request reaches a server that failed verification');
$r = run_get($good, undef, VAULT_SKIP_VERIFY => 'true', VAULT_CACERT => "$TMP/otherca/ca.pem");
is($r->{rc}, 75, 'VAULT_SKIP_VERIFY does not turn verification off');

# One request per secret per process: two fields, one read.
unlink("$TMP/good.log");
$r = run_cmd(vault_env($good), [$ks, 'exec', '-e', 'A=vault:secret/app',
    '-e', 'B=vault:secret/app#user', '--', 'sh', '-c', 'echo "$B"']);
is($r->{out}, "app\n", 'exec with two fields of one secret');
is(count_requests('good', '/v1/secret/data/app'), 1, 'the secret is read once (cache)');
spew("$TMP/nocache.conf", "[vault]\ncache_ttl = 0\n");
unlink("$TMP/good.log");
$r = run_cmd(vault_env($good, KMTA_CONF => "$TMP/nocache.conf"),
    [$ks, 'exec', '-e', 'A=vault:secret/app', '-e', 'B=vault:secret/app#user',
     '--', 'true']);
is(count_requests('good', '/v1/secret/data/app'), 2, 'cache_ttl = 0 reads twice');

# The command gets no socket of the Vault connection: it could hold the
# connection open for its whole life, or write into it.
$r = run_cmd(vault_env($good), [$ks, 'exec', '-e', 'A=vault:secret/app',
    '--', 'sh', '-c', 'ls -l /proc/$$/fd']);
is($r->{rc}, 0, 'exec lists the command\'s fds') or diag($r->{err});
unlike($r->{out}, qr/socket:/, 'exec closes the Vault connection first');

# While kmta-secret waits on Vault, its command line holds no secret, it
# cannot dump core, and other processes of its user cannot read its memory.
my $work = "$TMP/nobody";
mkdir($work, 0755);
chmod(0755, $TMP);
my %env = (%{ vault_env($hang, KMTA_CONF => "$TMP/fast.conf", VAULT_MAX_RETRIES => 0) },
    VAULT_CACERT => "$work/ca.pem");
system('cp', "$TMP/ca/ca.pem", "$work/ca.pem");
chmod(0644, "$work/ca.pem");
chmod(0644, "$TMP/fast.conf");
SKIP: {
	skip 'needs root and setpriv', 4
	    unless $> == 0 && system('setpriv --version >/dev/null 2>&1') == 0;
	skip 'uid 65534 cannot run the binary or read its files here', 4
	    unless system('setpriv', '--reuid=65534', '--regid=65534',
	    '--clear-groups', 'sh', '-c', "test -x '$ks' && test -r '$work/ca.pem'") == 0;
	my $pid = fork() // die;
	if ($pid == 0) {
		%ENV = %env;
		open(STDERR, '>', "$work/stderr");
		exec('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
		    $ks, 'get', 'vault:secret/app');
	}
	my $status;
	# Wait until main() has hardened the process, not just until exec:
	# the ASan build starts slowly, and the server never answers, so the
	# process stays alive. Give up after 5 s and let the checks fail.
	for (1 .. 100) {
		$status = slurp("/proc/$pid/status") // '';
		last if $status =~ /^Uid:\s+65534/m
		    && (slurp("/proc/$pid/cmdline") // '') =~ /kmta-secret/
		    && (slurp("/proc/$pid/limits") // '') =~ /^Max core file size\s+0\s+0/m
		    && ((stat("/proc/$pid/environ"))[4] // -1) == 0;
		sleep(0.05);
	}
	my $cmdline = slurp("/proc/$pid/cmdline") // '';
	like($cmdline, qr/kmta-secret/, 'the process was seen');
	unlike($cmdline, qr/\Q$ROOT_TOKEN\E|\Q$value\E/, '/proc/PID/cmdline holds no token or secret');
	is((stat("/proc/$pid/environ"))[4], 0,
	    'PR_SET_DUMPABLE 0: /proc/PID/environ belongs to root, not the user');
	like(slurp("/proc/$pid/limits") // '', qr/^Max core file size\s+0\s+0/m,
	    'core dumps are off');
	waitpid($pid, 0);
	push @stderr, slurp("$work/stderr") // '';
}

# put --from-file with a file the user cannot read is 77, not 66.
spew("$work/root-only", "value", 0600);
spew("$work/empty.conf", "", 0644);
SKIP: {
	skip 'needs root and setpriv', 2
	    unless $> == 0 && system('setpriv --version >/dev/null 2>&1') == 0;
	skip 'uid 65534 cannot run the binary here', 2
	    unless system('setpriv', '--reuid=65534', '--regid=65534',
	    '--clear-groups', 'test', '-x', $ks) == 0;
	my $res = run_cmd({ PATH => $ENV{PATH}, KMTA_CONF => "$work/empty.conf" },
	    ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
	    $ks, 'put', '--from-file', "$work/root-only", "file:$work/out"]);
	is($res->{rc}, 77, 'put --from-file of an unreadable file exits 77');
	like($res->{err}, qr/open \Q$work\E\/root-only: Permission denied/,
	    'and names the file');
}
chmod(0700, $TMP);

# The secret and the token appear nowhere but in the requested output.
my $all = join('', @stderr);
unlike($all, qr/\Q$value\E/, 'no stderr holds the secret');
unlike($all, qr/\Q$ROOT_TOKEN\E/, 'no stderr holds the token');
my @leaks;
find(sub {
	return unless -f $_;
	return if $File::Find::name =~ m{/(seed\.json|root-token)$};
	my $c = slurp($_) // '';
	push @leaks, $File::Find::name if index($c, $value) >= 0 || index($c, $ROOT_TOKEN) >= 0;
}, $TMP);
is_deeply(\@leaks, [], 'no file left behind holds the secret or token');

done_testing();
