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
vm_json g1 0 "(.names | sort_by(.gid)) == ([
		{\"gid\": \"$db\", \"type\": \"segment\", \"name\": \"/db\",
		 \"size\": 1052672, \"part\": 0, \"sharers\": 1},
		{\"gid\": \"$m1\", \"type\": \"lock\", \"name\": \"/m1\",
		 \"size\": null, \"part\": null, \"sharers\": null}] | sort_by(.gid)) and
	(.segments | sort_by(.gid)) == ([
		{\"gid\": \"900\", \"size\": 69632, \"part\": 0, \"sharers\": 0},
		{\"gid\": \"$db\", \"size\": 1052672, \"part\": 0, \"sharers\": 1}] | sort_by(.gid)) and
	.sync == [{\"gid\": \"$m1\", \"type\": \"mutex\", \"state\": \"consistent\",
		\"holder\": {\"node\": 0, \"incarnation\": 1, \"pid\": $holder,
			     \"abandoned\": false}}]" 'mcsctl --json ls'
vm_expect g1 0 'timedlock 100 ms: Connection timed out' 'segtool mutex-try m1'
# A waiter dies at once on kill -9 (the wait is cut by fatal signals).
vm_expect g1 0 'waited 137' 'segtool mutex-lock m1 & p=$!; sleep 1; kill -9 $p; wait $p; echo waited $?'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
# The holder's file gives the mutex up (abandoned) a moment after its death.
vm_json g1 0 ".sync[] | select(.gid == \"$m1\") | .state == \"consistent\" and
	.holder == {\"node\": null, \"incarnation\": null, \"pid\": $holder, \"abandoned\": true}" \
	'for i in $(seq 100); do mcsctl --json ls | grep -q "\"abandoned\": true" && break; sleep 0.1; done; mcsctl --json ls'
vm_expect g1 0 'recovered m1' 'segtool mutex-recover m1'
vm_json g1 0 ".sync[] | select(.gid == \"$m1\") | .type == \"mutex\" and
	.state == \"consistent\" and .holder == null" 'mcsctl --json ls'
vm_expect g1 0 '' 'kill -9 $(cat /tmp/segs.pid)'
vm_expect g0 0 'lock: Success' 'segtool mutex-lock m1'
vm_check_clean g0 g1

# Killed again on guest 1; unlocked without consistent: not recoverable.
hold g1 m1
vm_expect g1 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g0 0 'lock after unlock without consistent: State not recoverable' 'segtool mutex-unrecovered m1'
vm_expect g1 1 'lock: State not recoverable' 'segtool mutex-lock m1'
vm_expect g0 1 'lock: State not recoverable' 'segtool mutex-lock m1'
vm_json g1 0 ".sync[] | select(.gid == \"$m1\") | .type == \"mutex\" and
	.state == \"not-recoverable\" and .holder == null" 'mcsctl --json ls'
vm_check_clean g0 g1

# More than one batch of MCS_CTL_LIST (64): 70 more mutexes by name, each
# listed exactly once, as a name and as a sync object.
vm_expect g0 0 'made 70' 'n=0; for i in $(seq 100 169); do segtool mutex-create x$i >/dev/null && n=$((n + 1)); done; echo made $n'
vm_json g1 0 '[.names[] | select(.name | test("^/x1[0-9]{2}$"))] as $x |
	(.names | length) == 72 and (.sync | length) == 71 and
	($x | map(.name) | unique) == [range(100; 170) | "/x\(.)"] and
	($x | map(.gid) | unique | length) == 70 and
	([.sync[] | select(.gid as $g | $x | any(.gid == $g))] | length == 70 and
	 all(.type == "mutex" and .state == "consistent" and .holder == null))' \
	'mcsctl --json ls'
vm_finish
