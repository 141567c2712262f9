#!/usr/bin/perl
# Crash safety: kill -9 kmta-queue at random moments during add and run,
# for KMTA_CRASH_ROUNDS rounds (default 200), against a storing SMTP server
# on loopback with the real kmta-send. Then deliver what is left and audit:
# every accepted message arrived complete, no envelope is unreadable, and
# stale temporary files are cleaned up. Duplicates are counted, since
# delivery is at least once.
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h setpgid);
use Time::HiRes qw(usleep time);
use Test::More;

my $bin = $ENV{KMTA_BIN} or BAIL_OUT("KMTA_BIN not set");
my $top = $ENV{KMTA_TOP} or BAIL_OUT("KMTA_TOP not set");
my $rounds = $ENV{KMTA_CRASH_ROUNDS} || 200;
plan skip_all => "kmta-send not built in $bin" unless -x "$bin/kmta-send";
plan skip_all => "Debian's python3-aiosmtpd is not installed"
    if system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") != 0;
delete $ENV{KMTA_SEND};

my $t = tempdir(CLEANUP => 1);
chmod 0755, $t;

# The runner, as nobody, runs kmta-send from $bin. A checkout under a
# directory that only root may enter (mktemp -d makes them mode 0700)
# hides it, so a copy in $t is used instead.
if ($> == 0 && system("setpriv --reuid=nobody --regid=\$(id -g nobody) "
    . "--clear-groups test -x '$bin/kmta-queue' 2>/dev/null") != 0) {
	mkdir("$t/kmta-bin") or die "mkdir $t/kmta-bin: $!";
	system("cp -p '$bin'/kmta-* '$t/kmta-bin/' && "
	    . "chmod -R a+rX '$t/kmta-bin'") == 0 or die "copy $bin: $?";
	$bin = "$t/kmta-bin";
}
my $queue = "$t/queue";
my $maildir = "$t/mail";

my $smtpd = fork();
if ($smtpd == 0) {
	open(STDERR, '>', "$t/smtpd.log");
	exec('/usr/bin/python3', "$top/t/lib/smtpd.py", '--port-file',
	    "$t/port", '--maildir', $maildir) or die "exec smtpd.py: $!";
}
END { kill('TERM', $smtpd) if $smtpd; }
for (1 .. 100) {
	last if -s "$t/port";
	usleep(100_000);
}
my $port = do { local (@ARGV, $/) = "$t/port"; <> };
chomp($port);
ok($port, "SMTP server listening on 127.0.0.1");

open(my $conf, '>', "$t/kmta.conf") or die;
print $conf "[queue]\ndir = $queue\n";
print $conf "user = nobody\n" if $> == 0;
print $conf "[domain \"*\"]\nrelay = 127.0.0.1:$port\ntls = disabled\n";
close($conf);
chmod 0644, "$t/kmta.conf";
$ENV{KMTA_CONF} = "$t/kmta.conf";

# A message whose last line proves it arrived whole; some are large, so a
# kill can land in the middle of writing it.
sub message {
	my ($n) = @_;
	my $body = ("filler line for round $n\n") x ($n % 5 == 0 ? 8000 : 5);
	return "From: app\@example.com\nTo: rcpt\@example.net\n" .
	    "Subject: crash round $n\nMessage-ID: <round-$n\@crash.test>\n\n" .
	    $body . "END-OF-MESSAGE round $n\n";
}

# Start a command in its own process group, its stdin from file $input.
sub start {
	my ($input, $out, @cmd) = @_;
	my $pid = fork();
	if ($pid == 0) {
		setpgid(0, 0);
		open(STDIN, '<', $input);
		open(STDOUT, '>', $out);
		open(STDERR, '>>', "$t/kmta-queue.log");
		exec(@cmd) or POSIX::_exit(127);
	}
	return $pid;
}

