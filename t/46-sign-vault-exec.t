#!/usr/bin/perl
# kmta-sign links no Vault client: its vault: key sources run kmta-secret
# from its own directory (else PATH), against t/lib/vaultd.py on loopback.
# Checks the dynamic dependencies, signing, -c passed on, a sealed Vault,
# a missing field and a missing kmta-secret.
use strict;
use warnings;
use File::Copy qw(copy);
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VaultTest;

my $sign = "$BIN/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => "$BIN/kmta-secret not built" unless -x "$BIN/kmta-secret";
plan skip_all => '/usr/bin/python3 not installed' unless -x '/usr/bin/python3';

# Dynamic dependencies: library loading is most of a signing process's
# start-up, and libcurl alone pulls in about 30 libraries.
SKIP: {
	skip 'readelf missing (binutils)', 2
	    unless system('readelf --version >/dev/null 2>&1') == 0;
	my @needed = `readelf -d $sign` =~ /\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g;
	ok(@needed > 0, 'readelf lists kmta-sign\'s NEEDED entries');
	is_deeply([grep { /^lib(curl|jansson)\b/ } @needed], [],
	    'kmta-sign does not need libcurl or libjansson')
	    or diag("NEEDED: @needed");
}

system("openssl genpkey -algorithm ed25519 -out $TMP/ed.pem 2>/dev/null") == 0
    or die 'openssl ed25519';
my $ed = slurp("$TMP/ed.pem");
(my $ed_json = $ed) =~ s/\n/\\n/g;
spew("$TMP/seed.json", qq({"namespaces": {"": {"mounts": {"secret/": 2},
  "data": {"secret/dkim/example.com": {"ed": "$ed_json", "note": 7}}}}}));

my $source = 'vault:secret/dkim/example.com#ed';
my $msg = "From: a\@example.com\nTo: b\@example.net\nSubject: exec\n\nbody\n";
my $url = start_vault('exec', seed => "$TMP/seed.json");
my $r;

# The key from Vault signs like the same key from a file.
$r = run_cmd(vault_env($url), [$sign, '-d', 'example.com', '-s', 'ed1',
    '-k', $source, '--timestamp', '1700000000'], $msg);
is($r->{rc}, 0, 'vault: key source: exit 0') or diag($r->{err});
like($r->{out}, qr/^DKIM-Signature: .*d=example\.com/s,
    'vault: key source: signed');
is($r->{err}, '', 'vault: key source: nothing on stderr');
chmod(0600, "$TMP/ed.pem");
my $from_file = run_cmd(vault_env($url), [$sign, '-d', 'example.com', '-s',
    'ed1', '-k', "$TMP/ed.pem", '--timestamp', '1700000000'], $msg);
is($r->{out}, $from_file->{out}, 'same signature as from the key file');

# Vault settings only in the -c file: kmta-secret must get -c too.
spew("$TMP/vault.token", $ROOT_TOKEN, 0600);
spew("$TMP/vault.conf", "[vault]\naddress = $url\n"
    . "token_file = $TMP/vault.token\nca_cert = $TMP/ca/ca.pem\n");
$r = run_cmd(vault_env(undef, VAULT_ADDR => undef, VAULT_TOKEN => undef,
    VAULT_CACERT => undef), [$sign, '-c', "$TMP/vault.conf", '-d',
    'example.com', '-s', 'ed1', '-k', $source], $msg);
is($r->{rc}, 0, '-c FILE reaches kmta-secret') or diag($r->{err});

# Errors keep kmta-secret's exit status and message.
$r = run_cmd(vault_env($url), [$sign, '-d', 'example.com', '-s', 'ed1',
    '-k', 'vault:secret/dkim/example.com#rsa'], $msg);
is($r->{rc}, 78, 'missing field: exit 78');
like($r->{err}, qr/no field "rsa"/, 'missing field: message');
is($r->{out}, '', 'missing field: no output');

$r = run_cmd(vault_env($url), [$sign, '-d', 'example.com', '-s', 'ed1',
    '-k', 'vault:secret/dkim/missing.example'], $msg);
is($r->{rc}, 66, 'missing secret: exit 66') or diag($r->{err});

my $sealed = start_vault('exec-sealed', seed => "$TMP/seed.json",
    args => ['--fault', 'sealed']);
$r = run_cmd(vault_env($sealed, VAULT_MAX_RETRIES => 0), [$sign, '-d',
    'example.com', '-s', 'ed1', '-k', $source], $msg);
is($r->{rc}, 75, 'sealed Vault: exit 75');
is($r->{out}, '', 'sealed Vault: no unsigned message');
like($r->{err}, qr/^kmta-sign: .*Vault is sealed/m,
    'sealed Vault: kmta-sign reports Vault\'s reason');
unlike($r->{err}, qr/PRIVATE KEY/, 'sealed Vault: no key material');

# A kmta-sign alone in a directory, with no kmta-secret on PATH.
mkdir("$TMP/alone");
copy($sign, "$TMP/alone/kmta-sign") or die "copy: $!";
chmod(0755, "$TMP/alone/kmta-sign");
$r = run_cmd(vault_env($url, PATH => '/usr/bin:/bin'),
    ["$TMP/alone/kmta-sign", '-d', 'example.com', '-s', 'ed1', '-k',
    $source], $msg);
is($r->{rc}, 69, 'no kmta-secret: exit 69');
like($r->{err}, qr/kmta-secret: No such file or directory/,
    'no kmta-secret: message');
is($r->{out}, '', 'no kmta-secret: no output');

# The same copy finds kmta-secret on PATH.
$r = run_cmd(vault_env($url, PATH => "$BIN:/usr/bin:/bin"),
    ["$TMP/alone/kmta-sign", '-d', 'example.com', '-s', 'ed1', '-k',
    $source], $msg);
is($r->{rc}, 0, 'kmta-secret from PATH: exit 0') or diag($r->{err});

done_testing();
