# Set-up shared by kmta-queue's tests: source it after tap.sh. It makes a
# scratch directory $T (removed on exit), a config $CONF with its queue in
# $Q, and points kmta-queue at t/lib/fake-kmta-send ($KMTA_SEND).
#
# Run as root, kmta-queue delivers only as [queue] user, so the config
# names nobody and $T is opened to other users.
T=$(mktemp -d)
queue_pids=""
queue_cleanup() {
	for pid in $queue_pids; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap queue_cleanup EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"
Q=$T/queue
CONF=$T/kmta.conf
QUEUE_USER=
[ "$(id -u)" -eq 0 ] && QUEUE_USER=nobody
fake_send=$KMTA_TOP/t/lib/fake-kmta-send

# The queue user runs kmta-send, kmta-sign and the fake from KMTA_BIN and
# t/lib. A checkout under a directory that only root may enter (mktemp -d
# makes them mode 0700) hides those, so copies in $T are used instead.
if [ -n "$QUEUE_USER" ] && command -v setpriv >/dev/null &&
    ! setpriv --reuid="$QUEUE_USER" --regid="$(id -g "$QUEUE_USER")" \
    --clear-groups test -x "$KMTA_BIN/kmta-queue" 2>/dev/null; then
	mkdir "$T/kmta-bin" "$T/kmta-lib"
	cp -p "$KMTA_BIN"/kmta-* "$T/kmta-bin/"
	cp -p "$fake_send" "$T/kmta-lib/"
	chmod -R a+rX "$T/kmta-bin" "$T/kmta-lib"
	KMTA_BIN=$T/kmta-bin
	fake_send=$T/kmta-lib/fake-kmta-send
fi

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

export KMTA_SEND="$fake_send"
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

# msg_file ID, env_file ID: the path of message ID's message file or
# envelope. An add leaves them in new/ as ID.msg and ID.env, and the next
# other command moves them to msg/ID and env/ID.
msg_file() {
	if [ -e "$Q/new/$1.msg" ]; then
		echo "$Q/new/$1.msg"
	else
		echo "$Q/msg/$1"
	fi
}
env_file() {
	if [ -e "$Q/new/$1.env" ]; then
		echo "$Q/new/$1.env"
	else
		echo "$Q/env/$1"
	fi
}

# queued_ids: the ids of the messages in new/ and env/, oldest first.
queued_ids() {
	{
		ls "$Q/env"
		ls "$Q/new" | sed -n 's/\.env$//p'
	} | sort
}

# envelope_field ID KEY: one field of message ID's envelope.
envelope_field() {
	awk -F '\t' -v k="$2" '$1 == k { print $2 }' "$(env_file "$1")"
}

# rcpt_state ID RCPT: the recipient's state in message ID's envelope.
rcpt_state() {
	awk -F '\t' -v r="$2" '$1 == "rcpt" && $5 == r { print $2 }' \
	    "$(env_file "$1")"
}

# sent_count PATTERN: result lines in the fake's log matching PATTERN.
sent_count() {
	grep -c -- "$1" "$FAKE_SEND_LOG"
}

# smtpd_start NAME [smtpd.py options]: start t/lib/smtpd.py on 127.0.0.1
# and set SMTPD_PORT; mail lands in $T/NAME.mail. Stopped on exit.
smtpd_start() {
	name=$1
	shift
	/usr/bin/python3 "$KMTA_TOP/t/lib/smtpd.py" --port-file "$T/$name.port" \
	    --maildir "$T/$name.mail" "$@" 2>"$T/$name.log" &
	queue_pids="$queue_pids $!"
	n=0
	while [ ! -s "$T/$name.port" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	SMTPD_PORT=$(cat "$T/$name.port" 2>/dev/null)
	[ -n "$SMTPD_PORT" ]
}

# mail_count NAME: messages stored by server NAME.
mail_count() {
	find "$T/$1.mail" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}
