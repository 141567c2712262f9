#!/bin/sh
# kmta-dane-check's DANE verdicts on the DNSSEC lab (t/lib/danelab.sh):
# DANE-EE and DANE-TA matches, a mismatch, only unusable records, an
# insecure delegation with TLSA present, a bogus signature, securely
# absent TLSA, null MX, two MX hosts with one failing, a host without
# STARTTLS, a CNAME MX host, a certificate near expiry and an MX reply
# too large for UDP. Each verdict is checked against
# posttls-finger, and the certificate verdicts against ldns-dane.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/dnslab.sh"
. "$KMTA_TOP/t/lib/danelab.sh"

danelab_allow_ldns_leak
danelab_skip_if_missing
T=$(mktemp -d)
trap 'dnslab_stop; rm -rf "$T"' EXIT INT TERM
danelab_start_or_bail "$T/lab" "$T/start.log"

# check DOMAIN [OPTIONS] and has DOMAIN PATTERN: see danelab_check.
check() { danelab_check "$T" "$@"; }
has() { danelab_has "$T" "$@"; }

# --- one case per domain -------------------------------------------------
is "DANE-EE match exits 0" "$(check ee.test)" 0
ok "DANE-EE match reported at depth 0" \
    has ee.test "DANE verified: 3 1 1 [0-9a-f]* matched at depth 0"
ok "DANE-EE host verdict pass" has ee.test "verdict: pass"
ok "TLS version and cipher reported" has ee.test "STARTTLS TLSv1.[23] "
ok "days to expiry reported" has ee.test "expires in [0-9]* days"
ok "single TLSA record warned" has ee.test "warning: mx.ee.test: a single TLSA"

is "DANE-TA match exits 0" "$(check ta.test)" 0
ok "DANE-TA match reported at depth 1" \
    has ta.test "DANE verified: 2 1 1 [0-9a-f]* matched at depth 1"

is "TLSA mismatch exits 1" "$(check mismatch.test)" 1
ok "TLSA mismatch named" has mismatch.test "verdict: fail: .*TLSA mismatch"

is "only unusable records exit 2" "$(check unusable.test)" 2
ok "unusable records listed" has unusable.test "1 1 1 [0-9a-f]* PKIX-EE unusable"
ok "unusable records require TLS" has unusable.test "policy: dane-encrypt"

is "insecure delegation exits 2" "$(check insecure.test)" 2
ok "insecure TLSA not used" has insecure.test "DANE: insecure"

is "bogus TLSA exits 1" "$(check bogus.test)" 1
ok "bogus TLSA named" has bogus.test "verdict: fail: bogus DNSSEC"

is "securely absent TLSA exits 2" "$(check absent.test)" 2
ok "absent TLSA reported" has absent.test "DANE: absent"

is "null MX exits 69" "$(check nullmx.test)" 69
ok "null MX named" has nullmx.test "null MX (RFC 7505)"

is "one failing MX host of two exits 1" "$(check two.test)" 1
ok "first MX host passes" has two.test "mx 10 mx1.two.test"
ok "second MX host named in result" has two.test "result: fail: mx2.two.test"

is "host without STARTTLS exits 1" "$(check nostarttls.test)" 1
ok "missing STARTTLS named" has nostarttls.test "STARTTLS not offered"

is "CNAME MX host exits 0" "$(check cname.test)" 0
ok "TLSA taken from the CNAME target" has cname.test "TLSA _25._tcp.mx.ee.test: secure"

is "unknown domain exits 69" "$(check missing.test)" 69

is "failed TLSA lookup exits 75" "$(check tempfail.test -t 1)" 75
ok "failed TLSA lookup defers" has tempfail.test "policy: defer"
ok "failed TLSA lookup is no connection" \
    sh -c "! grep -q STARTTLS '$T/tempfail.test.out'"

is "certificate near expiry still exits 0" "$(check soon.test)" 0
ok "certificate expiry within 14 days warned" \
    has soon.test "warning: mx.soon.test\[.*\]: certificate expires in [0-9] days"
ok "two TLSA records not warned" sh -c "! grep -q 'single TLSA' '$T/soon.test.out'"

is "truncated MX reply retried over TCP" "$(check big.test --dns-only)" 0
is "all forty MX hosts read" "$(grep -c '^mx [0-9]* mx-with' "$T/big.test.out")" 40

# --- options -------------------------------------------------------------
is "--host with a domain is a usage error" \
    "$(check ee.test --host mx.ee.test)" 64
"$KMTA_BIN/kmta-dane-check" -r "$DNSLAB_RESOLVER" -t 5 --helo client.test \
    --host mx.ta.test >"$T/host.out" 2>&1
is "--host DANE-TA exits 0" "$?" 0
ok "--host reports the host" has host "^host mx.ta.test"
"$KMTA_BIN/kmta-dane-check" -r "$DNSLAB_RESOLVER" -t 5 --helo client.test \
    --host nohost.ee.test >"$T/nohost.out" 2>&1
is "--host of a securely nonexistent host exits 69" "$?" 69
ok "--host nonexistent host reported" \
    has nohost "result: no mail: nohost.ee.test does not exist"

is "--port uses _PORT._tcp" "$(check ee.test -p 2525)" 0
ok "--port TLSA name" has ee.test "TLSA _2525._tcp.mx.ee.test: secure"

is "--dns-only makes no connection" "$(check mismatch.test --dns-only)" 0
ok "--dns-only has no probe line" sh -c "! grep -q STARTTLS '$T/mismatch.test.out'"

