#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# names.sh - the naming rules between the kernel and libmcs hold:
#   - no kernel function (drivers/) has the name of a libmcs export, so a
#     stack trace, a grep or a symbol lookup never mixes the two up;
#   - libmcs (LGPL) includes no drivers/ header: its ABI is
#     include/uapi/linux/mcs.h alone (the Makefile builds it without
#     -Idrivers; this catches a relative include);
#   - every export follows mcs_<object>_<verb>[_name] and is in the map.
#
# Usage: tests/tools/names.sh PATH-TO-LIBMCS.SO
set -u

so=${1:?usage: $0 PATH-TO-LIBMCS.SO}
fails=0

# ok WHAT FAILS-BEFORE: say WHAT held if nothing failed since.
ok()
{
	[ "$fails" -eq "$2" ] && echo "ok: $1"
}

fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

[ -f "$so" ] || { echo "FAIL: no $so"; exit 1; }
exports=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
[ -n "$exports" ] || fail "$so exports nothing"
before=$fails
for sym in $exports; do
	# A definition or declaration: the name followed by "(".
	hits=$(grep -rnE --include='*.c' --include='*.h' --exclude='*.mod.c' \
		"(^|[^A-Za-z0-9_])$sym[[:space:]]*\\(" drivers/)
	[ -z "$hits" ] || fail "kernel code uses the libmcs name $sym:"$'\n'"$hits"
	grep -qE "^[[:space:]]*$sym;" libmcs/libmcs.map ||
		fail "$sym is exported but not in libmcs/libmcs.map"
	[[ $sym =~ ^mcs_[a-z]+(_[a-z]+)*$ ]] || fail "$sym: not mcs_<object>_<verb>"
done
ok "$(wc -w <<<"$exports") exports, none shared with drivers/" "$before"
before=$fails

inc=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' libmcs/*.c libmcs/*.h |
	grep -vE '"(fastlock|lockword|libmcs)\.h"')
[ -z "$inc" ] || fail "libmcs includes a header not its own:"$'\n'"$inc"
ok "libmcs includes only its own headers and <linux/mcs.h>" "$before"
before=$fails

# By name and by GID: each create/open by GID has its _name twin.
for obj in seg mutex event; do
	for verb in create open; do
		for f in "mcs_${obj}_$verb" "mcs_${obj}_${verb}_name"; do
			grep -qx "$f" <<<"$exports" || fail "no $f"
		done
	done
done
ok "segments, mutexes and events: <verb> by GID, <verb>_name by name" "$before"

echo "names: $fails failures"
[ "$fails" -eq 0 ]
