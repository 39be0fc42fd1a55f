#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi-mutex.sh - global mutexes through /dev/mcs and libmcs, on two
# guests. A mutex made by name on guest 0 is locked and unlocked on guest
# 1. While a process on guest 0 holds it, guest 1's trylock fails with
# EBUSY and a 100 ms timedlock with ETIMEDOUT. That process is killed: the
# next acquirer, on guest 1, gets EOWNERDEAD, makes it consistent, and the
# mutex works again. Killed again holding it, the next acquirer (guest 0)
# unlocks without consistent: the mutex is not recoverable after that
# (ENOTRECOVERABLE on both guests). A process waiting for a held mutex
# dies at once on kill -9. A free mutex is taken and released in user
# space (the lock and unlock ioctls forbidden by seccomp, 1000 pairs still
# work); a held one goes to the kernel. Owners and modes of mutexes and
# events are enforced for user nobody. The checker agrees on both guests
# after each step.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi-mutex
vm_fabric 16M
vm_start g0
vm_start g1
vm_wait_ready g0
vm_wait_ready g1

vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'formatted' 'mcsctl format --nodes 2'
vm_expect g0 0 'joined as node 0' 'mcsctl join 0'
vm_expect g1 0 '' 'mcs-load'
vm_expect g1 0 'joined as node 1' 'mcsctl join 1'

check_both()
{
	local g

	for g in g0 g1; do
		vm_expect "$g" 0 '0 violations' 'mcsctl check'
	done
}

# Start "segtool mutex-hold NAME" on a guest in the background.
hold()
{
	vm_expect "$1" 0 '' "segtool mutex-hold $2 >/tmp/hold.log 2>&1 & echo \$! >/tmp/hold.pid"
	vm_expect "$1" 0 'locked' 'for i in $(seq 100); do grep -q locked /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log'
}

vm_expect g0 0 '^mutex m1 gid 0x' 'segtool mutex-create m1'
vm_expect g1 1 'File exists' 'segtool mutex-create m1'
vm_expect g1 0 'lock: Success' 'segtool mutex-lock m1'
vm_expect g0 0 'lock: Success' 'segtool mutex-lock /m1'
vm_expect g1 1 'Wrong medium type' 'segtool name-verify m1'
check_both

# Owners and modes: nobody may do what the modes of root's mutexes and
# events allow, and nothing more; its own objects are its to remove.
vm_expect g1 0 'sync modes ok' 'segtool sync-modes'

# The fast path: no ioctl for a free mutex, the kernel for a held one.
vm_expect g1 0 'fast path: 1000 lock/unlock pairs without the kernel' 'segtool mutex-fast m1'
hold g0 m1
vm_expect g0 0 'trylock of a held mutex: Function not implemented' 'segtool mutex-fast-held m1'
vm_expect g1 0 'trylock of a held mutex: Function not implemented' 'segtool mutex-fast-held m1'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
check_both

# Held on guest 0: busy for guest 1. Killed: owner-dead, then recovered.
hold g0 m1
vm_expect g1 0 'timedlock 100 ms: Connection timed out' 'segtool mutex-try m1'
# A waiter dies at once on kill -9 (the wait is cut by fatal signals).
vm_expect g1 0 'waited 137' 'segtool mutex-lock m1 & p=$!; sleep 1; kill -9 $p; wait $p; echo waited $?'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
vm_expect g0 0 'lock: Success' 'segtool mutex-lock m1'
check_both

# Killed again on guest 1; unlocked without consistent: not recoverable.
hold g1 m1
vm_expect g1 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g0 0 'lock after unlock without consistent: State not recoverable' 'segtool mutex-unrecovered m1'
vm_expect g1 1 'lock: State not recoverable' 'segtool mutex-lock m1'
vm_expect g0 1 'lock: State not recoverable' 'segtool mutex-lock m1'
check_both
vm_finish
