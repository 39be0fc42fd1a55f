#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd.sh - the cluster runs itself: four guests with Corosync and mcsd,
# and nobody types a membership command. mcsd forms the cluster (the
# first node formats, the lowest member admits the others one at a time);
# a segment named on node 0 is read on node 3. Node 2 holds a global
# mutex and runs an allocation storm, node 1 listens for cluster events,
# and node 2's kernel panics: the survivors' mcsd declare it down and
# recover it once its lease lapsed, with no command typed; node 1 hears
# NODE_DOWN then RECOVERY_DONE, node 0 takes the mutex as owner-dead,
# the checker is clean on every survivor and the named segment is
# intact. Node 2 boots again and its mcsd rejoins it in incarnation 2,
# where it reads the segment. Before and between, bad configuration gets a
# clear error and changes nothing: mcsd without Corosync (exit 2), a
# second mcsd on a node (exit 4).
source "$(dirname "$0")/lib.sh"

vm_setup vm-mcsd
vm_cluster 4

start_mcsd()
{
	vm_expect "$1" 0 '' 'mcsd -f >/tmp/mcsd.log 2>&1 &'
}

# Bad configuration first: without Corosync mcsd says so and leaves the
# fabric alone (no region formatted, no daemon registered).
vm_kill_proc g3 corosync
vm_expect g3 2 'cannot connect to Corosync' 'mcsd -f'
vm_json g3 0 '.fabric.daemon == false and .region == null' 'mcsctl --json status'
vm_expect g3 0 '' 'corosync'
vm_wait_members 60 "1 2 3 4 quorate" g0 g1 g2 g3 || vm_finish

for g in g0 g1 g2 g3; do
	start_mcsd "$g"
done
t0=$(date +%s%N)
for n in 0 1 2 3; do
	vm_wait_status "g$n" 180 ".self == {\"node\": $n, \"incarnation\": 1}"
done
vm_log "mcsd formed the cluster in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
vm_json g3 0 '[.nodes[] | select(.state == "alive")] | length == 4' 'mcsctl --json status'
# A second mcsd on a node is refused and changes nothing there.
vm_expect g1 4 'another mcsd is this node' 'mcsd -f'
vm_json g1 0 '.fabric.daemon == true and .self == {"node": 1, "incarnation": 1}' 'mcsctl --json status'

vm_expect g0 0 '' 'segtool name-create ledger 65536 0666'
vm_expect g3 0 '' 'segtool name-verify ledger'
vm_expect g0 0 '' 'segtool mutex-create m1'
vm_expect g2 0 'locked' 'segtool mutex-hold m1 >/tmp/h.log 2>&1 & for i in $(seq 100); do grep -q locked /tmp/h.log && break; sleep 0.1; done; cat /tmp/h.log'
vm_expect g1 0 'subscribed seq' 'evtool notify-expect block 300 down:2:1 done:2:1 >/tmp/w1.log 2>&1 & for i in $(seq 100); do grep -q subscribed /tmp/w1.log && break; sleep 0.1; done; cat /tmp/w1.log'
# In the background: the guest's shell must stay free for the crash.
vm_expect g2 0 'storm: 30 rounds' 'segtool storm 0x30000 0 >/tmp/storm.log 2>&1 & for i in $(seq 600); do grep -q "storm: 30 rounds" /tmp/storm.log && break; sleep 0.1; done; grep -m 1 "storm: 30 rounds" /tmp/storm.log' 90

t0=$(date +%s%N)
vm_panic g2
vm_wait_status g0 120 '.nodes[2].state == "clean"'
vm_log "node 2 recovered by mcsd $(( ($(date +%s%N) - t0) / 1000000 )) ms after its panic"
vm_expect g0 0 'recovered node 2' 'grep -h "recovered" /tmp/mcsd.log; dmesg | grep "recovered node 2"'
vm_wait_output g1 60 'cat /tmp/w1.log' '^notify ok: 2 records in order|FAIL'
vm_expect g0 0 '' 'segtool mutex-recover m1'
for g in g0 g1 g3; do
	vm_check_clean "$g"
done
vm_expect g1 0 '' 'segtool name-verify ledger'

vm_reboot g2
start_mcsd g2
vm_wait_status g2 180 '.self == {"node": 2, "incarnation": 2}'
vm_expect g2 0 '' 'segtool name-verify ledger'
vm_check_clean g0 g2
vm_finish
