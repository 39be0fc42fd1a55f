#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - run the tests listed in tests/TESTS.
#
# Usage: scripts/run-tests.sh [NAME...]
#
# Each non-comment line of the list is
#
#     <name> [timeout=<seconds>] <command...>
#
# and the command runs from the repository root (through bash, stdin from
# /dev/null), under a timeout (default $TEST_TIMEOUT, 600 s). Exit status
# 0 is a pass, 77 a skip, anything else a failure (124: timed out). If the
# command's first word is a path (contains a '/') that does not exist or
# is not executable, the test FAILS: a missing test binary is a failure.
#
# With NAME arguments, only the tests whose name matches one of them (shell
# glob patterns) run. Each test's output goes to build/test-logs/<name>.log;
# the tail of a failed test's log is printed. The last line is
# "N passed, N failed[, N skipped]"; the exit status is 1 if any failed.
#
# Environment: TESTS_FILE (default tests/TESTS), TEST_TIMEOUT (default 600),
# TEST_LOG_DIR (default build/test-logs).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

tests_file=${TESTS_FILE:-tests/TESTS}
default_timeout=${TEST_TIMEOUT:-600}
log_dir=${TEST_LOG_DIR:-build/test-logs}
tail_lines=40

if [ ! -f "$tests_file" ]; then
	echo "run-tests: no test list $tests_file" >&2
	exit 1
fi
mkdir -p "$log_dir" || exit 1

selected()
{
	local pat

	[ $# -gt 1 ] || return 0
	local name=$1
	shift
	for pat in "$@"; do
		# shellcheck disable=SC2053
		[[ $name == $pat ]] && return 0
	done
	return 1
}

now_ns()
{
	date +%s%N
}

passed=0
failed=0
skipped=0
failed_names=()
lineno=0

# Read the list on fd 3 so that nothing a test does can consume it.
while IFS= read -r line <&3 || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	# Strip leading blanks; skip blank lines and comments.
	line="${line#"${line%%[![:space:]]*}"}"
	[ -z "$line" ] && continue
	[ "${line:0:1}" = "#" ] && continue

	read -r name rest <<<"$line"
	tmo=$default_timeout
	if [[ $rest == timeout=* ]]; then
		read -r t rest <<<"$rest"
		tmo=${t#timeout=}
		if ! [[ $tmo =~ ^[0-9]+$ ]]; then
			echo "run-tests: $tests_file:$lineno: bad '$t'" >&2
			tmo=$default_timeout
		fi
	fi
	selected "$name" "$@" || continue

	log="$log_dir/$name.log"
	if [ -z "$rest" ]; then
		echo "run-tests: $tests_file:$lineno: '$name' has no command" >"$log"
		rc=1
		secs=0.00
	else
		read -r first _ <<<"$rest"
		start=$(now_ns)
		if [[ $first == */* ]] && [ ! -x "$first" ]; then
			{
				echo "run-tests: $first: missing or not executable"
				echo "run-tests: command: $rest"
			} >"$log"
			rc=1
		else
			{
				echo "# $rest"
				echo "# timeout ${tmo}s, started $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
			} >"$log"
			timeout --kill-after=10 "$tmo" bash -c "$rest" \
				>>"$log" 2>&1 </dev/null
			rc=$?
			[ $rc -eq 124 ] && echo "run-tests: timed out after ${tmo}s" >>"$log"
			echo "# exit status $rc" >>"$log"
		fi
		end=$(now_ns)
		secs=$(awk -v a="$start" -v b="$end" \
			'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	fi

	case $rc in
	0)
		passed=$((passed + 1))
		echo "PASS $name (${secs}s)"
		;;
	77)
		skipped=$((skipped + 1))
		echo "SKIP $name"
		;;
	*)
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "FAIL $name (${secs}s)"
		echo "---- last $tail_lines lines of $log (exit status $rc) ----"
		tail -n "$tail_lines" "$log"
		echo "----"
		;;
	esac
done 3<"$tests_file"

[ $failed -gt 0 ] && echo "failed: ${failed_names[*]}"
summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -eq 0 ]
