#!/bin/sh
# The library's ORC unwinder: frames per second (every CPU of a dump unwound
# over and over) and ORC lookups per second (the IPs of those walks), with
# the vmlinux table's fast lookup (.orc_lookup read from the dump's memory,
# else built from the entries) and without it (binary search over the whole
# table, --no-lookup).  Prints a markdown table; medians of RUNS runs of
# SECONDS each.  Usage: bench/orc.sh [BUILD_DIR] [RUNS] [SECONDS]
#
# Uses tests/tools/vmr-bt (built as BUILD_DIR/tests/corpus/vmr-bt).
# Environment: VMR_CORPUS (default ../shared/corpus).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-5}
secs=${3:-1}
bt=$build/tests/corpus/vmr-bt
corpus=${VMR_CORPUS:-../shared/corpus}
[ -x "$bt" ] || { echo "bench/orc.sh: $bt: not built" >&2; exit 2; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

measure() { # dump, extra option -> "frames/s lookups/s lookup-how"
	f=$(mktemp)
	for i in $(seq "$runs"); do
		"$bt" "$1" --bench "$secs" $2 >"$f.$i"
	done
	fr=$(for i in $(seq "$runs"); do sed -n 's/.*: \([0-9]*\) frames\/s$/\1/p' "$f.$i"; done | median)
	lk=$(for i in $(seq "$runs"); do sed -n 's/.* s: \([0-9.]*\) M lookups\/s.*/\1/p' "$f.$i"; done | median)
	how=$(sed -n 's/.*(lookup \(.*\))$/\1/p' "$f.1")
	rm -f "$f" "$f".*
	echo "$fr|$lk|$how"
}

echo "| dump | frames/s, whole-table search | frames/s, .orc_lookup | M lookups/s, whole-table | M lookups/s, .orc_lookup | fast lookup from |"
echo "|---|---|---|---|---|---|"
for dump in custom-6.12-sysrq/vmcore.elf.zst debian-6.1-sysrq/vmcore.elf.zst \
	    debian-6.1-oops-kdump/vmcore.flat; do
	[ -e "$corpus/$dump" ] || continue
	a=$(measure "$corpus/$dump" --no-lookup)
	b=$(measure "$corpus/$dump" "")
	echo "| $dump | $(echo "$a" | cut -d'|' -f1) | $(echo "$b" | cut -d'|' -f1) |" \
	     "$(echo "$a" | cut -d'|' -f2) | $(echo "$b" | cut -d'|' -f2) | $(echo "$b" | cut -d'|' -f3) |"
done
