#!/usr/bin/env python3
"""Check `vmregion mem` on one corpus dump against its serial console.

- The crashing CPU's stack (`--stack cpu:N`, N = truth crash.cpu) holds every
  return address of the kernel's own "Call Trace:" in serial.log, annotated
  with the same symbol+offset/size [module], and marked as a return address
  ("ret") wherever the kernel text is in the dump (files with `erased` text
  can only say "text" for kernel-image addresses).  Files the truth calls
  `incomplete` may miss stack pages: entries on a gap are skipped, and the
  gap must be reported.
- `--stack pid:P` (P = crash.pid) finds the same stack.
- Every annotation equals what `vmregion addr --json` says of the value, and
  values left plain are in user space, holes or non-canonical.
- `ADDR LEN` with ADDR = cpuN:rsp prints the first words of that stack.
- A sweep of the direct map with --summary: the text form over 16 MiB runs
  to the end with owners (no crash, also on incomplete files), counts add
  up, region counts are the same with and without owners; in a filtered file a range across a
  page not in the dump prints the gap line and goes on after it (exit 1).
"""
import argparse
import json
import os
import re
import subprocess
import sys

PLAIN_REGIONS = {"user", "non-canonical", "hole", "guard-hole"}
FRAME = re.compile(r"^\s*(\?\s+)?([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)"
                   r"(?:\s+\[(\w+)\])?\s*$")
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]")


