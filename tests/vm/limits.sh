#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# limits.sh - per-uid limits hold across the cluster (Documentation/
# uapi.md, "Limits"). Two joined guests; unprivileged uids make objects
# with tests/vm/progs/limittool:
#   - the attack: uid 1000 makes 64 KiB segments until refused. It must be
#     stopped by its limit (EDQUOT, "Disk quota exceeded") at the built-in
#     quarter of the pages, not by a full fabric (ENOSPC): uid 1001 on the
#     other guest still makes a segment. mcsctl limit --json counts what
#     uid 1000 holds, the same on both guests;
#   - a limit set on one guest binds on the other: segments 3 for uid
#     1000, which holds more: refused at once; all destroyed, its counts
#     are 0; then 2 on g0 and 1 on g1 pass, the 4th is refused;
#   - names and sync objects: --names 2 stops the third named segment,
#     --syncs 2 the third mutex; destroyed and unlinked, all back to 0;
#   - the default for all (--uid all --syncs 1) binds a uid without its
#     own; "default" undoes it;
#   - a count left too high heals: uid 1003's mutex destroyed first, its
#     name unlinked by root after (so nobody credits the name): at its
#     names limit of 1, a new named mutex still passes (the recount);
#   - root (CAP_SYS_RESOURCE) is counted but not held;
#   - with its limits lifted (none), uid 1000 fills the fabric and uid
#     1001 gets ENOSPC: the attack the limits stop;
#   - bad input to mcsctl limit: exit 2, nothing changed.
# The checker is clean on both guests at the end; no oops (vm_finish).
source "$(dirname "$0")/lib.sh"

vm_setup vm-limits
vm_two_nodes

# lt GUEST RC PATTERN ARGS...: limittool ARGS on GUEST, as vm_expect.
lt()
{
	vm_expect "$1" "$2" "$3" "limittool ${*:4}"
}

# used GUEST UID FILTER: mcsctl limit --json's row of UID satisfies FILTER.
used()
{
	vm_json "$1" 0 "(.uids[] | select(.uid == $2)) | $3" \
		"mcsctl limit --json --uid $2"
}

vm_json g0 0 '.builtin.pages > 0 and .default.set.pages == 0 and .uids == []' \
	'mcsctl limit --json'
pages=$(jq -r .builtin.pages <<<"$VM_OUT")
vm_log "built-in page limit: $pages"

# The attack: fill the fabric as one user. 16 pages and a descriptor page
# each; the limit stops it at a quarter of the pages.
lt g0 3 'stopped: Disk quota exceeded' 1000 segs 0x10000 10000 65536
made=$(sed -n 's/^made \([0-9]*\).*/\1/p' <<<"$VM_OUT" | tr -d '\r')
vm_log "uid 1000 made $made segments"
[ "$made" -eq $((pages / 17)) ] ||
	vm_fail "uid 1000 made $made segments, its limit allows $((pages / 17))"
lt g1 0 'made 1' 1001 segs 0x20000 1 65536
for g in g0 g1; do
	used "$g" 1000 ".used.segments == $made and .used.pages == $((made * 17))"
done

# A limit set on g1 binds on g0, for objects made on either.
vm_expect g1 0 '' 'mcsctl limit --uid 1000 --segments 3'
used g0 1000 '.limit.segments == 3 and .set.segments == 3'
lt g0 3 'made 0' 1000 segs 0x30000 1 65536
lt g0 0 "removed $made" 1000 destroy 0x10000 "$made"
used g1 1000 '.used.segments == 0 and .used.pages == 0'
lt g0 0 'made 2' 1000 segs 0x30000 2 4096
lt g1 3 'made 1' 1000 segs 0x30002 2 4096
used g0 1000 '.used.segments == 3 and .used.pages == 6'
lt g1 0 'removed 3' 1000 destroy 0x30000 3

# Names and sync objects.
vm_expect g0 0 '' 'mcsctl limit --uid 1000 --segments none --names 2 --syncs 2'
used g1 1000 '.limit.segments == null and .limit.names == 2 and .limit.syncs == 2'
lt g1 3 'made 2' 1000 names n- 3 4096
lt g0 3 'made 0' 1000 mutexes m- 1
lt g0 0 'removed 2' 1000 unlink n- 2
lt g0 3 'made 2' 1000 mutexes m- 3
used g1 1000 '.used.names == 2 and .used.syncs == 2 and .used.segments == 0'
lt g1 0 'removed 2' 1000 mutex-destroy m- 2
used g0 1000 '.used.names == 0 and .used.syncs == 0 and .used.pages == 0'

# The default for every uid without its own.
vm_expect g1 0 '' 'mcsctl limit --uid all --syncs 1'
vm_json g0 0 '.default.limit.syncs == 1 and .default.set.syncs == 1' \
	'mcsctl limit --json'
lt g0 3 'made 1' 1002 events 0x40000 2
vm_expect g1 0 '' 'mcsctl limit --uid all --syncs default'
lt g0 0 'made 1' 1002 events 0x40001 1

# A count left too high heals at the limit.
vm_expect g0 0 '' 'mcsctl limit --uid 1003 --names 1'
lt g0 0 'made 1' 1003 mutexes h- 1
lt g0 0 'removed 1' 1003 mutex-drop h- 1
vm_expect g1 0 '' 'segtool name-unlink h-0'
used g0 1003 '.used.names == 1 and .used.syncs == 0'
lt g1 0 'made 1' 1003 mutexes k- 1
used g0 1003 '.used.names == 1 and .used.syncs == 1'

# Root is counted, not held.
vm_expect g0 0 '' 'mcsctl limit --uid 0 --segments 1'
lt g0 0 'made 2' 0 segs 0x50000 2 4096
used g1 0 '.used.segments == 2'

# Without its limits the same user fills the fabric for everyone: what
# the limits prevent (and what this test would see on a kernel without
# them).
vm_expect g1 0 '' 'mcsctl limit --uid 1000 --segments none --pages none'
lt g0 1 'stopped: No space left on device' 1000 segs 0x60000 10000 65536
all=$(sed -n 's/^made \([0-9]*\).*/\1/p' <<<"$VM_OUT" | tr -d '\r')
lt g1 1 'stopped: No space left on device' 1001 segs 0x70000 1 65536
lt g0 0 "removed $all" 1000 destroy 0x60000 "$all"
lt g1 0 'made 1' 1001 segs 0x70000 1 65536

# Bad input: a clear error, nothing set.
vm_expect g0 2 'bad limit' 'mcsctl limit --uid 5 --segments -1'
vm_expect g0 2 'needs --uid' 'mcsctl limit --syncs 4'
vm_expect g0 2 'bad uid' 'mcsctl limit --uid 4294967295'
vm_json g0 0 '[.uids[].uid] | index(5) == null' 'mcsctl limit --json'

vm_check_clean g0 g1
vm_finish
