#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ioctl-fuzz.sh - an unprivileged user throws random and structure-aware
# use of /dev/mcs at two joined guests at once (tests/vm/progs/ioctl_fuzz:
# every ioctl with mostly valid headers and random fields, mmap, munmap,
# read, poll, close, fork, workers killed mid-call) for IOCTL_FUZZ_SECS
# (default 40) seconds. Afterwards neither guest's log may show BUG:,
# WARNING:, Oops, a refcount_t splat or a hung task (vm_finish), the
# checker is clean on both, and a normal workload works: a segment made on
# one guest and read on the other, a name, a mutex. Prints "ioctl-fuzz: N
# calls, N oopses". A longer run by hand: IOCTL_FUZZ_SECS=3600.
source "$(dirname "$0")/lib.sh"

SECS=${IOCTL_FUZZ_SECS:-40}
SEED=${IOCTL_FUZZ_SEED:-$(date +%s)}

vm_setup vm-ioctl-fuzz
vm_two_nodes
vm_log "seed $SEED, $SECS s on each guest"

declare -A seq
for g in g0 g1; do
	seq[$g]=$(vm_send "$g" "ioctl_fuzz $SECS $((SEED + ${g#g})) 3") || vm_finish
done
calls=0
for g in g0 g1; do
	out=$(vm_collect "$g" "${seq[$g]}" $((SECS + 120)))
	rc=$?
	out=$(tr -d '\r' <<<"$out")
	sed 's/^/    /' <<<"$out"
	n=$(sed -n 's/^ioctl_fuzz: \([0-9]*\) calls.*/\1/p' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$n" ]; then
		vm_fail "$g: ioctl_fuzz exited $rc"
		continue
	fi
	calls=$((calls + n))
done
oopses=$(cat "$VM_RUN"/g0.log "$VM_RUN"/g1.log |
	grep -cE 'BUG:|WARNING:|Oops|refcount_t|blocked for more than')
echo "ioctl-fuzz: $calls calls, $oopses oopses"
[ "$calls" -gt 0 ] || vm_fail "no calls made"

vm_check_clean g0 g1
vm_expect g0 0 '' 'segtool create 0xd00 65536 0644'
vm_expect g1 0 'verified' 'segtool verify 0xd00'
vm_expect g1 0 '' 'segtool name-create after-fuzz 65536 0666'
vm_expect g0 0 '' 'segtool name-verify after-fuzz'
vm_expect g0 0 '' 'segtool mutex-create after-fuzz-m'
vm_expect g1 0 '' 'segtool mutex-lock after-fuzz-m'
vm_check_clean g0 g1
vm_finish
