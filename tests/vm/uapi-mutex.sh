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
# events are enforced for user nobody. While it is held, "mcsctl ls" on
# guest 1 shows the live fabric: the names (with a named segment's size
# and sharers), every segment, and the mutex with its holder's node,
# incarnation and pid; after the holder is killed, the mutex as abandoned
# by that pid, and once recovered as free; with more objects than one
# batch of the list ioctl holds, each exactly once. The checker agrees on
# both guests
# after each step.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi-mutex
vm_two_nodes

# Start "segtool mutex-hold NAME" on a guest in the background.
hold()
{
	vm_expect "$1" 0 '' "segtool mutex-hold $2 >/tmp/hold.log 2>&1 & echo \$! >/tmp/hold.pid"
	vm_expect "$1" 0 'locked' 'for i in $(seq 100); do grep -q locked /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log'
}

vm_expect g0 0 '^mutex m1 gid 0x' 'segtool mutex-create m1'
m1=$(grep -oE 'gid 0x[0-9a-f]+' <<<"$VM_OUT" | head -n 1 | cut -c7-)
vm_expect g1 1 'File exists' 'segtool mutex-create m1'
vm_expect g1 0 'lock: Success' 'segtool mutex-lock m1'
vm_expect g0 0 'lock: Success' 'segtool mutex-lock /m1'
vm_expect g1 1 'Wrong medium type' 'segtool name-verify m1'
vm_check_clean g0 g1

# Owners and modes: nobody may do what the modes of root's mutexes and
# events allow, and nothing more; its own objects are its to remove.
vm_expect g1 0 'sync modes ok' 'segtool sync-modes'

# A context closed while its process lives leaves alone what the
# process's other context holds.
vm_expect g1 0 'two contexts: the mutex stayed held' 'segtool mutex-two-ctx m1'

# The fast path: no ioctl for a free mutex, the kernel for a held one.
vm_expect g1 0 'fast path: 1000 lock/unlock pairs without the kernel' 'segtool mutex-fast m1'
hold g0 m1
vm_expect g0 0 'trylock of a held mutex: Function not implemented' 'segtool mutex-fast-held m1'
vm_expect g1 0 'trylock of a held mutex: Function not implemented' 'segtool mutex-fast-held m1'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
vm_check_clean g0 g1

# ls_expect PATTERN...: each PATTERN (ERE) matches a line of the last
# vm_expect's output (mcsctl ls), carriage returns of the console removed.
ls_expect()
{
	local out pat

	out=$(tr -d '\r' <<<"$VM_OUT")
	for pat in "$@"; do
		if grep -qE -- "$pat" <<<"$out"; then
			vm_log "ok: ls shows /$pat/"
		else
			vm_fail "mcsctl ls has no line /$pat/ in:"
			sed 's/^/    /' <<<"$out"
		fi
	done
}

# Held on guest 0: busy for guest 1. Killed: owner-dead, then recovered.
hold g0 m1
holder=$(vm_cmd g0 'cat /tmp/hold.pid' | tr -d '\r')

# mcsctl ls on the live fabric, on the other guest: a named segment
# (made on guest 0, held and mapped by a process on guest 1), a segment
# made by GID, and the mutex held by that process of guest 0. Sizes are
# the fabric's: /dev/mcs adds a descriptor page to every segment.
vm_expect g0 0 'created db gid 0x' 'segtool name-create db 1M'
db=$(grep -oE 'gid 0x[0-9a-f]+' <<<"$VM_OUT" | head -n 1 | cut -c7-)
vm_expect g0 0 '' 'segtool create 0x900 64K'
vm_expect g1 0 '' "segtool hold 0x$db >/tmp/segs.log 2>&1 & echo \$! >/tmp/segs.pid"
vm_expect g1 0 'holding' 'for i in $(seq 100); do grep -q holding /tmp/segs.log && break; sleep 0.1; done; cat /tmp/segs.log'
vm_expect g1 0 '^1 sync objects' 'mcsctl ls'
ls_expect "^$db +segment +1052672 +0 +1  /db\$" \
	"^$m1 +lock +- +- +-  /m1\$" "^2 names\$" \
	"^$db +1052672 +0 +1\$" "^900 +69632 +0 +0\$" "^2 segments\$" \
	"^$m1 +mutex +consistent +node 0 incarnation 1 pid $holder\$"
vm_expect g1 0 'timedlock 100 ms: Connection timed out' 'segtool mutex-try m1'
# A waiter dies at once on kill -9 (the wait is cut by fatal signals).
vm_expect g1 0 'waited 137' 'segtool mutex-lock m1 & p=$!; sleep 1; kill -9 $p; wait $p; echo waited $?'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
# The holder's file gives the mutex up (abandoned) a moment after its death.
vm_expect g1 0 "abandoned by pid $holder" 'for i in $(seq 100); do mcsctl ls | grep -q abandoned && break; sleep 0.1; done; mcsctl ls'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
vm_expect g1 0 "^$m1 +mutex +consistent +free" 'mcsctl ls'
vm_expect g1 0 '' 'kill -9 $(cat /tmp/segs.pid)'
vm_expect g0 0 'lock: Success' 'segtool mutex-lock m1'
vm_check_clean g0 g1

# Killed again on guest 1; unlocked without consistent: not recoverable.
hold g1 m1
vm_expect g1 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g0 0 'lock after unlock without consistent: State not recoverable' 'segtool mutex-unrecovered m1'
vm_expect g1 1 'lock: State not recoverable' 'segtool mutex-lock m1'
vm_expect g0 1 'lock: State not recoverable' 'segtool mutex-lock m1'
vm_expect g1 0 "^$m1 +mutex +not-recoverable +free" 'mcsctl ls'
vm_check_clean g0 g1

# More than one batch of MCS_CTL_LIST (64): 70 more mutexes by name, each
# listed exactly once, as a name and as a sync object.
vm_expect g0 0 'made 70' 'n=0; for i in $(seq 100 169); do segtool mutex-create x$i >/dev/null && n=$((n + 1)); done; echo made $n'
vm_expect g1 0 '^71 sync objects' 'mcsctl ls'
ls_expect '^72 names$' ' /x100$' ' /x169$'
vm_expect g1 0 '^70 70 70[^0-9]*$' 'mcsctl ls >/tmp/ls; echo $(grep -cE " /x1[0-9]{2}$" /tmp/ls) $(grep -E " /x1[0-9]{2}$" /tmp/ls | sort -u | wc -l) $(grep -cE "^40+[0-9a-f]+ +mutex +consistent +free$" /tmp/ls)'
vm_finish
