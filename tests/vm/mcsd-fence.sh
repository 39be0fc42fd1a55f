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

# wait_json GUEST SECS FILTER: poll "mcsctl --json status" until the jq
# FILTER is true of it.
wait_json()
{
	local end=$(( $(date +%s) + $2 )) out

	while [ "$(date +%s)" -lt "$end" ]; do
		out=$(vm_cmd "$1" 'mcsctl --json status' | tr -d '\r')
		if jq -e "$3" <<<"$out" >/dev/null 2>&1; then
			vm_log "ok: $1: status: $3"
			return 0
		fi
		sleep 0.5
	done
	vm_fail "$1: status never had $3:"
	sed 's/^/    /' <<<"$out"
	vm_cmd "$1" 'cat /tmp/mcsd.log' | tail -n 20
	return 1
}

# wait_in GUEST CMD PATTERN: poll CMD in GUEST (up to 60 s) until its
# output matches PATTERN.
wait_in()
{
	vm_expect "$1" 0 "$3" "for i in \$(seq 600); do out=\$($2 2>&1); echo \"\$out\" | grep -qE '$3' && break; sleep 0.1; done; echo \"\$out\"" 90
}

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
	wait_json g0 120 ".nodes[$n].state == \"clean\"" || return 1
	vm_expect g0 0 "recovered node $n incarnation" 'cat /tmp/mcsd.log'
	for g in "$@"; do
		vm_check_clean "$g"
	done
}

for g in g0 g1 g2 g3; do
	start_mcsd "$g"
done
for n in 0 1 2 3; do
	wait_json "g$n" 180 ".self == {\"node\": $n, \"incarnation\": 1}" || vm_finish
done

vm_log "node 3's link is cut while a process on it writes a mapped segment"
vm_expect g3 0 '' "segtool create $G 65536 0666"
vm_expect g3 0 'counting' \
	"(segtool count $G 0; echo exit \$?) >/tmp/c.log 2>&1 & for i in \$(seq 100); do grep -q counting /tmp/c.log && break; sleep 0.1; done; cat /tmp/c.log"
a=$(peek)
wait_in g0 "segtool peek $G 0" 'word 0 = '
b=$(peek)
[ -n "$a" ] && [ "$a" != "$b" ] || vm_fail "node 0 does not see node 3 counting ($a, $b)"
vm_link g3 off
wait_in g3 'cat /tmp/mcsd.log' 'quorum lost: node frozen'
wait_json g3 60 '.fabric.fenced == true'
# Frozen, then fenced: the mapping is gone and the writer died of SIGBUS.
wait_in g3 'cat /tmp/c.log' 'exit 135'
a=$(peek)
vm_expect g3 1 'Cannot send after transport endpoint shutdown' "segtool stat $G"
recovered_by_others 3 g0 g1 g2
b=$(peek)
[ "$a" = "$b" ] || vm_fail "the cut-off node still changed the fabric ($a, then $b)"
vm_link g3 on
wait_json g3 180 '.self == {"node": 3, "incarnation": 2}'
vm_expect g3 0 'sharers' "segtool stat $G"
vm_check_clean g3

vm_log "node 2's mcsd is killed"
vm_kill_proc g2 mcsd
wait_json g2 30 '.fabric.fenced == true'
vm_expect g2 0 'fenced \(the membership daemon closed' 'dmesg | grep fenced'
recovered_by_others 2 g0 g1 g3
start_mcsd g2
wait_json g2 120 '.self == {"node": 2, "incarnation": 2}'
vm_expect g2 0 'sharers' "segtool stat $G"

vm_log "node 1's Corosync is killed"
vm_kill_proc g1 corosync
wait_in g1 'cat /tmp/mcsd.log' 'lost the connection to Corosync'
wait_json g1 30 '.fabric.fenced == true'
recovered_by_others 1 g0 g2 g3
vm_expect g1 0 '' 'corosync'
# Its IPC answers only once it is back in the membership.
vm_wait_members 60 "1 2 3 4 quorate" g1
start_mcsd g1
wait_json g1 180 '.self == {"node": 1, "incarnation": 2}'
vm_expect g1 0 'sharers' "segtool stat $G"

# Only the nodes that were lost changed incarnation, once each.
vm_json g0 0 '[.nodes[].incarnation] == [1, 2, 2, 2]' 'mcsctl --json status'
vm_check_clean g0 g1 g2 g3
vm_finish
