#!/bin/sh
# Submission by other users: a copy of kmta-queue made set-user-ID to the
# queue user lets any local user add mail (add and the sendmail
# personality) to the private queue, and nothing else. Such a run reads
# only the default config, so the test mounts a tmpfs on /etc/kmta in a
# private mount namespace that only its own commands see.
. "$KMTA_TOP/t/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_all "a set-user-ID copy needs root to make"
command -v unshare >/dev/null || skip_all "unshare missing (util-linux)"
command -v setpriv >/dev/null || skip_all "setpriv missing (util-linux)"
. "$KMTA_TOP/t/lib/queue.sh"

findmnt -n -o OPTIONS -T "$T" | grep -q nosuid &&
    skip_all "$T is mounted nosuid"

# /etc/kmta is the mount point; make it only when missing, and remove
# it again afterwards.
made_etc=
if [ ! -e /etc/kmta ]; then
	mkdir /etc/kmta && made_etc=1
fi
trap '[ -n "$made_etc" ] && rmdir /etc/kmta; queue_cleanup' EXIT

write_conf "local_domain = host.example"
mkdir "$T/bin" "$T/etc"
cp "$CONF" "$T/etc/kmta.conf"
cp "$KMTA_BIN/kmta-queue" "$T/bin/kmta-queue"
chown nobody "$T/bin/kmta-queue"
chmod 4755 "$T/bin/kmta-queue"
ln -s kmta-queue "$T/bin/sendmail"
ln -s kmta-queue "$T/bin/mailq"
install -d -o nobody -m 700 "$Q"

# as USER CMD...: CMD as USER (a name or a uid), with /etc/kmta/kmta.conf
# from $T/etc, in a mount namespace of its own.
as() {
	user=$1
	shift
	unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0755 kmta-test-etc /etc/kmta || exit 90
		cp "$1/kmta.conf" /etc/kmta/kmta.conf || exit 91
		user=$2
		shift 2
		exec setpriv --reuid="$user" --regid="$user" --clear-groups \
		    --inh-caps=-all "$@"' sh "$T/etc" "$user" "$@"
}

unshare --mount --propagation private true 2>/dev/null ||
    skip_all "unshare --mount failed (no mount namespaces here)"

message submitted >"$T/in.eml"
as daemon "$T/bin/kmta-queue" add -f app@example.com rcpt@example.net \
    <"$T/in.eml" >"$T/out" 2>"$T/err"
is "add by another user: exit 0" "$?" 0
id=$(cat "$T/out")
ok "add prints the queue id" test -n "$id"
ok "message stored in the queue" test -e "$(env_file "$id")"
is "stored file owned by the queue user" \
    "$(stat -c %U "$(msg_file "$id")")" nobody
ok "caller logged by uid and name" \
    grep -q "queue_id=$id uid=1 user=daemon submitted" "$T/err"
as daemon ls "$Q" >/dev/null 2>&1
listed=$?
ok "caller cannot list the queue directory" test "$listed" -ne 0

# Closed standard output and error are reopened on /dev/null, so no queue
# file takes their descriptors.
as daemon "$T/bin/kmta-queue" add -f app@example.com rcpt@example.net \
    <"$T/in.eml" >&- 2>&-
is "add with stdout and stderr closed: exit 0" "$?" 0
newest=$(queued_ids | tail -n 1)
ok "that message stored intact" cmp -s "$T/in.eml" "$(msg_file "$newest")"

# The sendmail personality, as cron and PHP call it; the default sender
# comes from the passwd entry, not from LOGNAME.
as daemon env LOGNAME=root "$T/bin/sendmail" -t -i <"$T/in.eml" \
    2>"$T/err"
is "sendmail -t by another user: exit 0" "$?" 0
id2=$(sed -n 's/.*queue_id=\([0-9A-F]*\) from=.*(sendmail).*/\1/p' "$T/err")
is "default sender from the passwd entry" \
    "$(envelope_field "$id2" sender)" "daemon@host.example"

# A uid without a passwd entry is named by its number.
as 4242 "$T/bin/sendmail" rcpt@example.net <"$T/in.eml" 2>"$T/err"
is "sendmail by a uid without a name: exit 0" "$?" 0
ok "nameless caller logged by uid" grep -q "uid=4242 user=uid4242" "$T/err"

# The caller's environment is cleared: KMTA_CONF and KMTA_NOW are ignored.
mkdir "$T/other"
chmod 777 "$T/other"
printf '[queue]\ndir = %s/other/queue\n' "$T" >"$T/other.conf"
chmod 644 "$T/other.conf"
as daemon env KMTA_CONF="$T/other.conf" KMTA_NOW=1000000000 \
    "$T/bin/kmta-queue" add -f app@example.com rcpt@example.net \
    <"$T/in.eml" >"$T/out" 2>/dev/null
