#!/bin/sh
# kmta-send against Postfix's smtp-sink, a second independent server: a
# pipelined transaction, HELO when the server has no ESMTP, and soft and
# hard rejects at RCPT and at MAIL.
. "$KMTA_TOP/t/lib/sendtest.sh"
[ -x "$SEND" ] || skip_all "kmta-send not built in $KMTA_BIN"
SINK=/usr/sbin/smtp-sink
[ -x "$SINK" ] || skip_all "smtp-sink is not installed (package postfix)"

T=$ST_TMP
printf 'From: a@example.org\nSubject: sink\n\n.dot\nsink body\n' >"$T/msg"

# smtp-sink drops to an unprivileged user when run as root; that user
# writes the dump files.
user_opt=""
if [ "$(id -u)" -eq 0 ]; then
	user_opt="-u nobody"
	chmod 711 "$T"
fi

# sink_start NAME [smtp-sink options]: sets SINK_PORT; dumps land in
# $T/NAME/dump.
sink_start() {
	name=$1
	shift
	mkdir -p "$T/$name"
	chmod 1777 "$T/$name"
	SINK_PORT=$(free_port)
	# shellcheck disable=SC2086
	"$SINK" $user_opt -D "$T/$name/dump" "$@" "127.0.0.1:$SINK_PORT" 10 \
	    2>"$T/$name.log" &
	st_pids="$st_pids $!"
	/usr/bin/python3 - "$SINK_PORT" <<'PY' || return 1
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

conf() {
	printf '[send]\ncommand_timeout = 20\n[domain "*"]\nrelay = 127.0.0.1:%s\ntls = disabled\n' \
	    "$2" >"$1"
}

sink_start pipe
conf "$T/pipe.conf" "$SINK_PORT"
send_run -v -c "$T/pipe.conf" -f a@example.org b@example.net c@example.net
is "pipelined: exit 0" "$RC" 0
is "pipelined: both delivered" "$(grep -c '^delivered' "$T/out")" 2
is "pipelined: DATA sent before any reply" "$(awk '
    />>> DATA/ && !seen { print "before"; exit }
    /<<< 250 2\.1\.0/ { seen = 1 }' "$T/err")" before
ok "pipelined: body arrived" grep -q 'sink body' "$T/pipe/dump"
ok "pipelined: dot line arrived unstuffed" grep -q '^\.dot' "$T/pipe/dump"

sink_start helo -e
conf "$T/helo.conf" "$SINK_PORT"
send_run -v -c "$T/helo.conf" -f a@example.org b@example.net
is "no ESMTP: exit 0" "$RC" 0
ok "no ESMTP: fell back to HELO" grep -q '>>> HELO' "$T/err"

sink_start soft -r RCPT
conf "$T/soft.conf" "$SINK_PORT"
send_run -c "$T/soft.conf" -f a@example.org b@example.net
is "RCPT 4xx: exit 75" "$RC" 75
is "RCPT 4xx: deferred" "$(result_field b@example.net 1)" deferred
is "RCPT 4xx: code class" "$(result_field b@example.net 4 | cut -c1)" 4

sink_start hard -f RCPT
conf "$T/hard.conf" "$SINK_PORT"
send_run -c "$T/hard.conf" -f a@example.org b@example.net
is "RCPT 5xx: exit 69" "$RC" 69
is "RCPT 5xx: failed" "$(result_field b@example.net 1)" failed

sink_start mail -f MAIL
conf "$T/mail.conf" "$SINK_PORT"
send_run -c "$T/mail.conf" -f a@example.org b@example.net c@example.net
is "MAIL 5xx: exit 69" "$RC" 69
is "MAIL 5xx: every recipient failed" "$(grep -c '^failed' "$T/out")" 2
is "MAIL 5xx: reply code on the line" "$(result_field c@example.net 4)" 500

done_testing
