#!/bin/sh
# Started as root, kmta-queue works as [queue] user; a runner without
# that setting, or with root or an unknown user in it, does not start.
. "$KMTA_TOP/t/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
. "$KMTA_TOP/t/lib/queue.sh"

id=$(message owned | kq add -f app@example.com rcpt@example.net 2>/dev/null)
is "queue directory owned by the user" "$(stat -c %U "$Q")" nobody
is "message owned by the user" "$(stat -c %U "$(msg_file "$id")")" nobody
is "envelope owned by the user" "$(stat -c %U "$(env_file "$id")")" nobody

cat >"$T/whoami-send" <<EOF2
#!/bin/sh
id -un >"$T/whoami"
exec "$KMTA_SEND" "\$@"
EOF2
chmod 755 "$T/whoami-send"
touch "$T/whoami"
chmod 666 "$T/whoami"
KMTA_SEND="$T/whoami-send" kq run 2>/dev/null
is "run as root delivers as the user" "$(cat "$T/whoami")" nobody
is "message delivered" "$(sent_count "<owned@")" 1

grep -v '^user' "$CONF" >"$T/nouser.conf"
message stays | kq add -f app@example.com rcpt@example.net >/dev/null 2>&1
"$KMTA_BIN/kmta-queue" -c "$T/nouser.conf" run 2>"$T/err"
is "run as root without [queue] user: exit 77" "$?" 77
ok "error says what to set" grep -q "set \[queue\] user" "$T/err"
"$KMTA_BIN/kmta-queue" -c "$T/nouser.conf" flush 2>/dev/null
is "flush as root without [queue] user: exit 77" "$?" 77
is "nothing delivered without [queue] user" "$(sent_count "<stays@")" 0

write_conf
sed -i 's/^user = .*/user = no-such-user-kmta/' "$CONF"
kq run 2>"$T/err"
is "unknown user: exit 78" "$?" 78
ok "unknown user named" grep -q "no-such-user-kmta: no such user" "$T/err"

sed -i 's/^user = .*/user = root/' "$CONF"
kq run 2>"$T/err"
is "user with uid 0: exit 78" "$?" 78
done_testing
