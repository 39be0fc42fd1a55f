#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-handoff.sh - how long a kernel sleeper on a global mutex takes to
# notice, on another guest, that the mutex was released ("make bench" runs
# it through scripts/run-bench.sh): two guests, tests/vm/progs/handoff.c. The
# kernel's waiters poll (glock.md), so this is the figure that polling
# costs until doorbells exist. Its RESULT line is passed on.
source "$(dirname "$0")/lib.sh"

ROUNDS=${HANDOFF_ROUNDS:-200}

vm_setup vm-bench-handoff >&2
vm_two_nodes >&2
vm_expect g1 0 'ready' "handoff b $ROUNDS >/tmp/b.log 2>&1 & for i in \$(seq 100); do grep -q ready /tmp/b.log && break; sleep 0.1; done; cat /tmp/b.log" >&2
vm_expect g0 0 'RESULT' "handoff a $ROUNDS" 300 >&2
grep '^RESULT ' <<<"$VM_OUT" | tr -d '\r'
vm_finish >&2
