#!/usr/bin/env python3
"""Write docs/comparison.md: which truth sample addresses vmregion, crash and
drgn identify, from the peers/ outputs beside each corpus set and a fresh
`vmregion addr` run on the same dump.

Usage: scripts/peer-comparison.py VMREGION [CORPUS] > docs/comparison.md
"""
import glob
import json
import os
import re
import subprocess
import sys


def crash_answers(path):
    """Per address: what crash's `sym` and `kmem` said, in a few words."""
    out = {}
    if not os.path.exists(path):
        return out
    text = open(path, errors="replace").read()
    for m in re.finditer(r"==== crash> (sym|kmem) (0x[0-9a-f]+)\n(.*?)(?===== crash>|\Z)", text, re.S):
        cmd, addr, body = m.group(1), int(m.group(2), 16), m.group(3)
        said = out.setdefault(addr, [])
        lines = [l for l in body.splitlines() if l.strip()]
        if cmd == "sym":
            if lines and "invalid address" not in lines[0]:
                said.append(re.sub(r"^[0-9a-f]+ \(\w\) ", "", lines[0]).split(" /")[0].strip())
            continue
        for i, l in enumerate(lines):
            if l.startswith("CACHE") and i + 1 < len(lines):
                said.append("slab " + lines[i + 1].split()[-1])
            elif "VMAP_AREA" in l and i + 1 < len(lines):
                f = lines[i + 1].split()
                said.append(f"vmalloc {f[2]}-{f[4]}")
            elif l.strip().startswith("PID:"):
                said.append("task pid " + l.split()[-1])
        if not said and any(l.strip().startswith("PAGE") for l in lines):
            said.append("page")
    return {a: "; ".join(dict.fromkeys(v)) for a, v in out.items()}


def drgn_answers(path):
    out = {}
    if not os.path.exists(path):
        return out
    for l in open(path, errors="replace"):
        m = re.match(r"\S+\s+(0x[0-9a-f]+) \(truth [\w-]+\): (.*)", l.strip())
        if m:
            said = m.group(2)
            out[int(m.group(1), 16)] = "—" if said == "None" or said.startswith("ERROR") else said
    return out


def vmregion_answers(vmr, dump, addrs):
    p = subprocess.run([vmr, "addr", dump] + [hex(a) for a in addrs], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=300)
    out = {}
    for l in p.stdout.decode().splitlines():
        f = l.split(None, 2)
        if len(f) >= 2:
            out[int(f[0], 16)] = (f[2] if len(f) > 2 else f[1]).strip()
    return out


def truth_short(o):
    k = o["kind"]
    if k == "symbol":
        return o["symbol"] + "+" + o["offset"] + (f" [{o['module']}]" if "module" in o else "")
    if k == "vmalloc":
        return "vmalloc " + o["caller"]
    if k == "slab":
        return "slab " + o["cache"]
    if k == "stack":
        return f"stack of pid {o['pid']}"
    if k == "page":
        return "page pfn " + o["pfn"]
    if k == "percpu":
        return f"percpu cpu {o['cpu']} {o['symbol']}"
    if k == "cpu-entry-area":
        return "cea " + o["part"]
    if k == "fixmap":
        return "fixmap " + o["slot"]
    return k


def main():
    vmr = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus"
    here = os.path.dirname(os.path.abspath(__file__))
    sets = [os.path.join(here, "..", "samples")] + sorted(glob.glob(os.path.join(corpus, "*/")))
    print("# Who identifies what: vmregion, crash 8.0.2 and drgn 0.0.22\n")
    print("For every truth sample address of each corpus set (what the crashed guest "
          "itself said), the answer of each tool on the same dump. crash and drgn ran "
          "with the matching vmlinux (DWARF) and the module's .ko (their outputs are in "
          "each set's peers/); vmregion ran **without** vmlinux. \"—\" = no answer. "
          "Regenerate with `scripts/peer-comparison.py build/cli/vmregion > docs/comparison.md`.\n")
    for s in sets:
        tp = os.path.join(s, "truth.json")
        if not os.path.exists(tp):
            continue
        truth = json.load(open(tp))
        peers = os.path.join(s, "peers")
        # The dump of the set that the peers could read best.
        best = None
        for f in truth.get("files", {}):
            if not os.path.exists(os.path.join(s, f)):
                continue
            base = f[:-4] if f.endswith(".zst") else f
            c = crash_answers(os.path.join(peers, f"crash-{base}.txt"))
            d = drgn_answers(os.path.join(peers, f"drgn-{base}.txt"))
            score = len(c) + sum(v != "—" for v in d.values())
            if best is None or score > best[0]:
                best = (score, f, c, d)
        if not best:
            continue
        _, dump, crash, drgn = best
        samples = truth.get("samples", [])
        addrs = [int(x["addr"], 16) for x in samples]
        ours = vmregion_answers(vmr, os.path.join(s, dump), addrs)
        name = os.path.basename(os.path.normpath(s))
        print(f"## {name} ({dump})\n")
        print("| sample | the guest said | vmregion | crash | drgn |")
        print("|---|---|---|---|---|")
        counts = [0, 0, 0]
        for x, a in zip(samples, addrs):
            row = [" ".join(ours.get(a, "—").split()), crash.get(a, "—") or "—", drgn.get(a, "—")]
            for i, v in enumerate(row):
                # A bare "page" (crash's kmem on any mapped address) names an
                # owner only where the owner is the page itself.
                if v in ("—", "") or v.startswith("(") or v in ("vmalloc", "direct-map"):
                    continue
                if v == "page" and x["owner"]["kind"] != "page":
                    continue
                counts[i] += 1
            cells = [c.replace("|", "\\|") for c in row]
            print(f"| {x['name']} | {truth_short(x['owner'])} | {cells[0]} | {cells[1]} | {cells[2]} |")
        n = len(samples)
        print(f"\nAddresses with an owner named: vmregion {counts[0]}/{n}, "
              f"crash {counts[1]}/{n}, drgn {counts[2]}/{n}.\n")


if __name__ == "__main__":
    main()
