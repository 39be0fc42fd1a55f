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
#   vm_panic NAME         crash its kernel (sysrq c) and wait for its QEMU
#                         to exit (panic=-1, -no-reboot); the crash's own
#                         trace is not held against the test
#   vm_kill_proc NAME PROG   SIGKILL every PROG in the guest, wait till gone
#   vm_qmp NAME JSON...   run QMP commands on its QEMU's monitor socket
#   vm_two_nodes          g0 and g1 on a fresh 16 MiB fabric, modules
#                         loaded, formatted by g0, joined as nodes 0, 1
#   vm_check_clean NAME...  the checker finds no violation on each
#   vm_finish             judge the logs and report; every exit cleans up
#
# The cluster (Corosync in every guest, testbed.md "The cluster"):
#
#   vm_cluster [N]        a fabric and N guests g0..g(N-1) (default 4) on
#                         one private network, guest i at 10.0.0.(i+1),
#                         Corosync node id i+1, mcs modules loaded (not
#                         formatted, not joined); returns once every guest
#                         sees all N members and is quorate
#   vm_members NAME       print the node ids its Corosync sees, sorted,
#                         then "quorate" or "inquorate" ("1 2 4 quorate")
#   vm_wait_members T WANT NAME...   wait (T seconds, polled in the
#                         guests every 0.5 s) until each NAME's vm_members
#                         is WANT
#   vm_link NAME off|on   cut or restore its network link (QMP set_link)
#   vm_wait_status NAME SECS FILTER   poll mcsctl --json status until the
#                         jq FILTER is true of it
#   vm_wait_output NAME SECS CMD PATTERN   poll CMD until its output matches
#   vm_mcsd_up NAME...    start mcsd in each, wait until each joined
#   vm_reboot NAME        boot it again (killed first if still running)
#                         with the same identity, network and corosync.conf;
#                         returns once it and every live, linked guest see
#                         exactly the live, linked guests as members
#
# A guest booted again under its old name keeps its old log: NAME.log is
# renamed NAME.1.log (then NAME.2.log, ...) and the new boot logs to
# NAME.log. Every log is judged at the end.
#
# Nothing waits by sleeping for a fixed time: every wait is for a marker
# in a guest's serial log, with a timeout. A test fails if an expectation
# fails or if any guest's log shows BUG:, WARNING:, Oops or a refcount_t
# splat (in the log of a boot that vm_panic ended, only the lines before
# its crash marker count). It is skipped (77) only if QEMU or a guest
# kernel cannot be had.

VM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_BUILD=$VM_ROOT/build/vm
VM_MEM=${VM_MEM:-256M}
# Parallel TCG needs thread=multi and room for a second vCPU (testbed.md).
VM_SMP=${VM_SMP:-1,maxcpus=2}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-300}
VM_CMD_TIMEOUT=${VM_CMD_TIMEOUT:-120}

declare -A VM_PID VM_CAT VM_ARGS VM_INITRDS VM_LINK
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
	vm_add_libs "$stage" "$prog"
}

