#!/bin/sh
# Every kmta-queue command and option appears in --help, in kmta-queue(1)
# and in both shell completions; the man page is mandoc-clean; and the bash
# completion offers the commands and queue ids.
. "$KMTA_TOP/t/lib/tap.sh"
. "$KMTA_TOP/t/lib/queue.sh"

man="$KMTA_TOP/man/kmta-queue.1"
bash_comp="$KMTA_TOP/completions/kmta-queue.bash"
zsh_comp="$KMTA_TOP/completions/_kmta-queue"
"$KMTA_BIN/kmta-queue" --help >"$T/help"
is "--help exits 0" "$?" 0

for word in add list show delete hold release bounce stats run flush; do
	ok "help lists $word" grep -q "^  $word" "$T/help"
	ok "man page documents $word" grep -q "^\.It Cm $word" "$man"
	ok "bash completion offers $word" grep -q "commands=.*$word" "$bash_comp"
	ok "zsh completion offers $word" grep -q "'$word:" "$zsh_comp"
done

# option: how the man page writes it, then how the completions do.
for pair in "-c:Fl c" "-q:Fl q" "--syslog:Fl -syslog" "--help:Fl -help" \
    "-f:Fl f" "-t:Fl t" "--json:Fl -json" "--loop:Fl -loop" "-j:Fl j"; do
	option=${pair%%:*}
	mdoc=${pair#*:}
	ok "help lists $option" grep -q -- "$option" "$T/help"
	ok "man page documents $option" grep -q -- "$mdoc" "$man"
	ok "bash completion offers $option" grep -q -- "'.*$option" "$bash_comp"
	ok "zsh completion offers $option" \
	    grep -Eq -- "[{,']$option[],[}]" "$zsh_comp"
done

if command -v mandoc >/dev/null; then
	ok "kmta-queue(1) is mandoc -T lint clean" \
	    sh -c "mandoc -T lint -W warning '$man' >'$T/lint' 2>&1 && [ ! -s '$T/lint' ]"
	sed 's/^/# /' "$T/lint"
	for section in SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" \
	    EXAMPLES SECURITY "SEE ALSO"; do
		ok "man page has $section" grep -q "^\.Sh $section" "$man"
	done
else
	skip "man page lint" "mandoc not installed"
fi

bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ] && command -v bash >/dev/null; then
	id=$(message completion | kq add -f app@example.com rcpt@example.net \
	    2>/dev/null)
	# complete WORDS...: what bash completion offers for the last word.
	complete_words() {
		PATH="$KMTA_BIN:$PATH" bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_kmta_queue kmta-queue "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$bc" "$bash_comp" "$@"
	}
	is "bash completes 'fl' to flush" \
	    "$(complete_words kmta-queue fl)" flush
	is "bash completes a queue id after -c CONF show" \
	    "$(complete_words kmta-queue -c "$CONF" show "")" "$id"
	is "bash completes run options" \
	    "$(complete_words kmta-queue run --l)" --loop
else
	skip "bash completion" "bash-completion not installed"
fi
done_testing
