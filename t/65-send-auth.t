#!/bin/sh
# SMTP AUTH in kmta-send: PLAIN and LOGIN inside verified TLS, a rejected
# password, no AUTH without verified TLS unless the config allows it, no
# AUTH when the server offers it only before STARTTLS, and the password
# never in the output or the log.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools

T=$ST_TMP
printf 'From: a@example.org\nSubject: auth\n\nauthenticated\n' >"$T/msg"
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" smtp localhost IP:127.0.0.1
password='s3cret-Pa55'
printf '%s' "$password" >"$T/password"
chmod 600 "$T/password"
cert="--tls-cert $T/ca/smtp.pem --tls-key $T/ca/smtp.key"

# conf FILE PORT LEVEL [EXTRA]: relay with credentials from a key source.
conf() {
	cat >"$1" <<CONF
[send]
ca_file = $T/ca/ca.pem
command_timeout = 20
[domain "*"]
relay = localhost:$2
tls = $3
auth_username = relay-user
auth_password = file:$T/password
${4:-}
CONF
}

# The password and its base64 forms must appear nowhere we print.
secret_absent() {
	b64=$(printf '%s' "$password" | base64)
	plain=$(printf '\0relay-user\0%s' "$password" | base64)
	! grep -q -e "$password" -e "$b64" -e "$plain" "$T/out" "$T/err"
}

# shellcheck disable=SC2086
smtpd_start plain $cert --auth "relay-user:$password"
conf "$T/plain.conf" "$SMTPD_PORT" verify
send_run -v -c "$T/plain.conf" -f a@example.org b@example.net
is "AUTH PLAIN: exit 0" "$RC" 0
ok "AUTH PLAIN: server saw the user" grep -q '"auth": "relay-user"' \
    "$T/plain.mail/0001.json"
ok "AUTH PLAIN: command logged without credentials" grep -q \
    '>>> AUTH PLAIN (credentials hidden)' "$T/err"
ok "AUTH PLAIN: password not printed" secret_absent

# shellcheck disable=SC2086
smtpd_start login $cert --auth "relay-user:$password" --auth-offer LOGIN
conf "$T/login.conf" "$SMTPD_PORT" verify
send_run -v -c "$T/login.conf" -f a@example.org b@example.net
is "AUTH LOGIN: exit 0" "$RC" 0
ok "AUTH LOGIN: server saw the user" grep -q '"auth": "relay-user"' \
    "$T/login.mail/0001.json"
ok "AUTH LOGIN: password not printed" secret_absent

# shellcheck disable=SC2086
smtpd_start wrong $cert --auth "relay-user:another-password"
conf "$T/wrong.conf" "$SMTPD_PORT" verify
send_run -v -c "$T/wrong.conf" -f a@example.org b@example.net
is "wrong password: exit 75" "$RC" 75
is "wrong password: deferred" "$(result_field b@example.net 1)" deferred
is "wrong password: code" "$(result_field b@example.net 4)" 535
is "wrong password: nothing stored" "$(mail_count wrong)" 0
ok "wrong password: password not printed" secret_absent

conf "$T/opp.conf" "$SMTPD_PORT" opportunistic
send_run -c "$T/opp.conf" -f a@example.org b@example.net
is "AUTH without verify: exit 77" "$RC" 77
is "AUTH without verify: deferred" "$(result_field b@example.net 1)" deferred
ok "AUTH without verify: says how to fix" grep -q 'set tls = verify' \
    "$T/out"

# shellcheck disable=SC2086
smtpd_start clear --auth "relay-user:$password" --auth-plaintext
conf "$T/clear.conf" "$SMTPD_PORT" disabled "auth_allow_unverified = yes"
send_run -c "$T/clear.conf" -f a@example.org b@example.net
is "AUTH in the clear when allowed: exit 0" "$RC" 0
ok "AUTH in the clear when allowed: authenticated" \
    grep -q '"auth": "relay-user"' "$T/clear.mail/0001.json"

# shellcheck disable=SC2086
smtpd_start before $cert --auth "relay-user:$password" --auth-plaintext \
    --ehlo-drop-in-tls AUTH
conf "$T/before.conf" "$SMTPD_PORT" verify
send_run -v -c "$T/before.conf" -f a@example.org b@example.net
is "AUTH only before TLS: exit 75" "$RC" 75
ok "AUTH only before TLS: credentials never sent" sh -c \
    "! grep -q '>>> AUTH' '$T/err'"
is "AUTH only before TLS: nothing stored" "$(mail_count before)" 0
ok "AUTH only before TLS: log has the TLS version" grep -q \
    'to=<b@example.net> .* tls=TLSv1[.0-9]* cipher=.* status=deferred' "$T/err"

sed 's/auth_password = .*/auth_password = env:KMTA_TEST_NO_SUCH_VAR/' \
    "$T/plain.conf" >"$T/missing.conf"
send_run -c "$T/missing.conf" -f a@example.org b@example.net
is "missing password source: exit 75" "$RC" 75
ok "missing password source: names the key" grep -q 'auth_password' \
    "$T/out"

done_testing
