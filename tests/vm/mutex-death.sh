#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mutex-death.sh - a node dies while three guests contend one global
# mutex, and the survivors' loops go on. Three guests join one fabric; a
# named segment holds 256 pairs of counters and an undo record, and one
# named mutex protects it. One process per guest runs "mutexloop run":
# lock (on EOWNERDEAD: repair from the undo record, consistent), update
# a pair, unlock, for ever, so some lockers are in the kernel's slow path
# and some on the user-space fast path at any time. Guest 2's QEMU is
# killed; the host declares node 2 down on guest 0 and recovers it on
# guest 1. Then, in each of three rounds: both survivors' loops are still
# running and have done many more sections since the recovery (every lock
# and unlock returned what a mutex must, or the loop would have stopped),
# the table is consistent under the mutex, and the checker finds the
# region clean on both; node 2 boots again, rejoins with the next
# incarnation and contends again before it is killed in the next round.
source "$(dirname "$0")/lib.sh"

ROUNDS=3
# Sections each loop must do after a recovery: thousands of lock/unlock
# pairs, many of them contended, across guests.
AFTER=2000

vm_setup vm-mutex-death
vm_nodes 16M g0 g1 g2
vm_expect g0 0 'made tbl and tbl-lock' 'mutexloop init tbl tbl-lock'

# start_loop GUEST: its loop, in the background.
start_loop()
{
	vm_expect "$1" 0 '' 'rm -f /tmp/loop.count; mutexloop run tbl tbl-lock /tmp/loop.count >/tmp/loop.log 2>&1 & echo $! >/tmp/loop.pid'
}

# sections GUEST: how many sections its loop has done (0 before the first
# report).
sections()
{
	vm_cmd "$1" 'echo "@@N $(cat /tmp/loop.count 2>/dev/null)"' | tr -d '\r' |
		awk '$1 == "@@N" { n = $2 } END { print n + 0 }'
}

# loop_alive GUEST: its loop still runs and reported no failure.
loop_alive()
{
	vm_expect "$1" 0 '^running' 'cat /tmp/loop.log; kill -0 $(cat /tmp/loop.pid) && echo running; echo "sections and owner-dead repairs: $(cat /tmp/loop.count)"'
}

# progress GUEST FROM: wait until the loop has done AFTER sections more
# than FROM, failing at once if it stopped.
progress()
{
	local g=$1 from=$2 n end=$(( $(date +%s) + 300 ))

	while :; do
		n=$(sections "$g")
		[ "$n" -ge $((from + AFTER)) ] && break
		if ! vm_cmd "$g" 'kill -0 $(cat /tmp/loop.pid)' >/dev/null; then
			vm_fail "$g: the loop stopped after $n sections:"
			vm_cmd "$g" 'cat /tmp/loop.log' | sed 's/^/    /'
			return 1
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			vm_fail "$g: only $((n - from)) sections in 300 s"
			return 1
		fi
		sleep 0.5
	done
	vm_log "ok: $g: $((n - from)) sections since the last recovery"
}

dead=g2
for g in g0 g1 g2; do
	start_loop "$g"
done
for round in $(seq "$ROUNDS"); do
	for g in g0 g1 "$dead"; do
		progress "$g" 0 || break 2
	done
	inc=$(vm_cmd g0 'mcsctl --json status' | tr -d '\r' |
	      jq -r '.nodes[2] | select(.state == "alive") | .incarnation')
	[ -n "$inc" ] || { vm_fail "g0: node 2 is not alive before round $round"; break; }
	vm_kill "$dead"
	vm_expect g0 0 "node 2 incarnation $inc is down" "mcsctl down 2 $inc"
	vm_expect g1 0 "recovered node 2 incarnation $inc" 'mcsctl recover 2'
	from0=$(sections g0)
	from1=$(sections g1)
	progress g0 "$from0" || break
	progress g1 "$from1" || break
	loop_alive g0
	loop_alive g1
	vm_expect g0 0 '^consistent: ' 'mutexloop verify tbl tbl-lock'
	vm_check_clean g0 g1
	# Node 2 boots again, a new incarnation, and contends again.
	dead=g2r$round
	vm_start "$dead"
	vm_wait_ready "$dead"
	vm_expect "$dead" 0 '' 'mcs-load'
	vm_expect "$dead" 0 "joined as node 2 incarnation $((inc + 1))" 'mcsctl join 2'
	start_loop "$dead"
done
vm_finish
