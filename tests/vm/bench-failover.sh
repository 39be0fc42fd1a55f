#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-failover.sh - the time from a node's death to recovery-done on
# the survivors ("make bench" runs it through scripts/run-bench.sh), in a
# four-guest cluster with Corosync and mcsd, split into
#   - detection: from the panic (host clock) to the membership change that
#     mcsd on the recoverer acts on: Corosync's token and consensus;
#   - mcs's share: from that change to recovery done (mcsd's own clock),
#     without the wait for the dead node's fabric lease;
#   - the lease wait (zero when the lease is shorter than detection);
#   - the kernel's recovery stages alone;
# for 1, 64 and 1,000 allocations held by the dead node (one-page
# segments it created and holds). Each size runs FAILOVER_RUNS times
# (default 3): node 3 panics, node 0 recovers it, node 3 boots again and
# rejoins. Medians go out as RESULT lines; the mcs share is compared with
# detection (ratio: how many times shorter; the target is 20, 5 %). A
# plot, bench/failover.png, shows the medians against the allocations
# held (gnuplot), like Figure 8 of the paper.
source "$(dirname "$0")/lib.sh"

RUNS=${FAILOVER_RUNS:-3}
SIZES=${FAILOVER_SIZES:-"1 64 1000"}
PLOT=${FAILOVER_PLOT:-$VM_ROOT/bench/failover.png}

vm_setup vm-bench-failover >&2
VM_CLUSTER_FABRIC=64M vm_cluster 4 >&2

# wait_log GUEST SECS PATTERN: wait until mcsd's log in GUEST has a line
# matching PATTERN; print that line.
wait_log()
{
	vm_cmd "$1" "for i in \$(seq $(($2 * 10))); do grep -qE '$3' /tmp/mcsd.log && break; sleep 0.1; done; grep -E '$3' /tmp/mcsd.log | tail -n 1" $(($2 + 30)) |
		tr -d '\r' | grep -E "$3"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# result NAME VALUE UNIT [BASELINE BASELINE_VALUE RATIO]
result()
{
	if [ $# -gt 3 ]; then
		printf 'RESULT {"name": "%s", "value": %s, "unit": "%s", "baseline": "%s", "baseline_value": %s, "ratio": %s}\n' "$@"
	else
		printf 'RESULT {"name": "%s", "value": %s, "unit": "%s", "baseline": null, "baseline_value": null, "ratio": null}\n' "$@"
	fi
}

for g in g0 g1 g2 g3; do
	vm_cmd "$g" 'mcsd -f >/tmp/mcsd.log 2>&1 &' >/dev/null
done
for g in g0 g1 g2 g3; do
	wait_log "$g" 120 'joined as node' >/dev/null || { vm_fail "$g did not join" >&2; vm_finish >&2; }
done

inc=1
data=$(mktemp)
trap 'rm -f "$data"' EXIT
for held in $SIZES; do
	det=() share=() lease=() kern=()
	for ((run = 1; run <= RUNS; run++)); do
		base=$(( (inc << 20) + 0x100000 ))
		vm_expect g3 0 "holding $held" "segtool hold-many $base $held >/tmp/held.log 2>&1 & for i in \$(seq 1200); do grep -qE 'holding|FAIL' /tmp/held.log && break; sleep 0.1; done; cat /tmp/held.log" 180 >&2 ||
			vm_finish >&2
		t0=$(date +%s%N)
		vm_panic g3 >&2
		line=$(wait_log g0 120 "recovered node 3 incarnation $inc:") ||
			{ vm_fail "node 3 was not recovered" >&2; vm_finish >&2; }
		total=$(( ($(date +%s%N) - t0) / 1000000 ))
		# "recovery U us, M ms from the membership change, L ms of it
		# waiting for its lease"
		read -r us ms lw < <(sed -n 's/.*recovery \([0-9]*\) us, \([0-9]*\) ms from the membership change, \([0-9]*\) ms of it.*/\1 \2 \3/p' <<<"$line")
		[ -n "$lw" ] || { vm_fail "cannot read: $line" >&2; vm_finish >&2; }
		det+=($((total - ms)))
		share+=($((ms - lw)))
		lease+=("$lw")
		kern+=("$us")
		vm_log "held $held, run $run: detection $((total - ms)) ms, mcs $((ms - lw)) ms (kernel stages $us us), lease wait $lw ms" >&2
		vm_check_clean g0 >&2
		vm_reboot g3 >&2
		vm_cmd g3 'mcsd -f >/tmp/mcsd.log 2>&1 &' >/dev/null
		inc=$((inc + 1))
		wait_log g3 120 "joined as node 3 incarnation $inc" >/dev/null ||
			{ vm_fail "node 3 did not rejoin" >&2; vm_finish >&2; }
	done
	d=$(printf '%s\n' "${det[@]}" | median)
	s=$(printf '%s\n' "${share[@]}" | median)
	l=$(printf '%s\n' "${lease[@]}" | median)
	k=$(printf '%s\n' "${kern[@]}" | median)
	result "failover_${held}_detection" "$d" ms
	result "failover_${held}_mcs_share" "$s" ms "detection (token $VM_TOKEN ms + consensus)" "$d" \
		"$(awk -v a="$d" -v b="$s" 'BEGIN { printf "%.1f", (b > 0 ? a / b : a) }')"
	result "failover_${held}_lease_wait" "$l" ms
	result "failover_${held}_kernel_stages" "$k" us
	echo "$held $d $s $k" >>"$data"
done

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF >&2 && vm_log "plot: ${PLOT#$VM_ROOT/}" >&2
set terminal png size 800,500
set output "$PLOT"
set title "Failover in a 4-guest cluster (medians of $RUNS): a node panics holding N allocations"
set xlabel "allocations held by the dead node"
set ylabel "ms"
set logscale xy
set key below
set yrange [0.1:100000]
set grid
plot "$data" using 1:2 with linespoints title "detection (Corosync token $VM_TOKEN ms + consensus)", \
     "$data" using 1:3 with linespoints title "mcs: membership change to recovery done", \
     "$data" using 1:(\$4 / 1000.0) with linespoints title "mcs: kernel recovery stages"
EOF
fi
vm_finish >&2
