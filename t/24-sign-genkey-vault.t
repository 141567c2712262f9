#!/usr/bin/perl
# kmta-sign genkey into Vault: the key is stored as a field of a KV
# secret (t/lib/vaultd.py on loopback), kmta-sign signs with it from
# there, the printed record verifies the signature, and a second genkey
# for the same field is rejected instead of replacing a key in use.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VaultTest;

my $sign = "$BIN/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => '/usr/bin/python3 not installed' unless -x '/usr/bin/python3';

spew("$TMP/seed.json", qq({"namespaces": {"": {"mounts": {"secret/": 2},
  "data": {"secret/dkim/other": {"key": "x"}}}}}));
my $url = start_vault('genkey', seed => "$TMP/seed.json");
my $env = vault_env($url);
my $source = 'vault:secret/dkim/example.com#ed1';

my $r = run_cmd($env, [$sign, 'genkey', '-a', 'ed25519', '-d', 'example.com',
    '-s', 'ed1', '-o', $source]);
is($r->{rc}, 0, 'genkey -o vault: exit 0') or diag($r->{err});
my ($name) = $r->{out} =~ /^(\S+)\. IN TXT/;
is($name, 'ed1._domainkey.example.com', 'genkey -o vault: record name');
spew("$TMP/keys", "$name " . join('', $r->{out} =~ /"([^"]*)"/g) . "\n");

my $msg = "From: a\@example.com\nTo: b\@example.net\nSubject: vault\n\nbody\n";
$r = run_cmd($env, [$sign, '-d', 'example.com', '-s', 'ed1', '-k', $source],
    $msg);
is($r->{rc}, 0, 'signing with the stored key: exit 0') or diag($r->{err});
spew("$TMP/signed", $r->{out});
$r = run_cmd($env, [$sign, 'verify', '--keys', "$TMP/keys"], $r->{out});
like($r->{out}, qr/^dkim=pass header\.d=example\.com header\.s=ed1 /,
    'the printed record verifies the signature');

$r = run_cmd($env, [$sign, 'genkey', '-a', 'rsa', '-d', 'example.com',
    '-s', 'ed1', '-o', $source]);
is($r->{rc}, 73, 'genkey over an existing Vault field: exit 73');
like($r->{err}, qr/holds a key already/, 'existing field: message');
$r = run_cmd($env, [$sign, '-d', 'example.com', '-s', 'ed1', '-k', $source],
    $msg);
$r = run_cmd($env, [$sign, 'verify', '--keys', "$TMP/keys"], $r->{out});
like($r->{out}, qr/^dkim=pass /, 'existing field: the key is unchanged');

# A second selector as another field of the same secret.
$r = run_cmd($env, [$sign, 'genkey', '-a', 'rsa', '-d', 'example.com',
    '-s', 'rsa1', '-o', 'vault:secret/dkim/example.com#rsa1']);
is($r->{rc}, 0, 'genkey into a new field of an existing secret: exit 0')
    or diag($r->{err});
$r = run_cmd($env, [$sign, '-d', 'example.com', '-s', 'ed1', '-k', $source],
    $msg);
$r = run_cmd($env, [$sign, 'verify', '--keys', "$TMP/keys"], $r->{out});
like($r->{out}, qr/^dkim=pass /, 'new field: the first key is kept');

done_testing();