# vm_add_libs STAGE FILE: the shared libraries ldd names for FILE, unless
# the staging dir or the base initramfs's (an overlay's) has them.
vm_add_libs()
{
	local stage=$1 file=$2 lib

	for lib in $(ldd "$file" 2>/dev/null | grep -v libmcs | grep -oE '/[^ ]+'); do
		[ -e "$stage$lib" ] || [ -e "$VM_BUILD/stage$lib" ] ||
			install -D -m 755 "$lib" "$stage$lib"
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
	cat >"$stage/mcs/kill-proc" <<'EOS'
#!/bin/sh
# kill-proc PROG: SIGKILL every process named PROG; wait until all are
# gone (zombies count as gone); fails if there was none or one stays.
pids=$(pidof "$1") || { echo "kill-proc: no $1 running"; exit 1; }
kill -9 $pids
n=0
for p in $pids; do
	while [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || { echo "kill-proc: $1 ($p) still running"; exit 1; }
		sleep 0.1
	done
done
echo "kill-proc: $1 ($pids) killed"
EOS
	chmod 755 "$stage/mcs/mcs-load" "$stage/mcs/mcs-unload" "$stage/mcs/fabric-resource" \
		"$stage/mcs/kill-proc"
	# libmcs goes to /mcs/lib, which the guest's LD_LIBRARY_PATH names.
	install -D -m 755 "$VM_ROOT/build/libmcs.so.2" "$stage/mcs/lib/libmcs.so.2"
	for prog in "$VM_ROOT/build/mcsctl" "$VM_ROOT"/build/tests/vm/* \
		"$VM_ROOT"/build/examples/*/*; do
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
#
# VM_INITRD names another initramfs (vm_cluster's). The monitor is QMP on
# the socket NAME.qmp (vm_qmp). A NAME booted before keeps its earlier
# log (vm_rotate_log); its arguments and initramfs are kept for vm_reboot.
vm_start()
{
	local name=$1 fifo=$VM_RUN/$1 initrd=${VM_INITRD:-$VM_BUILD/initramfs.cpio}

	shift
	VM_ARGS[$name]=$(printf '%q ' "$@")
	VM_INITRDS[$name]=$initrd
	VM_LINK[$name]=on
	vm_rotate_log "$name"
	rm -f "$fifo.in" "$fifo.out" "$fifo.qmp"
	mkfifo "$fifo.in" "$fifo.out"
	: >"$fifo.log"
	qemu-system-x86_64 -accel tcg,thread=multi -smp "$VM_SMP" \
		-m "$VM_MEM" -nographic -nodefaults -no-reboot \
		-monitor none -qmp "unix:$fifo.qmp,server=on,wait=off" \
		-serial "pipe:$fifo" \
		-kernel "/boot/vmlinuz-$VM_KVER" \
		-initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 mcs.guest=$name ${VM_APPEND:-}" \
		-object "memory-backend-file,id=fab,share=on,mem-path=$VM_FABRIC,size=$VM_FABRIC_SIZE" \
		-device ivshmem-plain,memdev=fab \
		"$@" </dev/null >"$fifo.qemu" 2>&1 &
	VM_PID[$name]=$!
	cat "$fifo.out" >>"$fifo.log" &
	VM_CAT[$name]=$!
	vm_log "$name: started, qemu pid ${VM_PID[$name]}"
}

# vm_rotate_log NAME: keep the log of an earlier boot of NAME (and its QEMU
# output and vm_panic's mark) as NAME.K.log, K = 1, 2, ... in boot order.
vm_rotate_log()
{
	local name=$1 k=1 f

	[ -s "$VM_RUN/$name.log" ] || return 0
	while [ -e "$VM_RUN/$name.$k.log" ]; do
		k=$((k + 1))
	done
	for f in log log.panic qemu; do
		[ -e "$VM_RUN/$name.$f" ] && mv "$VM_RUN/$name.$f" "$VM_RUN/$name.$k.$f"
	done
	return 0
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

# vm_gone NAME TIMEOUT: wait until its QEMU has exited; reap it and its
# log reader.
vm_gone()
{
	local name=$1 end=$(( $(date +%s) + $2 ))

	while kill -0 "${VM_PID[$name]}" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
	wait "${VM_PID[$name]}" 2>/dev/null
	wait "${VM_CAT[$name]}" 2>/dev/null
	return 0
}

# vm_panic NAME: crash the guest's kernel as an OS crash would (sysrq c:
# panic, and with panic=-1 and -no-reboot its QEMU exits). The guest
# prints @@SYSRQ-CRASH@@ just before it; NAME.log.panic records that the
# crash was intended, so vm_check_logs ignores what follows that marker in
# this boot's log (the panic's own trace), and only there.
vm_panic()
{
	local name=$1

	: >"$VM_RUN/$name.log.panic"
	vm_send "$name" 'echo @@SYSRQ-CRASH@@; echo c >/proc/sysrq-trigger' >/dev/null ||
		{ vm_fail "$name: cannot send the crash"; return 1; }
	if ! vm_gone "$name" 60; then
		vm_fail "$name: QEMU still running 60 s after sysrq c"
		return 1
	fi
	if ! grep -q '^@@SYSRQ-CRASH@@' "$VM_RUN/$name.log" ||
	   ! grep -q 'Kernel panic' "$VM_RUN/$name.log"; then
		vm_fail "$name: no crash marker or no kernel panic in its log"
		return 1
	fi
	vm_log "$name: panicked, QEMU exited"
}

# vm_kill_proc NAME PROG: SIGKILL every process PROG in the guest and wait
# until they are gone; fails the test if there was none.
vm_kill_proc()
{
	vm_expect "$1" 0 "^kill-proc: $2 " "kill-proc $2"
}

# vm_qmp NAME JSON...: send QMP commands to the guest's QEMU (socket
# NAME.qmp, through socat) one at a time, each after the answer to the one
# before; returns 1 if one gets an error or no answer within 10 s.
vm_qmp()
{
	local name=$1 cmd line rc=0 pid

	shift
	coproc VM_QMP { exec socat - "UNIX-CONNECT:$VM_RUN/$name.qmp" 2>&1; }
	pid=$VM_QMP_PID
	read -r -t 10 line <&"${VM_QMP[0]}" && [[ $line == *QMP* ]] || rc=1
	for cmd in '{"execute": "qmp_capabilities"}' "$@"; do
		[ "$rc" -eq 0 ] || break
		printf '%s\n' "$cmd" >&"${VM_QMP[1]}"
		rc=1
		while read -r -t 10 line <&"${VM_QMP[0]}"; do
			case $line in
			*'"return"'*) rc=0; break ;;
			*'"error"'*) echo "vm: $name: QMP $cmd: $line" >&2; break ;;
			esac
		done
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return "$rc"
}

# vm_link NAME off|on: cut or restore the guest's network link, as a
# pulled cable would (its NIC reports no carrier; nothing gets through).
vm_link()
{
	local name=$1 up

	case $2 in
	off) up=false ;;
	on) up=true ;;
	*) echo "vm_link: off or on, not '$2'" >&2; return 2 ;;
	esac
	vm_qmp "$name" "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"n0\", \"up\": $up}}" ||
		{ vm_fail "$name: set_link $2 failed"; return 1; }
	VM_LINK[$name]=$2
	vm_log "$name: link $2"
}

