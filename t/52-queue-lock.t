#!/bin/sh
# Locking: a message whose lock is held is left alone, and overlapping
# runners (cron starting while the last run is busy, or run -j N) never
# hand one message to kmta-send twice.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

command -v flock >/dev/null || skip_all "flock(1) not installed"

id=$(message held-lock | kq add -f app@example.com rcpt@example.net \
    2>/dev/null)
flock "$(msg_file "$id")" sh -c ": >'$T/holding'; sleep 3" &
holder=$!
n=0
while [ ! -e "$T/holding" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
kq run 2>"$T/err"
is "run exits 0 past a locked message" "$?" 0
is "locked message not delivered" "$(sent_count held-lock)" 0
ok "locked message counted as skipped" grep -q "locked=1" "$T/err"
wait "$holder"
kq run 2>/dev/null
is "delivered once the lock is free" "$(sent_count held-lock)" 1

# Two runners at once over six slow deliveries.
for n in 1 2 3 4 5 6; do
	message "pair-$n" | kq add -f app@example.com rcpt@example.net \
	    >/dev/null 2>&1
done
FAKE_SEND_SLEEP=1 kq run 2>"$T/run1" &
first=$!
FAKE_SEND_SLEEP=1 kq run 2>"$T/run2" &
second=$!
wait "$first"
is "first runner exits 0" "$?" 0
wait "$second"
is "second runner exits 0" "$?" 0
for n in 1 2 3 4 5 6; do
	is "two runners: message $n handed over once" \
	    "$(sent_count "<pair-$n@")" 1
done
is "two runners: queue empty" "$(queued_ids | wc -l)" 0

# run -j 3: three runners in one command share the queue.
for n in 1 2 3 4 5 6; do
	message "jobs-$n" | kq add -f app@example.com rcpt@example.net \
	    >/dev/null 2>&1
done
FAKE_SEND_SLEEP=1 kq run -j 3 2>"$T/jobs"
is "run -j 3 exits 0" "$?" 0
for n in 1 2 3 4 5 6; do
	is "run -j 3: message $n handed over once" \
	    "$(sent_count "<jobs-$n@")" 1
done
is "run -j 3: three runners reported" "$(grep -c 'run done' "$T/jobs")" 3
is "run -j 3: queue empty" "$(queued_ids | wc -l)" 0

# [domain] max_connections: runners share a domain's connection slots.
# Batches hold 100 messages, so 250 messages make three batches for three
# runners; a wrapper records how many kmta-send runs overlap.
cat >"$T/overlap-send" <<EOF2
#!/bin/sh
count() {
	(
		flock 9
		n=\$((\$(cat "$T/running") + \$1))
		echo \$n >"$T/running"
		[ \$n -gt \$(cat "$T/max") ] && echo \$n >"$T/max"
	) 9>>"$T/counter.lock"
}
count 1
# With a barrier file, wait (up to 10 s) for a second run to overlap.
n=0
while [ -e "$T/barrier" ] && [ \$(cat "$T/running") -lt 2 ] &&
    [ \$n -lt 200 ]; do
	sleep 0.05
	n=\$((n + 1))
done
sleep 0.5
"$KMTA_SEND" "\$@"
status=\$?
count -1
exit \$status
EOF2
chmod 755 "$T/overlap-send"
for f in running max counter.lock; do
	echo 0 >"$T/$f"
	chmod 666 "$T/$f"
done

# overlap_with_limit [CONFIG LINE]: the max overlap of kmta-send runs for
# 250 messages delivered by run -j 3.
overlap_with_limit() {
	write_conf
	[ -n "$1" ] && printf '[domain "example.net"]\n%s\n' "$1" >>"$CONF"
	echo 0 >"$T/max"
	n=0
	while [ $n -lt 250 ]; do
		message "slot-$n" | kq add -f app@example.com rcpt@example.net \
		    >/dev/null 2>&1
		n=$((n + 1))
	done
	KMTA_SEND="$T/overlap-send" kq run -j 3 2>/dev/null
	cat "$T/max"
}
: >"$T/barrier"
ok "without a limit, kmta-send runs overlap" \
    test "$(overlap_with_limit "")" -ge 2
rm -f "$T/barrier"
is "max_connections = 1: one kmta-send at a time" \
    "$(overlap_with_limit "max_connections = 1")" 1
is "limited runs still deliver everything" "$(queued_ids | wc -l)" 0
done_testing
