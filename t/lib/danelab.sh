# The DANE, MTA-STS and TLS-RPT cases of kmta-dane-check's tests, built
# on dnslab.sh: one zone per case under "test.", the SMTP servers and the
# MTA-STS policy server. Source it after dnslab.sh, then call
# danelab_start DIR. t/30-dane-check.t and t/31-mta-sts.t state the
# verdict expected for each case domain.
#
# The SMTP servers listen on these addresses of $DNSLAB_NET.
# .10: the good server (mx.ee.test certificate, ports 25 and 2525).
# .11: the DANE-TA server (mx.ta.test).
# .12: a server whose key no TLSA record names.
# .13: a server without STARTTLS.
# .14: the server of the unusable case.
# .15: the MTA-STS servers.
# .16: a server whose certificate expires in 5 days.
# .3: the HTTPS policy server.
# The MX host of v6.test also has the address ::1, where only
# danelab_smtp6 starts a server, since two labs cannot share it.
# The MX host of sts-badcert.test is .10, whose certificate names another
# host.

danelab_zones() {
	net=$DNSLAB_NET
	ee=$(dnslab_tlsa 3 mx.ee.test)
	ta=$(dnslab_tlsa 2 mx.ta.test)
	other=$(dnslab_tlsa 3 mx.other.test)

	dnslab_zone ee.test signed <<Z
@ MX 10 mx
mx A $net.10
_25._tcp.mx TLSA 3 1 1 $ee
_2525._tcp.mx TLSA 3 1 1 $ee
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@ee.test,https://report.ee.test/v1"
Z
	dnslab_zone ta.test signed <<Z
@ MX 10 mx
mx A $net.11
_25._tcp.mx TLSA 2 1 1 $ta
_25._tcp.mx TLSA 3 1 1 $other
Z
	dnslab_zone mismatch.test signed <<Z
@ MX 10 mx
mx A $net.12
_25._tcp.mx TLSA 3 1 1 $ee
Z
	dnslab_zone unusable.test signed <<Z
@ MX 10 mx
mx A $net.14
_25._tcp.mx TLSA 1 1 1 $ee
_25._tcp.mx TLSA 0 0 1 $ta
Z
	dnslab_zone insecure.test insecure <<Z
@ MX 10 mx
mx A $net.10
_25._tcp.mx TLSA 3 1 1 $ee
Z
	dnslab_zone bogus.test bogus <<Z
@ MX 10 mx
mx A $net.10
_25._tcp.mx TLSA 3 1 1 $ee
Z
	dnslab_zone absent.test signed <<Z
@ MX 10 mx
mx A $net.10
Z
	dnslab_zone nullmx.test signed <<Z
@ MX 0 .
Z
	dnslab_zone two.test signed <<Z
@ MX 10 mx1
@ MX 20 mx2
mx1 A $net.10
mx2 A $net.12
_25._tcp.mx1 TLSA 3 1 1 $ee
_25._tcp.mx2 TLSA 3 1 1 $ee
Z
	dnslab_zone nostarttls.test signed <<Z
@ MX 10 mx
mx A $net.13
_25._tcp.mx TLSA 3 1 1 $ee
Z
	dnslab_zone soon.test signed <<Z
@ MX 10 mx
mx A $net.16
_25._tcp.mx TLSA 3 1 1 $(dnslab_tlsa 3 mx.soon.test)
_25._tcp.mx TLSA 2 1 1 $ta
Z
	# Forty MX records make a reply larger than 1232 bytes, so the
	# resolver truncates it over UDP and the query is asked over TCP.
	i=0
	while [ $i -lt 40 ]; do
		printf '@ MX %d mx-with-a-long-name-to-fill-the-reply-%02d\n' \
		    $((10 + i)) $i
		printf 'mx-with-a-long-name-to-fill-the-reply-%02d A %s.10\n' $i "$net"
		printf '_25._tcp.mx-with-a-long-name-to-fill-the-reply-%02d TLSA 3 1 1 %s\n' \
		    $i "$ee"
		i=$((i + 1))
	done | dnslab_zone big.test signed
	# The TLSA name sits in a child zone whose only name server does not
	# run, so its lookup fails while the MX and address lookups succeed.
	dnslab_zone tempfail.test signed <<Z
@ MX 10 mx
mx A $net.10
_tcp.mx NS ns.dead
ns.dead A $net.98
Z
	dnslab_zone v6.test signed <<Z
@ MX 10 mx
mx A $net.10
mx AAAA ::1
_25._tcp.mx TLSA 3 1 1 $ee
_25._tcp.mx TLSA 2 1 1 $ta
Z
	dnslab_zone cname.test signed <<Z
@ MX 10 mx
mx CNAME mx.ee.test.
Z
	for sts in enforce testing none outside bad cache badcert; do
		dnslab_zone "sts-$sts.test" signed <<Z
@ MX 10 mx
mx A $net.$([ "$sts" = badcert ] && echo 10 || echo 15)
mta-sts A $DNSLAB_HTTPS
_mta-sts TXT "v=STSv1; id=20261204T1"
Z
	done
}

