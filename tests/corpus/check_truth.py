#!/usr/bin/env python3
"""Compare `vmregion info` and `vmregion addr` on one dump with its truth.json.

The truth file is what the crashed guest said about itself (see the corpus
README).  Checked: paging levels, KASLR slide, phys_base, the three bases,
and the region of every sample address; with the set's vmlinux (the
corpus's own, or the Debian -dbg one when installed: corpustext.find_vmlinux)
the same again with -k, plus the fixmap bounds.  No warning may say that
two sources of the layout disagree.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from corpustext import find_vmlinux

BASES = ["kaslr_offset", "phys_base", "page_offset_base", "vmalloc_base", "vmemmap_base"]
# Warnings that say two sources of the layout disagree, or that the dump's
# bytes differ from its vmlinux: none may appear on a genuine dump (with its
# own vmlinux, or without one).
DISAGREE = re.compile(r"differs from the vmlinux|is wrong|wrong\?|; using the first|"
                      r"IDT gate \d+ of CPU|phys_base says")


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def expected_region(truth, sample):
    """The sample's region, checked against the guest's own layout.

    A fixmap slot lies in [FIXADDR_START, FIXADDR_TOP + 4096) whatever the
    configuration (x86_64-layout.md §1.4).  The truth generator labels
    addresses above 0xffffffffff5fffff as "hole", which is right only for
    kernels with the vsyscall page (CONFIG_X86_VSYSCALL_EMULATION); for the
    others the guest's own fixaddr_start/fixaddr_top decide.
    """
    lay = truth.get("layout", {})
    if sample.get("owner", {}).get("kind") == "fixmap" and "fixaddr_start" in lay \
            and "fixaddr_top" in lay:
        addr = int(sample["addr"], 16)
        if int(lay["fixaddr_start"], 16) <= addr < int(lay["fixaddr_top"], 16) + 4096:
            return "fixmap"
    return sample["region"]


def check(args, truth, dump, vmlinux, failures):
    tag = os.path.basename(dump) + (" -k vmlinux" if vmlinux else "")
    extra = ["-k", vmlinux] if vmlinux else []
    rc, out, err = run([args.vmregion, "info", "--json", dump] + extra)
    if rc != 0:
        failures.append(f"{tag}: info exit {rc}: {err.strip()}")
        return
    info = json.loads(out)
    for w in err.splitlines() + [str(x) for x in info.get("warnings", [])]:
        if DISAGREE.search(w):
            failures.append(f"{tag}: a consistency check failed on a genuine dump: {w.strip()}")
    if info["paging_levels"] != truth["paging_levels"]:
        failures.append(f"{tag}: paging_levels {info['paging_levels']} != {truth['paging_levels']}")
    for key in BASES:
        got, want = int(info[key], 16), int(truth[key], 16)
        if got != want:
            failures.append(f"{tag}: {key} {hex(got)} != truth {hex(want)} "
                            f"(source: {info['sources'].get(key)})")
    # The region table must tile the address space.
    regions = info["regions"]
    if int(regions[0]["start"], 16) != 0 or int(regions[-1]["end"], 16) != 2**64 - 1:
        failures.append(f"{tag}: region table does not span the address space")
    for a, b in zip(regions, regions[1:]):
        if int(a["end"], 16) + 1 != int(b["start"], 16):
            failures.append(f"{tag}: regions {a['region']} and {b['region']} do not meet")
    lay = truth.get("layout", {})
    if vmlinux and "fixaddr_start" in lay:
        got = info.get("layout", {}).get("fixaddr_start", {}).get("value")
        if got is None or int(got, 16) != int(lay["fixaddr_start"], 16):
            failures.append(f"{tag}: fixaddr_start {got} != truth {lay['fixaddr_start']}")
    if "modules_vaddr" in lay:
        got = info.get("layout", {}).get("modules_vaddr", {}).get("value")
        if got is None or int(got, 16) != int(lay["modules_vaddr"], 16):
            failures.append(f"{tag}: modules_vaddr {got} != truth {lay['modules_vaddr']}")

    samples = truth.get("samples", [])
    rc, out, err = run([args.vmregion, "addr", "--json", dump] + [s["addr"] for s in samples] + extra)
    if rc not in (0, 1):
        failures.append(f"{tag}: addr exit {rc}: {err.strip()}")
        return
    answers = json.loads(out)
    if len(answers) != len(samples):
        failures.append(f"{tag}: addr gave {len(answers)} answers for {len(samples)} addresses")
        return
    for s, a in zip(samples, answers):
        want = expected_region(truth, s)
        if a["region"] != want:
            failures.append(f"{tag}: {s['name']} {s['addr']}: region {a['region']} != {want}")
    print(f"{tag}: {len(samples)} sample addresses checked")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.set, "truth.json")) as f:
        truth = json.load(f)
    dump = os.path.join(args.set, args.file)
    failures = []
    check(args, truth, dump, None, failures)
    path, why = find_vmlinux(args.set, truth)
    if path:
        check(args, truth, dump, path, failures)
    elif truth.get("vmlinux_file"):
        failures.append(why)
    else:
        print(f"no -k check: {why}")
    for f in failures:
        print("FAIL:", f)
    print(f"{args.set}/{args.file}: {'FAILED' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
