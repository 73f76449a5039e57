#!/bin/sh
# Time to first answer of `vmregion info` and `vmregion addr`, cold process,
# with and without vmlinux, on the sample and the corpus; medians of several
# runs with hyperfine.  Usage: bench/foundation.sh [BUILD_DIR] [RUNS]
#
# Environment: VMR_CORPUS (default ../shared/corpus).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-20}
vmr=$build/cli/vmregion
corpus=${VMR_CORPUS:-../shared/corpus}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench() { # name, command...
	name=$1
	shift
	hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/$name.json" "$*" >/dev/null 2>&1 ||
		{ echo "| $name | failed | | |"; return; }
	python3 - "$out/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"| {sys.argv[2]} | {r['median']*1000:.1f} | {r['min']*1000:.1f} | {r['max']*1000:.1f} |")
PY
}

echo "| run | median ms | min ms | max ms |"
echo "|---|---|---|---|"
sample=samples/vmcore.kdump-zlib
bench "info, sample kdump, no vmlinux" "$vmr" info "$sample"
bench "addr, sample kdump, no vmlinux" "$vmr" addr "$sample" init_task 0xffffffffc032c040
if [ -f "$corpus/custom-6.12-sysrq/vmcore.kdump-zlib" ]; then
	d=$corpus/custom-6.12-sysrq/vmcore.kdump-zlib
	v=$corpus/custom-6.12-vmlinux.zst
	# The vmlinux is decompressed once, outside the timing: a user keeps it so.
	zstd -qdc "$v" >"$out/vmlinux"
	bench "info, 6.12 kdump, no vmlinux" "$vmr" info "$d"
	bench "info, 6.12 kdump, -k vmlinux" "$vmr" info "$d" -k "$out/vmlinux"
	bench "addr, 6.12 kdump, -k vmlinux" "$vmr" addr "$d" -k "$out/vmlinux" init_task
fi
