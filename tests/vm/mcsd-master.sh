#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd-master.sh - the nodes holding the master table go, one after the
# other, and service goes on: four guests with Corosync and mcsd.
#   - The node with the primary copy panics. Its partition outlives it
#     (an OS crash keeps the memory), so the survivors, with no command
#     typed, recover it and one of them takes over the partition's
#     management: the primary copy stays where it is, on a partition now
#     managed by a live node.
#   - The node with the replica leaves (mcsd --leave): a planned leave
#     takes its partition's memory with it, so a new replica is made in a
#     partition of a live node, and the leaving node holds no copy.
# After each, exactly one primary and one replica, in two different online
# partitions managed by live nodes; the checker is clean on every live
# node; a segment and a global name made before still read; new segments
# and names can be made.
source "$(dirname "$0")/lib.sh"

vm_setup vm-mcsd-master
vm_cluster 4

# holder GUEST ROLE: the partition that holds the ROLE (primary, replica)
# copy of the master table, as GUEST sees it.
holder()
{
	vm_cmd "$1" 'mcsctl --json status' | tr -d '\r' |
		jq -r "[.nodes[] | select(.master == \"$2\") | .node] | if length == 1 then .[0] else \"none\" end"
}

# copies_ok GUEST: one primary and one replica, in two online partitions
# whose managers are alive.
copies_ok()
{
	vm_json "$1" 0 '. as $s | [.nodes[] | select(.master != null)] as $c |
		($c | length) == 2 and ([$c[].master] | sort) == ["primary", "replica"] and
		all($c[]; .partition == "online" and
			($s.nodes[.manager].state == "alive"))' \
		'mcsctl --json status'
}

# service GUEST N: what was made before still reads; new things can be made.
service()
{
	vm_expect "$1" 0 'verified' 'segtool verify 0xa00'
	vm_expect "$1" 0 '' 'segtool name-verify kept'
	vm_expect "$1" 0 '' "segtool create 0xa0$2 65536 0666"
	vm_expect "$1" 0 '' "segtool name-create after-$2 65536 0666"
	vm_expect "$1" 0 '' "segtool name-verify after-$2"
}

vm_mcsd_up g0 g1 g2 g3
vm_expect g2 0 '' 'segtool create 0xa00 65536 0666'
vm_expect g3 0 '' 'segtool name-create kept 65536 0666'
copies_ok g3

p=$(holder g3 primary)
[[ $p =~ ^[0-3]$ ]] || { vm_fail "no single primary: '$p'"; vm_finish; }
vm_log "node $p holds the primary copy of the master table and panics"
vm_panic "g$p"
live=$(printf '%s\n' 0 1 2 3 | grep -vx "$p" | head -n 1)
vm_wait_status "g$live" 120 ".nodes[$p].state == \"clean\"" || vm_finish
vm_expect "g$live" 0 "recovered node $p incarnation 1" 'cat /tmp/mcsd.log'
copies_ok "g$live"
vm_json "g$live" 0 ".nodes[$p].master == \"primary\" and .nodes[$p].manager != $p" 'mcsctl --json status'
for n in 0 1 2 3; do
	[ "$n" -eq "$p" ] || vm_check_clean "g$n"
done
service "g$live" 1

r=$(holder g3 replica)
[[ $r =~ ^[0-3]$ ]] && [ "$r" != "$p" ] || { vm_fail "no single live replica: '$r'"; vm_finish; }
live=$(printf '%s\n' 0 1 2 3 | grep -vx "$p" | grep -vx "$r" | head -n 1)
vm_log "node $r holds the replica and leaves (planned: its memory goes with it)"
vm_expect "g$r" 0 '' 'mcsd --leave'
vm_wait_status "g$live" 120 ".nodes[$r].state == \"clean\" and .nodes[$r].memory_lost == true" || vm_finish
copies_ok "g$live"
vm_json "g$live" 0 ".nodes[$r].master == null" 'mcsctl --json status'
for n in 0 1 2 3; do
	[ "$n" -eq "$p" ] || [ "$n" -eq "$r" ] || vm_check_clean "g$n"
done
service "g$live" 2
vm_finish
