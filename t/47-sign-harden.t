#!/bin/sh
# kmta-sign holds private keys, so it runs with core dumps off and is not
# dumpable (no ptrace or /proc/PID/mem access by the same user).
. "${KMTA_TOP:-.}/t/lib/tap.sh"

T=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"

openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null
mkfifo "$T/in"

# Start kmta-sign as USER (or as we are, when USER is empty) blocked on an
# empty FIFO, and wait until it has started.
start_sign() {
	if [ -n "$1" ]; then
		setpriv --reuid="$1" --regid="$1" --clear-groups \
		    "$KMTA_BIN/kmta-sign" -d example.com -s s1 -a ed25519 \
		    -k "$T/key.pem" <"$T/in" >/dev/null 2>&1 &
	else
		"$KMTA_BIN/kmta-sign" -d example.com -s s1 -a ed25519 \
		    -k "$T/key.pem" <"$T/in" >/dev/null 2>&1 &
	fi
	pid=$!
	exec 3>"$T/in"
	# Wait (at most 5 s) until main() has hardened the process, since
	# the ASan build takes a while to get there after exec.
	i=0
	while [ "$i" -lt 50 ] && ! grep -q '^Max core file size *0 *0' \
	    "/proc/$pid/limits" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}

stop_sign() {
	exec 3>&-
	wait "$pid" 2>/dev/null
	pid=""
}

start_sign ""
is "core file size limit is 0" \
    "$(awk '/^Max core file size/ { print $5 "/" $6 }' /proc/$pid/limits)" \
    "0/0"
stop_sign

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chown 65534:65534 "$T/key.pem"
	chmod 600 "$T/key.pem"
	start_sign 65534
	# The kernel gives a non-dumpable process's /proc files to root.
	is "/proc/PID/mem of a process run as nobody belongs to root" \
	    "$(stat -c %u "/proc/$pid/mem")" "0"
	stop_sign
else
	skip "not dumpable" "needs root and setpriv to run as another user"
fi
done_testing
