#!/bin/sh
# kmta-send against a real SMTP server on loopback (aiosmtpd, t/lib/smtpd.py):
# result lines, exit status, CRLF and dot stuffing, per-recipient replies,
# refused and slow servers, SIZE, 8BITMIME, SMTPUTF8, PIPELINING, batches.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools

T=$ST_TMP
printf 'From: a@example.org\nTo: b@example.net\nSubject: test\n\nhello\n' \
    >"$T/msg"

# relay_conf FILE PORT [TLS]: everything goes to 127.0.0.1:PORT.
relay_conf() {
	cat >"$1" <<CONF
[send]
helo_name = client.test
command_timeout = ${TIMEOUT:-20}
[domain "*"]
relay = 127.0.0.1:$2
tls = ${3:-opportunistic}
CONF
}

# --- plain delivery, the result line and the stored message -----------
smtpd_start plain --rcpt-reply 'bad@example.net=550 5.1.1 no such user' \
    --rcpt-reply 'later@example.net=451 4.3.0 try again later'
relay_conf "$T/plain.conf" "$SMTPD_PORT" disabled
send_run -c "$T/plain.conf" -f a@example.org b@example.net
is "plain: exit 0" "$RC" 0
is "plain: outcome" "$(result_field b@example.net 1)" delivered
is "plain: msgref" "$(result_field b@example.net 2)" -
is "plain: code" "$(result_field b@example.net 4)" 250
is "plain: enhanced code" "$(result_field b@example.net 5)" 2.0.0
is "plain: host" "$(result_field b@example.net 6)" \
    "127.0.0.1[127.0.0.1]:$SMTPD_PORT"
ok "plain: seven non-empty fields" result_well_formed b@example.net
is "plain: one message stored" "$(mail_count plain)" 1
ok "plain: no TLS" grep -q '"tls": false' "$T/plain.mail/0001.json"
ok "plain: HELO name from [send]" grep -q '"helo": "client.test"' \
    "$T/plain.mail/0001.json"
ok "plain: log line names recipient and status" \
    grep -q 'to=<b@example.net> relay=127.0.0.1\[127.0.0.1\].*status=delivered' \
    "$T/err"

# --- LF input arrives as CRLF, lines starting with "." survive ---------
printf 'From: a@example.org\nSubject: dots\n\n.\n..two\n.one\nend\n' \
    >"$T/dots"
printf 'From: a@example.org\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.one\r\nend\r\n' \
    >"$T/dots.crlf"
MSG_IN=$T/dots send_run -c "$T/plain.conf" -f a@example.org b@example.net
is "dots: exit 0" "$RC" 0
ok "dots: stored bytes are the CRLF message" cmp -s "$T/dots.crlf" \
    "$T/plain.mail/0002.eml"

# --- -m FILE and the null sender ---------------------------------------
MSG_IN=/dev/null send_run -c "$T/plain.conf" -f '<>' -m "$T/msg" \
    b@example.net
is "null sender with -m: exit 0" "$RC" 0
ok "null sender: MAIL FROM:<>" grep -q '"mail_from": "<>"' \
    "$T/plain.mail/0003.json"

# --- 4xx and 5xx recipients in one message -----------------------------
send_run -c "$T/plain.conf" -f a@example.org b@example.net \
    bad@example.net later@example.net
is "mixed: exit 75" "$RC" 75
is "mixed: good one delivered" "$(result_field b@example.net 1)" delivered
is "mixed: 5xx failed" "$(result_field bad@example.net 1)" failed
is "mixed: 5xx code" "$(result_field bad@example.net 4)" 550
is "mixed: 5xx enhanced code" "$(result_field bad@example.net 5)" 5.1.1
is "mixed: 5xx text" "$(result_field bad@example.net 7)" "no such user"
is "mixed: 4xx deferred" "$(result_field later@example.net 1)" deferred
is "mixed: 4xx code" "$(result_field later@example.net 4)" 451
is "mixed: three lines" "$(wc -l <"$T/out" | tr -d ' ')" 3
send_run -c "$T/plain.conf" -f a@example.org bad@example.net
is "only 5xx: exit 69" "$RC" 69

