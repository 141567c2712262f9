#!/bin/sh
# Importing added messages: add leaves a message in new/, and every other
# command moves it to msg/ and env/ first, so it shows and is delivered
# right after add returns. What a killed add or import leaves in new/ is
# imported, moved to corrupt/ or removed when stale.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

# add SUBJECT: queue a message to rcpt@example.net and print its id.
add() {
	message "$1" | kq add -f app@example.com rcpt@example.net 2>/dev/null
}

id=$(add listed)
ok "add leaves the message in new/" test -f "$Q/new/$id.msg"
ok "add leaves the envelope in new/" test -f "$Q/new/$id.env"
kq list >"$T/list" 2>"$T/err"
is "list right after add: exit 0" "$?" 0
ok "list shows the message right after add" grep -q "^$id " "$T/list"
ok "list moved the message file to msg/" test -f "$Q/msg/$id"
ok "list moved the envelope to env/" test -f "$Q/env/$id"
is "list left nothing in new/" "$(ls "$Q/new")" ""
is "list imports without a warning" "$(cat "$T/err")" ""

id=$(add shown)
kq show "$id" >"$T/show" 2>/dev/null
is "show right after add: exit 0" "$?" 0
ok "show prints the message right after add" grep -q "^Subject: shown" \
    "$T/show"
add counted >/dev/null
is "stats counts messages right after add" \
    "$(kq stats 2>/dev/null | awk '$1 == "messages" { print $2 }')" 3
kq delete "$(add deleted)" 2>"$T/err"
is "delete right after add: exit 0" "$?" 0

kq run 2>/dev/null
is "run delivers what list imported" "$(sent_count listed)" 1
id=$(add after-add)
kq run 2>"$T/err"
is "run right after add: exit 0" "$?" 0
is "run delivers a message right after add" "$(sent_count after-add)" 1
ok "delivered message removed" test ! -e "$Q/env/$id"
is "queue empty after the run" "$(queued_ids)" ""

# (a) An add that reported success, and no import since: both files in
# new/, as a crash right after the add leaves them.
id=$(add crash-a)
kq run 2>/dev/null
is "new/ID.msg and new/ID.env imported and delivered" "$(sent_count crash-a)" 1

# (b) An import killed after it moved the message file.
id=$(add crash-b)
mv "$Q/new/$id.msg" "$Q/msg/$id"
kq run 2>"$T/err"
is "new/ID.env with msg/ID: run exit 0" "$?" 0
is "new/ID.env with msg/ID imported and delivered" "$(sent_count crash-b)" 1

# (c) An envelope without its message file goes to corrupt/, and the
# other messages are still delivered.
id=$(add crash-c)
rm "$Q/new/$id.msg"
other=$(add beside-c)
kq run 2>"$T/err"
is "new/ID.env without a message: run exit 0" "$?" 0
ok "envelope without a message moved to corrupt/" \
    test -f "$Q/corrupt/$id.env"
ok "envelope without a message left new/" test ! -e "$Q/new/$id.env"
ok "envelope without a message not queued" test ! -e "$Q/env/$id"
ok "envelope without a message logged" \
    grep -q "queue_id=$id envelope in new/ has no message file" "$T/err"
is "message without its file not delivered" "$(sent_count crash-c)" 0
is "other message still delivered" "$(sent_count beside-c)" 1
ok "other message removed" test ! -e "$(env_file "$other")"

# (d) A message file without its envelope, from an add killed before it
# reported success: a run removes it after an hour, and keeps it before.
stale=$(add crash-d-stale)
rm "$Q/new/$stale.env"
touch -d '2 hours ago' "$Q/new/$stale.msg"
fresh=$(add crash-d-fresh)
rm "$Q/new/$fresh.env"
echo leftover >"$Q/new/notes"
touch -d '2 hours ago' "$Q/new/notes"
kq run 2>"$T/err"
is "lone message files in new/: run exit 0" "$?" 0
ok "stale lone new/ID.msg removed" test ! -e "$Q/new/$stale.msg"
ok "fresh lone new/ID.msg kept" test -f "$Q/new/$fresh.msg"
ok "stale other file in new/ removed" test ! -e "$Q/new/notes"
is "lone message files not delivered" \
    "$(sent_count crash-d-stale; sent_count crash-d-fresh)" "0
0"
rm "$Q/new/$fresh.msg"

# One process imports at a time: list waits while new/ is locked.
if command -v flock >/dev/null; then
	id=$(add waited)
	flock "$Q/new" sh -c ": >'$T/holding'; sleep 2" &
	holder=$!
	n=0
	while [ ! -e "$T/holding" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	timeout 1 "$KMTA_BIN/kmta-queue" -c "$CONF" list >/dev/null 2>&1
	is "list waits while another process imports" "$?" 124
	ok "message left in new/ while locked" test -f "$Q/new/$id.env"
	wait "$holder"
	kq list >"$T/list" 2>/dev/null
	ok "list imports once the lock is free" grep -q "^$id " "$T/list"
	kq delete "$id" 2>/dev/null
else
	skip "list waits while another process imports" "flock(1) not installed"
	skip "message left in new/ while locked" "flock(1) not installed"
	skip "list imports once the lock is free" "flock(1) not installed"
fi

# A queue made before new/ existed: list works, and run creates new/.
rmdir "$Q/new"
kq list >"$T/list" 2>"$T/err"
is "list of a queue without new/: exit 0" "$?" 0
is "list of a queue without new/: no warning" "$(cat "$T/err")" ""
kq run 2>/dev/null
is "run of a queue without new/: exit 0" "$?" 0
ok "run creates new/" test -d "$Q/new"

# An import that fails is a warning for list and an error for run, and
# the run still delivers what is in env/ already. Without write access to
# new/ (kmta-queue started as root works as [queue] user) nothing can be
# moved out of it.
queued=$(add before-failure)
kq list >/dev/null 2>&1
id=$(add failed-import)
chmod 500 "$Q/new"
kq list >"$T/list" 2>"$T/err"
is "failed import: list exit 0" "$?" 0
ok "failed import: list warns" \
    grep -q "warning: queue $Q: import: move new/$id.msg to msg/$id: Permission denied" \
    "$T/err"
ok "failed import: list shows the rest" grep -q "^$queued " "$T/list"
kq run 2>"$T/err"
is "failed import: run exit 77" "$?" 77
ok "failed import: run logs an error" \
    grep -q "^kmta-queue: queue $Q: import: move new/$id.msg" "$T/err"
is "failed import: run delivers the rest" "$(sent_count before-failure)" 1
chmod 700 "$Q/new"
kq run 2>/dev/null
is "failed import: imported by the next run" \
    "$(sent_count failed-import)" 1
done_testing
