#!/bin/sh
# A full file system: add exits 75 and leaves nothing of the message, the
# messages already accepted stay intact, and a run that cannot save an
# envelope keeps the old one. The test mounts a 512 KiB tmpfs.
. "$KMTA_TOP/t/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_all "mounting a small file system needs root"
. "$KMTA_TOP/t/lib/queue.sh"

mkdir "$T/small"
mount -t tmpfs -o size=512k,mode=0755 kmta-test "$T/small" 2>"$T/mount.err" ||
    skip_all "mount tmpfs failed: $(cat "$T/mount.err")"
trap 'umount "$T/small"; queue_cleanup' EXIT
Q=$T/small/queue
write_conf

# big_message N: about 100 KB.
big_message() {
	message "big-$1"
	i=0
	while [ $i -lt 1500 ]; do
		echo "filler line $i of a message large enough to fill the disk"
		i=$((i + 1))
	done
}
# files_in SUBDIR [FIND-TEST...]: the number of files in $Q/SUBDIR.
files_in() {
	dir=$1
	shift
	find "$Q/$dir" -type f "$@" | wc -l
}

accepted=0
status=0
n=0
while [ $n -lt 20 ]; do
	n=$((n + 1))
	big_message $n | kq add -f app@example.com rcpt@example.net \
	    >"$T/id" 2>"$T/err"
	status=$?
	[ $status -ne 0 ] && break
	accepted=$((accepted + 1))
done
echo "# $accepted messages accepted before the file system was full"
ok "some messages fit" test $accepted -gt 0
is "add on a full file system: exit 75" "$status" 75
ok "error says the disk is full" grep -q "No space left on device" "$T/err"
is "failed add prints no id" "$(cat "$T/id")" ""
is "failed add leaves no temporary file" "$(files_in tmp)" 0
is "failed add leaves no message file" "$(files_in new -name '*.msg')" \
    $accepted
is "failed add leaves no envelope" "$(files_in new -name '*.env')" $accepted
kq list >/dev/null 2>"$T/err"
is "accepted messages still readable" "$?" 0

# Fill what is left, so that even an envelope cannot be written.
dd if=/dev/zero of="$T/small/filler" bs=1k 2>/dev/null
message tiny | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
is "tiny add on a full file system: exit 75" "$?" 75
is "tiny add leaves no temporary file" "$(files_in tmp)" 0

echo "rcpt@example.net deferred 451 4.3.0 later" >"$FAKE_SEND_SCRIPT"
chmod 644 "$FAKE_SEND_SCRIPT"
first=$(queued_ids | head -n 1)
cp "$(env_file "$first")" "$T/env.before"
kq run 2>"$T/err"
is "run that cannot save envelopes: exit 75" "$?" 75
ok "run names the failed write" grep -q "No space left on device" "$T/err"
ok "envelope unchanged after the failed save" \
    cmp -s "$T/env.before" "$(env_file "$first")"
is "failed saves leave no temporary file" "$(files_in tmp)" 0

# Space again: the next run records the results.
rm -f "$T/small/filler"
kq run 2>/dev/null
is "run with space: exit 0" "$?" 0
is "deferral recorded once there is space" \
    "$(rcpt_state "$first" rcpt@example.net)" deferred
done_testing
