#!/bin/sh
# The sendmail personality: the command lines of cron, PHP's mail(),
# git send-email and mailx queue a message; -t takes recipients from the
# header and drops Bcc; mailq lists.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

mkdir "$T/bin"
ln -s "$KMTA_BIN/kmta-queue" "$T/bin/sendmail"
ln -s "$KMTA_BIN/kmta-queue" "$T/bin/mailq"
export KMTA_CONF="$CONF"

# last_id: the newest queue id.
last_id() {
	queued_ids | tail -n 1
}
rcpts_of() {
	awk -F '\t' '$1 == "rcpt" { print $5 }' "$(env_file "$1")" | sort | tr '\n' ' '
}

# Debian's cron: /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem USER
printf 'From: root (Cron Daemon)\nTo: ops@example.net\nSubject: Cron <root@host> backup\n\nbackup done\n' |
    LOGNAME=cron "$T/bin/sendmail" -FCronDaemon -i -B8BITMIME -oem \
    ops@example.net 2>/dev/null
is "cron's command line: exit 0" "$?" 0
id=$(last_id)
is "cron: recipient queued" "$(rcpts_of "$id")" "ops@example.net "
is "cron: default sender is LOGNAME at this host" \
    "$(envelope_field "$id" sender)" "cron@$(hostname)"

# PHP's mail(): sendmail_path = "/usr/sbin/sendmail -t -i".
cat >"$T/php.eml" <<'MSG'
From: Shop <shop@example.com>
To: "Doe, Jane" <jane@example.net>, bob@example.org (Bob)
Cc: team: amy@example.net, <ben@example.net>;
Bcc: hidden@example.net
Subject: Your order

A line with a single dot follows.
.
It is part of the message with -i.
MSG
"$T/bin/sendmail" -t -i <"$T/php.eml" 2>/dev/null
is "PHP's command line: exit 0" "$?" 0
id=$(last_id)
is "-t: recipients from To, Cc and Bcc" "$(rcpts_of "$id")" \
    "amy@example.net ben@example.net bob@example.org hidden@example.net jane@example.net "
ok "-t: Bcc field removed" sh -c "! grep -qi '^Bcc:' '$(msg_file "$id")'"
ok "-t: other fields kept" grep -q '^Cc: team: amy@example.net' "$(msg_file "$id")"
ok "-i: a dot line does not end the message" \
    grep -q "It is part of the message" "$(msg_file "$id")"
is "-t without -f: sender is LOGNAME" \
    "$(envelope_field "$id" sender)" "${LOGNAME:-$(id -un)}@$(hostname)"

# Without -i, a line with a single dot ends the message, as in sendmail.
"$T/bin/sendmail" -t -f shop@example.com <"$T/php.eml" 2>/dev/null
id=$(last_id)
ok "no -i: message ends at the dot line" \
    sh -c "! grep -q 'It is part of the message' '$(msg_file "$id")'"
ok "no -i: text before the dot kept" \
    grep -q "A line with a single dot follows." "$(msg_file "$id")"

# git send-email: sendmail -i -f SENDER RCPT...
message patch | "$T/bin/sendmail" -i -f dev@example.com \
    maintainer@example.net list@example.org 2>/dev/null
is "git send-email's command line: exit 0" "$?" 0
id=$(last_id)
is "git send-email: envelope sender" "$(envelope_field "$id" sender)" \
    dev@example.com
is "git send-email: recipients" "$(rcpts_of "$id")" \
    "list@example.org maintainer@example.net "

# mailx: sendmail -oi -oem -- RCPT, and -r for the sender.
message mailx | "$T/bin/sendmail" -oi -oem -r '<user@example.com>' -- \
    friend@example.net 2>/dev/null
is "mailx's command line: exit 0" "$?" 0
id=$(last_id)
is "mailx: -r sets the sender" "$(envelope_field "$id" sender)" \
    user@example.com
is "mailx: recipient after --" "$(rcpts_of "$id")" "friend@example.net "

# cron with MAILTO unset mails the bare user name: without [queue]
# local_domain it is rejected with a hint; with it, it is qualified, and
# the default sender too.
message cronroot | "$T/bin/sendmail" -f app@example.com -i root 2>"$T/err"
is "bare recipient without local_domain: exit 65" "$?" 65
ok "bare recipient error says what to set" grep -q \
    "invalid address (no domain): root; set \[queue\] local_domain" "$T/err"
write_conf "local_domain = host.example"
message cronroot | env -u LOGNAME "$T/bin/sendmail" -FCronDaemon -i \
    -B8BITMIME -oem root 2>/dev/null
is "bare recipient with local_domain: exit 0" "$?" 0
id=$(last_id)
is "bare recipient qualified" "$(rcpts_of "$id")" "root@host.example "
is "default sender is the calling user at local_domain" \
    "$(envelope_field "$id" sender)" "$(id -un)@host.example"
message addbare | kq add -f app rcpt 2>/dev/null >/dev/null
id=$(last_id)
is "add qualifies bare names too" "$(rcpts_of "$id") $(envelope_field \
    "$id" sender)" "rcpt@host.example  app@host.example"
write_conf

