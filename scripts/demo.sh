#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what "make demo" shows: four Linux guests (QEMU, the Debian
# kernel, the mcs modules) share one ivshmem fabric and a network with
# Corosync; mcsd on each node forms the mcs cluster by itself (the first
# node formats, the lowest member admits the others one at a time).
#
# The workload is a bank ledger (examples/ledger): every node opens a
# branch, a named global segment of 64 accounts with a global mutex of its
# own, and every node moves money between the accounts of every branch,
# under that branch's mutex, with an undo record in the branch. Node 3
# also runs an allocation storm and stops one transfer half way, holding
# its branch's mutex. Then node 3's kernel panics. Nobody types anything:
# the survivors' Corosync notices, their mcsd declare node 3 down and,
# once its fabric lease has lapsed, recover it, stage by stage. The
# survivors' transfers go on meanwhile; the next to take a mutex node 3
# held gets owner-dead and undoes the half-done transfer from its record;
# node 1 hears node-down and then recovery-done. The demo shows the times
# (detection, recovery per stage), that the survivors kept working, that
# every branch's total is conserved and that the checker is clean on every
# survivor; then node 3 boots again, rejoins in a new incarnation and
# takes part again. Exits non-zero if anything was lost or wrong.
#
# The same recovery with processes as nodes (and a death with memory
# lost): scripts/demo-processes.sh.
#
# Usage: scripts/demo.sh   (as root on first use: it installs QEMU, the
# Debian kernel and Corosync through scripts/deps.sh). Guest logs end up
# in build/test-logs/demo.guests/.
source "$(dirname "$0")/../tests/vm/lib.sh"

BRANCHES="branch-0 branch-1 branch-2 branch-3"
ACCOUNTS=64
BALANCE=1000

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

# wait_for GUEST SECS FILE PATTERN: wait until FILE in GUEST has a line
# matching PATTERN (ERE); that line goes to WAITED. A failure counts.
wait_for()
{
	local out

	out=$(vm_cmd "$1" "for i in \$(seq $(($2 * 10))); do grep -qE '$4' $3 && break; sleep 0.1; done; grep -m 1 -E '$4' $3" $(($2 + 30)))
	if [ $? -ne 0 ]; then
		vm_fail "$1: $3 never said /$4/"
		vm_cmd "$1" "tail -n 20 $3" | sed 's/^/    /'
		return 1
	fi
	WAITED=$(tr -d '\r' <<<"$out")
}

# transfers GUEST: the count in the guest's last ledger progress line (not
# a repair line, which may say "between transfers").
transfers()
{
	vm_cmd "$1" "grep -E '^ledger: node [0-9]+: [0-9]+ transfers' /tmp/ledger.log | tail -n 1" |
		tr -d '\r' | sed -n 's/.*: \([0-9]*\) transfers.*/\1/p'
}