is "add with KMTA_CONF set: exit 0" "$?" 0
id3=$(cat "$T/out")
ok "KMTA_CONF ignored" test -e "$(env_file "$id3")"
ok "no queue made from the caller's config" test ! -e "$T/other/queue"
ok "KMTA_NOW ignored" test "$(envelope_field "$id3" arrival)" -gt 1700000000

# Everything but add is refused with 77.
for cmd in "list" "run" "stats" "show $id" "delete $id" "flush"; do
	# shellcheck disable=SC2086
	as daemon "$T/bin/kmta-queue" $cmd >/dev/null 2>"$T/err"
	is "$cmd by another user: exit 77" "$?" 77
done
ok "refusal names the user" grep -q "not allowed for user daemon" "$T/err"
as daemon "$T/bin/kmta-queue" -c "$T/other.conf" add rcpt@example.net \
    <"$T/in.eml" >/dev/null 2>&1
is "-c by another user: exit 77" "$?" 77
as daemon "$T/bin/kmta-queue" -q "$T/other" add rcpt@example.net \
    <"$T/in.eml" >/dev/null 2>&1
is "-q by another user: exit 77" "$?" 77
as daemon "$T/bin/mailq" >/dev/null 2>&1
is "mailq by another user: exit 77" "$?" 77
as daemon "$T/bin/sendmail" -bp >/dev/null 2>&1
is "sendmail -bp by another user: exit 77" "$?" 77
as daemon "$T/bin/sendmail" -q >/dev/null 2>&1
is "sendmail -q by another user: exit 77" "$?" 77
as daemon "$T/bin/sendmail" -C "$T/other.conf" rcpt@example.net \
    <"$T/in.eml" >/dev/null 2>&1
is "sendmail -C by another user: exit 77" "$?" 77

# Root running the set-user-ID copy (from cron) keeps every command.
"$T/bin/kmta-queue" -c "$CONF" run 2>"$T/err"
is "run by root through the set-user-ID copy: exit 0" "$?" 0
is "submitted messages delivered" "$(sent_count "^delivered ")" 5
is "queue empty after the run" "$(queued_ids | wc -l)" 0
# A copy that is set-group-ID only restricts other users just the same.
mkdir "$T/sgid"
cp "$KMTA_BIN/kmta-queue" "$T/sgid/kmta-queue"
chgrp nogroup "$T/sgid/kmta-queue"
chmod 2755 "$T/sgid/kmta-queue"
as daemon "$T/sgid/kmta-queue" list >/dev/null 2>"$T/err"
is "list through a set-group-ID copy: exit 77" "$?" 77
ok "set-group-ID refusal names the user" \
    grep -q "list: not allowed for user daemon" "$T/err"

# A program next to kmta-queue is run for another user only where that
# user cannot have put it. Where fs.protected_hardlinks is 0, a user can
# hard-link the set-user-ID kmta-queue into a directory of their own, next
# to a kmta-sign of their own; the copy in a directory owned by daemon
# stands in for that link.
write_conf "local_domain = host.example" "sign = yes"
cp "$CONF" "$T/etc/kmta.conf"
install -d -o daemon -m 755 "$T/linked"
cp "$KMTA_BIN/kmta-queue" "$T/linked/kmta-queue"
chown nobody "$T/linked/kmta-queue"
chmod 4755 "$T/linked/kmta-queue"
install -d -m 1777 "$T/marks"
printf '#!/bin/sh\ntouch "%s/marks/ran"\ncat\n' "$T" >"$T/linked/kmta-sign"
chmod 755 "$T/linked/kmta-sign"
chown daemon "$T/linked/kmta-sign"
as daemon "$T/linked/kmta-queue" add -f app@example.com rcpt@example.net \
    <"$T/in.eml" >/dev/null 2>"$T/err"
ok "caller's kmta-sign not run" test ! -e "$T/marks/ran"
ok "warning names ignored kmta-sign" \
    grep -q "not running .*/linked/kmta-sign for another user's mail: .*/linked/kmta-sign: owned by uid 1" \
    "$T/err"

# Root runs it from there all the same.
"$T/linked/kmta-queue" -c "$CONF" add -f app@example.com rcpt@example.net \
    <"$T/in.eml" >/dev/null 2>"$T/err"
is "root's add through the same copy: exit 0" "$?" 0
ok "root's add runs sibling kmta-sign" test -e "$T/marks/ran"
done_testing
