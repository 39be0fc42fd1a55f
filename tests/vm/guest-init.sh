#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test guests (tests/vm/lib.sh builds the initramfs).
#
# Mounts the usual file systems, then reads commands from the serial
# console, one per line as "SEQ COMMAND", runs each with sh and frames its
# output with markers the host waits for:
#
#     @@BEGIN SEQ@@ ... output ... @@RC SEQ STATUS@@
#
# "@@READY@@" says the guest is up. Kernel messages share the console.
#
# Before that, the fabric's BAR is taken out of the firmware's uncachable
# MTRR (fabric_wb below, Documentation/testbed.md), so that the drivers'
# write-back mapping of it is write-back and not uncached-minus.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The usual run-time directories, for daemons (Corosync, its libqb IPC).
mkdir -p /run /dev/shm /var
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
ln -s /run /var/run
exec </dev/console >/dev/console 2>&1
stty -echo
export PATH=/mcs:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/mcs/lib
cd /mcs || exit 1

# SeaBIOS covers the 32-bit PCI hole (2-4 GiB), where it puts the ivshmem
# BAR, with one uncachable variable MTRR, and Linux then turns every
# write-back mapping of the BAR into uncached-minus. Replace that range by
# uncachable ranges around the BAR: the rest of the hole stays uncachable,
# the BAR gets the default type, write-back. A BAR is a naturally aligned
# power of two, so halving the range down to the BAR's size takes one
# range per halving (7 for a 16 MiB BAR in 2 GiB; QEMU offers 8).
fabric_wb()
{
	local d bar size line reg base rsize unit start blk

	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] &&
			[ "$(cat "$d/device")" = 0x1110 ] && break
		d=
	done
	[ -n "$d" ] && [ -w /proc/mtrr ] || return 0
	set -- $(sed -n 3p "$d/resource")
	bar=$(($1))
	size=$(($2 - $1 + 1))
	while read -r line; do
		case $line in
		reg*uncachable*) ;;
		*) continue ;;
		esac
		reg=${line%%:*}
		reg=$((1${reg#reg} - 100))
		base=$(echo "$line" | sed -n 's/.*base=\(0x[0-9a-fA-F]*\).*/\1/p')
		set -- $(echo "$line" | sed -n 's/.*size= *\([0-9]*\)\([KM]\)B.*/\1 \2/p')
		rsize=$1
		unit=$2
		[ "$unit" = M ] && rsize=$((rsize << 20)) || rsize=$((rsize << 10))
		start=$((base))
		[ "$bar" -ge "$start" ] && [ $((bar + size)) -le $((start + rsize)) ] ||
			continue
		echo "disable=$reg" >/proc/mtrr || return 1
		blk=$rsize
		while [ "$blk" -gt "$size" ]; do
			blk=$((blk / 2))
			if [ "$bar" -ge $((start + blk)) ]; then
				printf 'base=0x%x size=0x%x type=uncachable\n' "$start" "$blk"
				start=$((start + blk))
			else
				printf 'base=0x%x size=0x%x type=uncachable\n' $((start + blk)) "$blk"
			fi >/proc/mtrr || {
				echo "fabric_wb: out of MTRRs: the fabric stays uncached"
				return 1
			}
		done
		printf 'fabric_wb: BAR 0x%x (%d KiB) is write-back\n' "$bar" $((size >> 10))
		return 0
	done </proc/mtrr
}
# mcs.fabric_wb=0 on the kernel command line (VM_APPEND) keeps the
# firmware's MTRRs, to measure the uncached mapping.
case " $(cat /proc/cmdline) " in
*" mcs.fabric_wb=0 "*) echo "fabric_wb: skipped, the fabric stays uncached" ;;
*) fabric_wb ;;
esac
echo "@@READY $(uname -r)@@"
while read -r seq cmd; do
	echo "@@BEGIN $seq@@"
	sh -c "$cmd" </dev/null
	echo "@@RC $seq $?@@"
done
poweroff -f
