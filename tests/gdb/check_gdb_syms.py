#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gdb names kernel and module functions from the dump alone: the symbol
files `vmregion gdb` writes from the in-memory kallsyms and each module's
mod->kallsyms (plugin/symfile.c).

  check_gdb_syms.py --set SETDIR --file DUMP [--dbg-root DIR]

Without a vmlinux, `vmregion gdb DUMP -- -batch -ex 'thread apply all bt'
-ex 'info symbol $pc'`:
- every CPU's physical frames (kernel pcs) carry the pcs and the function
  names of the library's walk (`vmregion triage --json` "backtraces",
  kallsyms names) and no kernel frame is `??`;
- `info symbol $pc` names the stop thread's function (+ offset).
When the library's walk of the crashing CPU has module frames, each is named
the same in gdb without and (if at hand, as in check_gdb_bt.py) with the
vmlinux, which gives gdb only the kernel's symbols.
A dump whose kallsyms the library cannot read (no SYMBOL(kallsyms_*) in
VMCOREINFO) must say so on stderr and leave kernel frames unnamed.
Nothing here names a particular dump.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_gdb_bt import find_vmlinux, gdb_threads, run  # noqa: E402

VMREGION = os.environ.get("VMREGION", "vmregion")
INFO_SYMBOL = re.compile(r"^(\S+)(?: \+ (\d+))? in section \S+(?: (\[\S+\]))?")
GDB_CMDS = ["-batch", "-ex", "thread apply all bt", "-ex", "info symbol $pc"]

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def gdb_name(name):
    """gdb 13 prints some minimal symbols NAME.cold as NAME[cold]."""
    return re.sub(r"\[(\w+)\]$", r".\1", name) if name else name


def kernel_frames(frames, lips):
    """gdb's physical frames down to the first user-mode or 0x0 pc."""
    if frames and frames[0][0] is None and lips:
        frames[0][0] = lips[0]  # frame 0 at a line's start prints no pc
    out = []
    for pc, names in frames:
        if pc is None or pc < (1 << 63):
            break
        out.append((pc, names[-1]))
    return out


