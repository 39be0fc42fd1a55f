#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# key.sh - only a node with the cluster key joins (Documentation/
# control.md, "The cluster key"). Two keys made on the host with mcsctl
# keygen (libsodium); two guests:
#   - guest 0 loads key A and formats: its kernel records the check
#     (HMAC-SHA-256 with the kernel crypto API); on the host, libsodium
#     finds that check is key A's and not key B's; guest 0 joins;
#   - guest 1 without a key: JOIN refused (ENOKEY), the kernel says why;
#     with key B: refused (EKEYREJECTED); with key A: joined, and a
#     segment made on guest 0 reads there;
#   - mcsctl status --json tells whether this kernel holds a key and
#     whether the region has one; key forget; a file that holds no key
#     is refused (exit 2) and the loaded key stays.
# The checker is clean on both; no oops (vm_finish).
source "$(dirname "$0")/lib.sh"

MCSCTL=$VM_ROOT/build/mcsctl

vm_setup vm-key
for k in a b; do
	rm -f "$VM_RUN/$k.key"
	"$MCSCTL" keygen "$VM_RUN/$k.key" >/dev/null ||
		{ vm_fail "mcsctl keygen"; vm_finish; }
done
A=$(cat "$VM_RUN/a.key")
B=$(cat "$VM_RUN/b.key")

vm_fabric 16M
vm_start g0
vm_start g1
vm_wait_ready g0
vm_wait_ready g1
for g in g0 g1; do
	vm_expect "$g" 0 '' 'mcs-load'
	vm_expect "$g" 0 '' "echo $A >/tmp/a.key; echo $B >/tmp/b.key; echo 12 >/tmp/no.key"
done

vm_expect g0 0 'cluster key loaded' 'mcsctl key load /tmp/a.key'
vm_expect g0 0 'formatted' 'mcsctl format --nodes 2'
vm_expect g0 0 'joined as node 0 incarnation 1' 'mcsctl join 0'
vm_json g0 0 '.fabric.key == true and .region.keyed == true' 'mcsctl --json status'
out=$("$MCSCTL" key check "$VM_RUN/a.key" "$VM_FABRIC") ||
	vm_fail "libsodium does not find key A's check in the region: $out"
out=$("$MCSCTL" key check "$VM_RUN/b.key" "$VM_FABRIC") &&
	vm_fail "key B passes the region's check: $out"
vm_log "host: $out"

vm_expect g1 2 'Required key not available' 'mcsctl join 1'
vm_expect g1 0 'join refused: the region has a cluster key, this node none' 'dmesg'
vm_json g1 0 '.fabric.key == false and .region.keyed == true' 'mcsctl --json status'
vm_expect g1 0 'cluster key loaded' 'mcsctl key load /tmp/b.key'
vm_expect g1 2 'Key was rejected by service' 'mcsctl join 1'
vm_expect g1 0 "join refused: this node's cluster key is not the region's" 'dmesg'
vm_expect g1 0 'cluster key loaded' 'mcsctl key load /tmp/a.key'
vm_expect g1 0 'joined as node 1 incarnation 1' 'mcsctl join 1'
vm_expect g0 0 '' 'segtool create 0x900 65536 0644'
vm_expect g1 0 'verified' 'segtool verify 0x900'

vm_expect g1 2 'not a cluster key' 'mcsctl key load /tmp/no.key'
vm_json g1 0 '.fabric.key == true' 'mcsctl --json status'
vm_expect g1 0 'cluster key forgotten' 'mcsctl key forget'
vm_json g1 0 '.fabric.key == false and .region.keyed == true' 'mcsctl --json status'
vm_check_clean g0 g1
vm_finish
