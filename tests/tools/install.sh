#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh - "make install" into a scratch DESTDIR under build/: the
# library, its headers, libmcs.pc, the man pages, mcsctl, and mcsd with
# mcsd.8, its systemd unit (naming the installed mcsd, bound to Corosync)
# and example configurations land where PREFIX says; a C program compiled and linked against the installed copy
# through pkg-config (nothing of the source tree on its command line) runs
# against the installed libmcs.so.2 and gets mcs_open()'s errors for a
# missing device (-ENOENT) and a NULL argument (-EINVAL).
#
# Usage: tests/tools/install.sh   (from the repository root, after make all)
set -u

dest=$PWD/build/install-test
prefix=/opt/mcs
fails=0

fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

rm -rf "$dest"
if ! make -s install DESTDIR="$dest" PREFIX="$prefix" >"$dest.log" 2>&1; then
	cat "$dest.log"
	echo "FAIL: make install"
	exit 1
fi
root=$dest$prefix

for f in bin/mcsctl sbin/mcsd share/man/man8/mcsd.8 lib/systemd/system/mcsd.service \
	 share/doc/mcs/examples/mcsd.conf.example \
	 share/doc/mcs/examples/corosync.conf.example lib/libmcs.so.2 include/libmcs.h include/linux/mcs.h \
	 lib/pkgconfig/libmcs.pc share/man/man8/mcsctl.8 \
	 $(cd libmcs/man && printf 'share/man/man3/%s\n' *.3); do
	[ -s "$root/$f" ] && echo "ok: $prefix/$f" || fail "$prefix/$f not installed"
done
[ "$(readlink "$root/lib/libmcs.so")" = libmcs.so.2 ] || fail "no libmcs.so -> libmcs.so.2"
cmp -s include/uapi/linux/mcs.h "$root/include/linux/mcs.h" || fail "mcs.h differs"
cmp -s tools/mcsctl/mcsctl.8 "$root/share/man/man8/mcsctl.8" || fail "mcsctl.8 differs"
cmp -s daemons/mcsd/mcsd.8 "$root/share/man/man8/mcsd.8" || fail "mcsd.8 differs"
grep -qx "ExecStart=$prefix/sbin/mcsd -f" "$root/lib/systemd/system/mcsd.service" ||
	fail "mcsd.service does not start $prefix/sbin/mcsd"
grep -qx 'BindsTo=corosync.service' "$root/lib/systemd/system/mcsd.service" ||
	fail "mcsd.service is not bound to corosync.service"
"$root/sbin/mcsd" --help | grep -q '^usage: mcsd' || fail "installed mcsd --help"
grep -qx "prefix=$prefix" "$root/lib/pkgconfig/libmcs.pc" || fail "libmcs.pc: prefix is not $prefix"
# Without PREFIX: /usr/local.
make -s -n install DESTDIR=/nonexistent | grep -q ' /nonexistent/usr/local/bin/mcsctl$' ||
	fail "the default PREFIX is not /usr/local"
"$root/bin/mcsctl" --help | grep -q '^usage: mcsctl' || fail "installed mcsctl --help"

# pkg-config finds the installed copy: the sysroot puts DESTDIR in front.
export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libmcs) || fail "pkg-config libmcs"
echo "pkg-config: $flags"
grep -q -- "-I$root/include" <<<"$flags" && grep -q -- "-L$root/lib" <<<"$flags" ||
	fail "pkg-config does not point into DESTDIR"

cat >"$dest/open.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <libmcs.h>

int main(int argc, char **argv)
{
	struct mcs_ctx *ctx = NULL;
	int missing, null;

	if (argc != 2)
		return 2;
	missing = mcs_open(&ctx, argv[1]);
	null = mcs_open(NULL, argv[1]);
	printf("ioctl type %#x, missing device %d, NULL context %d\n", MCS_IOC_TYPE,
	       missing, null);
	return missing == -ENOENT && !ctx && null == -EINVAL ? 0 : 1;
}
EOF
# shellcheck disable=SC2086 # $flags is a list of words
if gcc -Wall -Wextra -Werror -o "$dest/open" "$dest/open.c" $flags; then
	out=$(LD_LIBRARY_PATH=$root/lib "$dest/open" "$dest/no-such-device")
	rc=$?
	echo "open: $out (exit $rc)"
	# ENOENT is 2 and EINVAL 22 on Linux.
	[ "$rc" -eq 0 ] && grep -q 'missing device -2, NULL context -22$' <<<"$out" ||
		fail "the program against the installed libmcs"
	LD_LIBRARY_PATH=$root/lib ldd "$dest/open" | grep -q "libmcs.so.2 => $root/lib/libmcs.so.2" ||
		fail "the program did not load the installed libmcs.so.2"
else
	fail "cannot compile and link against the installed libmcs"
fi

echo "install: $fails failures"
[ "$fails" -eq 0 ]
