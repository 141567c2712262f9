# Helpers for kmta-send's tests (POSIX sh): servers on loopback, a config
# per case, and a runner that keeps stdout, stderr and the exit status.
#
#   . "$KMTA_TOP/t/lib/sendtest.sh"
#   smtpd_start srv --tls-cert ... ; echo "$SMTPD_PORT"
#   send_conf "$ST_TMP/c.conf" <<EOF ... EOF
#   send_run -c "$ST_TMP/c.conf" -f a@example.org rcpt@example.net
#   result_field rcpt@example.net 4     # CODE of that recipient's line
. "$KMTA_TOP/t/lib/tap.sh"

SEND=$KMTA_BIN/kmta-send
ST_TMP=$(mktemp -d)
st_pids=""

st_cleanup() {
	for pid in $st_pids; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${ST_KEEP:-}" ] || rm -rf "$ST_TMP"
}
trap st_cleanup EXIT
trap 'exit 1' INT TERM

st_need_tools() {
	[ -x "$SEND" ] || skip_all "kmta-send not built in $KMTA_BIN"
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	    skip_all "Debian's python3-aiosmtpd is not installed"
}

# st_wait_file FILE: wait up to 10 seconds for FILE to appear.
st_wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$1" ]
}

# smtpd_start NAME [smtpd.py options]: start a storing server on 127.0.0.1
# (or --host); sets SMTPD_PORT. Mail lands in $ST_TMP/NAME.mail.
smtpd_start() {
	name=$1
	shift
	/usr/bin/python3 "$KMTA_TOP/t/lib/smtpd.py" \
	    --port-file "$ST_TMP/$name.port" --maildir "$ST_TMP/$name.mail" \
	    "$@" 2>"$ST_TMP/$name.log" &
	st_pids="$st_pids $!"
	if ! st_wait_file "$ST_TMP/$name.port"; then
		echo "# smtpd $name did not start:" >&2
		sed 's/^/# /' "$ST_TMP/$name.log" >&2
		return 1
	fi
	SMTPD_PORT=$(cat "$ST_TMP/$name.port")
}

# mail_count NAME: how many messages server NAME stored.
mail_count() {
	find "$ST_TMP/$1.mail" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}

# A free TCP port on 127.0.0.1 with nothing listening (for "refused").
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# send_run ARGS...: run kmta-send with $ST_TMP/msg on stdin (or MSG_IN).
send_run() {
	"$SEND" "$@" <"${MSG_IN:-$ST_TMP/msg}" >"$ST_TMP/out" 2>"$ST_TMP/err"
	RC=$?
	OUT=$(cat "$ST_TMP/out")
	ERR=$(cat "$ST_TMP/err")
}

# result_field RCPT N: field N of RCPT's result line in the last run.
result_field() {
	awk -F '\t' -v r="$1" -v n="$2" '$3 == r { print $n }' "$ST_TMP/out"
}

# result_ok RCPT: the line has 7 fields and no empty one.
result_well_formed() {
	awk -F '\t' -v r="$1" '$3 == r { ok = NF == 7
		for (i = 1; i <= NF; i++) if ($i == "") ok = 0 }
	    END { exit !ok }' "$ST_TMP/out"
}

st_show() {
	sed 's/^/# out: /' "$ST_TMP/out"
	sed 's/^/# err: /' "$ST_TMP/err"
}
