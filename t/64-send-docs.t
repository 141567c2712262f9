#!/bin/sh
# Every kmta-send option is in --help, the man page and both completion
# files; the man page is mandoc-clean; the bash completion completes.
. "$KMTA_TOP/t/lib/tap.sh"
SEND=$KMTA_BIN/kmta-send
[ -x "$SEND" ] || skip_all "kmta-send not built in $KMTA_BIN"

help=$("$SEND" --help)
man=$KMTA_TOP/man/kmta-send.1
bash_comp=$KMTA_TOP/completions/kmta-send.bash
zsh_comp=$KMTA_TOP/completions/_kmta-send

for opt in -4 -6 -c --config -f --from -m --message -v --verbose -h --help \
    --batch --syslog; do
	case $opt in
	--*) mdoc="Fl -${opt#--}" ;;
	*) mdoc="Fl ${opt#-}" ;;
	esac
	ok "--help lists $opt" sh -c 'printf "%s\n" "$1" |
	    grep -Eq -- "(^|[ ,])$2([ ,]|\$)"' - "$help" "$opt"
	ok "man page documents $opt" grep -Eq -- "(^\\.It|Op|Fl [0-9]*[a-z]*) *$mdoc\\b|$mdoc( |\$)" "$man"
	ok "bash completion offers $opt" grep -Eq -- "(^|[ '])$opt([ ']|\$)" \
	    "$bash_comp"
	ok "zsh completion offers $opt" grep -q -- "$opt" "$zsh_comp"
done

for section in OUTPUT "EXIT STATUS" SECURITY; do
	ok "man page has $section" grep -q "^\\.Sh $section" "$man"
done
ok "man page shows the result line" grep -q \
    'OUTCOME MSGREF RCPT CODE ESC HOST TEXT' "$man"

if command -v mandoc >/dev/null; then
	is "mandoc -T lint is clean" \
	    "$(mandoc -T lint -W warning "$man" 2>&1)" ""
else
	skip "mandoc -T lint is clean" "mandoc is not installed"
fi

if [ -r /usr/share/bash-completion/bash_completion ] && [ -x /bin/bash ]; then
	got=$(/bin/bash -c '. /usr/share/bash-completion/bash_completion
	    . "$1"
	    COMP_WORDS=(kmta-send --ba); COMP_CWORD=1; COMP_LINE="kmta-send --ba"
	    COMP_POINT=${#COMP_LINE}; _kmta_send; echo "${COMPREPLY[*]}"' - \
	    "$bash_comp")
	is "bash completes --ba to --batch" "$got" --batch
else
	skip "bash completes --ba to --batch" "bash-completion is not installed"
fi

done_testing
