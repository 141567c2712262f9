#!/bin/sh
# kmta-queue run with the fake kmta-send: per-recipient results, retry of
# deferred recipients only, backoff, expiry and RFC 3464 bounces, and the
# commands that list and change the queue. KMTA_NOW sets the clock.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

t0=1800000000
at() {
	KMTA_NOW=$1
	shift
	KMTA_NOW=$KMTA_NOW "$@"
}

cat >"$FAKE_SEND_SCRIPT" <<'SCRIPT'
later@example.net deferred 451 4.7.1 greylisted, try again later
bad@example.net failed 550 5.1.1 no such user
SCRIPT
chmod 644 "$FAKE_SEND_SCRIPT"

id=$(message first | at $t0 kq add -f app@example.com ok@example.net \
    later@example.net bad@example.net 2>/dev/null)
at $t0 kq run 2>"$T/err"
is "run exits 0 with a deferral" "$?" 0
is "delivered recipient recorded" "$(rcpt_state "$id" ok@example.net)" \
    delivered
is "deferred recipient recorded" "$(rcpt_state "$id" later@example.net)" \
    deferred
is "failed recipient bounced at once" "$(rcpt_state "$id" bad@example.net)" \
    bounced
is "next attempt after min_backoff" "$(envelope_field "$id" next)" \
    $((t0 + 300))
is "message attempts counted" "$(envelope_field "$id" attempts)" 1
ok "reply text kept" grep -q "greylisted, try again later" "$(env_file "$id")"
ok "delivery logged key=value" grep -q \
    "queue_id=$id to=<later@example.net> relay=mx.test\[127.0.0.1\]:25 attempts=1 status=deferred reply=\"451 4.7.1 greylisted" \
    "$T/err"

# The 550 is reported to the sender at once, not when the retries end.
bounce=$(queued_ids | grep -v "^$id\$")
ok "one bounce queued in the same run" \
    test -n "$bounce" -a "$(queued_ids | wc -l)" -eq 2
ok "bounce logged" grep -q "queue_id=$id bounce queued as $bounce" "$T/err"
is "bounce has the null sender" "$(envelope_field "$bounce" sender)" ""
is "bounce goes to the sender" "$(rcpt_state "$bounce" app@example.com)" \
    queued
b="$(msg_file "$bounce")"
ok "bounce is a multipart/report" grep -q \
    "Content-Type: multipart/report; report-type=delivery-status" "$b"
ok "bounce names the failed recipient" \
    grep -q "^Final-Recipient: rfc822; bad@example.net" "$b"
ok "bounce has Action: failed" grep -q "^Action: failed" "$b"
ok "bounce has the enhanced status" grep -q "^Status: 5.1.1" "$b"
ok "bounce has the SMTP diagnostic" \
    grep -q "^Diagnostic-Code: smtp; 550 no such user" "$b"
ok "bounce carries the original header" \
    grep -q "^Message-ID: <first@example.com>" "$b"
ok "bounce omits delivered recipients" \
    sh -c "! grep -q 'Final-Recipient: rfc822; ok@' '$b'"
ok "bounce omits deferred recipients" \
    sh -c "! grep -q 'Final-Recipient: rfc822; later@' '$b'"
ok "bounce text gives the SMTP reply" grep -q \
    "^<bad@example.net>: mx.test\[127.0.0.1\]:25 said: 550 5.1.1 no such user$" "$b"
ok "Reporting-MTA is the host name" \
    grep -q "^Reporting-MTA: dns; $(hostname)$" "$b"
if /usr/bin/python3 -c 'import email' 2>/dev/null; then
	ok "bounce parses as a DSN" /usr/bin/python3 -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = [p.get_content_type() for p in m.walk()]
assert m.get_content_type() == "multipart/report", parts
assert "message/delivery-status" in parts, parts
assert "text/rfc822-headers" in parts, parts
' "$b"
else
	skip "bounce parses as a DSN" "python3 email module missing"
fi