danelab_policies() {
	printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-enforce.test\r\nmax_age: 86400\r\n' |
	    dnslab_policy sts-enforce.test
	printf 'version: STSv1\nmode: testing\nmx: *.sts-testing.test\nmax_age: 86400\n' |
	    dnslab_policy sts-testing.test
	printf 'version: STSv1\nmode: none\nmax_age: 86400\n' |
	    dnslab_policy sts-none.test
	printf 'version: STSv1\nmode: enforce\nmx: *.elsewhere.test\nmax_age: 86400\n' |
	    dnslab_policy sts-outside.test
	printf 'version: STSv1\nmode: enforce\nmx: mx.sts-bad.test\nmax_age: soon\n' |
	    dnslab_policy sts-bad.test
	printf 'version: STSv1\nmode: enforce\nmx: mx.sts-cache.test\nmax_age: 86400\n' |
	    dnslab_policy sts-cache.test
	printf 'version: STSv1\nmode: enforce\nmx: mx.sts-badcert.test\nmax_age: 86400\n' |
	    dnslab_policy sts-badcert.test
}

# danelab_smtp6: the good server on [::1]:25 as well, for v6.test.
danelab_smtp6() {
	dnslab_smtp ::1 mx.ee.test
}

danelab_start() {
	dnslab_init "$1"
	for name in mx.ee.test mx.ta.test mx.mismatch.test mx.unusable.test \
	    mx.other.test; do
		dnslab_cert "$name" || return 1
	done
	dnslab_cert mx.sts-enforce.test mx.sts-testing.test mx.sts-none.test \
	    mx.sts-outside.test mx.sts-bad.test mx.sts-cache.test || return 1
	dnslab_cert mta-sts.test mta-sts.sts-enforce.test \
	    mta-sts.sts-testing.test mta-sts.sts-none.test \
	    mta-sts.sts-outside.test mta-sts.sts-bad.test \
	    mta-sts.sts-cache.test mta-sts.sts-badcert.test || return 1

	# A certificate that expires in 5 days, for the expiry warning.
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$DNSLAB_DIR/certs/mx.soon.test.key" -subj /CN=mx.soon.test \
	    -out "$DNSLAB_DIR/certs/mx.soon.test.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:mx.soon.test\n' >"$DNSLAB_DIR/certs/soon.ext" &&
	openssl x509 -req -in "$DNSLAB_DIR/certs/mx.soon.test.csr" -days 5 \
	    -CA "$DNSLAB_DIR/certs/ca.pem" -CAkey "$DNSLAB_DIR/certs/ca.key" \
	    -CAcreateserial -extfile "$DNSLAB_DIR/certs/soon.ext" \
	    -out "$DNSLAB_DIR/certs/mx.soon.test.leaf.pem" 2>/dev/null &&
	cat "$DNSLAB_DIR/certs/mx.soon.test.leaf.pem" "$DNSLAB_DIR/certs/ca.pem" \
	    >"$DNSLAB_DIR/certs/mx.soon.test.pem" || return 1

	danelab_zones
	dnslab_start || return 1
	danelab_policies
	dnslab_smtp "$DNSLAB_NET.10" mx.ee.test &&
	dnslab_smtp "$DNSLAB_NET.10" mx.ee.test 2525 &&
	dnslab_smtp "$DNSLAB_NET.11" mx.ta.test &&
	dnslab_smtp "$DNSLAB_NET.12" mx.mismatch.test &&
	dnslab_smtp "$DNSLAB_NET.13" - &&
	dnslab_smtp "$DNSLAB_NET.14" mx.unusable.test &&
	dnslab_smtp "$DNSLAB_NET.15" mx.sts-enforce.test &&
	dnslab_smtp "$DNSLAB_NET.16" mx.soon.test &&
	dnslab_https mta-sts.test
}

# danelab_skip_if_missing: skip the whole test when a program the lab
# needs is not installed.
danelab_skip_if_missing() {
	if missing=$(dnslab_missing); then
		skip_all "$missing is missing (scripts/install-deps)"
	fi
}

# danelab_start_or_bail DIR LOG: danelab_start DIR with its output in LOG.
# If the lab fails to start, print LOG as TAP comments and bail out.
danelab_start_or_bail() {
	if ! danelab_start "$1" >"$2" 2>&1; then
		sed 's/^/# /' "$2"
		echo "Bail out! the DNSSEC lab did not start"
		exit 1
	fi
}

# danelab_allow_ldns_leak: ldns leaks in one NSEC3 proof, and the ASan
# build must not fail on that. The suppression can only match with the
# slow unwinder, because libldns is built without frame pointers.
danelab_allow_ldns_leak() {
	LSAN_OPTIONS="suppressions=$KMTA_TOP/t/lib/ldns-lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export LSAN_OPTIONS ASAN_OPTIONS
}

# danelab_check DIR DOMAIN [OPTIONS]: run kmta-dane-check on DOMAIN with
# the lab's resolver and CA and its cache in DIR/cache, keep its output in
# DIR/DOMAIN.out and .err, and print its exit code.
danelab_check() {
	dir=$1
	domain=$2
	shift 2
	"$KMTA_BIN/kmta-dane-check" -r "$DNSLAB_RESOLVER" \
	    --ca-file "$DNSLAB_DIR/certs/ca.pem" \
	    --cache-dir "$dir/cache" -t 5 --helo client.test "$@" "$domain" \
	    >"$dir/$domain.out" 2>"$dir/$domain.err"
	echo $?
}

# danelab_has DIR DOMAIN PATTERN: succeed if danelab_check's output for
# DOMAIN matches PATTERN, else print that output as TAP comments and fail.
danelab_has() {
	grep -q -- "$3" "$1/$2.out" || {
		sed 's/^/#   /' "$1/$2.out" "$1/$2.err"
		return 1
	}
}
