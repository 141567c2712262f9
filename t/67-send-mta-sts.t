#!/bin/sh
# MTA-STS (RFC 8461) in kmta-send on the DNSSEC lab (t/lib/danelab.sh):
# enforce delivers over verified TLS, defers when no MX host matches the
# policy or the certificate fails, testing and none deliver, and
# enable_mta_sts = no ignores the policy.
. "$KMTA_TOP/t/lib/sendtest.sh"
. "$KMTA_TOP/t/lib/dnslab.sh"
. "$KMTA_TOP/t/lib/danelab.sh"
st_need_tools
danelab_skip_if_missing

T=$ST_TMP
trap 'dnslab_stop; st_cleanup' EXIT
danelab_start_or_bail "$T/lab" "$T/start.log"
printf 'From: a@example.org\nSubject: sts\n\nprotected\n' >"$T/msg"
net=$DNSLAB_NET

# conf FILE [DOMAIN-KEYS]: the lab's resolver and CA, tls = disabled, so
# any TLS comes from the MTA-STS policy.
conf() {
	cat >"$1" <<CONF
[dns]
name_servers = $DNSLAB_RESOLVER
timeout = 5
[send]
ca_file = $DNSLAB_DIR/certs/ca.pem
command_timeout = 20
[mta_sts]
ca_file = $DNSLAB_DIR/certs/ca.pem
cache_dir = $T/sts-cache
[domain "*"]
tls = ${TLS:-disabled}
${2:-}
CONF
}
conf "$T/sts.conf"

stored() {
	find "$DNSLAB_DIR/run/mail-$1-25" -name '*.eml' 2>/dev/null | wc -l |
	    tr -d ' '
}

send_run -c "$T/sts.conf" -f a@example.org user@sts-enforce.test
is "enforce: exit 0" "$RC" 0
ok "enforce: verified TLS although tls = disabled" grep -q \
    'to=<user@sts-enforce.test> .*tls=TLSv1.* mta_sts=enforce status=delivered' \
    "$T/err"

send_run -c "$T/sts.conf" -f a@example.org user@sts-outside.test
is "enforce, MX outside the policy: exit 75" "$RC" 75
ok "enforce, MX outside the policy: says why" grep -q \
    'no MX host matches' "$T/out"
ok "enforce, MX outside the policy: host logged" grep -q \
    'host=mx.sts-outside.test: not in the policy' "$T/err"

before=$(stored "$net.10")
send_run -c "$T/sts.conf" -f a@example.org user@sts-badcert.test
is "enforce, wrong certificate: exit 75" "$RC" 75
is "enforce, wrong certificate: enhanced code" \
    "$(result_field user@sts-badcert.test 5)" 4.7.5
is "enforce, wrong certificate: nothing sent" "$(stored "$net.10")" \
    "$before"

send_run -c "$T/sts.conf" -f a@example.org user@sts-testing.test
is "testing: exit 0" "$RC" 0
ok "testing: logged" grep -q 'mta_sts=testing' "$T/err"
ok "testing, tls = disabled: verdict fail" grep -q \
    'mta_sts=testing mta_sts_verdict=fail' "$T/err"
TLS=opportunistic conf "$T/opp.conf"
send_run -c "$T/opp.conf" -f a@example.org user@sts-testing.test
ok "testing, valid certificate: verdict pass" grep -q \
    'mta_sts=testing mta_sts_verdict=pass' "$T/err"

# Testing mode with a CA that does not sign the MX certificate: enforce
# would reject the host, so that is logged, and the message is delivered.
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/otherca" unused unused.test
sed "s|^ca_file = $DNSLAB_DIR/certs/ca.pem\$|ca_file = $T/otherca/ca.pem|" \
    "$T/opp.conf" >"$T/otherca.conf"
sed -i "/^\[mta_sts\]/,/^\[/s|^ca_file = .*|ca_file = $DNSLAB_DIR/certs/ca.pem|" \
    "$T/otherca.conf"
send_run -c "$T/otherca.conf" -f a@example.org user@sts-testing.test
is "testing, untrusted certificate: exit 0" "$RC" 0
ok "testing, untrusted certificate: would-be rejection logged" grep -q \
    'mta_sts=testing: enforce mode would reject this host' "$T/err"
ok "testing, untrusted certificate: verdict fail" grep -q \
    'mta_sts_verdict=fail' "$T/err"

send_run -c "$T/sts.conf" -f a@example.org user@sts-none.test
is "mode none: exit 0" "$RC" 0

conf "$T/off.conf" "enable_mta_sts = no"
send_run -c "$T/off.conf" -f a@example.org user@sts-outside.test
is "enable_mta_sts = no: exit 0" "$RC" 0
ok "enable_mta_sts = no: no TLS forced" grep -q \
    'to=<user@sts-outside.test> .*tls=none' "$T/err"

# DANE comes first: ee.test has usable TLSA and no MTA-STS policy.
conf "$T/both.conf" "enable_dane = yes"
send_run -c "$T/both.conf" -f a@example.org user@ee.test
is "DANE and MTA-STS enabled: exit 0" "$RC" 0
ok "DANE and MTA-STS enabled: DANE verdict" grep -q 'dane=usable' "$T/err"

done_testing
