#!/bin/sh
# kmta-queue run with the real kmta-send, delivering to a storing SMTP
# server on loopback: per-recipient results from real SMTP replies, retry,
# and a bounce that travels with the null sender.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

[ -x "$KMTA_BIN/kmta-send" ] || skip_all "kmta-send not built in $KMTA_BIN"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip_all "Debian's python3-aiosmtpd is not installed"
unset KMTA_SEND

smtpd_start mx --rcpt-reply 'later@example.net=451 4.3.0 try again later' \
    --rcpt-reply 'bad@example.net=550 5.1.1 no such user' ||
    skip_all "smtpd.py did not start"
write_conf "max_age = 1h"
cat >>"$CONF" <<CONF
[domain "*"]
relay = 127.0.0.1:$SMTPD_PORT
tls = disabled
CONF

t0=$(date +%s)
message single >"$T/single.eml"
id1=$(kq add -f app@example.com one@example.net <"$T/single.eml" 2>/dev/null)
id2=$(message mixed | kq add -f app@example.com ok@example.net \
    later@example.net bad@example.net 2>/dev/null)
KMTA_NOW=$t0 kq run 2>"$T/err"
is "run exits 0" "$?" 0
is "server stored two messages" "$(mail_count mx)" 2
ok "single message delivered and removed" test ! -e "$(env_file "$id1")"
tr -d '\r' <"$T/mx.mail/0001.eml" >"$T/got.eml"
ok "stored message is the queued one" cmp -s "$T/single.eml" "$T/got.eml"
is "250 recipient delivered" "$(rcpt_state "$id2" ok@example.net)" delivered
is "451 recipient deferred" "$(rcpt_state "$id2" later@example.net)" deferred
is "550 recipient bounced at once" "$(rcpt_state "$id2" bad@example.net)" \
    bounced
is "its bounce queued in the same run" "$(queued_ids | wc -l)" 2
ok "real reply text recorded" grep -q "try again later" "$(env_file "$id2")"
ok "answering host recorded" \
    grep -q "127.0.0.1\[127.0.0.1\]:$SMTPD_PORT" "$(env_file "$id2")"
ok "server got the right envelope" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["mail_from"] == "app@example.com", m
assert m["rcpt_tos"] == ["ok@example.net"], m
' "$T/mx.mail/0002.json"

KMTA_NOW=$((t0 + 300)) kq run 2>/dev/null
is "retry sends only the early bounce" "$(mail_count mx)" 3
ok "early bounce sent with the null sender to the sender" \
    /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["mail_from"] == "<>", m
assert m["rcpt_tos"] == ["app@example.com"], m
' "$T/mx.mail/0003.json"
ok "early bounce reports the 550 recipient" \
    grep -q 'Final-Recipient: rfc822; bad@example.net' "$T/mx.mail/0003.eml"
ok "early bounce leaves out the deferred one" \
    sh -c "! grep -q 'Final-Recipient: rfc822; later@' '$T/mx.mail/0003.eml'"
is "retried recipient still deferred" \
    "$(rcpt_state "$id2" later@example.net)" deferred
is "retry counted for that recipient" "$(awk -F '\t' \
    '$5 == "later@example.net" { print $3 }' "$(env_file "$id2")")" 2
is "delivered recipient not retried" "$(awk -F '\t' \
    '$5 == "ok@example.net" { print $3 }' "$(env_file "$id2")")" 1

# Past max_age, the deferred recipient bounces too, and the next run
# delivers that bounce with MAIL FROM:<>.
KMTA_NOW=$((t0 + 3600)) kq run 2>/dev/null
ok "expired message removed" test ! -e "$(env_file "$id2")"
KMTA_NOW=$((t0 + 3600)) kq run 2>/dev/null
is "bounce delivered" "$(mail_count mx)" 4
ok "bounce sent with the null sender to the sender" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["mail_from"] == "<>", m
assert m["rcpt_tos"] == ["app@example.com"], m
' "$T/mx.mail/0004.json"
ok "final bounce reports the expired recipient" \
    grep -q 'Final-Recipient: rfc822; later@example.net' "$T/mx.mail/0004.eml"
ok "final bounce leaves out the reported one" \
    sh -c "! grep -q 'Final-Recipient: rfc822; bad@' '$T/mx.mail/0004.eml'"
is "queue empty" "$(queued_ids | wc -l)" 0

# Batches: one kmta-send --batch per destination domain, whatever the
# number of messages, so they can share a connection.
cat >"$T/counting-send" <<EOF2
#!/bin/sh
echo "\$*" >>"$T/invocations"
exec "$KMTA_BIN/kmta-send" "\$@"
EOF2
chmod 755 "$T/counting-send"
: >"$T/invocations"
chmod 666 "$T/invocations"
for n in 1 2 3; do
	message "batch-$n" | kq add -f app@example.com "r$n@example.net" \
	    >/dev/null 2>&1
done
message batch-4 | kq add -f app@example.com r4@example.org >/dev/null 2>&1
KMTA_SEND="$T/counting-send" kq run 2>/dev/null
is "four messages, two domains: two kmta-send runs" \
    "$(wc -l <"$T/invocations" | tr -d ' ')" 2
ok "kmta-send runs in batch mode" grep -q -- "--batch" "$T/invocations"
is "all four delivered" "$(mail_count mx)" 8
is "queue empty after the batch" "$(queued_ids | wc -l)" 0
done_testing
