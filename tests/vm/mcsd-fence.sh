#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd-fence.sh - a node that loses its cluster stops writing the fabric
# by itself, the others recover it once its lease has lapsed, and it comes
# back on its own; four guests with Corosync and mcsd, nobody typing a
# membership command. Three ways to lose it, one after the other:
#   - node 3's network link is cut: it loses quorum, its mcsd freezes it
#     and the kernel fences it; a process on it that adds 1 to a word of
#     a mapped segment in a loop stops changing the fabric (read on node
#     0, before and after the recovery) and dies of SIGBUS; /dev/mcs
#     commands fail there; the three others recover it; when the link
#     comes back its mcsd rejoins it in incarnation 2;
#   - node 2's mcsd is killed (SIGKILL): its kernel fences it at once (the
#     daemon file closed), the others recover it, and a new mcsd rejoins
#     it in incarnation 2;
#   - node 1's Corosync is killed: its mcsd loses Corosync and exits, the
#     kernel fences the node, the others recover it; Corosync and mcsd
#     started again rejoin it in incarnation 2.
# The checker is clean on every live node after each recovery; only the
# node that was cut off changed incarnation each time.
source "$(dirname "$0")/lib.sh"

vm_setup vm-mcsd-fence
vm_cluster 4
G=0x800

start_mcsd()
{
	vm_expect "$1" 0 '' 'mcsd -f >>/tmp/mcsd.log 2>&1 &'
}

peek()
{
	vm_cmd g0 "segtool peek $G 0" | tr -d '\r' | sed -n 's/^word 0 = //p'
}

# recovered_by_others N: node N is recovered on the survivors (its slot is
# clean in node 0's view) and the checker is clean on each of them.
recovered_by_others()
{
	local n=$1 g

	shift
	vm_wait_status g0 120 ".nodes[$n].state == \"clean\"" || return 1
	vm_expect g0 0 "recovered node $n incarnation" 'cat /tmp/mcsd.log'
	for g in "$@"; do
		vm_check_clean "$g"
	done
}

vm_mcsd_up g0 g1 g2 g3

vm_log "node 3's link is cut while a process on it writes a mapped segment"
vm_expect g3 0 '' "segtool create $G 65536 0666"
vm_expect g3 0 'counting' \
	"(segtool count $G 0; echo exit \$?) >/tmp/c.log 2>&1 & for i in \$(seq 100); do grep -q counting /tmp/c.log && break; sleep 0.1; done; cat /tmp/c.log"
a=$(peek)
vm_wait_output g0 60 "segtool peek $G 0" 'word 0 = '
b=$(peek)
[ -n "$a" ] && [ "$a" != "$b" ] || vm_fail "node 0 does not see node 3 counting ($a, $b)"
vm_link g3 off
vm_wait_output g3 60 'cat /tmp/mcsd.log' 'quorum lost: node frozen'
vm_wait_status g3 60 '.fabric.fenced == true'
# Frozen, then fenced: the mapping is gone and the writer died of SIGBUS.
vm_wait_output g3 60 'cat /tmp/c.log' 'exit 135'
a=$(peek)
vm_expect g3 1 'Cannot send after transport endpoint shutdown' "segtool stat $G"
recovered_by_others 3 g0 g1 g2
b=$(peek)
[ "$a" = "$b" ] || vm_fail "the cut-off node still changed the fabric ($a, then $b)"
vm_link g3 on
vm_wait_status g3 180 '.self == {"node": 3, "incarnation": 2}'
vm_expect g3 0 'sharers' "segtool stat $G"
vm_check_clean g3

vm_log "node 2's mcsd is killed"
vm_kill_proc g2 mcsd
vm_wait_status g2 30 '.fabric.fenced == true'
vm_expect g2 0 'fenced \(the membership daemon closed' 'dmesg | grep fenced'
recovered_by_others 2 g0 g1 g3
start_mcsd g2
vm_wait_status g2 120 '.self == {"node": 2, "incarnation": 2}'
vm_expect g2 0 'sharers' "segtool stat $G"

vm_log "node 1's Corosync is killed"
vm_kill_proc g1 corosync
vm_wait_output g1 60 'cat /tmp/mcsd.log' 'lost the connection to Corosync'
vm_wait_status g1 30 '.fabric.fenced == true'
recovered_by_others 1 g0 g2 g3
vm_expect g1 0 '' 'corosync'
# Its IPC answers only once it is back in the membership.
vm_wait_members 60 "1 2 3 4 quorate" g1
start_mcsd g1
vm_wait_status g1 180 '.self == {"node": 1, "incarnation": 2}'
vm_expect g1 0 'sharers' "segtool stat $G"

# Only the nodes that were lost changed incarnation, once each.
vm_json g0 0 '[.nodes[].incarnation] == [1, 2, 2, 2]' 'mcsctl --json status'
vm_check_clean g0 g1 g2 g3
vm_finish
