#!/bin/sh
# Started as root, kmta-queue gives the queue directory and the files
# already in it to the queue user before it switches, so mail that root
# stored is delivered and listed, never stuck or hidden. Root without
# [queue] user adds as the queue directory's owner.
. "$KMTA_TOP/t/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
. "$KMTA_TOP/t/lib/queue.sh"

# kq_as CONF ARGS...: kmta-queue with another config.
kq_as() {
	conf=$1
	shift
	"$KMTA_BIN/kmta-queue" -c "$conf" "$@"
}

# owners SUBDIR: the distinct owners of the files in $Q/SUBDIR.
owners() {
	find "$Q/$1" -type f -exec stat -c %U {} + | sort -u | tr '\n' ' '
}

# The sequence that left root's message undeliverable and invisible:
# add as root with a config without [queue] user, then run and list with
# one that names a user.
grep -v '^user' "$CONF" >"$T/nouser.conf"
message rootmail >"$T/in.eml"
id=$(kq_as "$T/nouser.conf" add -f alice@t1.example bob@t1.test \
    <"$T/in.eml" 2>/dev/null)
is "add as root without [queue] user: exit 0" "$?" 0
is "new queue written as root" "$(owners new)" "root "
kq run 2>"$T/err"
is "run takes over root's files: exit 0" "$?" 0
is "root's message delivered" "$(sent_count "bob@t1.test")" 1
ok "run logs the ownership change" grep -q "owner or group of .* changed to user nobody" "$T/err"
ok "delivered message removed" test ! -e "$(env_file "$id")"
kq list >"$T/list" 2>/dev/null
is "list after delivery: exit 0" "$?" 0
is "list after delivery: empty" "$(cat "$T/list")" "Mail queue is empty"

# list started as root takes over too, and shows root's message.
id=$(kq_as "$T/nouser.conf" add -f alice@t1.example carol@t1.test \
    <"$T/in.eml" 2>/dev/null)
chown root:root "$(env_file "$id")" "$(msg_file "$id")"
kq list >"$T/list" 2>/dev/null
is "list as root with [queue] user: exit 0" "$?" 0
ok "list shows root's message" grep -q "^$id " "$T/list"
is "message file given to the user" "$(stat -c %U "$(msg_file "$id")")" nobody
is "envelope given to the user" "$(stat -c %U "$(env_file "$id")")" nobody

# Root without [queue] user adds as the owner of an existing queue.
id2=$(kq_as "$T/nouser.conf" add -f alice@t1.example dave@t1.test \
    <"$T/in.eml" 2>/dev/null)
is "add into a user's queue: exit 0" "$?" 0
is "message file owned by the queue owner" "$(stat -c %U "$(msg_file "$id2")")" nobody
is "envelope owned by the queue owner" "$(stat -c %U "$(env_file "$id2")")" nobody
kq_as "$T/nouser.conf" run 2>/dev/null
is "run as root without [queue] user still: exit 77" "$?" 77

# An add started as root hands over the queue's directories but not the
# files in them, so its cost does not grow with the queue; the next
# runner takes the files over.
chown root:root "$Q/msg" "$Q/new" "$(msg_file "$id2")"
id3=$(kq add -f alice@t1.example erin@t1.test <"$T/in.eml" 2>/dev/null)
is "add as root with [queue] user: exit 0" "$?" 0
is "add gives msg/ to the user" "$(stat -c %U "$Q/msg")" nobody
is "add gives new/ to the user" "$(stat -c %U "$Q/new")" nobody
is "add leaves the other messages' files to the runner" \
    "$(stat -c %U "$(msg_file "$id2")")" root
is "added message owned by the user" "$(stat -c %U "$(msg_file "$id3")")" nobody
kq delete "$id3" 2>/dev/null
is "delete as root takes over the files: exit 0" "$?" 0
is "delete gave the file to the user" "$(stat -c %U "$(msg_file "$id2")")" nobody

# A runner that starts as the queue user cannot take over, so list and
# stats must name root's files instead of hiding them.
if command -v setpriv >/dev/null; then
	chown root:root "$(env_file "$id")" "$(msg_file "$id")"
	as_nobody() {
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		    "$KMTA_BIN/kmta-queue" -c "$T/nouser.conf" "$@"
	}
	as_nobody list >"$T/list" 2>"$T/err"
	is "list as the user, root's envelope: exit 77" "$?" 77
	ok "list names the unreadable message" \
	    grep -q "^$id? unreadable: open env/$id: Permission denied" "$T/list"
	ok "list still shows the readable message" grep -q "^$id2 " "$T/list"
	ok "list total counts the unreadable message" \
	    grep -q "^-- 1 Kbytes in 1 Request, 1 unreadable.$" "$T/list"
	as_nobody stats >"$T/stats" 2>"$T/err"
	is "stats as the user, root's envelope: exit 77" "$?" 77
	ok "stats counts the unreadable message" grep -q "^unreadable 1$" "$T/stats"
	ok "stats names the unreadable message" grep -q "queue_id=$id unreadable" "$T/err"
	as_nobody show "$id" >/dev/null 2>&1
	is "show as the user, root's envelope: exit 77" "$?" 77
else
	skip "list as the queue user" "setpriv not installed"
fi

# Everything in the queue is taken over: tmp/, corrupt/, lock/ and other
# state, but no file outside the queue through a link.
mkdir -p "$Q/corrupt" "$Q/lock"
echo leftover >"$Q/tmp/leftover"
echo corrupt >"$Q/corrupt/0000000000000000.env"
: >"$Q/lock/example.net.0"
chown root:root "$Q/tmp/leftover" "$Q/corrupt" "$Q/corrupt/0000000000000000.env" \
    "$Q/lock" "$Q/lock/example.net.0" "$(env_file "$id")" "$(msg_file "$id")"
echo secret >"$T/outside-hard"
echo secret >"$T/outside-soft"
chmod 600 "$T/outside-hard" "$T/outside-soft"
ln "$T/outside-hard" "$Q/tmp/hardlink"
ln -s "$T/outside-soft" "$Q/tmp/symlink"
kq run 2>"$T/err"
is "run with root's files in every directory: exit 0" "$?" 0
is "root's message delivered after takeover" "$(sent_count "carol@t1.test")" 1
is "tmp/ file given to the user" "$(stat -c %U "$Q/tmp/leftover")" nobody
is "corrupt/ given to the user" "$(stat -c %U "$Q/corrupt")" nobody
is "corrupt/ file given to the user" \
    "$(stat -c %U "$Q/corrupt/0000000000000000.env")" nobody
is "lock/ file given to the user" "$(stat -c %U "$Q/lock/example.net.0")" nobody
is "hard link target outside the queue kept" "$(stat -c %U "$T/outside-hard")" root
ok "hard link skipped with a warning" \
    grep -q "tmp/hardlink to uid [0-9]* skipped: has more than one hard link" "$T/err"
is "symlink target outside the queue kept" "$(stat -c %U "$T/outside-soft")" root
done_testing
