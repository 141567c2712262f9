# A DNSSEC lab on loopback for kmta's tests (a POSIX sh library).
#
# The lab has its own signed root, a signed TLD "test." and the zones a test
# declares below it, all served by one nsd. A validating unbound uses the
# lab's root key as its only trust anchor. Both listen on port 53 (glue
# records carry no port) on addresses of a 127.N.M.0/24 block picked at
# random, so two labs can run at once. Nothing leaves the loopback interface.
#
# Use from a test (sh):
#
#   . "$KMTA_TOP/t/lib/dnslab.sh"
#   dnslab_init "$tmp/lab"           # picks DNSLAB_NET, e.g. 127.83.17
#   dnslab_cert mx.ee.test           # lab CA + cert: $DNSLAB_DIR/certs/NAME.*
#   dnslab_zone ee.test signed <<EOF
#   @ MX 10 mx
#   mx A $DNSLAB_NET.10
#   _25._tcp.mx TLSA 3 1 1 $(dnslab_tlsa 3 mx.ee.test)
#   EOF
#   dnslab_start                     # signs, starts nsd and unbound
#   dnslab_smtp $DNSLAB_NET.10 mx.ee.test   # STARTTLS server on port 25
#   ...                              # resolver: $DNSLAB_RESOLVER (port 53)
#   dnslab_stop                      # also run from the test's trap
#
# Zone modes: "signed" (DS in the parent, chain secure), "insecure" (no DS,
# so answers are insecure), "bogus" (signed with a DS, then every TLSA
# record is changed after signing, so TLSA answers fail validation).
# Record lines are zone-file lines relative to the zone's origin; SOA and
# NS records are added by the lab. The same helpers serve DANE and MTA-STS
# delivery tests of kmta-send: point its [dns] name_servers at
# $DNSLAB_RESOLVER and its CA file at $DNSLAB_DIR/certs/ca.pem.
#
# Needs root (port 53 on loopback), nsd, unbound, ldnsutils, openssl and
# Debian's python3 with aiosmtpd. dnslab_missing prints the first missing tool.

dnslab_missing() {
	for tool in nsd unbound ldns-keygen ldns-signzone openssl; do
		command -v "$tool" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/$tool" ] || { echo "$tool"; return 0; }
	done
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	    { echo "python3-aiosmtpd"; return 0; }
	[ "$(id -u)" -eq 0 ] || { echo "root (port 53)"; return 0; }
	return 1
}

dnslab_init() {
	DNSLAB_DIR=$1
	mkdir -p "$DNSLAB_DIR/zones" "$DNSLAB_DIR/keys" "$DNSLAB_DIR/certs" \
	    "$DNSLAB_DIR/run" "$DNSLAB_DIR/www"
	DNSLAB_NET=$(dnslab_pick_net)
	DNSLAB_NS=$DNSLAB_NET.1
	DNSLAB_RESOLVER=$DNSLAB_NET.2
	DNSLAB_HTTPS=$DNSLAB_NET.3
	DNSLAB_ANCHOR=$DNSLAB_DIR/root.key
	DNSLAB_TOP=${KMTA_TOP:-.}
	: >"$DNSLAB_DIR/zones/list"
	: >"$DNSLAB_DIR/run/pids"
	export DNSLAB_DIR DNSLAB_NET DNSLAB_NS DNSLAB_RESOLVER DNSLAB_HTTPS \
	    DNSLAB_ANCHOR
}

# A 127.N.M block whose .1 address has nothing bound on port 53.
dnslab_pick_net() {
	tries=0
	while [ $tries -lt 20 ]; do
		n=$(od -An -N2 -tu1 /dev/urandom | awk '{print 100+$1%150, 1+$2%250}')
		net="127.${n% *}.${n#* }"
		if ! ss -Hlnu "src $net.1" 2>/dev/null | grep -q .; then
			echo "$net"
			return 0
		fi
		tries=$((tries + 1))
	done
	echo "127.250.250"
}

# dnslab_cert NAME [SAN...]: a lab-CA certificate for NAME (and its SANs).
dnslab_cert() {
	name=$1
	shift
	sh "$DNSLAB_TOP/t/lib/mkcert.sh" "$DNSLAB_DIR/certs" "$name" "$name" "$@"
}

# dnslab_tlsa USAGE NAME: the SHA-256 of the SubjectPublicKeyInfo of NAME's
# certificate (usage 3) or of the lab CA (usage 2), in hex.
dnslab_tlsa() {
	if [ "$1" = 2 ]; then
		pem=$DNSLAB_DIR/certs/ca.pem
	else
		pem=$DNSLAB_DIR/certs/$2.leaf.pem
	fi
	openssl x509 -in "$pem" -noout -pubkey |
	    openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -hex | sed 's/.*= *//'
}

