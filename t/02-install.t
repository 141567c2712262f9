#!/bin/sh
# make install puts programs, man pages, completions and the sample config
# under DESTDIR and PREFIX.
. "${KMTA_TOP:-.}/t/lib/tap.sh"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
build=$(dirname "$KMTA_BIN")

ok "make install succeeds" \
    sh -c "make -s -C '$KMTA_TOP' BUILD='$build' install \
        DESTDIR='$dest' PREFIX=/opt/kmta >'$dest.log' 2>&1"
for p in kmta-sign kmta-send kmta-secret kmta-dane-check kmta-queue; do
	ok "$p installed under PREFIX/bin" test -x "$dest/opt/kmta/bin/$p"
done
ok "kmta.conf(5) installed" test -f "$dest/opt/kmta/share/man/man5/kmta.conf.5"
ok "sample config installed" \
    test -f "$dest/opt/kmta/share/doc/kmta/examples/kmta.conf"
ok "nothing written outside DESTDIR/PREFIX" \
    sh -c "[ \"\$(ls '$dest')\" = opt ]"
rm -f "$dest.log"
done_testing
