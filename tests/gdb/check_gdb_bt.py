#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gdb's backtraces through `vmregion gdb` (JIT reader vmregion-gdb.so, the
library's ORC unwinder) against the library, the kernel and crash.

  check_gdb_bt.py --set SETDIR --file DUMP [--dbg-root DIR]

Runs `vmregion gdb DUMP VMLINUX -- -batch -ex 'thread apply all bt'` for a
dump whose vmlinux is at hand: the set's `vmlinux_file` (the custom kernel's
.zst in the corpus, always there), else the Debian -dbg package's vmlinux
under --dbg-root (VMR_DBG_ROOT; the package's own path, e.g.
usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64).  Without one the test is
skipped (exit 77) with the reason printed.  For each CPU (gdb thread
"CPU N"):
- gdb's physical frames (frame #0 and every "0x... in" line; inlined callers
  belong to the frame above them) down to the first user-mode or 0x0 pc have
  exactly the pcs of the library's walk (`vmregion triage --json`
  "backtraces");
- the function sequence of those frames (the kernel's symbol names, as the
  library and crash give them) against crash's `bt -a` in peers/: from the
  first function crash also lists, ours is a subsequence of crash's.  crash
  8.0.2 adds frames: stale return addresses its stack scan keeps (the kernel
  prints them with "?"), and for a CPU the kdump NMI stopped, the NMI
  handler frames (the dump's registers are the interrupted context); gdb's
  frames above crash's first (delay_tsc: the dump's registers were saved in
  panic()'s wait loop, after crash's starting point) are printed.  crash
  8.0.2 cannot unwind 6.12 (no frames in peers/): said, not failed;
- the crashing CPU's sequence holds serial.log's Call Trace (reliable
  entries, up to two printing-path entries at its top dropped);
- gdb's own names (DWARF) are printed where they differ from the kernel's
  symbol (inlined callers, an entry label inside a larger symbol).
Differences and who is right: docs/comparison.md, "Backtraces".
Nothing here names a particular dump.
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
from corpustext import crash_bt, find_vmlinux, first_trace, is_subsequence, reliable_functions  # noqa: E402,E501

VMREGION = os.environ.get("VMREGION", "vmregion")
THREAD = re.compile(r"^Thread \d+ \(Thread \d+ \(CPU (\d+)")
GDB_FRAME = re.compile(r"^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(\S+?) \(")
SKIP = 77

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(cmd, timeout=540):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def gdb_threads(out):
    """{cpu: [(pc or None, gdb name), ...] physical frames}."""
    threads, cur = {}, None
    for line in out.splitlines():
        m = THREAD.match(line)
        if m:
            cur = int(m.group(1))
            threads[cur] = []
            continue
        m = GDB_FRAME.match(line)
        if m and cur is not None:
            n, pc, name = int(m.group(1)), m.group(2), m.group(3)
            if n == 0 or pc:
                threads[cur].append([int(pc, 16) if pc else None, [name]])
            elif threads[cur]:
                threads[cur][-1][1].append(name)  # an inlined caller: same frame
    return threads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--dbg-root", default=os.environ.get("VMR_DBG_ROOT"))
    a = ap.parse_args()
    truth = json.load(open(os.path.join(a.set, "truth.json")))
    dump = os.path.join(a.set, a.file)
    tag = f"{os.path.basename(a.set)}/{a.file}"
    vmlinux, why = find_vmlinux(a.set, truth, a.dbg_root)
    if not vmlinux:
        print(f"SKIP {tag}: no matching vmlinux: {why}")
        return SKIP

    rc, out, err = run([VMREGION, "gdb", dump, vmlinux, "--", "-batch", "-ex", "thread apply all bt"])
    check(rc == 0, f"vmregion gdb exit {rc}: {err.strip()[-500:]}")
    check("internal-error" not in err and "Remote connection closed" not in err,
          f"gdb failed: {err[-1000:]}")
    threads = gdb_threads(out)
    rc, tout, terr = run([VMREGION, "triage", "--json", dump, "-k", vmlinux])
    check(rc in (0, 1), f"triage exit {rc}: {terr.strip()}")
    tri = json.loads(tout) if tout else {}
    lib = {b["cpu"]: b for b in tri.get("backtraces", [])}
    ncpus = truth.get("cpus", len(lib))
    check(sorted(threads) == list(range(ncpus)), f"gdb threads {sorted(threads)}, want {ncpus} CPUs")
    crash = crash_bt(os.path.join(a.set, "peers"), a.file)
    crash_cpu = tri.get("cpu", truth.get("crash", {}).get("cpu"))
    ktrace = reliable_functions(first_trace(os.path.join(a.set, "serial.log")))

    for cpu in sorted(threads):
        frames = threads[cpu]
        lf = [f for f in lib.get(cpu, {}).get("frames", []) if not f.get("user")]
        lips = [int(f["ip"], 16) for f in lf]
        # gdb's frame 0 prints no pc when it is at a line's start: the CPU's ip
        if frames and frames[0][0] is None and lips:
            frames[0][0] = lips[0]
        gpcs = []
        for pc, _ in frames:
            if pc is None or pc < (1 << 63):
                break  # user mode, or the 0x0 end of the stack
            gpcs.append(pc)
        check(gpcs == lips, f"cpu {cpu}: gdb pcs {[hex(p) for p in gpcs]} != library "
              f"{[hex(p) for p in lips]}")
        names = [f.get("function", "?") for f in lf]
        print(f"cpu {cpu}: {' '.join(names)}")
        for (pc, gnames), f in zip(frames, lf):
            if gnames[-1] != f.get("function", "?"):
                print(f"  gdb names {hex(pc)} {' < '.join(gnames)}; the kernel's symbol is "
                      f"{f.get('function', '?')}")
        if crash is None:
            print(f"  crash: no bt -a output in peers/")
        elif not crash.get(cpu):
            print(f"  crash: no frames for cpu {cpu} (crash 8.0.2 could not unwind it)")
        else:
            cf = crash[cpu]
            o = list(names)
            above = []
            while o and o[0] not in cf:
                above.append(o.pop(0))
            print(f"  crash: {' '.join(cf)}")
            if above:
                print(f"  above crash's first frame (the dump's registers are later): {' '.join(above)}")
            extra = [f for f in cf if f not in o]
            if extra:
                print(f"  crash only (its starting point, stale stack-scan or NMI-handler frames): {' '.join(extra)}")
            check(bool(o) and is_subsequence(o, cf), f"cpu {cpu}: gdb's sequence {o} is not a "
                  f"subsequence of crash's {cf}")
        if cpu == crash_cpu and ktrace:
            drop = next((d for d in range(0, min(3, len(ktrace))) if is_subsequence(ktrace[d:], names)),
                        None)
            check(drop is not None, f"cpu {cpu}: gdb's sequence does not hold serial.log's trace {ktrace}")
            if drop:
                print(f"  serial.log printing path, returned before the dump: {' '.join(ktrace[:drop])}")
    print(f"{tag}: {len(threads)} CPUs with {os.path.basename(vmlinux)}: "
          + ("ok" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