# --- connection refused --------------------------------------------------
dead=$(free_port)
relay_conf "$T/dead.conf" "$dead"
send_run -c "$T/dead.conf" -f a@example.org b@example.net
is "refused: exit 75" "$RC" 75
is "refused: deferred" "$(result_field b@example.net 1)" deferred
is "refused: no reply code" "$(result_field b@example.net 4)" -
is "refused: host" "$(result_field b@example.net 6)" \
    "127.0.0.1[127.0.0.1]:$dead"
ok "refused: text says refused" sh -c \
    "grep -q 'Connection refused' '$T/out'"
ok "refused: seven non-empty fields" result_well_formed b@example.net

# --- a server slower than the command timeout --------------------------
smtpd_start slow --mail-delay 30
TIMEOUT=1 relay_conf "$T/slow.conf" "$SMTPD_PORT" disabled
send_run -c "$T/slow.conf" -f a@example.org b@example.net
is "slow: exit 75" "$RC" 75
is "slow: deferred" "$(result_field b@example.net 1)" deferred
ok "slow: text says timed out" grep -q 'timed out' "$T/out"
is "slow: nothing stored" "$(mail_count slow)" 0

# --- 4xx greeting --------------------------------------------------------
smtpd_start busy --greeting '421 4.3.2 too busy'
relay_conf "$T/busy.conf" "$SMTPD_PORT"
send_run -c "$T/busy.conf" -f a@example.org b@example.net
is "421 greeting: exit 75" "$RC" 75
is "421 greeting: code" "$(result_field b@example.net 4)" 421
is "421 greeting: text" "$(result_field b@example.net 7)" "too busy"

# --- a disconnect in the middle of DATA --------------------------------
smtpd_start drop --drop-in-data
relay_conf "$T/drop.conf" "$SMTPD_PORT" disabled
send_run -c "$T/drop.conf" -f a@example.org b@example.net
is "drop in DATA: exit 75" "$RC" 75
is "drop in DATA: deferred" "$(result_field b@example.net 1)" deferred
is "drop in DATA: nothing stored" "$(mail_count drop)" 0

# --- SIZE: too large for the server, refused before MAIL ---------------
smtpd_start small --data-size-limit 40
relay_conf "$T/small.conf" "$SMTPD_PORT" disabled
send_run -v -c "$T/small.conf" -f a@example.org b@example.net
is "SIZE: exit 69" "$RC" 69
is "SIZE: enhanced code" "$(result_field b@example.net 5)" 5.3.4
is "SIZE: no reply code" "$(result_field b@example.net 4)" -
ok "SIZE: no MAIL sent" sh -c "! grep -q '>>> MAIL' '$T/err'"

# --- 8BITMIME ------------------------------------------------------------
printf 'From: a@example.org\nSubject: 8bit\n\ncaf\303\251\n' >"$T/8bit"
MSG_IN=$T/8bit send_run -c "$T/plain.conf" -f a@example.org b@example.net
is "8BITMIME offered: exit 0" "$RC" 0
ok "8BITMIME offered: BODY=8BITMIME" grep -q 'BODY=8BITMIME' \
    "$T/plain.mail/0005.json"
smtpd_start seven --ehlo-drop 8BITMIME
relay_conf "$T/seven.conf" "$SMTPD_PORT" disabled
MSG_IN=$T/8bit send_run -c "$T/seven.conf" -f a@example.org b@example.net
is "no 8BITMIME: exit 69" "$RC" 69
is "no 8BITMIME: enhanced code" "$(result_field b@example.net 5)" 5.6.3
is "no 8BITMIME: nothing stored" "$(mail_count seven)" 0
send_run -c "$T/seven.conf" -f a@example.org b@example.net
is "no 8BITMIME, 7-bit message: exit 0" "$RC" 0

