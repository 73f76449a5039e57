#!/usr/bin/env python3
"""Source lines of module frames from the module's own .ko (`-m`).

For every corpus set that keeps the .ko of a module its console trace
names (e.g. the truth module), `vmregion oops -m SETDIR serial.log` and
`vmregion triage DUMP -m SETDIR` must give each frame of that module a
file:line from the .ko's DWARF.  Where the module's source is in the
corpus (build/truth-module/), the line of an oops RIP must be the store
the report says faulted (a NULL write: the line assigns through a
pointer).  Without -m the frame says how to get the line; with a .ko of
another build of the module the line is refused or still inside the
function (never a crash).

  check_module_lines.py --vmregion VMREGION --corpus CORPUS
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

from corpustext import first_trace

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)
    return p.returncode, p.stdout, p.stderr


def m_is_truth(kos):
    return "vmr_truth" in kos


def enclosing_function(src, line):
    """Name of the C function whose body holds 1-based @line (the nearest
    definition above it: a line at column 0 naming `name(`)."""
    for i in range(line - 1, -1, -1):
        m = re.match(r"^[a-zA-Z_][\w\s\*]*?\b(\w+)\(", src[i])
        if m and not src[i].rstrip().endswith(";"):
            return m.group(1)
    return None


def check_inline_chains(name, vmregion, setdir, serial, src):
    """Check every module frame's inline chain in `oops -m --json`; return
    how many chains were checked."""
    rc, out, _ = run([vmregion, "oops", "-m", setdir, serial, "--json"])
    try:
        rep = json.loads(out)["reports"]
    except (ValueError, KeyError):
        check(False, f"{name}: oops -m --json parses")
        return 0
    n = 0
    for r in rep:
        for fr in r.get("call_trace", []):
            loc = fr.get("location", {})
            sl = loc.get("source_line", {})
            if loc.get("module") != "vmr_truth" or not sl.get("inlined"):
                continue
            n += 1
            inner = enclosing_function(src, sl["line"])
            for caller in sl["inlined"]:
                text = src[caller["line"] - 1] if 0 < caller["line"] <= len(src) else ""
                check(inner is not None and re.search(r"\b%s\(" % re.escape(inner), text),
                      f"{name}: {loc['function']}: line {caller['line']} of {caller['function']} "
                      f"calls the inlined {inner}: {text.strip()!r}")
                check(enclosing_function(src, caller["line"]) == caller["function"],
                      f"{name}: line {caller['line']} lies in {caller['function']}")
                inner = caller["function"]
            check(inner == loc["function"],
                  f"{name}: the chain of {loc['function']}+{loc['offset']} ends in it")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    checked = chains = 0
    for truth_path in sorted(glob.glob(os.path.join(a.corpus, "*", "truth.json"))):
        setdir = os.path.dirname(truth_path)
        name = os.path.basename(setdir)
        serial = os.path.join(setdir, "serial.log")
        trace = first_trace(serial) if os.path.exists(serial) else None
        mods = sorted({f.module for f in (trace.frames if trace else []) if f.module})
        kos = [m for m in mods if os.path.exists(os.path.join(setdir, m + ".ko"))]
        if not kos:
            continue
        with open(truth_path) as f:
            truth = json.load(f)
        checked += 1
        rc, out, err = run([a.vmregion, "oops", "-m", setdir, serial])
        check(rc in (0, 1), f"{name}: oops -m exit {rc}: {err.strip()[:200]}")
        for m in kos:
            # trace entries and RIP lines only (not other printk text naming a symbol)
            entry = re.compile(r"^(\[\s*[\d.]+\]\s?)?(RIP: 0010:|\s+(\? )?)[\w.]+"
                               r"\+0x[0-9a-f]+/0x[0-9a-f]+ \[%s\]" % re.escape(m))
            lines = [l for l in out.splitlines() if entry.search(l)]
            withline = [l for l in lines if re.search(r"\b%s[\w/.-]*\.c:\d+" % re.escape(m), l)]
            check(lines and len(withline) == len(lines),
                  f"{name}: every [{m}] frame has a file:line from {m}.ko "
                  f"({len(withline)} of {len(lines)})")
        # The RIP of a NULL-write oops: the line stores through a pointer.
        src = os.path.join(a.corpus, "build", "truth-module", "vmr_truth.c")
        rip = re.search(r"RIP: 0010:\S+ \[(\w+)\]\s+(\S+\.c):(\d+)", out)
        if rip and rip.group(1) == "vmr_truth" and os.path.exists(src) and \
                "NULL pointer dereference" in truth.get("crash", {}).get("reason", ""):
            text = open(src).read().splitlines()[int(rip.group(3)) - 1]
            check(re.search(r"^\s*\*\w+\s*=", text) is not None,
                  f"{name}: RIP line {rip.group(3)} is the faulting store: {text.strip()!r}")
        # Inline chains of module frames (from the .ko's DIEs): where the
        # module's source is in the corpus, an inlined function's line lies
        # in that function's body, and each caller's line calls it.
        if os.path.exists(src) and m_is_truth(kos):
            chains += check_inline_chains(name, a.vmregion, setdir, serial,
                                          open(src).read().splitlines())
        # Without -m: the note says how to get lines.
        rc, out0, _ = run([a.vmregion, "oops", serial])
        check("-m)" in out0 and "no line information" in out0,
              f"{name}: without -m a module frame says how to get its line")
        # triage of each dump: the crash report's module frames with lines.
        for fname in truth.get("files", {}):
            dump = os.path.join(setdir, fname)
            if not os.path.exists(dump):
                continue
            rc, tout, terr = run([a.vmregion, "triage", dump, "-m", setdir])
            rep = tout.split("\nbacktraces", 1)[0]
            fr = [l for l in rep.splitlines() if re.search(r"\[(%s)\]" % "|".join(kos), l)]
            check(rc in (0, 1) and fr and all(re.search(r"\.c:\d+", l) for l in fr),
                  f"{name}/{fname}: triage -m: module frames of the crash report have lines")
            break
        # A .ko of another build (another set's): refused or a line, never a crash.
        for other in sorted(glob.glob(os.path.join(a.corpus, "*", kos[0] + ".ko"))):
            if os.path.dirname(other) != setdir:
                rc, _, oerr = run([a.vmregion, "oops", "-m", other, serial])
                check(rc in (0, 1), f"{name}: oops -m {other}: exit {rc} {oerr.strip()[:100]}")
                break
    check(checked > 0, f"{checked} sets with a module .ko checked")
    check(chains > 0 or not os.path.exists(os.path.join(a.corpus, "build", "truth-module")),
          f"{chains} module frames with an inline chain checked against the source")
    print(f"{len(failures)} failure(s)" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
