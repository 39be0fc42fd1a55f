#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cluster.sh - the cluster harness: Corosync membership between guests.
# Four guests form a quorate membership (vm_cluster). Guest 3's network
# link is cut: the other three see members 1 2 3, quorate, while guest 3
# sees only itself and is not quorate; the link restored, all four see all
# four again. Guest 3's kernel then panics: the others see 1 2 3; booted
# again on the same fabric with the same identity, all four see all four.
# Every step waits on the guests' Corosync with a timeout and fails if it
# does not get there; the detection times (link cut or panic until every
# survivor's Corosync shows three members) are printed.
source "$(dirname "$0")/lib.sh"

# ms since T0 (date +%s%N)
elapsed()
{
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

vm_setup vm-cluster
vm_cluster 4
T=${VM_DETECT_TIMEOUT:-60}

# The link cut: the survivors keep quorum (3 of 4 votes), guest 3 loses it.
t0=$(date +%s%N)
vm_link g3 off
vm_wait_members "$T" '1 2 3 quorate' g0 g1 g2 &&
	vm_log "detected: link cut -> survivors see 3 members in $(elapsed "$t0") ms"
vm_wait_members "$T" '4 inquorate' g3 &&
	vm_log "detected: link cut -> g3 alone, not quorate, after $(elapsed "$t0") ms"

t0=$(date +%s%N)
vm_link g3 on
vm_wait_members "$T" '1 2 3 4 quorate' g0 g1 g2 g3 &&
	vm_log "link restored -> all see 4 members in $(elapsed "$t0") ms"

# The node dies as in an OS crash.
t0=$(date +%s%N)
vm_panic g3
vm_wait_members "$T" '1 2 3 quorate' g0 g1 g2 &&
	vm_log "detected: panic -> survivors see 3 members in $(elapsed "$t0") ms"

t0=$(date +%s%N)
vm_reboot g3 &&
	vm_log "rebooted g3 -> all see 4 members in $(elapsed "$t0") ms (boot included)"
for g in g0 g1 g2 g3; do
	[ "$(vm_members "$g")" = '1 2 3 4 quorate' ] ||
		vm_fail "$g: members '$(vm_members "$g")' after the reboot"
done
# Only guest 3 ever left a survivor's membership: the token timeout is
# long enough that a busy host did not make a live node look dead.
vm_cluster_save_logs
for g in g0 g1 g2; do
	bad=$(grep -E 'Members left: ' "$VM_RUN/$g.corosync.txt" | grep -vE 'Members left: 4 *$')
	[ -z "$bad" ] || vm_fail "$g: Corosync saw a live node leave: $bad"
done
[ -s "$VM_RUN/g3.1.log" ] && grep -q '^@@SYSRQ-CRASH@@' "$VM_RUN/g3.1.log" ||
	vm_fail "the panicked boot's log was not kept as g3.1.log"

vm_finish
