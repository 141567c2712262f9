#!/bin/sh
# kmta-send's MX routing against a real nsd on loopback serving a zone this
# test writes: preference order, the next host after a refused connection
# or a 4xx greeting, equal preferences shared, null MX (RFC 7505), the
# implicit MX, NXDOMAIN, and the IPv4/IPv6 switches.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools
NSD=$(command -v nsd || echo /usr/sbin/nsd)
[ -x "$NSD" ] || skip_all "nsd is not installed (scripts/install-deps)"

T=$ST_TMP
printf 'From: a@example.org\nSubject: mx\n\nrouted\n' >"$T/msg"
has_v6=no
ip -6 addr show dev lo 2>/dev/null | grep -q '::1' && has_v6=yes

# --- SMTP servers: one port, several loopback addresses ----------------
smtpd_start mx1 --host 127.0.0.2
port=$SMTPD_PORT
smtpd_start mx2 --host 127.0.0.3 --port "$port"
smtpd_start busy --host 127.0.0.5 --port "$port" --greeting '421 4.3.2 busy'
[ "$has_v6" = yes ] && smtpd_start v6 --host ::1 --port "$port"

# --- nsd serving the zone "test." --------------------------------------
dns_port=$(free_port)
mkdir -p "$T/nsd"
cat >"$T/nsd/test.zone" <<'ZONE'
$ORIGIN test.
$TTL 300
@		SOA	ns.test. hostmaster.test. 1 3600 600 86400 300
@		NS	ns.test.
ns		A	127.0.0.1
order		MX	20 mx2.order
order		MX	10 mx1.order
mx1.order	A	127.0.0.2
mx2.order	A	127.0.0.3
fallback	MX	10 down.fallback
fallback	MX	20 mx2.order
down.fallback	A	127.0.0.4
busy		MX	10 mx.busy
busy		MX	20 mx2.order
mx.busy		A	127.0.0.5
equal		MX	10 mx1.order
equal		MX	10 mx2.order
nullmx		MX	0 .
implicit	A	127.0.0.2
dual		A	127.0.0.2
dual		AAAA	::1
noaddr		MX	10 nothing.noaddr
nothing.noaddr	TXT	"no address here"
ZONE
cat >"$T/nsd/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$dns_port
	port: $dns_port
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$T/nsd"
	pidfile: "$T/nsd/nsd.pid"
	database: ""
	xfrdfile: "$T/nsd/xfrd.state"
	zonelistfile: "$T/nsd/zone.list"
	logfile: "$T/nsd/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "test."
	zonefile: "test.zone"
CONF
"$NSD" -d -c "$T/nsd/nsd.conf" 2>>"$T/nsd/nsd.log" &
st_pids="$st_pids $!"
i=0
while [ $i -lt 50 ] && ! drill -p "$dns_port" @127.0.0.1 ns.test A \
    2>/dev/null | grep -q '127.0.0.1'; do
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 50 ] || { sed 's/^/# /' "$T/nsd/nsd.log"; skip_all "nsd did not start"; }

# conf FILE [SEND-KEYS]: MX routing through the lab's nsd.
conf() {
	cat >"$1" <<CONF
[dns]
name_servers = 127.0.0.1:$dns_port
timeout = 5
[send]
command_timeout = 20
connect_timeout = 5
${2:-}
[domain "*"]
port = $port
tls = disabled
CONF
}
conf "$T/mx.conf"

send_run -c "$T/mx.conf" -f a@example.org user@order.test
is "MX order: exit 0" "$RC" 0
is "MX order: lowest preference first" "$(result_field user@order.test 6)" \
    "mx1.order.test[127.0.0.2]:$port"
is "MX order: stored by mx1" "$(mail_count mx1)" 1

send_run -c "$T/mx.conf" -f a@example.org user@fallback.test
is "MX refused: exit 0" "$RC" 0
is "MX refused: next host took it" "$(result_field user@fallback.test 6)" \
    "mx2.order.test[127.0.0.3]:$port"
ok "MX refused: first host logged" grep -q \
    'relay=down.fallback.test\[127.0.0.4\].*attempt=failed' "$T/err"

send_run -c "$T/mx.conf" -f a@example.org user@busy.test
is "MX 421 greeting: exit 0" "$RC" 0
is "MX 421 greeting: next host took it" "$(result_field user@busy.test 6)" \
    "mx2.order.test[127.0.0.3]:$port"

before1=$(mail_count mx1) before2=$(mail_count mx2)
n=0
while [ $n -lt 20 ]; do
	send_run -c "$T/mx.conf" -f a@example.org user@equal.test
	n=$((n + 1))
done
ok "MX equal preference: both hosts used" test \
    "$(mail_count mx1)" -gt "$before1" -a "$(mail_count mx2)" -gt "$before2"

send_run -c "$T/mx.conf" -f a@example.org user@nullmx.test
is "null MX: exit 69" "$RC" 69
is "null MX: failed" "$(result_field user@nullmx.test 1)" failed
is "null MX: enhanced code" "$(result_field user@nullmx.test 5)" 5.1.10
is "null MX: no host" "$(result_field user@nullmx.test 6)" -

send_run -c "$T/mx.conf" -f a@example.org user@implicit.test
is "implicit MX: exit 0" "$RC" 0
is "implicit MX: the domain's address" \
    "$(result_field user@implicit.test 6)" "implicit.test[127.0.0.2]:$port"

send_run -c "$T/mx.conf" -f a@example.org user@nxdomain.test
is "NXDOMAIN: exit 69" "$RC" 69
is "NXDOMAIN: enhanced code" "$(result_field user@nxdomain.test 5)" 5.1.2

send_run -c "$T/mx.conf" -f a@example.org user@noaddr.test
is "MX host without address: failed 5.4.4" "$(result_field user@noaddr.test 1) $(result_field user@noaddr.test 5)" \
    "failed 5.4.4"