# Kill process group $pid unless it has exited; return 1 if it was killed.
sub kill_unless_done {
	my ($pid) = @_;
	return 0 if waitpid($pid, WNOHANG) == $pid;
	kill('KILL', -$pid);
	waitpid($pid, 0);
	return 1;
}

my %accepted;
my ($add_kills, $run_kills) = (0, 0);
my $started = time;
for my $n (1 .. $rounds) {
	open(my $in, '>', "$t/in") or die;
	print $in message($n);
	close($in);
	my $add = start("$t/in", "$t/id", "$bin/kmta-queue", 'add', '-f',
	    'app@example.com', 'rcpt@example.net');
	usleep(int(rand(40_000)));
	my $add_killed = kill_unless_done($add);
	$add_kills += $add_killed;
	my $add_status = $?;

	my $run = start('/dev/null', '/dev/null', "$bin/kmta-queue", 'flush');
	usleep(int(rand(20_000)));
	$run_kills += kill_unless_done($run);
	if (!$add_killed && $add_status == 0) {
		my $id = do { local (@ARGV, $/) = "$t/id"; <> } // '';
		$accepted{$n} = 1 if $id =~ /^[0-9A-F]+\n$/;
	}
}
my $elapsed = time - $started;
my $n_accepted = keys %accepted;
diag(sprintf("%d rounds in %.1fs: %d adds accepted, %d adds and %d runs " .
    "killed while still running", $rounds, $elapsed, $n_accepted,
    $add_kills, $run_kills));
cmp_ok($n_accepted, '>', 0, 'some adds finished before their kill');
cmp_ok($n_accepted, '<', $rounds, 'some adds were killed first');

# Deliver what is left, then age what the kills left behind (files in
# tmp/, and message files in new/ and msg/ whose envelope was never
# written) past the hour after which a run removes them. A message with
# its envelope in new/ is queued: an add placed it there, and every run
# imports it first.
for (1 .. 3) {
	system("$bin/kmta-queue flush 2>>$t/kmta-queue.log");
}
is(scalar(() = (glob("$queue/env/*"), glob("$queue/new/*.env"))), 0,
    'queue empty after clean runs');
my @left = (glob("$queue/tmp/*"), glob("$queue/new/*"), glob("$queue/msg/*"));
diag(scalar(@left) . " files left by killed processes");
utime(time - 7200, time - 7200, @left) if @left;
system("$bin/kmta-queue run 2>>$t/kmta-queue.log");
is(scalar(() = glob("$queue/tmp/*")), 0, 'stale temporary files removed');
is(scalar(() = glob("$queue/new/*")), 0,
    'message files without envelope removed from new/');
is(scalar(() = glob("$queue/msg/*")), 0, 'messages without envelope removed');
is(scalar(() = glob("$queue/corrupt/*")), 0, 'nothing moved to corrupt/');
is(system("$bin/kmta-queue list >/dev/null 2>$t/list.err"), 0,
    'list reads the queue without error');

# Audit what the server received.
my (%delivered, $incomplete);
for my $file (glob("$maildir/*.eml")) {
	my $text = do { local (@ARGV, $/) = $file; <> };
	my ($n) = $text =~ /^Message-ID: <round-(\d+)\@crash\.test>/m;
	next unless defined $n;
	$delivered{$n}++;
	$incomplete++ unless $text =~ /END-OF-MESSAGE round $n\r?\n\z/;
}
my @lost = grep { !$delivered{$_} } sort { $a <=> $b } keys %accepted;
my $duplicates = grep { $delivered{$_} > 1 } keys %delivered;
my $unacknowledged = grep { !$accepted{$_} } keys %delivered;
diag(sprintf("delivered %d distinct messages, %d more than once, %d " .
    "stored by an add killed before it reported", scalar(keys %delivered),
    $duplicates, $unacknowledged));
is(scalar(@lost), 0, 'every accepted message delivered')
    or diag("lost rounds: @lost");
is($incomplete // 0, 0, 'every delivered message complete');
done_testing();
