#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mcsctl.sh - mcsctl on a file fabric: format, status, check and ls work,
# read through --json with jq (empty, then holding a named segment and a
# held mutex, then names with bytes no gns call accepts: they come out as
# valid, exact JSON strings), the default is still columns, the cluster
# key (keygen, format --key, key check: libsodium), and every bad input
# gets a clear error (exit 2) and destroys nothing.
#
# Usage: tests/tools/mcsctl.sh PATH-TO-MCSCTL   (region_fill is taken from
# tests/tools/ of the same build directory)
set -u

mcsctl=${1:?usage: $0 PATH-TO-MCSCTL}
fill=$(dirname "$mcsctl")/tests/tools/region_fill
command -v jq >/dev/null || { echo "FAIL: no jq (scripts/deps.sh build)"; exit 1; }
[ -x "$fill" ] || { echo "FAIL: $fill is missing (make all)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0

# expect STATUS PATTERN CMD...: CMD exits STATUS and its output matches.
expect()
{
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL: '$*' exited $rc (want $want), output:"
		sed 's/^/    /' <<<"$out"
		echo "    (wanted a line matching /$pattern/)"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $rc"
	fi
}

# expect_json STATUS FILTER CMD...: CMD exits STATUS, its stdout is exactly
# one JSON object, and the jq FILTER is true of it.
expect_json()
{
	local want=$1 filter=$2 out rc
	shift 2
	out=$("$@" 2>"$dir/stderr")
	rc=$?
	if [ "$rc" -ne "$want" ] ||
	   ! jq -es 'length == 1 and (.[0] | type == "object")' <<<"$out" >/dev/null ||
	   ! jq -e "$filter" <<<"$out" >/dev/null; then
		echo "FAIL: '$*' exited $rc (want $want), output:"
		sed 's/^/    /' <<<"$out" "$dir/stderr"
		echo "    (wanted jq: $filter)"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $rc, jq: $(tr -s '\n\t' '  ' <<<"$filter" | cut -c1-60)..."
	fi
}

f=$dir/fabric
expect 0 "formatted .* 16777216 bytes, 4 nodes" $mcsctl format "$f" --size 16M --nodes 4
expect_json 0 '.region.size == 16777216 and .region.nodes == 4 and
	.region.lease_ms == 3000 and .region.name_entries == 256 and .region.partition_data_pages > 0 and
	(.region.uuid | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")) and
	[.nodes[].node] == [0, 1, 2, 3] and
	[.nodes[].master] == ["primary", "replica", null, null] and
	all(.nodes[]; .state == "absent" and .incarnation == 0 and
	    .partition == "online" and .used_pages == 0 and .sections == 0 and
	    .total_pages > 0 and .memory_lost == false)' \
	$mcsctl --json status "$f"
expect_json 0 '.segments == 0 and .sharers == 0 and .names == 0 and
	.violations == 0 and .messages == [] and .free_pages > 0' \
	$mcsctl check --json "$f"
expect_json 0 '. == {"names": [], "segments": [], "sync": []}' $mcsctl ls "$f" --json
# The default stays the columns.
expect 0 "^node +state +incarnation" $mcsctl status "$f"
expect 0 "^0 names" $mcsctl ls "$f"
expect 2 "usage" $mcsctl ls "$f" extra
expect 2 "usage" $mcsctl --json ls "$f" extra
expect 2 "--json is for status, check, ls and limit" $mcsctl --json format "$f" --size 16M --nodes 4
sum=$(cksum <"$f")

# Bad input: clear errors, the region untouched.
expect 2 "already holds an mcs region" $mcsctl format "$f" --size 32M --nodes 4
expect 2 "bad size" $mcsctl format "$f" --size 12Q --nodes 4
expect 2 "bad lease '0'" $mcsctl format "$f" --size 16M --nodes 4 --lease 0
expect 2 "bad lease '50' \(100 to 600000 ms\)" $mcsctl format "$f" --size 16M --nodes 4 --lease 50 --force
expect 0 "formatted" $mcsctl format "$dir/leased" --size 16M --nodes 4 --lease 8000
expect_json 0 '.region.lease_ms == 8000' $mcsctl --json status "$dir/leased"
expect 2 "bad node count" $mcsctl format "$f" --size 16M --nodes 65
# The cluster key on a file: keygen never overwrites; format --key
# records the key's check (libsodium), key check finds it and refuses
# another key or a region without one; status --json says keyed.
expect 0 "a new cluster key in $dir/a.key" $mcsctl keygen "$dir/a.key"
expect 2 "File exists \(a key is never overwritten\)" $mcsctl keygen "$dir/a.key"
expect 0 "a new cluster key" $mcsctl keygen "$dir/b.key"
expect 0 '^600 [0-9a-f]{64}$' sh -c "echo \$(stat -c %a '$dir/a.key') \$(cat '$dir/a.key')"
expect 0 "formatted" $mcsctl format "$dir/keyed" --size 16M --nodes 2 --key "$dir/a.key"
expect 0 "is the region's" $mcsctl key check "$dir/a.key" "$dir/keyed"
expect 1 "is not the region's" $mcsctl key check "$dir/b.key" "$dir/keyed"
expect 1 "has no cluster key" $mcsctl key check "$dir/a.key" "$dir/leased"
expect_json 0 '.region.keyed == true' $mcsctl --json status "$dir/keyed"
expect_json 0 '.region.keyed == false' $mcsctl --json status "$dir/leased"
echo 00 >"$dir/bad.key"
expect 2 "not a cluster key" $mcsctl key check "$dir/bad.key" "$dir/keyed"
expect 2 "not a cluster key" $mcsctl format "$dir/k2" --size 16M --nodes 2 --key "$dir/bad.key"
expect 2 'No such file' ls "$dir/k2"
expect 2 "usage" $mcsctl key
expect 2 "$dir/none: No such file" $mcsctl --device "$dir/none" key forget
# limit is for the live fabric (vm-limits); here only its own errors.
expect 2 "limit: unexpected '$f'" $mcsctl limit "$f"
expect 2 "bad limit 'lots'" $mcsctl limit --uid 7 --names lots
expect 2 "bad limit '0'" $mcsctl limit --uid 7 --names 0
expect 2 "setting needs --uid" $mcsctl limit --pages 9
expect 2 "$dir/none: No such file" $mcsctl --device "$dir/none" limit
expect 2 "usage" $mcsctl format "$f" --nodes 4
expect 2 "unknown command" $mcsctl frobnicate "$f"
# Without FILE, the live fabric: no control device on this host.
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" status
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" join 0
expect 2 "missing-dev: No such file" $mcsctl --device "$dir/missing-dev" ls
expect 2 "bad number" $mcsctl --device "$dir/missing-dev" join x
expect 2 "usage" $mcsctl down 1
[ "$(cksum <"$f")" = "$sum" ] || { echo "FAIL: bad input changed the region"; fails=$((fails + 1)); }

expect 2 "need 2 to 64 nodes" $mcsctl format "$dir/one" --size 16M --nodes 1
expect 2 "too small" $mcsctl format "$dir/tiny" --size 64K --nodes 4
expect 2 "No such file" $mcsctl status "$dir/missing"
expect 2 "No such file" $mcsctl --json status "$dir/missing"
[ -z "$($mcsctl --json check "$dir/missing" 2>/dev/null)" ] ||
	{ echo "FAIL: an error printed JSON on stdout"; fails=$((fails + 1)); }
head -c 1048576 /dev/zero >"$dir/zero"
expect 2 "not an mcs region" $mcsctl check "$dir/zero"
: >"$dir/empty"
expect 2 "empty file" $mcsctl status "$dir/empty"

# A torn superblock: one flipped byte inside the CRC-covered header.
cp "$f" "$dir/torn"
printf '\x7f' | dd of="$dir/torn" bs=1 seek=40 conv=notrunc status=none
expect 2 "bad CRC" $mcsctl check "$dir/torn"
# A region whose file was cut short.
cp "$f" "$dir/short"
truncate -s 8M "$dir/short"
expect 2 "larger than the file" $mcsctl status "$dir/short"

# A named segment and a mutex held by a process of node 0 (which exits
# holding it: nobody declares it gone, so it stays its holder).
g=$dir/filled
$mcsctl format "$g" --size 16M --nodes 4 >/dev/null
"$fill" "$g" 2 >"$dir/fill" || fails=$((fails + 1))
read -r _ db < <(grep '^db ' "$dir/fill")
read -r _ mx pid < <(grep '^m ' "$dir/fill")
echo "filled: db ${db:-?}, mutex ${mx:-?} held by pid ${pid:-?}"
[ -n "${pid:-}" ] || { echo "FAIL: region_fill"; fails=$((fails + 1)); }
expect_json 0 '[.nodes[] | [.state, .incarnation]] ==
	[["absent", 0], ["absent", 0], ["alive", 1], ["absent", 0]] and
	[.nodes[].used_pages] == [0, 0, 16, 0]' $mcsctl --json status "$g"
expect_json 0 '.segments == 1 and .sharers == 1 and .names == 2 and .violations == 0' \
	$mcsctl --json check "$g"
expect_json 0 "(.names | length) == 2 and (.segments | length) == 1 and
	(.names[] | select(.gid == \"$db\")) == {\"gid\": \"$db\", \"type\": \"segment\",
		\"name\": \"/db\", \"size\": 65536, \"part\": 2, \"sharers\": 1} and
	(.names[] | select(.gid == \"$mx\")) == {\"gid\": \"$mx\", \"type\": \"lock\",
		\"name\": \"/m\", \"size\": null, \"part\": null, \"sharers\": null} and
	(.segments[] | select(.gid == \"$db\") | [.size, .part, .sharers]) == [65536, 2, 1] and
	.sync == [{\"gid\": \"$mx\", \"type\": \"mutex\", \"state\": \"consistent\",
		\"holder\": {\"node\": 2, \"incarnation\": 1, \"pid\": $pid, \"abandoned\": false}}]" \
	$mcsctl --json ls "$g"
# Names the fabric should never hold: escaped exactly, and not UTF-8 made
# valid; the checker finds both entries torn.
read -r _ h1 h2 < <("$fill" "$g" 1 --hostile)
expect_json 0 "(.names | length) == 4 and
	(.names[] | select(.gid == \"$h1\") | .name) == \"/q\\\"b\\\\s\\u0001\\n\\tz\\ufffd\" and
	(.names[] | select(.gid == \"$h2\") | .name) == \"/caf\\u00e9\"" \
	$mcsctl --json ls "$g"
expect_json 1 '.violations == 2 and (.messages | length) == 2 and
	all(.messages[]; test("torn"))' $mcsctl --json check "$g"
# In the columns, no byte reaches the terminal raw: printable ASCII as
# it is, a backslash doubled, every other byte (escapes, UTF-8) as \xHH.
expect 0 "^$h1"' +lock .*  /q"b\\\\s\\x01\\x0a\\x09z\\xff$' $mcsctl ls "$g"
expect 0 "^$h2"' +lock .*  /caf\\xc3\\xa9$' $mcsctl ls "$g"

# --force does erase, and the result is a fresh, clean region.
expect 0 "formatted .* 33554432 bytes, 8 nodes" $mcsctl format "$f" --size 32M --nodes 8 --force
expect 0 "check: 0 segments.* 0 violations" $mcsctl check "$f"

echo "mcsctl: $fails failures"
[ "$fails" -eq 0 ]
