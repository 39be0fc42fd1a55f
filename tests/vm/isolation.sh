#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# isolation.sh - a process that maps a mutex's lock word (the user-space
# fast path) reaches that lock and nothing else (Documentation/uapi.md,
# "Global mutexes"). Three joined guests (the third only for the last
# part):
#   - root makes mutex "victim" on guest 0, the first in the sync table;
#   - as nobody, tests/vm/progs/lockpage makes mutex "att", maps its lock
#     word's page and writes 0xff over all of it but the lock word (where,
#     before each mutex had a page of its own, the victim's lock, the sync
#     table's header lock and the cluster event log lay), writes a
#     live-looking owner into its own lock word, and cannot map the pages
#     around it or two pages at once;
#   - then, on both guests: the victim locks and unlocks, new mutexes are
#     made (the table lock is whole), the checker is clean (the event log
#     included), and mcsctl ls shows the victim free and consistent;
#   - root waiting on "att" (whose word names a live owner) waits in
#     slices outside the node's access lock: a freeze and thaw of that
#     node go through meanwhile (the waiter is told ESHUTDOWN), and a
#     waiter dies at once when killed;
#   - stale descriptors: forged descriptors left in freed pages are
#     never believed by an open racing the creation of the segment made
#     on them (tests/vm/progs/stale);
#   - revocation: guest 2 dies with its memory; a process on guest 0
#     writing through a mapping of a segment homed there dies of SIGBUS
#     once the partition is recovered as lost.
# No oops in either log (vm_finish).
source "$(dirname "$0")/lib.sh"

vm_setup vm-isolation
vm_nodes 64M g0 g1 g2

vm_expect g0 0 '' 'segtool mutex-create victim'
vm_expect g0 0 'around: refused' 'lockpage att'

for g in g1 g0; do
	vm_expect "$g" 0 'lock: Success' 'segtool mutex-lock victim'
	vm_expect "$g" 0 '' "segtool mutex-create after-$g"
done
vm_json g1 0 '[.names[] | select(.name == "/victim") | .gid][0] as $v |
	[.sync[] | select(.gid == $v)][0] |
	.holder == null and .state == "consistent"' 'mcsctl --json ls'
vm_check_clean g0 g1

# A waiter on a word a user wrote holds nothing the node needs: a freeze
# goes through (and tells the waiter, ESHUTDOWN), and a waiter dies when
# killed. It is waiting once its kernel stack is in the lock ioctl.
waiter()
{
	vm_expect g1 0 '' 'segtool mutex-lock att >/tmp/att.log 2>&1 & echo $! >/tmp/att.pid'
	vm_wait_output g1 30 'cat /proc/$(cat /tmp/att.pid)/stack' 'uapi_mutex_lock'
}
waiter
vm_expect g1 0 '' 'mcsctl freeze && mcsctl thaw'
vm_wait_output g1 30 'cat /tmp/att.log' 'lock: Cannot send after transport endpoint shutdown'
waiter
vm_kill_proc g1 segtool
vm_expect g1 0 'lock: Success' 'segtool mutex-lock victim'
vm_check_clean g0 g1

# Stale descriptors: uid 1000 leaves forged descriptors naming GID G in
# the pages it frees on both partitions, and opens G from guest 1 over
# and over while root makes G (8 MiB, mode 0600) there on guest 0. G is
# cleared of them before anybody can find it, so never once does the
# open pass (it did, while root's zeroing ran, when the descriptor was
# written only after the commit).
for round in 1 2 3; do
	G=$((0x5000 + round))
	vm_expect g1 0 '' "rm -f /tmp/stale.flag; stale open $G /tmp/stale.flag >/tmp/stale.log 2>&1 & echo started"
	vm_expect g0 0 'forged' "stale forge $G 8388608 0x6000"
	vm_expect g0 0 '' "segtool create $G 8388608 0600"
	vm_expect g1 0 '' 'touch /tmp/stale.flag'
	vm_wait_output g1 60 'cat /tmp/stale.log' 'opened [0-9]+ of'
	vm_expect g1 0 'opened 0 of [1-9]' 'cat /tmp/stale.log'
	vm_expect g0 0 '' "segtool destroy $G"
done
vm_check_clean g0 g1

# Revocation: a mapping on guest 0 of a segment homed on guest 2's
# partition is gone once that partition is declared lost and recovered:
# the process writing through it dies of SIGBUS (exit 135) instead of
# writing on into memory that is no longer the segment's.
vm_expect g2 0 '' 'segtool create 0x7000 65536 0666'
vm_expect g0 0 'counting' \
	"(segtool count 0x7000 0; echo exit \$?) >/tmp/c.log 2>&1 & for i in \$(seq 100); do grep -q counting /tmp/c.log && break; sleep 0.1; done; cat /tmp/c.log"
vm_kill g2
vm_expect g0 0 'node 2 incarnation 1 is down' 'mcsctl down 2 1 --memory-lost'
vm_expect g0 0 '' 'mcsctl recover 2'
vm_wait_output g0 30 'cat /tmp/c.log' 'exit 135'
vm_expect g1 1 'No such file or directory' 'segtool stat 0x7000'
vm_check_clean g0 g1
vm_finish
