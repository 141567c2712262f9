#!/bin/sh
# kmta-send's TLS levels against servers on loopback with certificates from
# a test CA: verify passes with that CA and defers with another one, a
# missing STARTTLS defers at required and verify, injected bytes after the
# 220 to STARTTLS are discarded, and implicit TLS (RFC 8314) works.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools
command -v openssl >/dev/null || skip_all "openssl is not installed"

T=$ST_TMP
printf 'From: a@example.org\nSubject: tls\n\nsecret body\n' >"$T/msg"
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" smtp localhost IP:127.0.0.1
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" other mx.other.test
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca2" smtp localhost IP:127.0.0.1

# conf FILE PORT LEVEL [EXTRA]: relay to localhost:PORT, trusting $T/ca.
conf() {
	cat >"$1" <<CONF
[send]
ca_file = $T/ca/ca.pem
command_timeout = 20
[domain "*"]
relay = localhost:$2
tls = $3
${4:-}
CONF
}

tls_stored() {
	grep -q '"tls": true' "$T/$1.mail/$2.json"
}

smtpd_start good --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key"
good=$SMTPD_PORT
smtpd_start foreign --tls-cert "$T/ca2/smtp.pem" --tls-key "$T/ca2/smtp.key"
foreign=$SMTPD_PORT
smtpd_start wrongname --tls-cert "$T/ca/other.pem" --tls-key "$T/ca/other.key"
wrongname=$SMTPD_PORT
smtpd_start clear
clear=$SMTPD_PORT

# --- verify --------------------------------------------------------------
conf "$T/v.conf" "$good" verify
send_run -c "$T/v.conf" -f a@example.org b@example.net
is "verify, test CA: exit 0" "$RC" 0
ok "verify, test CA: sent inside TLS" tls_stored good 0001
ok "verify, test CA: log names TLS version and cipher" \
    grep -q 'tls=TLSv1\.[23] cipher=' "$T/err"

conf "$T/vf.conf" "$foreign" verify
send_run -c "$T/vf.conf" -f a@example.org b@example.net
is "verify, other CA: exit 75" "$RC" 75
is "verify, other CA: deferred" "$(result_field b@example.net 1)" deferred
is "verify, other CA: enhanced code" "$(result_field b@example.net 5)" 4.7.5
ok "verify, other CA: says why" grep -q 'certificate verification failed' \
    "$T/out"
is "verify, other CA: never sent in the clear" "$(mail_count foreign)" 0

conf "$T/vn.conf" "$wrongname" verify
send_run -c "$T/vn.conf" -f a@example.org b@example.net
is "verify, wrong host name: exit 75" "$RC" 75
is "verify, wrong host name: nothing sent" "$(mail_count wrongname)" 0

conf "$T/vc.conf" "$clear" verify
send_run -c "$T/vc.conf" -f a@example.org b@example.net
is "verify, no STARTTLS: exit 75" "$RC" 75
is "verify, no STARTTLS: enhanced code" "$(result_field b@example.net 5)" \
    4.7.4
is "verify, no STARTTLS: never sent in the clear" "$(mail_count clear)" 0

# --- required ------------------------------------------------------------
conf "$T/r.conf" "$foreign" required
send_run -c "$T/r.conf" -f a@example.org b@example.net
is "required, unchecked certificate: exit 0" "$RC" 0
ok "required: sent inside TLS" tls_stored foreign 0001
conf "$T/rc.conf" "$clear" required
send_run -c "$T/rc.conf" -f a@example.org b@example.net
is "required, no STARTTLS: exit 75" "$RC" 75
is "required, no STARTTLS: never sent in the clear" "$(mail_count clear)" 0

# --- opportunistic and disabled -----------------------------------------
conf "$T/o.conf" "$clear" opportunistic
send_run -c "$T/o.conf" -f a@example.org b@example.net
is "opportunistic, no STARTTLS: exit 0" "$RC" 0
ok "opportunistic, no STARTTLS: log says tls=none" grep -q 'tls=none' \
    "$T/err"
conf "$T/d.conf" "$good" disabled
send_run -c "$T/d.conf" -f a@example.org b@example.net
is "disabled: exit 0" "$RC" 0
ok "disabled: no TLS although offered" grep -q '"tls": false' \
    "$T/good.mail/0002.json"

