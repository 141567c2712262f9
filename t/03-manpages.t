#!/bin/sh
# Every man page passes mandoc's lint and renders under groff, which man(1)
# uses on Debian, without a warning.
. "${KMTA_TOP:-.}/t/lib/tap.sh"

command -v groff >/dev/null || skip_all "groff not installed"

for page in "$KMTA_TOP"/man/*.[15]; do
	name=$(basename "$page")
	if command -v mandoc >/dev/null; then
		ok "$name: mandoc lint clean" \
		    sh -c "[ -z \"\$(mandoc -T lint -W warning '$page' 2>&1)\" ]"
	else
		skip "$name: mandoc lint" "mandoc not installed"
	fi
	ok "$name: groff renders without warnings" \
	    sh -c "[ -z \"\$(groff -mdoc -Tutf8 -ww -z '$page' 2>&1)\" ]"
done
done_testing
