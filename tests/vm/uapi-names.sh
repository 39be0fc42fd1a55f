#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi-names.sh - global names of segments through /dev/mcs and libmcs.
# A segment created by name and filled on guest 0 is looked up, opened by
# name and verified word for word on guest 1 (and "/name" is the same
# name). Creating an existing name fails with EEXIST; a name of another
# user's segment cannot be unlinked by nobody (EPERM). Unlinked on guest
# 1 while guest 1 still maps it: the name is gone at once on both guests
# (lookup, open by name and by GID: ENOENT), the mapping still reads the
# old content, the name can be made again (a new GID). Bad names fail
# with EINVAL, a name of 256 bytes with ENAMETOOLONG (255 is fine). The
# checker agrees on both guests after each step.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi-names
vm_two_nodes

# Made on guest 0, seen, opened and read on guest 1.
vm_expect g0 0 '^created db gid 0x' 'segtool name-create db 1M 0644'
gid=$(grep -oE 'gid 0x[0-9a-f]+' <<<"$VM_OUT")
vm_expect g1 0 "^name db $gid type 1" 'segtool name-lookup db'
vm_expect g1 0 "^name /db $gid type 1" 'segtool name-lookup /db'
vm_expect g1 0 "^verified db $gid, 1048576 bytes" 'segtool name-verify db'
vm_expect g1 0 "^verified /db $gid" 'segtool name-verify /db'
vm_expect g1 1 'File exists' 'segtool name-create db 4K'
vm_expect g0 1 'File exists' 'segtool name-create /db 4K'
vm_expect g1 1 'Operation not permitted' 'segtool name-unlink db nobody'
vm_expect g0 0 "^verified db $gid" 'segtool name-verify db'
vm_check_clean g0 g1

# Unlinked while guest 1 maps it: gone at once, the memory lives on.
vm_expect g1 0 'unlink-held ok' 'segtool name-unlink-held db'
vm_expect g0 1 'No such file or directory' 'segtool name-lookup db'
vm_expect g0 1 'No such file or directory' 'segtool name-verify db'
vm_expect g0 1 'No such file or directory' "segtool stat ${gid#gid }"
vm_expect g1 1 'No such file or directory' 'segtool name-unlink db'
vm_check_clean g0 g1

# Bad names.
long255=$(printf 'n%.0s' $(seq 255))
long256=${long255}n
vm_expect g0 0 "^created $long255 gid" "segtool name-create $long255 4K"
vm_expect g1 0 "^name /$long255 gid" "segtool name-lookup /$long255"
vm_expect g1 0 "^unlinked" "segtool name-unlink $long255"
vm_expect g0 1 'File name too long' "segtool name-create $long256 4K"
vm_expect g0 1 'File name too long' "segtool name-lookup /$long256"
for bad in . .. / // a/b "''"; do
	vm_expect g0 1 'Invalid argument' "segtool name-create $bad 4K"
	vm_expect g1 1 'Invalid argument' "segtool name-lookup $bad"
done
vm_expect g0 1 'Invalid argument' "segtool name-create \"\$(printf 'a\\tb')\" 4K"
vm_check_clean g0 g1

# A name's GID is never another segment's, and a named segment goes only
# with its name: a segment may not be made by a GID of the names' range
# (bit 62), nor a named segment destroyed by its GID (EINVAL both). Else
# a name could be left naming nothing (the checker: "segment name ...
# names gid ..., which gmm cannot find"), a plain segment take its GID,
# and that name's unlink destroy it, lowering the wrong partition's count
# of named segments (the ioctl fuzzer found both).
vm_expect g0 0 '' 'segtool name-create kept 65536 0600'
vm_expect g0 0 'name /?kept gid 0x' 'segtool name-lookup kept'
gid=$(sed -n 's/.* gid \(0x[0-9a-f]*\) .*/\1/p' <<<"$VM_OUT" | tr -d '\r')
vm_expect g0 1 'Invalid argument' "segtool destroy $gid"
vm_expect g1 1 'Invalid argument' "segtool create $((gid + 1000)) 65536 0600"
vm_expect g1 0 '' 'segtool name-verify kept'
vm_expect g0 0 '' 'segtool name-unlink kept'
vm_check_clean g0 g1
vm_finish
