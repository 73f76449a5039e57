#!/usr/bin/env python3
"""Corrupt dumps: every one ends, within a time bound, in one error line
(exit 2) or in an answer (exit 0 or 1) that either carries a warning or is
the same as the intact dump's; nothing crashes or hangs, and the dump is
never written (mtime and sha256 unchanged, opened O_RDONLY).

The corrupt dumps are made at test time, in a temporary directory, from the
real dumps of the corpus and samples/ (nothing here names a particular one):
  - ELF dumps (each of at most 64 MiB once unwrapped): truncated in the ELF
    header, the program headers, the notes and inside PT_LOADs; zeroed and
    huge e_phoff, e_phnum, e_phentsize, p_offset, p_filesz, p_memsz;
    overlapping PT_LOADs; a PT_NOTE and note sizes past the end; a VMCOREINFO
    note with missing or absurd keys (KERNELOFFSET garbage, phys_base huge,
    pgtable_l5_enabled=7, no valid line at all; no kallsyms keys, as before
    6.0, which must answer as the intact dump); the top-level page table
    poked so that every entry points at the table itself;
  - kdump-compressed dumps: page descriptors past the end of the file, with
    huge sizes and sizes over a page;
  - flattened streams: records past the end, huge and negative offsets, no
    end marker;
  - a synthetic ELF dump whose only page table is cyclic.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

TIMEOUT = 10            # seconds per command
# Cases whose answer may differ from the intact dump's only with this
# warning (on stderr, or in info --json's "warnings"), by case tag.
REQUIRED_WARNING = {
    # x86_64-layout.md §2.4(d)5: un-randomized bases are a guess once the
    # kernel image is slid (region/rebuild.c warns); without a slide the
    # bases are right, but symbols are lost, which is said too.
    "vmcoreinfo-no-symbols": ("un-randomized default assumed", "no kallsyms tables"),
}
# Cases that must answer exactly as the intact dump: a VMCOREINFO as kernels
# before 6.0 write it (no kallsyms keys) still gives every symbol and base,
# kallsyms being found by the shape of its tables (dwarf/kallscan.h).
MUST_BE_SAME = {"vmcoreinfo-no-kallsyms-keys"}
MAX_ELF = 64 << 20      # larger ELF dumps are not copied dozens of times
ADDRS = ["0xffffffff81000000", "0xffff888000001000", "0xffffc90000000000"]


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def COMMANDS(path):
    return (("info", ["info", "--json", path]), ("addr", ["addr", path] + ADDRS))


def answer(cmd, stdout, path):
    """What must not change silently: info's values (not their sources,
    which say how each was found), addr's lines."""
    if cmd == "info":
        try:
            d = json.loads(stdout)
        except ValueError:
            return stdout
        d.pop("warnings", None)
        d.get("dump", {}).pop("path", None)
        d.get("kernel", {}).pop("symbols", None)  # how they were found, a source too
        return values(d)
    return stdout.replace(path.encode(), b"DUMP")


def json_warnings(cmd, stdout):
    """info --json puts its warnings in the document, not on stderr."""
    if cmd != "info":
        return []
    try:
        return [str(w) for w in json.loads(stdout).get("warnings") or []]
    except (ValueError, AttributeError):
        return []


def values(v):
    # Provenance is how a value was found, not the value; pgd_phys is which
    # page-table root was walked (init_top_pgt or a CPU's CR3: any of them
    # maps the kernel half the same way).
    if isinstance(v, dict):
        return {k: values(x) for k, x in v.items()
                if k not in ("source", "sources", "pgd_phys")}
    if isinstance(v, list):
        return [values(x) for x in v]
    return v