# dnslab_zone NAME MODE < records
dnslab_zone() {
	cat >"$DNSLAB_DIR/zones/$1.body"
	echo "$1 $2" >>"$DNSLAB_DIR/zones/list"
}

dnslab_soa() {
	printf '$ORIGIN %s.\n$TTL 300\n' "$1"
	printf '@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n'
	printf '@ NS ns.test.\n'
}

# dnslab_sign ORIGIN FILE LABEL: sign FILE into zones/LABEL.signed with a
# new ZSK and KSK, leaving the KSK's DS record in keys/LABEL.ds and its
# DNSKEY record in keys/LABEL.ksk.
dnslab_sign() {
	(
		cd "$DNSLAB_DIR/keys" || exit 1
		zsk=$(ldns-keygen -a ECDSAP256SHA256 "$1")
		ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$1")
		rm -f "$zsk.ds"
		mv "$ksk.ds" "$3.ds"
		cp "$ksk.key" "$3.ksk"
		ldns-signzone -n -o "$1" -f "../zones/$3.signed" "$2" \
		    "$zsk" "$ksk"
	)
}

dnslab_build_zones() {
	tld=$DNSLAB_DIR/zones/test.zone
	dnslab_soa test >"$tld"
	echo "ns A $DNSLAB_NS" >>"$tld"
	while read -r zone mode; do
		file=$DNSLAB_DIR/zones/$zone.zone
		{ dnslab_soa "$zone"; cat "$DNSLAB_DIR/zones/$zone.body"; } >"$file"
		echo "$zone. NS ns.test." >>"$tld"
		if [ "$mode" = insecure ]; then
			cp "$file" "$DNSLAB_DIR/zones/$zone.signed"
			continue
		fi
		dnslab_sign "$zone." "$file" "$zone" || return 1
		cat "$DNSLAB_DIR/keys/$zone.ds" >>"$tld"
		if [ "$mode" = bogus ]; then
			# Flip the first hex digit of each TLSA record after
			# signing, so its RRSIG no longer matches.
			sed -i '/\tTLSA\t/{s/\(\t[0-3] [01] [0-2] \)\([0-9a-f]\)/\1X\2/;s/X[0-7]/8/;s/X[89a-f]/0/}' \
			    "$DNSLAB_DIR/zones/$zone.signed"
		fi
	done <"$DNSLAB_DIR/zones/list"
	dnslab_sign test. "$tld" test || return 1

	root=$DNSLAB_DIR/zones/root.zone
	printf '$ORIGIN .\n$TTL 300\n. SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n. NS ns.test.\n' >"$root"
	echo "test. NS ns.test." >>"$root"
	echo "ns.test. A $DNSLAB_NS" >>"$root"
	cat "$DNSLAB_DIR/keys/test.ds" >>"$root"
	dnslab_sign . "$root" root || return 1
	grep -v '^;' "$DNSLAB_DIR/keys/root.ksk" >"$DNSLAB_ANCHOR"
}

dnslab_write_nsd_conf() {
	conf=$DNSLAB_DIR/nsd.conf
	cat >"$conf" <<EOF
server:
	ip-address: $DNSLAB_NS
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$DNSLAB_DIR/zones"
	database: ""
	zonelistfile: "$DNSLAB_DIR/run/nsd.zonelist"
	xfrdfile: "$DNSLAB_DIR/run/nsd.xfrd"
	xfrdir: "$DNSLAB_DIR/run"
	pidfile: "$DNSLAB_DIR/run/nsd.pid"
	logfile: "$DNSLAB_DIR/run/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: "root.signed"
zone:
	name: "test."
	zonefile: "test.signed"
EOF
	while read -r zone mode; do
		printf 'zone:\n\tname: "%s."\n\tzonefile: "%s.signed"\n' \
		    "$zone" "$zone" >>"$conf"
	done <"$DNSLAB_DIR/zones/list"
}

dnslab_write_unbound_conf() {
	printf '. NS ns.test.\nns.test. A %s\n' "$DNSLAB_NS" \
	    >"$DNSLAB_DIR/root.hints"
	cat >"$DNSLAB_DIR/unbound.conf" <<EOF
server:
	interface: $DNSLAB_RESOLVER
	port: 53
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	username: ""
	chroot: ""
	directory: "$DNSLAB_DIR"
	pidfile: "$DNSLAB_DIR/run/unbound.pid"
	logfile: "$DNSLAB_DIR/run/unbound.log"
	use-syslog: no
	root-hints: "$DNSLAB_DIR/root.hints"
	trust-anchor-file: "$DNSLAB_ANCHOR"
	module-config: "validator iterator"
	local-zone: "test." nodefault
	val-log-level: 2
	qname-minimisation: no
	cache-max-ttl: 5
	cache-max-negative-ttl: 5
	infra-host-ttl: 5
remote-control:
	control-enable: no
EOF
}