is "-4 finds the IPv4 address" "$(check ee.test -4)" 0
is "-6 without AAAA is a temporary failure" "$(check ee.test -6)" 75
ok "-6 names the missing address" has ee.test "no A or AAAA record"

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1' &&
    ! ss -Hltn 'sport = :25' 2>/dev/null | grep -q '\[::1\]\|\*:25' &&
    danelab_smtp6 >/dev/null 2>&1; then
	is "-6 checks the IPv6 address" "$(check v6.test -6)" 0
	ok "-6 probes ::1 only" has v6.test "^    ::1: STARTTLS"
	ok "-6 skips the IPv4 address" \
	    sh -c "! grep -q '$DNSLAB_NET.10:' '$T/v6.test.out'"
	is "both families checked by default" "$(check v6.test)" 0
	is "both addresses probed" \
	    "$(grep -c 'DANE verified' "$T/v6.test.out")" 2
else
	skip "IPv6 probes" "no ::1 on lo, or port 25 on ::1 is taken"
fi

is "--json exits like text" "$(check two.test --json)" 1
/usr/bin/python3 - "$T/two.test.out" >"$T/json.txt" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r["hosts"]
print(r["exit"], h[0]["verdict"], h[1]["verdict"], h[0]["probes"][0]["dane_depth"],
      h[0]["tlsa"][0]["usage_name"], r["mx_dnssec"])
PY
is "--json facts" "$(cat "$T/json.txt")" "1 pass fail 0 DANE-EE secure"

dead=$DNSLAB_NET.99
"$KMTA_BIN/kmta-dane-check" -r "$dead" -t 1 ee.test >"$T/dead.out" 2>&1
is "unreachable resolver exits 75" "$?" 75
ok "unreachable resolver named" grep -q "temporary failure: MX lookup" "$T/dead.out"

# --- in-process validation from the lab's trust anchor -------------------
# The same verdicts as from unbound's AD bit: the resolver only passes the
# data on (CD bit), kmta-dane-check validates it.
for case in ee.test:0 cname.test:0 insecure.test:2 bogus.test:1 \
    absent.test:2 nullmx.test:69 missing.test:69 two.test:1; do
	domain=${case%:*}
	is "--trust-anchor $domain exits ${case#*:}" \
	    "$(check "$domain" --trust-anchor "$DNSLAB_ANCHOR")" "${case#*:}"
done
check absent.test --trust-anchor "$DNSLAB_ANCHOR" >/dev/null
ok "--trust-anchor proves TLSA absence" \
    has absent.test "TLSA _25._tcp.mx.absent.test: nxdomain (secure)"
check insecure.test --trust-anchor "$DNSLAB_ANCHOR" >/dev/null
ok "--trust-anchor finds the insecure delegation" \
    has insecure.test "MX: insecure"
if [ -f /usr/share/dns/root.key ]; then
	is "--trust-anchor with another root's key exits 1" \
	    "$(check ee.test --trust-anchor /usr/share/dns/root.key)" 1
	ok "another root's key makes the MX RRset bogus" \
	    has ee.test "MX lookup: .*DNSSEC validation failed (bogus)"
else
	skip "another root's key" "dns-root-data is not installed"
fi

# --- agreement with posttls-finger ---------------------------------------
# posttls-finger reads /etc/resolv.conf and main.cf only, so it runs in a
# private mount namespace naming the lab resolver, with a main.cf of ours.
mkdir -p "$T/postfix"
printf 'compatibility_level = 3.6\n' >"$T/postfix/main.cf"
pft() {
	MAIL_CONFIG=$T/postfix dnslab_with_resolver \
	    posttls-finger -c -l dane -t 5 "$1" 2>&1
}
PFT=$(command -v posttls-finger || echo /usr/sbin/posttls-finger)
if [ ! -x "$PFT" ] || ! unshare -m true 2>/dev/null; then
	skip "posttls-finger agreement" "posttls-finger or unshare -m unavailable"
else
	for case in ee.test:pass ta.test:pass cname.test:pass \
	    '[mx1.two.test]:pass' mismatch.test:fail '[mx2.two.test]:fail' \
	    unusable.test:fail insecure.test:fail absent.test:fail \
	    nostarttls.test:fail bogus.test:fail; do
		target=${case%:*}
		want=${case##*:}
		out=$(pft "$target")
		got=fail
		echo "$out" | grep -q "Verified TLS connection established" &&
		    got=pass
		is "posttls-finger $target verified: $want" "$got" "$want"
	done
	pft bogus.test >"$T/pft-bogus.out"
	ok "posttls-finger also fails bogus TLSA" \
	    grep -q "TLSA lookup error" "$T/pft-bogus.out"
fi

# --- agreement with ldns-dane on the certificates ------------------------
if ! command -v ldns-dane >/dev/null 2>&1; then
	skip "ldns-dane agreement" "ldns-dane is not installed"
else
	for case in mx.ee.test:mx.ee.test:0 mx.ta.test:mx.ta.test:0 \
	    mx.mismatch.test:mx.mismatch.test:1 mx.bogus.test:mx.ee.test:1; do
		host=${case%%:*}
		rest=${case#*:}
		cert=${rest%:*}
		want=${rest#*:}
		ldns-dane -r "$DNSLAB_RESOLVER" -c "$DNSLAB_DIR/certs/$cert.pem" \
		    verify "$host" 25 >"$T/ldns.out" 2>&1
		is "ldns-dane $host exit $want" "$?" "$want"
		"$KMTA_BIN/kmta-dane-check" -r "$DNSLAB_RESOLVER" -t 5 \
		    --helo client.test --host "$host" >"$T/kdc.out" 2>&1
		got=$?
		[ "$got" -ne 0 ] && got=1
		is "kmta-dane-check --host $host agrees" "$got" "$want"
	done
fi

done_testing
