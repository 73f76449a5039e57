#!/usr/bin/env python3
"""`vmregion info` on dumps without VMCOREINFO (x86_64-layout.md §2.4).

For every corpus dump without a VMCOREINFO note, and for the 5-level set with
its note removed, checks paging levels, slide, phys_base and the three bases
against truth.json, with and without the vmlinux, and that each source says
how the value was found.  A second variant of every ELF dump also has the
kernel's in-memory VMCOREINFO page blanked, so that only the page tables,
the IDT, CR4 and the vmlinux remain:

  - with the vmlinux: slide and phys_base from the page tables, confirmed by
    the IDT; paging levels from CR4.LA57; bases read through the vmlinux;
  - without: phys_base from the page tables, the slide marked a guess.

Dumps are copied to a temporary directory before they are changed.  The
Debian 6.1 vmlinux is used only if present (--debian-vmlinux); otherwise
those runs are skipped with a note.
"""
import argparse
import json
import mmap
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from corpustext import find_vmlinux

BASES = ["page_offset_base", "vmalloc_base", "vmemmap_base"]
SETS = [
    # (set, strip the note), files from truth.json
    ("debian-6.1-novmcoreinfo", False),
    ("custom-6.12-novmcoreinfo", False),
    ("custom-6.12-la57-oops", True),
]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def elf_phdrs(m):
    if m[:4] != b"\x7fELF":
        return None
    phoff, = struct.unpack_from("<Q", m, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", m, 0x36)
    out = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, p_paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", m, phoff + i * phentsize)
        out.append((p_type, p_offset, p_paddr, p_filesz))
    return out


def strip(path, blank_memory):
    """Rename the VMCOREINFO note; optionally blank the kernel's own copy."""
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        blanked = 0
        for p_type, off, paddr, size in elf_phdrs(m):
            if p_type == 4:  # PT_NOTE
                i = m.find(b"VMCOREINFO\0\0", off, off + size)
                if i >= 0:
                    m[i:i + 1] = b"X"
            if p_type == 1 and blank_memory:
                i = m.find(b"OSRELEASE=", off, off + size)
                while i >= 0:
                    if (i - off) % 4096 == 0:
                        m[i:i + 10] = b"\0" * 10
                        blanked += 1
                    i = m.find(b"OSRELEASE=", i + 1, off + size)
        m.flush()
        m.close()
    return blanked


def prepare(src, tmp, strip_note, blank_memory):
    """A writable plain copy of @src with the requested changes, or None."""
    name = os.path.basename(src)
    if not strip_note and not blank_memory:
        return src
    dst = os.path.join(tmp, name.removesuffix(".zst") + (".blank" if blank_memory else ""))
    if name.endswith(".zst"):
        with open(dst, "wb") as out:
            subprocess.run(["zstd", "-dcq", src], stdout=out, check=True)
    else:
        shutil.copyfile(src, dst)
    with open(dst, "rb") as f:
        if f.read(4) != b"\x7fELF":
            os.unlink(dst)
            return None  # only ELF files are edited
    n = strip(dst, blank_memory)
    if blank_memory and n == 0:
        print(f"note: {name}: no OSRELEASE= page found to blank")
    return dst


def check(args, truth, dump, tag, vmlinux, blanked, failures):
    extra = ["-k", vmlinux] if vmlinux else []
    tag += " -k vmlinux" if vmlinux else ""
    rc, out, err = run([args.vmregion, "info", "--json", dump] + extra)
    if rc != 0:
        failures.append(f"{tag}: info exit {rc}: {err.strip()}")
        return
    info = json.loads(out)
    src = info["sources"]
    if info["paging_levels"] != truth["paging_levels"]:
        failures.append(f"{tag}: paging_levels {info['paging_levels']} != "
                        f"{truth['paging_levels']} ({src['paging_levels']})")
    keys = ["phys_base"]
    if vmlinux or not blanked:
        keys += ["kaslr_offset"] + BASES
    for key in keys:
        got, want = int(info[key], 16), int(truth[key], 16)
        if got != want:
            failures.append(f"{tag}: {key} {hex(got)} != truth {hex(want)} ({src.get(key)})")
    for key in ["paging_levels", "kaslr_offset", "phys_base"] + BASES:
        if not src.get(key):
            failures.append(f"{tag}: no source for {key}")
    if not blanked:
        # The kernel's own copy: found, and said where.
        for key in ["kaslr_offset", "phys_base"]:
            if not src[key].startswith("vmcoreinfo-memory") or "@phys 0x" not in src[key]:
                failures.append(f"{tag}: {key} source {src[key]!r}: not the memory copy")
        if "page-tables" not in src["phys_base"]:
            failures.append(f"{tag}: phys_base not confirmed by the page tables: {src['phys_base']}")
    else:
        if not src["paging_levels"].startswith("cpu-state") or "CR4.LA57" not in src["paging_levels"]:
            failures.append(f"{tag}: paging levels not from CR4: {src['paging_levels']}")
        if not src["phys_base"].startswith("page-tables"):
            failures.append(f"{tag}: phys_base source {src['phys_base']!r}")
        if vmlinux:
            if not src["kaslr_offset"].startswith("page-tables") or "idt" not in src["kaslr_offset"]:
                failures.append(f"{tag}: slide not page tables + idt: {src['kaslr_offset']}")
            for key in BASES:
                if not src[key].startswith("vmlinux "):
                    failures.append(f"{tag}: {key} not read through the vmlinux: {src[key]}")
        elif not src["kaslr_offset"].startswith("guess") or \
                "0xffffffff81000000" not in src["kaslr_offset"]:
            failures.append(f"{tag}: a slide without vmlinux must say it is a guess: "
                            f"{src['kaslr_offset']}")
    for w in info.get("warnings", []):
        print(f"{tag}: warning: {w}")
    print(f"{tag}: slide {info['kaslr_offset']} ({src['kaslr_offset']})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmregion", required=True)
    ap.add_argument("--corpus", required=True)
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="vmr-novi-") as tmp:
        for setname, strip_note in SETS:
            setdir = os.path.join(args.corpus, setname)
            if not os.path.exists(os.path.join(setdir, "truth.json")):
                print(f"note: {setname} not in the corpus: skipped")
                continue
            with open(os.path.join(setdir, "truth.json")) as f:
                truth = json.load(f)
            vmlinux, why = find_vmlinux(setdir, truth)
            if not vmlinux:
                print(f"note: {setname} checked without a vmlinux: {why}")
            for fname in truth["files"]:
                src = os.path.join(setdir, fname)
                if not os.path.exists(src):
                    continue
                for blank in (False, True):
                    dump = prepare(src, tmp, strip_note, blank)
                    if dump is None:
                        continue
                    tag = f"{setname}/{fname}" + (" (note removed)" if strip_note else "") + \
                        (" (memory copy blanked)" if blank else "")
                    for vm in [None, vmlinux] if vmlinux else [None]:
                        check(args, truth, dump, tag, vm, blank, failures)
                    if dump != src:
                        os.unlink(dump)
    for f in failures:
        print("FAIL:", f)
    print("FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
