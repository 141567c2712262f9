#!/bin/sh
# kmta-queue add: a message is on disk, complete and durable, before add
# prints its id; bad input is rejected with the right exit code and
# leaves nothing behind.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

# files_in SUBDIR: the number of files in $Q/SUBDIR.
files_in() {
	find "$Q/$1" -type f | wc -l
}

message hello >"$T/in.eml"
id=$(kq add -f app@example.com rcpt@example.net other@example.org \
    <"$T/in.eml" 2>"$T/err")
is "add exits 0" "$?" 0
ok "add prints a queue id" sh -c "echo '$id' | grep -Eq '^[0-9A-F]{18}$'"
ok "message stored byte for byte" cmp -s "$T/in.eml" "$Q/new/$id.msg"
ok "envelope stored" test -f "$Q/new/$id.env"
is "tmp/ is empty after add" "$(files_in tmp)" 0
is "queue directory mode 0700" "$(stat -c %a "$Q")" 700
is "message file mode 0600" "$(stat -c %a "$Q/new/$id.msg")" 600
is "envelope sender" "$(envelope_field "$id" sender)" app@example.com
is "envelope size" "$(envelope_field "$id" size)" "$(wc -c <"$T/in.eml")"
is "first recipient queued" "$(rcpt_state "$id" rcpt@example.net)" queued
is "second recipient queued" "$(rcpt_state "$id" other@example.org)" queued
is "envelope ends with its end line" "$(tail -n 1 "$Q/new/$id.env")" end
ok "add logs the queue id" grep -q "queue_id=$id .*queued" "$T/err"