at $((t0 + 299)) kq run 2>/dev/null
is "not retried before its backoff" "$(sent_count later@example.net)" 1
ok "bounce delivered with the null sender" \
    grep -q "^delivered <> app@example.com" "$FAKE_SEND_LOG"

at $((t0 + 300)) kq run 2>/dev/null
is "deferred recipient retried" "$(sent_count later@example.net)" 2
is "delivered recipient not sent again" "$(sent_count ok@example.net)" 1
is "failed recipient not sent again" "$(sent_count bad@example.net)" 1
is "backoff doubles" "$(envelope_field "$id" next)" $((t0 + 300 + 600))

# Now the greylisting passes: the message is done, and bad@ is not
# reported a second time.
: >"$FAKE_SEND_SCRIPT"
at $((t0 + 900)) kq run 2>"$T/err"
is "last recipient delivered on retry" "$(sent_count "delivered .*later@")" 1
ok "finished message removed" test ! -e "$(env_file "$id")"
ok "finished message file removed" test ! -e "$(msg_file "$id")"
is "no second bounce" "$(queued_ids | wc -l)" 0
is "one bounce in all" "$(grep -c "^delivered <> app@example.com" \
    "$FAKE_SEND_LOG")" 1


# A null-sender message is never bounced.
echo "bad@example.net failed 550 5.1.1 no such user" >"$FAKE_SEND_SCRIPT"
message nullsender | at $t0 kq add -f '<>' bad@example.net >/dev/null 2>&1
at $t0 kq run 2>"$T/err"
is "failed null-sender message leaves no bounce" "$(queued_ids | wc -l)" 0
ok "no bounce logged with the reason" \
    grep -q "no bounce for the failed recipients: the sender is null" "$T/err"
printf '%s\n' "bad@example.net failed 550 5.1.1 no such user" \
    "later@example.net deferred 451 4.7.1 later" >"$FAKE_SEND_SCRIPT"
id=$(message nullsender2 | at $t0 kq add -f '<>' bad@example.net \
    later@example.net 2>/dev/null)
at $t0 kq run 2>/dev/null
is "null sender: failed recipient stays failed" \
    "$(rcpt_state "$id" bad@example.net)" failed
is "null sender: no early bounce" "$(queued_ids | wc -l)" 1
kq delete "$id" 2>/dev/null

# Expiry: after max_age the pending recipients fail with 4.4.7.
write_conf "max_age = 1h" "max_backoff = 1000"
echo "slow@example.net deferred 421 4.4.2 connection timed out" \
    >"$FAKE_SEND_SCRIPT"
id=$(message slow | at $t0 kq add -f app@example.com slow@example.net \
    2>/dev/null)
for n in 0 300 900 1900; do
	at $((t0 + n)) kq run 2>/dev/null
done
is "backoff capped at max_backoff" "$(envelope_field "$id" next)" \
    $((t0 + 1900 + 1000))
at $((t0 + 3600)) kq run 2>"$T/err"
is "expired message not handed to kmta-send" "$(sent_count slow@)" 4
ok "expired message removed" test ! -e "$(env_file "$id")"
bounce=$(queued_ids)
ok "expiry bounce has status 4.4.7" grep -q "^Status: 4.4.7" \
    "$(msg_file "$bounce")"
ok "expiry bounce quotes the last reply and its host" grep -q \
    "^<slow@example.net>: message expired: not delivered within 1 hour (max_age); last reply from mx.test\[127.0.0.1\]:25: 421 4.4.2 connection timed out$" \
    "$(msg_file "$bounce")"
ok "expiry is not reported as the server's words" \
    sh -c "! grep -q 'said:' '$(msg_file "$bounce")'"
ok "expiry logged with age and limit" \
    grep -q "queue_id=$id expired: 3600s in the queue, max_age 3600s" "$T/err"
kq delete "$bounce" 2>/dev/null

# Delay warning: one DSN with Action: delayed once a message has waited
# delay_warning, and the message stays queued.
write_conf "max_age = 1d" "delay_warning = 2h"
echo "slow@example.net deferred 451 4.4.1 no answer from host" \
    >"$FAKE_SEND_SCRIPT"
