#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fence.sh - a node fences itself, and the others recover it only once
# its fabric lease has lapsed (Documentation/control.md, "Fencing").
# Two guests join; node 1 runs a stand-in for mcsd's fencing side
# (fence_daemon: the daemon registration and its heartbeats) and a
# process that adds 1 to a word of a mapped segment in a loop, which node
# 0 sees change. Then:
#   - the daemon is killed (its control file closes): node 1 fences
#     itself, the counting process dies of SIGBUS, the word stops changing
#     (read on node 0), /dev/mcs commands fail on node 1 and THAW is
#     refused; node 0 may not recover node 1 until its lease has lapsed
#     (RECOVER: EAGAIN first, then it goes through); node 1 rejoins with
#     incarnation 2 and works, while a file of its old incarnation fails
#     with ESTALE;
#   - the daemon is stopped (SIGSTOP: the file stays open, the heartbeats
#     stop): the kernel's deadline fences the node all the same;
#   - a manual FREEZE zaps the mapping too, and the mapping works again
#     after THAW.
# The checker is clean on both nodes after each recovery.
source "$(dirname "$0")/lib.sh"

vm_setup vm-fence
vm_two_nodes
G=0x700

# wait_for GUEST CMD PATTERN: poll CMD in GUEST until its output matches.
wait_for()
{
	vm_expect "$1" 0 "$3" "for i in \$(seq 600); do out=\$($2 2>&1); echo \"\$out\" | grep -qE '$3' && break; sleep 0.1; done; echo \"\$out\""
}

peek()
{
	vm_cmd g0 "segtool peek $G 0" | tr -d '\r' | sed -n 's/^word 0 = //p'
}

# recover_after_lease NODE: RECOVER is refused while the lease holds,
# then goes through.
recover_after_lease()
{
	vm_expect g0 2 'Resource temporarily unavailable' "mcsctl recover $1"
	wait_for g0 "mcsctl recover $1" "recovered node $1"
	vm_check_clean g0
}

vm_expect g1 0 'daemon deadline 400 ms lease 3000 ms' \
	'fence_daemon 400 >/tmp/d.log 2>&1 & echo $! >/tmp/d.pid; for i in $(seq 100); do grep -q daemon /tmp/d.log && break; sleep 0.1; done; cat /tmp/d.log'
vm_json g1 0 '.fabric.daemon == true and .fabric.fenced == false' 'mcsctl --json status'
vm_expect g1 0 '' "segtool create $G 65536 0666"
vm_expect g1 0 'counting' \
	"(segtool count $G 0; echo exit \$?) >/tmp/c.log 2>&1 & for i in \$(seq 100); do grep -q counting /tmp/c.log && break; sleep 0.1; done; cat /tmp/c.log"
a=$(peek)
wait_for g0 "segtool peek $G 0" 'word 0 = '
b=$(peek)
[ -n "$a" ] && [ "$a" != "$b" ] || vm_fail "node 0 does not see node 1 counting ($a, $b)"

vm_log "the daemon dies"
vm_expect g1 0 '' 'kill -9 $(cat /tmp/d.pid)'
wait_for g1 'mcsctl --json status' '"fenced": *true'
vm_expect g1 0 'fenced \(the membership daemon closed' 'dmesg | grep fenced'
# The counting process lost its mapping: SIGBUS (exit status 135).
wait_for g1 'cat /tmp/c.log' 'exit 135'
a=$(peek)
vm_expect g1 1 'Cannot send after transport endpoint shutdown' "segtool stat $G"
vm_expect g1 2 'thaw: Stale file handle' 'mcsctl thaw'
vm_expect g0 0 'node 1 incarnation 1 is down' 'mcsctl down 1 1'
recover_after_lease 1
b=$(peek)
[ "$a" = "$b" ] || vm_fail "the fenced node still changed the fabric ($a, then $b)"
vm_expect g1 0 'joined as node 1 incarnation 2' 'mcsctl join 1'
vm_expect g1 0 "sharers" "segtool stat $G"
vm_check_clean g0 g1

vm_log "the daemon stops heartbeating"
vm_expect g1 0 'daemon deadline 400 ms' \
	'fence_daemon 400 >/tmp/d.log 2>&1 & echo $! >/tmp/d.pid; for i in $(seq 100); do grep -q daemon /tmp/d.log && break; sleep 0.1; done; cat /tmp/d.log'
vm_expect g1 0 '' 'kill -STOP $(cat /tmp/d.pid)'
wait_for g1 'mcsctl --json status' '"fenced": *true'
vm_expect g1 0 'heartbeat is late' 'dmesg | grep fenced | tail -n 1'
vm_expect g0 0 'node 1 incarnation 2 is down' 'mcsctl down 1 2'
recover_after_lease 1
vm_expect g1 0 '' 'kill -9 $(cat /tmp/d.pid)'
vm_expect g1 0 'joined as node 1 incarnation 3' 'mcsctl join 1'

vm_log "a manual freeze and thaw"
vm_expect g1 0 'counting' \
	"segtool count $G 8 >/tmp/c.log 2>&1 & echo \$! >/tmp/c.pid; for i in \$(seq 100); do grep -q counting /tmp/c.log && break; sleep 0.1; done; cat /tmp/c.log"
vm_expect g1 0 '' 'mcsctl freeze'
a=$(vm_cmd g0 "segtool peek $G 8" | tr -d '\r')
vm_expect g0 0 '' 'mcsctl status >/dev/null'
b=$(vm_cmd g0 "segtool peek $G 8" | tr -d '\r')
[ "$a" = "$b" ] || vm_fail "a frozen node's mapping still wrote ($a, then $b)"
vm_expect g1 0 '' 'mcsctl thaw'
wait_for g0 "segtool peek $G 8" 'word 8 = 0x[1-9a-f]'
c=$(vm_cmd g0 "segtool peek $G 8" | tr -d '\r')
[ "$b" != "$c" ] || vm_fail "the mapping did not come back after thaw"
vm_expect g1 0 '' 'kill -9 $(cat /tmp/c.pid)'
vm_check_clean g0 g1
vm_finish
