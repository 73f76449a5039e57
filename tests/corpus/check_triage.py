#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vmregion triage and oops against a corpus set.

--set DIR --file F: `vmregion triage --json` on the dump names truth.json's
crash.reason, crash.cpu, crash.pid, crash.comm, and the top frames of the
crash's call trace in serial.log; its "backtraces" (the ORC unwinder from
each CPU's registers) end cleanly and the crashing CPU's holds serial.log's
call trace (see check_backtraces for the known differences), with source
lines under -k when the set names its vmlinux; `vmregion oops -c DUMP serial.log` (text
and JSON) runs, echoes every line and annotates the crash RIP and frames.

--signatures DIR...: the signatures of the first dump of every set: equal
for sets of one kernel and one crash (same release, crash kind, and faulting
function, else reason; whatever the KASLR slide and however the crash
ended), different for different crashes of one kernel.
Nothing here names a particular dump.
"""
import argparse
import json
import re
import subprocess
import sys

from corpustext import (call_traces, console_lines, find_vmlinux, is_subsequence,
                        printing_path_drops)


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)
    return p.returncode, p.stdout, p.stderr


def serial_frames(setdir, truth):
    """(function, reliable) of the crash's call trace in serial.log: the
    first trace after the line that starts the crash report."""
    lines = console_lines(f"{setdir}/serial.log")
    crash = truth["crash"]
    first = (crash.get("oops_lines") or [crash["reason"]])[0]
    if crash.get("kind") in ("oops", "bug"):
        starts = [i for i, l in enumerate(lines) if l.startswith("BUG:") or
                  l.startswith("kernel BUG at") or "general protection fault" in l]
    else:
        starts = [i for i, l in enumerate(lines) if l.strip() == first.strip()]
    if not starts:
        return None
    trace = next((t for t in call_traces(None, lines) if t.start > starts[0]), None)
    return [(f.func, f.reliable) for f in trace.frames] if trace else []


def check_backtraces(t, want, crash):
    """The ORC backtrace of the crashing CPU (triage's "backtraces") holds the
    reliable function sequence of serial.log's Call Trace, in order.  Known
    differences, allowed and printed: entries at the top of the log's trace
    that are its printing path (up to two, or the stack printers it starts
    with: show_stack, dump_stack_lvl ..., called by panic(), returned before
    the dump was taken); the unwinder has frames above the
    trace (the dump's registers were saved later: panic()'s wait loop,
    delay_tsc; and an oops's exception path, which the kernel leaves out
    since it prints from the faulting pt_regs), and the interrupted function
    of every pt_regs frame (the kernel prints it as a "RIP:" line).  Every
    CPU's walk ends cleanly; the crashing CPU's log_check agrees.
    """
    bts = {b["cpu"]: b for b in t.get("backtraces", [])}
    check(bool(bts), f"no backtraces: {t.get('backtraces_error')}")
    for cpu, b in sorted(bts.items()):
        check("frames" in b and b.get("end_clean"), f"cpu {cpu}: backtrace {b.get('error') or b.get('end')}")
    cpu = t.get("cpu", crash.get("cpu"))
    if not want or cpu not in bts:
        print(f"backtraces: {len(bts)} CPUs, no log trace to compare")
        return
    names = [f.get("function", "?") for f in bts[cpu].get("frames", []) if not f.get("user")]
    log = [n for n, reliable in want if reliable]
    drop = next((d for d in range(0, min(printing_path_drops(log) + 1, len(log) + 1))
                 if is_subsequence(log[d:], names)), None)
    check(drop is not None and len(log) - (drop or 0) > 0,
          f"cpu {cpu}: unwound {names} does not hold serial.log's trace {log}")
    if drop:
        print(f"cpu {cpu}: printing path at the top of the log's trace, gone from the stack: {log[:drop]}")
    lc = bts[cpu].get("log_check", {})
    check(lc.get("agrees") is True, f"cpu {cpu}: triage says the unwinder differs: {lc}")
    print(f"cpu {cpu}: unwound {' '.join(names)}")
    print(f"cpu {cpu}: log     {' '.join(log)}")


def check_set(args):
    setdir = args.set
    truth = json.load(open(f"{setdir}/truth.json"))
    crash = truth["crash"]
    dump = f"{setdir}/{args.file}"
    rc, out, err = run([args.vmregion, "triage", "--json", dump])
    check(rc in (0, 1), f"triage exit {rc}: {err.strip()}")
    t = json.loads(out)
    check(t.get("reason") == crash["reason"], f"reason {t.get('reason')!r} != {crash['reason']!r}")
    for key in ("cpu", "pid", "comm"):
        if key in crash:
            check(t.get(key) == crash[key], f"{key} {t.get(key)!r} != {crash[key]!r}")
    if "rip" in crash:
        rip = t.get("crash", {}).get("rip", {})
        text = f"{rip.get('function')}+{rip.get('offset')}"
        check(crash["rip"].startswith(f"{rip.get('function')}+{int(rip.get('offset', '0'), 16):#x}"),
              f"rip {text} != {crash['rip']}")
    want = serial_frames(setdir, truth)
    got = [(f["location"].get("function"), f["reliable"])
           for f in t.get("crash", {}).get("call_trace", [])]
    if want is not None:
        n = min(len(want), 8)
        check(n > 0 and got[:n] == want[:n], f"top frames {got[:n]} != serial.log {want[:n]}")
    check_backtraces(t, want, crash)
    sig = t.get("signature", {})
    check(bool(sig.get("hash")) and bool(sig.get("frames")), f"no signature: {sig}")
    # Reliable frames only, no addresses or offsets in the signature.
    for name in sig.get("frames", []):
        check("+" not in name and not name.startswith("0x"), f"signature frame {name!r}")
    # With the set's vmlinux (the corpus's, or the Debian -dbg one): frames
    # carry source lines, as paths in the kernel tree (an assembly unit's
    # absolute build path is made relative too).
    vml, _ = find_vmlinux(setdir, truth)
    if vml:
        rc, out, err = run([args.vmregion, "triage", "--json", dump, "-k", vml])
        check(rc in (0, 1), f"triage -k exit {rc}: {err.strip()}")
        frames = [f for b in json.loads(out).get("backtraces", []) for f in b.get("frames", [])
                  if "function" in f]
        check(frames and all("source_line" in f for f in frames if not f.get("module")),
              f"triage -k: kernel frames without source lines")
        files = {f["source_line"]["file"] for f in frames if "source_line" in f}
        check(files and not any(p.startswith("/") for p in files),
              f"triage -k: source paths outside the tree form: "
              f"{sorted(p for p in files if p.startswith('/'))[:3]}")
    # Text output: one screen with the facts.
    rc, out, err = run([args.vmregion, "triage", dump])
    check(rc in (0, 1) and crash["reason"] in out and "signature" in out,
          f"triage text (exit {rc}): {err.strip()}")

    # oops on the set's serial.log with the dump.
    serial = f"{setdir}/serial.log"
    nlines = sum(1 for _ in open(serial, "rb"))
    rc, out, err = run([args.vmregion, "oops", "-c", dump, serial])
    check(rc in (0, 1), f"oops exit {rc}: {err.strip()}")
    check(out.count("\n") >= nlines, f"oops printed {out.count(chr(10))} lines for {nlines}")
    if want:
        fn = want[0][0]
        hit = [l for l in out.splitlines() if re.search(rf"\b{re.escape(fn)}\+0x", l)]
        check(any(re.search(r"  [0-9a-f]{16}", l) for l in hit),
              f"oops: frame {fn} not annotated with an address")
    rc, out, err = run([args.vmregion, "oops", "--json", "-c", dump, serial])
    check(rc in (0, 1), f"oops --json exit {rc}: {err.strip()}")
    o = json.loads(out)
    check(o.get("reports") and o.get("signature", {}).get("hash") == sig.get("hash"),
          "oops --json: signature of the console differs from the dump's log")
    # Without a dump: runs, marks what it cannot know.
    rc, out, err = run([args.vmregion, "oops", serial])
    check(rc == 0 and out.count("\n") >= nlines, f"oops without a dump: exit {rc} {err.strip()}")


def check_signatures(args):
    sets = []
    for setdir in args.signatures:
        if not __import__("os").path.exists(f"{setdir}/truth.json"):
            continue
        truth = json.load(open(f"{setdir}/truth.json"))
        dump = next((f for f in truth["files"] if __import__("os").path.exists(f"{setdir}/{f}")), None)
        if not dump:
            continue
        rc, out, err = run([args.vmregion, "triage", "--json", f"{setdir}/{dump}"])
        check(rc in (0, 1), f"{setdir}: triage exit {rc}")
        t = json.loads(out)
        c = truth["crash"]
        # One crash: the faulting function when the truth has it (the same
        # BUG() reads "kernel BUG at ..." when kdump takes it, "Fatal
        # exception" when it panics), else the reason line.
        rip = re.sub(r"\+0x[0-9a-f]+/0x[0-9a-f]+", "", c.get("rip") or "")
        key = (truth["kernel"]["release"], c.get("kind"), rip or c.get("reason"))
        sets.append((setdir, key, t["signature"]["hash"], truth.get("kaslr_offset")))
        print(f"{setdir}: {t['signature']['title']} [{t['signature']['hash']}]"
              f" slide {truth.get('kaslr_offset')}")
    pairs = 0
    for i, (d1, k1, h1, s1) in enumerate(sets):
        for d2, k2, h2, s2 in sets[i + 1:]:
            if k1 == k2:
                pairs += 1
                check(h1 == h2, f"same crash, different signatures: {d1} {d2}")
            elif k1[0] == k2[0] and (k1[1], k1[2]) != (k2[1], k2[2]):
                pairs += 1
                check(h1 != h2, f"different crashes, same signature: {d1} {d2}")
    check(pairs > 0, "no pair of sets to compare")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set")
    ap.add_argument("--file")
    ap.add_argument("--signatures", nargs="*")
    args = ap.parse_args()
    if args.signatures:
        check_signatures(args)
    else:
        check_set(args)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