def hexv(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def call_trace(serial):
    """Frames of the first kernel's Call Trace: (unreliable, sym, off, size, module)."""
    frames, inside = [], False
    with open(serial, errors="replace") as f:
        for line in f:
            line = TIMESTAMP.sub("", line.rstrip("\n"))
            if "Call Trace:" in line:
                if frames:
                    break
                inside = True
                continue
            if not inside:
                continue
            s = line.strip()
            if s in ("<TASK>", "<IRQ>", "</IRQ>", "<NMI>", "</NMI>"):
                continue
            m = FRAME.match(line)
            if not m:
                break
            frames.append((bool(m.group(1)), m.group(2), int(m.group(3), 16),
                           int(m.group(4), 16), m.group(5)))
    return frames


def crash_cpu(truth, serial):
    """The crashing CPU: truth crash.cpu, else the "CPU: N ... PID:" line of the trace."""
    if "cpu" in truth.get("crash", {}):
        return truth["crash"]["cpu"]
    cpu = None
    with open(serial, errors="replace") as f:
        for line in f:
            m = re.search(r"\bCPU: (\d+) (?:UID: \d+ )?PID: \d+", line)
            if m:
                cpu = int(m.group(1))
            if "Call Trace:" in line:
                break
    return cpu


def run(args, cmd, timeout=600):
    p = subprocess.run([args.vmregion, "mem"] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def addr_answers(args, dump, vmlinux, values):
    out = []
    values = list(values)
    for i in range(0, len(values), 500):
        cmd = [args.vmregion, "addr", "--json", dump] + [hex(v) for v in values[i:i + 500]]
        if vmlinux:
            cmd += ["-k", vmlinux]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"addr exit {p.returncode}: {p.stderr.decode().strip()}")
        out += json.loads(p.stdout)
    return dict(zip(values, out))


def check_stack(args, truth, cpu, dump, vmlinux, detail, failures, tag):
    k = ["-k", vmlinux] if vmlinux else []
    rc, out, err = run(args, ["--json", dump, "--stack", f"cpu:{cpu}"] + k)
    if rc not in (0, 1):
        failures.append(f"{tag}: --stack cpu:{cpu}: exit {rc}: {err.strip()}")
        return None
    doc = json.loads(out)
    stacks = doc.get("stacks", [])
    if not stacks:
        failures.append(f"{tag}: --stack cpu:{cpu}: no stack")
        return None
    words = [w for s in stacks for w in s["words"]]
    gaps = [g for s in stacks for g in s["gaps"]]
    if (rc == 1) != bool(gaps):
        failures.append(f"{tag}: exit {rc} with {len(gaps)} gaps")
    if gaps and not detail.get("incomplete") and detail.get("page_filter", "none") == "none":
        failures.append(f"{tag}: gaps in the stack of a complete dump: {gaps[:2]}")
    erased = bool(detail.get("erased"))

    frames = call_trace(os.path.join(args.set, "serial.log"))
    if not frames:
        failures.append(f"{tag}: no Call Trace in serial.log")
    # A trace printed by panic() itself (sysrq) has the frames of panic's
    # callees and panic's own call of them at its start: panic goes on calling
    # other functions after printing, over the same stack slots, before the
    # dump is taken.  Those may be gone; every caller of panic must be there.
    n_panic = next((i + 1 for i, f in enumerate(frames) if f[1] == "panic"), 0)
    found = missing = overwritten = 0
    for i, (unreliable, sym, off, size, mod) in enumerate(frames):
        hits = [w for w in words if "annotation" in w
                and w["annotation"].get("symbol") == sym
                and hexv(w["annotation"].get("offset", "0x0")) == off
                and hexv(w["annotation"].get("symbol_size", "0x0")) == size
                and w["annotation"].get("module") == mod]
        text = f"{'? ' if unreliable else ''}{sym}+{off:#x}/{size:#x}" + (f" [{mod}]" if mod else "")
        if not hits:
            if gaps:
                continue  # may sit on a page the file does not hold
            if i < n_panic:
                overwritten += 1
                continue
            missing += 1
            failures.append(f"{tag}: trace frame {text} not on the stack of cpu {cpu}")
            continue
        found += 1
        marks = {w.get("mark") for w in hits}
        ok = {"ret", "frame"} if (mod or not erased) else {"ret", "frame", "text"}
        if not marks & ok:
            failures.append(f"{tag}: {text} marked {marks}, want one of {ok}")
    print(f"{tag}: stack of cpu {cpu}: {len(words)} words in {len(stacks)} stack(s), "
          f"{len(gaps)} gaps; {found}/{len(frames)} trace frames annotated"
          + (f", {missing} missing" if missing else "")
          + (f", {overwritten} overwritten after panic printed them" if overwritten else ""))
    return stacks, words


def check_annotations(args, dump, vmlinux, words, failures, tag):
    """Each annotation is exactly `addr --json` (a return address's: the
    function, line and inline chain of `addr` of the byte before it, with
    its own offset); plain values are not kernel pointers."""
    annotated, plain, rets = {}, set(), {}
    for w in words:
        v = hexv(w["value"])
        if w.get("mark") in ("ret", "frame") and "annotation" in w:
            rets[v] = w["annotation"]  # a return address: named as %pB does
        elif "annotation" in w:
            annotated[v] = w["annotation"]
        elif v >> 47:  # small values are plain by construction
            plain.add(v)
    try:
        ans = addr_answers(args, dump, vmlinux,
                           sorted(set(annotated) | plain | set(rets) | {v - 1 for v in rets}))
    except RuntimeError as e:
        failures.append(f"{tag}: {e}")
        return
    bad = 0
    for v, a in rets.items():
        # the function, line and inline chain of the call (v - 1), the offset of v
        want, at = ans[v - 1], a.get("owner", {})
        got_fn = (at.get("symbol"), int(at.get("offset", "0x0"), 16) - 1, a.get("source_line"))
        want_fn = (want.get("owner", {}).get("symbol"),
                   int(want.get("owner", {}).get("offset", "0x0"), 16), want.get("source_line"))
        if want.get("owner", {}).get("symbol") is None:
            want_fn = None
            got_ok = a == ans[v]
        else:
            got_ok = got_fn == want_fn
        if not got_ok:
            bad += 1
            if bad <= 3:
                failures.append(f"{tag}: return address {v:#x} annotated {a}, "
                                f"addr of {v - 1:#x} is {want}")
    for v, a in annotated.items():
        if ans[v] != a:
            bad += 1
            if bad <= 3:
                failures.append(f"{tag}: annotation of {v:#x} differs from addr: {a} != {ans[v]}")
    for v in plain:
        if ans[v]["region"] not in PLAIN_REGIONS:
            failures.append(f"{tag}: {v:#x} left plain but is {ans[v]['region']}")
    print(f"{tag}: {len(annotated)} annotated values as `addr` says, {len(plain)} plain")


def check_pid_and_addr(args, truth, cpu, dump, stacks, failures, tag):
    pid = truth["crash"].get("pid")
    if pid is not None:
        rc, out, err = run(args, ["--json", dump, "--stack", f"pid:{pid}"])
        if rc not in (0, 1):
            failures.append(f"{tag}: --stack pid:{pid}: exit {rc}: {err.strip()}")
        else:
            got = json.loads(out)["stacks"]
            if [(s["start"], s["sp"]) for s in got] != [(s["start"], s["sp"]) for s in stacks]:
                failures.append(f"{tag}: --stack pid:{pid} differs from --stack cpu:{cpu}")
            if not any(s.get("pid") == pid for s in got):
                failures.append(f"{tag}: --stack pid:{pid}: no stack of pid {pid}")
    rc, out, err = run(args, ["--json", dump, f"cpu{cpu}:rsp", "64"])
    if rc not in (0, 1):
        failures.append(f"{tag}: cpu{cpu}:rsp: exit {rc}: {err.strip()}")
        return
    got = json.loads(out)
    want = [w for w in stacks[0]["words"]][:8]
    if got["words"][:len(want)] != want[:len(got["words"])] or got["start"] != \
            hex(hexv(stacks[0]["sp"]) & ~7):
        failures.append(f"{tag}: `mem cpu{cpu}:rsp 64` is not the start of the stack")


def check_sweep(args, truth, dump, detail, failures, tag):
    base = truth["page_offset_base"]
    rc, out, err = run(args, ["--json", "--summary=regions", dump, base, "64M"])
    if rc not in (0, 1):
        failures.append(f"{tag}: --summary=regions: exit {rc}: {err.strip()}")
        return
    fast = json.loads(out)
    s = fast["summary"]
    if s["words"] != s["zero"] + s["pointers"] + s["other"]:
        failures.append(f"{tag}: summary words do not add up: {s}")
    if s["bytes_read"] + s["gap_bytes"] != 64 << 20 or s["words"] * 8 != s["bytes_read"]:
        failures.append(f"{tag}: summary bytes do not add up: {s}")
    if sum(s["regions"].values()) != s["pointers"]:
        failures.append(f"{tag}: region counts do not add up to the pointers")
    if sum(g["size"] for g in fast["gaps"]) != s["gap_bytes"] or (rc == 1) != bool(fast["gaps"]):
        failures.append(f"{tag}: gaps {len(fast['gaps'])}, gap_bytes {s['gap_bytes']}, exit {rc}")
    # The owner sweep in text form first: on makedumpfile files that left
    # out in-use pages, libkdumpfile's page cache once handed out a NULL
    # buffer after a failed page read and this command died in kdump_read.
    rc1, out1, err1 = run(args, ["--summary", dump, base, "16M"])
    if rc1 < 0 or rc1 not in (0, 1):
        how = f"killed by signal {-rc1}" if rc1 < 0 else f"exit {rc1}"
        failures.append(f"{tag}: mem --summary {base} 16M: {how}: {err1.strip()[-300:]}")
    elif not re.search(r"^range\s+\S+\s+16 MB", out1, re.M) or "top owners" not in out1:
        failures.append(f"{tag}: mem --summary {base} 16M: no range or owner lines: "
                        f"{out1.splitlines()[-3:]}")
    else:
        print(f"{tag}: mem --summary {base} 16M: exit {rc1}")
    rc2, out2, err2 = run(args, ["--json", "--summary", dump, base, "16M"])
    rc3, out3, _ = run(args, ["--json", "--summary=regions", dump, base, "16M"])
    if rc2 not in (0, 1) or rc3 != rc2:
        failures.append(f"{tag}: --summary: exit {rc2}: {err2.strip()}")
    else:
        full, reg = json.loads(out2)["summary"], json.loads(out3)["summary"]
        if full["regions"] != reg["regions"] or not full.get("top_owners"):
            failures.append(f"{tag}: --summary and --summary=regions disagree")
    print(f"{tag}: direct map 64 MiB: {s['pointers']} pointers, {len(fast['gaps'])} gaps")

    # A range across a gap: the gap line, then the words after it.
    inner = [g for g in fast["gaps"] if g["start"] != base
             and hexv(g["end"]) < hexv(base) + (64 << 20)]
    if detail.get("page_filter", "none") == "none":
        return
    if not inner:
        failures.append(f"{tag}: filtered file without a gap in the first 64 MiB of the direct map")
        return
    g = inner[0]
    start = hexv(g["start"]) - 16
    length = hexv(g["end"]) - start + 16
    rc, out, err = run(args, [dump, hex(start), str(length)])
    lines = out.splitlines()
    gap_line = f"... 0x{hexv(g['start']):016x}-0x{hexv(g['end']):016x}: not in the dump"
    after = f"{hexv(g['end']):016x}  "
    if rc != 1 or not any(l.startswith(gap_line) for l in lines) or \
            not any(l.startswith(after) for l in lines) or not lines[0].startswith(f"{start:016x}"):
        failures.append(f"{tag}: range across the gap {g['start']}-{g['end']}: exit {rc}, "
                        f"output {lines[:4]}")
    else:
        print(f"{tag}: gap {g['start']}-{g['end']} reported, the sweep went on")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.set, "truth.json")) as f:
        truth = json.load(f)
    dump = os.path.join(args.set, args.file)
    detail = truth.get("files_detail", {}).get(args.file, {})
    failures = []
    cpu = crash_cpu(truth, os.path.join(args.set, "serial.log"))
    if cpu is None:
        print(f"{args.file}: no crash cpu in truth.json or serial.log; stack checks skipped")
    else:
        vml = truth.get("vmlinux_file")
        for vmlinux in [None] + ([os.path.normpath(os.path.join(args.set, vml))] if vml else []):
            tag = args.file + (" -k vmlinux" if vmlinux else "")
            got = check_stack(args, truth, cpu, dump, vmlinux, detail, failures, tag)
            if not got:
                continue
            stacks, words = got
            check_annotations(args, dump, vmlinux, words, failures, tag)
            if not vmlinux:
                check_pid_and_addr(args, truth, cpu, dump, stacks, failures, tag)
    check_sweep(args, truth, dump, detail, failures, args.file)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
