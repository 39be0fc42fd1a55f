#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi-share.sh - global segments shared by two guests through libmcs.
# A 2 MiB segment created and filled on guest 0 is opened, mapped and
# verified word for word on guest 1; a word written by guest 1 through
# its mapping is read by guest 0. On guest 1, a mapping inside a reserved
# range is remapped to another segment (made on guest 0): same address,
# the other segment's content, and unmapping leaves the range reserved.
# The same-address reservation of one key lands at the same address on
# both guests (and a second one on a guest, taken, fails with EEXIST).
# The checker agrees on both guests at the end.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi-share
vm_two_nodes

vm_expect g0 0 '' 'segtool create 0x100 2M 0644 && segtool create 0x101 1M 0644'
vm_expect g1 0 'size 2097152 sharers 0 home 0 uid 0 gid 0 mode 644' 'segtool stat 0x100'
vm_expect g1 0 'verified 0x100, 2097152 bytes' 'segtool verify 0x100'
vm_expect g1 0 'remap ok' 'segtool remap 0x100 0x101'
vm_expect g1 0 '' 'segtool poke 0x100 4096 0xfeedface'
vm_expect g0 0 'word 4096 = 0xfeedface' 'segtool peek 0x100 4096'
vm_expect g0 0 'verified 0x101' 'segtool verify 0x101'

vm_expect g0 0 '^va 0x' 'segtool va 42 1M'
va0=$(grep -oE '^va 0x[0-9a-f]+' <<<"$VM_OUT")
vm_expect g1 0 '^va 0x' 'segtool va 42 1M'
va1=$(grep -oE '^va 0x[0-9a-f]+' <<<"$VM_OUT")
if [ -n "$va0" ] && [ "$va0" = "$va1" ]; then
	vm_log "ok: key 42 reserved at the same address on both guests (${va0#va })"
else
	vm_fail "key 42 reserved at '$va0' on g0 and '$va1' on g1"
fi
# Taken on this node (the hold keeps one reserved): EEXIST, nothing else.
vm_expect g1 0 'File exists' 'segtool hold-va 42 1M'

vm_check_clean g0 g1
vm_finish
