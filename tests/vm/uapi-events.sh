#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi-events.sh - cluster events and global events through /dev/mcs and
# libmcs, on three guests.
#
# Cluster events: guest 0 subscribes (libmcs, poll()) before the others
# join and gets NODE_UP for nodes 1 and 2. Guest 1 subscribes with a
# blocking read(). Guest 2 is killed in the middle of an allocation storm
# (while guest 1 storms too), declared down and recovered by guest 0: on
# both survivors the file becomes readable and delivers exactly NODE_DOWN
# then RECOVERY_DONE for node 2 incarnation 1, in sequence order, nothing
# before the recovery, and at NODE_DOWN the fabric says node 2 is CLEAN. Its memory declared lost afterwards and
# recovered again by guest 1, a new subscriber on guest 1 gets NODE_DOWN,
# RESOURCE_LOST, RECOVERY_DONE.
#
# Global events: a manual-reset event made by name on guest 0 and set
# there releases every waiter on guests 1 and 2 and stays set until reset
# (then a timed wait times out); an auto-reset event set once releases
# exactly one of two waiters on guest 1 (the other times out) and is
# consumed; destroying an event releases its waiter with ENOENT.
#
# Bad input on every new command gives the documented error
# (evtool bad-input: LEAVING may be subscribed to, and NOTIFY_ACK refuses
# a file not subscribed, a record not given, bad sizes and fields), and
# the checker agrees on the survivors at the end.
source "$(dirname "$0")/lib.sh"

vm_setup vm-uapi-events
vm_fabric 16M
vm_start g0
vm_start g1
vm_start g2
vm_wait_ready g0
vm_wait_ready g1
vm_wait_ready g2

# wait_log GUEST FILE PATTERN: in the guest, wait up to 60 s for a line
# matching PATTERN in FILE, then print FILE (vm_expect judges it).
wait_log()
{
	vm_expect "$1" 0 "$3" \
		"for i in \$(seq 600); do grep -qE '$3' $2 2>/dev/null && break; sleep 0.1; done; cat $2"
}

vm_expect g0 0 '' 'mcs-load'
vm_expect g0 0 'formatted' 'mcsctl format --nodes 3'
vm_expect g0 0 'joined as node 0' 'mcsctl join 0'

# Guest 0 hears of the joins, and later of the crash.
vm_expect g0 0 '' 'evtool notify-expect poll 900 up:1:1 up:2:1 down:2:1 done:2:1 >/tmp/w0.log 2>&1 &'
wait_log g0 /tmp/w0.log '^subscribed seq'
vm_expect g1 0 '' 'mcs-load'
vm_expect g1 0 'joined as node 1' 'mcsctl join 1'
vm_expect g2 0 '' 'mcs-load'
vm_expect g2 0 'joined as node 2' 'mcsctl join 2'
wait_log g0 /tmp/w0.log '^event seq [0-9]+ up node 2 inc 1 '

# Bad input: clean errors.
vm_expect g1 0 'bad-input: 0 failures' 'evtool bad-input'

# A manual-reset event releases every waiter, on every node.
vm_expect g0 0 '^event evm gid 0x' 'evtool ev-create evm manual'
vm_expect g1 1 'File exists' 'evtool ev-create evm auto'
for w in 1 2; do
	vm_expect g1 0 '' "evtool ev-wait evm 60000 >/tmp/m$w.log 2>&1 &"
	wait_log g1 /tmp/m$w.log '^waiting'
done
vm_expect g2 0 '' 'evtool ev-wait /evm 60000 >/tmp/m3.log 2>&1 &'
wait_log g2 /tmp/m3.log '^waiting'
vm_expect g0 0 'ev-set evm: ok' 'evtool ev-set evm'
wait_log g1 /tmp/m1.log '^woken'
wait_log g1 /tmp/m2.log '^woken'
wait_log g2 /tmp/m3.log '^woken'
vm_expect g2 0 '^woken' 'evtool ev-wait evm 0'
vm_expect g1 0 'ev-reset evm: ok' 'evtool ev-reset evm'
vm_expect g2 2 'wait: Connection timed out' 'evtool ev-wait evm 200'

