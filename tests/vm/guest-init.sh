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
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
stty -echo
export PATH=/mcs:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/mcs/lib
cd /mcs || exit 1
echo "@@READY $(uname -r)@@"
while read -r seq cmd; do
	echo "@@BEGIN $seq@@"
	sh -c "$cmd" </dev/null
	echo "@@RC $seq $?@@"
done
poweroff -f
