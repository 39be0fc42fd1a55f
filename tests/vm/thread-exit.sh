#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# thread-exit.sh - a thread that ends holding a global mutex abandons it,
# while its process lives on. On guest 0, one process runs every case
# (tests/vm/progs/threadexit.c): a thread locks and returns, calls pthread_exit,
# is cancelled in pause(), or took the lock in the kernel because the
# mutex was held; the next lock, from another thread of the process, gets
# EOWNERDEAD; a thread that unlocked first, or a sibling that ends, leaves
# the mutex alone. Then the same abandonment is seen from guest 1: a
# thread on guest 0 ends holding the mutex (by return, by cancellation,
# after a contended lock taken in the kernel), its process stays alive,
# and guest 1's lock gets EOWNERDEAD, repairs and uses the mutex. A fatal
# signal to a thread kills its process, whose file's release abandons the
# mutex as before. The checker agrees on both guests.
source "$(dirname "$0")/lib.sh"

vm_setup vm-thread-exit
vm_two_nodes

vm_expect g0 0 'all cases passed' 'threadexit local tx' 120

vm_expect g0 0 '^mutex m1 gid 0x' 'segtool mutex-create m1'
for how in return cancel kernel exit; do
	vm_expect g0 0 "ended holding m1 \\($how\\)" "threadexit hold m1 $how >/tmp/hold.log 2>&1 & echo \$! >/tmp/hold.pid; for i in \$(seq 100); do grep -q ended /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log"
	# The thread is gone, its process lives: owner-dead on the other guest.
	vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
	vm_expect g0 0 'alive' 'kill -0 $(cat /tmp/hold.pid) && echo alive; kill -9 $(cat /tmp/hold.pid)'
done
vm_check_clean g0 g1

# A fatal signal to a thread ends the process: the file's release abandons.
vm_expect g0 0 'status 143' 'threadexit signal m1; echo status $?'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
vm_check_clean g0 g1
vm_finish
