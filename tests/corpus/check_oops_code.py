#!/usr/bin/env python3
"""The Code: lines of an oops decoded by `vmregion oops` (and `triage`).

For every corpus set whose serial.log has a Code: line after a RIP: line:
  - `vmregion oops serial.log` (no dump): each Code: line is followed by
    its instructions; exactly one is marked as the trapping one, its bytes
    start with the <..> byte; a user-mode RIP (0033:0x...) gives real
    addresses and the marked one is at RIP, a kernel RIP gives labels
    relative to it ("RIP" on the marked one);
  - with the set's dump (-c): the kernel report's marked instruction is at
    RIP, computed independently from truth.json (the module's .text
    address) and the module's own symbol table (nm vmr_truth.ko) when RIP
    is in that module; for a NULL write (BUG: kernel NULL pointer
    dereference ... / Oops: 0002, CR2 0) the marked instruction writes
    through a register whose value in the report is 0;
  - --json: the "code" array has the same marked instruction and address;
  - `vmregion triage DUMP`: Code: lines among the last log lines decoded,
    and the crash report's own Code: line (text, and "crash_code" in JSON);
Then, on texts written here: malformed Code: lines (odd hex, no <..>, two
marks, unreadable opcodes, binary garbage, a 1 MB line) are left as is,
without a crash and in bounded time; PATH without objdump, or an objdump
that hangs, leaves the line as is (the second within the time limit).
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args, env=None, timeout=120):
    t0 = time.time()
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), \
        time.time() - t0


INSN = re.compile(r"^\s+(RIP(?:[-+]0x[0-9a-f]+)?|[0-9a-f]{16}):\s+((?:[0-9a-f]{2} )*[0-9a-f]{2})"
                  r"\s+(.*?)(   <-- trapping instruction)?$")


def decoded_after(lines, i):
    """The instruction lines printed after line i: (label, bytes, insn, marked)."""
    out = []
    for line in lines[i + 1:]:
        if "do not decode up to it" in line:
            continue
        m = INSN.match(line)
        if not m:
            break
        out.append((m.group(1), m.group(2), m.group(3).strip(), m.group(4) is not None))
    return out


def code_lines(text):
    """(index, RIP line or None, Code: line) of each Code: line of @text."""
    res, rip = [], None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"\bRIP: [0-9a-f]{4}:", line):
            rip = line
        if re.search(r"\bCode: ", line) and "<" in line:
            res.append((i, rip, line))
    return res


def marked_byte(code_line):
    return re.search(r"<([0-9a-f]{2})>", code_line).group(1)


def module_rip(setdir, truth, rip_line):
    """RIP of a func+off [vmr_truth] line from truth.json and nm of the .ko."""
    m = re.search(r"RIP: 0010:(\w+)\+0x([0-9a-f]+)/0x[0-9a-f]+ \[(\w+)\]", rip_line)
    mod = truth.get("module") or {}
    ko = os.path.join(setdir, mod.get("file", ""))
    if not m or m.group(3) != mod.get("name") or not os.path.exists(ko) \
            or ".text" not in mod.get("sections", {}):
        return None
    nm = subprocess.run(["nm", ko], stdout=subprocess.PIPE).stdout.decode()
    s = re.search(r"^([0-9a-f]+) [tT] %s$" % re.escape(m.group(1)), nm, re.M)
    if not s:
        return None
    return int(mod["sections"][".text"], 16) + int(s.group(1), 16) + int(m.group(2), 16)


def report_regs(lines, i):
    """Register values printed after line i (up to the next RIP: or 40 lines)."""
    regs = {}
    for line in lines[i + 1:i + 40]:
        if re.search(r"\bRIP: ", line):
            break
        for name, v in re.findall(r"\b([A-Z][A-Z0-9]{1,5}): ?([0-9a-f]{8,16})\b", line):
            regs.setdefault(name, int(v, 16))
    return regs


def check_set(vmregion, setdir):
    name = os.path.basename(os.path.normpath(setdir))
    serial = os.path.join(setdir, "serial.log")
    truth = json.load(open(os.path.join(setdir, "truth.json")))
    text = open(serial, errors="replace").read()
    codes = code_lines(text)
    if not codes:
        print("%s: no Code: line" % name)
        return
    dumps = [f for f in truth.get("files", {}) if os.path.exists(os.path.join(setdir, f))]
    src_lines = text.splitlines()

    rc, out, err, _ = run([vmregion, "oops", serial])
    check(rc in (0, 1), "%s: oops exits 0 or 1 (got %d) %s" % (name, rc, err.strip()))
    lines = out.splitlines()
    got = [(i, l) for i, l in enumerate(lines) if re.search(r"\bCode: ", l) and "<" in l]
    check(len(got) == len(codes), "%s: every Code: line is printed back (%d)" % (name, len(codes)))
    for (i, line), (_, rip, src) in zip(got, codes):
        d = decoded_after(lines, i)
        marked = [x for x in d if x[3]]
        check(len(marked) == 1 and marked[0][1].startswith(marked_byte(src)),
              "%s: line %d: one instruction marked, starting with <%s>: %s" % (
                  name, i + 1, marked_byte(src), marked))
        um = re.search(r"RIP: 0033:0x([0-9a-f]+)", rip or "")
        if um and marked:
            check(marked[0][0] == "%016x" % int(um.group(1), 16),
                  "%s: user-mode Code: marked at RIP 0x%s" % (name, um.group(1)))
        elif marked:
            check(marked[0][0] == "RIP" and all(x[0].startswith("RIP") for x in d),
                  "%s: kernel Code: without a dump: labels relative to RIP" % name)

    for f in dumps[:1]:
        dump = os.path.join(setdir, f)
        rc, out, err, _ = run([vmregion, "oops", "-c", dump, serial], timeout=600)
        lines = out.splitlines()
        got = [(i, l) for i, l in enumerate(lines) if re.search(r"\bCode: ", l) and "<" in l]
        for (i, line), (si, rip, src) in zip(got, codes):
            if not rip or "RIP: 0010:" not in rip:
                continue
            d = decoded_after(lines, i)
            marked = [x for x in d if x[3]]
            want = module_rip(setdir, truth, rip)
            if want is not None:
                check(marked and marked[0][0] == "%016x" % want,
                      "%s -c %s: kernel Code: marked at RIP 0x%x (truth.json module .text + "
                      "nm): %s" % (name, f, want, marked))
            # A NULL write: the marked instruction stores through a register that is 0.
            title = "\n".join(src_lines[max(0, si - 12):si])
            regs = report_regs(src_lines, si)
            if "NULL pointer dereference" in title and "Oops: 0002" in title and \
                    regs.get("CR2") == 0 and marked:
                insn = marked[0][2]
                dst = re.search(r"^mov\w*\s+\S+,\s*(?:0x0)?\(%(\w+)\)$", insn)
                check(dst and regs.get(dst.group(1).upper()) == 0,
                      "%s: NULL write: %s stores through a register that is 0 (%s)" % (
                          name, insn, {k: hex(v) for k, v in regs.items() if k.startswith("R")}))
                # the address of the faulting store, from the report's registers
                print("     %s: faulting store %s at %s" % (name, insn, marked[0][0]))
        rc, out, err, _ = run([vmregion, "oops", "--json", "-c", dump, serial], timeout=600)
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        code = j.get("code", [])
        check(len(code) == len(codes), "%s --json: %d decoded Code: lines" % (name, len(codes)))
        for c, (_, rip, src) in zip(code, codes):
            ins = [x for x in c["decoded"]["instructions"] if x["faulting"]]
            um = re.search(r"RIP: 0033:0x([0-9a-f]+)", rip or "")
            want = int(um.group(1), 16) if um else module_rip(setdir, truth, rip or "")
            check(len(ins) == 1 and ins[0]["offset"] == 0 and
                  (want is None or int(ins[0].get("addr", "0x0"), 16) == want),
                  "%s --json line %d: faulting instruction at offset 0%s" % (
                      name, c["line"], "" if want is None else ", address 0x%x" % want))

        rc, out, err, _ = run([vmregion, "triage", dump], timeout=600)
        lines = out.splitlines()
        got = [i for i, l in enumerate(lines) if re.search(r"\bCode: ", l) and "<" in l]
        if got:
            check(all(sum(x[3] for x in decoded_after(lines, i)) == 1 for i in got),
                  "%s: triage: the Code: lines of the log decoded, one marked" % name)
        # The crash report's own Code: line, decoded at its RIP.
        kernel = [rip for _, rip, _ in codes if rip and "RIP: 0010:" in rip]
        want = module_rip(setdir, truth, kernel[0]) if kernel else None
        rc, out, err, _ = run([vmregion, "triage", "--json", dump], timeout=600)
        try:
            cc = json.loads(out).get("crash_code", {})
        except ValueError:
            cc = {}
        ins = [x for x in cc.get("instructions", []) if x.get("faulting")]
        check(len(ins) == 1 and (want is None or int(ins[0].get("addr", "0x0"), 16) == want),
              "%s: triage --json: crash_code marks one instruction%s: %s" % (
                  name, "" if want is None else " at RIP 0x%x" % want, ins))
        tl = [l for l in lines if "<-- trapping instruction" in l]
        check(want is None or any(l.strip().startswith("%016x:" % want) for l in tl),
              "%s: triage: the crash report's Code: line decoded at RIP" % name)


def check_garbage(vmregion, tmp):
    rip = "[    1.000000] RIP: 0010:foo+0x10/0x20\n"
    cases = {
        "odd hex": "Code: 4 8b <c7> 00",
        "no <..>": "Code: 48 8b 05 c7 00 5a",
        "two marks": "Code: 48 <8b> <c7> 00",
        "three digits": "Code: 48 8b0 <c7> 00",
        "not hex": "Code: zz 8b <c7> 00",
        "unbalanced": "Code: 48 8b <c7 00",
        "unreadable": "Code: Unable to access opcode bytes at 0xffffffff81000000.",
        "empty": "Code: ",
        "binary": "Code: \x01\x7f <c7> \xff",
        "1 MB": "Code: " + "48 " * 350000 + "<c7> 00",
        "1 MB no mark": "Code: " + "48 " * 350000,
    }
    for what, code in cases.items():
        path = os.path.join(tmp, "garbage.txt")
        with open(path, "w", encoding="latin-1") as f:
            f.write(rip + "[    1.000000] " + code + "\n")
        rc, out, err, secs = run([vmregion, "oops", path], timeout=60)
        check(rc in (0, 1) and "trapping instruction" not in out and secs < 30 and
              "Code:" in out and not err.strip(),
              "malformed Code: line (%s) left as is, exit %d, %.1f s" % (what, rc, secs))


def check_many(vmregion, tmp):
    """A text with many Code: lines: the first 100 decoded, in bounded time."""
    path = os.path.join(tmp, "many.txt")
    with open(path, "w") as f:
        for i in range(300):
            f.write("RIP: 0033:0x%x\nCode: 90 90 <0f> 05 90\n" % (0x401000 + i))
    rc, out, err, secs = run([vmregion, "oops", path], timeout=300)
    n = out.count("trapping instruction")
    check(rc in (0, 1) and n == 100 and out.count("Code: 90 90 <0f> 05 90") == 300,
          "300 Code: lines: the first 100 decoded (%d), all printed, %.1f s" % (n, secs))


def check_no_objdump(vmregion, tmp, serial):
    empty = os.path.join(tmp, "empty-path")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, PATH=empty)
    rc, out, err, _ = run([vmregion, "oops", serial], env=env)
    n = len(code_lines(open(serial, errors="replace").read()))
    check(rc in (0, 1) and "trapping instruction" not in out and
          len([l for l in out.splitlines() if re.search(r"\bCode: ", l)]) >= n,
          "PATH without objdump: the Code: lines are left as is")
    # An objdump that hangs: killed at the time limit, the line left as is.
    hang = os.path.join(tmp, "hang-path")
    os.makedirs(hang, exist_ok=True)
    fake = os.path.join(hang, "objdump")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nexec sleep 600\n")
    os.chmod(fake, stat.S_IRWXU)
    path = os.path.join(tmp, "one.txt")
    with open(path, "w") as f:
        for _ in range(3):
            f.write("RIP: 0033:0x401000\nCode: 90 90 <0f> 05 90\n")
    env = dict(os.environ, PATH=hang + ":" + os.environ.get("PATH", ""))
    rc, out, err, secs = run([vmregion, "oops", path], env=env)
    check(rc in (0, 1) and "trapping instruction" not in out and secs < 9 and
          out.count("Code: 90 90 <0f> 05 90") == 3,
          "objdump that hangs: killed at the time limit, not run again (%.1f s for 3 "
          "Code: lines), the lines left as is" % secs)
    # A mark inside an instruction of the bytes before it: decoded again from RIP.
    with open(path, "w") as f:
        f.write("RIP: 0033:0x401000\nCode: 48 (8b) 00 c3\n")
    rc, out, err, _ = run([vmregion, "oops", path])
    lines = out.splitlines()
    d = decoded_after(lines, next(i for i, l in enumerate(lines) if l.startswith("Code:")))
    check("do not decode up to it" in out and [x for x in d if x[3]] and
          [x for x in d if x[3]][0][:2] == ("0000000000401000", "8b 00"),
          "(..) mark inside an instruction: decoded again from RIP: %s" % d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("sets", nargs="*")
    a = ap.parse_args()
    if not shutil.which("objdump"):
        print("SKIP: objdump not installed (binutils)")
        return 77
    tmp = tempfile.mkdtemp(prefix="vmr-code-")
    try:
        serials = []
        for s in a.sets:
            if os.path.exists(os.path.join(s, "serial.log")) and \
                    os.path.exists(os.path.join(s, "truth.json")):
                check_set(a.vmregion, s)
                if code_lines(open(os.path.join(s, "serial.log"), errors="replace").read()):
                    serials.append(os.path.join(s, "serial.log"))
        check(serials, "at least one set has a Code: line")
        check_garbage(a.vmregion, tmp)
        check_many(a.vmregion, tmp)
        if serials:
            check_no_objdump(a.vmregion, tmp, serials[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
