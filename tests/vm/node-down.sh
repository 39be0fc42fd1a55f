#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# node-down.sh - a node dies while joined and is recovered. Three guests
# join one fabric; guest 2's QEMU is killed (the node dies at once, as in
# an OS crash: its memory survives). The host plays membership (mcsd's
# role): it tells guest 0 through the control interface that node 2's
# incarnation is down, and guest 0 recovers it: node 2 is CLEAN, its
# partition managed by node 0, and the checker finds the region consistent
# on both survivors. Later the memory is declared lost too: recovery runs
# again and the partition is lost. A new guest then rejoins as node 2 with
# the next incarnation, getting its partition back empty. Along the way,
# the membership commands refuse what makes no sense (recovering a live
# node, a stale incarnation, joining as a live node). Last, the node dies
# again while it holds fabric locks (it runs the checker in a loop, which
# takes them all): a survivor polling status at that moment may spin on
# them, and declaring the death must still go through and release it.
source "$(dirname "$0")/lib.sh"

vm_setup vm-node-down
vm_fabric 16M
for g in g0 g1 g2; do
	vm_start "$g"
done
for g in g0 g1 g2; do
	vm_wait_ready "$g"
done

vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'formatted' 'mcsctl format --nodes 3'
vm_expect g0 0 'joined as node 0 incarnation 1' 'mcsctl join 0'
vm_expect g1 0 '' 'mcs-load'
vm_expect g1 0 'joined as node 1 incarnation 1' 'mcsctl join 1'
vm_expect g2 0 '' 'mcs-load'
vm_expect g2 0 'joined as node 2 incarnation 1' 'mcsctl join 2'
vm_json g0 0 '.nodes[2] | .state == "alive" and .incarnation == 1' 'mcsctl --json status'
vm_expect g0 2 'recover: Device or resource busy' 'mcsctl recover 2'

vm_kill g2
# Membership saw incarnation 1 of node 2 die.
vm_expect g0 2 'down: Stale file handle' 'mcsctl down 2 7'
vm_expect g0 0 'node 2 incarnation 1 is down' 'mcsctl down 2 1'
vm_json g1 0 '.nodes[2] | .state == "down" and .incarnation == 1' 'mcsctl --json status'
vm_expect g0 0 'recovered node 2 incarnation 1: .*partition taken over' 'mcsctl recover 2'
# The one recovery sequence reports every stage, in order, with its time.
stages=$(tr -d '\r' <<<"$VM_OUT" | sed -n 's/^  stage \([a-z]*\) *[0-9.]* us$/\1/p' | tr '\n' ' ')
[ "$stages" = "claim sharers inflight master free partition sync events names tell finish " ] ||
	vm_fail "g0: recover reported the stages '$stages'"
# Recovery is idempotent: a second recoverer finds nothing to do.
vm_expect g1 0 'node 2: nothing to recover' 'mcsctl recover 2'
for g in g0 g1; do
	vm_json "$g" 0 '.nodes[2] | .state == "clean" and .incarnation == 1 and .partition == "online" and .manager == 0' \
		'mcsctl --json status'
	vm_check_clean "$g"
done

# Its memory turns out to be lost as well.
vm_expect g1 0 'is down, memory lost' 'mcsctl down 2 1 --memory-lost'
vm_json g1 0 '.nodes[2] | .state == "down" and .incarnation == 1 and .partition == "lost" and .memory_lost == true' \
	'mcsctl --json status'
vm_expect g1 0 'recovered node 2 incarnation 1' 'mcsctl recover 2'
for g in g0 g1; do
	vm_json "$g" 0 '.nodes[2] | .state == "clean" and .incarnation == 1 and .partition == "lost"' 'mcsctl --json status'
	vm_check_clean "$g"
done

# The node comes back: a new guest, the next incarnation.
vm_start g2b
vm_wait_ready g2b
vm_expect g2b 0 '' 'mcs-load'
vm_expect g2b 2 'join: Device or resource busy' 'mcsctl join 0'
vm_expect g2b 0 'joined as node 2 incarnation 2' 'mcsctl join 2'
for g in g0 g1 g2b; do
	vm_json "$g" 0 '.nodes[2] | .state == "alive" and .incarnation == 2 and .partition == "online" and
		.manager == 2 and .used_pages == 0 and .memory_lost == false' 'mcsctl --json status'
	vm_check_clean "$g"
done

vm_send g2b 'i=0; while mcsctl check >/dev/null; do i=$((i + 1)); [ $i = 20 ] && echo "@@LOOPING@@"; done' >/dev/null
vm_wait g2b '@@LOOPING@@' 120 || vm_fail "g2b: the checker loop did not run"
vm_kill g2b
vm_expect g0 0 'node 2 incarnation 2 is down' \
	'mcsctl status >/tmp/st 2>&1 & mcsctl down 2 2; wait $!; cat /tmp/st'
vm_json g0 0 '.nodes[2] | .state == "down" and .incarnation == 2' 'mcsctl --json status'
vm_expect g1 0 'recovered node 2 incarnation 2' 'mcsctl recover 2'
for g in g0 g1; do
	vm_json "$g" 0 '.nodes[2] | .state == "clean" and .incarnation == 2 and .partition == "online" and .manager == 1' \
		'mcsctl --json status'
	vm_check_clean "$g"
done

vm_finish
