#!/usr/bin/env python3
"""Compare the owners `vmregion addr --json` names with truth.json samples.

Each truth sample names its owner as the crashed guest saw it (symbol and
offset, module, vmalloc area and caller, slab cache and object, stack of a
pid, per-cpu variable, page, cpu_entry_area part, fixmap slot).  Per-cpu
memory ends where the kernel's first chunk says it does (serial.log).  Files made
by makedumpfile from 6.12 kernels are incomplete (truth `incomplete`): there
an address the dump does not hold must be reported as such, not misnamed.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def hexv(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def same_caller(got, want_full, want_short):
    """Truth callers are %pS text; compare symbol+offset[/size] [module]."""
    if not got:
        return False
    return got == want_full or got.split(" ")[0] in (want_full.split(" ")[0], want_short)


def compare(sample, ans):
    """Return a list of differences between the truth owner and the answer."""
    o = sample["owner"]
    kind = o["kind"]
    own = ans.get("owner", {})
    diffs = []

    def want(key, got, expect):
        if got != expect:
            diffs.append(f"{key} {got!r} != {expect!r}")

    if kind == "symbol":
        want("symbol", ans.get("symbol"), o["symbol"])
        if "symbol" in ans:
            want("offset", hexv(ans.get("offset", "0x0")), hexv(o["offset"]))
        if "module" in o:
            want("module", ans.get("module"), o["module"])
    elif kind == "vmalloc":
        want("owner kind", own.get("kind"), "vmalloc")
        if own.get("kind") == "vmalloc":
            want("start", hexv(own["start"]), hexv(o["start"]))
            want("end", hexv(own["end"]), hexv(o["end"]))
            if not same_caller(own.get("caller"), o["caller_full"], o["caller"]):
                diffs.append(f"caller {own.get('caller')!r} != {o['caller_full']!r}")
    elif kind == "stack":
        want("owner kind", own.get("kind"), "stack")
        if own.get("kind") == "stack":
            want("pid", own.get("pid"), o["pid"])
            want("start", hexv(own["start"]), hexv(o["start"]))
            want("end", hexv(own["end"]), hexv(o["end"]))
    elif kind == "slab":
        want("owner kind", own.get("kind"), "slab")
        if own.get("kind") == "slab":
            want("cache", own.get("cache"), o["cache"])
            want("object", hexv(own["object"]), hexv(o["object"]))
            want("offset", hexv(own["offset"]), hexv(o["offset"]))
    elif kind == "page":
        want("owner kind", own.get("kind"), "page")
        if own.get("kind") == "page":
            want("pfn", hexv(own["pfn"]), hexv(o["pfn"]))
            if "struct_page" in o:
                want("struct_page", hexv(own["struct_page"]), hexv(o["struct_page"]))
    elif kind == "percpu":
        want("owner kind", own.get("kind"), "percpu")
        if own.get("kind") == "percpu":
            want("cpu", own.get("cpu"), o["cpu"])
            want("symbol", own.get("symbol"), o["symbol"])
            if "module" in o:
                want("module", own.get("module"), o["module"])
    elif kind == "cpu-entry-area":
        want("owner kind", own.get("kind"), "cpu-entry-area")
        if own.get("kind") == "cpu-entry-area":
            want("part", own.get("part"), o["part"])
            if "cpu" in o:
                want("cpu", own.get("cpu"), o["cpu"])
    elif kind == "fixmap":
        want("owner kind", own.get("kind"), "fixmap")
        want("slot", own.get("slot"), o["slot"])
    else:
        diffs.append(f"unknown truth owner kind {kind}")
    return diffs


def check(args, truth, dump, vmlinux, incomplete, failures):
    tag = os.path.basename(dump) + (" -k vmlinux" if vmlinux else "")
    samples = truth.get("samples", [])
    cmd = [args.vmregion, "addr", "--json", dump] + [s["addr"] for s in samples]
    if vmlinux:
        cmd += ["-k", vmlinux]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode not in (0, 1):
        failures.append(f"{tag}: addr exit {p.returncode}: {p.stderr.decode().strip()}")
        return
    answers = json.loads(p.stdout)
    named = 0
    for s, a in zip(samples, answers):
        diffs = compare(s, a)
        if diffs and incomplete and a.get("mapped") is False:
            continue  # the dump does not hold it, and says so
        if diffs:
            failures.append(f"{tag}: {s['name']} {s['addr']}: " + "; ".join(diffs))
        else:
            named += 1
    print(f"{tag}: {named}/{len(samples)} owners as the guest named them")


def check_percpu_extent(args, truth, dump, failures):
    """The kernel prints its first per-cpu chunk ("percpu: Embedded N
    pages/cpu sS rR dD uU"): static, reserved and dynamic bytes of each
    CPU's unit of U bytes, whose rest pcpu_embed_first_chunk() gives back
    to the page allocator.  In each CPU's unit (at __per_cpu_offset[cpu]:
    per-cpu pointers start at 0 on x86_64), an address in the static part
    is per-cpu of that CPU; one past the used part is not per-cpu."""
    offsets = truth.get("layout", {}).get("per_cpu_offset") or []
    serial = os.path.join(os.path.dirname(dump), "serial.log")
    m = None
    if os.path.exists(serial):
        with open(serial, errors="replace") as f:
            m = re.search(r"percpu: Embedded \d+ pages/cpu s(\d+) r(\d+) d(\d+) u(\d+)",
                          f.read())
    if not m or not offsets:
        print("per-cpu extent: not checked (no 'percpu: Embedded' line or offsets)")
        return
    st, rs, dy, unit = (int(x) for x in m.groups())
    used = (st + rs + dy + 4095) & ~4095
    if used + 4096 >= unit:
        print("per-cpu extent: the unit is all used, nothing past it to check")
        return
    inside = [int(o, 16) + 0x40 for o in offsets]
    past = [int(o, 16) + used + 0x1000 for o in offsets]
    p = subprocess.run([args.vmregion, "addr", "--json", dump] + [hex(a) for a in inside + past],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode not in (0, 1):
        failures.append(f"per-cpu extent: addr exit {p.returncode}")
        return
    ans = json.loads(p.stdout)
    for cpu, a in enumerate(ans[:len(inside)]):
        own = a.get("owner", {})
        if own.get("kind") != "percpu" or own.get("cpu") != cpu:
            failures.append(f"per-cpu extent: {a['addr']} (static part of cpu {cpu}) is {own}")
    for cpu, a in enumerate(ans[len(inside):]):
        own = a.get("owner", {})
        if own.get("kind") == "percpu":
            failures.append(f"per-cpu extent: {a['addr']} (past the {used:#x} bytes cpu {cpu}'s "
                            f"unit uses, of {unit:#x}) is called per-cpu: {own}")
    print(f"per-cpu extent: {len(offsets)} CPUs, {used:#x} of {unit:#x} bytes per unit used")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.set, "truth.json")) as f:
        truth = json.load(f)
    dump = os.path.join(args.set, args.file)
    incomplete = bool(truth.get("files_detail", {}).get(args.file, {}).get("incomplete"))
    failures = []
    check(args, truth, dump, None, incomplete, failures)
    check_percpu_extent(args, truth, dump, failures)
    vml = truth.get("vmlinux_file")
    if vml:
        check(args, truth, dump, os.path.normpath(os.path.join(args.set, vml)), incomplete,
              failures)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
