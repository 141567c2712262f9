#!/bin/sh
# kmta-dane-check without the lab: help and usage errors, the tlsa
# command against openssl's own hash, config keys and their errors, and
# that every option has a man page entry and completion lines.
. "$KMTA_TOP/t/lib/tap.sh"

B=$KMTA_BIN/kmta-dane-check
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

"$B" --help >"$T/help" 2>&1
is "--help exits 0" "$?" 0
ok "--help lists the exit codes" grep -q "Exit status: 0 every MX host" "$T/help"

"$B" >/dev/null 2>&1
is "no domain exits 64" "$?" 64
"$B" a.test b.test >/dev/null 2>&1
is "two domains exit 64" "$?" 64
"$B" --port 0 a.test >/dev/null 2>"$T/err"
is "--port 0 exits 64" "$?" 64
ok "--port error names the value" grep -q -- '--port: invalid value "0"' "$T/err"
"$B" --timeout x a.test >/dev/null 2>&1
is "--timeout x exits 64" "$?" 64
"$B" --bogus-option a.test >/dev/null 2>&1
is "unknown option exits 64" "$?" 64
# A loopback name server with nothing bound, in case a usage error is missed.
printf '[dns]\nname_servers = 127.0.0.1:9\ntimeout = 1\n' >"$T/loopback.conf"
"$B" -c "$T/loopback.conf" -4 -6 a.test >/dev/null 2>"$T/err"
is "-4 with -6 exits 64" "$?" 64
ok "-4 with -6 explained" grep -q -- "-4 and -6 exclude each other" "$T/err"
"$B" -c "$T/loopback.conf" tlsa >/dev/null 2>"$T/err"
is "tlsa without CERTFILE exits 64" "$?" 64
ok "tlsa without CERTFILE explained" grep -q "tlsa: expected one CERTFILE" "$T/err"

# --- tlsa CERTFILE -------------------------------------------------------
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/certs" mx.a.test mx.a.test
spki() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -hex | sed 's/.*= *//'
}
leaf=$(spki "$T/certs/mx.a.test.leaf.pem")
ca=$(spki "$T/certs/ca.pem")
"$B" tlsa "$T/certs/mx.a.test.pem" >"$T/tlsa.out"
is "tlsa exits 0" "$?" 0
is "tlsa prints 3 1 1 for the leaf" "$(sed -n 1p "$T/tlsa.out")" \
    "3 1 1 $leaf ; DANE-EE CN=mx.a.test"
is "tlsa prints 2 1 1 for the issuer" "$(sed -n 2p "$T/tlsa.out")" \
    "2 1 1 $ca ; DANE-TA CN=kmta test CA"
"$B" --host mx.a.test -p 587 tlsa "$T/certs/mx.a.test.leaf.pem" >"$T/tlsa.out"
is "tlsa --host prints a zone line" "$(cat "$T/tlsa.out")" \
    "_587._tcp.mx.a.test. IN TLSA 3 1 1 $leaf ; DANE-EE CN=mx.a.test"
"$B" tlsa "$T/missing.pem" >/dev/null 2>&1
is "tlsa of a missing file exits 66" "$?" 66
echo "not a certificate" >"$T/bad.pem"
"$B" tlsa "$T/bad.pem" >/dev/null 2>"$T/err"
is "tlsa of a non-PEM file exits 65" "$?" 65
ok "tlsa error names the file" grep -q "bad.pem: no PEM certificate" "$T/err"

# --- config --------------------------------------------------------------
printf '[dns]\nname_server = 127.0.0.1\n' >"$T/typo.conf"
"$B" -c "$T/typo.conf" a.test >/dev/null 2>"$T/err"
is "unknown config key exits 78" "$?" 78
ok "unknown key named with its line" grep -q "typo.conf:2" "$T/err"

# A UDP port with nothing bound: the query fails at once.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[dns]\nname_servers = 127.0.0.1:%s\ntimeout = 1s\n[mta_sts]\ncache_dir = %s\n' \
    "$port" "$T/cache" >"$T/dns.conf"
"$B" -c "$T/dns.conf" a.test >"$T/out" 2>&1
is "config name server without answer exits 75" "$?" 75
ok "failed name server named" grep -q "127.0.0.1:$port" "$T/out"
printf '[dns]\nname_servers = 127.0.0.1:99999\n' >"$T/badns.conf"
"$B" -c "$T/badns.conf" a.test >/dev/null 2>"$T/err"
is "invalid name server port exits 78" "$?" 78
"$B" -c "$T/dns.conf" --trust-anchor "$T/missing.key" a.test \
    >/dev/null 2>"$T/err"
is "missing trust anchor file exits 66" "$?" 66
printf '. IN A 127.0.0.1\n' >"$T/a.key"
"$B" -c "$T/dns.conf" --trust-anchor "$T/a.key" a.test >/dev/null 2>"$T/err"
is "trust anchor file without keys exits 78" "$?" 78
ok "trust anchor error names the file" grep -q "a.key: no DNSKEY or DS record" "$T/err"

# The CA file is checked before any lookup: this name server never answers.
"$B" -c "$T/dns.conf" --ca-file "$T/missing-ca.pem" a.test >"$T/out" 2>"$T/err"
is "missing --ca-file exits 66" "$?" 66
ok "missing --ca-file named" grep -q "CA file $T/missing-ca.pem: No such file" "$T/err"
ok "missing --ca-file makes no lookup" test ! -s "$T/out"

# --- cache ---------------------------------------------------------------
mkdir "$T/cache"
printf 'version: STSv1\nmode: enforce\n' >"$T/cache/cached.test"
"$B" -c "$T/dns.conf" cache purge cached.test >/dev/null 2>"$T/err"
is "cache purge of a cached domain exits 0" "$?" 0
ok "cache purge removes the file" test ! -e "$T/cache/cached.test"
"$B" -c "$T/dns.conf" cache purge nothere.test >/dev/null 2>"$T/err"
is "cache purge of an uncached domain exits 66" "$?" 66
ok "cache purge of an uncached domain explained" \
    grep -q "no cached MTA-STS policy for nothere.test in $T/cache" "$T/err"

# --- man page and completions --------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	mandoc -T lint -W warning "$KMTA_TOP/man/kmta-dane-check.1" >"$T/lint" 2>&1
	ok "man page lints clean" test ! -s "$T/lint"
else
	skip "man page lint" "mandoc is not installed"
fi
for opt in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	ok "man page documents $opt" \
	    grep -q -- "^\.It Fl .*Fl ${opt#-}\|^\.It Fl ${opt#-}" \
	    "$KMTA_TOP/man/kmta-dane-check.1"
	ok "bash completion offers $opt" \
	    grep -q -- "$opt" "$KMTA_TOP/completions/kmta-dane-check.bash"
	ok "zsh completion offers $opt" \
	    grep -q -- "$opt" "$KMTA_TOP/completions/_kmta-dane-check"
done
ok "bash completion parses" bash -n "$KMTA_TOP/completions/kmta-dane-check.bash"

done_testing
