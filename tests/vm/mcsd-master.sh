#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd-master.sh - the nodes holding the master table die one after the
# other and service goes on: four guests with Corosync and mcsd. The node
# with the primary copy of the master table panics: the survivors recover
# it with no command typed and a new copy is made on a live node (exactly
# one primary and one replica, neither on a dead node). Then the node that
# now holds the replica panics: again a new copy. After each death the
# checker is clean on every survivor, a segment and a global name made
# before still read, and new segments can be made and named.
#
# Quorum: after the first death the survivors lower Corosync's expected
# votes to three (corosync-quorumtool -e), as an administrator would once
# a node is known to be gone, so that two of four may go on.
source "$(dirname "$0")/lib.sh"

vm_setup vm-mcsd-master
vm_cluster 4

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

# holder GUEST ROLE: the node that holds the ROLE (primary, replica) copy
# of the master table, as GUEST sees it.
holder()
{
	vm_cmd "$1" 'mcsctl --json status' | tr -d '\r' |
		jq -r "[.nodes[] | select(.master == \"$2\") | .node] | if length == 1 then .[0] else \"none\" end"
}

# copies_on_live GUEST DEAD: one primary and one replica, on two different
# nodes that are alive.
copies_on_live()
{
	vm_json "$1" 0 '([.nodes[] | select(.master == "primary" and .state == "alive")] | length) == 1 and
		([.nodes[] | select(.master == "replica" and .state == "alive")] | length) == 1' \
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

for g in g0 g1 g2 g3; do
	vm_expect "$g" 0 '' 'mcsd -f >/tmp/mcsd.log 2>&1 &'
done
for n in 0 1 2 3; do
	wait_json "g$n" 180 ".self == {\"node\": $n, \"incarnation\": 1}" || vm_finish
done
vm_expect g2 0 '' 'segtool create 0xa00 65536 0666'
vm_expect g3 0 '' 'segtool name-create kept 65536 0666'
copies_on_live g3

live=(0 1 2 3)
for round in 1 2; do
	role=$([ "$round" -eq 1 ] && echo primary || echo replica)
	dead=$(holder "g${live[-1]}" "$role")
	[[ $dead =~ ^[0-3]$ ]] || { vm_fail "no single $role holder: '$dead'"; vm_finish; }
	mapfile -t live < <(printf '%s\n' "${live[@]}" | grep -vx "$dead")
	vm_log "round $round: node $dead holds the $role copy of the master table and panics"
	vm_panic "g$dead"
	wait_json "g${live[0]}" 120 ".nodes[$dead].state == \"clean\"" || vm_finish
	vm_expect "g${live[0]}" 0 "recovered node $dead incarnation 1" 'cat /tmp/mcsd.log'
	copies_on_live "g${live[0]}"
	vm_json "g${live[0]}" 0 ".nodes[$dead].master == null" 'mcsctl --json status'
	for n in "${live[@]}"; do
		vm_check_clean "g$n"
	done
	service "g${live[-1]}" "$round"
	if [ "$round" -eq 1 ]; then
		vm_expect "g${live[0]}" 0 '' 'corosync-quorumtool -e 3'
	fi
done
vm_finish