send_run -c "$T/mx.conf" -f a@example.org a@order.test b@nullmx.test \
    c@implicit.test
is "two domains and a null MX: exit 69" "$RC" 69
is "two domains: order.test delivered" "$(result_field a@order.test 1)" \
    delivered
is "two domains: implicit.test delivered" \
    "$(result_field c@implicit.test 1)" delivered

dead_dns=$(free_port)
sed "s/127.0.0.1:$dns_port/127.0.0.1:$dead_dns/; s/timeout = 5/timeout = 1/" \
    "$T/mx.conf" >"$T/deaddns.conf"
send_run -c "$T/deaddns.conf" -f a@example.org user@order.test
is "DNS unreachable: exit 75" "$RC" 75
is "DNS unreachable: no reply code" "$(result_field user@order.test 4)" -

# --- the same routing without MTA-STS (kmta-send's own ldns lookups) ------
sed 's/^tls = disabled$/tls = disabled\nenable_mta_sts = no/' "$T/mx.conf" \
    >"$T/nosts.conf"
send_run -c "$T/nosts.conf" -f a@example.org user@order.test
is "ldns path, MX order: lowest preference first" \
    "$(result_field user@order.test 6)" "mx1.order.test[127.0.0.2]:$port"
send_run -c "$T/nosts.conf" -f a@example.org user@fallback.test
is "ldns path, MX refused: next host" \
    "$(result_field user@fallback.test 6)" "mx2.order.test[127.0.0.3]:$port"
send_run -c "$T/nosts.conf" -f a@example.org user@nullmx.test
is "ldns path, null MX: enhanced code" \
    "$(result_field user@nullmx.test 5)" 5.1.10
send_run -c "$T/nosts.conf" -f a@example.org user@implicit.test
is "ldns path, implicit MX" "$(result_field user@implicit.test 6)" \
    "implicit.test[127.0.0.2]:$port"
send_run -c "$T/nosts.conf" -f a@example.org user@nxdomain.test
is "ldns path, NXDOMAIN: enhanced code" \
    "$(result_field user@nxdomain.test 5)" 5.1.2
send_run -c "$T/nosts.conf" -f a@example.org user@noaddr.test
is "ldns path, MX host without address" \
    "$(result_field user@noaddr.test 1) $(result_field user@noaddr.test 5)" \
    "failed 5.4.4"

# --- a relay name, looked up through [dns] name_servers -----------------
conf "$T/relay.conf"
echo "relay = mx1.order.test:$port" >>"$T/relay.conf"
send_run -c "$T/relay.conf" -f a@example.org user@elsewhere.example
is "relay name: exit 0" "$RC" 0
is "relay name: found through name_servers" \
    "$(result_field user@elsewhere.example 6)" "mx1.order.test[127.0.0.2]:$port"
conf "$T/norelay.conf"
echo "relay = nothere.order.test:$port" >>"$T/norelay.conf"
send_run -c "$T/norelay.conf" -f a@example.org user@elsewhere.example
is "relay name without address: exit 75" "$RC" 75
is "relay name without address: deferred 4.4.4" \
    "$(result_field user@elsewhere.example 1) $(result_field user@elsewhere.example 5)" \
    "deferred 4.4.4"
ok "relay name without address: says so" \
    grep -q "relay host nothere.order.test has no address" "$T/err"

# --- IPv4 and IPv6 ------------------------------------------------------
conf "$T/v4relay.conf"
echo "relay = 127.0.0.2:$port" >>"$T/v4relay.conf"
stored=$(mail_count mx1)
send_run -6 -c "$T/v4relay.conf" -f a@example.org user@elsewhere.example
is "-6 with an IPv4 relay: exit 75" "$RC" 75
is "-6 with an IPv4 relay: deferred 4.4.4" \
    "$(result_field user@elsewhere.example 1) $(result_field user@elsewhere.example 5)" \
    "deferred 4.4.4"
ok "-6 with an IPv4 relay: says why" \
    grep -q "127.0.0.2 is an IPv4 address, and only IPv6 is enabled" "$T/err"
is "-6 with an IPv4 relay: nothing stored" "$(mail_count mx1)" "$stored"
if [ "$has_v6" = yes ]; then
	send_run -c "$T/mx.conf" -f a@example.org user@dual.test
	is "dual stack: IPv6 first by default" \
	    "$(result_field user@dual.test 6)" "dual.test[::1]:$port"
	conf "$T/v4pref.conf" "address_preference = ipv4"
	send_run -c "$T/v4pref.conf" -f a@example.org user@dual.test
	is "address_preference = ipv4" "$(result_field user@dual.test 6)" \
	    "dual.test[127.0.0.2]:$port"
	conf "$T/v4only.conf" "inet_protocols = ipv4"
	send_run -c "$T/v4only.conf" -f a@example.org user@dual.test
	is "inet_protocols = ipv4" "$(result_field user@dual.test 6)" \
	    "dual.test[127.0.0.2]:$port"
	send_run -4 -c "$T/mx.conf" -f a@example.org user@dual.test
	is "-4" "$(result_field user@dual.test 6)" "dual.test[127.0.0.2]:$port"
	send_run -6 -c "$T/v4pref.conf" -f a@example.org user@dual.test
	is "-6" "$(result_field user@dual.test 6)" "dual.test[::1]:$port"
	send_run -6 -c "$T/mx.conf" -f a@example.org user@order.test
	is "-6 with an IPv4-only MX: exit 75" "$RC" 75
else
	for name in "dual stack" address_preference inet_protocols -4 -6 \
	    "-6 IPv4-only"; do
		skip "$name" "no ::1 on the loopback interface"
	done
fi

done_testing