def gdb_session(dump, vmlinux=None, more=()):
    cmd = [VMREGION, "gdb", dump] + ([vmlinux] if vmlinux else []) + ["--"] + GDB_CMDS
    for pc in more:
        cmd += ["-ex", f"info symbol {pc:#x}"]
    rc, out, err = run(cmd)
    check(rc == 0, f"vmregion gdb {'with' if vmlinux else 'without'} vmlinux: exit {rc}: "
          f"{err.strip()[-500:]}")
    check("internal-error" not in err and "Remote connection closed" not in err,
          f"gdb failed: {err[-1000:]}")
    return out, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--dbg-root", default=os.environ.get("VMR_DBG_ROOT"))
    a = ap.parse_args()
    truth = json.load(open(os.path.join(a.set, "truth.json")))
    dump = os.path.join(a.set, a.file)
    tag = f"{os.path.basename(a.set)}/{a.file}"

    rc, tout, terr = run([VMREGION, "triage", "--json", dump])
    check(rc in (0, 1), f"triage exit {rc}: {terr.strip()}")
    tri = json.loads(tout) if tout else {}
    lib = {b["cpu"]: [f for f in b.get("frames", []) if not f.get("user")]
           for b in tri.get("backtraces", [])}
    named = any(f.get("function") for fs in lib.values() for f in fs)

    crash_cpu = tri.get("cpu")
    mods = [(int(f["ip"], 16), f["function"], f["module"], i)
            for i, f in enumerate(lib.get(crash_cpu, [])) if f.get("module") and f.get("function")]
    # info symbol of a return address (every frame but the first) asks for
    # the call's last byte: a noreturn call at a function's very end
    # returns to the next function's first byte.
    out, err = gdb_session(dump, more=[pc - 1 if i else pc for pc, _, _, i in mods])
    threads = gdb_threads(out)
    check(sorted(threads) == sorted(lib), f"gdb threads {sorted(threads)}, library CPUs "
          f"{sorted(lib)}")
    if not named:
        check("no kernel symbols" in err, "the library names no frame, and vmregion gdb "
              f"does not say why: {err.strip()[-300:]}")
        print(f"{tag}: no kallsyms in the dump: {err.strip().splitlines()[:3]}")
        return 1 if failures else 0
    total = 0
    for cpu in sorted(threads):
        lf = lib.get(cpu, [])
        lips = [int(f["ip"], 16) for f in lf]
        gf = kernel_frames(threads[cpu], lips)
        check([pc for pc, _ in gf] == lips, f"cpu {cpu}: gdb pcs {[hex(p) for p, _ in gf]} != "
              f"library {[hex(p) for p in lips]}")
        gnames = [gdb_name(n) for _, n in gf]
        lnames = [f.get("function", "??") for f in lf]
        print(f"cpu {cpu}: gdb     {' '.join(gnames)}")
        for (pc, g), f in zip(gf, lf):
            total += 1
            want = f.get("function")
            g = gdb_name(g)
            check(g != "??", f"cpu {cpu}: gdb names {hex(pc)} ??, library {want}")
            check(g == want, f"cpu {cpu}: gdb names {hex(pc)} {g}, library {want}")
        if gnames != lnames:
            print(f"cpu {cpu}: library {' '.join(lnames)}")

    # info symbol $pc: the stop thread's frame 0.
    syms = [INFO_SYMBOL.match(line) for line in out.splitlines()]
    syms = [m for m in syms if m]
    check(len(syms) == 1 + len(mods), f"info symbol: {len(syms)} answers for {1 + len(mods)} "
          "addresses")
    tops = {lib[c][0].get("function") for c in lib if lib[c]}
    if syms:
        check(syms[0].group(1) in tops, f"info symbol $pc names {syms[0].group(1)}, not the top "
              f"function of a CPU ({sorted(t for t in tops if t)})")
        print(f"info symbol $pc: {syms[0].group(0)}")

    # Module frames, without and with the vmlinux; info symbol names the
    # module in the section.
    if not mods:
        print(f"{tag}: {total} frames; no module frame; "
              + ("ok" if not failures else f"{len(failures)} failure(s)"))
        return 1 if failures else 0
    print(f"module frames: {', '.join(f'{n} [{m}]' for _, n, m, _ in mods)}")
    gpcs = dict(kernel_frames(threads.get(crash_cpu, []), []))
    for (pc, name, mod, _), m in zip(mods, syms[1:]):
        check(m.group(1) == name and m.group(3) == f"[{mod}]",
              f"info symbol {pc:#x}: {m.group(0)}, want {name} in section .text [{mod}]")
    for pc, name, mod, _ in mods:
        check(gdb_name(gpcs.get(pc)) == name, f"without vmlinux: gdb names {hex(pc)} {gpcs.get(pc)}, "
              f"want {name} [{mod}]")
    vmlinux, why = find_vmlinux(a.set, truth, a.dbg_root)
    if not vmlinux:
        print(f"with vmlinux: not checked, no matching vmlinux ({why})")
    else:
        out, err = gdb_session(dump, vmlinux)
        vthreads = gdb_threads(out)
        lips = [int(f["ip"], 16) for f in lib.get(crash_cpu, [])]
        vpcs = dict(kernel_frames(vthreads.get(crash_cpu, []), lips))
        for pc, name, mod, _ in mods:
            check(gdb_name(vpcs.get(pc)) == name, f"with vmlinux: gdb names {hex(pc)} {vpcs.get(pc)}, "
                  f"want {name} [{mod}]")
        print(f"with {os.path.basename(vmlinux)}: module frames named")
    print(f"{tag}: {total} frames; " + ("ok" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
