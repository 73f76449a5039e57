#!/bin/sh
# Run libFuzzer targets of a VMR_FUZZ=ON build for a while each, one after
# the other, and print a line of totals per target (docs/reliability.md).
# New inputs go to BUILD/fuzz-work/NAME (never into the repository); crashers
# to BUILD/fuzz-work/NAME/crash-*: minimize one and check it in under
# tests/fuzz/regressions/NAME/.
# Usage: tests/fuzz/run-fuzz.sh BUILD SECONDS [NAME...]   (default: every target)
# The per-input time limit is 10 s, 60 s for "kernel", "printk" and
# "kallsyms", whose slowest legal inputs take under a second uninstrumented
# but over 10 s instrumented on a loaded machine: a dump without VMCOREINFO
# ends in a bounded scan of up to 2^26 physical pages for one
# (region/rebuild.c, 0.6 s); a printk ring may be as large as its bounds
# allow (0.5 s, 800 MB); kallsyms may decode millions of names (0.2 s).
set -eu
build=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- $(cd "$here/corpus" && ls)
for name in "$@"; do
	bin=$build/tests/fuzz/fuzz_$name
	work=$build/fuzz-work/$name
	mkdir -p "$work/new"
	log=$work/log
	t0=$(date +%s)
	timeout=10
	case $name in kernel|printk|kallsyms) timeout=60 ;; esac
	"$bin" -max_total_time="$secs" -timeout=$timeout -rss_limit_mb=2560 \
		-print_final_stats=1 -artifact_prefix="$work/" \
		"$work/new" "$here/corpus/$name" >"$log" 2>&1 || true
	t=$(( $(date +%s) - t0 ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	found=$(ls "$work" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-' || true)
	echo "$name: ${t}s runs=${runs:-?} ${cov:-cov: ?} findings=$found"
done