# An auto-reset event set once releases one waiter of two, and is used up.
vm_expect g0 0 '^event eva gid 0x' 'evtool ev-create eva auto'
for w in 1 2; do
	vm_expect g1 0 '' "evtool ev-wait eva 8000 >/tmp/a$w.log 2>&1 &"
	wait_log g1 /tmp/a$w.log '^waiting'
done
vm_expect g0 0 'ev-set eva: ok' 'evtool ev-set eva'
wait_log g1 /tmp/a1.log '^waited'
wait_log g1 /tmp/a2.log '^waited'
vm_expect g1 0 '^1 woken, 1 timed out' \
	'echo "$(cat /tmp/a1.log /tmp/a2.log | grep -c ^woken) woken, $(cat /tmp/a1.log /tmp/a2.log | grep -c "Connection timed out") timed out"'
vm_expect g2 2 'wait: Connection timed out' 'evtool ev-wait eva 0'
vm_expect g0 0 'ev-set eva: ok' 'evtool ev-set eva'
vm_expect g2 0 '^woken' 'evtool ev-wait eva 0'
vm_expect g1 2 'wait: Connection timed out' 'evtool ev-wait eva 0'

# Destroyed while waited for: the waiter is released with ENOENT.
vm_expect g1 0 '' 'evtool ev-wait eva 60000 >/tmp/d.log 2>&1 &'
wait_log g1 /tmp/d.log '^waiting'
vm_expect g0 0 'ev-destroy eva: ok' 'evtool ev-destroy eva'
wait_log g1 /tmp/d.log '^wait: No such file or directory'
vm_expect g2 1 'open: No such file or directory' 'evtool ev-wait eva 0'

# Guest 1 hears of the crash by a blocking read.
vm_expect g1 0 '' 'evtool notify-expect block 900 down:2:1 done:2:1 >/tmp/w1.log 2>&1 &'
wait_log g1 /tmp/w1.log '^subscribed seq'

# Guest 2 dies in an allocation storm while guest 1 storms too.
vm_send g2 'segtool storm 0x30000 0' >/dev/null
vm_wait g2 'storm: 30 rounds' 300 || vm_fail "g2: the storm did not start"
vm_expect g1 0 '' 'segtool storm 0x50000 300 >/tmp/storm.log 2>&1 &'
wait_log g1 /tmp/storm.log 'storm: 10 rounds'
vm_kill g2
vm_expect g0 0 'node 2 incarnation 1 is down' 'mcsctl down 2 1'
# Declared down, not yet recovered: nobody has been told.
vm_expect g1 0 '^untold' 'grep -q " down node 2" /tmp/w1.log || echo untold'
vm_expect g0 0 '^untold' 'grep -q " down node 2" /tmp/w0.log || echo untold'
vm_expect g0 0 'recovered node 2 incarnation 1' 'mcsctl recover 2'
wait_log g0 /tmp/w0.log '^notify ok: 4 records in order|FAIL'
vm_expect g0 0 '^notify ok: 4 records in order' 'cat /tmp/w0.log'
wait_log g1 /tmp/w1.log '^notify ok: 2 records in order|FAIL'
vm_expect g1 0 '^notify ok: 2 records in order' 'cat /tmp/w1.log'
vm_expect g1 0 'storm: 300 rounds done' \
	'for i in $(seq 1200); do grep -q "rounds done" /tmp/storm.log && break; sleep 0.1; done; tail -n 1 /tmp/storm.log'

# A recoverer that finds nothing to do tells nobody; the memory declared
# lost later, the second recovery tells of the lost resources too.
vm_expect g1 0 '' 'evtool notify-expect poll 900 down:2:1 lost:2:1 done:2:1 >/tmp/w2.log 2>&1 &'
wait_log g1 /tmp/w2.log '^subscribed seq'
vm_expect g1 0 'node 2: nothing to recover' 'mcsctl recover 2'
vm_expect g1 0 'is down, memory lost' 'mcsctl down 2 1 --memory-lost'
vm_expect g1 0 'recovered node 2 incarnation 1' 'mcsctl recover 2'
wait_log g1 /tmp/w2.log '^notify ok: 3 records in order|FAIL'
vm_expect g1 0 '^notify ok: 3 records in order' 'cat /tmp/w2.log'

vm_check_clean g0 g1
vm_finish
