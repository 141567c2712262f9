#!/usr/bin/perl
# kmta-secret get, put and check against the Vault test double over HTTPS:
# KV v1 and v2, mount detection, pinned versions, deleted and destroyed
# versions, namespaces, token sources, AppRole and mutual TLS.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VaultTest;

plan skip_all => '/usr/bin/python3 not installed' unless -x '/usr/bin/python3';
plan skip_all => 'openssl not installed'
    unless system('openssl version >/dev/null 2>&1') == 0;

my $secret = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKmta\n"
    . "-----END PRIVATE KEY-----\n";
(my $secret_json = $secret) =~ s/\n/\\n/g;
spew("$TMP/seed.json", <<"JSON");
{"namespaces": {
  "": {"mounts": {"secret/": 2, "kv/": 1, "team/kv2/": 2},
       "data": {"secret/dkim/example.com": {"key": "$secret_json",
                                            "selector": "s2026"},
                "kv/relay/auth": {"password": "v1-pass"},
                "team/kv2/app": {"key": "deep-mount"}}},
  "ns1": {"mounts": {"secret/": 2},
          "data": {"secret/dkim/example.com": {"key": "ns1-key"}}}}}
JSON

my $url = start_vault('main', seed => "$TMP/seed.json");
my $ks = "$BIN/kmta-secret";
my $r;