# --- SMTPUTF8 ------------------------------------------------------------
utf8=$(printf 'j\303\266rg@example.net')
send_run -c "$T/plain.conf" -f a@example.org "$utf8"
is "SMTPUTF8 offered: exit 0" "$RC" 0
smtpd_start ascii --ehlo-drop SMTPUTF8
relay_conf "$T/ascii.conf" "$SMTPD_PORT" disabled
send_run -c "$T/ascii.conf" -f a@example.org "$utf8"
is "no SMTPUTF8: exit 69" "$RC" 69
is "no SMTPUTF8: enhanced code" "$(result_field "$utf8" 5)" 5.6.7

# A UTF-8 recipient at another domain does not need SMTPUTF8 here.
plain_port=$(sed -n 's/^relay = 127.0.0.1://p' "$T/plain.conf")
cat >"$T/split.conf" <<CONF
[send]
helo_name = client.test
command_timeout = ${TIMEOUT:-20}
[domain "example.net"]
relay = 127.0.0.1:$SMTPD_PORT
tls = disabled
[domain "example.com"]
relay = 127.0.0.1:$plain_port
tls = disabled
CONF
utf8_other=$(printf 'j\303\266rg@example.com')
send_run -c "$T/split.conf" -f a@example.org b@example.net "$utf8_other"
is "UTF-8 elsewhere: exit 0" "$RC" 0
is "UTF-8 elsewhere: ASCII recipient delivered" \
    "$(result_field b@example.net 1)" delivered
is "UTF-8 elsewhere: UTF-8 recipient delivered" \
    "$(result_field "$utf8_other" 1)" delivered
ok "UTF-8 elsewhere: no SMTPUTF8 to the ASCII server" \
    sh -c "test -f '$T/ascii.mail/0001.json' &&
    ! grep -q SMTPUTF8 '$T/ascii.mail/0001.json'"

# --- PIPELINING: commands go out before the replies come back ----------
smtpd_start pipe --ehlo-add PIPELINING
relay_conf "$T/pipe.conf" "$SMTPD_PORT" disabled
send_run -v -c "$T/pipe.conf" -f a@example.org b@example.net c@example.net
is "PIPELINING: exit 0" "$RC" 0
is "PIPELINING: two recipients stored" \
    "$(tr -d '\n' <"$T/pipe.mail/0001.json" | grep -o '@example.net' | wc -l |
    tr -d ' ')" 2
is "PIPELINING: DATA sent before the MAIL reply" "$(awk '
    />>> DATA/ && !seen { print "before"; exit }
    /<<< 250 OK/ { seen = 1 }' "$T/err")" before

# --- batch: two messages over one connection, RSET between -------------
printf 'From: a@example.org\nSubject: two\n\nsecond\n' >"$T/msg2"
printf '%s\ta@example.org\tb@example.net\n%s\t<>\tc@example.net\tbad@example.net\n' \
    "$T/msg" "$T/msg2" >"$T/batch"
MSG_IN=$T/batch send_run -v -c "$T/plain.conf" --batch
is "batch: exit 69 (one failed, none deferred)" "$RC" 69
is "batch: msgref of first" "$(result_field b@example.net 2)" "$T/msg"
is "batch: msgref of second" "$(result_field c@example.net 2)" "$T/msg2"
is "batch: second delivered" "$(result_field c@example.net 1)" delivered
is "batch: failed recipient" "$(result_field bad@example.net 1)" failed
is "batch: one connection" "$(grep -c '>>> EHLO' "$T/err")" 1
is "batch: one RSET" "$(grep -c '>>> RSET' "$T/err")" 1
# A server that takes two messages per session: the rest of the batch
# goes over new connections.
smtpd_start limit --session-limit 2
relay_conf "$T/limit.conf" "$SMTPD_PORT" disabled
: >"$T/batch5"
for i in 1 2 3 4 5; do
	printf '%s\ta@example.org\tr%s@example.net\n' "$T/msg" "$i" >>"$T/batch5"
done
MSG_IN=$T/batch5 send_run -v -c "$T/limit.conf" --batch
is "batch over a session limit: exit 0" "$RC" 0
is "batch over a session limit: all stored" "$(mail_count limit)" 5
is "batch over a session limit: three connections" \
    "$(grep -c '>>> EHLO' "$T/err")" 3
