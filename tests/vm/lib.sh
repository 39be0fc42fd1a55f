# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - the guest test bed: real Linux guests sharing one fabric.
#
# Sourced by the tests in tests/vm/. Documentation/testbed.md explains the
# pieces; in short:
#
#   vm_setup              deps (scripts/deps.sh vm), the kernel version
#                         that has an image, modules and headers, our
#                         modules built for it, an initramfs (cpio) of
#                         busybox-static, the modules, mcsctl and the
#                         test programs with their ldd libraries
#   vm_fabric SIZE        a fresh fabric file in /dev/shm
#   vm_start NAME         boot a guest on that fabric (parallel TCG)
#   vm_wait_ready NAME    wait for its init to say it is up
#   vm_cmd NAME CMD       run CMD in it, print its output, return its status
#   vm_send, vm_collect   the same in two halves, to run guests in parallel
#   vm_expect NAME RC PATTERN CMD   the same, as a checked expectation
#   vm_json NAME RC FILTER CMD   the same for a command that prints JSON
#                         (mcsctl --json): parsed on the host with jq, the
#                         jq FILTER must be true of it
#   vm_expect_fabric_wb NAME   the fabric's BAR is mapped write-back
#   vm_kill NAME          kill its QEMU (the node dies at once)
#   vm_two_nodes          g0 and g1 on a fresh 16 MiB fabric, modules
#                         loaded, formatted by g0, joined as nodes 0, 1
#   vm_check_clean NAME...  the checker finds no violation on each
#   vm_finish             judge the logs and report; every exit cleans up
#
# Nothing waits by sleeping for a fixed time: every wait is for a marker
# in a guest's serial log, with a timeout. A test fails if an expectation
# fails or if any guest's log shows BUG:, WARNING:, Oops or a refcount_t
# splat. It is skipped (77) only if QEMU or a guest kernel cannot be had.

VM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_BUILD=$VM_ROOT/build/vm
VM_MEM=${VM_MEM:-256M}
# Parallel TCG needs thread=multi and room for a second vCPU (testbed.md).
VM_SMP=${VM_SMP:-1,maxcpus=2}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-300}
VM_CMD_TIMEOUT=${VM_CMD_TIMEOUT:-120}

declare -A VM_PID VM_CAT
VM_FAILS=0
VM_FABRIC=
VM_RUN=
VM_KVER=
VM_T0=$(date +%s%N)

vm_log()
{
	printf '[%6.1fs] %s\n' "$(( ($(date +%s%N) - VM_T0) / 1000000 ))e-3" "$*"
}

vm_fail()
{
	echo "FAIL: $*"
	VM_FAILS=$((VM_FAILS + 1))
}

vm_skip()
{
	echo "SKIP: $*"
	exit 77
}

# The newest kernel with an image, its modules and its headers: the guest
# must run exactly the kernel our modules are built against.
vm_pick_kernel()
{
	local v

	for v in $(ls /lib/modules 2>/dev/null | sort -Vr); do
		if [ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ] &&
		   [ -d "/usr/src/linux-headers-$v" ]; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

# The Debian modules our modules need, dependencies first (modules.dep).
vm_kernel_deps()
{
	local dep=/lib/modules/$VM_KVER/modules.dep ko name path line

	for ko in "$@"; do
		for name in $(modinfo -F depends "$ko" | tr ',' ' '); do
			path=$(find "$VM_ROOT/drivers" -name "$name.ko" | head -n 1)
			[ -n "$path" ] && continue # one of ours
			line=$(grep -E "(^|/)$name\.ko(\.[gx]z|\.zst)?:" "$dep") || {
				echo "vm: module $name not found for $VM_KVER" >&2
				return 1
			}
			for path in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
				echo "/lib/modules/$VM_KVER/$path"
			done
		done
	done | awk '!seen[$0]++'
}

# Our modules, in load order: the order of their dependencies
# (modinfo -F depends), sorted topologically; never by name.
vm_our_modules()
{
	local ko name dep

	for ko in $(find "$VM_ROOT/drivers" -name '*.ko'); do
		name=$(basename "$ko" .ko)
		echo "$name $name"
		for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
			case $dep in mcs_*) echo "$dep $name" ;; esac
		done
	done | tsort | while read -r name; do
		find "$VM_ROOT/drivers" -name "$name.ko"
	done
}

# Copy a program and the shared libraries ldd names into the staging dir.
vm_add_program()
{
	local stage=$1 prog=$2 lib

	install -D -m 755 "$prog" "$stage/mcs/$(basename "$prog")"
	for lib in $(ldd "$prog" 2>/dev/null | grep -v libmcs | grep -oE '/[^ ]+'); do
		[ -e "$stage$lib" ] || install -D -m 755 "$lib" "$stage$lib"
	done
}