# Listing and errors.
"$T/bin/mailq" >"$T/mailq" 2>/dev/null
is "mailq exits 0" "$?" 0
ok "mailq lists the queue" grep -q "friend@example.net" "$T/mailq"
"$T/bin/sendmail" -bp >"$T/bp" 2>/dev/null
ok "sendmail -bp lists the queue" grep -q "friend@example.net" "$T/bp"
message none | "$T/bin/sendmail" -i 2>"$T/err"
is "no recipient: exit 64" "$?" 64
message bad | "$T/bin/sendmail" -Z x@example.net 2>"$T/err"
is "unknown flag: exit 64" "$?" 64
ok "unknown flag error names it" grep -q \
    "^kmta-queue: sendmail: unknown option -Z in \"-Z\"" "$T/err"
message bd | "$T/bin/sendmail" -bd 2>"$T/err"
is "daemon mode rejected: exit 64" "$?" 64
ok "daemon mode error names the mode" grep -q -- "-bd: unsupported mode" \
    "$T/err"

# Missing From, Date and Message-ID fields are added in sendmail mode, as
# PHP's mail() sends none of them; add leaves the message as it is.
write_conf "local_domain = host.example" "[send]" "helo_name = mx.host.example"
printf 'To: friend@example.net\nSubject: php\n\nhello\n' |
    "$T/bin/sendmail" -F 'Web "App"' friend@example.net 2>/dev/null
m=$(msg_file "$(last_id)")
is "missing From: the sender with -F's name" "$(sed -n 1p "$m")" \
    'From: "Web \"App\"" <'"$(envelope_field "$(last_id)" sender)"'>'
ok "missing Date added" grep -q "^Date: [A-Z][a-z][a-z], [0-9]" "$m"
ok "missing Message-ID added at helo_name" \
    grep -q "^Message-ID: <[0-9]*\.[0-9a-f]*@mx.host.example>$" "$m"
ok "original fields kept" grep -q "^Subject: php$" "$m"
printf 'just a body line\n' | "$T/bin/sendmail" friend@example.net 2>/dev/null
m=$(msg_file "$(last_id)")
is "body-only message: fields, empty line, body" \
    "$(sed -n '4,5p' "$m" | tr '\n' '|')" "|just a body line|"
printf 'From: a@example.com\r\nDate: Fri, 04 Dec 2026 20:00:00 +0000\r\nMessage-ID: <x@example.com>\r\n\r\nbody\r\n' \
    >"$T/whole.eml"
"$T/bin/sendmail" -i friend@example.net <"$T/whole.eml" 2>/dev/null
ok "complete message stored unchanged" cmp -s "$T/whole.eml" \
    "$(msg_file "$(last_id)")"
printf 'From: a@example.com\r\nSubject: crlf\r\n\r\nbody\r\n' |
    "$T/bin/sendmail" friend@example.net 2>/dev/null
ok "added fields use the message's CRLF" \
    grep -q "$(printf '^Date: .*\r$')" "$(msg_file "$(last_id)")"
printf 'To: friend@example.net\n\nhello\n' >"$T/bare.eml"
kq add -f app@example.com friend@example.net <"$T/bare.eml" >/dev/null 2>&1
ok "add leaves missing fields missing" cmp -s "$T/bare.eml" \
    "$(msg_file "$(last_id)")"
write_conf

# mailq takes sendmail's flags: -C names the config; anything else is a
# usage error, never silently ignored.
env -u KMTA_CONF "$T/bin/mailq" -C "$CONF" >"$T/mailq" 2>"$T/err"
is "mailq -C: exit 0" "$?" 0
ok "mailq -C reads that config" grep -q "friend@example.net" "$T/mailq"
"$T/bin/mailq" --bogus >/dev/null 2>"$T/err"
is "mailq with an unknown option: exit 64" "$?" 64
ok "mailq option error names mailq" grep -q "^kmta-queue: mailq: unknown option" \
    "$T/err"
"$T/bin/mailq" extra >/dev/null 2>"$T/err"
is "mailq with an argument: exit 64" "$?" 64
ok "mailq argument error names it" grep -q \
    'mailq: unexpected argument "extra": mailq takes no arguments' "$T/err"

# kmta-queue's own option errors start with "kmta-queue:" and name the
# option.
message opt | kq add -f app@example.com -x rcpt@example.net 2>"$T/err"
is "add with an unknown option: exit 64" "$?" 64
is "add option error" "$(cat "$T/err")" \
    "kmta-queue: add: unknown option -x (see kmta-queue --help)"
kq add -f 2>"$T/err"
is "add -f without a value: exit 64" "$?" 64
ok "missing value named" grep -q "^kmta-queue: add: missing value for -f" \
    "$T/err"
kq flush --loop 5 2>"$T/err"
is "flush --loop: exit 64" "$?" 64
ok "flush --loop error" grep -q "flush: --loop is an option of run only" \
    "$T/err"
kq run -j 65 2>"$T/err"
is "run -j 65: exit 64" "$?" 64
ok "run -j 65 error" grep -q -- "-j: invalid value: 65 (expected at most 64)" \
    "$T/err"
done_testing
