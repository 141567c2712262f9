#!/bin/sh
# DANE with TLSA records that carry a whole certificate (matching type 0,
# "3 0 0"), on a loopback name server that sets the AD bit
# (t/lib/adzoned.py): the server whose certificate the record holds gets
# the message, another certificate defers, and a record too large for
# kmta defers instead of being dropped. An address literal names no MX
# host, so DANE does not apply to it.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools
/usr/bin/python3 -c 'import dns.message' 2>/dev/null ||
    skip_all "Debian's python3-dnspython is not installed"

T=$ST_TMP
printf 'From: a@example.org\nSubject: full\n\nprotected\n' >"$T/msg"

# An RSA-4096 certificate is over 1 KB in DER form, as many real ones are.
for name in mx impostor; do
	openssl req -x509 -newkey rsa:4096 -nodes -days 30 \
	    -subj "/CN=mx.full.test" -keyout "$T/$name.key" \
	    -out "$T/$name.pem" 2>/dev/null
done
cert_hex=$(openssl x509 -in "$T/mx.pem" -outform DER | od -An -v -tx1 |
    tr -d ' \n')
ok "certificate is over 1024 bytes" test "${#cert_hex}" -gt 2048
big_hex=$(head -c 9000 /dev/zero | od -An -v -tx1 | tr -d ' \n')

smtpd_start good --tls-cert "$T/mx.pem" --tls-key "$T/mx.key"
good_port=$SMTPD_PORT
smtpd_start impostor --tls-cert "$T/impostor.pem" --tls-key "$T/impostor.key"
impostor_port=$SMTPD_PORT

cat >"$T/records" <<REC
full.test MX 10 mx.full.test.
mx.full.test A 127.0.0.1
_${good_port}._tcp.mx.full.test TLSA 3 0 0 $cert_hex
_${impostor_port}._tcp.mx.full.test TLSA 3 0 0 $cert_hex
big.test MX 10 mx.big.test.
mx.big.test A 127.0.0.1
_${good_port}._tcp.mx.big.test TLSA 3 0 0 $big_hex
REC
/usr/bin/python3 "$KMTA_TOP/t/lib/adzoned.py" --records "$T/records" \
    --port-file "$T/dns.port" 2>"$T/dns.log" &
st_pids="$st_pids $!"
st_wait_file "$T/dns.port" || sed 's/^/# /' "$T/dns.log"
dns_port=$(cat "$T/dns.port")

# dane_conf FILE PORT: DANE on, no MTA-STS, every domain's MX on PORT.
dane_conf() {
	cat >"$1" <<CONF
[dns]
name_servers = 127.0.0.1:$dns_port
timeout = 5
[send]
command_timeout = 20
[domain "*"]
port = $2
enable_dane = yes
enable_mta_sts = no
tls = disabled
CONF
}
dane_conf "$T/good.conf" "$good_port"
dane_conf "$T/impostor.conf" "$impostor_port"

send_run -c "$T/good.conf" -f a@example.org user@full.test
is "3 0 0 match: exit 0" "$RC" 0
is "3 0 0 match: delivered" "$(result_field user@full.test 1)" delivered
ok "3 0 0 match: leaf matched" grep -q 'dane=usable dane_match=leaf' "$T/err"

send_run -c "$T/impostor.conf" -f a@example.org user@full.test
is "3 0 0 other certificate: exit 75" "$RC" 75
is "3 0 0 other certificate: deferred" "$(result_field user@full.test 1)" \
    deferred
is "3 0 0 other certificate: nothing stored" "$(mail_count impostor)" 0

send_run -c "$T/good.conf" -f a@example.org user@big.test
is "oversized TLSA: exit 75" "$RC" 75
is "oversized TLSA: deferred" "$(result_field user@big.test 1)" deferred
ok "oversized TLSA: says why" grep -q 'more than the 8192' "$T/out"
is "oversized TLSA: nothing more stored" "$(mail_count good)" 1

send_run -c "$T/good.conf" -f a@example.org 'user@[127.0.0.1]'
is "address literal: exit 0" "$RC" 0
is "address literal: delivered" "$(result_field 'user@[127.0.0.1]' 1)" \
    delivered
ok "address literal: no DANE lookup" sh -c "! grep -q 'dane=' '$T/err'"

done_testing