# --- STARTTLS reply injection -------------------------------------------
smtpd_start inject --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --starttls-inject '250 2.0.0 injected'
conf "$T/i.conf" "$SMTPD_PORT" verify
send_run -v -c "$T/i.conf" -f a@example.org b@example.net
is "injection: exit 0" "$RC" 0
ok "injection: bytes before the handshake discarded" \
    grep -q 'discarded 20 bytes sent before the TLS handshake' "$T/err"
ok "injection: injected reply never read" sh -c \
    "! grep -q '<<< 250 2.0.0 injected' '$T/err'"
is "injection: message stored once" "$(mail_count inject)" 1

# --- implicit TLS (SMTPS) -----------------------------------------------
smtpd_start smtps --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --implicit-tls
conf "$T/s.conf" "$SMTPD_PORT" verify "implicit_tls = yes"
send_run -c "$T/s.conf" -f a@example.org b@example.net
is "implicit TLS: exit 0" "$RC" 0
ok "implicit TLS: sent inside TLS" tls_stored smtps 0001
conf "$T/sf.conf" "$foreign" verify "implicit_tls = yes"
send_run -c "$T/sf.conf" -f a@example.org b@example.net
is "implicit TLS to a STARTTLS server: exit 75" "$RC" 75

# --- a handshake that fails ---------------------------------------------
smtpd_start broken --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --tls-broken
conf "$T/bo.conf" "$SMTPD_PORT" opportunistic
send_run -c "$T/bo.conf" -f a@example.org b@example.net
is "opportunistic, failed handshake: exit 0" "$RC" 0
ok "opportunistic, failed handshake: first attempt logged" grep -q \
    'status=deferred attempt=failed reply="4.7.0 TLS handshake' "$T/err"
ok "opportunistic, failed handshake: sent in plain text" grep -q \
    '"tls": false' "$T/broken.mail/0001.json"
conf "$T/br.conf" "$SMTPD_PORT" required
send_run -c "$T/br.conf" -f a@example.org b@example.net
is "required, failed handshake: exit 75" "$RC" 75
is "required, failed handshake: nothing more stored" \
    "$(mail_count broken)" 1

# --- a hang-up in the middle of DATA inside TLS --------------------------
smtpd_start tlsdrop --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --drop-in-data
conf "$T/td.conf" "$SMTPD_PORT" required
awk 'BEGIN { printf "From: a@example.org\n\n"
    for (i = 0; i < 40000; i++) printf "%070d\n", i }' >"$T/big"
MSG_IN=$T/big send_run -c "$T/td.conf" -f a@example.org b@example.net
is "TLS hang-up in DATA: exit 75" "$RC" 75
is "TLS hang-up in DATA: deferred" "$(result_field b@example.net 1)" deferred

# --- client certificate from a key source -------------------------------
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" client client.test
chmod 600 "$T/ca/client.key"
smtpd_start mtls --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --tls-client-ca "$T/ca/ca.pem"
conf "$T/m.conf" "$SMTPD_PORT" verify
printf '[send]\nca_file = %s\nclient_cert = %s\nclient_key = file:%s\n' \
    "$T/ca/ca.pem" "$T/ca/client.pem" "$T/ca/client.key" >"$T/m2.conf"
sed '1,/^\[domain/{/^\[domain/!d}' "$T/m.conf" >>"$T/m2.conf"
send_run -c "$T/m2.conf" -f a@example.org b@example.net
is "client certificate: exit 0" "$RC" 0
ok "client certificate: server saw it" grep -q '"client_cn": "client.test"' \
    "$T/mtls.mail/0001.json"
send_run -c "$T/m.conf" -f a@example.org b@example.net
ok "no client certificate configured: none sent" grep -q \
    '"client_cn": null' "$T/mtls.mail/0002.json"
chmod 644 "$T/ca/client.key"
send_run -c "$T/m2.conf" -f a@example.org b@example.net
is "readable client key: exit 75" "$RC" 75
ok "readable client key: names the key" grep -q 'client_key' "$T/out"

done_testing
