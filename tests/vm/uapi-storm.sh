#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi-storm.sh - a guest dies in the middle of an allocation storm.
# Three guests join one fabric and each runs a loop of create, map, fill,
# unmap, destroy and release through libmcs (segtool storm); guests 0
# and 1 keep one segment in 64 they made. Guest 2's QEMU is killed
# while its loop runs (it may die inside any transaction). The host plays
# membership: it declares node 2 down on guest 0, which recovers it while
# the survivors' loops go on (one may have been spinning on a fabric lock
# of the dead node). Then each survivor maps every segment it kept and
# verifies its content, and the checker finds the region consistent on
# both: nothing committed by a survivor was lost, nothing of the dead
# node's half-done work is left.
source "$(dirname "$0")/lib.sh"

ROUNDS=${STORM_ROUNDS:-20000}
KEPT=$(( (ROUNDS + 63) / 64 ))

vm_setup vm-uapi-storm
vm_nodes 32M g0 g1 g2

# Guest 2 storms until it dies; its progress is on its console.
seq2=$(vm_send g2 'segtool storm 0x30000 0')
vm_wait g2 'storm: 30 rounds' 120 || vm_fail "g2: the storm did not start"
for n in 0 1; do
	vm_expect "g$n" 0 '' "segtool storm $(( (n + 1) << 16 )) $ROUNDS /tmp/verify >/tmp/storm.log 2>&1 &"
done
for n in 0 1; do
	vm_expect "g$n" 0 'storm: [0-9]+ rounds' \
		'for i in $(seq 900); do grep -q "storm: 1000 rounds" /tmp/storm.log && break; sleep 0.1; done; tail -n 1 /tmp/storm.log'
done
vm_kill g2
vm_expect g0 0 'node 2 incarnation 1 is down' 'mcsctl down 2 1'
vm_expect g0 0 'recovered node 2 incarnation 1' 'mcsctl recover 2'
vm_log "g2 died after $(grep -oE 'storm: [0-9]+ rounds' "$VM_RUN/g2.log" | tail -n 1)"
vm_expect g0 0 'storm: ' 'tail -n 1 /tmp/storm.log' # where the survivor was

for n in 0 1; do
	vm_expect "g$n" 0 "storm: $ROUNDS rounds done, $KEPT kept" \
		'for i in $(seq 900); do grep -q "rounds done" /tmp/storm.log && break; sleep 0.1; done; grep -E "done|FAIL" /tmp/storm.log'
	vm_expect "g$n" 0 "all $KEPT kept segments verified" \
		'touch /tmp/verify; for i in $(seq 900); do grep -qE "verified$|FAIL" /tmp/storm.log && break; sleep 0.1; done; grep -E "all|FAIL" /tmp/storm.log'
done
for n in 0 1; do
	vm_json "g$n" 0 '.nodes[2] | .state == "clean" and .incarnation == 1' \
		'mcsctl --json status'
	vm_check_clean "g$n"
done
vm_finish
