#!/usr/bin/env python3
"""Bad input ends in one line on stderr naming the file, exit status 2, no
crash, no hang, and the input file unchanged.

Inputs are made from the sample dump at test time: empty, a text file,
truncations at many offsets, corrupted header fields, and a vmlinux of
another build.
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from corpustext import find_vmlinux

TIMEOUT = 60


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def expect_error(vmregion, args, path, failures, what, allow=(2,), need_warning=True):
    before = (os.stat(path).st_mtime_ns, sha(path))
    try:
        p = subprocess.run([vmregion] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        failures.append(f"{what}: hung (> {TIMEOUT} s)")
        return
    err = p.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if not l.startswith("vmregion: warning:")]
    if p.returncode < 0:
        failures.append(f"{what}: killed by signal {-p.returncode}")
    elif p.returncode not in allow:
        failures.append(f"{what}: exit {p.returncode}, want {allow}; stderr {err.strip()!r}")
    elif p.returncode in (0, 1) and need_warning and len(lines) == len(err.splitlines()):
        failures.append(f"{what}: a partial answer without a warning")
    elif p.returncode == 2:
        if len(lines) != 1 or not lines[0].startswith("vmregion: "):
            failures.append(f"{what}: want one error line, got {err!r}")
        elif os.path.basename(path) not in lines[0]:
            failures.append(f"{what}: error does not name the file: {lines[0]!r}")
    if (os.stat(path).st_mtime_ns, sha(path)) != before:
        failures.append(f"{what}: the input file changed")
    return p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    sample = os.path.join(a.sample, "vmcore.kdump-zlib")
    data = open(sample, "rb").read()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def make(name, content):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(content)
            return p

        fatal = (2,)
        cases = [
            ("empty", make("empty.vmcore", b""), fatal),
            ("text file", make("notes.txt", b"this is not a crash dump\n" * 100), fatal),
            ("ten bytes", make("short.vmcore", b"\x7fELF\x02\x01\x01\x00\x00\x00"), fatal),
            ("flattened header only", make("flat.vmcore", b"makedumpfile".ljust(16, b"\0") +
                                           (1).to_bytes(8, "big") * 2), fatal),
        ]
        # Cut inside the headers and bitmaps: unusable.  Cut inside the page
        # data: a partial answer (exit 0 or 1) is as right as an error.
        for n in (16, 512, 4096, 8192, 12288):
            cases.append((f"kdump truncated at {n}", make(f"trunc{n}.vmcore", data[:n]), fatal))
        # Cut inside the page data: a partial answer must say the file is cut.
        for n in (65536, len(data) // 2, len(data) - 100000):
            cases.append((f"kdump truncated at {n}", make(f"trunc{n}.vmcore", data[:n]),
                          (0, 1, 2)))
        # Corrupt header fields (x86_64-layout.md §4.4 offsets): block_size,
        # sub_hdr_size and bitmap_blocks must be refused; max_mapnr (obsolete)
        # and nr_cpus may be survived, but never crash.
        for off, val, allow in ((428, 0x7fffffff, fatal), (428, 0, fatal), (428, 1000, fatal),
                                (432, 0x7fffffff, fatal), (436, 0xffffffff, fatal),
                                (440, 0xffffffff, (0, 1, 2)), (460, 0x7fffffff, (0, 1, 2))):
            b = bytearray(data)
            b[off:off + 4] = val.to_bytes(4, "little")
            cases.append((f"header field {off}={val:#x}",
                          make(f"hdr{off}-{val:x}.vmcore", bytes(b)), allow))

        for what, path, allow in cases:
            # Fields the reader does not need (max_mapnr is obsolete, the CPU
            # count comes from the notes) may be survived silently.
            quiet_ok = what.startswith("header field")
            expect_error(a.vmregion, ["info", path], path, failures, what, allow, not quiet_ok)
            expect_error(a.vmregion, ["addr", path, "0xffffffff81000000"], path, failures,
                         what + " (addr)", allow, not quiet_ok)

        # A vmlinux from another build.
        for vml in sorted(glob.glob(os.path.join(a.corpus, "*vmlinux*"))):
            expect_error(a.vmregion, ["info", sample, "-k", vml], vml, failures,
                         f"vmlinux {os.path.basename(vml)} of another build")
        # A dump without VMCOREINFO with the vmlinux of another kernel: the
        # mismatch is the error, not what the wrong symbols led to.
        sets = {}
        for t in sorted(glob.glob(os.path.join(a.corpus, "*", "truth.json"))):
            with open(t) as f:
                sets[os.path.dirname(t)] = json.load(f)
        vmlinuxes = {}
        for setdir, truth in sets.items():
            vml, _ = find_vmlinux(setdir, truth)
            if vml:
                vmlinuxes.setdefault(truth["kernel"]["build_id"], vml)
        for setdir, truth in sets.items():
            if truth.get("vmcoreinfo"):
                continue
            dump = next((os.path.join(setdir, f) for f in truth["files"]
                         if os.path.exists(os.path.join(setdir, f))), None)
            for bid, vml in sorted(vmlinuxes.items()):
                if dump and bid != truth["kernel"]["build_id"]:
                    what = (f"{os.path.basename(setdir)} without VMCOREINFO, vmlinux "
                            f"{os.path.basename(vml)} of another kernel")
                    expect_error(a.vmregion, ["info", dump, "-k", vml], vml, failures, what)
                    p = subprocess.run([a.vmregion, "info", dump, "-k", vml], text=True,
                                       capture_output=True, timeout=TIMEOUT)
                    if "does not match" not in p.stderr:
                        failures.append(f"{what}: the error does not say the vmlinux does not "
                                        f"match: {p.stderr.strip()!r}")
        # A dump given as vmlinux, and a vmlinux that is not ELF.
        txt = make("vmlinux-text", b"not an ELF file\n")
        expect_error(a.vmregion, ["info", sample, "-k", txt], txt, failures, "non-ELF vmlinux")
        # Missing file.
        missing = os.path.join(tmp, "no-such.vmcore")
        p = subprocess.run([a.vmregion, "info", missing], stderr=subprocess.PIPE, timeout=TIMEOUT)
        if p.returncode != 2 or b"no-such.vmcore" not in p.stderr:
            failures.append(f"missing file: exit {p.returncode}, {p.stderr!r}")
        # Usage errors.
        for argv in (["info"], ["addr", sample], ["frobnicate"], ["info", "--bogus", sample]):
            p = subprocess.run([a.vmregion] + argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
            if p.returncode != 2:
                failures.append(f"usage {argv}: exit {p.returncode}")
        p = subprocess.run([a.vmregion, "addr", sample, "not_a_symbol_xyz"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        if p.returncode != 2 or b"not_a_symbol_xyz" not in p.stderr:
            failures.append(f"unknown symbol: exit {p.returncode}, {p.stderr!r}")

    for f in failures:
        print("FAIL:", f)
    print(f"bad input: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
