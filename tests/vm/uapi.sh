#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi.sh - /dev/mcs in one guest. mcs_uapi.ko loads beside mcs_node;
# before the node joins, segment commands fail with ENOTCONN; after, every
# ioctl and mmap case of uapi_errors gets its documented result (bad
# input of every kind, wrong order, read-only shares, an unprivileged
# caller against the owner/mode rule; the name and mutex ioctls too), and
# "mcsctl ls" shows nothing it made left behind. Then a process that holds two
# segments, both mapped, is killed with SIGKILL: its shares are given
# back (sharer counts return to what they were), the segments stay, and
# the checker finds the region consistent. The module unloads cleanly.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi
vm_fabric 16M
vm_start g0
vm_wait_ready g0

vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'crw-rw-rw-' 'ls -l /dev/mcs'
vm_expect_fabric_wb g0
vm_expect g0 0 'formatted' 'mcsctl format --nodes 2'
vm_expect g0 0 'prejoin: 0 failures' 'uapi_errors prejoin'
# ls works before join too (the kernel reads the region as an observer).
vm_json g0 0 '. == {"names": [], "segments": [], "sync": []}' 'mcsctl --json ls'
vm_expect g0 0 'joined as node 0 incarnation 1' 'mcsctl join 0'
vm_expect g0 0 'uapi_errors: 0 failures' 'uapi_errors'
# Nothing it made is left: no name, segment or mutex.
vm_json g0 0 '. == {"names": [], "segments": [], "sync": []}' 'mcsctl --json ls'
vm_check_clean g0

# A process killed while it holds and maps segments gives its shares back.
vm_expect g0 0 '' 'segtool create 0x700 64K && segtool create 0x701 2M'
vm_expect g0 0 'sharers 0 ' 'segtool stat 0x700'
vm_expect g0 0 '' 'segtool hold 0x700 0x701 >/tmp/hold.log 2>&1 & echo $! >/tmp/hold.pid'
vm_expect g0 0 'holding' 'for i in $(seq 100); do grep -q holding /tmp/hold.log && break; sleep 0.1; done; cat /tmp/hold.log'
vm_expect g0 0 'sharers 1 ' 'segtool stat 0x700'
vm_expect g0 0 'sharers 1 ' 'segtool stat 0x701'
vm_expect g0 0 '' 'kill -9 $(cat /tmp/hold.pid)'
vm_expect g0 0 'sharers 0 ' 'for i in $(seq 100); do segtool stat 0x701 | grep -q "sharers 0 " && break; sleep 0.1; done; segtool stat 0x701'
vm_expect g0 0 'sharers 0 ' 'segtool stat 0x700'
vm_expect g0 0 'verified 0x701' 'segtool verify 0x701'
vm_check_clean g0
vm_expect g0 0 '' 'segtool destroy 0x700 && segtool destroy 0x701'
vm_expect g0 1 'No such file' 'segtool stat 0x700; segtool stat 0x701'
vm_check_clean g0
vm_expect g0 0 '' 'rmmod mcs_uapi'

vm_finish
