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

# install-setuid makes kmta-queue set-user-ID to the queue user.
if [ "$(id -u)" -eq 0 ]; then
	make -s -C "$KMTA_TOP" BUILD="$build" install-setuid DESTDIR="$dest" \
	    PREFIX=/opt/kmta >"$dest.log" 2>&1
	is "install-setuid without QUEUE_USER: exit 2" "$?" 2
	ok "install-setuid names QUEUE_USER" grep -q "set QUEUE_USER" "$dest.log"
	make -s -C "$KMTA_TOP" BUILD="$build" install-setuid DESTDIR="$dest" \
	    PREFIX=/opt/kmta QUEUE_USER=root >"$dest.log" 2>&1
	is "install-setuid QUEUE_USER=root: exit 2" "$?" 2
	ok "install-setuid: root is rejected" grep -q "must not be root" "$dest.log"
	make -s -C "$KMTA_TOP" BUILD="$build" install-setuid DESTDIR="$dest" \
	    PREFIX=/opt/kmta QUEUE_USER=nobody >"$dest.log" 2>&1
	is "install-setuid QUEUE_USER=nobody: exit 0" "$?" 0
	is "kmta-queue owned by the queue user" \
	    "$(stat -c %U "$dest/opt/kmta/bin/kmta-queue")" nobody
	is "kmta-queue set-user-ID" \
	    "$(stat -c %a "$dest/opt/kmta/bin/kmta-queue")" 4755
	is "other programs not set-user-ID" \
	    "$(stat -c %a "$dest/opt/kmta/bin/kmta-send")" 755
else
	skip "install-setuid" "needs root to change the owner"
fi
rm -f "$dest.log"
done_testing
