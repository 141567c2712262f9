#!/bin/sh
# The shipped cron file and runit service directory deliver queued mail:
# the cron line's command runs as cron would run it, and runsv supervises
# the service with its log until sv stops it.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

export KMTA_CONF="$CONF"
export PATH="$KMTA_BIN:$PATH"
conf="$KMTA_TOP/conf"

# wait_until COMMAND...: up to 10 seconds for COMMAND to succeed.
wait_until() {
	n=0
	until "$@"; do
		[ $n -ge 100 ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}
queue_empty() {
	[ -z "$(queued_ids)" ]
}

# cron: the file's one job line, minute field "*/5", user root.
line=$(grep -v '^#' "$conf/cron.d/kmta-queue" | grep -v '=' | grep .)
is "cron file has one job" "$(echo "$line" | wc -l)" 1
is "cron job runs every five minutes" \
    "$(echo "$line" | awk -F '\t' '{ print $1 }')" "*/5 * * * *"
is "cron job runs as root" "$(echo "$line" | awk -F '\t' '{ print $2 }')" root
command=$(echo "$line" | awk -F '\t' '{ print $3 }')
message cron | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
out=$(sh -c "$command")
is "cron command exits 0" "$?" 0
is "cron command prints nothing for cron to mail" "$out" ""
ok "cron command delivered the message" queue_empty
is "cron command handed it to kmta-send" "$(sent_count "<cron@")" 1
if [ "$(id -u)" -eq 0 ]; then
	printf '[queue]\ndir = %s\n' "$Q" >"$T/nouser.conf"
	chmod 644 "$T/nouser.conf"
	out=$(KMTA_CONF="$T/nouser.conf" sh -c "$command")
	is "failed run: one line for cron to mail" "$out" \
	    "kmta-queue run failed with exit 77; see the mail log"
else
	skip "failed run: one line for cron to mail" "needs root"
fi

command -v runsv >/dev/null || {
	skip "runit service" "runsv (runit) not installed"
	done_testing
}

cp -R "$conf/runit/kmta-queue" "$T/service"
chmod -R go+rX "$T/service"
ok "run script is executable" test -x "$T/service/run"
ok "log/run script is executable" test -x "$T/service/log/run"
message runit1 | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
# runsv follows TERM with CONT, which can stall the exit-time ptrace check
# of LeakSanitizer in an ASan build; the other tests check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 runsv "$T/service" &
runsv_pid=$!
queue_pids="$queue_pids $runsv_pid"
ok "service delivers the queued message" wait_until queue_empty
sv once "$T/service" >/dev/null 2>&1
sv term "$T/service" >/dev/null 2>&1
ok "service logs through svlogd" wait_until \
    grep -q "loop started" "$T/service/log/main/current"
ok "TERM ends the loop cleanly" wait_until \
    grep -q "loop stopped by signal" "$T/service/log/main/current"
ok "log lines carry svlogd timestamps" \
    grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}_' "$T/service/log/main/current"
sv exit "$T/service" >/dev/null 2>&1
ok "runsv exits after sv exit" wait_until \
    sh -c "! kill -0 $runsv_pid 2>/dev/null"
wait "$runsv_pid" 2>/dev/null
done_testing