# Guest kernel trouble, in the words the kernel uses for it. In the log of
# a boot that vm_panic ended (NAME[.K].log.panic), the lines from its
# @@SYSRQ-CRASH@@ marker on are the intended crash and are not judged.
vm_check_logs()
{
	local log

	for log in "$VM_RUN"/*.log; do
		[ -e "$log" ] || continue
		if [ -e "$log.panic" ]; then
			grep -q '^@@SYSRQ-CRASH@@' "$log" ||
				vm_fail "$(basename "$log"): vm_panic's crash marker is missing"
			awk '/^@@SYSRQ-CRASH@@/ { exit } { print NR ":" $0 }' "$log"
		else
			awk '{ print NR ":" $0 }' "$log"
		fi | grep -E 'BUG:|WARNING:|Oops|refcount_t:' &&
			vm_fail "kernel trouble in $(basename "$log")"
	done
	return 0
}

# ---- The cluster: Corosync in every guest (testbed.md "The cluster") ----

# Totem's token timeout (ms) and its per-node increment beyond two nodes:
# chosen for TCG guests on 2 busy cores (testbed.md: measured detection
# times and why not less).
VM_TOKEN=${VM_TOKEN:-4000}
VM_TOKEN_COEFF=${VM_TOKEN_COEFF:-0}
VM_CLUSTER_TIMEOUT=${VM_CLUSTER_TIMEOUT:-120}
# The cluster guests' memory (vm_cluster says why more than VM_MEM).
VM_CLUSTER_MEM=${VM_CLUSTER_MEM:-384M}
# mcsd's heartbeat deadline and the fabric lease in the guests'
# /etc/mcs/mcsd.conf (vm_cluster_initramfs says why these).
VM_MCSD_DEADLINE=${VM_MCSD_DEADLINE:-3000}
VM_MCSD_LEASE=${VM_MCSD_LEASE:-8000}
VM_CLUSTER=()
VM_NET_PORT=
declare -A VM_NODEID VM_ADDR

# vm_kernel_modules NAME...: the Debian modules NAME... with what they
# depend on (modules.dep), dependencies first, each once.
vm_kernel_modules()
{
	local dep=/lib/modules/$VM_KVER/modules.dep name line path

	for name in "$@"; do
		line=$(grep -E "(^|/)$name\.ko(\.[gx]z|\.zst)?:" "$dep") || {
			echo "vm: module $name not found for $VM_KVER" >&2
			return 1
		}
		for path in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
			echo "/lib/modules/$VM_KVER/$path"
		done
	done | awk '!seen[$0]++'
}

# vm_corosync_conf N: the corosync.conf of an N-guest cluster: knet, no
# crypto (a private network of test guests), guest i is node i+1 at
# 10.0.0.(i+1), votequorum (one vote each, or guest i has the i-th of
# the words in VM_VOTES), the log in a file of the guest.
vm_corosync_conf()
{
	local n=$1 i

	cat <<EOC
# Generated by tests/vm/lib.sh (vm_cluster $n).
totem {
	version: 2
	cluster_name: mcs-vm
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: $VM_TOKEN
	token_coefficient: $VM_TOKEN_COEFF
}
nodelist {
EOC
	local votes=(${VM_VOTES:-})
	for ((i = 0; i < n; i++)); do
		printf '\tnode {\n\t\tnodeid: %d\n\t\tname: g%d\n\t\tring0_addr: 10.0.0.%d\n\t\tquorum_votes: %d\n\t}\n' \
			$((i + 1)) "$i" $((i + 1)) "${votes[$i]:-1}"
	done
	cat <<'EOC'
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_logfile: yes
	logfile: /var/log/corosync/corosync.log
	to_stderr: no
	to_syslog: no
	timestamp: hires
}
EOC
}

# vm_cluster_initramfs N: the base initramfs with an overlay (a second
# cpio archive after the first, which the kernel unpacks on top): Corosync,
# its tools, their libraries and libknet's plugins, build/mcsd if it was
# built, virtio_net and its dependencies, /etc/corosync/corosync.conf and
# the guest's cluster scripts. Sets VM_CLUSTER_INITRD.
vm_cluster_initramfs()
{
	local n=$1 stage=$VM_BUILD/cluster-stage prog path ko k=0 plugins

	rm -rf "$stage"
	mkdir -p "$stage"/{mcs/net-modules,etc/corosync}
	for prog in corosync corosync-quorumtool corosync-cmapctl corosync-cfgtool; do
		path=$(PATH=$PATH:/usr/sbin:/sbin command -v "$prog") ||
			{ echo "vm: no $prog (scripts/deps.sh vm)" >&2; return 1; }
		vm_add_program "$stage" "$path"
	done
	# knet loads its compression and crypto plugins from a compiled-in
	# directory.
	plugins=$(dpkg -L libknet1 | grep -m 1 '/kronosnet$') ||
		{ echo "vm: no kronosnet plugin directory (libknet1)" >&2; return 1; }
	for path in "$plugins"/*.so; do
		install -D -m 755 "$path" "$stage$path"
		vm_add_libs "$stage" "$path"
	done
	[ -x "$VM_ROOT/build/mcsd" ] && vm_add_program "$stage" "$VM_ROOT/build/mcsd"
	for ko in $(vm_kernel_modules virtio_pci virtio_net); do
		k=$((k + 1))
		cp "$ko" "$stage/mcs/net-modules/$(printf %02d $k)-$(basename "$ko")"
	done
	vm_corosync_conf "$n" >"$stage/etc/corosync/corosync.conf"
	# A guest under TCG on a busy host has been seen to starve mcsd for a
	# second (Corosync at real-time priority while a node joins): the
	# deadline leaves room for that, the lease covers the deadline twice
	# and is still shorter than Corosync's detection (token + consensus).
	mkdir -p "$stage/etc/mcs"
	printf '# Generated by tests/vm/lib.sh (vm_cluster).\ndeadline_ms = %d\nlease_ms = %d\n' \
		"$VM_MCSD_DEADLINE" "$VM_MCSD_LEASE" >"$stage/etc/mcs/mcsd.conf"
	cat >"$stage/mcs/node-up" <<'EOS'
#!/bin/sh
# node-up ADDR/PREFIX: the network (virtio_net, eth0 at ADDR), Corosync
# (daemonized; it returns once the daemon is up), then the mcs modules.
for m in /mcs/net-modules/*.ko; do
	insmod "$m" || exit 1
done
ip link set lo up && ip link set eth0 up && ip addr add "$1" dev eth0 || exit 1
mkdir -p /var/log/corosync /var/lib/corosync
corosync || { echo "node-up: corosync failed"; tail -n 20 /var/log/corosync/corosync.log; exit 1; }
mcs-load || exit 1
echo "node-up: $1, corosync pid $(pidof corosync)"
EOS
	cat >"$stage/mcs/members" <<'EOS'
#!/bin/sh
# members: the node ids this node's Corosync sees, sorted, then "quorate"
# or "inquorate"; "down" (status 1) if Corosync does not answer.
out=$(corosync-quorumtool -s 2>/dev/null)
q=$(echo "$out" | sed -n 's/^Quorate: *//p')
[ -n "$q" ] || { echo down; exit 1; }
ids=$(echo "$out" | awk '/^Membership information/ { m = 1; next }
	m && $1 ~ /^[0-9]+$/ { print $1 }' | sort -n | tr '\n' ' ')
[ "$q" = Yes ] && echo "${ids}quorate" || echo "${ids}inquorate"
EOS
	cat >"$stage/mcs/wait-members" <<'EOS'
#!/bin/sh
# wait-members TIMEOUT WANT...: poll "members" (every 0.5 s) until it
# prints WANT; prints how long that took (polls, seconds of this guest's
# uptime) and then the last answer; status 1 after TIMEOUT seconds.
end=$(($(date +%s) + $1))
shift
read -r t0 _ </proc/uptime
n=0
while :; do
	got=$(members)
	n=$((n + 1))
	read -r t _ </proc/uptime
	if [ "$got" = "$*" ]; then
		echo "wait-members: $n polls, $(echo "$t $t0" | awk '{ printf "%.2f", $1 - $2 }') s"
		echo "members: $got"
		exit 0
	fi
	[ "$(date +%s)" -lt "$end" ] || { echo "members: $got (timed out)"; exit 1; }
	sleep 0.5
done
EOS
	chmod 755 "$stage/mcs/node-up" "$stage/mcs/members" "$stage/mcs/wait-members"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
		>"$VM_BUILD/cluster.cpio" || return 1
	VM_CLUSTER_INITRD=$VM_BUILD/initramfs-cluster.cpio
	cat "$VM_BUILD/initramfs.cpio" "$VM_BUILD/cluster.cpio" >"$VM_CLUSTER_INITRD"
}

# vm_node_up NAME...: in each guest (in parallel) the network, Corosync and
# the mcs modules (node-up).
vm_node_up()
{
	local g out rc ok=0
	declare -A seq

	for g in "$@"; do
		seq[$g]=$(vm_send "$g" "node-up ${VM_ADDR[$g]}/24") || return 1
	done
	for g in "$@"; do
		out=$(vm_collect "$g" "${seq[$g]}")
		rc=$?
		if [ "$rc" -ne 0 ]; then
			vm_fail "$g: node-up ${VM_ADDR[$g]} exited $rc:"
			sed 's/^/    /' <<<"$out"
			ok=1
		fi
	done
	[ "$ok" -eq 0 ] && vm_log "ok: $*: network, corosync, mcs modules up"
	return "$ok"
}

# vm_cluster_start NAME I: boot guest NAME as cluster node I (node id I+1).
# Its NIC joins the run's socket-multicast network; the multicast stays on
# the host's loopback (localaddr), and each run has its own random port.
vm_cluster_start()
{
	local name=$1 i=$2

	VM_NODEID[$name]=$((i + 1))
	VM_ADDR[$name]=10.0.0.$((i + 1))
	VM_INITRD=$VM_CLUSTER_INITRD vm_start "$name" \
		-netdev "socket,id=n0,mcast=230.0.0.1:$VM_NET_PORT,localaddr=127.0.0.1" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:$(printf %02x $((i + 1)))"
}

vm_cluster()
{
	local n=${1:-4} i g ids=

	# Corosync's IPC rings take tens of MiB of /dev/shm per instance, and
	# one killed by a test leaves its rings behind until the guest reboots:
	# a restarted one must still fit beside the initramfs.
	VM_MEM=$VM_CLUSTER_MEM

	vm_cluster_initramfs "$n" || { echo "vm: cluster initramfs failed"; exit 1; }
	vm_fabric "${VM_CLUSTER_FABRIC:-16M}"
	VM_NET_PORT=$((20000 + RANDOM % 40000))
	VM_CLUSTER=()
	for ((i = 0; i < n; i++)); do
		VM_CLUSTER+=("g$i")
		ids+="$((i + 1)) "
		vm_cluster_start "g$i" "$i"
	done
	vm_log "cluster of $n on 230.0.0.1:$VM_NET_PORT, token $VM_TOKEN ms (+$VM_TOKEN_COEFF per node), initramfs $(du -h "$VM_CLUSTER_INITRD" | cut -f1)"
	for g in "${VM_CLUSTER[@]}"; do
		vm_wait_ready "$g"
	done
	vm_node_up "${VM_CLUSTER[@]}" || vm_finish
	vm_wait_members "$VM_CLUSTER_TIMEOUT" "${ids}quorate" "${VM_CLUSTER[@]}" || vm_finish
}

# The cluster's guests whose QEMU runs and whose link is up.
vm_cluster_live()
{
	local g

	for g in "${VM_CLUSTER[@]}"; do
		kill -0 "${VM_PID[$g]}" 2>/dev/null && [ "${VM_LINK[$g]}" = on ] && echo "$g"
	done
}

# vm_members NAME: print what its Corosync sees ("1 2 3 4 quorate");
# returns non-zero if Corosync does not answer.
vm_members()
{
	local out rc

	out=$(vm_cmd "$1" members)
	rc=$?
	tr -d '\r' <<<"$out"
	return "$rc"
}

# vm_wait_members TIMEOUT WANT NAME...: wait until each guest's members
# prints WANT (e.g. "1 2 4 quorate"), polled in the guests (every 0.5 s),
# all at once; fails the test (and returns 1) for each guest that does not
# get there within TIMEOUT seconds. The log line gives how long each guest
# waited by its own clock (VM_WAITED).
vm_wait_members()
{
	local timeout=$1 want=$2 g out rc ok=0
	declare -A seq

	shift 2
	for g in "$@"; do
		seq[$g]=$(vm_send "$g" "wait-members $timeout $want") || return 1
	done
	VM_WAITED=
	for g in "$@"; do
		out=$(vm_collect "$g" "${seq[$g]}" $((timeout + 30)))
		rc=$?
		out=$(tr -d '\r' <<<"$out")
		if [ "$rc" -ne 0 ] || [ "$(tail -n 1 <<<"$out")" != "members: $want" ]; then
			vm_fail "$g: wanted members '$want' within ${timeout}s, got:"
			sed 's/^/    /' <<<"$out"
			ok=1
		fi
		VM_WAITED+="$g $(sed -n 's/^wait-members: [0-9]* polls, \([0-9.]*\) s$/\1/p' <<<"$out") s, "
	done
	[ "$ok" -eq 0 ] && vm_log "ok: $*: members $want (${VM_WAITED%, })"
	return "$ok"
}

vm_reboot()
{
	local name=$1 g live=() ids= q=inquorate
	local VM_INITRD=${VM_INITRDS[$name]}

	kill -0 "${VM_PID[$name]}" 2>/dev/null && vm_kill "$name"
	eval "vm_start \"\$name\" ${VM_ARGS[$name]}"
	vm_wait_ready "$name"
	vm_node_up "$name" || return 1
	mapfile -t live < <(vm_cluster_live)
	for g in "${live[@]}"; do
		ids+="${VM_NODEID[$g]} "
	done
	ids=$(tr ' ' '\n' <<<"$ids" | grep . | sort -n | tr '\n' ' ')
	# votequorum: quorate with more than half of all votes.
	local votes=(${VM_VOTES:-}) have=0 all=0 i
	for ((i = 0; i < ${#VM_CLUSTER[@]}; i++)); do
		all=$((all + ${votes[$i]:-1}))
	done
	for g in "${live[@]}"; do
		have=$((have + ${votes[${g#g}]:-1}))
	done
	[ $((2 * have)) -gt "$all" ] && q=quorate
	vm_wait_members "$VM_CLUSTER_TIMEOUT" "$ids$q" "${live[@]}"
}

# vm_wait_status NAME SECS FILTER: poll "mcsctl --json status" in the guest
# (every 0.5 s) until the jq FILTER is true of it; after SECS seconds the
# test fails (returns 1), showing the last status and mcsd's log.
vm_wait_status()
{
	local end=$(( $(date +%s) + $2 )) out

	while [ "$(date +%s)" -lt "$end" ]; do
		out=$(vm_cmd "$1" 'mcsctl --json status' | tr -d '\r')
		if jq -e "$3" <<<"$out" >/dev/null 2>&1; then
			vm_log "ok: $1: status: $3"
			return 0
		fi
		sleep 0.5
	done
	vm_fail "$1: status never had $3:"
	sed 's/^/    /' <<<"$out"
	vm_cmd "$1" 'cat /tmp/mcsd.log' | tail -n 20
	return 1
}

# vm_wait_output NAME SECS CMD PATTERN: run CMD in the guest every 0.1 s
# until its output has a line matching PATTERN (ERE); an expectation that
# fails after SECS seconds.
vm_wait_output()
{
	vm_expect "$1" 0 "$4" "for i in \$(seq $(($2 * 10))); do out=\$($3 2>&1); echo \"\$out\" | grep -qE '$4' && break; sleep 0.1; done; echo \"\$out\"" $(($2 + 30))
}

# vm_mcsd_up NAME...: start mcsd in each cluster guest (its log in the
# guest's /tmp/mcsd.log) and wait until each has joined as its node in
# incarnation 1; the test ends if one does not.
vm_mcsd_up()
{
	local g

	for g in "$@"; do
		vm_expect "$g" 0 '' 'mcsd -f >>/tmp/mcsd.log 2>&1 &'
	done
	for g in "$@"; do
		vm_wait_status "$g" 180 ".self == {\"node\": $((VM_NODEID[$g] - 1)), \"incarnation\": 1}" ||
			vm_finish
	done
}

# Each running cluster guest's Corosync log, to NAME.corosync.txt next to
# its console log (for the reader; not judged).
vm_cluster_save_logs()
{
	local g

	for g in "${VM_CLUSTER[@]}"; do
		kill -0 "${VM_PID[$g]}" 2>/dev/null || continue
		vm_cmd "$g" 'cat /var/log/corosync/corosync.log' 30 | tr -d '\r' \
			>"$VM_RUN/$g.corosync.txt"
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
		rm -f "$VM_RUN/$name.in" "$VM_RUN/$name.out" "$VM_RUN/$name.qmp"
	done
	[ -n "$VM_FABRIC" ] && rm -f "$VM_FABRIC"
}

# Shut the guests down, judge their logs, exit with the verdict.
vm_finish()
{
	vm_check_logs
	[ ${#VM_CLUSTER[@]} -gt 0 ] && vm_cluster_save_logs
	vm_cleanup
	vm_log "done, $VM_FAILS failures"
	[ "$VM_FAILS" -eq 0 ] || exit 1
	exit 0
}
