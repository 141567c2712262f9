# Helpers shared by the Perl tests of kmta-sign and of the DKIM verification
# helpers: a temporary directory with an empty kmta configuration, whole-file
# reads and writes, and keys made with kmta-sign genkey.
package KmtaTest;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);

our @EXPORT = qw(tempdir_with_empty_conf write_file read_file genkey_line);

# Create a temporary directory, removed at exit, with an empty empty.conf in
# it, and point KMTA_CONF there, so no [dkim] section and no system setting
# applies. Returns the directory.
sub tempdir_with_empty_conf {
	my $dir = tempdir(CLEANUP => 1);
	$ENV{KMTA_CONF} = "$dir/empty.conf";
	write_file($ENV{KMTA_CONF}, '');
	return $dir;
}

# Write DATA to PATH as raw bytes, then set its mode to MODE, or 0600.
sub write_file {
	my ($path, $data, $mode) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	binmode($fh);
	print $fh $data;
	close($fh) or die "$path: $!";
	chmod($mode // 0600, $path);
}

sub read_file {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	binmode($fh);
	local $/;
	return scalar <$fh>;
}

# Generate a key with "SIGN genkey" into PATH and return its DNS record as
# a keys-file line, "NAME TEXT\n". Errors from genkey are discarded, so a
# failed run shows up as a key that does not verify.
sub genkey_line {
	my ($sign, $algo, $domain, $selector, $path) = @_;
	my $zone = `$sign genkey -a $algo -d $domain -s $selector -o $path 2>/dev/null`;
	my ($name) = $zone =~ /^(\S+)\. IN TXT/;
	return "$name " . join('', $zone =~ /"([^"]*)"/g) . "\n";
}

1;
