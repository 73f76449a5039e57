#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`vmregion mem --stack` marks the frames of the ORC unwinder.

  check_stack_frames.py --vmregion VMREGION --set SETDIR --file DUMP

For the crashing CPU (truth crash.cpu, else the CPU: line of the trace) and,
for every other CPU, its own walk:
- the JSON "unwind" walk ends cleanly, and every frame after the first has
  its slot on the printed stacks: the word at a CALL frame's slot holds that
  frame's ip and is marked "frame" with the same function and offset (in
  its own annotation too: a return address names the function of ip - 1); a
  REGS frame has its "pt_regs_ip" slot holding the ip (and a "pt_regs"
  start 128 bytes below); the first frame's sp is marked "sp";
- every return address of serial.log's Call Trace (reliable entries, the
  first kernel's trace; func+off [module]) is on a word marked "frame" with
  that function and offset, except the printing path at the top of a trace
  panic() printed (frames of panic and its callees: panic went on calling
  other functions over those slots before the dump was taken, so their
  return addresses are gone) and entries on a page the file does not hold
  (makedumpfile files the truth calls incomplete);
- the text output has a "<- frame N: func+off" marker for each of them
  ("; frame N: ..." after another marker of the same word).
Nothing here names a particular dump.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from corpustext import first_trace


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def mem_stack(args, dump, cpu, json_out):
    cmd = [args.vmregion, "mem"] + (["--json"] if json_out else []) + [dump, "--stack", f"cpu:{cpu}"]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    check(p.returncode in (0, 1), f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.returncode, p.stdout


def check_cpu(args, dump, cpu, trace, tag):
    rc, out = mem_stack(args, dump, cpu, True)
    if rc not in (0, 1):
        return
    doc = json.loads(out)
    unwind = doc.get("unwind", {})
    frames = unwind.get("frames", [])
    words = {int(w["addr"], 16): w for s in doc.get("stacks", []) for w in s["words"]}
    gaps = [g for s in doc.get("stacks", []) for g in s["gaps"]]
    check(frames and unwind.get("end_clean"), f"{tag}: unwinder {unwind.get('end')!r}, {len(frames)} frames")

    def marks(addr):
        return words.get(addr, {}).get("frames", [])

    def on_gap(addr):
        return any(int(g["start"], 16) <= addr < int(g["end"], 16) for g in gaps)

    # every frame of the walk has its slot marked
    for i, f in enumerate(frames):
        ip = int(f["ip"], 16)
        if i == 0:
            sp = int(f["sp"], 16)
            check(any(m["slot"] == "sp" and m["frame"] == 0 for m in marks(sp)) or sp not in words,
                  f"{tag}: frame 0 sp {sp:#x} not marked")
            continue
        slot = int(f["slot"], 16)
        if slot not in words:
            check(on_gap(slot) or f.get("user") is not None or f["kind"] != "call",
                  f"{tag}: frame {i} slot {slot:#x} not on the printed stacks")
            continue
        w = words[slot]
        check(int(w["value"], 16) == ip, f"{tag}: frame {i}: word at {slot:#x} is {w['value']}, ip {f['ip']}")
        want = "return_address" if f["kind"] == "call" else "pt_regs_ip"
        ms = [m for m in marks(slot) if m["frame"] == i and m["slot"] == want]
        check(bool(ms), f"{tag}: frame {i} ({f.get('function')}) slot {slot:#x} not marked {want}")
        # a user-mode ip is not a kernel pointer: no mark column for it
        check(w.get("mark") == "frame" or f.get("user"),
              f"{tag}: frame {i} slot {slot:#x} mark {w.get('mark')!r}")
        if ms and "function" in f:
            check(ms[0].get("function") == f["function"] and ms[0].get("offset") == f["offset"],
                  f"{tag}: frame {i}: marked {ms[0]}, walk {f}")
        # the word's own annotation reads it as a return address (%pB: the
        # function of ip - 1, the offset of ip), as the frame's name does
        ann = (w.get("annotation") or {}).get("owner") or {}
        if f["kind"] == "call" and "function" in f and ann.get("symbol"):
            check(ann.get("symbol") == f["function"] and
                  int(ann.get("offset", "0x0"), 16) == int(str(f["offset"]), 0),
                  f"{tag}: frame {i}: word annotated {ann.get('symbol')}+{ann.get('offset')}, "
                  f"frame {f['function']}+{f['offset']}")
        if f["kind"] in ("regs", "partial"):
            regs = int(f["regs"], 16)
            check(any(m["slot"] == "pt_regs" for m in marks(regs)) or regs not in words,
                  f"{tag}: frame {i}: pt_regs start {regs:#x} not marked")

    if trace is None:
        return frames
    # serial.log's return addresses are marked frames with the same func+off
    marked = {(m.get("function"), int(m.get("offset", "0x0"), 16), m.get("module"))
              for w in words.values() for m in w.get("frames", []) if m["slot"] == "return_address"}
    n_panic = next((i + 1 for i, f in enumerate(trace) if f[0] == "panic"), 0)
    found = skipped = 0
    for i, (fn, off, mod) in enumerate(trace):
        text = f"{fn}+{off:#x}" + (f" [{mod}]" if mod else "")
        if (fn, off, mod) in marked:
            found += 1
            continue
        if i < n_panic or gaps:
            skipped += 1  # printing path overwritten after panic printed it; or a gap
            continue
        check(False, f"{tag}: trace frame {text} not marked as a frame on the stack")
    print(f"{tag}: {len(frames)} unwound frames; {found}/{len(trace)} trace return addresses "
          f"marked" + (f", {skipped} printing-path or gap entries skipped" if skipped else ""))
    # text: the same markers
    rc, out = mem_stack(args, dump, cpu, False)
    for fn, off, mod in trace:
        if (fn, off, mod) in marked:
            check(re.search(rf"(<-|;) frame \d+: {re.escape(fn)}\+{off:#x}/", out) is not None,
                  f"{tag}: text output has no '<- frame N: {fn}+{off:#x}'")
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    args = ap.parse_args()
    truth = json.load(open(os.path.join(args.set, "truth.json")))
    dump = os.path.join(args.set, args.file)
    first = first_trace(os.path.join(args.set, "serial.log"))
    tcpu = first.cpu if first else None
    trace = [(f.func, f.offset, f.module or None) for f in first.frames if f.reliable] if first else []
    cpu = truth.get("crash", {}).get("cpu", tcpu)
    check(bool(trace), "no Call Trace in serial.log")
    for c in range(truth.get("cpus", 1)):
        check_cpu(args, dump, c, trace if c == cpu else None, f"{args.file} cpu {c}")
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
