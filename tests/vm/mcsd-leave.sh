#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd-leave.sh - applications are told first on a planned leave. Four
# guests with Corosync and mcsd; node 3 holds a segment of its own
# mapped, and an application on node 3 and one on node 1 subscribe to
# LEAVING, NODE_DOWN and RECOVERY_DONE (evtool leave-app). "mcsd --leave"
# on node 3 (grace 60 s there, so the test's own pace cannot run it out):
# both applications get LEAVING while node 0 still sees node 3 alive, and
# it stays alive after the first acknowledgement; the second lets the
# leave go on at once ("mcsd --leave" returns within 30 s of it, half
# the grace, by node 3's clock; mcsd says both acknowledged and the grace
# did not expire).
# Node 3 is then recovered as a planned leave: node 1's application gets
# NODE_DOWN and RECOVERY_DONE with MCS_EVF_PLANNED, node 3's segment is
# gone, and the checker is clean on the survivors. Then node 2 leaves
# with the default grace of 5 s while an application on node 1 never
# acknowledges: the leave takes at least the grace period by node 2's
# clock, and mcsd says 0 of 1 acknowledged (the applications of the
# first leave no longer count: node 1's uncounted at close, node 3's
# zeroed by its recovery).
source "$(dirname "$0")/lib.sh"

vm_setup vm-mcsd-leave
vm_cluster 4

GID=0x4c450003

# wait_log GUEST FILE PATTERN: in the guest, wait up to 60 s for a line
# matching PATTERN, or FAIL, in FILE; then it must have PATTERN.
wait_log()
{
	vm_expect "$1" 0 "$3" \
		"for i in \$(seq 600); do grep -qE '$3|FAIL' $2 2>/dev/null && break; sleep 0.1; done; cat $2"
}

# start_app GUEST LOG ARGS...: evtool leave-app ARGS in the background,
# once it has subscribed.
start_app()
{
	local g=$1 log=$2

	shift 2
	vm_expect "$g" 0 '^subscribed seq' "evtool leave-app $* >$log 2>&1 & for i in \$(seq 300); do grep -q subscribed $log && break; sleep 0.1; done; cat $log"
}

for g in g0 g1 g2; do
	vm_expect "$g" 0 '' 'mcsd -f >/tmp/mcsd.log 2>&1 &'
done
vm_expect g3 0 '' "{ grep -v '^grace_ms' /etc/mcs/mcsd.conf; echo 'grace_ms = 60000'; } >/tmp/leave.conf; mcsd -f -c /tmp/leave.conf >/tmp/mcsd.log 2>&1 &"
for n in 0 1 2 3; do
	vm_wait_status "g$n" 180 ".self == {\"node\": $n, \"incarnation\": 1}"
done

# Node 3's own segment, mapped by a process of node 3.
vm_expect g3 0 '' "segtool create $GID 65536"
vm_expect g3 0 'holding' "segtool hold $GID >/tmp/hold.log 2>&1 & for i in \$(seq 300); do grep -q holding /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log"

# Case 1: every subscriber acknowledges.
start_app g3 /tmp/app3.log 300 /tmp/ack3 leaving:3:1
start_app g1 /tmp/app1.log 300 /tmp/ack1 leaving:3:1 down:3:1:planned done:3:1:planned
vm_expect g3 0 '' '(read t0 _ </proc/uptime; mcsd --leave -c /tmp/leave.conf >/tmp/leave.log 2>&1; rc=$?; read t1 _ </proc/uptime; echo "leave rc $rc from $t0 to $t1" >>/tmp/leave.log) &'
wait_log g3 /tmp/app3.log '^leaving seq [0-9]+: holding'
wait_log g1 /tmp/app1.log '^leaving seq [0-9]+: holding'
vm_expect g1 0 'leaving node 3 inc 1 flags 0 arg 60000000000' 'cat /tmp/app1.log'
# Told first: neither has acknowledged, node 3 is still alive.
vm_json g0 0 '.nodes[3].state == "alive"' 'mcsctl --json status'
vm_expect g1 0 '' 'touch /tmp/ack1'
wait_log g1 /tmp/app1.log '^ok: second ack: EALREADY'
# One of two acknowledged: the leave still waits.
vm_json g0 0 '.nodes[3].state == "alive"' 'mcsctl --json status'
vm_expect g3 0 '' 'touch /tmp/ack3'
wait_log g3 /tmp/app3.log '^leave-app ok: 1 records in order'
wait_log g3 /tmp/leave.log '^leave rc 0 '
vm_log "node 3's leave: $(grep -o 'from .*' <<<"$VM_OUT" | tr -d '\r') (uptime s)"
vm_expect g3 0 'left: 2 of 2 subscribers acknowledged' 'grep "left:" /tmp/mcsd.log'
vm_expect g3 0 '^not expired' 'grep -q "grace period expired" /tmp/mcsd.log || echo not expired'
# Both by node 3's clock (/proc/uptime is CLOCK_BOOTTIME).
vm_expect g3 0 '^ended [0-9.]+ s after the last ack' \
	'ack=$(sed -n "s/^acked seq [0-9]* at //p" /tmp/app3.log); end=$(sed -n "s/^leave rc 0 from [0-9.]* to //p" /tmp/leave.log); awk -v a="$ack" -v e="$end" "BEGIN { d = e - a; printf \"ended %.2f s after the last ack\n\", d; exit !(a > 0 && d >= 0 && d < 30) }"'
vm_wait_status g0 120 '.nodes[3].state == "clean"'
wait_log g1 /tmp/app1.log '^leave-app ok: 3 records in order'
vm_expect g0 1 'stat: No such file or directory' "segtool stat $GID"
vm_check_clean g0 g1 g2

# Case 2: a subscriber never acknowledges; node 2 leaves with the default
# grace period (5000 ms).
start_app g1 /tmp/app2.log 300 never leaving:2:1 down:2:1:planned done:2:1:planned
vm_expect g2 0 '^leave rc 0 in [0-9.]+ s' 'read t0 _ </proc/uptime; mcsd --leave >/tmp/leave.log 2>&1; rc=$?; read t1 _ </proc/uptime; echo "leave rc $rc in $(awk -v a=$t0 -v b=$t1 "BEGIN { printf \"%.2f\", b - a }") s"' 60
took=$(sed -n 's/^leave rc 0 in \([0-9.]*\) s.*/\1/p' <<<"$VM_OUT" | tr -d '\r')
if awk -v t="$took" 'BEGIN { exit !(t >= 5.0) }'; then
	vm_log "ok: node 2's leave took $took s by its clock, at least the 5 s grace"
else
	vm_fail "node 2's leave took $took s, less than its 5 s grace"
fi
vm_expect g2 0 'left: 0 of 1 subscribers acknowledged, the grace period expired' 'grep "left:" /tmp/mcsd.log'
vm_expect g1 0 'leaving node 2 inc 1 flags 0 arg 5000000000' 'cat /tmp/app2.log'
vm_wait_status g0 120 '.nodes[2].state == "clean"'
wait_log g1 /tmp/app2.log '^leave-app ok: 3 records in order'
vm_check_clean g0 g1
vm_finish
