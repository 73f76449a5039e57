#!/usr/bin/env python3
"""Run the real gdb (batch mode) through `vmregion gdb` on corpus dumps.

For one (set, dump file), or for every truth.json under $VMR_CORPUS and
$VMR_SAMPLES when no --set is given:
- `info threads` shows one thread per CPU, labelled "CPU N";
- `info vmregion $rip` and `info vmregion $rsp + 8` on each CPU print exactly
  the lines `vmregion addr DUMP RIP RSP+8` prints;
- `x/8gx $rsp` on each CPU and `x/8gx` of the truth sample `task_stack` (a
  vmalloc address) show the words the library reads (tests/gdb/readmem.c),
  or "Cannot access memory" where the library faults;
- `monitor dmesg` prints what `vmregion dmesg` prints; `monitor info` and
  `monitor help` answer; an unknown monitor command is an error;
- `monitor triage` prints what `vmregion triage` prints (crash signature
  included);
- `info vmregion-mem $rsp 16` on each CPU prints what `vmregion mem DUMP cpuN:rsp
  128` prints, annotated lines on the crashing CPU's stack; an unmapped
  address gives a gap line and a bad one an error line, and gdb goes on;
- with the set's vmlinux: `p init_task.comm` is "swapper/0", `p jiffies`
  prints a number, `p &init_task` is the address `vmregion addr` gives.
Monitor output is on gdb's stderr, the rest on stdout: they are read apart.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

VMREGION = os.environ.get("VMREGION", "vmregion")
READMEM = os.environ.get("VMR_READMEM", "readmem")
ADDR_LINE = re.compile(r"^[0-9a-f]{16}  ")


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def truth_sets():
    roots = [os.environ.get("VMR_CORPUS", "../shared/corpus")]
    sets = sorted(glob.glob(os.path.join(roots[0], "*", "truth.json")))
    samples = os.environ.get("VMR_SAMPLES")
    if samples and os.path.exists(os.path.join(samples, "truth.json")):
        sets.append(os.path.join(samples, "truth.json"))
    return [os.path.dirname(t) for t in sets]


def words_of(lines):
    """The values of x/Ngx output lines, in order."""
    out = []
    for line in lines:
        if ":" not in line:
            continue
        for w in line.split(":", 1)[1].split():
            if w.startswith("0x"):
                out.append(int(w, 16))
    return out


def check_one(setdir, fname):
    truth = json.load(open(os.path.join(setdir, "truth.json")))
    dump = os.path.join(setdir, fname)
    vml = (truth["kernel"].get("debuginfo") or {}).get("vmlinux_file")
    vmlinux = os.path.join(setdir, vml) if vml and os.path.exists(os.path.join(setdir, vml)) else None
    kopt = ["-k", vmlinux] if vmlinux else []
    ncpus = truth.get("cpus")
    stack = next((s for s in truth.get("samples", []) if s["name"] == "task_stack"), None)
    errors = []
    name = f"{os.path.basename(setdir)}/{fname}"

    ex = ["-batch", "-ex", "info threads"]
    for cpu in range(1, ncpus + 1):
        ex += ["-ex", f"thread {cpu}", "-ex", f"echo @cpu {cpu}\\n", "-ex", "p/x $rip",
               "-ex", "info vmregion $rip", "-ex", "p/x $rsp", "-ex", "info vmregion $rsp + 8",
               "-ex", "x/8gx $rsp"]
    if stack:
        ex += ["-ex", "echo @stack\\n", "-ex", f"x/8gx {stack['addr']}"]
    if vmlinux:
        ex += ["-ex", "echo @sym\\n", "-ex", "p init_task.comm", "-ex", "p jiffies",
               "-ex", "p/x (unsigned long)&init_task"]
    ex += ["-ex", "echo @mon\\n", "-ex", "monitor help", "-ex", "monitor info",
           "-ex", "monitor dmesg", "-ex", "echo @bad\\n", "-ex", "monitor no-such-command"]
    # After the lines `info vmregion` printed (they are read by position).
    for cpu in range(1, ncpus + 1):
        ex += ["-ex", f"thread {cpu}", "-ex", "info vmregion-mem $rsp 16"]
    ex += ["-ex", "info vmregion-mem 0 4", "-ex", "monitor mem zz_no_such_symbol",
           "-ex", "monitor triage", "-ex", "echo @end\\n"]
    rc, out, err = run([VMREGION, "gdb", dump] + ([vmlinux] if vmlinux else []) + ["--"] + ex)
    lines = out.splitlines()

    # Sections of stdout by marker.
    sect, cur = {}, "head"
    for line in lines:
        if line.startswith("@"):
            cur = line[1:]
            sect[cur] = []
        else:
            sect.setdefault(cur, []).append(line)

    threads = [l for l in sect.get("head", []) if re.match(r"^\*?\s+\d+\s+Thread \d+ \(CPU \d+", l)]
    if len(threads) != ncpus:
        errors.append(f"info threads: {len(threads)} CPU threads, want {ncpus}:\n" +
                      "\n".join(sect.get("head", [])))

    rips, rsps, stack_words = [], [], {}
    for cpu in range(1, ncpus + 1):
        s = sect.get(f"cpu {cpu}", [])
        vals = [int(m.group(1), 16) for l in s for m in [re.match(r"^\$\d+ = (0x[0-9a-f]+)", l)] if m]
        if len(vals) < 2:
            errors.append(f"CPU {cpu}: no $rip/$rsp in {s}")
            continue
        rips.append(vals[0])
        rsps.append(vals[1])
        stack_words[vals[1]] = (words_of(s[2:]), s)
    if stack:
        stack_words[int(stack["addr"], 16)] = (words_of(sect.get("stack", [])), sect.get("stack", []))

    # info vmregion $rip and $rsp + 8 (an expression with blanks) ==
    # vmregion addr RIP RSP+8, line for line.
    asked = [a for r, sp in zip(rips, rsps) for a in (r, sp + 8)]
    mon = [l for l in err.splitlines() if ADDR_LINE.match(l)][:len(asked)]
    if rips:
        arc, aout, aerr = run([VMREGION, "addr", dump] + ["0x%x" % r for r in asked] + kopt)
        want = aout.splitlines()
        if mon != want:
            errors.append("info vmregion $rip differs from vmregion addr:\n  gdb:  %s\n  addr: %s"
                          % ("\n        ".join(mon), "\n        ".join(want)))

    # x/8gx == the library's read; where the library faults, gdb shows the
    # words before the fault and then "Cannot access memory at address".
    for addr, (got, raw) in stack_words.items():
        lrc, lout, lerr = run([READMEM, dump, "0x%x" % addr, "64"] + ([vmlinux] if vmlinux else []))
        want = [int(w, 16) for w in lout.splitlines() if w.startswith("0x")]
        fault = re.search(r"fault (0x[0-9a-f]+)", lout)
        if got != want:
            errors.append(f"x/8gx 0x{addr:x}: gdb {[hex(w) for w in got]} != library "
                          f"{[hex(w) for w in want]} {lerr.strip()}\n  {raw}")
        if fault and f"Cannot access memory at address {fault.group(1)}" not in err:
            errors.append(f"x/8gx 0x{addr:x}: the library faults at {fault.group(1)}; gdb did not say so")

    if vmlinux:
        s = sect.get("sym", [])
        if not any('= "swapper/0' in l for l in s):
            errors.append(f"p init_task.comm: {s}")
        if not any(re.match(r"^\$\d+ = \d+$", l) for l in s):
            errors.append(f"p jiffies: {s}")
        m = [l for l in s if re.match(r"^\$\d+ = 0x[0-9a-f]+$", l)]
        arc, aout, _ = run([VMREGION, "addr", dump, "init_task"] + kopt)
        if not m or not aout.startswith("%016x" % int(m[-1].split()[-1], 16)):
            errors.append(f"&init_task: gdb {m} vs vmregion addr {aout.strip()}")

    # monitor dmesg == vmregion dmesg (stdout; gdb prints monitor text on stderr).
    drc, dout, _ = run([VMREGION, "dmesg", dump])
    if dout and dout not in err:
        errors.append("monitor dmesg differs from vmregion dmesg")
    if "kaslr slide" not in err or "vmregion monitor commands" not in err:
        errors.append("monitor info / monitor help: no answer")
    if "Protocol error with Rcmd" not in err:
        errors.append("monitor no-such-command: not an error")

    # info vmregion-mem $rsp 16 == vmregion mem DUMP cpuN:rsp 128 of the CPU
    # whose stack it is (both mark the unwinder's frames on it).
    annotated = 0
    by_cpu = [run([VMREGION, "mem", dump, f"cpu{c}:rsp", "128"] + kopt) for c in range(ncpus)]
    for cpu, sp in enumerate(rsps):
        mine = [r for r in by_cpu if r[1].startswith("%016x  " % (sp & ~7))]
        mrc, mout, merr = mine[0] if mine else (2, "", f"no CPU's rsp is 0x{sp:x}\n")
        if mrc == 2 or not mout or mout not in err:
            errors.append(f"info vmregion-mem $rsp on thread {cpu + 1}: not what vmregion mem "
                          f"prints:\n{mout}{merr}")
        annotated += len(re.findall(r"^[0-9a-f]{16}  [0-9a-f]{16}  .*(vmalloc|kernel-image|modules|"
                                    r"direct-map|cpu-entry-area) ", mout, re.M))
    if rsps and not annotated:
        errors.append("info vmregion-mem $rsp: no annotated word on any CPU's stack")
    if rsps and "  frame  " not in err:
        errors.append("info vmregion-mem $rsp: no unwound frame marked on any CPU's stack")
    if "\n... 0x0000000000000000-0x0000000000000020: not mapped" not in err:
        errors.append("info vmregion-mem 0 4: no gap line")
    if "vmregion: zz_no_such_symbol: " not in err:
        errors.append("monitor mem zz_no_such_symbol: no error line")
    if "end" not in sect:
        errors.append("gdb stopped before the end of the commands")
    # monitor triage == vmregion triage, from the line after `kernel` (the
    # first two name the dump and vmlinux files as they were given).
    trc, tout, terr = run([VMREGION, "triage", dump] + kopt)
    sig = [l for l in tout.splitlines() if l.startswith("signature  ")]
    if tout.count("\n") < 3 or tout.split("\n", 2)[2] not in err:
        errors.append("monitor triage differs from vmregion triage:\n" + tout)
    elif sig and sig[0] not in err:
        errors.append(f"monitor triage: no {sig[0]!r}")
    if "Remote connection closed" in err or "internal-error" in err:
        errors.append("gdb lost the connection:\n" + err[-2000:])

    print(f"{name}: {ncpus} CPUs, rip {[hex(r) for r in rips]}, "
          f"{'with' if vmlinux else 'without'} vmlinux: {'ok' if not errors else 'FAILED'}")
    for e in errors:
        print(f"  {name}: {e}")
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set")
    ap.add_argument("--file")
    a = ap.parse_args()
    jobs = []
    if a.set:
        jobs.append((a.set, a.file))
    else:
        for setdir in truth_sets():
            truth = json.load(open(os.path.join(setdir, "truth.json")))
            for f in truth["files"]:
                if os.path.exists(os.path.join(setdir, f)):
                    jobs.append((setdir, f))
    ok = all([check_one(s, f) for s, f in jobs])
    if not jobs:
        print("no dumps found")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
