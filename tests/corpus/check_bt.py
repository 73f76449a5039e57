#!/usr/bin/env python3
"""Each CPU's ORC backtrace from its registers (tests/tools/vmr-bt) against
the kernel's own Call Trace (serial.log) and crash's `bt -a` (peers/).

  check_bt.py --tool VMR_BT --set SETDIR --file DUMP

Checks, for every CPU of the dump, without and (when the set names one)
with its vmlinux, and without the .orc_lookup fast path (--no-lookup):
  - the walk ends cleanly (user mode or END_OF_STACK) with every frame
    reliable (ORC data for each step), and all runs give the same frames;
  - the vmlinux table has its fast lookup (the kernel's .orc_lookup from
    memory, or one built from the entries);
  - the CPU that crashed: the Call Trace the first kernel printed (its last
    one; entries marked `?` are stack-scan leftovers and are dropped) is the
    tail of our function sequence, up to at most two leading entries that
    belong to the printing path (dump_stack_lvl: the dump's registers were
    saved later, in panic()'s wait loop); an oops's `RIP: 0010:func` is the
    frame right below the first Call Trace entry;
  - crash's `bt -a` (when it has frames for that CPU): our sequence, from
    the first function crash also lists (crash starts a panicked task at
    panic(), the dump's registers are later, e.g. in delay_tsc), is a
    subsequence of crash's.  crash 8.0.2 lists more: it scans the stack, so
    it keeps stale return addresses the kernel prints with `?` (e.g.
    do_user_addr_fault, exit_to_user_mode_prepare, syscall_exit_to_user_mode
    below do_syscall_64; __kmem_cache_free, alloc_fd, f_dupfd in
    debian-6.1-novmcoreinfo) and, for a CPU stopped by the kdump NMI, the
    NMI handler frames it finds on the NMI stack (crash_nmi_callback,
    default_do_nmi, exc_nmi, end_repeat_nmi), which the dump's registers
    (the interrupted context) do not include.  The kernel's unwinder agrees
    with ours on every such frame (it marks crash's extra ones `?`), so ours
    is right.  Differences are printed, not failed.
Nothing here names a particular dump.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from corpustext import (call_traces, crash_bt, is_subsequence, printing_path_drops,
                        reliable_functions)

FRAME = re.compile(r"^#(\d+) ([0-9a-f]{16}) (\w+) (\S+) (reliable|unreliable) (.*)$")


def func(sym):
    """name of 'name+0x1/0x2 [mod]'"""
    return sym.split("+")[0].split()[0] if sym and sym != "?" else "?"


def run_tool(tool, dump, vmlinux, extra=()):
    cmd = [tool, dump] + (["-k", vmlinux] if vmlinux else []) + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if p.returncode:
        raise SystemExit(f"FAIL: {' '.join(cmd)}: rc {p.returncode}: {p.stderr.strip()}")
    cpus, cur = {}, None
    for line in p.stdout.splitlines():
        if line.startswith("cpu "):
            cur = int(line.split()[1])
            cpus[cur] = {"frames": [], "end": None, "head": line}
        elif line.startswith("#"):
            m = FRAME.match(line)
            if not m:
                raise SystemExit(f"FAIL: unparsable line {line!r}")
            cpus[cur]["frames"].append({"ip": m.group(2), "kind": m.group(3), "stack": m.group(4),
                                        "reliable": m.group(5) == "reliable", "sym": m.group(6)})
        elif line.startswith("end "):
            cpus[cur]["end"] = line
    return cpus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    a = ap.parse_args()
    truth = json.load(open(os.path.join(a.set, "truth.json")))
    dump = os.path.join(a.set, a.file)
    vmlinux = truth.get("vmlinux_file")
    vmlinux = os.path.normpath(os.path.join(a.set, vmlinux)) if vmlinux else None
    runs = {"memory": run_tool(a.tool, dump, None),
            "no fast lookup": run_tool(a.tool, dump, None, ["--no-lookup"])}
    if vmlinux and os.path.exists(vmlinux):
        runs["vmlinux"] = run_tool(a.tool, dump, vmlinux)
    fails = []
    ours = runs["memory"]
    for how, cpus in runs.items():
        for cpu, c in sorted(cpus.items()):
            if not c["end"] or not c["end"].startswith("end clean"):
                fails.append(f"{how} cpu {cpu}: {c['end']}")
            bad = [f["ip"] for f in c["frames"] if not f["reliable"]]
            if bad:
                fails.append(f"{how} cpu {cpu}: unreliable frames {bad}")
            if how != "memory" and [f["ip"] for f in c["frames"]] != \
                    [f["ip"] for f in ours.get(cpu, {"frames": []})["frames"]]:
                fails.append(f"cpu {cpu}: frames differ between {how} and memory")
    lookup = re.search(r" lookup (.*)$", next(iter(ours.values()))["head"]) if ours else None
    print(f"vmlinux fast lookup: {lookup.group(1) if lookup else '?'}")
    frame_pointers = bool(ours) and "frame pointers" in next(iter(ours.values()))["head"]
    if frame_pointers:
        print("no ORC in this kernel: frame pointers (no lookup to check)")
    elif not lookup or not lookup.group(1).startswith((".orc_lookup", "built")):
        fails.append(f"no .orc_lookup fast path: {lookup.group(1) if lookup else 'not printed'}")

    def seq(cpu):
        return [func(f["sym"]) for f in ours[cpu]["frames"] if f["stack"] != "user"]

    for cpu in sorted(ours):
        print(f"cpu {cpu}: " + " ".join(seq(cpu)) + f"  [{ours[cpu]['end']}]")

    traces = call_traces(os.path.join(a.set, "serial.log"))
    last = traces[-1] if traces else None
    kcpu, ktrace, krip = (last.cpu, reliable_functions(last), last.rip) if last else (None, [], None)
    if kcpu is None:
        kcpu = truth.get("crash", {}).get("cpu")
    if ktrace and kcpu in ours:
        o = seq(kcpu)
        ok = False
        for drop in range(0, min(printing_path_drops(ktrace) + 1, len(ktrace))):
            tail = ktrace[drop:]
            if len(o) >= len(tail) and o[len(o) - len(tail):] == tail:
                ok = True
                if krip and drop == 0:
                    below = o[len(o) - len(tail) - 1] if len(o) > len(tail) else None
                    if below != krip:
                        fails.append(f"cpu {kcpu}: oops RIP {krip} is not below the trace ({below})")
                break
        print(f"kernel Call Trace (cpu {kcpu}): " + " ".join(ktrace) + (f"  RIP {krip}" if krip else ""))
        if not ok:
            fails.append(f"cpu {kcpu}: kernel Call Trace is not the tail of ours")
    elif not ktrace:
        print("no kernel Call Trace in serial.log")

    for cpu, frames in sorted((crash_bt(os.path.join(a.set, "peers"), a.file) or {}).items()):
        if not frames or cpu not in ours:
            print(f"crash cpu {cpu}: no frames (crash could not unwind it)")
            continue
        o = seq(cpu)
        # crash starts the panic task at panic() (its saved context), the
        # dump's registers later (panic()'s wait loop): compare from the first
        # function both know
        while o and o[0] not in frames:
            o = o[1:]
        extra = [f for f in frames if f not in o]
        print(f"crash cpu {cpu}: " + " ".join(frames))
        if extra:
            print(f"  crash only (stale or NMI-handler frames, see the header): {' '.join(extra)}")
        if not is_subsequence(o, frames):
            fails.append(f"cpu {cpu}: ours is not a subsequence of crash's bt")

    for f in fails:
        print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
