#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# corrupt.sh - a wild write into the tables of a live region costs the
# other kernels an error, never an oops or an access outside the region.
# Two guests share the fabric; node 0 makes a segment. A value in its
# tables is then overwritten from outside, as another kernel's wild write
# would (tests/tools/fabric_poke, on the host's fabric file), and written
# back after; then the segment (or object) works again and the checker is
# clean on both guests:
#   - its section's first page, far past the partition: on node 1, stat
#     and open+map fail with EUCLEAN ("Structure needs cleaning"), its
#     kernel logs the corrupt region once, the checker finds violations
#     and names the section in the kernel log;
#   - the partition its master entry names, one that does not exist: the
#     same on node 0;
#   - the CRC of a global name's entry (the name table): opening the name
#     fails with EUCLEAN on node 1, the checker finds it;
#   - the section named by the sharer of a share node 0 holds (the sharer
#     table): node 1's stat and open, which do not read it, work; the
#     checker finds it (its holder's release would fail with EUCLEAN:
#     unit-corrupt; written back first, the release works);
#   - the partition's free page count, past its size: a new segment of
#     node 0 goes to the other partition; the checker finds the count;
#   - the partition's page search hint and section high-water mark, past
#     the tables: a new segment is still made on it, only the mark is a
#     violation (a hint is never one);
#   - the free page bitmap word of the segment's first page, all used:
#     the pages are lost, not handed out twice; the checker finds them;
#   - a global mutex's type, none there is (the sync object table): node
#     1 cannot open it, EUCLEAN; the table header's object count, which
#     nothing reads: the mutex works, the checker finds the count;
#   - the type of the cluster event log's last record, and the log's
#     sequence number at its end: a subscriber on node 1 starts there (and
#     again from the right one when it is written back, its kernel logging
#     that it went back); the checker finds both.
# The checker's kernel log lines are rate-limited (ten per five seconds),
# so they are asserted only in the first check after boot; the structure
# each later check names is asserted by the checker run on the host on the
# fabric file (mcsctl check FILE, as an observer, prints every one).
# The checker's own messages are kernel log lines at warning level: they
# must not be taken for a splat, and are not (vm_check_logs looks for
# BUG:, WARNING:, Oops).
# Neither guest's log may show BUG:, WARNING:, Oops (vm_finish).
source "$(dirname "$0")/lib.sh"

POKE=$VM_ROOT/build/tests/tools/fabric_poke
G=0xc00
G2=0xc01

vm_setup vm-corrupt
[ -x "$POKE" ] || { echo "no $POKE (make)"; exit 1; }
vm_two_nodes

# poke WHAT VALUE [OBJECT]: overwrite WHAT of OBJECT (default the
# segment; a global name, or - where WHAT needs none); the old value goes
# to OLD.
poke()
{
	local out obj=${3:-$G}

	out=$("$POKE" "$VM_FABRIC" "$1" "$obj" "$2") ||
		{ vm_fail "fabric_poke $1 $obj $2: $out"; vm_finish; }
	OLD=${out#was }
	vm_log "poked $1 of $obj: $2 (was $OLD)"
}

# host_check PATTERN: the checker, run here on the fabric file, finds
# violations and one of its messages matches PATTERN.
host_check()
{
	local out rc

	out=$("$VM_ROOT/build/mcsctl" check "$VM_FABRIC" 2>&1)
	rc=$?
	if [ "$rc" -ne 1 ] || ! grep -qE -- "$1" <<<"$out"; then
		vm_fail "host: mcsctl check exited $rc (want 1), wanted /$1/ in:"
		sed 's/^/    /' <<<"$out"
		return 1
	fi
	vm_log "ok: host: mcsctl check: $1"
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

# A share held on node 0, so that the sharer table has a live entry.
vm_expect g0 0 'holding' "segtool hold $G >/tmp/hold 2>&1 & for i in \$(seq 300); do grep -q holding /tmp/hold && break; sleep 0.1; done; cat /tmp/hold"
poke sharer-section 0x7fffffff
vm_expect g1 0 'sharers 1 ' "segtool stat $G"
vm_expect g1 0 'verified' "segtool verify $G"
vm_expect g1 1 ' [1-9][0-9]* violations' 'mcsctl check'
host_check 'sharer 0/[0-9]+ names no live section'
poke sharer-section "$OLD"
vm_kill_proc g0 segtool
vm_expect g1 0 'sharers 0 ' "segtool stat $G"
vm_check_clean g0 g1

poke part-free 0xffffffff
vm_expect g0 0 '' "segtool create $G2 65536"
vm_expect g0 0 'home 1 ' "segtool stat $G2"
vm_expect g1 1 ' [1-9][0-9]* violations' 'mcsctl check'
host_check 'partition 0 counts 4294967295 free pages'
poke part-free "$OLD"
vm_expect g0 0 '' "segtool destroy $G2"
vm_check_clean g0 g1

poke page-hint 0xffffffff
poke section-hwm 0xffffffff
vm_expect g0 0 '' "segtool create $G2 65536"
vm_expect g0 0 'home 0 ' "segtool stat $G2"
vm_expect g1 0 'verified' "segtool verify $G2"
vm_expect g1 1 ' 1 violations' 'mcsctl check'
host_check 'partition 0 has a bad high-water mark'
vm_expect g0 0 '' "segtool destroy $G2"
poke section-hwm "$OLD"
vm_check_clean g0 g1

poke bitmap 0xffffffffffffffff
vm_expect g0 0 '' "segtool create $G2 65536"
vm_expect g1 0 'verified' "segtool verify $G"
vm_expect g1 0 'verified' "segtool verify $G2"
vm_expect g1 1 ' [1-9][0-9]* violations' 'mcsctl check'
host_check 'page 0/[0-9]+ is used in the bitmap but in no section'
vm_expect g0 0 '' "segtool destroy $G2"
poke bitmap "$OLD"
vm_check_clean g0 g1

vm_expect g0 0 '' 'segtool mutex-create m'
poke sync-type 0x7f m
vm_expect g1 1 'mutex open: Structure needs cleaning' 'segtool mutex-lock m'
vm_expect g1 1 ' [1-9][0-9]* violations' 'mcsctl check'
host_check 'sync object [0-9]+ has a bad type 127'
poke sync-type "$OLD" m
vm_expect g1 0 'lock: Success' 'segtool mutex-lock m'
poke sync-count 0xffffffff -
vm_expect g1 0 'lock: Success' 'segtool mutex-lock m'
vm_expect g1 1 ' 1 violations' 'mcsctl check'
host_check 'sync table holds 4294967295 objects'
poke sync-count "$OLD" -
vm_check_clean g0 g1

# Nothing posts here: the log's readers and its checker are what see it.
poke event-type 0x7f -
vm_expect g1 1 ' 1 violations' 'mcsctl check'
host_check 'event record [0-9]+ has a bad type 127'
poke event-type "$OLD" -
poke event-seq 0xffffffffffffffff -
SEQ=$OLD
vm_expect g1 0 'subscribed seq 18446744073709551615' 'evtool notify-expect poll 1'
vm_expect g1 1 ' 1 violations' 'mcsctl check'
host_check 'event log is at record 18446744073709551615'
poke event-seq "$SEQ" -
vm_expect g1 0 "subscribed seq $SEQ\b" 'evtool notify-expect poll 1'
vm_expect g1 0 'corrupt event log: sequence number went back' 'dmesg | grep "corrupt event log"'
vm_check_clean g0 g1
vm_finish
