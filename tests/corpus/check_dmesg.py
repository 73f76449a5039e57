#!/usr/bin/env python3
"""Compare `vmregion dmesg` on one dump with crash's `log` and the serial console.

1. crash 8.0.2's `log` output (peers/crash-<dump>.txt; where crash failed on
   that file, the first other crash-*.txt of the set that has a log: the
   files of a set hold the same memory).  crash prints the continuation lines
   of a multi-line record indented, the kernel repeats the prefix: crash's
   form is rewritten into the kernel's before comparing.  crash prints a
   data-less record (empty line) as an empty line without a time stamp, we
   print "[time] ": both are dropped and counted.  Without skipped records
   the two logs must be identical; with skipped records ours must be a
   subsequence of crash's.
2. serial.log, first boot only: every console line inside the log window
   (timestamps from the first to the last record; by text when the kernel
   printed no timestamps) must be in the dmesg output.
3. --json and --caller agree with the text output; no line is garbage.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

TS = re.compile(r"^\[\s*(\d+)\.(\d{6})\] ?")
CALLER = re.compile(r"^\[\s*[TC]\d+\] ?")
LINE = re.compile(r"^\[\s*\d+\.\d{6}\] [\t\x20-\x7e]*$")


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def split_ts(line):
    """(timestamp in µs or None, text without the prefix, rstripped)."""
    m = TS.match(line)
    if not m:
        return None, line.rstrip()
    rest = CALLER.sub("", line[m.end():], count=1)
    return int(m.group(1)) * 1000000 + int(m.group(2)), rest.rstrip()


def crash_log(path):
    """The `log` section of a crash output file, or None."""
    lines, inside = [], False
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("==== crash> "):
                inside = line == "==== crash> log"
                continue
            if inside:
                lines.append(line)
    if not any(TS.match(l) for l in lines):
        return None
    while lines and not TS.match(lines[-1]) and not lines[-1].startswith(" " * 15):
        print(f"  after crash's log: {lines.pop()!r}")
    return lines


def crash_to_kernel_form(lines):
    """Rewrite crash's indented continuation lines with the record's prefix;
    drop empty lines (data-less records) and crash's own messages (e.g.
    "<segmentation violation in gdb>" after the last record).
    @return (lines, dropped)."""
    out, prefix, dropped = [], None, 0
    for line in lines:
        m = TS.match(line)
        if m:
            prefix = line[:m.end()]
            out.append(line.rstrip())
        elif line.strip() == "":
            dropped += 1
        elif prefix is not None and line.startswith(" " * len(prefix)):
            out.append((prefix + line[len(prefix):]).rstrip())
        else:
            print(f"  crash message, not a log line: {line.strip()!r}")
    return out, dropped


def find_crash_log(setdir, fname):
    peers = os.path.join(setdir, "peers")
    first = os.path.join(peers, f"crash-{fname}.txt")
    plain = os.path.join(peers, f"crash-{fname[:-4]}.txt") if fname.endswith(".zst") else first
    candidates = [first, plain] + sorted(p for p in glob.glob(os.path.join(peers, "crash-*.txt"))
                                  if p != first and not p.endswith("crash-input.txt"))
    for path in candidates:
        if os.path.exists(path):
            log = crash_log(path)
            if log:
                return path, log
    return None, None


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def first_diff(a, b, name_a, name_b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"line {i + 1}: {name_a} {x!r} != {name_b} {y!r}"
    return f"{name_a} has {len(a)} lines, {name_b} {len(b)}"


def serial_first_boot(path):
    out, boots = [], 0
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n").replace("\r", "")
            ts, text = split_ts(line)
            if text.startswith("Linux version ") and (ts is None or ts == 0):
                boots += 1
                if boots == 2:
                    break
            out.append((ts, text))
    return out


def check_serial(setdir, records, dm_lines, failures, tag):
    path = os.path.join(setdir, "serial.log")
    if not os.path.exists(path) or not records:
        return
    serial = serial_first_boot(path)
    dm = [split_ts(l) for l in dm_lines]
    dm_pairs, dm_texts = set(dm), set(t for _, t in dm)
    timed = sum(1 for ts, _ in serial if ts is not None)
    missing = []
    if timed > len(serial) // 2:
        first = records[0]["ts_nsec"] // 1000
        last = records[-1]["ts_nsec"] // 1000
        complete = records[0]["seq"] == 0
        for ts, text in serial:
            if ts is None or ts > last or ts < first or (ts == first and not complete):
                continue
            if (ts, text) not in dm_pairs:
                missing.append(f"[{ts / 1e6:.6f}] {text}")
    else:
        # No timestamps on the console: the window is found by text, and
        # the console's user-space lines (/init's tools) cannot be told
        # from kernel lines: up to 1 in 50 lines of the window may be absent.
        texts = [t for _, t in serial]
        idx = [i for i, t in enumerate(texts) if t in dm_texts]
        if not idx:
            failures.append(f"{tag}: no serial.log line is in the dmesg output")
            return
        window = texts[idx[0]:idx[-1] + 1]
        absent = [t for t in window if t not in dm_texts]
        for t in absent:
            print(f"  console line not in the log (user space?): {t!r}")
        if len(absent) * 50 > len(window):
            missing = absent
    if missing:
        failures.append(f"{tag}: {len(missing)} serial.log lines of the log window not in "
                        f"dmesg, first: {missing[0]!r}")
    return len(serial)


def json_to_text(rec):
    prefix = "[%5d.%06d] " % (rec["ts_nsec"] // 10**9, rec["ts_nsec"] % 10**9 // 1000)
    out = []
    for part in rec["text"].split("\n"):
        s = "".join(c if (c.isascii() and (c.isprintable() or c.isspace())) else
                    "." * (1 if c == "\ufffd" else len(c.encode())) for c in part)
        out.append(prefix + s)
    return out


def check(args, setdir, fname, failures):
    dump = os.path.join(setdir, fname)
    tag = f"{os.path.basename(os.path.normpath(setdir))}/{fname}"
    rc, out, err = run([args.vmregion, "dmesg", dump])
    if rc not in (0, 1):
        failures.append(f"{tag}: dmesg exit {rc}: {err.strip()}")
        return
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if rc == 1 and "warning" not in err:
        failures.append(f"{tag}: exit 1 without a warning")
    bad = [l for l in lines if not LINE.match(l)]
    if bad:
        failures.append(f"{tag}: {len(bad)} malformed lines, first {bad[0]!r}")

    jrc, jout, jerr = run([args.vmregion, "dmesg", "--json", dump])
    if jrc != rc:
        failures.append(f"{tag}: --json exit {jrc}, text exit {rc}")
        return
    doc = json.loads(jout)
    records = doc["records"]
    if (doc["skipped"] > 0) != (rc == 1) and not doc["stats"]["stopped"]:
        failures.append(f"{tag}: skipped {doc['skipped']} but exit {rc}")
    if doc["stats"]["records"] != len(records):
        failures.append(f"{tag}: stats.records {doc['stats']['records']} != {len(records)}")
    jlines = [l.rstrip() for r in records for l in json_to_text(r)]
    if jlines != [l.rstrip() for l in lines]:
        failures.append(f"{tag}: --json differs from text: "
                        + first_diff(jlines, lines, "json", "text"))
    seqs = [r["seq"] for r in records]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        failures.append(f"{tag}: sequence numbers not increasing")

    crc, cout, _ = run([args.vmregion, "dmesg", "--caller", dump])
    clines = cout.rstrip("\n").split("\n")
    cre = re.compile(r"^\[\s*\d+\.\d{6}\] \[ *[TC]\d+\] ")
    if crc != rc or len(clines) != len(lines) or not all(cre.match(l) for l in clines):
        failures.append(f"{tag}: --caller output malformed")

    # crash's log.
    path, clog = find_crash_log(setdir, fname)
    ours = [l.rstrip() for l in lines]
    ours_empty = sum(1 for l in ours if TS.match(l) and TS.match(l).end() >= len(l))
    ours = [l for l in ours if not (TS.match(l) and TS.match(l).end() >= len(l))]
    if clog is None:
        print(f"{tag}: no crash log in peers/ (crash failed on every file): serial.log only")
    else:
        theirs, dropped = crash_to_kernel_form(clog)
        if doc["skipped"] == 0 and not doc["stats"]["stopped"]:
            if ours != theirs:
                failures.append(f"{tag}: differs from crash ({os.path.basename(path)}): "
                                + first_diff(ours, theirs, "dmesg", "crash"))
            elif ours_empty != dropped:
                failures.append(f"{tag}: {ours_empty} empty-line records, crash {dropped}")
        elif not is_subsequence(ours, theirs):
            failures.append(f"{tag}: with skipped records, output is not a subsequence "
                            f"of crash's log ({os.path.basename(path)})")
        print(f"{tag}: {len(ours)} lines compared with crash's {os.path.basename(path)}")

    n = check_serial(setdir, records, lines, failures, tag)
    print(f"{tag}: {len(records)} records, skipped {doc['skipped']}, "
          f"serial.log first boot {n} lines checked in window")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--set", required=True, help="corpus set directory (with truth.json)")
    ap.add_argument("--file", help="one dump file of the set (default: every file)")
    args = ap.parse_args()
    with open(os.path.join(args.set, "truth.json")) as f:
        truth = json.load(f)
    files = [args.file] if args.file else list(truth["files"])
    failures = []
    for fname in files:
        if os.path.exists(os.path.join(args.set, fname)):
            check(args, args.set, fname, failures)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
