#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the Debian packages a part of the build needs.
#
# Usage: scripts/deps.sh GROUP...
#
#   build   gcc, make, pkg-config, CUnit, zlib, jansson and libsodium headers (the
#           user-space build; mcsctl --json prints with jansson and makes
#           the cluster key with libsodium), jq (the
#           tests read mcsctl --json with it)
#   kernel  Debian kernel headers and sparse (kbuild of the modules)
#   fuzz    clang and its runtimes (libFuzzer, ASan, UBSan): the fabric
#           fuzzer, tests/fuzz/ ("make fuzz", the fabric-fuzz test)
#   bench   nothing beyond "build" for now
#   daemon  Corosync's client libraries and libqb (mcsd) and corosync
#           itself (the mcsd-host test runs a one-node cluster)
#   vm      QEMU, the Debian kernel image (its version must match the
#           headers of "kernel"), busybox-static, cpio and kmod: the guest
#           test bed; corosync (copied into the guests by vm_cluster, with
#           its libraries and libknet1's plugins) and socat (talks to each
#           guest's QEMU monitor socket): the cluster harness
#
# Only packages that are not installed are considered. If any are missing,
# runs "apt-get update" and a non-interactive "apt-get install" (as root);
# when not root it names the missing packages and exits 1. Does nothing,
# and needs no network, when everything is already present.
set -euo pipefail

usage()
{
	echo "usage: $0 {build|kernel|fuzz|bench|daemon|vm}..." >&2
	exit 2
}

[ $# -ge 1 ] || usage

pkgs=()
for group in "$@"; do
	case "$group" in
	build)	pkgs+=(gcc make pkg-config libcunit1-dev zlib1g-dev libjansson-dev libsodium-dev jq) ;;
	kernel)	pkgs+=(linux-headers-amd64 sparse) ;;
	fuzz)	pkgs+=(clang libclang-rt-dev) ;;
	bench)	pkgs+=(gnuplot-nox) ;;
	daemon)	pkgs+=(libcpg-dev libquorum-dev libcmap-dev libcfg-dev libvotequorum-dev libqb-dev corosync) ;;
	vm)	pkgs+=(qemu-system-x86 linux-image-amd64 busybox-static cpio kmod
		     corosync libknet1 socat) ;;
	*)	echo "$0: unknown group '$group'" >&2; usage ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing+=("$p") ;;
	esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

# De-duplicate while keeping the order.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')

if [ "$(id -u)" -ne 0 ]; then
	echo "$0: missing Debian packages: ${missing[*]}" >&2
	echo "$0: run as root, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${missing[@]}"
