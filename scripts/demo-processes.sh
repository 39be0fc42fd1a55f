#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo-processes.sh - the process demo: four nodes (processes) share one
# fabric file in /dev/shm, write and share segments, two of them die in the
# middle of allocations (one after its commit point, one before), the
# survivors recover them, a third dies with its memory lost, and an audit
# and the consistency checker prove that nothing committed was lost.
#
# It runs the same portable code as the kernel modules, in seconds, and
# also shows a death with the node's memory lost; "make demo" shows the
# guest cluster (scripts/demo.sh).
#
# Usage: scripts/demo-processes.sh   (after "make all"; BUILD selects the
# build dir)
set -euo pipefail

cd "$(dirname "$0")/.."
build=${BUILD:-build}
fabric=/dev/shm/mcs-demo-fabric.$$
trap 'rm -f "$fabric"' EXIT

for bin in "$build/mcsctl" "$build/demo"; do
	if [ ! -x "$bin" ]; then
		echo "demo: $bin is missing; run 'make demo'" >&2
		exit 1
	fi
done

echo "== mcs demo: formatting a 64 MiB fabric for 4 nodes"
"$build/mcsctl" format "$fabric" --size 64M --nodes 4
echo
MCSCTL="$build/mcsctl" "$build/demo" "$fabric"