printf '%s\n' "$T/msg" >"$T/badbatch"
MSG_IN=$T/badbatch send_run -c "$T/plain.conf" --batch
is "batch: malformed line is a usage error" "$RC" 64

# --- bad input -----------------------------------------------------------
send_run -c "$T/plain.conf" -f a@example.org
is "no recipient: exit 64" "$RC" 64
ok "no recipient: says so" grep -q 'missing recipient' "$T/err"
send_run -c "$T/plain.conf" b@example.net
is "no sender: exit 64" "$RC" 64
send_run -c "$T/plain.conf" -f 'a b@example.org' b@example.net
is "bad sender: exit 64" "$RC" 64
ok "bad sender: names the address" grep -q '"a b@example.org"' "$T/err"
send_run -c "$T/plain.conf" -f a@example.org nodomain
is "bad recipient: exit 64" "$RC" 64
send_run -c "$T/plain.conf" -4 -6 -f a@example.org b@example.net
is "-4 with -6: exit 64" "$RC" 64
ok "-4 with -6: says why" grep -q -- '-4 and -6 exclude each other' "$T/err"
send_run -c "$T/missing.conf" -f a@example.org b@example.net
is "missing config file: exit 66" "$RC" 66
send_run -c "$T/plain.conf" -f a@example.org -m "$T/missing" b@example.net
is "missing -m file: exit 66" "$RC" 66
ok "missing -m file: names it" grep -q "$T/missing" "$T/err"
MSG_IN=/dev/null send_run -c "$T/plain.conf" -f a@example.org b@example.net
is "empty message: exit 65" "$RC" 65
awk 'BEGIN { printf "From: a@example.org\n\n"; for (i = 0; i < 999; i++)
    printf "x"; printf "\n" }' >"$T/long"
sed 's/^\[send\]$/[send]\nlong_lines = reject/' "$T/plain.conf" \
    >"$T/reject.conf"
MSG_IN=$T/long send_run -c "$T/reject.conf" -f a@example.org b@example.net
is "999-octet line, reject: exit 65" "$RC" 65
ok "999-octet line, reject: says which line" grep -q \
    'line 3 is 999 octets' "$T/err"
is "bad input: nothing printed on stdout" "$OUT" ""

stored_before=$(mail_count plain)
MSG_IN=$T/long send_run -c "$T/plain.conf" -f a@example.org b@example.net
is "999-octet line, default send: exit 0" "$RC" 0
ok "999-octet line, default send: warned" grep -q \
    'line 3 is 999 octets.*sent unchanged' "$T/err"
last=$(printf '%04d' $((stored_before + 1)))
is "999-octet line, default send: line arrives whole" \
    "$(awk 'length($0) > 990 { print length($0) }' "$T/plain.mail/$last.eml" |
    tr -d '\r')" 1000
sed 's/^\[send\]$/[send]\nlong_lines = fold/' "$T/plain.conf" >"$T/fold.conf"
MSG_IN=$T/long send_run -c "$T/fold.conf" -f a@example.org b@example.net
is "999-octet line, fold: exit 0" "$RC" 0
last=$(printf '%04d' $((stored_before + 2)))
is "999-octet line, fold: no line over 998 octets" \
    "$(tr -d '\r' <"$T/plain.mail/$last.eml" | awk 'length($0) > 998' |
    wc -l | tr -d ' ')" 0
ok "999-octet line, fold: continuation starts with a space" \
    grep -q '^ x' "$T/plain.mail/$last.eml"
printf '[send]\nno_such_key = 1\n' >"$T/bad.conf"
send_run -c "$T/bad.conf" -f a@example.org b@example.net
is "unknown config key: exit 78" "$RC" 78
ok "unknown config key: names it" grep -q 'no_such_key' "$T/err"
send_run --help
is "--help: exit 0" "$RC" 0
ok "--help: prints usage" grep -q 'usage: kmta-send' "$T/out"
ok "--help: lists exit status 77" grep -q '^77 config or message file' "$T/out"
ok "--help: lists exit status 66 for the config" \
    grep -q '66 config or message file missing' "$T/out"

done_testing
