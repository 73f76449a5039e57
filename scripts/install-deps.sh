#!/bin/sh
# Install the Debian 12 packages vmregion needs to build, test and benchmark.
# Usage: scripts/install-deps.sh [--bench] [--fuzz] [--valgrind] [--live] [--live-dbg]
#                                [--corpus-dbg]   (as root, or with sudo available)
#   --valgrind: valgrind, for the test valgrind/corpus
#   --fuzz: clang and its sanitizer/libFuzzer runtime, for -DVMR_FUZZ=ON
#   --live: QEMU and cpio, and the Debian kernel the live test boots
#           (vmlinuz and one module, 27 MB) in $VMR_LIVE_DIR
#           (default ${XDG_CACHE_HOME:-~/.cache}/vmregion-live)
#   --live-dbg: also that kernel's debug vmlinux (283 MB download, 590 MB)
#   --corpus-dbg: the debug vmlinux of every Debian kernel of the corpus
#           ($VMR_CORPUS, else ../shared/corpus beside the tree): the -dbg
#           package each truth.json names, into the same directory
set -eu

pkgs="build-essential cmake pkg-config libelf-dev libdw-dev libkdumpfile-dev
      libcmocka-dev libisal-dev libzstd-dev zstd gdb python3 binutils"
bench="crash python3-drgn hyperfine time"
fuzz="clang libclang-rt-14-dev"
valgrind="valgrind"
live="qemu-system-x86 cpio"
live_kernel=
live_dbg=
corpus_dbg=

for arg in "$@"; do
	case $arg in
	--bench) pkgs="$pkgs $bench" ;;
	--fuzz) pkgs="$pkgs $fuzz" ;;
	--valgrind) pkgs="$pkgs $valgrind" ;;
	--live) pkgs="$pkgs $live"; live_kernel=1 ;;
	--live-dbg) pkgs="$pkgs $live"; live_kernel=1; live_dbg=1 ;;
	--corpus-dbg) corpus_dbg=1 ;;
	esac
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# Kernels and debug vmlinux files: one file out of each Debian package,
# kept outside the source tree.
[ -n "$live_kernel$corpus_dbg" ] || exit 0
kver=6.1.0-56-cloud-amd64
dir=${VMR_LIVE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vmregion-live}
mkdir -p "$dir"
fetch_one() { # package, paths inside it
	pkg=$1
	shift
	missing=
	for p in "$@"; do [ -s "$dir/$(basename "$p")" ] || missing=1; done
	[ -n "$missing" ] || return 0
	tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ $SUDO apt-get update -qq && (cd "$tmp" && apt-get download -q "$pkg" >/dev/null); }
	for p in "$@"; do
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" ".$p"
		mv "$tmp$p" "$dir/"
	done
	rm -rf "$tmp"
}
if [ -n "$live_kernel" ]; then
	# A module without dependencies, loaded by the live guest's init.
	fetch_one "linux-image-$kver-unsigned" "/boot/vmlinuz-$kver" \
		"/lib/modules/$kver/kernel/lib/crc-itu-t.ko"
	[ -z "$live_dbg" ] || fetch_one "linux-image-$kver-dbg" "/usr/lib/debug/boot/vmlinux-$kver"
fi
[ -n "$corpus_dbg" ] || exit 0
corpus=${VMR_CORPUS:-$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus}
[ -d "$corpus" ] || corpus=/work/shared/corpus
[ -d "$corpus" ] || exit 0
python3 - "$corpus" <<'EOF' | sort -u | while read -r pkg path; do fetch_one "$pkg" "/$path"; done
import glob, json, os, sys
for truth in glob.glob(os.path.join(sys.argv[1], "*", "truth.json")):
    with open(truth) as f:
        info = (json.load(f).get("kernel") or {}).get("debuginfo") or {}
    if info.get("package") and info.get("vmlinux_path_in_package"):
        print(info["package"], info["vmlinux_path_in_package"].lstrip("/"))
EOF
