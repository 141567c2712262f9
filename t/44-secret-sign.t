#!/usr/bin/perl
# kmta-sign with DKIM keys in Vault: signatures verify, two signatures from
# one secret cost one read of that secret, and a sealed Vault fails closed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use VaultTest;

my $sign = "$BIN/kmta-sign";
plan skip_all => "$sign not built" unless -x $sign;
plan skip_all => '/usr/bin/python3 not installed' unless -x '/usr/bin/python3';
plan skip_all => 'dkimpy missing (python3-dkim)'
    unless system('/usr/bin/python3 -c "import dkim, nacl" 2>/dev/null') == 0;

system("openssl genpkey -algorithm ed25519 -out $TMP/ed.pem 2>/dev/null") == 0
    or die 'openssl ed25519';
system("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out $TMP/rsa.pem 2>/dev/null") == 0
    or die 'openssl rsa';
my ($ed, $rsa) = (slurp("$TMP/ed.pem"), slurp("$TMP/rsa.pem"));
my $ed_p = encode_base64(substr(scalar `openssl pkey -in $TMP/ed.pem -pubout -outform DER`, -32), '');
my $rsa_p = encode_base64(scalar `openssl pkey -in $TMP/rsa.pem -pubout -outform DER`, '');
spew("$TMP/keys", "ed1._domainkey.example.com v=DKIM1; k=ed25519; p=$ed_p\n"
    . "rsa1._domainkey.example.com v=DKIM1; k=rsa; p=$rsa_p\n", 0644);
unlink("$TMP/ed.pem", "$TMP/rsa.pem");

s/\n/\\n/g for $ed, $rsa;
spew("$TMP/seed.json", qq({"namespaces": {"": {"mounts": {"secret/": 2},
  "data": {"secret/dkim/example.com": {"ed": "$ed", "rsa": "$rsa"},
           "secret/dkim/single.example": {"key": "$ed"}}}}}));

my $msg = "From: Alice <alice\@example.com>\r\nTo: bob\@example.net\r\n"
    . "Subject: vault signing\r\nDate: Fri, 04 Dec 2026 21:00:00 +0000\r\n"
    . "Message-ID: <v1\@example.com>\r\n\r\nBody line.\r\n";
my $url = start_vault('sign', seed => "$TMP/seed.json");
my $r;

sub data_reads {
	return scalar(grep { $_ eq 'GET /v1/secret/data/dkim/example.com' } request_log('sign'));
}

sub verify {
	my ($signed) = @_;
	return run_cmd({ PATH => $ENV{PATH} }, ['/usr/bin/python3',
	    "$TOP/t/lib/dkimpy-verify", "$TMP/keys"], $signed);
}

# -k with a vault: source.
$r = run_cmd(vault_env($url), [$sign, '-d', 'example.com', '-s', 'ed1',
    '-k', 'vault:secret/dkim/example.com#ed'], $msg);
is($r->{rc}, 0, 'kmta-sign -k vault: exits 0') or diag($r->{err});
my $v = verify($r->{out});
is($v->{rc}, 0, 'the signature verifies with dkimpy') or diag($v->{out});
like($v->{out}, qr/^pass d=example.com s=ed1/m, 'dkimpy reports pass');

# Two signatures whose keys are two fields of one secret: one read.
spew("$TMP/two.conf", <<'CONF');
[dkim "example.com"]
selector = ed1
algo = ed25519
key = vault:secret/dkim/example.com#ed

[dkim "example.com" "rsa"]
selector = rsa1
algo = rsa-sha256
key = vault:secret/dkim/example.com#rsa
CONF
unlink("$TMP/sign.log");
$r = run_cmd(vault_env($url, KMTA_CONF => "$TMP/two.conf"), [$sign], $msg);
is($r->{rc}, 0, 'two [dkim] sections with vault: keys') or diag($r->{err});
$v = verify($r->{out});
is($v->{rc}, 0, 'both signatures verify') or diag($v->{out});
like($v->{out}, qr/^pass d=example.com s=rsa1/m, 'the RSA signature passes');
is(data_reads(), 1, 'one read of the secret for two signatures');

# A sealed Vault: no message goes out unsigned.
my $sealed = start_vault('sealed', seed => "$TMP/seed.json", args => ['--fault', 'sealed']);
$r = run_cmd(vault_env($sealed, VAULT_MAX_RETRIES => 0), [$sign, '-d', 'example.com',
    '-s', 'ed1', '-k', 'vault:secret/dkim/example.com#ed'], $msg);
is($r->{rc}, 75, 'sealed Vault makes kmta-sign exit 75');
is($r->{out}, '', 'and it writes no unsigned message');
like($r->{err}, qr/Vault is sealed/, 'with Vault\'s reason');
unlike($r->{err}, qr/PRIVATE KEY/, 'and no key material');

done_testing();
