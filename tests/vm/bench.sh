#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - the benchmarks that need the kernel drivers, in one guest
# ("make bench" runs it through scripts/run-bench.sh): uapi_bench compares
# libmcs with POSIX shared memory and memcpy into global memory with
# memcpy into anonymous memory. Its RESULT lines are passed on. Before
# that, the guest's PAT table and MTRRs are logged: they say which memory
# type the fabric's BAR really got (Documentation/uapi.md: in these
# guests the firmware's MTRRs make the 32-bit PCI hole uncached, and the
# kernel turns the write-back request into uncached-minus).
source "$(dirname "$0")/lib.sh"

vm_setup vm-bench >&2
vm_fabric 16M >&2
vm_start g0 >&2
vm_wait_ready g0 >&2

# Take the BAR out of the firmware's uncached MTRR (2-4 GiB): cover the
# rest of the hole with smaller uncached ranges, then load the drivers.
if [ "${BENCH_MTRR_WB:-1}" = 1 ]; then
	vm_cmd g0 'bar=$(head -n 3 $(dirname $(fabric-resource))/resource | tail -n 1 | cut -d" " -f1); echo bar $bar; echo "disable=0" >/proc/mtrr; for r in 0x80000000:0x40000000 0xc0000000:0x20000000 0xe0000000:0x10000000 0xf0000000:0x8000000 0xf8000000:0x4000000 0xfc000000:0x1000000 0xfe000000:0x2000000; do echo "base=${r%:*} size=${r#*:} type=uncachable" >/proc/mtrr; done; cat /proc/mtrr' >&2
fi
vm_expect g0 0 '' 'mcs-load' >&2
vm_expect g0 0 'formatted' 'mcsctl format --nodes 2' >&2
vm_expect g0 0 'joined' 'mcsctl join 0' >&2
vm_expect g0 0 'PAT: .* write-back' 'mount -t debugfs none /sys/kernel/debug; bar=$(head -n 3 $(dirname $(fabric-resource))/resource | tail -n 1 | cut -d" " -f1); grep -i "${bar#0x0000000}" /sys/kernel/debug/x86/pat_memtype_list; cat /proc/mtrr' >&2
vm_log "fabric BAR memory type and MTRRs:" >&2
sed 's/^/    /' <<<"$VM_OUT" >&2
vm_expect g0 0 'RESULT' 'mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm && uapi_bench' 300 >&2
grep '^RESULT ' <<<"$VM_OUT" | tr -d '\r'
vm_finish >&2
