#!/bin/sh
# measure_speed.sh VMREGION DUMP [VMLINUX]: the two gdb timings of issue 5,
# measured as ../shared/reference/gdb-integration (A8) did.  Not a ctest
# (timing targets live in bench/); run by hand.
#  1. monitor round trip: one gdb session running N `monitor vmregion ADDR`
#     (N = 0 and 1000, output to /dev/null): (t1000 - t0) / 1000.
#     Also `info vmregion $rip` (expression + monitor) the same way.
#  2. `vmregion gdb DUMP [VMLINUX] -- -batch`: start to the first prompt
#     (connect, symbols, script) and exit; the first run fills the caches.
set -e
[ $# -ge 2 ] || { echo "usage: $0 VMREGION DUMP [VMLINUX]" >&2; exit 2; }
V=$1 D=$2 K=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ms() { s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
cat > "$dir/mon.gdb" <<'G'
set $i = 0
while $i < $n
  monitor vmregion 0xffffffff81000000
  set $i = $i + 1
end
G
cat > "$dir/info.gdb" <<'G'
set $i = 0
while $i < $n
  info vmregion $rip
  set $i = $i + 1
end
G
for run in 1 2 3; do
	t0=$(ms "$V" gdb "$D" $K -- -batch -ex 'set $n = 0' -x "$dir/mon.gdb")
	t1=$(ms "$V" gdb "$D" $K -- -batch -ex 'set $n = 1000' -x "$dir/mon.gdb")
	i1=$(ms "$V" gdb "$D" $K -- -batch -ex 'set $n = 1000' -x "$dir/info.gdb")
	echo "run $run: n=0 ${t0} ms, 1000 x monitor vmregion ${t1} ms => $(( (t1 - t0) ))/1000 ms per call;" \
	     "1000 x info vmregion \$rip ${i1} ms => $(( (i1 - t0) ))/1000 ms per call"
done
for run in 1 2 3; do
	echo "vmregion gdb to the first prompt and exit: $(ms "$V" gdb "$D" $K -- -batch) ms"
done
