#!/bin/sh
# Install the Debian 12 packages vmregion needs to build, test and benchmark.
# Usage: scripts/install-deps.sh [--bench] [--fuzz]   (as root, or with sudo available)
#   --fuzz: clang and its sanitizer/libFuzzer runtime, for -DVMR_FUZZ=ON
set -eu

pkgs="build-essential cmake pkg-config libelf-dev libdw-dev libkdumpfile-dev
      libcmocka-dev zlib1g-dev libzstd-dev zstd gdb python3"
bench="crash python3-drgn hyperfine time"
fuzz="clang libclang-rt-14-dev"

for arg in "$@"; do
	case $arg in
	--bench) pkgs="$pkgs $bench" ;;
	--fuzz) pkgs="$pkgs $fuzz" ;;
	esac
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