id=$(message delayed | at $t0 kq add -f app@example.com slow@example.net \
    2>/dev/null)
at $t0 kq run 2>/dev/null
is "no delay warning before delay_warning" "$(queued_ids | wc -l)" 1
at $((t0 + 7200)) kq run 2>"$T/err"
ok "delay warning counted apart from bounces" \
    grep -q "run done: .* bounces=0 warnings=1 " "$T/err"
warning=$(queued_ids | grep -v "^$id$")
ok "delay warning queued" test -n "$warning"
ok "delay warning logged" grep -q "queue_id=$id delay warning queued" \
    "$T/err"
is "delay warning has the null sender" \
    "$(envelope_field "$warning" sender)" ""
ok "delay warning has Action: delayed" grep -q "^Action: delayed" \
    "$(msg_file "$warning")"
ok "delay warning has Will-Retry-Until" grep -q "^Will-Retry-Until: " \
    "$(msg_file "$warning")"
ok "delay warning subject" grep -q "^Subject: Delayed Mail" \
    "$(msg_file "$warning")"
is "delayed message stays queued" "$(rcpt_state "$id" slow@example.net)" \
    deferred
is "warned flag saved" "$(envelope_field "$id" warned)" 1
kq delete "$warning" 2>/dev/null
at $((t0 + 20000)) kq run 2>/dev/null
is "only one delay warning" "$(queued_ids | wc -l)" 1
kq delete "$id" 2>/dev/null
write_conf "max_age = 1h" "max_backoff = 1000"

# kmta-send that dies without a result line: the recipient is deferred.
echo "lost@example.net none - -" >"$FAKE_SEND_SCRIPT"
id=$(message lost | at $t0 kq add -f app@example.com lost@example.net \
    2>/dev/null)
at $t0 kq run 2>/dev/null
is "recipient without result deferred" \
    "$(rcpt_state "$id" lost@example.net)" deferred
ok "missing result explained" grep -q "kmta-send exited with status 75, no result" \
    "$(env_file "$id")"

# hold, release, flush, bounce, delete, show, list, stats.
kq hold "$id" 2>/dev/null
is "hold sets the flag" "$(envelope_field "$id" hold)" 1
at $((t0 + 99999)) kq flush 2>/dev/null
is "held message not delivered, even by flush" "$(sent_count lost@)" 0
kq list >"$T/list"
ok "list marks a held message with !" grep -q "^$id!" "$T/list"
kq release "$id" 2>/dev/null
is "release clears the flag" "$(envelope_field "$id" hold)" 0
is "release makes it due now" "$(envelope_field "$id" next)" 0
: >"$FAKE_SEND_SCRIPT"
echo "lost@example.net deferred 451 4.3.0 later" >"$FAKE_SEND_SCRIPT"
at $t0 kq run 2>/dev/null
at $t0 kq flush 2>/dev/null
is "flush retries before the backoff ends" \
    "$(grep -c 'deferred app@example.com lost@' "$FAKE_SEND_LOG")" 2

kq list >"$T/list"
ok "list shows the id, size and sender" \
    grep -Eq "^$id +[0-9]+ .* app@example.com$" "$T/list"
ok "list shows the recipient, state and reply" \
    grep -q "lost@example.net  deferred (attempts 3): mx.test\[127.0.0.1\]:25 451 4.3.0 later" \
    "$T/list"
ok "list ends with a total" grep -q "^-- 1 Kbytes in 1 Request.$" "$T/list"
kq list --json >"$T/json"
ok "list --json is valid JSON with the recipient state" /usr/bin/python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert q[0]["id"] == sys.argv[2], q
assert q[0]["recipients"][0]["state"] == "deferred", q
assert q[0]["recipients"][0]["enhanced_status"] == "4.3.0", q
' "$T/json" "$id"
kq show "$id" >"$T/show"
ok "show prints the message" grep -q "^Subject: lost" "$T/show"
kq stats >"$T/stats"
ok "stats counts deferred recipients" \
    grep -q "^recipients_deferred 1$" "$T/stats"
