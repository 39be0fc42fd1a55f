#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# pidns.sh - global mutexes held by processes in PID namespaces, whose
# getpid() and gettid() are not the ids the kernel records and abandons
# by. On guest 0 (tests/vm/progs/pidns.c makes the namespaces): the fast
# path works in a PID namespace (1000 pairs with the lock ioctls
# forbidden); a namespaced process holding a mutex taken in user space is
# killed and guest 1 gets EOWNERDEAD. A process of the initial namespace
# opens a second mutex, and a namespaced process whose pid there is that
# process's pid takes it in user space: mcsctl ls names the holder by its
# pid outside the namespace; when the host process closes its file the
# mutex stays held (guest 1: EBUSY, ETIMEDOUT); when the namespaced
# holder is killed, guest 1 gets EOWNERDEAD. Every thread-exit case runs
# in a PID namespace too, and a namespaced thread that ends holding a
# mutex, taken in user space or (contended) in the kernel, abandons it to
# guest 1 while its process lives. The checker agrees on both guests.
source "$(dirname "$0")/lib.sh"

vm_setup vm-pidns
vm_two_nodes

# wait_for NAME WORDS FILE: FILE on guest NAME gets a line with WORDS
# (fixed text, no regex characters), within 10 s.
wait_for()
{
	vm_expect "$1" 0 "$2" "for i in \$(seq 100); do grep -qF '$2' $3 && break; sleep 0.1; done; cat $3"
}

for m in pa pb pc; do
	vm_expect g0 0 "^mutex $m gid 0x" "segtool mutex-create $m"
	[ "$m" = pb ] && pb=$(grep -oE 'gid 0x[0-9a-f]+' <<<"$VM_OUT" | head -n 1 | cut -c7-)
done

# The user-space fast path works in a PID namespace.
vm_expect g0 0 'fast path: 1000 lock/unlock pairs without the kernel' 'pidns run 0 segtool mutex-fast pa'

# Killed in its namespace holding a mutex taken in user space: abandoned.
vm_expect g0 0 '' 'pidns run 0 segtool mutex-hold pa >/tmp/ct.log 2>&1 & echo $! >/tmp/ct.pid'
wait_for g0 'locked pa' /tmp/ct.log
vm_expect g1 0 'timedlock 100 ms: Connection timed out' 'segtool mutex-try pa'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/ct.pid)'
vm_expect g1 0 'recovered pa' 'timeout 30 segtool mutex-recover pa'
vm_check_clean g0 g1

# A host process opens pb; a namespaced process with the same pid in its
# namespace takes pb in user space.
vm_expect g0 0 '' 'pidns open pb 0x71d >/tmp/host.log 2>&1 & echo $! >/tmp/host.pid'
wait_for g0 'opened pb as pid' /tmp/host.log
host=$(grep -oE 'as pid [0-9]+' <<<"$VM_OUT" | head -n 1 | cut -d' ' -f3)
vm_expect g0 0 '' "pidns run $host segtool mutex-hold pb >/tmp/ct.log 2>&1 & echo \$! >/tmp/ct.pid"
wait_for g0 'locked pb' /tmp/ct.log
read -r global inside < <(grep -oE 'NSpid:[[:space:]]+[0-9]+[[:space:]]+[0-9]+' <<<"$VM_OUT" |
			 head -n 1 | awk '{ print $2, $3 }')
if [ -z "$inside" ] || [ "$inside" != "$host" ] || [ "$global" = "$host" ]; then
	vm_fail "the holder is pid '$inside' (outside: '$global') of its namespace, wanted $host"
fi
# The lock word names it as the kernel does, not by its namespace's pid.
vm_json g1 0 ".sync[] | select(.gid == \"$pb\") | .holder.pid == $global and
	.holder.abandoned == false" 'mcsctl --json ls'
# The host process of that pid closes its file: pb is not its to abandon.
vm_expect g0 0 '' 'kill -USR1 $(cat /tmp/host.pid)'
wait_for g0 'released pb' /tmp/host.log
vm_expect g1 0 'timedlock 100 ms: Connection timed out' 'segtool mutex-try pb'
# The holder is killed: its file abandons pb.
vm_expect g0 0 '' 'kill -9 $(cat /tmp/ct.pid)'
vm_expect g1 0 'recovered pb' 'timeout 30 segtool mutex-recover pb'
vm_check_clean g0 g1

# Thread exit in a PID namespace: every case in one process, then a
# thread that ends holding pc, seen from guest 1 while its process lives.
vm_expect g0 0 'all cases passed' 'pidns run 0 threadexit local tx' 120
for how in return kernel; do
	vm_expect g0 0 '' "pidns run 0 threadexit hold pc $how >/tmp/ct.log 2>&1 & echo \$! >/tmp/ct.pid"
	wait_for g0 'ended holding pc' /tmp/ct.log
	vm_expect g0 0 "\\($how\\)" 'cat /tmp/ct.log'
	vm_expect g1 0 'recovered pc' 'timeout 30 segtool mutex-recover pc'
	vm_expect g0 0 'alive' 'kill -0 $(cat /tmp/ct.pid) && echo alive; kill -9 $(cat /tmp/ct.pid)'
done
vm_check_clean g0 g1
vm_finish
