#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# corrupt.sh - a wild write into the tables of a live region costs the
# other kernels an error, never an oops or an access outside the region.
# Two guests share the fabric; node 0 makes a segment. A value in its
# tables is then overwritten from outside, as another kernel's wild write
# would (tests/tools/fabric_poke, on the host's fabric file):
#   - its section's first page, far past the partition: on node 1, stat
#     and open+map fail with EUCLEAN ("Structure needs cleaning"), its
#     kernel logs the corrupt region once, the checker finds violations
#     and names the section in the kernel log; written back, the segment
#     verifies again and the checker is clean;
#   - the partition its master entry names, one that does not exist: the
#     same on node 0;
#   - the CRC of a global name's entry (the name table): opening the name
#     fails with EUCLEAN on node 1, the checker finds it; written back,
#     the name opens again.
# The checker's own messages are kernel log lines at warning level: they
# must not be taken for a splat, and are not (vm_check_logs looks for
# BUG:, WARNING:, Oops).
# Neither guest's log may show BUG:, WARNING:, Oops (vm_finish).
source "$(dirname "$0")/lib.sh"

POKE=$VM_ROOT/build/tests/tools/fabric_poke
G=0xc00

vm_setup vm-corrupt
[ -x "$POKE" ] || { echo "no $POKE (make)"; exit 1; }
vm_two_nodes

# poke WHAT VALUE [OBJECT]: overwrite WHAT of OBJECT (default the
# segment); the old value goes to OLD.
poke()
{
	local out obj=${3:-$G}

	out=$("$POKE" "$VM_FABRIC" "$1" "$obj" "$2") ||
		{ vm_fail "fabric_poke $1 $obj $2: $out"; vm_finish; }
	OLD=${out#was }
	vm_log "poked $1 of $obj: $2 (was $OLD)"
}

# corrupt_seen GUEST [PATTERN]: operations on the segment fail with
# EUCLEAN and the checker finds violations; with PATTERN, its kernel log
# line names the structure (those lines are rate-limited, ten per five
# seconds, so only the first check after boot is sure to print them).
corrupt_seen()
{
	vm_expect "$1" 1 'Structure needs cleaning' "segtool stat $G"
	vm_expect "$1" 1 'Structure needs cleaning' "segtool verify $G"
	# Columns, not JSON: the kernel prints each violation on the console.
	vm_expect "$1" 1 ' [1-9][0-9]* violations' 'mcsctl check'
	[ -z "${2:-}" ] ||
		vm_expect "$1" 0 "mcs: check: .*$2" 'dmesg | grep "mcs: check:"'
}

vm_expect g0 0 '' "segtool create $G 65536"
vm_expect g1 0 'verified' "segtool verify $G"

poke section-first 0x7fffffff
corrupt_seen g1 'pages outside the partition'
vm_expect g1 0 'corrupt region' 'dmesg | grep "corrupt region"'
poke section-first "$OLD"
vm_expect g1 0 'verified' "segtool verify $G"
vm_check_clean g0 g1

poke master-part 0xfff0
corrupt_seen g0
poke master-part "$OLD"
vm_expect g0 0 'verified' "segtool verify $G"
vm_check_clean g0 g1

vm_expect g0 0 '' 'segtool name-create named 65536 0666'
poke name-crc 0x5eed named
vm_expect g1 1 'Structure needs cleaning' 'segtool name-verify named'
vm_expect g1 1 ' [1-9][0-9]* violations' 'mcsctl check'
poke name-crc "$OLD" named
vm_expect g1 0 '' 'segtool name-verify named'
vm_check_clean g0 g1
vm_finish