ok "stats counts by destination domain" \
    grep -q "^pending_domain example.net 1$" "$T/stats"

kq bounce "$id" 2>/dev/null
ok "bounce command removes the message" test ! -e "$(env_file "$id")"
bounce=$(queued_ids)
ok "bounce command queues a DSN" grep -q "^Status: 5.0.0" "$(msg_file "$bounce")"
kq delete "$bounce" 2>/dev/null
is "delete removes without a bounce" "$(queued_ids | wc -l)" 0
kq delete "$bounce" 2>"$T/err"
is "delete of a missing id: exit 66" "$?" 66
kq show ../etc 2>/dev/null
is "show rejects a path as id: exit 64" "$?" 64
kq list >"$T/list"
is "empty queue listed" "$(cat "$T/list")" "Mail queue is empty"
# An envelope that cannot be read: the run reports it once and moves the
# message to corrupt/, and later runs go on without it.
id=$(message corrupt | kq add -f app@example.com rcpt@example.net \
    2>/dev/null)
printf 'kmta-envelope 1\nid\t%s\n' "$id" >"$(env_file "$id")"
kq run 2>"$T/err"
is "run with a cut envelope: exit 65" "$?" 65
ok "cut envelope reported with its id" \
    grep -q "queue_id=$id moved to corrupt/: .*envelope incomplete" "$T/err"
ok "cut envelope moved aside" test -f "$Q/corrupt/$id.env"
ok "its message moved aside" test -f "$Q/corrupt/$id.msg"
kq run 2>/dev/null
is "next run no longer fails" "$?" 0

# With [send] helo_name, bounces name this host as kmta-send greets.
write_conf "[send]" "helo_name = mail.example.org"
echo "bad@example.net failed 550 5.1.1 no such user" >"$FAKE_SEND_SCRIPT"
id=$(message named | kq add -f app@example.com bad@example.net 2>/dev/null)
kq run 2>/dev/null
b="$(msg_file "$(queued_ids | head -n 1)")"
ok "helo_name: Reporting-MTA" \
    grep -q "^Reporting-MTA: dns; mail.example.org$" "$b"
ok "helo_name: MAILER-DAEMON address" \
    grep -q "^From: Mail Delivery System <MAILER-DAEMON@mail.example.org>$" "$b"
: >"$FAKE_SEND_SCRIPT"
kq run 2>/dev/null
write_conf

# -j 2 with fewer due messages than a batch still shares them: each
# runner takes half, so two kmta-send runs deliver them.
cat >"$T/counting-send" <<EOF2
#!/bin/sh
cat >"$T/lists/\$\$"
wc -l <"$T/lists/\$\$" >>"$T/send-runs"
exec "$KMTA_SEND" "\$@" <"$T/lists/\$\$"
EOF2
chmod 755 "$T/counting-send"
mkdir "$T/lists"
chmod 777 "$T/lists"
: >"$T/send-runs"
chmod 666 "$T/send-runs"
for n in 1 2 3 4 5 6 7 8 9 10; do
	message "share-$n" | kq add -f app@example.com "r$n@example.net" \
	    >/dev/null 2>&1
done
KMTA_SEND="$T/counting-send" kq run -j 2 2>/dev/null
is "run -j 2 with 10 messages: exit 0" "$?" 0
is "run -j 2: the queue is empty" "$(queued_ids | wc -l)" 0
is "run -j 2: two kmta-send runs share 10 messages" \
    "$(wc -l <"$T/send-runs" | tr -d ' ')" 2
is "run -j 2: each run has half" "$(sort -u "$T/send-runs" | tr -d ' ')" 5

kq run --loop 0 2>/dev/null
is "run --loop 0: exit 64" "$?" 64
kq run -j 0 2>/dev/null
is "run -j 0: exit 64" "$?" 64
done_testing
