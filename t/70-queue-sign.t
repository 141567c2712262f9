#!/bin/sh
# [queue] sign = yes: add runs kmta-sign over each message before storing
# it, after -t has removed Bcc; a kmta-sign failure rejects the message
# with kmta-sign's exit status and stores nothing.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

[ -x "$KMTA_BIN/kmta-sign" ] || skip_all "kmta-sign not built in $KMTA_BIN"
command -v openssl >/dev/null || skip_all "openssl not installed"

openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
chmod 600 "$T/ed.pem"
[ -n "$QUEUE_USER" ] && chown "$QUEUE_USER" "$T/ed.pem"
pub=$(openssl pkey -in "$T/ed.pem" -pubout -outform DER | tail -c 32 |
    base64 -w0)
echo "q1._domainkey.example.com v=DKIM1; k=ed25519; p=$pub" >"$T/keys"
write_conf "sign = yes"
cat >>"$CONF" <<CONF
[dkim "example.com"]
selector = q1
algo = ed25519
key = $T/ed.pem
CONF

id=$(message signed | kq add -f app@example.com rcpt@example.net 2>"$T/err")
is "signed add exits 0" "$?" 0
ok "stored message carries a DKIM-Signature" \
    grep -q "^DKIM-Signature: .*d=example.com" "$(msg_file "$id")"
"$KMTA_BIN/kmta-sign" verify --keys "$T/keys" <"$(msg_file "$id")" >"$T/verify"
ok "stored signature verifies" grep -q "dkim=pass" "$T/verify"
is "envelope size is the signed size" "$(envelope_field "$id" size)" \
    "$(wc -c <"$(msg_file "$id")" | tr -d ' ')"

printf 'From: app@example.com\nTo: a@example.net\nBcc: secret@example.net\nSubject: t\n\nbody\n' |
    kq add -t >"$T/id" 2>/dev/null
id=$(cat "$T/id")
ok "-t message signed" grep -q "^DKIM-Signature:" "$(msg_file "$id")"
ok "-t message stored without Bcc" sh -c "! grep -qi '^Bcc:' '$(msg_file "$id")'"
"$KMTA_BIN/kmta-sign" verify --keys "$T/keys" <"$(msg_file "$id")" >"$T/verify"
ok "signature made after Bcc removal verifies" grep -q "dkim=pass" \
    "$T/verify"

# A key kmta-sign cannot read: the message is rejected, nothing stored.
before=$(ls "$Q/msg" | wc -l)
sed -i "s|^key = .*|key = $T/missing.pem|" "$CONF"
message unsigned | kq add -f app@example.com rcpt@example.net \
    >"$T/out" 2>"$T/err"
status=$?
ok "kmta-sign failure fails the add" test "$status" -ne 0
ok "failure names kmta-sign" grep -q "sign: .*kmta-sign exited with status" \
    "$T/err"
is "failed signing prints no id" "$(cat "$T/out")" ""
is "failed signing stores nothing" "$(ls "$Q/msg" | wc -l)" "$before"
is "failed signing leaves no temporary file" "$(ls "$Q/tmp" | wc -l)" 0
done_testing