vm_build_initramfs()
{
	local stage=$VM_BUILD/stage ko n=0 prog lib

	rm -rf "$stage"
	mkdir -p "$stage"/{bin,mcs/modules}
	install -m 755 /bin/busybox "$stage/bin/busybox"
	install -m 755 "$VM_ROOT/tests/vm/guest-init.sh" "$stage/init"
	# Debian's modules are uncompressed (CONFIG_MODULE_COMPRESS_NONE).
	for ko in $(vm_kernel_deps $(vm_our_modules)) $(vm_our_modules); do
		n=$((n + 1))
		cp "$ko" "$stage/mcs/modules/$(printf %02d $n)-$(basename "$ko")"
	done
	cat >"$stage/mcs/mcs-load" <<'EOS'
#!/bin/sh
# Load the Debian modules needed and then ours, in order; extra arguments
# are module parameters for mcs_node.
for m in /mcs/modules/*.ko; do
	case $m in
	*-mcs_node.ko) insmod "$m" "$@" || exit 1 ;;
	*) insmod "$m" || exit 1 ;;
	esac
done
EOS
	cat >"$stage/mcs/fabric-resource" <<'EOS'
#!/bin/sh
# The sysfs file of the ivshmem BAR that holds the fabric.
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ]; then
		echo "$d/resource2"
		exit 0
	fi
done
exit 1
EOS
	cat >"$stage/mcs/mcs-unload" <<'EOS'
#!/bin/sh
# Unload our modules, the last loaded first.
for m in $(ls -r /mcs/modules/*-mcs_*.ko); do
	m=${m##*/}
	m=${m#*-}
	rmmod "${m%.ko}" || exit 1
done
EOS
	chmod 755 "$stage/mcs/mcs-load" "$stage/mcs/mcs-unload" "$stage/mcs/fabric-resource"
	# libmcs goes to /mcs/lib, which the guest's LD_LIBRARY_PATH names.
	install -D -m 755 "$VM_ROOT/build/libmcs.so.2" "$stage/mcs/lib/libmcs.so.2"
	for prog in "$VM_ROOT/build/mcsctl" "$VM_ROOT"/build/tests/vm/*; do
		vm_add_program "$stage" "$prog"
	done
	# glibc loads it for pthread_exit() and cancellation (ldd cannot say).
	lib=$(ldconfig -p | awk '/libgcc_s\.so\.1 \(libc6,x86-64\)/ { print $NF; exit }')
	[ -n "$lib" ] && install -D -m 755 "$lib" "$stage$lib"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
		>"$VM_BUILD/initramfs.cpio"
}

# Everything a VM test needs before its first boot.
vm_setup()
{
	local name=${1:-vm}

	# A no-op when everything is installed; fails only if not root.
	"$VM_ROOT/scripts/deps.sh" build kernel vm >&2 ||
		vm_skip "cannot install QEMU and a guest kernel (scripts/deps.sh vm)"
	command -v qemu-system-x86_64 >/dev/null || vm_skip "no qemu-system-x86_64"
	VM_KVER=$(vm_pick_kernel) ||
		vm_skip "no kernel with image, modules and headers (scripts/deps.sh kernel vm)"
	mkdir -p "$VM_BUILD"
	make -s -C "$VM_ROOT" all >&2 || { echo "vm: user build failed"; exit 1; }
	make -s -C "$VM_ROOT" kmod KDIR="/usr/src/linux-headers-$VM_KVER" \
		>"$VM_BUILD/kmod.log" 2>&1 ||
		{ cat "$VM_BUILD/kmod.log"; echo "vm: module build failed"; exit 1; }
	vm_build_initramfs || { echo "vm: initramfs build failed"; exit 1; }
	VM_RUN=$VM_ROOT/build/test-logs/$name.guests
	rm -rf "$VM_RUN"
	mkdir -p "$VM_RUN"
	trap vm_cleanup EXIT
	trap 'exit 1' INT TERM
	vm_log "kernel $VM_KVER, initramfs $(du -h "$VM_BUILD/initramfs.cpio" | cut -f1), guest logs in build/test-logs/$name.guests/"
}

vm_fabric()
{
	VM_FABRIC=/dev/shm/mcs-vm-$$-$RANDOM
	truncate -s "$1" "$VM_FABRIC"
	VM_FABRIC_SIZE=$1
}

# vm_start NAME [QEMU ARGS...]: boot a guest (VM_MEM: its memory, VM_APPEND:
# more kernel command line). -smp 1,maxcpus=2 (VM_SMP) with thread=multi
# makes TCG run the guest in parallel mode, which is what makes its
# atomics atomic against the other guests (Documentation/testbed.md).
# The console carries the shell's commands, their output and the markers:
# only kernel messages of warning level and worse (BUG:, WARNING:, Oops,
# refcount_t, hung tasks: what vm_check_logs looks for) may interleave
# with them (loglevel=5), since a kernel line printed in the middle of a
# marker has been seen to garble it. Tests read info messages with dmesg.
vm_start()
{
	local name=$1 fifo=$VM_RUN/$1

	shift
	mkfifo "$fifo.in" "$fifo.out"
	: >"$fifo.log"
	qemu-system-x86_64 -accel tcg,thread=multi -smp "$VM_SMP" \
		-m "$VM_MEM" -nographic -nodefaults -no-reboot \
		-monitor none -serial "pipe:$fifo" \
		-kernel "/boot/vmlinuz-$VM_KVER" \
		-initrd "$VM_BUILD/initramfs.cpio" \
		-append "console=ttyS0 loglevel=5 panic=-1 mcs.guest=$name ${VM_APPEND:-}" \
		-object "memory-backend-file,id=fab,share=on,mem-path=$VM_FABRIC,size=$VM_FABRIC_SIZE" \
		-device ivshmem-plain,memdev=fab \
		"$@" </dev/null >"$fifo.qemu" 2>&1 &
	VM_PID[$name]=$!
	cat "$fifo.out" >>"$fifo.log" &
	VM_CAT[$name]=$!
	vm_log "$name: started, qemu pid ${VM_PID[$name]}"
}

# vm_wait NAME PATTERN TIMEOUT: wait until the log has a line matching
# PATTERN (ERE), or the guest is gone, or the time is up.
vm_wait()
{
	local name=$1 pattern=$2 timeout=$3 log=$VM_RUN/$1.log
	local end=$(( $(date +%s) + timeout ))

	while ! grep -qE -- "$pattern" "$log"; do
		if ! kill -0 "${VM_PID[$name]}" 2>/dev/null; then
			grep -qE -- "$pattern" "$log" && return 0
			echo "vm: $name: QEMU exited while waiting for /$pattern/" >&2
			cat "$VM_RUN/$name.qemu" >&2
			return 1
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "vm: $name: no /$pattern/ within ${timeout}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

vm_wait_ready()
{
	local name=$1 t0=$(date +%s%N)

	vm_wait "$name" '@@READY ' "$VM_BOOT_TIMEOUT" || {
		tail -n 30 "$VM_RUN/$name.log"
		exit 1
	}
	vm_log "$name: up in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

# vm_send NAME CMD: start CMD in the guest without waiting; prints the
# sequence number to give vm_collect. Unique without shared state, so this
# also works in a subshell.
vm_send()
{
	local name=$1 cmd=$2 seq

	seq=$(date +%s%N)
	# QEMU holds the fifo open for reading: this cannot block unless
	# QEMU is gone, hence the timeout.
	if ! timeout 10 bash -c 'printf "%s %s\n" "$1" "$2" >"$3"' _ \
		"$seq" "$cmd" "$VM_RUN/$name.in"; then
		echo "vm: $name: cannot send '$cmd'" >&2
		return 1
	fi
	echo "$seq"
}

# vm_collect NAME SEQ [TIMEOUT]: wait for command SEQ to finish; prints its
# output and returns its exit status (255 if the guest did not answer).
vm_collect()
{
	local name=$1 seq=$2 timeout=${3:-$VM_CMD_TIMEOUT} rc
	local log=$VM_RUN/$1.log

	vm_wait "$name" "@@RC $seq -?[0-9]+@@" "$timeout" || return 255
	awk -v b="@@BEGIN $seq@@" -v e="@@RC $seq " '
		index($0, e) { exit }
		on { print }
		index($0, b) { on = 1 }' "$log"
	rc=$(grep -oE "@@RC $seq -?[0-9]+@@" "$log" | head -n 1 | grep -oE -- '-?[0-9]+@@$')
	return "${rc%@@}"
}

# vm_cmd NAME CMD [TIMEOUT]: run CMD in the guest; prints its output and
# returns its exit status (255 if the guest did not answer).
vm_cmd()
{
	local seq

	seq=$(vm_send "$1" "$2") || return 255
	vm_collect "$1" "$seq" "${3:-$VM_CMD_TIMEOUT}"
}

# vm_expect NAME RC PATTERN CMD [TIMEOUT]: CMD exits RC and its output has
# a line matching PATTERN (ERE).
vm_expect()
{
	local name=$1 want=$2 pattern=$3 cmd=$4 out rc

	out=$(vm_cmd "$name" "$cmd" "${5:-$VM_CMD_TIMEOUT}")
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		vm_fail "$name: '$cmd' exited $rc (want $want), wanted /$pattern/ in:"
		sed 's/^/    /' <<<"$out"
		return 1
	fi
	vm_log "ok: $name: $cmd -> $rc"
	VM_OUT=$out
	return 0
}

# vm_json NAME RC FILTER CMD [TIMEOUT]: CMD (e.g. "mcsctl --json status")
# exits RC, its output is exactly one JSON object, and the jq FILTER is
# true of it. jq runs here on the host, not in the guest: the console's
# carriage returns are removed and the rest parsed as it is, so anything
# else on the console in the middle (a kernel message) fails the test.
vm_json()
{
	local name=$1 want=$2 filter=$3 cmd=$4 out rc

	out=$(vm_cmd "$name" "$cmd" "${5:-$VM_CMD_TIMEOUT}")
	rc=$?
	out=$(tr -d '\r' <<<"$out")
	if [ "$rc" -ne "$want" ] ||
	   ! jq -es 'length == 1 and (.[0] | type == "object")' <<<"$out" >/dev/null 2>&1 ||
	   ! jq -e "$filter" <<<"$out" >/dev/null 2>&1; then
		vm_fail "$name: '$cmd' exited $rc (want $want), wanted jq '$filter' true of:"
		sed 's/^/    /' <<<"$out"
		return 1
	fi
	vm_log "ok: $name: $cmd -> $rc, jq: $(tr -s '\n\t' '  ' <<<"$filter" | cut -c1-70)"
	VM_OUT=$out
	return 0
}

# vm_expect_fabric_wb NAME: the kernel's memory type of the fabric's BAR
# (the PAT table, once a driver has mapped it) is write-back; the guest's
# init has taken it out of the firmware's uncachable MTRR (testbed.md).
vm_expect_fabric_wb()
{
	vm_expect "$1" 0 'PAT: .* write-back' 'grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug; bar=$(sed -n 3p $(dirname $(fabric-resource))/resource | cut -d" " -f1); grep -i "${bar#0x0000000}" /sys/kernel/debug/x86/pat_memtype_list; cat /proc/mtrr'
}

# vm_nodes SIZE GUEST...: a fabric of SIZE, the guests booted together,
# the first formats it for all of them, the i-th joins as node i.
vm_nodes()
{
	local size=$1 g n=0

	shift
	vm_fabric "$size"
	for g in "$@"; do
		vm_start "$g"
	done
	for g in "$@"; do
		vm_wait_ready "$g"
	done
	for g in "$@"; do
		vm_expect "$g" 0 '' 'mcs-load'
		[ "$n" -eq 0 ] && vm_expect "$g" 0 'formatted' "mcsctl format --nodes $#"
		vm_expect "$g" 0 "joined as node $n incarnation 1" "mcsctl join $n"
		n=$((n + 1))
	done
}

vm_two_nodes()
{
	vm_nodes 16M g0 g1
}

vm_check_clean()
{
	local g

	for g in "$@"; do
		vm_json "$g" 0 '.violations == 0' 'mcsctl --json check'
	done
}

vm_kill()
{
	local name=$1

	kill -9 "${VM_PID[$name]}" 2>/dev/null
	wait "${VM_PID[$name]}" 2>/dev/null
	wait "${VM_CAT[$name]}" 2>/dev/null
	vm_log "$name: killed"
}

# Guest kernel trouble, in the words the kernel uses for it.
vm_check_logs()
{
	local log

	for log in "$VM_RUN"/*.log; do
		[ -e "$log" ] || continue
		if grep -nE 'BUG:|WARNING:|Oops|refcount_t:' "$log"; then
			vm_fail "kernel trouble in $(basename "$log")"
		fi
	done
}

vm_cleanup()
{
	local name

	for name in "${!VM_PID[@]}"; do
		kill -9 "${VM_PID[$name]}" 2>/dev/null
		wait "${VM_PID[$name]}" 2>/dev/null
		kill "${VM_CAT[$name]}" 2>/dev/null
		wait "${VM_CAT[$name]}" 2>/dev/null
		rm -f "$VM_RUN/$name.in" "$VM_RUN/$name.out"
	done
	[ -n "$VM_FABRIC" ] && rm -f "$VM_FABRIC"
}

# Shut the guests down, judge their logs, exit with the verdict.
vm_finish()
{
	vm_check_logs
	vm_cleanup
	vm_log "done, $VM_FAILS failures"
	[ "$VM_FAILS" -eq 0 ] || exit 1
	exit 0
}
