#!/bin/sh
# DANE (RFC 7672) in kmta-send on the DNSSEC lab (t/lib/danelab.sh): a
# DANE-EE and a DANE-TA match deliver, while a man in the middle on
# loopback that presents another certificate or strips STARTTLS, and a
# bogus TLSA RRset, defer without sending anything in the clear.
. "$KMTA_TOP/t/lib/sendtest.sh"
. "$KMTA_TOP/t/lib/dnslab.sh"
. "$KMTA_TOP/t/lib/danelab.sh"
st_need_tools
danelab_skip_if_missing

T=$ST_TMP
trap 'dnslab_stop; st_cleanup' EXIT
danelab_start_or_bail "$T/lab" "$T/start.log"
printf 'From: a@example.org\nSubject: dane\n\nprotected\n' >"$T/msg"
net=$DNSLAB_NET

cat >"$T/dane.conf" <<CONF
[dns]
name_servers = $DNSLAB_RESOLVER
timeout = 5
[send]
command_timeout = 20
[domain "*"]
enable_dane = yes
tls = disabled
CONF

# stored ADDRESS: messages stored by the lab's server on ADDRESS, port 25.
stored() {
	find "$DNSLAB_DIR/run/mail-$1-25" -name '*.eml' 2>/dev/null | wc -l |
	    tr -d ' '
}

send_run -c "$T/dane.conf" -f a@example.org user@ee.test
is "DANE-EE: exit 0" "$RC" 0
is "DANE-EE: host" "$(result_field user@ee.test 6)" "mx.ee.test[$net.10]:25"
ok "DANE-EE: log has the verdict" grep -q \
    'dane=usable dane_match=leaf.*status=delivered' "$T/err"
ok "DANE-EE: TLS although tls = disabled" grep -q \
    'to=<user@ee.test> .*tls=TLSv1' "$T/err"

send_run -6 -c "$T/dane.conf" -f a@example.org user@ee.test
is "-6 without AAAA: exit 75" "$RC" 75
is "-6 without AAAA: deferred 4.4.4" \
    "$(result_field user@ee.test 1) $(result_field user@ee.test 5)" \
    "deferred 4.4.4"
ok "-6 without AAAA: names the family" grep -q \
    'host mx.ee.test has no IPv6 address, and only IPv6 is enabled' "$T/err"

send_run -c "$T/dane.conf" -f a@example.org user@ta.test
is "DANE-TA: exit 0" "$RC" 0
ok "DANE-TA: matched the issuer" grep -q 'dane=usable dane_match=issuer' \
    "$T/err"

send_run -c "$T/dane.conf" -f a@example.org user@mismatch.test
is "other certificate: exit 75" "$RC" 75
is "other certificate: deferred" "$(result_field user@mismatch.test 1)" \
    deferred
is "other certificate: enhanced code" \
    "$(result_field user@mismatch.test 5)" 4.7.5
is "other certificate: nothing sent" "$(stored "$net.12")" 0

send_run -c "$T/dane.conf" -f a@example.org user@nostarttls.test
is "STARTTLS stripped: exit 75" "$RC" 75
is "STARTTLS stripped: enhanced code" \
    "$(result_field user@nostarttls.test 5)" 4.7.4
is "STARTTLS stripped: never sent in the clear" "$(stored "$net.13")" 0

before=$(stored "$net.10")
send_run -c "$T/dane.conf" -f a@example.org user@bogus.test
is "bogus TLSA: exit 75" "$RC" 75
ok "bogus TLSA: says the lookup failed" grep -q 'DANE lookup for' "$T/out"
is "bogus TLSA: nothing sent" "$(stored "$net.10")" "$before"

send_run -c "$T/dane.conf" -f a@example.org user@insecure.test
is "insecure zone: exit 0" "$RC" 0
ok "insecure zone: DANE does not apply" grep -q 'dane=insecure' "$T/err"

send_run -c "$T/dane.conf" -f a@example.org user@unusable.test
is "unusable TLSA: exit 0" "$RC" 0
ok "unusable TLSA: encrypted anyway" grep -q \
    'to=<user@unusable.test> .*tls=TLSv1.* dane=unusable' "$T/err"

send_run -c "$T/dane.conf" -f a@example.org user@two.test
is "two MX hosts: exit 0" "$RC" 0
is "two MX hosts: the first one" "$(result_field user@two.test 6)" \
    "mx1.two.test[$net.10]:25"

send_run -c "$T/dane.conf" -f a@example.org user@nullmx.test
is "null MX over DNSSEC: exit 69" "$RC" 69

done_testing
