#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsd-twice.sh - two failures in a row, the second being the node that
# was running the first recovery. Four guests with Corosync and mcsd;
# node 3 holds a global mutex and a share of a segment of node 0 and
# its kernel panics. Node 0, the lowest joined member, is its recoverer:
# it declares node 3 down and waits for node 3's fabric lease, which is
# longer here than Corosync's detection, so that node 0 is caught in the
# middle of the recovery. Then node 0's kernel panics too. Node 1 takes
# over with no command typed: it finishes node 3's recovery (already
# declared down) and recovers node 0, each once its lease lapsed, node 3
# first; node 2 hears down and recovery-done for each; the mutex is owner-dead for its next acquirer; the checker is
# clean; the segment, homed on the dead node 0, still reads.
#
# Before that, mcsd on a node beyond the region's slots is refused and
# changes nothing.
#
# Quorum: node 2 has two votes of five, so nodes 1 and 2 stay quorate
# after losing two of four nodes.
source "$(dirname "$0")/lib.sh"

# A lease longer than detection (token + consensus) leaves node 0 waiting
# inside the first recovery when it dies.
VM_MCSD_LEASE=30000
VM_VOTES="1 1 2 1"

vm_setup vm-mcsd-twice
vm_cluster 4

# Bad configuration first: a region formatted for three nodes. Node 3's
# mcsd is refused (exit 5) and writes nothing; then the region is made
# again for four, with the lease the daemons are configured for.
vm_expect g0 0 '' 'mcsctl format --nodes 3'
before=$(vm_cmd g0 'mcsctl --json status' | tr -d '\r' | jq -c '{region, nodes}')
vm_expect g3 5 "does not fit the region's 3 node slots; nothing written" 'mcsd -f'
after=$(vm_cmd g0 'mcsctl --json status' | tr -d '\r' | jq -c '{region, nodes}')
[ -n "$before" ] && [ "$before" = "$after" ] ||
	vm_fail "node 3's refused mcsd changed the region: $before, then $after"
vm_json g3 0 '.fabric.daemon == false' 'mcsctl --json status'
vm_expect g0 0 '' "mcsctl format --force --nodes 4 --lease $VM_MCSD_LEASE"

vm_mcsd_up g0 g1 g2 g3

vm_expect g0 0 '' 'segtool create 0x900 65536 0666'
vm_expect g0 0 '' 'segtool mutex-create m2'
vm_expect g3 0 'holding' "segtool hold 0x900 >/tmp/hold.log 2>&1 & for i in \$(seq 100); do grep -q holding /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log"
vm_expect g3 0 'locked' 'segtool mutex-hold m2 >/tmp/h.log 2>&1 & for i in $(seq 100); do grep -q locked /tmp/h.log && break; sleep 0.1; done; cat /tmp/h.log'
vm_expect g2 0 'subscribed seq' 'evtool notify-expect block 300 down:3:1 done:3:1 down:0:1 done:0:1 >/tmp/w.log 2>&1 & for i in $(seq 100); do grep -q subscribed /tmp/w.log && break; sleep 0.1; done; cat /tmp/w.log'

vm_panic g3
vm_wait_output g0 60 'cat /tmp/mcsd.log' 'declared node 3 incarnation 1 down'
vm_wait_output g0 30 'cat /tmp/mcsd.log' 'node 3: its fabric lease has not expired yet'
vm_json g0 0 '.nodes[3].state != "clean"' 'mcsctl --json status'
vm_log "node 0 is inside node 3's recovery; now it dies too"
vm_panic g0

vm_wait_status g1 180 '.nodes[3].state == "clean" and .nodes[0].state == "clean"'
vm_expect g1 0 'recovered node 3 incarnation 1' 'cat /tmp/mcsd.log'
# Node 0 had declared node 3 down already: node 1 did not do it again.
vm_expect g1 1 '' 'grep "declared node 3" /tmp/mcsd.log'
vm_expect g1 0 'declared node 0 incarnation 1 down' 'cat /tmp/mcsd.log'
vm_expect g1 0 'recovered node 0 incarnation 1' 'cat /tmp/mcsd.log'
vm_wait_output g2 60 'cat /tmp/w.log' '^notify ok: 4 records in order|FAIL'
vm_expect g1 0 '' 'segtool mutex-recover m2'
vm_expect g2 0 'verified' 'segtool verify 0x900'
vm_check_clean g1 g2
vm_finish
