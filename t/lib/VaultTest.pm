# Helpers for the kmta-secret tests: a test CA, the Vault test double
# (t/lib/vaultd.py) on loopback, and a way to run a program with a given
# environment and standard input while capturing everything it writes.
package VaultTest;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use IPC::Open3;
use Symbol 'gensym';
use Time::HiRes qw(sleep);

our @EXPORT = qw(vault_env start_vault stop_vaults run_cmd slurp spew
    request_log free_port $TMP $TOP $BIN $ROOT_TOKEN);

our $TOP = $ENV{KMTA_TOP} || '.';
our $BIN = $ENV{KMTA_BIN} || "$TOP/build/bin";
our $TMP = tempdir('kmta-vault-XXXXXX', TMPDIR => 1, CLEANUP => 1);
our $ROOT_TOKEN = 'hvs.root-test-token-' . $$;
my @pids;

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

sub spew {
	my ($path, $data, $mode) = @_;
	open(my $fh, '>:raw', $path) or die "write $path: $!";
	print $fh $data;
	close($fh);
	chmod($mode // 0600, $path);
}

sub free_port {
	require IO::Socket::INET;
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1) or die "bind: $!";
	my $port = $s->sockport;
	close($s);
	return $port;
}

# Make the test CA and a server certificate for 127.0.0.1 and localhost.
sub make_ca {
	my ($dir) = @_;
	system('sh', "$TOP/t/lib/mkcert.sh", $dir, 'vault', 'localhost',
	    'IP:127.0.0.1', 'IP:::1') == 0 or die "mkcert.sh failed";
}

# Start vaultd.py with extra arguments; returns (url, name) where name
# prefixes its files in $TMP (NAME.port, NAME.log).
sub start_vault {
	my ($name, %o) = @_;
	make_ca("$TMP/ca") unless -f "$TMP/ca/vault.pem";
	spew("$TMP/root-token", $ROOT_TOKEN) unless -f "$TMP/root-token";
	my @args = ('/usr/bin/python3', "$TOP/t/lib/vaultd.py",
	    '--port-file', "$TMP/$name.port", '--log', "$TMP/$name.log",
	    '--token-file', "$TMP/root-token");
	push @args, '--cert', "$TMP/ca/vault.pem", '--key',
	    "$TMP/ca/vault.key" unless $o{http};
	push @args, '--seed', $o{seed} if $o{seed};
	push @args, @{ $o{args} || [] };
	unlink("$TMP/$name.port", "$TMP/$name.log");

	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		exec(@args) or die "exec: $!";
	}
	push @pids, $pid;
	for (1 .. 100) {
		last if -s "$TMP/$name.port";
		sleep(0.1);
	}
	my $port = slurp("$TMP/$name.port") // die "vaultd $name did not start";
	chomp($port);
	my $scheme = $o{http} ? 'http' : 'https';
	return "$scheme://127.0.0.1:$port";
}

sub stop_vaults {
	kill('TERM', @pids) if @pids;
	waitpid($_, 0) for @pids;
	@pids = ();
}

END { stop_vaults(); }

# The environment for a client of the double at url, with no trace of the
# caller's own Vault settings.
sub vault_env {
	my ($url, %extra) = @_;
	my %env = (PATH => $ENV{PATH}, HOME => "$TMP/home",
	    VAULT_ADDR => $url, VAULT_CACERT => "$TMP/ca/ca.pem",
	    VAULT_TOKEN => $ROOT_TOKEN, KMTA_CONF => "$TMP/empty.conf");
	mkdir("$TMP/home");
	spew("$TMP/empty.conf", "") unless -f "$TMP/empty.conf";
	@env{ keys %extra } = values %extra;
	delete $env{$_} for grep { !defined $env{$_} } keys %env;
	return \%env;
}

# Run argv with env (a hash ref, the whole environment) and stdin bytes.
# Returns a hash: rc (exit status, or 128+signal), out, err.
sub run_cmd {
	my ($env, $argv, $stdin) = @_;
	my $err = gensym;
	my ($in, $out);
	local %ENV = %$env;
	my $pid = open3($in, $out, $err, @$argv);
	print $in $stdin if defined $stdin;
	close($in);
	local $/;
	my $o = <$out> // '';
	my $e = <$err> // '';
	waitpid($pid, 0);
	my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	return { rc => $rc, out => $o, err => $e };
}

# The requests vaultd logged, as a list of "METHOD /v1/path?query".
sub request_log {
	my ($name) = @_;
	my @lines;
	open(my $fh, '<', "$TMP/$name.log") or return ();
	while (my $l = <$fh>) {
		my ($m) = $l =~ /"method": "([^"]+)"/;
		my ($p) = $l =~ /"path": "([^"]+)"/;
		my ($q) = $l =~ /"query": "([^"]*)"/;
		push @lines, "$m $p" . ($q ? "?$q" : '');
	}
	return @lines;
}

1;
