#!/bin/sh
# kmta-dane-check's MTA-STS and TLS-RPT reports on the DNSSEC lab
# (t/lib/danelab.sh): enforce, testing and none policies, an MX host
# outside the patterns, a certificate not valid for the MX host, a
# malformed policy, the policy server's certificate check, and the cache:
# reused while fresh, used when a refresh fails, dropped once expired
# while the policy server is down, listed and purged.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/dnslab.sh"
. "$KMTA_TOP/t/lib/danelab.sh"

danelab_allow_ldns_leak
danelab_skip_if_missing
T=$(mktemp -d)
trap 'dnslab_stop; rm -rf "$T"' EXIT INT TERM
danelab_start_or_bail "$T/lab" "$T/start.log"
CACHE=$T/cache

# check DOMAIN [OPTIONS] and has DOMAIN PATTERN: see danelab_check. The
# cache is $T/cache, which is $CACHE.
check() { danelab_check "$T" "$@"; }
has() { danelab_has "$T" "$@"; }

# --- policies ------------------------------------------------------------
is "enforce with a matching MX exits 0" "$(check sts-enforce.test)" 0
ok "enforce policy reported" \
    has sts-enforce.test "MTA-STS: mode enforce, max_age 86400, id 20261204T1 (fetched)"
ok "enforce applies to the host" has sts-enforce.test "policy: mta-sts-enforce"
ok "MX host matches a pattern" has sts-enforce.test "MTA-STS mx pattern: matches"
ok "certificate PKIX-valid" has sts-enforce.test "PKIX valid"

is "testing policy exits 2" "$(check sts-testing.test)" 2
ok "testing applies to the host" has sts-testing.test "policy: mta-sts-testing"
ok "wildcard pattern matches one label" has sts-testing.test "mx pattern: matches"

is "none policy exits 2" "$(check sts-none.test)" 2
ok "none policy reported" has sts-none.test "MTA-STS: mode none"

is "MX outside the patterns exits 1" "$(check sts-outside.test)" 1
ok "MX outside the patterns named" \
    has sts-outside.test "verdict: fail: MX host matches no mx pattern"

is "invalid certificate under enforce exits 1" "$(check sts-badcert.test)" 1
ok "invalid certificate named" \
    has sts-badcert.test "certificate not valid for mx.sts-badcert.test"

is "malformed policy exits 2" "$(check sts-bad.test)" 2
ok "malformed policy names the line" \
    has sts-bad.test 'MTA-STS: none: .*line 4: max_age: invalid value "soon"'

is "--dns-only applies the policy" "$(check sts-enforce.test --dns-only)" 0
is "--no-mta-sts ignores the policy" "$(check sts-enforce.test --no-mta-sts)" 2

"$KMTA_BIN/kmta-dane-check" -r "$DNSLAB_RESOLVER" --cache-dir "$T/empty" \
    -t 5 --helo client.test sts-enforce.test >"$T/noca.out" 2>&1
is "policy server certificate checked" "$?" 2
ok "policy server certificate error named" \
    grep -q "MTA-STS: none: https://mta-sts.sts-enforce.test/.* certificate" \
    "$T/noca.out"

# --- TLS-RPT -------------------------------------------------------------
check ee.test --dns-only >/dev/null
ok "TLS-RPT record found" has ee.test "TLS-RPT: v=TLSRPTv1"
ok "TLS-RPT mailto URI" has ee.test "rua: mailto:tlsrpt@ee.test"
ok "TLS-RPT https URI" has ee.test "rua: https://report.ee.test/v1"
ok "no TLS-RPT record reported" has sts-enforce.test "TLS-RPT: none"

check ee.test --dns-only --json >/dev/null
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["tls_rpt"]["found"], len(r["tls_rpt"]["rua"]), r["mta_sts"]["source"])' \
    "$T/ee.test.out" >"$T/json.txt" 2>&1
is "--json TLS-RPT and MTA-STS facts" "$(cat "$T/json.txt")" "True 2 none"

# --- cache ---------------------------------------------------------------
is "first fetch exits 0" "$(check sts-cache.test)" 0
ok "first fetch reported" has sts-cache.test "(fetched)"
"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache list >"$T/list.out"
ok "cache list shows the domain" \
    grep -q "^sts-cache.test mode=enforce id=20261204T1 max_age=86400 expires_in=" \
    "$T/list.out"

dnslab_https_stop
is "fresh cache used without the server" "$(check sts-cache.test)" 0
ok "fresh cache reported" has sts-cache.test "(cached)"

sed -i 's/^id: .*/id: older1/' "$CACHE/sts-cache.test"
is "new id with the server down keeps the cache" "$(check sts-cache.test)" 0
ok "failed refresh reported" has sts-cache.test "(cached, refresh failed)"
ok "failed refresh warned" has sts-cache.test "warning: MTA-STS: using the cached policy"

sed -i 's/^fetched: .*/fetched: 1000/' "$CACHE/sts-cache.test"
is "expired cache with the server down exits 2" "$(check sts-cache.test)" 2
ok "expired cache not applied" has sts-cache.test "MTA-STS: none: .*cached policy expired"
"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache list >"$T/list.out"
ok "cache list shows the entry expired" \
    grep -q "^sts-cache.test .* expired$" "$T/list.out"

"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache purge sts-cache.test
is "cache purge exits 0" "$?" 0
"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache list >"$T/list.out"
ok "purged domain gone" sh -c "! grep -q '^sts-cache.test ' '$T/list.out'"
ok "other domains kept" grep -q "^sts-enforce.test " "$T/list.out"

"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache purge ../x \
    >/dev/null 2>"$T/purge.err"
is "purge of a path exits 65" "$?" 65
"$KMTA_BIN/kmta-dane-check" --cache-dir "$CACHE" cache flush \
    >/dev/null 2>&1
is "unknown cache command exits 64" "$?" 64

done_testing
