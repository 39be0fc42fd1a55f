#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# control.sh - one guest: the mcs modules load on the Debian kernel
# and find the ivshmem fabric; every ioctl of /dev/mcs-control does what
# Documentation/control.md says, and bad input (pointers, versions, flags,
# reserved fields, unknown commands, wrong order) gets a clean errno
# (ctl_errors); mcsctl formats, joins, reports status and checks the live
# fabric; the modules unload; and the fabric can also be a physical range
# (a second boot with memmap= and fabric_phys=/fabric_size=). The fabric
# is mapped write-back both ways; booted with the firmware's uncachable
# MTRR kept (mcs.fabric_wb=0), the driver says the BAR is not. No oops,
# no warning in the guest's kernel log.
source "$(dirname "$0")/lib.sh"

vm_setup vm-control
vm_fabric 16M

vm_start g0
vm_wait_ready g0
vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'crw-------.*mcs-control' 'ls -l /dev/mcs-control'
vm_expect g0 0 '^0' 'dmesg | grep -c "not mapped write-back"; true'
vm_json g0 0 '.fabric == {"found": true, "size": 16777216, "frozen": false, "fenced": false, "daemon": false, "key": false} and
	.region == null and .self == null and .nodes == []' 'mcsctl --json status'
vm_expect g0 0 'ctl_errors: 0 failures' 'ctl_errors'
# ctl_errors left a 4-node region with node 0 joined.
vm_json g0 0 '.region.size > 0 and .region.nodes == 4 and
	.self == {"node": 0, "incarnation": 1} and [.nodes[].node] == [0, 1, 2, 3] and
	(.nodes[0] | .state == "alive" and .incarnation == 1 and
	 .partition == "online" and .master == "primary" and .self == true) and
	(.nodes[3] | .state == "absent" and .self == false)' 'mcsctl --json status'
vm_json g0 0 '.segments == 0 and .sharers == 0 and .free_pages > 0 and
	.violations == 0' 'mcsctl --json check'
vm_expect g0 2 'join: Operation already in progress' 'mcsctl join 1'
vm_expect g0 2 'down: No such file' 'mcsctl down 2 1'
vm_expect g0 2 'format: Device or resource busy' 'mcsctl format --nodes 4 --force'
vm_expect g0 0 'frozen' 'mcsctl freeze'
vm_json g0 0 '.fabric.frozen == true' 'mcsctl --json status'
vm_expect g0 2 'check: Cannot send after transport endpoint shutdown' 'mcsctl check'
vm_expect g0 0 'thawed' 'mcsctl thaw'
vm_expect g0 2 'usage' 'mcsctl recover'
vm_expect g0 0 '' 'mcs-unload'
# The region outlives the driver: reloaded, it is attached again.
vm_expect g0 0 '' 'mcs-load'
vm_json g0 0 '.self == null and .fabric.frozen == false and
	(.nodes[0] | .state == "alive" and .incarnation == 1 and .self == false)' \
	'mcsctl --json status'
vm_check_clean g0
vm_kill g0

# A physical range as the fabric: 16 MiB of guest RAM at 512 MiB, kept
# from the kernel with memmap=. This guest keeps the firmware's MTRRs.
VM_MEM=1G VM_APPEND='memmap=16M$512M mcs.fabric_wb=0' vm_start p0
vm_wait_ready p0
vm_expect p0 0 '' 'mcs-load fabric_phys=0x20000000 fabric_size=0x1000000'
vm_json p0 0 '.fabric.size == 16777216 and .region == null' 'mcsctl --json status'
vm_expect p0 0 'formatted' 'mcsctl format --nodes 2'
vm_expect p0 0 'joined as node 1 incarnation 1' 'mcsctl join 1'
vm_json p0 0 '.region.nodes == 2 and (.nodes[1] | .state == "alive" and
	.incarnation == 1 and .partition == "online" and .master == "replica" and
	.self == true)' 'mcsctl --json status'
vm_check_clean p0
vm_expect p0 0 '' 'rmmod mcs_uapi && rmmod mcs_node'
# Its RAM range is write-back; the ivshmem BAR, under the uncachable MTRR,
# is not, and the driver says so.
vm_expect p0 0 '^0' 'dmesg | grep -c "not mapped write-back"; true'
vm_expect p0 0 '' 'insmod /mcs/modules/*-mcs_node.ko'
vm_json p0 0 '.fabric == {"found": true, "size": 16777216, "frozen": false, "fenced": false, "daemon": false, "key": false}' \
	'mcsctl --json status'
vm_expect p0 0 'fabric not mapped write-back' 'dmesg | grep "not mapped write-back"'
vm_kill p0

vm_finish