ms_since()
{
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

vm_setup demo
say "booting four Linux guests that share a 64 MiB fabric and a network, each with Corosync"
VM_CLUSTER_FABRIC=64M vm_cluster 4

say "mcsd starts on every node: node 0 formats the fabric and admits the others one at a time"
t0=$(date +%s%N)
for n in 0 1 2 3; do
	vm_cmd "g$n" 'mcsd -f >/tmp/mcsd.log 2>&1 &' >/dev/null
done
for n in 0 1 2 3; do
	wait_for "g$n" 120 /tmp/mcsd.log 'joined as node' || vm_finish
done
vm_log "the cluster formed in $(ms_since "$t0") ms, nobody typed a command"
show g0 'grep -E "formatted|admitting|joined" /tmp/mcsd.log | cut -c17-'
show g0 'mcsctl status'

say "every node opens a branch of the ledger: a named segment of $ACCOUNTS accounts and its global mutex"
for n in 0 1 2 3; do
	show "g$n" "ledger branch branch-$n $ACCOUNTS $BALANCE" || vm_finish
done
show g0 "ledger audit $BRANCHES" || vm_finish

say "every node transfers money in every branch; node 1 listens for cluster events; node 3 also allocates"
show g1 "evtool notify-expect poll 600 down:3:1 done:3:1 >/tmp/notify.log 2>&1 & for i in \$(seq 600); do grep -q subscribed /tmp/notify.log && break; sleep 0.1; done; cat /tmp/notify.log"
for n in 0 1 2 3; do
	vm_cmd "g$n" "ledger run 0 $BRANCHES >/tmp/ledger.log 2>&1 &" >/dev/null
done
vm_cmd g3 'segtool storm 0x40000 0 >/tmp/storm.log 2>&1 &' >/dev/null
for n in 0 1 2 3; do
	wait_for "g$n" 60 /tmp/ledger.log 'node [0-9]: [1-9][0-9]* transfers' || vm_finish
	echo "   g$n: $WAITED"
done
wait_for g3 60 /tmp/storm.log 'storm: 30 rounds' || vm_finish
echo "   g3: $WAITED"

say "node 3 starts a transfer in branch-3 and stops half way, holding branch-3's mutex"
show g3 "ledger stall branch-3 >/tmp/stall.log 2>&1 & for i in \$(seq 600); do grep -q stalled /tmp/stall.log && break; sleep 0.1; done; cat /tmp/stall.log" || vm_finish
grep -q stalled "$VM_RUN/g3.log" || { vm_fail "g3: the transfer did not stall"; vm_finish; }
declare -A before
for n in 0 1 2; do
	before[$n]=$(transfers "g$n")
done

say "node 3's kernel panics (sysrq c) in the middle of all this"
t_panic=$(date +%s%N)
vm_panic g3

say "the survivors carry on; Corosync detects the death, mcsd recovers node 3 (nothing typed)"
detected= recovered=
for i in $(seq 300); do
	# Wait up to a second in node 0 for what mcsd logs next.
	want='node 3 left the group'
	[ -n "$detected" ] && want='recovered node 3 incarnation'
	log=$(vm_cmd g0 "for i in \$(seq 10); do grep -q '$want' /tmp/mcsd.log && break; sleep 0.1; done; cat /tmp/mcsd.log" | tr -d '\r')
	if [ -z "$detected" ] && grep -q "$want" <<<"$log"; then
		detected=$(ms_since "$t_panic")
		vm_log "   detected: node 3 left the Corosync group $detected ms after the panic (token $VM_TOKEN ms + consensus $((VM_TOKEN * 12 / 10)) ms)"
		want='recovered node 3 incarnation'
	fi
	if grep -q "$want" <<<"$log" && [ -n "$detected" ]; then
		recovered=$(ms_since "$t_panic")
		break
	fi
	line=
	for n in 0 1 2; do
		line+="g$n $(transfers "g$n") transfers  "
	done
	vm_log "   $line(${detected:+detected, recovering}${detected:-waiting for Corosync})"
done
if [ -z "$recovered" ]; then
	vm_fail "node 3 was not recovered within the wait"
	vm_cmd g0 'tail -n 20 /tmp/mcsd.log'
	vm_finish
fi
vm_log "   recovered: $recovered ms after the panic; mcsd on node 0 says:"
grep -E 'declared node 3|lease has not|recovery of node 3|recovered node 3' <<<"$log" |
	cut -c17- | sed 's/^/      /'

say "the survivors' transfers kept going"
for n in 0 1 2; do
	after=$(transfers "g$n")
	echo "   g$n: ${before[$n]} transfers before the panic, $after now"
	[ -n "$after" ] && [ "$after" -gt "${before[$n]:-0}" ] ||
		vm_fail "g$n: its transfers did not go on"
done

say "the next to take branch-3's mutex got owner-dead and undid node 3's half-done transfer"
repaired=
end=$(( $(date +%s) + 60 ))
while [ -z "$repaired" ] && [ "$(date +%s)" -lt "$end" ]; do
	for n in 0 1 2; do
		out=$(vm_cmd "g$n" 'grep -h "branch-3: .*node 3 died mid-transfer" /tmp/ledger.log' | tr -d '\r')
		[ -n "$out" ] && repaired="g$n: $out" && break
	done
	[ -n "$repaired" ] || sleep 0.2
done
if [ -n "$repaired" ]; then
	echo "   $repaired"
else
	vm_fail "no survivor undid node 3's half-done transfer in branch-3"
fi

say "node 1 was told: node 3 down, then recovery done (recovery first, then the news)"
wait_for g1 60 /tmp/notify.log 'notify ok|FAIL' && ! grep -q FAIL <<<"$WAITED" ||
	vm_fail "g1: the cluster events did not come in order"
show g1 'cat /tmp/notify.log'

say "the survivors stop; every branch's total is conserved and the checker is clean on every survivor"
for n in 0 1 2; do
	vm_cmd "g$n" 'kill $(pidof ledger)' >/dev/null
done
for n in 0 1 2; do
	wait_for "g$n" 60 /tmp/ledger.log 'done:' && echo "   g$n: $WAITED"
done
show g2 "ledger audit $BRANCHES"
for n in 0 1 2; do
	show "g$n" 'mcsctl check'
	# Judged on its JSON (jq, on the host), shown as columns above.
	vm_cmd "g$n" 'mcsctl --json check' | tr -d '\r' |
		jq -e '.violations == 0' >/dev/null ||
		vm_fail "g$n: the checker found violations"
done

say "node 3 boots again; its mcsd rejoins it in a new incarnation and it transfers again"
vm_reboot g3
vm_cmd g3 'mcsd -f >/tmp/mcsd.log 2>&1 &' >/dev/null
wait_for g3 120 /tmp/mcsd.log 'joined as node 3 incarnation 2' || vm_finish
echo "   g3: ${WAITED:16}"
show g3 "ledger run 5 $BRANCHES 2>&1 | tail -n 1"
show g3 "ledger audit $BRANCHES"
show g0 'mcsctl status'
# Only node 3 changed incarnation: no healthy node was fenced on the way.
vm_json g0 0 '[.nodes[].incarnation] == [1, 1, 1, 2]' 'mcsctl --json status' >/dev/null
vm_check_clean g0 g3

vm_check_logs
if [ "$VM_FAILS" -eq 0 ]; then
	say "OK: node 3 died mid-transfer; the survivors recovered it by themselves, kept working, lost nothing"
else
	say "FAILED: $VM_FAILS problems (guest logs: build/test-logs/demo.guests/)"
fi
vm_finish
