#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# host.sh - mcsd against a real one-node Corosync on loopback, on the host
# (no mcs kernel module here): in a network namespace of its own (Corosync's
# IPC sockets are abstract, so per namespace), with a generated
# corosync.conf and state directory in a scratch directory.
#
#   - Corosync not running: mcsd and mcsd --probe say so, exit 2;
#   - Corosync running: mcsd --probe is a member of its group (mcs-probe,
#     so that a probe never disturbs a cluster's group "mcs"), quorate,
#     the CPG ring is the quorum ring, settled; nodeid 1 is mcs node 0;
#   - /dev/mcs-control missing: a clear error, exit 3;
#   - an unknown mcsd.conf key: exit 1 naming it;
#   - Corosync nodeid 3 with nodes = 2: exit 5, before the device;
#     nodeid 70 (beyond 64 nodes): exit 5;
#   - mcsd --leave with no daemon running: exit 1;
#   - the whole daemon on a stand-in for the control device (fakectl.c,
#     LD_PRELOAD): DAEMON, KEY (mcsd.conf's key_file, made by mcsctl
#     keygen), FORMAT with mcsd.conf's nodes, JOIN node 0,
#     heartbeats; a second mcsd for the same nodeid refused (exit 4);
#     mcsd --leave: LEAVE with grace_ms, the daemon exits 0.
#
# Usage: tests/mcsd/host.sh [MCSD]   (from the repository root; default
# build/mcsd)
# Exit 77 only if Corosync cannot run here at all.
set -u

mcsd=$(realpath "${1:-build/mcsd}")

if [ -z "${MCSD_TEST_NETNS:-}" ]; then
	command -v corosync >/dev/null || { echo "SKIP: no corosync"; exit 77; }
	unshare -n true 2>/dev/null || { echo "SKIP: no network namespace"; exit 77; }
	MCSD_TEST_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcsd-host.XXXXXX")
cs_pid=
cleanup()
{
	[ -n "$cs_pid" ] && kill "$cs_pid" 2>/dev/null && wait "$cs_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect RC PATTERN CMD...: CMD exits RC and its output matches PATTERN.
expect()
{
	local rc=$1 pat=$2 out got
	shift 2
	out=$("$@" 2>&1)
	got=$?
	echo "\$ ${*#"$mcsd"} -> $got"
	sed 's/^/    /' <<<"$out"
	[ "$got" -eq "$rc" ] || fail "$*: exit $got, want $rc"
	grep -qE -- "$pat" <<<"$out" || fail "$*: no '$pat' in the output"
}

start_corosync()
{
	local nodeid=$1 i
	mkdir -p "$tmp/state"
	cat >"$tmp/corosync.conf" <<EOC
totem {
	version: 2
	cluster_name: mcsd-host
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: 1000
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		nodeid: $nodeid
		name: n$nodeid
	}
}
quorum {
	provider: corosync_votequorum
}
system {
	state_dir: $tmp/state
	sched_rr: no
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
}
EOC
	corosync -f -c "$tmp/corosync.conf" >"$tmp/corosync.log" 2>&1 &
	cs_pid=$!
	# Up when it answers on its IPC, or gone.
	for i in $(seq 150); do
		corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes' && return 0
		kill -0 "$cs_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/corosync.log"
	return 1
}

stop_corosync()
{
	kill "$cs_pid" && wait "$cs_pid" 2>/dev/null
	cs_pid=
}

conf=$tmp/mcsd.conf
: >"$conf"

# No Corosync.
expect 2 'cannot connect to Corosync \(is corosync running\?\)' \
	"$mcsd" -f -c "$conf" -D "$tmp/no-device" -p "$tmp/pid"
expect 2 'cannot connect to Corosync' "$mcsd" --probe -c "$conf"
expect 1 'no running mcsd' "$mcsd" --leave -c "$conf" -p "$tmp/pid"

if ! start_corosync 1; then
	echo "SKIP: corosync does not start here"
	exit 77
fi
expect 0 'member of group mcs-probe: yes' "$mcsd" --probe -c "$conf" -D "$tmp/no-device"
out=$("$mcsd" --probe -c "$conf" -D "$tmp/no-device" 2>/dev/null)
for want in 'nodeid 1 = mcs node 0' 'quorate: yes' 'settled: yes' 'members: 1' \
	    "device $tmp/no-device: No such file or directory"; do
	grep -qF "$want" <<<"$out" || fail "--probe: no '$want'"
done
ring=$(sed -n 's/^ring: cpg \([0-9.]*\) quorum \([0-9.]*\)$/\1 \2/p' <<<"$out")
read -r cpg_ring q_ring <<<"$ring"
[ -n "$cpg_ring" ] && [ "$cpg_ring" = "$q_ring" ] ||
	fail "--probe: CPG ring '$cpg_ring' is not the quorum ring '$q_ring'"

