#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what "make demo" shows: four Linux guests (QEMU, the Debian
# kernel, the mcs modules) share one ivshmem fabric. Node 0 formats it and
# all four join. A segment made and written on node 0 is mapped and read
# on every other node. Then every node runs an allocation storm through
# libmcs (create, map, fill, destroy; one segment in 64 kept), node 3 also
# holding node 0's segment and the global mutex demo-lock, node 1
# listening for cluster events, and node 3's QEMU is killed in the middle
# of it: the node dies at an arbitrary instruction, perhaps inside a
# transaction or holding table locks. The host plays membership (mcsd's
# part): it declares node 3 down, node 0 recovers it while the survivors'
# storms go on. Node 1 is told node 3 went down and, after that, that
# recovery is done; node 2 takes demo-lock as owner-dead, makes it
# consistent and uses it. The survivors then verify every segment they
# kept, the shared segment has lost node 3 as a sharer, the checker finds the
# region consistent on every survivor, and node 3 boots again and rejoins
# in a new incarnation. Exits non-zero if anything was lost or wrong.
#
# The same recovery with processes as nodes (and a death with memory
# lost): scripts/demo-processes.sh.
#
# Usage: scripts/demo.sh   (as root on first use: it installs QEMU and the
# Debian kernel through scripts/deps.sh). Guest logs end up in
# build/test-logs/demo.guests/.
source "$(dirname "$0")/../tests/vm/lib.sh"

ROUNDS=${DEMO_ROUNDS:-3000}
KEPT=$(( (ROUNDS + 63) / 64 ))
SHARED=0x100

say()
{
	echo
	vm_log "== $*"
}

# show GUEST CMD: run CMD in GUEST and show its output; a failure counts.
show()
{
	local g=$1 cmd=$2 out rc

	out=$(vm_cmd "$g" "$cmd")
	rc=$?
	echo "   $g\$ $cmd"
	sed 's/^/      /' <<<"$out"
	[ "$rc" -eq 0 ] || vm_fail "$g: '$cmd' exited $rc"
	return "$rc"
}

# wait_storm GUEST PATTERN: wait for the guest's storm log to say PATTERN.
wait_storm()
{
	vm_expect "$1" 0 "$2" \
		"for i in \$(seq 1200); do grep -qE '$2|FAIL' /tmp/storm.log && break; sleep 0.1; done; grep -E '$2|FAIL' /tmp/storm.log | tail -n 1" \
		>/dev/null || vm_fail "$1: the storm did not reach /$2/"
}

vm_setup demo
say "booting four Linux guests that share a 64 MiB ivshmem fabric"
vm_fabric 64M
for n in 0 1 2 3; do
	vm_start "g$n"
done
for n in 0 1 2 3; do
	vm_wait_ready "g$n"
done

say "loading the mcs modules; node 0 formats the fabric; every node joins"
for n in 0 1 2 3; do
	vm_cmd "g$n" mcs-load >/dev/null || vm_fail "g$n: mcs-load"
done
show g0 'mcsctl format --nodes 4'
for n in 0 1 2 3; do
	show "g$n" "mcsctl join $n"
done
show g0 'mcsctl status'

say "node 0 creates segment $SHARED and writes it; every other node maps and reads it"
show g0 "segtool create $SHARED 1M"
for n in 1 2 3; do
	show "g$n" "segtool verify $SHARED"
done

say "node 3 holds segment $SHARED and the global mutex demo-lock; node 1 listens for cluster events"
show g0 'segtool mutex-create demo-lock'
show g3 "segtool hold $SHARED >/tmp/hold.log 2>&1 & for i in \$(seq 600); do grep -q holding /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log"
show g3 "segtool mutex-hold demo-lock >/tmp/mutex.log 2>&1 & for i in \$(seq 600); do grep -q locked /tmp/mutex.log && break; sleep 0.1; done; cat /tmp/mutex.log"
show g1 "evtool notify-expect poll 600 down:3:1 done:3:1 >/tmp/notify.log 2>&1 & for i in \$(seq 600); do grep -q subscribed /tmp/notify.log && break; sleep 0.1; done; cat /tmp/notify.log"
show g0 "segtool stat $SHARED"
show g0 'mcsctl ls'

say "all four nodes run an allocation storm"
vm_cmd g3 'segtool storm 0x40000 0 >/tmp/storm.log 2>&1 &' >/dev/null
for n in 0 1 2; do
	vm_cmd "g$n" "segtool storm $(( (n + 1) << 16 )) $ROUNDS /tmp/verify >/tmp/storm.log 2>&1 &" >/dev/null
done
wait_storm g3 'storm: 30 rounds'
wait_storm g0 'storm: 200 rounds'

say "node 3 crashes: its QEMU is killed in the middle of its storm"
vm_kill g3
show g1 'mcsctl status'

say "membership tells the survivors; node 0 recovers node 3 while the storms go on"
show g0 'mcsctl down 3 1'
show g0 'mcsctl recover 3'

say "the survivors finish their storms and verify every segment they kept"
for n in 0 1 2; do
	wait_storm "g$n" "storm: $ROUNDS rounds done, $KEPT kept"
	vm_cmd "g$n" 'touch /tmp/verify' >/dev/null
done
for n in 0 1 2; do
	wait_storm "g$n" "all $KEPT kept segments verified"
	show "g$n" 'tail -n 2 /tmp/storm.log'
done

say "node 1 was told: node 3 down, then recovery done (recovery first, then the news)"
vm_expect g1 0 'notify ok' "for i in \$(seq 600); do grep -qE 'notify ok|FAIL' /tmp/notify.log && break; sleep 0.1; done; cat /tmp/notify.log" >/dev/null ||
	vm_fail "g1: the cluster events did not come"
show g1 'cat /tmp/notify.log'

say "demo-lock died with node 3: node 2 takes it as owner-dead, repairs, and it works again"
show g2 'segtool mutex-recover demo-lock'

say "segment $SHARED is intact and node 3 no longer shares it; the checker agrees on every survivor"
show g2 "segtool verify $SHARED"
show g0 "segtool stat $SHARED"
for n in 0 1 2; do
	show "g$n" 'mcsctl check'
	# Judged on its JSON (jq, on the host), shown as columns above.
	vm_cmd "g$n" 'mcsctl --json check' | tr -d '\r' |
		jq -e '.violations == 0' >/dev/null ||
		vm_fail "g$n: the checker found violations"
done

say "node 3 boots again and rejoins in a new incarnation"
vm_start g3b
vm_wait_ready g3b
vm_cmd g3b mcs-load >/dev/null || vm_fail "g3b: mcs-load"
show g3b 'mcsctl join 3'
show g3b "segtool verify $SHARED"
show g0 'mcsctl status'

vm_check_logs
if [ "$VM_FAILS" -eq 0 ]; then
	say "OK: node 3 died mid-storm, the survivors recovered it, nothing committed was lost"
else
	say "FAILED: $VM_FAILS problems (guest logs: build/test-logs/demo.guests/)"
fi
vm_finish
