#!/bin/sh
# Every program is built as a PIE with full RELRO, the stack protector and
# _FORTIFY_SOURCE, as the Makefile promises.
. "${KMTA_TOP:-.}/t/lib/tap.sh"

programs="kmta-sign kmta-send kmta-secret kmta-dane-check kmta-queue"
command -v readelf >/dev/null || skip_all "readelf not installed"

for p in $programs; do
	f="$KMTA_BIN/$p"
	ok "$p is built" test -x "$f"
	ok "$p is a position-independent executable" \
	    sh -c "readelf -h '$f' | grep -q 'Type:.*DYN'"
	ok "$p has full RELRO" \
	    sh -c "readelf -lW '$f' | grep -q GNU_RELRO &&
	        readelf -dW '$f' | grep -q 'FLAGS.*BIND_NOW'"
	ok "$p has a non-executable stack" \
	    sh -c "readelf -lW '$f' | grep GNU_STACK | grep -qv RWE"
done

# The stack protector and fortified calls only show up where a function
# needs them, so check the build flags once instead of every binary.
ok "stack protector and fortify in the build flags" \
    sh -c "make -s -C '$KMTA_TOP' -n BUILD=build/flagcheck SANITIZE= \
        build/flagcheck/libcommon/err.o |
        grep -q -- '-fstack-protector-strong.*' &&
        make -s -C '$KMTA_TOP' -n BUILD=build/flagcheck SANITIZE= \
        build/flagcheck/libcommon/err.o | grep -q -- '-D_FORTIFY_SOURCE=2'"
done_testing
