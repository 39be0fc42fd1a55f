#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh - run every benchmark in build/bench/ and collect results.
#
# Usage: scripts/run-bench.sh [NAME...]   (default: all, in name order,
#                                         then tests/vm/bench.sh,
#                                         bench-handoff.sh and
#                                         bench-failover.sh in guests)
#
# A benchmark program prints each result as one line on stdout:
#
#     RESULT {"name": "...", "value": N, "unit": "...",
#             "baseline": "...", "baseline_value": N}
#
# (one JSON object per line; "baseline"/"baseline_value" name and measure
# the reference it is compared with and may be omitted). Every other line
# of output is passed through. The objects are gathered, in order, into
# bench/results.json as one JSON list, and a table
# name / value / unit / baseline / baseline_value / ratio is printed, with
# ratio = value / baseline_value unless the object gives its own "ratio".
#
# A benchmark exiting 77 is skipped; any other non-zero status is a failure:
# the remaining benchmarks still run, and the script exits 1 at the end.
#
# Environment: BENCH_DIR (default build/bench), BENCH_RESULTS (default
# bench/results.json).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

bench_dir=${BENCH_DIR:-build/bench}
results=${BENCH_RESULTS:-bench/results.json}

progs=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		progs+=("$bench_dir/$n")
	done
else
	for p in "$bench_dir"/*; do
		[ -f "$p" ] && [ -x "$p" ] && progs+=("$p")
	done
	# The benchmarks of the kernel drivers run in guests (skip: 77).
	progs+=(tests/vm/bench.sh tests/vm/bench-handoff.sh tests/vm/bench-failover.sh)
fi

if [ ${#progs[@]} -eq 0 ]; then
	echo "run-bench: no benchmarks in $bench_dir (run make first)" >&2
fi

lines=$(mktemp) || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$lines" "$out"' EXIT

failed=0
for p in "${progs[@]}"; do
	name=${p##*/}
	if [ ! -x "$p" ]; then
		echo "run-bench: $p: missing or not executable" >&2
		failed=$((failed + 1))
		continue
	fi
	echo "== $name"
	"$p" </dev/null >"$out"
	rc=$?
	grep -v '^RESULT ' "$out"
	grep '^RESULT ' "$out" | sed 's/^RESULT //' >>"$lines"
	case $rc in
	0) ;;
	77) echo "== $name: skipped" ;;
	*)
		echo "== $name: FAILED (exit status $rc)" >&2
		failed=$((failed + 1))
		;;
	esac
done

mkdir -p "$(dirname "$results")"

if command -v python3 >/dev/null 2>&1; then
	python3 - "$lines" "$results" <<'EOF' || failed=$((failed + 1))
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
objs, bad = [], 0
with open(src) as f:
    for n, line in enumerate(f, 1):
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
            if not isinstance(o, dict):
                raise ValueError("not an object")
        except ValueError as e:
            print(f"run-bench: bad RESULT line ({e}): {line}", file=sys.stderr)
            bad += 1
            continue
        objs.append(o)

with open(dst, "w") as f:
    json.dump(objs, f, indent=2)
    f.write("\n")


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


rows = [("name", "value", "unit", "baseline", "baseline_value", "ratio")]
for o in objs:
    ratio = o.get("ratio")
    bv = o.get("baseline_value")
    if ratio is None and num(o.get("value")) and num(bv) and bv != 0:
        ratio = o["value"] / bv
    if num(ratio):
        ratio = f"{ratio:.3f}"
    rows.append(tuple(fmt(o.get(k)) for k in
                      ("name", "value", "unit", "baseline", "baseline_value"))
                + (fmt(ratio),))
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print("  ".join(c.ljust(w[i]) if i in (0, 2, 3) else c.rjust(w[i])
                    for i, c in enumerate(r)).rstrip())
print(f"{len(objs)} results in {dst}")
sys.exit(1 if bad else 0)
EOF
else
	# No python3: trust the lines to be JSON objects and format crudely.
	{
		echo "["
		awk 'NF { if (n++) printf ",\n"; printf "  %s", $0 } END { if (n) printf "\n" }' "$lines"
		echo "]"
	} >"$results"
	awk '
	function field(s, k,    re, v) {
		re = "\"" k "\"[[:space:]]*:[[:space:]]*"
		if (!match(s, re "(\"[^\"]*\"|[-+0-9.eE]+)"))
			return "-"
		v = substr(s, RSTART, RLENGTH)
		sub(re, "", v)
		gsub(/"/, "", v)
		return v
	}
	BEGIN {
		printf "%-32s %14s %-10s %-24s %14s %8s\n", "name", "value",
		       "unit", "baseline", "baseline_value", "ratio"
	}
	NF {
		v = field($0, "value"); b = field($0, "baseline_value")
		r = field($0, "ratio")
		if (r == "-" && v != "-" && b != "-" && b + 0 != 0)
			r = sprintf("%.3f", v / b)
		printf "%-32s %14s %-10s %-24s %14s %8s\n", field($0, "name"),
		       v, field($0, "unit"), field($0, "baseline"), b, r
		n++
	}
	END { printf "%d results in %s\n", n, dst }' dst="$results" "$lines"
fi

if [ $failed -gt 0 ]; then
	echo "run-bench: $failed failure(s)" >&2
	exit 1
fi
exit 0
