#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the fabric fuzzer as a test (fabric-fuzz in tests/TESTS).
#
# Usage: tests/fuzz/run.sh [SECONDS]   (default 60)
#
# Builds it ("make fuzz"), generates the seed corpus into build-fuzz/seeds
# with the project's own code (tests/fuzz/seed.c), replays every
# regression of tests/fuzz/regressions/ (each a seed and the bytes a
# fuzzer crash changed in it; see the README there), then fuzzes for
# SECONDS from the seeds and what earlier runs kept in build-fuzz/corpus.
# Prints "fabric-fuzz: N execs, N crashes" and fails if a regression or
# the fuzzer crashed, timed out or leaked; the input is left in
# build-fuzz/artifacts/.
set -euo pipefail

cd "$(dirname "$0")/../.."
secs=${1:-60}
out=build-fuzz
make -s fuzz >/dev/null
rm -rf "$out/seeds" "$out/regressions" "$out/artifacts"
mkdir -p "$out/seeds" "$out/regressions" "$out/artifacts" "$out/corpus"
build/tests/fuzz-seed "$out/seeds"

fail=0
for reg in tests/fuzz/regressions/*.reg; do
	[ -e "$reg" ] || continue
	bin="$out/regressions/$(basename "$reg" .reg)"
	build/tests/fuzz-seed --apply "$reg" "$out/seeds" "$bin"
	if ! "$out/fuzz" "$bin" >"$bin.log" 2>&1; then
		echo "fabric-fuzz: regression $reg fails:"
		tail -n 30 "$bin.log"
		fail=1
	fi
done

log=$out/fuzz.log
rc=0
"$out/fuzz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=$((1024 * 1024)) -print_final_stats=1 \
	-artifact_prefix="$out/artifacts/" "$out/corpus" "$out/seeds" \
	>"$log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
crashes=$(find "$out/artifacts" -type f | wc -l)
echo "fabric-fuzz: ${execs:-0} execs, $crashes crashes"
if [ "$crashes" -gt 0 ] || [ $rc -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$log" | head -n 40 || true
	find "$out/artifacts" -type f
	fail=1
fi
exit $fail
