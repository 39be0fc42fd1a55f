#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# isolation.sh - a process that maps a mutex's lock word (the user-space
# fast path) reaches that lock and nothing else (Documentation/uapi.md,
# "Global mutexes"). Two joined guests:
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
#     on them (tests/vm/progs/stale).
# No oops in either log (vm_finish).
source "$(dirname "$0")/lib.sh"

vm_setup vm-isolation
vm_nodes 64M g0 g1

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
vm_finish
