#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-layers.sh - every #include goes to the file's own folder or to a
# lower layer (Documentation/architecture.md, "Layers"); folders of one
# layer never include each other, so there are no folder cycles. (The
# naming rules between the kernel and libmcs are tests/tools/names.sh's.)
#
# Usage: scripts/check-layers.sh      (from anywhere; exit 1 on a breach)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

# Folder -> layer. A folder not listed here is a breach of its own.
declare -A layer=(
	[include/uapi/linux]=0 [drivers/os]=0
	[drivers/glock]=1
	[drivers/gmm]=2
	[drivers/gsync]=3 [drivers/events]=3 [drivers/gns]=3
	[drivers/member]=4
	[drivers/node]=5
	[drivers/uapi]=6
	[libmcs]=7
	[tools/mcsctl]=8 [tools/demo]=8
)
# Tests and benchmarks stand on everything.
top_dirs='^(tests|bench)(/|$)'
# Where "dir/file.h" includes are looked up, as the compilers do (-I).
roots=(. drivers include/uapi libmcs)

bad=0
breach()
{
	echo "check-layers: $*" >&2
	bad=1
}

# The folder a quoted include of $1 (a file) names, or nothing.
resolve()
{
	local file=$1 inc=$2 dir root cand

	dir=$(dirname "$file")
	for root in "$dir" "${roots[@]}"; do
		cand=$(realpath -m --relative-to=. "$root/$inc")
		if [ -f "$cand" ]; then
			dirname "$cand"
			return
		fi
	done
}

files=$(git ls-files 'drivers/*.[ch]' 'libmcs/*.[ch]' 'tools/*.[ch]' \
	'include/*.h' 'tests/*.[ch]' 'bench/*.[ch]')
for f in $files; do
	from=$(dirname "$f")
	[[ $from =~ $top_dirs ]] && continue
	if [ -z "${layer[$from]+x}" ]; then
		breach "$from has no layer (add it to this script and architecture.md)"
		continue
	fi
	while IFS= read -r inc; do
		if [[ $inc == '<linux/mcs.h>' ]]; then
			to=include/uapi/linux
		elif [[ $inc == \"*\" ]]; then
			inc=${inc#\"}
			inc=${inc%\"}
			to=$(resolve "$f" "$inc")
			if [ -z "$to" ]; then
				breach "$f includes \"$inc\", which does not exist"
				continue
			fi
		else
			continue # a system header
		fi
		[ "$to" = "$from" ] && continue
		if [ -z "${layer[$to]+x}" ]; then
			breach "$f includes from $to, which has no layer"
		elif [ "${layer[$to]}" -ge "${layer[$from]}" ]; then
			breach "$f (layer ${layer[$from]}) includes $inc from $to (layer ${layer[$to]})"
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(["<][^">]*[">]\).*/\1/p' "$f")
done

[ "$bad" = 0 ] && echo "check-layers: every include goes down"
exit "$bad"
