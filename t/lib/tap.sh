# TAP helpers for the shell tests: source this file, call ok/is/skip, then
# done_testing. Kept POSIX sh so every test runs under dash.
tap_n=0
tap_failed=0

# ok NAME COMMAND [ARGS...]: run the command; pass when it exits 0.
ok() {
	tap_name=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		echo "ok $tap_n - $tap_name"
	else
		echo "not ok $tap_n - $tap_name"
		tap_failed=$((tap_failed + 1))
	fi
}

# is NAME GOT EXPECTED: compare two strings.
is() {
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1"
		printf '#   got:      %s\n#   expected: %s\n' "$2" "$3"
		tap_failed=$((tap_failed + 1))
	fi
}

# skip NAME REASON: a test that cannot run here.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # skip $1: $2"
}

skip_all() {
	echo "1..0 # skip $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}