expect 3 "cannot open $tmp/no-device: No such file or directory" \
	"$mcsd" -f -c "$conf" -D "$tmp/no-device" -p "$tmp/pid"
[ -e "$tmp/pid" ] && fail "a pid file without a daemon"

# The daemon's whole path on the stand-in device.
gcc -shared -fPIC -Wall -Wextra -Werror -Iinclude/uapi -o "$tmp/fakectl.so" \
	tests/mcsd/fakectl.c -ldl || exit 1
build/mcsctl keygen "$tmp/cluster.key" >/dev/null || fail "mcsctl keygen"
key8=$(head -c 8 "$tmp/cluster.key")
printf 'grace_ms = 200\nnodes = 3\nkey_file = %s\n' "$tmp/cluster.key" >"$tmp/run.conf"
export MCSD_FAKE_DEVICE=$tmp/ctl MCSD_FAKE_LOG=$tmp/fake.log
LD_PRELOAD=$tmp/fakectl.so "$mcsd" -f -c "$tmp/run.conf" -D "$tmp/ctl" \
	-p "$tmp/pid" >"$tmp/mcsd.log" 2>&1 &
mcsd_pid=$!
for _ in $(seq 100); do
	grep -q 'joined as node 0 incarnation 1' "$tmp/mcsd.log" && break
	kill -0 "$mcsd_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'joined as node 0 incarnation 1' "$tmp/mcsd.log" || fail "mcsd did not join"
for _ in $(seq 50); do
	grep -q '^heartbeat$' "$tmp/fake.log" && [ -s "$tmp/pid" ] && break
	sleep 0.1
done
expect 4 'another mcsd \(pid [0-9]+\) is already a member of group mcs' \
	env LD_PRELOAD="$tmp/fakectl.so" "$mcsd" -f -c "$tmp/run.conf" -D "$tmp/ctl" -p "$tmp/pid2"
expect 0 "pid $mcsd_pid left the cluster" "$mcsd" --leave -c "$tmp/run.conf" -p "$tmp/pid"
wait "$mcsd_pid"
rc=$?
unset MCSD_FAKE_DEVICE MCSD_FAKE_LOG
sed 's/^/    mcsd: /' "$tmp/mcsd.log"
[ "$rc" -eq 0 ] || fail "mcsd exited $rc after --leave"
want=$'open\ndaemon deadline 1000\nkey '$key8$'\nheartbeat\nformat nodes 3 lease 3000\njoin 0'
[ "$(head -n 6 "$tmp/fake.log")" = "$want" ] || { cat "$tmp/fake.log"; fail "kernel commands of the first mcsd"; }
grep -q '^leave grace 200 after [1-9][0-9]* heartbeats$' "$tmp/fake.log" || fail "no LEAVE after heartbeats"
grep -q 'unexpected ioctl' "$tmp/fake.log" && fail "an unexpected ioctl"
grep -q 'leaving 0' "$tmp/mcsd.log" || fail "no leaving message delivered"
[ -e "$tmp/pid" ] && fail "pid file left behind"

# A key file that holds no key: exit 7 before FORMAT or JOIN.
echo 1234 >"$tmp/bad.key"
printf 'nodes = 3\nkey_file = %s\n' "$tmp/bad.key" >"$tmp/badkey.conf"
export MCSD_FAKE_DEVICE=$tmp/ctl MCSD_FAKE_LOG=$tmp/fake2.log
expect 7 "$tmp/bad.key: not a cluster key" \
	env LD_PRELOAD="$tmp/fakectl.so" "$mcsd" -f -c "$tmp/badkey.conf" -D "$tmp/ctl" -p "$tmp/pid3"
unset MCSD_FAKE_DEVICE MCSD_FAKE_LOG
grep -qE '^(format|join)' "$tmp/fake2.log" && fail "FORMAT or JOIN with a bad key file"

echo "lease = 100" >"$tmp/bad.conf"
expect 1 "unknown key 'lease'" "$mcsd" -f -c "$tmp/bad.conf" -D "$tmp/no-device"
stop_corosync

start_corosync 3 || { fail "corosync with nodeid 3"; exit 1; }
echo "nodes = 2" >"$tmp/two.conf"
expect 5 'node 2 \(Corosync nodeid 3\) does not fit 2 node slots \(nodes in ' \
	"$mcsd" -f -c "$tmp/two.conf" -D "$tmp/no-device"
echo "nodes = 4" >"$tmp/four.conf"
expect 3 'cannot open' "$mcsd" -f -c "$tmp/four.conf" -D "$tmp/no-device"
stop_corosync

start_corosync 70 || { fail "corosync with nodeid 70"; exit 1; }
expect 5 'Corosync nodeid 70 cannot be an mcs node' \
	"$mcsd" -f -c "$conf" -D "$tmp/no-device"
stop_corosync

[ "$fails" -eq 0 ] && echo "mcsd-host: all passed" || echo "mcsd-host: $fails failed"
[ "$fails" -eq 0 ]
