#!/bin/sh
# kmta-send with its relay AUTH password in Vault: delivery works, a batch
# of messages reads the secret once, the password shows up nowhere in the
# output, and a sealed Vault defers instead of sending without AUTH.
. "$KMTA_TOP/t/lib/sendtest.sh"
st_need_tools

T=$ST_TMP
password="vault-relay-pass-$$"
token="hvs.send-test-$$"
printf '%s' "$token" >"$T/token"
sh "$KMTA_TOP/t/lib/mkcert.sh" "$T/ca" smtp localhost IP:127.0.0.1
cat >"$T/seed.json" <<JSON
{"namespaces": {"": {"mounts": {"secret/": 2},
  "data": {"secret/relay": {"username": "relay-user", "password": "$password"}}}}}
JSON

# vault_start NAME [vaultd.py options]: sets VAULT_ADDR for server NAME.
vault_start() {
	name=$1
	shift
	/usr/bin/python3 "$KMTA_TOP/t/lib/vaultd.py" --port-file "$T/$name.vport" \
	    --cert "$T/ca/smtp.pem" --key "$T/ca/smtp.key" --token-file "$T/token" \
	    --seed "$T/seed.json" --log "$T/$name.vlog" "$@" 2>"$T/$name.vstderr" &
	st_pids="$st_pids $!"
	st_wait_file "$T/$name.vport" || return 1
	VAULT_ADDR="https://127.0.0.1:$(cat "$T/$name.vport")"
	export VAULT_ADDR
}

data_reads() {
	grep -c '"path": "/v1/secret/data/relay"' "$T/$1.vlog"
}

export VAULT_TOKEN="$token" VAULT_CACERT="$T/ca/ca.pem" VAULT_MAX_RETRIES=0
vault_start main
# shellcheck disable=SC2086
smtpd_start relay --tls-cert "$T/ca/smtp.pem" --tls-key "$T/ca/smtp.key" \
    --auth "relay-user:$password"
cat >"$T/send.conf" <<CONF
[send]
ca_file = $T/ca/ca.pem
[domain "*"]
relay = localhost:$SMTPD_PORT
tls = verify
auth_username = relay-user
auth_password = vault:secret/relay#password
CONF

printf 'From: a@example.org\nSubject: vault auth\n\nbody\n' >"$T/msg"
send_run -c "$T/send.conf" -f a@example.org b@example.net
is "relay password from Vault: exit 0" "$RC" 0
ok "server saw the AUTH user" grep -q '"auth": "relay-user"' \
    "$T/relay.mail/0001.json"
ok "password not in stdout or stderr" sh -c "! grep -q '$password' '$T/out' '$T/err'"

: >"$T/main.vlog"
for i in 1 2 3; do
	printf 'From: a@example.org\nSubject: batch %s\n\nbody\n' "$i" >"$T/m$i"
	printf '%s\ta@example.org\tb%s@example.net\n' "$T/m$i" "$i"
done >"$T/batch"
MSG_IN=$T/batch send_run -c "$T/send.conf" --batch
is "batch of three: exit 0" "$RC" 0
is "batch of three: stored" "$(mail_count relay)" 4
is "batch of three reads the secret once" "$(data_reads main)" 1

vault_start sealed --fault sealed
send_run -c "$T/send.conf" -f a@example.org b@example.net
is "sealed Vault: exit 75" "$RC" 75
is "sealed Vault: nothing more delivered" "$(mail_count relay)" 4
ok "sealed Vault: reason given" grep -q "Vault is sealed" "$T/err" "$T/out"

done_testing
