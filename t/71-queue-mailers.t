#!/bin/sh
# Real mail clients hand their mail to kmta-queue's sendmail personality:
# git send-email, PHP's mail() and bsd-mailx (inside a mount namespace
# where /usr/sbin/sendmail is kmta-queue). Each message lands in the
# queue with the envelope the client meant.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

mkdir "$T/bin"
ln -s "$KMTA_BIN/kmta-queue" "$T/bin/sendmail"
export KMTA_CONF="$CONF"

last_id() {
	queued_ids | tail -n 1
}
rcpts_of() {
	awk -F '\t' '$1 == "rcpt" { print $5 }' "$(env_file "$1")" | sort | tr '\n' ' '
}

# git send-email, with a patch of a repository made here.
if [ -x "$(git --exec-path)/git-send-email" ]; then
	git init -q "$T/repo"
	(
		cd "$T/repo" &&
		echo one >file &&
		git add file &&
		git -c user.name=Dev -c user.email=dev@example.com \
		    commit -q -m "Add file" &&
		git format-patch -q -1 -o "$T/patches"
	)
	HOME=$T GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com \
	    GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com \
	    git -C "$T/repo" send-email --quiet --confirm=never \
	    --suppress-cc=all --smtp-server="$T/bin/sendmail" \
	    --from="Dev <dev@example.com>" --envelope-sender=dev@example.com \
	    --to=maintainer@example.net --cc=list@example.org \
	    "$T/patches"/*.patch >"$T/git.out" 2>&1
	is "git send-email exits 0" "$?" 0
	sed 's/^/# /' "$T/git.out"
	id=$(last_id)
	is "git send-email: recipients" "$(rcpts_of "$id")" \
	    "list@example.org maintainer@example.net "
	is "git send-email: envelope sender" "$(envelope_field "$id" sender)" \
	    dev@example.com
	ok "git send-email: the patch is queued" \
	    grep -q "^Subject: \[PATCH\] Add file" "$(msg_file "$id")"
else
	skip "git send-email" "git-email not installed"
fi

# PHP's mail() with sendmail_path "sendmail -t -i", as php.ini sets it.
if command -v php >/dev/null; then
	php -d "sendmail_path=$T/bin/sendmail -t -i" -r '
	    exit(mail("web@example.net", "Order 17", "Thank you.",
	        "From: shop@example.com\r\nBcc: audit@example.net") ? 0 : 1);' \
	    2>"$T/php.err"
	is "PHP mail() returns true" "$?" 0
	id=$(last_id)
	is "PHP: recipients from To and Bcc" "$(rcpts_of "$id")" \
	    "audit@example.net web@example.net "
	ok "PHP: Bcc removed" sh -c "! grep -qi '^Bcc:' '$(msg_file "$id")'"
else
	skip "PHP mail()" "php-cli not installed"
fi

# bsd-mailx runs /usr/sbin/sendmail; a private mount namespace points
# that path at kmta-queue for this one command.
if command -v mail >/dev/null && [ "$(id -u)" -eq 0 ] &&
    unshare -m true 2>/dev/null; then
	echo "Disk almost full." | unshare -m sh -c "
	    mount --bind '$T/bin/sendmail' /usr/sbin/sendmail &&
	    mail -s 'disk report' ops@example.net" 2>"$T/mailx.err"
	is "mailx exits 0" "$?" 0
	id=$(last_id)
	is "mailx: recipient" "$(rcpts_of "$id")" "ops@example.net "
	ok "mailx: subject kept" grep -q "^Subject: disk report" "$(msg_file "$id")"
else
	skip "bsd-mailx" "mail, root or unshare -m not available"
fi
done_testing