sub get { return run_cmd(vault_env($url, @_[1 .. $#_]), [$ks, 'get', @{ $_[0] }]) }

# KV version 2, detected from the mount.
$r = get(['vault:secret/dkim/example.com']);
is($r->{rc}, 0, 'kv2 get exits 0') or diag($r->{err});
is($r->{out}, $secret, 'kv2 get prints field key exactly');
is($r->{err}, '', 'kv2 get writes nothing to stderr');

$r = get(['-n', 'vault:secret/dkim/example.com#selector']);
is($r->{out}, "s2026\n", 'get -n adds one newline');

$r = get(['--json', 'vault:secret/dkim/example.com']);
like($r->{out}, qr/"selector": "s2026"/, 'get --json prints every field');
like($r->{out}, qr/"key": "-----BEGIN/, 'get --json includes the key field');

my @log = request_log('main');
ok((grep { $_ eq 'GET /v1/sys/internal/ui/mounts/secret/dkim/example.com' } @log),
    'version detected through sys/internal/ui/mounts');
ok((grep { $_ eq 'GET /v1/secret/data/dkim/example.com' } @log),
    'kv2 read goes to MOUNT/data/PATH');

my $log = slurp("$TMP/main.log");
unlike($log, qr/"x_vault_request": false/, 'every request sends X-Vault-Request: true');
unlike($log, qr/"token": false/, 'every request sends X-Vault-Token');

# A mount whose path has two segments is found through the mount lookup.
$r = get(['vault:team/kv2/app']);
is($r->{out}, 'deep-mount', 'kv2 mount with a two-segment path');

# KV version 1.
$r = get(['vault:kv/relay/auth#password']);
is($r->{rc}, 0, 'kv1 get exits 0') or diag($r->{err});
is($r->{out}, 'v1-pass', 'kv1 get prints the field');

# Missing secret, missing field.
$r = get(['vault:secret/dkim/nonexistent.example']);
is($r->{rc}, 66, 'missing secret exits 66');
like($r->{err}, qr/^kmta-secret: read secret\/dkim\/nonexistent.example: .*404/,
    'missing secret names the path and the status');
$r = get(['vault:secret/dkim/example.com#nofield']);
is($r->{rc}, 78, 'missing field exits 78');
like($r->{err}, qr/no field "nofield" \(fields: key, selector\)/,
    'missing field lists the field names');

# Writes keep the other fields, on KV v2 and v1.
$r = run_cmd(vault_env($url), [$ks, 'put', 'vault:secret/dkim/example.com#selector'],
    's2027');
is($r->{rc}, 0, 'kv2 put exits 0') or diag($r->{err});
$r = get(['--json', 'vault:secret/dkim/example.com']);
like($r->{out}, qr/"selector": "s2027"/, 'kv2 put updates its field');
like($r->{out}, qr/"key": "-----BEGIN/, 'kv2 put keeps the other fields');
@log = request_log('main');
ok((grep { $_ eq 'POST /v1/secret/data/dkim/example.com' } @log),
    'kv2 put writes MOUNT/data/PATH');

$r = run_cmd(vault_env($url), [$ks, 'put', 'vault:kv/relay/auth#user'],
    'relay-user');
is($r->{rc}, 0, 'kv1 put exits 0') or diag($r->{err});
$r = get(['--json', 'vault:kv/relay/auth']);
like($r->{out}, qr/"user": "relay-user"/, 'kv1 put adds its field');
like($r->{out}, qr/"password": "v1-pass"/, 'kv1 put keeps the other fields');

$r = run_cmd(vault_env($url), [$ks, 'put', 'vault:secret/new/app#token'],
    'fresh');
is($r->{rc}, 0, 'put creates a new secret') or diag($r->{err});
is(get(['vault:secret/new/app#token'])->{out}, 'fresh', 'new secret reads back');

spew("$TMP/value", "from-file-value");
$r = run_cmd(vault_env($url),
    [$ks, 'put', '--from-file', "$TMP/value", 'vault:secret/new/app#token']);
is($r->{rc}, 0, 'put --from-file exits 0') or diag($r->{err});
is(get(['vault:secret/new/app#token'])->{out}, 'from-file-value',
    'put --from-file stores the file content');

$r = run_cmd(vault_env($url), [$ks, 'put', 'vault:secret/new/app#token', 'x']);
is($r->{rc}, 64, 'put takes no value from argv');

$r = run_cmd(vault_env($url), [$ks, 'put', 'vault:secret/new/app#bin'],
    "\xff\xfe");
is($r->{rc}, 65, 'put of bytes that are not UTF-8 exits 65');

# Pinned versions; version 1 of the DKIM secret still has the old selector.
$r = get(['--version', '1', 'vault:secret/dkim/example.com#selector']);
is($r->{out}, 's2026', 'get --version 1 reads the pinned version');
is(get(['vault:secret/dkim/example.com#selector'])->{out}, 's2027',
    'get without --version reads the latest');
@log = request_log('main');
ok((grep { $_ eq 'GET /v1/secret/data/dkim/example.com?version=1' } @log),
    '--version sends ?version=N');
$r = get(['--version', '1', 'vault:kv/relay/auth#password']);
is($r->{rc}, 64, '--version on a kv1 mount exits 64');
$r = get(['--version', '9', 'vault:secret/dkim/example.com']);
is($r->{rc}, 66, 'a version that never existed exits 66');

# Soft-deleted and destroyed versions, set up through Vault's API.
sub vault_post {
	my ($path, $body) = @_;
	system('curl', '-sf', '-o', '/dev/null', '--cacert', "$TMP/ca/ca.pem",
	    '-H', "X-Vault-Token: $ROOT_TOKEN", '-X', 'POST', '-d', $body,
	    "$url/v1/$path") == 0 or diag("curl $path failed");
}
SKIP: {
	skip 'curl not installed', 6
	    unless system('curl --version >/dev/null 2>&1') == 0;
	vault_post('secret/delete/dkim/example.com', '{"versions":[1]}');
	$r = get(['--version', '1', 'vault:secret/dkim/example.com']);
	is($r->{rc}, 66, 'deleted version exits 66');
	like($r->{err}, qr/version 1 was deleted at 20\d\d-/,
	    'deleted version is reported as deleted');
	unlike($r->{err}, qr/JSON/, 'deleted version is no parse error');

	vault_post('secret/destroy/dkim/example.com', '{"versions":[1]}');
	$r = get(['--version', '1', 'vault:secret/dkim/example.com']);
	is($r->{rc}, 66, 'destroyed version exits 66');
	like($r->{err}, qr/version 1 was destroyed/,
	    'destroyed version is reported as destroyed');
	is(get(['vault:secret/dkim/example.com#selector'])->{out}, 's2027',
	    'latest version still reads after old versions went');
}

# check: reachability and metadata, never the value.
$r = run_cmd(vault_env($url), [$ks, 'check', 'vault:secret/dkim/example.com']);
is($r->{rc}, 0, 'check exits 0') or diag($r->{err});
like($r->{out}, qr/^kv_version=2$/m, 'check reports the KV version');
like($r->{out}, qr/^kv_version_from=mount$/m, 'check says the version was detected');
like($r->{out}, qr/^current_version=2$/m, 'check reports current_version');
like($r->{out}, qr/^token_source=VAULT_TOKEN$/m, 'check reports the token source');
unlike($r->{out}, qr/BEGIN|MC4C/, 'check output holds no secret');
$r = run_cmd(vault_env($url), [$ks, 'check', 'vault:kv/relay/auth#password']);
like($r->{out}, qr/^kv_version=1$/m, 'check on kv1');
$r = run_cmd(vault_env($url), [$ks, 'check', 'vault:kv/relay/auth#nope']);
is($r->{rc}, 78, 'check of a missing field exits 78');

# Namespaces go in X-Vault-Namespace.
$r = get(['vault:secret/dkim/example.com'], VAULT_NAMESPACE => 'ns1');
is($r->{out}, 'ns1-key', 'VAULT_NAMESPACE selects the namespace');
spew("$TMP/ns.conf", "[vault]\nnamespace = ns1\n");
$r = get(['vault:secret/dkim/example.com'], KMTA_CONF => "$TMP/ns.conf");
is($r->{out}, 'ns1-key', '[vault] namespace selects the namespace');

# Token sources: a bad token is 77; token_file; ~/.vault-token; none.
$r = get(['vault:secret/dkim/example.com'], VAULT_TOKEN => 'hvs.wrong');
is($r->{rc}, 77, 'invalid token exits 77');
like($r->{err}, qr/HTTP 403: 2 errors occurred: \* permission denied \* invalid token/,
    'invalid token carries Vault\'s error text');
unlike($r->{err}, qr/hvs\.wrong/, 'the error does not show the token');

spew("$TMP/token", "$ROOT_TOKEN\n", 0600);
spew("$TMP/tf.conf", "[vault]\ntoken_file = $TMP/token\n");
$r = get(['vault:secret/dkim/example.com#selector'], VAULT_TOKEN => undef,
    KMTA_CONF => "$TMP/tf.conf");
is($r->{out}, 's2027', '[vault] token_file supplies the token');
is($r->{err}, '', 'a 0600 token file gives no warning');
chmod(0644, "$TMP/token");
$r = get(['vault:secret/dkim/example.com#selector'], VAULT_TOKEN => undef,
    KMTA_CONF => "$TMP/tf.conf");
is($r->{rc}, 0, 'a 0644 token file still works');
like($r->{err}, qr/warning: token file .*mode 0644 is readable by group or others/,
    'a 0644 token file gives a warning');

spew("$TMP/blank-token", "\n \t\n", 0600);
spew("$TMP/blank.conf", "[vault]\ntoken_file = $TMP/blank-token\n");
$r = get(['vault:secret/dkim/example.com'], VAULT_TOKEN => undef,
    KMTA_CONF => "$TMP/blank.conf");
is($r->{rc}, 78, 'a blank token file exits 78');
like($r->{err}, qr/blank-token: empty file/, 'a blank token file is called empty');

$r = get(['vault:secret/dkim/example.com'], VAULT_TOKEN => undef);
is($r->{rc}, 78, 'no token anywhere exits 78');
like($r->{err}, qr/VAULT_TOKEN is not set.*token_file.*\Q$TMP\E\/home\/\.vault-token does not exist/,
    'missing token says where it looked');
spew("$TMP/home/.vault-token", $ROOT_TOKEN, 0600);
$r = get(['vault:secret/dkim/example.com#selector'], VAULT_TOKEN => undef);
is($r->{out}, 's2027', 'a token only in ~/.vault-token works');
unlink("$TMP/home/.vault-token");

# kv_version fixed in config skips the mount lookup.
spew("$TMP/v2.conf", "[vault]\nkv_version = 2\n");
unlink("$TMP/main.log");
$r = get(['vault:secret/dkim/example.com#selector'], KMTA_CONF => "$TMP/v2.conf");
is($r->{out}, 's2027', 'kv_version = 2 reads');
@log = request_log('main');
is_deeply(\@log, ['GET /v1/secret/data/dkim/example.com'],
    'kv_version = 2 makes one request and no mount lookup');

# A Vault without sys/internal/ui/mounts has only KV v1.
my $old = start_vault('old', seed => "$TMP/seed.json", args => ['--no-preflight']);
$r = run_cmd(vault_env($old), [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{out}, 'v1-pass', '404 from the mount lookup means KV v1');

# AppRole: role id and secret id from files, one login per process.
spew("$TMP/role_id", "role-1234\n");
spew("$TMP/secret_id", "secret-id-5678\n");
my $ar = start_vault('approle', seed => "$TMP/seed.json",
    args => ['--approle', "$TMP/role_id", "$TMP/secret_id"]);
spew("$TMP/approle.conf", "[vault]\nrole_id_file = $TMP/role_id\n"
    . "secret_id_file = $TMP/secret_id\n");
$r = run_cmd(vault_env($ar, VAULT_TOKEN => undef, KMTA_CONF => "$TMP/approle.conf"),
    [$ks, 'exec', '-e', 'A=vault:secret/dkim/example.com#selector',
     '-e', 'B=vault:kv/relay/auth#password', '--', 'sh', '-c', 'echo "$A $B"']);
is($r->{out}, "s2026 v1-pass\n", 'AppRole login reads secrets') or diag($r->{err});
is(scalar(grep { $_ eq 'POST /v1/auth/approle/login' } request_log('approle')), 1,
    'AppRole logs in once per process');
spew("$TMP/bad_secret_id", "wrong\n");
spew("$TMP/badrole.conf", "[vault]\nrole_id_file = $TMP/role_id\n"
    . "secret_id_file = $TMP/bad_secret_id\n");
$r = run_cmd(vault_env($ar, VAULT_TOKEN => undef, KMTA_CONF => "$TMP/badrole.conf"),
    [$ks, 'get', 'vault:secret/dkim/example.com']);
is($r->{rc}, 65, 'rejected AppRole login exits 65 (Vault answers 400)');
like($r->{err}, qr/AppRole login: Vault returned HTTP 400: invalid secret id/,
    'rejected AppRole login carries Vault\'s text');

# Mutual TLS: the double requires a client certificate from the test CA.
system('sh', "$TOP/t/lib/mkcert.sh", "$TMP/ca", 'client', 'kmta-client') == 0
    or die 'mkcert client';
my $mtls = start_vault('mtls', seed => "$TMP/seed.json",
    args => ['--client-ca', "$TMP/ca/ca.pem"]);
$r = run_cmd(vault_env($mtls), [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{rc}, 75, 'mutual TLS without a client certificate fails with 75');
$r = run_cmd(vault_env($mtls, VAULT_CLIENT_CERT => "$TMP/ca/client.pem",
    VAULT_CLIENT_KEY => "$TMP/ca/client.key"),
    [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{out}, 'v1-pass', 'VAULT_CLIENT_CERT and VAULT_CLIENT_KEY do mutual TLS')
    or diag($r->{err});
spew("$TMP/mtls.conf", "[vault]\nclient_cert = $TMP/ca/client.pem\n"
    . "client_key = $TMP/ca/client.key\nca_cert = $TMP/ca/ca.pem\n");
$r = run_cmd(vault_env($mtls, KMTA_CONF => "$TMP/mtls.conf", VAULT_CACERT => undef),
    [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{out}, 'v1-pass', '[vault] client_cert, client_key and ca_cert')
    or diag($r->{err});

# Plain http:// only for loopback, else with allow_insecure_http and a warning.
my $plain = start_vault('plain', http => 1, seed => "$TMP/seed.json");
$r = run_cmd(vault_env($plain), [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{out}, 'v1-pass', 'http:// to 127.0.0.1 is accepted') or diag($r->{err});
is($r->{err}, '', 'http:// to loopback gives no warning');
(my $mapped = $plain) =~ s{127\.0\.0\.1}{[::ffff:127.0.0.1]};
$r = run_cmd(vault_env($mapped), [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{rc}, 78, 'http:// to a host not named as loopback exits 78');
like($r->{err}, qr/allow_insecure_http/, 'the error names allow_insecure_http');
spew("$TMP/insecure.conf", "[vault]\nallow_insecure_http = yes\n");
$r = run_cmd(vault_env($mapped, KMTA_CONF => "$TMP/insecure.conf"),
    [$ks, 'get', 'vault:kv/relay/auth#password']);
is($r->{out}, 'v1-pass', 'allow_insecure_http = yes accepts it') or diag($r->{err});
like($r->{err}, qr/warning: Vault address .* without TLS/, 'with a warning');

# file: and env: through the same command.
spew("$TMP/key.pem", $secret, 0600);
$r = run_cmd(vault_env($url), [$ks, 'get', "file:$TMP/key.pem"]);
is($r->{out}, $secret, 'get file: prints the file');
chmod(0640, "$TMP/key.pem");
$r = run_cmd(vault_env($url), [$ks, 'get', "file:$TMP/key.pem"]);
is($r->{rc}, 77, 'a group-readable key file is rejected with 77');
$r = run_cmd(vault_env($url, MY_SECRET => 'from-env'), [$ks, 'get', 'env:MY_SECRET']);
is($r->{out}, 'from-env', 'get env: prints the variable');
$r = run_cmd(vault_env($url), [$ks, 'put', 'env:MY_SECRET'], 'x');
is($r->{rc}, 64, 'put to env: exits 64');
$r = run_cmd(vault_env($url), [$ks, 'put', "file:$TMP/written.key"], 'stored');
is($r->{rc}, 0, 'put file: exits 0');
is(slurp("$TMP/written.key"), 'stored', 'put file: writes the value');
is((stat("$TMP/written.key"))[2] & 07777, 0600, 'put file: makes mode 0600');
$r = run_cmd(vault_env($url), [$ks, 'get', '--version', '2', 'env:HOME']);
is($r->{rc}, 64, '--version on env: exits 64');
$r = run_cmd(vault_env($url), [$ks, 'get', 'vault:nomount']);
is($r->{rc}, 64, 'malformed vault: source exits 64');

done_testing();
