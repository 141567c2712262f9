#!/bin/sh
# list, stats and show never report a queued message they cannot read as
# absent: they name it with the reason and exit with a sysexits code.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

bad=$(message unreadable | kq add -f app@example.com rcpt@example.net 2>/dev/null)
good=$(message readable | kq add -f app@example.com rcpt@example.org 2>/dev/null)

# An envelope without read permission.
chmod 000 "$(env_file "$bad")"
kq list >"$T/list" 2>"$T/err"
is "list, unreadable envelope: exit 77" "$?" 77
ok "list names it with the reason" \
    grep -q "^$bad? unreadable: open env/$bad: Permission denied" "$T/list"
ok "list shows the readable message" grep -q "^$good " "$T/list"
ok "list total counts it" \
    grep -q "^-- 1 Kbytes in 1 Request, 1 unreadable.$" "$T/list"
ok "list error names it" grep -q "1 queue entry could not be read.*$bad" "$T/err"

kq list --json >"$T/json" 2>/dev/null
is "list --json, unreadable envelope: exit 77" "$?" 77
ok "list --json has an error object for it" /usr/bin/python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert len(q) == 2, q
assert q[0]["id"] == sys.argv[2], q
assert "Permission denied" in q[0]["error"], q
assert q[1]["id"] == sys.argv[3], q
' "$T/json" "$bad" "$good"

kq stats >"$T/stats" 2>"$T/err"
is "stats, unreadable envelope: exit 77" "$?" 77
ok "stats counts it as unreadable" grep -q "^unreadable 1$" "$T/stats"
ok "stats counts the readable message" grep -q "^messages 1$" "$T/stats"
ok "stats names it on stderr" \
    grep -q "queue_id=$bad unreadable: open env/$bad: Permission denied" "$T/err"

kq show "$bad" >/dev/null 2>"$T/err"
is "show, unreadable envelope: exit 77" "$?" 77
ok "show says why" grep -q "Permission denied" "$T/err"

# Only unreadable messages: never "Mail queue is empty".
kq delete "$good" 2>/dev/null
kq list >"$T/list" 2>/dev/null
is "list, only unreadable: exit 77" "$?" 77
ok "list, only unreadable: not empty" sh -c "! grep -q 'Mail queue is empty' '$T/list'"
ok "list, only unreadable: total" \
    grep -q "^-- 0 Kbytes in 0 Requests, 1 unreadable.$" "$T/list"

# A message file without read permission.
chmod 600 "$(env_file "$bad")"
chmod 000 "$(msg_file "$bad")"
kq list >"$T/list" 2>/dev/null
is "list, unreadable message file: exit 77" "$?" 77
ok "list names the message file" \
    grep -q "^$bad? unreadable: open msg/$bad: Permission denied" "$T/list"
kq stats >/dev/null 2>&1
is "stats, unreadable message file: exit 77" "$?" 77

# A message file missing while its envelope exists.
rm -f "$(msg_file "$bad")"
kq list >"$T/list" 2>/dev/null
is "list, missing message file: exit 65" "$?" 65
ok "list says the message file is missing" \
    grep -q "^$bad? unreadable: .*message file missing" "$T/list"

# An invalid envelope.
message broken | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
broken=$(queued_ids | grep -v "$bad")
printf 'not an envelope\n' >"$(env_file "$broken")"
rm -f "$(env_file "$bad")"
kq list >"$T/list" 2>/dev/null
is "list, invalid envelope: exit 65" "$?" 65
ok "list names the invalid envelope" grep -q "^$broken? unreadable: " "$T/list"
kq stats >/dev/null 2>&1
is "stats, invalid envelope: exit 65" "$?" 65

# A message removed is gone, not unreadable.
kq delete "$broken" >/dev/null 2>&1 || rm -f "$(env_file "$broken")" "$(msg_file "$broken")"
kq list >"$T/list" 2>/dev/null
is "list, empty queue: exit 0" "$?" 0
is "list, empty queue: says so" "$(cat "$T/list")" "Mail queue is empty"
done_testing
