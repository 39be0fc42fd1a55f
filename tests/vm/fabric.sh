#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fabric.sh - three guests share one fabric. Atomic increments from all
# three on one fabric word add up exactly (parallel TCG makes guest
# atomics atomic across guests; plain increments are reported to show the
# guests really raced). Then guest 0 formats the fabric and joins, the
# others join, every guest sees all three alive in status with their
# incarnations, and the checker finds the live region consistent from
# every guest.
source "$(dirname "$0")/lib.sh"

ITERS=${ITERS:-20000000}
guests=(g0 g1 g2)

vm_setup vm-fabric
vm_fabric 16M
for g in "${guests[@]}"; do
	vm_start "$g"
done
for g in "${guests[@]}"; do
	vm_wait_ready "$g"
done

# Before mcs_node owns the BAR, user space can map it through sysfs.
declare -A seq
for g in "${guests[@]}"; do
	seq[$g]=$(vm_send "$g" "fabric_atomic \$(fabric-resource) ${#guests[@]} $ITERS") ||
		vm_fail "$g: cannot start fabric_atomic"
done
for g in "${guests[@]}"; do
	out=$(vm_collect "$g" "${seq[$g]}" 300)
	rc=$?
	echo "$out" | sed "s/^/    $g: /"
	[ $rc -eq 0 ] && grep -q "atomic total $((ITERS * ${#guests[@]})) of" <<<"$out" ||
		vm_fail "$g: atomic total not exact (exit $rc)"
done

vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'formatted' 'mcsctl format --nodes 4'
vm_expect g0 0 'joined as node 0 incarnation 1' 'mcsctl join 0'
vm_expect g1 0 '' 'mcs-load'
vm_expect g1 0 'joined as node 1 incarnation 1' 'mcsctl join 1'
vm_expect g2 0 '' 'mcs-load'
vm_expect g2 0 'joined as node 2 incarnation 1' 'mcsctl join 2'
for i in 0 1 2; do
	g=g$i
	vm_json "$g" 0 "[.nodes[] | [.node, .state, .incarnation, .partition, .self]] ==
		[[0, \"alive\", 1, \"online\", $([ $i = 0 ] && echo true || echo false)],
		 [1, \"alive\", 1, \"online\", $([ $i = 1 ] && echo true || echo false)],
		 [2, \"alive\", 1, \"online\", $([ $i = 2 ] && echo true || echo false)],
		 [3, \"absent\", 0, \"online\", false]] and
		.self == {\"node\": $i, \"incarnation\": 1}" 'mcsctl --json status'
	vm_check_clean "$g"
done

vm_finish