def run(vmregion, args, timeout=TIMEOUT):
    try:
        p = subprocess.run([vmregion] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return p


class Suite:
    def __init__(self, vmregion, tmp):
        self.vmregion = vmregion
        self.tmp = tmp
        self.failures = []
        self.required = 0   # answers that needed their REQUIRED_WARNING
        self.cases = 0
        self.strace = shutil.which("strace")

    def check(self, what, path, baselines, quiet_ok=False):
        """Run info and addr on @path; @baselines: {cmd: answer} of the intact
        dump; @quiet_ok: a different answer without a warning is right too
        (the corruption leaves a valid dump that says something else)."""
        self.cases += 1
        for cmd, args in COMMANDS(path):
            before = (os.stat(path).st_mtime_ns, sha(path))
            p = run(self.vmregion, args)
            label = f"{what} ({cmd})"
            if p is None:
                self.failures.append(f"{label}: no answer within {TIMEOUT} s")
                continue
            err = p.stderr.decode(errors="replace")
            lines = err.splitlines()
            errors = [l for l in lines if not l.startswith("vmregion: warning:")]
            if p.returncode < 0:
                self.failures.append(f"{label}: killed by signal {-p.returncode}")
            elif p.returncode == 2:
                if len(errors) != 1 or not errors[0].startswith("vmregion: "):
                    self.failures.append(f"{label}: want one error line, got {err!r}")
            elif p.returncode in (0, 1):
                if errors and not all(l.startswith("vmregion: ") for l in errors):
                    self.failures.append(f"{label}: stray stderr {err!r}")
                same = answer(cmd, p.stdout, path) == baselines.get(cmd)
                jw = json_warnings(cmd, p.stdout)
                warned = len(errors) < len(lines) or bool(jw)
                tag = what.split(": ", 1)[-1]
                want = REQUIRED_WARNING.get(tag)
                if tag in MUST_BE_SAME and not same:
                    self.failures.append(f"{label}: exit {p.returncode}: an answer different "
                                         f"from the intact dump's (warnings: {lines + jw})")
                elif want and not same and not any(x in w for x in want for w in lines + jw):
                    self.failures.append(f"{label}: exit {p.returncode}: an answer different "
                                         f"from the intact dump's without the warning "
                                         f"{want!r}")
                elif want and not same:
                    self.required += 1
                elif not warned and not same and not quiet_ok:
                    self.failures.append(f"{label}: exit {p.returncode}: an answer different "
                                         "from the intact dump's without a warning")
            else:
                self.failures.append(f"{label}: exit {p.returncode}; stderr {err!r}")
            if (os.stat(path).st_mtime_ns, sha(path)) != before:
                self.failures.append(f"{label}: the dump changed")

    def baselines(self, path):
        out = {}
        for cmd, args in COMMANDS(path):
            p = run(self.vmregion, args, timeout=120)
            out[cmd] = answer(cmd, p.stdout, path) if p else None
        return out

    def check_read_only(self, path):
        """The dump is opened without write access (strace, when installed)."""
        if not self.strace:
            return
        log = os.path.join(self.tmp, "strace.log")
        subprocess.run([self.strace, "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log,
                        self.vmregion, "info", path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        with open(log) as f:
            for line in f:
                if f'"{path}"' in line and ("O_RDWR" in line or "O_WRONLY" in line):
                    self.failures.append(f"{path}: opened for writing: {line.strip()}")

    def variant(self, name, data, edits=(), size=None):
        """Write @data with @edits [(offset, bytes)] applied, cut to @size."""
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            if size is None:
                size = len(data)
            f.write(memoryview(data)[:size])
            for off, b in edits:
                if off < size:
                    f.seek(off)
                    f.write(b[:size - off])
        return path


def unwrap(path, tmp):
    """The dump as a plain file (zstd-wrapped ones decompressed), or None if too big."""
    if not path.endswith(".zst"):
        return path if os.path.getsize(path) <= MAX_ELF else None
    out = os.path.join(tmp, "unwrapped-" + os.path.basename(path)[:-4])
    with open(out, "wb") as f:
        z = subprocess.Popen(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE)
        n = 0
        for chunk in iter(lambda: z.stdout.read(1 << 20), b""):
            n += len(chunk)
            if n > MAX_ELF:
                z.kill()
                z.wait()
                os.unlink(out)
                return None
            f.write(chunk)
        z.wait()
    return out


# ---- ELF -------------------------------------------------------------------

def elf_layout(d):
    phoff, = struct.unpack_from("<Q", d, 32)
    phnum, = struct.unpack_from("<H", d, 56)
    ph = [struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i) for i in range(phnum)]
    return phoff, phnum, ph


def notes_of(d, off, size):
    """[(note offset, name, desc offset, descsz)]"""
    out, pos, end = [], off, off + size
    while pos + 12 <= end:
        nsz, dsz, _ = struct.unpack_from("<III", d, pos)
        if nsz == 0 and dsz == 0:
            break
        name = bytes(d[pos + 12:pos + 12 + nsz]).rstrip(b"\0")
        desc = pos + 12 + ((nsz + 3) & ~3)
        out.append((pos, name, desc, dsz))
        pos = desc + ((dsz + 3) & ~3)
    return out


def q(v):
    return struct.pack("<Q", v & (2**64 - 1))


def vmcoreinfo_edit(text, key, value):
    """@text with the value of @key replaced by @value, same length (the
    line is padded with spaces or cut); None if the key is absent."""
    start = text.find(b"\n" + key + b"=")
    start = start + 1 if start >= 0 else (0 if text.startswith(key + b"=") else -1)
    if start < 0:
        return None
    vstart = start + len(key) + 1
    end = text.find(b"\n", vstart)
    end = len(text) if end < 0 else end
    new = value.ljust(end - vstart)[:end - vstart] if len(value) <= end - vstart else value
    if len(new) != end - vstart:
        # a longer value: take the room from the following lines (they are lost)
        room = len(text) - vstart
        new = (value + b"\n")[:room].ljust(room, b"\n")
        return text[:vstart] + new
    return text[:vstart] + new + text[end:]


def elf_cases(s, name, path):
    with open(path, "rb") as f:
        d = f.read()
    base = s.baselines(path)
    s.check_read_only(path)
    phoff, phnum, ph = elf_layout(d)
    loads = [(i, p) for i, p in enumerate(ph) if p[0] == 1]
    notes = [(i, p) for i, p in enumerate(ph) if p[0] == 4]
    size = len(d)
    v = lambda tag, edits=(), cut=None, quiet_ok=False: s.check(
        f"{name}: {tag}", s.variant(f"{name}-{tag}", d, edits, cut), base, quiet_ok)

    # Truncations: ELF header, program headers, notes, inside PT_LOADs.
    cuts = {"in-ehdr": 40, "after-ehdr": 64, "in-phdrs": phoff + 56 * phnum // 2,
            "after-phdrs": phoff + 56 * phnum}
    for i, p in notes:
        cuts[f"in-note{i}-header"] = p[2] + 6
        cuts[f"in-note{i}"] = p[2] + p[5] // 2
        cuts[f"note{i}-last-byte"] = p[2] + p[5] - 1
    for i, p in loads[:2] + loads[-1:]:
        cuts[f"load{i}-start"] = p[2]
        cuts[f"in-load{i}"] = p[2] + min(p[5], 4096 * 3 + 17)
        cuts[f"load{i}-middle"] = p[2] + p[5] // 2
    cuts["last-byte"] = size - 1
    for tag, n in sorted(cuts.items(), key=lambda kv: kv[1]):
        if 0 < n < size:
            v(f"truncated-{tag}-at-{n}", cut=n)

    # Header fields: zeroed and huge.
    for tag, off, fmt, val in (("e_phoff-0", 32, "<Q", 0), ("e_phoff-huge", 32, "<Q", 2**63),
                               ("e_phoff-near-end", 32, "<Q", size - 20),
                               ("e_phnum-0", 56, "<H", 0), ("e_phnum-ffff", 56, "<H", 0xffff),
                               ("e_phnum-fffe", 56, "<H", 0xfffe),
                               ("e_phentsize-0", 54, "<H", 0),
                               ("e_phentsize-4096", 54, "<H", 4096),
                               ("e_shoff-huge", 40, "<Q", 2**64 - 1)):
        v(tag, [(off, struct.pack(fmt, val))])
    for i, p in loads[:2]:
        at = phoff + 56 * i
        for tag, field, val in (("p_offset-0", 8, 0), ("p_offset-huge", 8, 2**63),
                                ("p_offset-end", 8, size),
                                ("p_offset-near-end", 8, size - 100),
                                ("p_filesz-0", 32, 0), ("p_filesz-huge", 32, 2**64 - 1),
                                ("p_filesz-past-end", 32, size),
                                ("p_memsz-0", 40, 0), ("p_memsz-huge", 40, 2**64 - 4096),
                                ("p_paddr-top", 24, 2**64 - 4096)):
            # p_memsz below p_filesz is read as p_filesz (ELF: memsz >= filesz):
            # the dump then has no excluded tail there, and says so by its size.
            # p_filesz 0 is a segment whose pages were all filtered out, the
            # way makedumpfile -E writes excluded tails: "not in the dump".
            v(f"load{i}-{tag}", [(at + field, q(val))],
              quiet_ok=tag in ("p_memsz-0", "p_filesz-0"))
    # Overlapping segments: the second PT_LOAD on the first's physical range
    # and file bytes; every PT_LOAD on one range.
    if len(loads) >= 2:
        (i0, p0), (i1, p1) = loads[0], loads[1]
        v("overlap-paddr", [(phoff + 56 * i1 + 24, q(p0[4]))])
        v("overlap-offset", [(phoff + 56 * i1 + 8, q(p0[2]))])
        v("overlap-all", [(phoff + 56 * i + 8, q(p0[2])) for i, _ in loads] +
          [(phoff + 56 * i + 24, q(p0[4])) for i, _ in loads])
        v("overlap-partial", [(phoff + 56 * i1 + 24, q(p0[4] + 4096))])

    # Notes: segment and note sizes past the end.
    for i, p in notes:
        at = phoff + 56 * i
        v(f"note{i}-p_filesz-huge", [(at + 32, q(2**63))])
        v(f"note{i}-p_filesz-past-end", [(at + 32, q(size - p[2] + 1))])
        v(f"note{i}-p_offset-past-end", [(at + 8, q(size + 4096))])
        ns = notes_of(d, p[2], p[5])
        for k, (noff, nname, _, _) in enumerate(ns[:1] + ns[-1:]):
            which = "first" if k == 0 else "last"
            v(f"note{i}-{which}-descsz-huge", [(noff + 4, struct.pack("<I", 0xffffffff))])
            v(f"note{i}-{which}-namesz-huge", [(noff, struct.pack("<I", 0xfffffff0))])
            v(f"note{i}-{which}-descsz-past-segment",
              [(noff + 4, struct.pack("<I", p[2] + p[5] - noff))])
        # VMCOREINFO with missing or absurd keys
        for noff, nname, desc, dsz in ns:
            if nname != b"VMCOREINFO":
                continue
            text = bytes(d[desc:desc + dsz])
            edits = {
                "kerneloffset-garbage": vmcoreinfo_edit(text, b"KERNELOFFSET", b"zz!!"),
                "kerneloffset-huge": vmcoreinfo_edit(text, b"KERNELOFFSET", b"fffffffffffff000"),
                "phys_base-huge": vmcoreinfo_edit(text, b"NUMBER(phys_base)",
                                                  b"9223372036854775807"),
                "phys_base-negative": vmcoreinfo_edit(text, b"NUMBER(phys_base)", b"-4096"),
                "l5-7": vmcoreinfo_edit(text, b"NUMBER(pgtable_l5_enabled)", b"7"),
                "l5-flipped": vmcoreinfo_edit(
                    text, b"NUMBER(pgtable_l5_enabled)",
                    b"0" if b"NUMBER(pgtable_l5_enabled)=1" in text else b"1"),
                "init_top_pgt-garbage": vmcoreinfo_edit(text, b"SYMBOL(init_top_pgt)", b"1"),
                "stext-garbage": vmcoreinfo_edit(text, b"SYMBOL(_stext)", b"0"),
                "no-kerneloffset": text.replace(b"\nKERNELOFFSET=", b"\nXERNELOFFSET="),
                "no-phys_base": text.replace(b"NUMBER(phys_base)", b"NUMBER(xhys_base)"),
                "no-symbols": text.replace(b"SYMBOL(", b"SYMBOX("),
                "no-kallsyms-keys": text.replace(b"SYMBOL(kallsyms_", b"SYMBOX(kallsyms_"),
                "no-valid-line": bytes(c if c in b"\n" else 0x2e for c in text),
                "binary": bytes((c * 7 + 3) & 0xff for c in text),
            }
            for tag, new in sorted(edits.items()):
                if new is not None and new != text:
                    v(f"vmcoreinfo-{tag}", [(desc, new[:dsz].ljust(dsz, b"\n"))])
            break
    # The top-level page table pointing at itself in every entry.
    pgd = top_table_phys(d, notes, ph)
    if pgd is not None:
        foff = phys_to_offset(ph, pgd, 4096)
        if foff is not None:
            v("pgd-cyclic", [(foff, b"".join(q(pgd | 0x63) for _ in range(512)))])
            v("pgd-cyclic-large", [(foff, b"".join(q(pgd | 0xe3) for _ in range(512)))])
            v("pgd-zero", [(foff, bytes(4096))])


def phys_to_offset(ph, paddr, length):
    for p in ph:
        if p[0] == 1 and p[4] <= paddr and paddr + length <= p[4] + p[5]:
            return p[2] + paddr - p[4]
    return None


def top_table_phys(d, notes, ph):
    """Physical address of init_top_pgt from the VMCOREINFO note."""
    for _, p in notes:
        for _, nname, desc, dsz in notes_of(d, p[2], p[5]):
            if nname != b"VMCOREINFO":
                continue
            kv = dict(l.split(b"=", 1) for l in bytes(d[desc:desc + dsz]).split(b"\n")
                      if b"=" in l)
            try:
                sym = int(kv[b"SYMBOL(init_top_pgt)"], 16)
                phys_base = int(kv[b"NUMBER(phys_base)"])
            except (KeyError, ValueError):
                return None
            return (sym - 0xffffffff80000000 + phys_base) & ~0xfff
    return None


# ---- kdump and flattened ------------------------------------------------------

def kdump_cases(s, name, path):
    with open(path, "rb") as f:
        d = f.read()
    if d[:8] not in (b"KDUMP   ", b"DISKDUMP"):
        return
    base = s.baselines(path)
    s.check_read_only(path)
    bs, sub, bm = struct.unpack_from("<iiI", d, 428)
    descs = (1 + sub + bm) * bs
    size = len(d)
    n = min(4096, (size - descs) // 24)
    for tag, val in (("past-end", size + 8192), ("huge", 2**63), ("end", size - 10)):
        edits = [(descs + 24 * k, q(val)) for k in range(0, n, 3)]
        s.check(f"{name}: page-descriptors-{tag}",
                s.variant(f"{name}-pd-{tag}", d, edits), base)
    for tag, val in (("huge", 0xfffffff0), ("over-page", bs * 12 + 100)):
        edits = [(descs + 24 * k + 8, struct.pack("<I", val)) for k in range(0, n, 5)]
        s.check(f"{name}: page-descriptors-size-{tag}",
                s.variant(f"{name}-pd-size-{tag}", d, edits), base)


def flat_cases(s, name, path):
    with open(path, "rb") as f:
        d = f.read()
    if not d.startswith(b"makedumpfile\0"):
        return
    base = s.baselines(path)
    s.check_read_only(path)
    recs, pos = [], 4096
    while pos + 16 <= len(d):
        off, size = struct.unpack_from(">qq", d, pos)
        recs.append((pos, off, size))
        if off == -1:
            break
        pos += 16 + size
    if len(recs) < 4:
        return
    mid = recs[len(recs) // 2]
    last = recs[-2]
    v = lambda tag, edits=(), cut=None: s.check(f"{name}: {tag}",
                                               s.variant(f"{name}-{tag}", d, edits, cut), base)
    be = lambda val: struct.pack(">q", val)
    v("record-size-past-end", [(mid[0] + 8, be(len(d)))])
    v("last-record-size-past-end", [(last[0] + 8, be(last[2] + 4096))])
    v("record-size-huge", [(mid[0] + 8, be(2**62))])
    v("record-size-negative", [(mid[0] + 8, be(-16))])
    v("record-offset-huge", [(mid[0], be(2**60))])
    v("record-offset-negative", [(mid[0], be(-2))])
    v("truncated-in-record", cut=mid[0] + 16 + mid[2] // 2)
    v("truncated-in-record-header", cut=mid[0] + 7)
    v("no-end-marker", cut=recs[-1][0])
    v("header-only", cut=4096)


# ---- synthetic dump with a cyclic page table ----------------------------------

def synthetic_cyclic(s):
    """An ELF dump of 64 KiB whose VMCOREINFO names a PGD at 0x1000 every
    entry of which points at the PGD itself; CPU notes carry CR3 = 0x1000."""
    pgd = 0x1000
    mem = bytearray(0x10000)
    for k in range(512):
        mem[pgd + 8 * k:pgd + 8 * k + 8] = q(pgd | 0x63)
    vi = (b"OSRELEASE=6.1.0-cyclic\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff80001000\n"
          b"SYMBOL(_stext)=ffffffff81000000\nNUMBER(phys_base)=0\n"
          b"NUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n")

    def note(nm, t, desc):
        n = nm + b"\0"
        pad = lambda b: b + bytes(-len(b) % 4)
        return struct.pack("<III", len(n), len(desc), t) + pad(n) + pad(desc)

    qemu = bytearray(440)
    qemu[0:8] = struct.pack("<II", 1, 440)
    cr = 8 + 18 * 8 + 12 * 24
    qemu[cr + 24:cr + 32] = q(pgd)
    prs = bytearray(336)
    prs[32:36] = struct.pack("<I", 1)
    notes = (note(b"CORE", 1, bytes(prs)) + note(b"QEMU", 0, bytes(qemu)) +
             note(b"VMCOREINFO", 0, vi))
    phoff, phnum = 64, 2
    noff = phoff + 56 * phnum
    loff = (noff + len(notes) + 4095) & ~4095
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
          struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0))
    ph = (struct.pack("<IIQQQQQQ", 4, 0, noff, 0, 0, len(notes), len(notes), 0) +
          struct.pack("<IIQQQQQQ", 1, 7, loff, 0, 0, len(mem), len(mem), 0))
    f = eh + ph + notes
    data = f + bytes(loff - len(f)) + bytes(mem)
    for tag, d in (("synthetic-cyclic-pgd", data),
                   ("synthetic-cyclic-pgd-5level",
                    data.replace(b"pgtable_l5_enabled)=0", b"pgtable_l5_enabled)=1"))):
        path = s.variant(tag, d)
        s.check(tag, path, {})


def dumps(truths):
    for truth in truths:
        setdir = os.path.dirname(truth)
        with open(truth) as f:
            files = json.load(f).get("files", {})
        for fname in sorted(files):
            path = os.path.join(setdir, fname)
            if os.path.exists(path):
                yield os.path.basename(setdir), fname, path


def valgrind(a, truths):
    """info and addr under valgrind on the sample and on the first ELF dump
    of at most MAX_ELF bytes: any memcheck error fails."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="vmr-valgrind-") as tmp:
        targets = [os.path.join(a.samples, "vmcore.kdump-zlib")]
        for _, _, path in dumps(truths):
            plain = unwrap(path, tmp)
            if plain:
                with open(plain, "rb") as f:
                    if f.read(4) == b"\x7fELF":
                        targets.append(plain)
                        break
        for path in targets:
            for args in (["info", path], ["addr", path] + ADDRS):
                cmd = [a.valgrind, "-q", "--error-exitcode=99", "--track-origins=no",
                       f"--suppressions={a.suppressions}", a.vmregion] + args
                p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=900)
                err = p.stderr.decode(errors="replace")
                vg = [l for l in err.splitlines() if l.startswith("==")]
                print(f"valgrind {args[0]} {os.path.basename(path)}: exit {p.returncode}, "
                      f"{len(vg)} valgrind lines")
                if p.returncode == 99 or vg:
                    failures.append(f"{args[0]} {path}:\n" + "\n".join(vg[:60]))
    for f in failures:
        print("FAIL:", f)
    print(f"valgrind: {len(failures)} failure(s)")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--valgrind", help="instead: run info and addr under this valgrind")
    ap.add_argument("--suppressions", help="valgrind suppression file")
    a = ap.parse_args()
    truths = sorted(glob.glob(os.path.join(a.corpus, "*", "truth.json")))
    truths.append(os.path.join(a.samples, "truth.json"))
    if a.valgrind:
        return valgrind(a, truths)
    with tempfile.TemporaryDirectory(prefix="vmr-corrupt-") as tmp:
        s = Suite(os.path.abspath(a.vmregion), tmp)
        synthetic_cyclic(s)
        for truth in truths:
            setdir = os.path.dirname(truth)
            setname = os.path.basename(setdir)
            with open(truth) as f:
                files = json.load(f).get("files", {})
            for fname in sorted(files):
                path = os.path.join(setdir, fname)
                if not os.path.exists(path):
                    continue
                before = (os.stat(path).st_mtime_ns, sha(path))
                name = f"{setname}-{fname}"
                with open(path, "rb") as f:
                    head = f.read(16)
                if head.startswith(b"makedumpfile"):
                    flat_cases(s, name, path)
                elif head[:8] in (b"KDUMP   ", b"DISKDUMP"):
                    kdump_cases(s, name, path)
                else:
                    plain = unwrap(path, tmp)
                    if plain:
                        with open(plain, "rb") as f:
                            if f.read(4) == b"\x7fELF":
                                elf_cases(s, name, plain)
                        if plain != path:
                            os.unlink(plain)
                if (os.stat(path).st_mtime_ns, sha(path)) != before:
                    s.failures.append(f"{path}: the corpus dump changed")
                for p in glob.glob(os.path.join(tmp, name + "-*")):
                    os.unlink(p)
    print(f"{s.required} answer(s) different from the intact dump's carried their required warning")
    for f in s.failures:
        print("FAIL:", f)
    print(f"corrupt dumps: {s.cases} cases, {len(s.failures)} failure(s)")
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