# Wait until $1 (a command) succeeds, for at most 10 seconds.
dnslab_wait() {
	i=0
	while [ $i -lt 100 ]; do
		eval "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

dnslab_start() {
	dnslab_build_zones >"$DNSLAB_DIR/run/sign.log" 2>&1 ||
	    { cat "$DNSLAB_DIR/run/sign.log" >&2; return 1; }
	dnslab_write_nsd_conf
	dnslab_write_unbound_conf
	nsd -c "$DNSLAB_DIR/nsd.conf" || return 1
	unbound -c "$DNSLAB_DIR/unbound.conf" || return 1
	dnslab_wait "test -s $DNSLAB_DIR/run/nsd.pid" || return 1
	dnslab_wait "test -s $DNSLAB_DIR/run/unbound.pid" || return 1
	dnslab_wait dnslab_probe || true
}

# Succeed once unbound resolves a lab name (drill is in ldnsutils).
dnslab_probe() {
	drill -Q @"$DNSLAB_RESOLVER" ns.test A | grep -q "$DNSLAB_NS"
}

# dnslab_smtp ADDR CERTNAME|- [PORT]: an SMTP server on ADDR port PORT
# (default 25), with STARTTLS using CERTNAME's certificate chain, or
# without STARTTLS for "-".
dnslab_smtp() {
	port=${3:-25}
	tls=""
	if [ "$2" != - ]; then
		tls="--tls-cert $DNSLAB_DIR/certs/$2.pem --tls-key $DNSLAB_DIR/certs/$2.key"
	fi
	# shellcheck disable=SC2086
	/usr/bin/python3 "$DNSLAB_TOP/t/lib/smtpd.py" --host "$1" \
	    --port "$port" --port-file "$DNSLAB_DIR/run/smtp-$1-$port.port" \
	    --maildir "$DNSLAB_DIR/run/mail-$1-$port" $tls \
	    2>>"$DNSLAB_DIR/run/smtp.log" &
	echo $! >>"$DNSLAB_DIR/run/pids"
	dnslab_wait "test -s $DNSLAB_DIR/run/smtp-$1-$port.port"
}

# dnslab_https CERTNAME: the MTA-STS policy server on $DNSLAB_HTTPS port
# 443. It serves https://HOST/PATH from the file
# $DNSLAB_DIR/www/HOST/PATH, which dnslab_policy writes.
dnslab_https() {
	/usr/bin/python3 "$DNSLAB_TOP/t/lib/httpsd.py" --host "$DNSLAB_HTTPS" \
	    --port 443 --root "$DNSLAB_DIR/www" \
	    --cert "$DNSLAB_DIR/certs/$1.pem" --key "$DNSLAB_DIR/certs/$1.key" \
	    --port-file "$DNSLAB_DIR/run/https.port" \
	    2>>"$DNSLAB_DIR/run/https.log" &
	DNSLAB_HTTPS_PID=$!
	echo $DNSLAB_HTTPS_PID >>"$DNSLAB_DIR/run/pids"
	dnslab_wait "test -s $DNSLAB_DIR/run/https.port"
}

dnslab_https_stop() {
	[ -n "${DNSLAB_HTTPS_PID:-}" ] && kill "$DNSLAB_HTTPS_PID" 2>/dev/null
	wait "$DNSLAB_HTTPS_PID" 2>/dev/null
	rm -f "$DNSLAB_DIR/run/https.port"
	DNSLAB_HTTPS_PID=
}

# dnslab_policy DOMAIN < policy text: serve it as DOMAIN's MTA-STS policy.
dnslab_policy() {
	mkdir -p "$DNSLAB_DIR/www/mta-sts.$1/.well-known"
	cat >"$DNSLAB_DIR/www/mta-sts.$1/.well-known/mta-sts.txt"
}

dnslab_stop() {
	[ -n "${DNSLAB_DIR:-}" ] || return 0
	for f in "$DNSLAB_DIR/run/nsd.pid" "$DNSLAB_DIR/run/unbound.pid"; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	if [ -f "$DNSLAB_DIR/run/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null
		done <"$DNSLAB_DIR/run/pids"
	fi
	return 0
}

# dnslab_with_resolver CMD...: run CMD in a private mount namespace whose
# /etc/resolv.conf names the lab's resolver, for tools (posttls-finger)
# that only read that file. The host's own resolv.conf is left as it is.
dnslab_with_resolver() {
	printf 'nameserver %s\noptions edns0 trust-ad\n' "$DNSLAB_RESOLVER" \
	    >"$DNSLAB_DIR/resolv.conf"
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
	    dnslab "$DNSLAB_DIR/resolv.conf" "$@"
}
