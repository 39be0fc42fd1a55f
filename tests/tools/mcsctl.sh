#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsctl.sh - mcsctl on a file fabric: format, status, check and ls work, and
# every bad input gets a clear error (exit 2) and destroys nothing.
#
# Usage: tests/tools/mcsctl.sh PATH-TO-MCSCTL
set -u

mcsctl=${1:?usage: $0 PATH-TO-MCSCTL}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0

# expect STATUS PATTERN CMD...: CMD exits STATUS and its output matches.
expect()
{
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL: '$*' exited $rc (want $want), output:"
		sed 's/^/    /' <<<"$out"
		echo "    (wanted a line matching /$pattern/)"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $rc"
	fi
}

f=$dir/fabric
expect 0 "formatted .* 16777216 bytes, 4 nodes" $mcsctl format "$f" --size 16M --nodes 4
expect 0 "^0 +absent .*primary" $mcsctl status "$f"
expect 0 "^1 +absent .*replica" $mcsctl status "$f"
expect 0 "check: 0 segments, 0 sharers, .* 0 names, 0 violations" $mcsctl check "$f"
expect 0 "^names +256 entries" $mcsctl status "$f"
expect 0 "^0 names" $mcsctl ls "$f"
expect 0 "^0 segments" $mcsctl ls "$f"
expect 0 "^0 sync objects" $mcsctl ls "$f"
expect 2 "usage" $mcsctl ls "$f" extra
sum=$(cksum <"$f")

# Bad input: clear errors, the region untouched.
expect 2 "already holds an mcs region" $mcsctl format "$f" --size 32M --nodes 4
expect 2 "bad size" $mcsctl format "$f" --size 12Q --nodes 4
expect 2 "bad node count" $mcsctl format "$f" --size 16M --nodes 65
expect 2 "usage" $mcsctl format "$f" --nodes 4
expect 2 "unknown command" $mcsctl frobnicate "$f"
# Without FILE, the live fabric: no control device on this host.
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" status
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" join 0
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" ls
expect 2 "bad number" $mcsctl --device "$dir/missing-dev" join x
expect 2 "usage" $mcsctl down 1
[ "$(cksum <"$f")" = "$sum" ] || { echo "FAIL: bad input changed the region"; fails=$((fails + 1)); }

expect 2 "need 2 to 64 nodes" $mcsctl format "$dir/one" --size 16M --nodes 1
expect 2 "too small" $mcsctl format "$dir/tiny" --size 64K --nodes 4
expect 2 "No such file" $mcsctl status "$dir/missing"
head -c 1048576 /dev/zero >"$dir/zero"
expect 2 "not an mcs region" $mcsctl check "$dir/zero"
: >"$dir/empty"
expect 2 "empty file" $mcsctl status "$dir/empty"

# A torn superblock: one flipped byte inside the CRC-covered header.
cp "$f" "$dir/torn"
printf '\x7f' | dd of="$dir/torn" bs=1 seek=40 conv=notrunc status=none
expect 2 "bad CRC" $mcsctl check "$dir/torn"
# A region whose file was cut short.
cp "$f" "$dir/short"
truncate -s 8M "$dir/short"
expect 2 "larger than the file" $mcsctl status "$dir/short"

# --force does erase, and the result is a fresh, clean region.
expect 0 "formatted .* 33554432 bytes, 8 nodes" $mcsctl format "$f" --size 32M --nodes 8 --force
expect 0 "check: 0 segments.* 0 violations" $mcsctl check "$f"

echo "mcsctl: $fails failures"
[ "$fails" -eq 0 ]
