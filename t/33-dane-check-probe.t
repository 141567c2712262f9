#!/bin/sh
# kmta-dane-check's STARTTLS probe against a server on loopback, found
# through a name server on loopback that sets the AD bit
# (t/lib/adzoned.py): an EHLO reply with a line too long to keep still
# shows the STARTTLS offered after it.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools
/usr/bin/python3 -c 'import dns.message' 2>/dev/null ||
    skip_all "Debian's python3-dnspython is not installed"

T=$ST_TMP
B=$KMTA_BIN/kmta-dane-check
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" mx.long.test mx.long.test \
    >/dev/null 2>&1

printf 'mx.long.test A 127.0.0.1\n' >"$T/records"
/usr/bin/python3 "$KMTA_TOP/t/lib/adzoned.py" --records "$T/records" \
    --port-file "$T/dns.port" 2>"$T/dns.log" &
st_pids="$st_pids $!"
st_wait_file "$T/dns.port" || sed 's/^/# /' "$T/dns.log"
dns_port=$(cat "$T/dns.port")

# One EHLO line of about 4 KB, the size of the probe's reply buffer.
long=X-LONG-$(printf '%04080d' 0)
smtpd_start long --tls-cert "$T/ca/mx.long.test.pem" \
    --tls-key "$T/ca/mx.long.test.key" --ehlo-add "$long"

"$B" --host mx.long.test -r "127.0.0.1:$dns_port" -p "$SMTPD_PORT" -t 5 \
    --no-mta-sts --json >"$T/out" 2>"$T/err"
is "long EHLO line: exit 2" "$?" 2
ok "long EHLO line: STARTTLS seen" grep -q '"starttls": true' "$T/out"
ok "long EHLO line: TLS handshake made" grep -q '"tls_version": "TLSv1' \
    "$T/out"

done_testing