# The durable shape, as the system calls show it: both files are written
# in tmp/ and fsynced, renamed into new/, the envelope last because an
# import takes only messages whose envelope is there, and new/ is fsynced
# once. That is three fsyncs in all.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	message counted | strace -f -o "$T/strace.sync" \
	    -e trace=fsync,fdatasync "$KMTA_BIN/kmta-queue" -c "$CONF" add \
	    -f app@example.com rcpt@example.net >/dev/null 2>&1
	is "add makes three fsync calls" \
	    "$(grep -cE '^[0-9]+ +(fsync|fdatasync)\(' "$T/strace.sync")" 3

	message traced | strace -f -o "$T/strace" -e trace=openat,fsync,rename,renameat2 \
	    "$KMTA_BIN/kmta-queue" -c "$CONF" add -f app@example.com \
	    rcpt@example.net >/dev/null 2>&1
	# O_PATH opens are the hand-over of the queue to [queue] user as
	# root, which writes nothing.
	grep -E 'openat\([0-9]+, "(tmp/|new"|msg"|env")|fsync|rename' "$T/strace" |
	    grep -v O_PATH |
	    sed -E 's/^[0-9]+ +//; s/[0-9A-F]{18}/ID/g; s/= [0-9]+$//;
	        s/openat\([^,]*, "([^"]*)".*/open \1/;
	        s/fsync\([0-9]+\)/fsync/;
	        s/renameat2\([^,]*, "([^"]*)", [^,]*, "([^"]*)".*/rename \1 \2/;
	        s/ +$//' >"$T/calls"
	cat >"$T/calls.want" <<'WANT'
open tmp/ID.msg
fsync
open tmp/ID.env
fsync
rename tmp/ID.msg new/ID.msg
rename tmp/ID.env new/ID.env
open new
fsync
WANT
	ok "write and fsync both, rename, envelope last, fsync new/" \
	    cmp -s "$T/calls" "$T/calls.want"
	diff "$T/calls.want" "$T/calls" | sed 's/^/# /'
else
	skip "add makes three fsync calls" "strace not installed or not permitted"
	skip "durable write order" "strace not installed or not permitted"
fi

# Bad input: the right exit code, and nothing left in the queue.
before=$(files_in new)
kq add -f app@example.com <"$T/in.eml" 2>"$T/err"
is "no recipient: exit 64" "$?" 64
ok "no recipient: says so" grep -q "no recipient" "$T/err"

: | kq add -f app@example.com rcpt@example.net 2>"$T/err"
is "empty message: exit 65" "$?" 65
ok "empty message: says so" grep -q "empty message" "$T/err"

kq add -f app@example.com "bad rcpt@example.net" <"$T/in.eml" 2>"$T/err"
is "address with a space: exit 65" "$?" 65
ok "address error names the address" grep -q "bad rcpt@example.net" "$T/err"

kq add -f app@example.com -- -oops@example.net <"$T/in.eml" 2>"$T/err"
is "address starting with '-': exit 65" "$?" 65

kq add -f app@example.com localonly <"$T/in.eml" 2>"$T/err"
is "address without a domain: exit 65" "$?" 65

kq add <"$T/in.eml" 2>"$T/err"
is "add without recipients or -t: exit 64" "$?" 64

kq bogus 2>"$T/err"
is "unknown command: exit 64" "$?" 64

is "rejected adds left no message" "$(files_in new)" "$before"
is "rejected adds left no temporary file" "$(files_in tmp)" 0

# The null sender, written as <>, is kept as an empty sender.
id=$(message null | kq add -f '<>' rcpt@example.net 2>/dev/null)
is "null sender accepted" "$?" 0
is "null sender stored empty" "$(envelope_field "$id" sender)" ""

# Without -f, the sender is the From address.
id=$(message from | kq add rcpt@example.net 2>/dev/null)
is "sender taken from From" "$(envelope_field "$id" sender)" app@example.com

# An unwritable queue directory: a clear error, exit 77, nothing written.
mkdir -p "$T/locked/tmp" "$T/locked/new" "$T/locked/msg" "$T/locked/env"
chmod 755 "$T/locked"
if [ "$(id -u)" -eq 0 ]; then
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	as_user() { "$@"; }
	chmod 555 "$T/locked" "$T/locked/tmp"
fi
printf '[queue]\ndir = %s\n' "$T/locked" >"$T/locked.conf"
chmod 644 "$T/locked.conf"
message locked | as_user "$KMTA_BIN/kmta-queue" -c "$T/locked.conf" add \
    -f app@example.com rcpt@example.net >"$T/out" 2>"$T/err"
is "unwritable queue: exit 77" "$?" 77
ok "unwritable queue: error names the file" \
    grep -q "kmta-queue: queue $T/locked: create tmp/.*: Permission denied" \
    "$T/err"
is "unwritable queue: no id printed" "$(cat "$T/out")" ""
is "unwritable queue: nothing stored" \
    "$(find "$T/locked" -type f | wc -l)" 0

# A missing queue is created, 0700, with its subdirectories.
write_conf
rm -rf "$Q"
message fresh | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
ok "missing queue directory is created" test -d "$Q/env"
ok "created queue has new/" test -d "$Q/new"
is "created queue directory is 0700" "$(stat -c %a "$Q/tmp")" 700

# [queue] max_message_size: a larger message exits 65 and leaves nothing.
write_conf "max_message_size = 1000"
big=$T/big.eml
{ message big; head -c 2000 /dev/zero | tr '\0' 'x'; echo; } >"$big"
before=$(queued_ids | wc -l)
kq add -f app@example.com rcpt@example.net <"$big" >"$T/out" 2>"$T/err"
is "message over max_message_size: exit 65" "$?" 65
ok "size error names the limit" grep -q \
    "message larger than \[queue\] max_message_size (1000 bytes); not queued" \
    "$T/err"
is "message over max_message_size: no id printed" "$(cat "$T/out")" ""
is "message over max_message_size: nothing queued" \
    "$(queued_ids | wc -l)" "$before"
is "message over max_message_size: tmp/ empty" "$(ls "$Q/tmp" | wc -l)" 0
ln -s "$KMTA_BIN/kmta-queue" "$T/sendmail"
"$T/sendmail" -C "$CONF" -f app@example.com rcpt@example.net <"$big" \
    >/dev/null 2>&1
is "sendmail over max_message_size: exit 65" "$?" 65
message small | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
is "message under max_message_size: exit 0" "$?" 0
write_conf "max_message_size = 0"
kq add -f app@example.com rcpt@example.net <"$big" >/dev/null 2>&1
is "max_message_size 0: no limit" "$?" 0
write_conf
done_testing
