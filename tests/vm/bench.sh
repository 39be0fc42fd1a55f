#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - the benchmarks that need the kernel drivers, in one guest
# ("make bench" runs it through scripts/run-bench.sh): uapi_bench compares
# libmcs with POSIX shared memory and memcpy into global memory with
# memcpy into anonymous memory. Its RESULT lines are passed on. Before
# that, the guest's PAT table and MTRRs are logged and checked: the
# fabric's BAR must be write-back (the guest's init takes it out of the
# firmware's uncachable MTRR, Documentation/testbed.md).
source "$(dirname "$0")/lib.sh"

vm_setup vm-bench >&2
vm_fabric 16M >&2
vm_start g0 >&2
vm_wait_ready g0 >&2

vm_expect g0 0 '' 'mcs-load' >&2
vm_expect g0 0 'formatted' 'mcsctl format --nodes 2' >&2
vm_expect g0 0 'joined' 'mcsctl join 0' >&2
vm_expect_fabric_wb g0 >&2
vm_log "fabric BAR memory type and MTRRs:" >&2
sed 's/^/    /' <<<"$VM_OUT" >&2
vm_expect g0 0 'RESULT' 'mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm && uapi_bench' 300 >&2
grep '^RESULT ' <<<"$VM_OUT" | tr -d '\r'
vm_finish >&2
