# Set-up shared by kmta-queue's tests: source it after tap.sh. It makes a
# scratch directory $T (removed on exit), a config $CONF with its queue in
# $Q, and points kmta-queue at t/lib/fake-kmta-send.
#
# Run as root, kmta-queue delivers only as [queue] user, so the config
# names nobody and $T is opened to other users.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
Q=$T/queue
CONF=$T/kmta.conf
QUEUE_USER=
[ "$(id -u)" -eq 0 ] && QUEUE_USER=nobody

# write_conf [LINE...]: the config, with extra [queue] lines.
write_conf() {
	{
		echo "[queue]"
		echo "dir = $Q"
		[ -n "$QUEUE_USER" ] && echo "user = $QUEUE_USER"
		for line in "$@"; do
			echo "$line"
		done
	} >"$CONF"
	chmod 644 "$CONF"
}
write_conf

export KMTA_SEND="$KMTA_TOP/t/lib/fake-kmta-send"
export FAKE_SEND_LOG="$T/send.log" FAKE_SEND_SCRIPT="$T/send.script"
: >"$FAKE_SEND_LOG"
chmod 666 "$FAKE_SEND_LOG"

kq() {
	"$KMTA_BIN/kmta-queue" -c "$CONF" "$@"
}

# message SUBJECT: a small RFC 5322 message on stdout.
message() {
	printf 'From: App <app@example.com>\nTo: <rcpt@example.net>\n'
	printf 'Subject: %s\nMessage-ID: <%s@example.com>\n\nHello.\n' "$1" "$1"
}

# envelope_field ID KEY: one field of env/ID.
envelope_field() {
	awk -F '\t' -v k="$2" '$1 == k { print $2 }' "$Q/env/$1"
}

# rcpt_state ID RCPT: the recipient's state in env/ID.
rcpt_state() {
	awk -F '\t' -v r="$2" '$1 == "rcpt" && $5 == r { print $2 }' \
	    "$Q/env/$1"
}

# sent_count PATTERN: result lines in the fake's log matching PATTERN.
sent_count() {
	grep -c -- "$1" "$FAKE_SEND_LOG"
}
