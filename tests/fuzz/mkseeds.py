#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed inputs of the fuzz targets into tests/fuzz/corpus/NAME/.

Synthetic seeds are laid out here the way the kernel (or the dump writer)
lays them out, with the struct layouts of the matching unit tests; the rest
are cut-down pieces of the real dumps of the corpus ($VMR_CORPUS, default
../shared/corpus) and of samples/: ELF headers and notes, VMCOREINFO texts,
kdump files reduced to a handful of pages, oops texts of serial consoles.
Run it again after changing a harness's input format; it rewrites only the
files it names (seed-*), never the inputs libFuzzer added.

Usage: tests/fuzz/mkseeds.py [--corpus DIR]
"""
import argparse
import glob
import os
import struct
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
MAX_SEED = 64 << 10


def out(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    assert len(data) <= MAX_SEED, (harness, name, len(data))
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def u64(v):
    return struct.pack("<Q", v & (2**64 - 1))


def u32(v):
    return struct.pack("<I", v & (2**32 - 1))


def u16(v):
    return struct.pack("<H", v & 0xffff)


class Mem:
    """A little-endian memory image grown on demand."""

    def __init__(self, size=0):
        self.b = bytearray(size)

    def put(self, off, data):
        if off + len(data) > len(self.b):
            self.b.extend(bytes(off + len(data) - len(self.b)))
        self.b[off:off + len(data)] = data

    def q(self, off, v):
        self.put(off, u64(v))

    def l(self, off, v):
        self.put(off, u32(v))

    def bytes(self):
        return bytes(self.b)


# ---- ELF vmcores ----------------------------------------------------------

def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def prstatus(pid, rip=0xffffffff81000100, rsp=0xffffc90000003f00):
    d = bytearray(336)
    d[32:36] = u32(pid)
    regs = [0] * 27
    regs[16] = rip  # VMR_REG_RIP
    regs[19] = rsp  # VMR_REG_RSP
    regs[17] = 0x10
    d[112:112 + 216] = b"".join(u64(r) for r in regs)
    return bytes(d)


def qemu_cpu(cr3):
    """QEMUCPUState (qemu target/i386/arch_dump.c), version 1, size 440."""
    d = bytearray(440)
    d[0:4] = u32(1)
    d[4:8] = u32(440)
    # 18 u64 registers, then 8 segments of {selector, limit, flags, pad, base}
    seg0 = 8 + 18 * 8
    d[8 + 16 * 8:8 + 17 * 8] = u64(0xffffffff81000100)  # rip
    gdt = seg0 + 8 * 24
    idt = gdt + 24 + 24 + 24  # ldt, tr, gdt, idt ... cr follows
    cr = seg0 + 12 * 24
    d[cr + 3 * 8:cr + 4 * 8] = u64(cr3)
    return bytes(d)


VMCOREINFO = (
    "OSRELEASE=6.1.0-56-cloud-amd64\nBUILD-ID=3f0c\nPAGESIZE=4096\n"
    "SYMBOL(init_uts_ns)=ffffffff82612440\nSYMBOL(_stext)=ffffffff81000000\n"
    "SYMBOL(init_top_pgt)=ffffffff82a0a000\nSYMBOL(swapper_pg_dir)=ffffffff82a0a000\n"
    "SIZE(page)=64\nOFFSET(page.flags)=0\nLENGTH(zone.free_area)=11\n"
    "NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\nNUMBER(VMALLOC_START)=0xffffc90000000000\n"
    "SYMBOL(page_offset_base)=ffffffff82423440\nKERNELOFFSET=0\nCRASHTIME=1700000000\n"
)


def page_tables(m, base=0x1000):
    """4-level tables at base..base+0x4000 mapping the kernel image (2 MiB
    leaf), a 4 KiB page, a 1 GiB direct-map leaf, and a PGD entry that
    points at the PGD itself (a cycle)."""
    pgd, pud, pmd, pte = base, base + 0x1000, base + 0x2000, base + 0x3000
    P, RW, PS = 1, 2, 0x80
    m.q(pgd + 511 * 8, pud | P | RW)          # 0xffffff8000000000
    m.q(pgd + 273 * 8, pud | P | RW)          # 0xffff888000000000 (direct map)
    m.q(pgd + 0 * 8, pgd | P | RW)            # self reference
    m.q(pud + 510 * 8, pmd | P | RW)          # 0xffffffff80000000
    m.q(pud + 0 * 8, 0 | P | RW | PS)         # 1 GiB leaf
    m.q(pmd + 8 * 8, 0x200000 | P | RW | PS)  # 0xffffffff81000000 -> 2 MiB
    m.q(pmd + 9 * 8, pte | P | RW)
    m.q(pte + 0 * 8, 0x5000 | P | RW)         # 0xffffffff81200000 -> 0x5000
    m.q(pte + 1 * 8, 0x6000 | RW)             # not present
    return pgd


def elf_vmcore(loads, notes, phdr_align=0):
    """loads: [(paddr, vaddr, data, memsz)]"""
    phnum = 1 + len(loads)
    phoff = 64
    note_off = phoff + phnum * 56
    data_off = note_off + len(notes)
    data_off += -data_off % 16
    ph = [struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(notes), len(notes), 0)]
    blob = bytearray()
    off = data_off
    for paddr, vaddr, data, memsz in loads:
        ph.append(struct.pack("<IIQQQQQQ", 1, 7, off, vaddr, paddr, len(data),
                              memsz or len(data), phdr_align))
        blob += data
        off += len(data)
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
          struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0))
    f = eh + b"".join(ph) + notes
    f += bytes(data_off - len(f))
    return bytes(f + blob)


def synthetic_elf(qemu=True, vmcoreinfo=VMCOREINFO):
    m = Mem(0x8000)
    for a in range(0, 0x8000, 8):
        m.q(a, a)
    pgd = page_tables(m)
    notes = note("CORE", 1, prstatus(1)) + note("CORE", 1, prstatus(2))
    if qemu:
        notes += note("QEMU", 0, qemu_cpu(pgd)) + note("QEMU", 0, qemu_cpu(pgd))
    if vmcoreinfo is not None:
        notes += note("VMCOREINFO", 0, vmcoreinfo.encode())
    mem = m.bytes()
    loads = [(0, 0, mem[:0x4000], 0), (0x4000, 0, mem[0x4000:], 0x8000),
             (0x100000, 0xffff888000100000, bytes(range(256)) * 16, 0)]
    return elf_vmcore(loads, notes)


def flatten(data, record=4096):
    h = bytearray(4096)
    h[0:12] = b"makedumpfile"
    h[16:24] = struct.pack(">Q", 1)
    h[24:32] = struct.pack(">Q", 1)
    s = bytes(h)
    for off in range(0, len(data), record):
        chunk = data[off:off + record]
        s += struct.pack(">qq", off, len(chunk)) + chunk
    return s + struct.pack(">qq", -1, 0)


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-19"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def zstd_head(path, n):
    p = subprocess.run(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    return p.stdout[:n]


def read_head(path, n):
    if path.endswith(".zst"):
        return zstd_head(path, n)
    with open(path, "rb") as f:
        return f.read(n)


def elf_vmcoreinfo(head):
    """The VMCOREINFO descriptor of the PT_NOTEs inside @head, or None."""
    if head[:4] != b"\x7fELF":
        return None
    phoff, = struct.unpack_from("<Q", head, 32)
    phnum, = struct.unpack_from("<H", head, 56)
    for i in range(min(phnum, 64)):
        if phoff + (i + 1) * 56 > len(head):
            break
        t, _, off, _, _, fsz, _, _ = struct.unpack_from("<IIQQQQQQ", head, phoff + i * 56)
        if t != 4:
            continue
        pos, end = off, min(off + fsz, len(head))
        while pos + 12 <= end:
            nsz, dsz, _ = struct.unpack_from("<III", head, pos)
            name = head[pos + 12:pos + 12 + nsz].rstrip(b"\0")
            d = pos + 12 + ((nsz + 3) & ~3)
            if name == b"VMCOREINFO":
                return head[d:d + dsz]
            pos = d + ((dsz + 3) & ~3)
    return None


# ---- kdump-compressed ---------------------------------------------------

def kdump_synthetic(version=6, nr_cpus=2, compress=True):
    """A valid kdump-compressed file of 16 pfns, 4 of them dumped."""
    bs = 4096
    h = bytearray(bs)
    h[0:8] = b"KDUMP   "
    struct.pack_into("<i", h, 8, version)
    h[12:17] = b"Linux"
    h[12 + 65 * 4:12 + 65 * 4 + 6] = b"x86_64"
    notes = note("CORE", 1, prstatus(1)) + note("CORE", 1, prstatus(2))
    vi = VMCOREINFO.encode()
    extra = notes + vi
    extra += bytes(-len(extra) % bs)
    sub_blocks = 1 + len(extra) // bs  # notes and VMCOREINFO inside the sub-header
    struct.pack_into("<iiiIIi", h, 424, 1 if compress else 0, bs, sub_blocks, 1, 16, 0)
    struct.pack_into("<i", h, 460, nr_cpus)
    sub = bytearray(bs)
    sh_notes = 2 * bs
    struct.pack_into("<Q", sub, 0, 0x1000000)                   # phys_base
    struct.pack_into("<QQ", sub, 32, sh_notes + len(notes), len(vi))
    struct.pack_into("<QQ", sub, 48, sh_notes, len(notes))
    struct.pack_into("<Q", sub, 96, 16)                         # max_mapnr_64
    bitmap = bytearray(bs)
    bitmap[0:2] = b"\xff\xff"          # RAM: pfns 0..15
    bitmap[2048] = 0b00101101          # dumped: 0, 2, 3, 5
    desc_off = (1 + sub_blocks + 1) * bs
    pages = [0, 2, 3, 5]
    data = bytearray()
    descs = bytearray()
    data_off = desc_off + 24 * len(pages)
    for pfn in pages:
        raw = bytes([pfn]) * bs if pfn != 3 else b"".join(u64(pfn * bs + i) for i in range(0, bs, 8))
        payload = zlib.compress(raw) if compress and pfn != 5 else raw
        flags = 1 if payload is not raw else 0
        descs += struct.pack("<QIIQ", data_off + len(data), len(payload), flags, 0)
        data += payload
    return bytes(h + sub + extra + bitmap + descs + data)


def kdump_cut(path, keep=6):
    """@path reduced to its first @keep dumped pages: headers, notes and
    bitmaps kept, the second bitmap cleared after those pages."""
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            return None
        bs, sub_blocks, bm_blocks, max_mapnr = struct.unpack_from("<iiII", h, 428)
        f.seek(0)
        head = bytearray(f.read((1 + sub_blocks + bm_blocks) * bs))
        if len(head) > 48 << 10:
            return None
        bm_off = (1 + sub_blocks) * bs
        half = bm_blocks * bs // 2
        if struct.unpack_from("<i", h, 8)[0] >= 6:
            max_mapnr = struct.unpack_from("<Q", head, bs + 96)[0] or max_mapnr
        # the first `keep` set bits of bitmap 2 stay set
        kept = 0
        for i in range(half):
            b = head[bm_off + half + i]
            nb = 0
            for bit in range(8):
                if b >> bit & 1:
                    if kept < keep:
                        nb |= 1 << bit
                    kept += 1
            head[bm_off + half + i] = nb
        f.seek(len(head))
        descs = bytearray(f.read(24 * keep))
        data = bytearray()
        base = len(head) + 24 * keep
        for i in range(keep):
            off, size, flags, pflags = struct.unpack_from("<QIIQ", descs, 24 * i)
            if size > 8192:
                return None
            f.seek(off)
            chunk = f.read(size)
            struct.pack_into("<Q", descs, 24 * i, base + len(data))
            data += chunk
        return bytes(head + descs + data)


# ---- page tables -------------------------------------------------------------

def pgtable_seed(levels=4, wrap=False, va=None, rng=(0xffff800000000000, 2**64 - 1)):
    m = Mem(0x7000)
    root = page_tables(m)
    if levels == 5:
        # a P4D level on top: PML5 at 0x6000 whose 511 entry -> old PGD
        m.q(0x6000 + 511 * 8, root | 3)
        m.q(0x6000 + 0 * 8, root | 3)
        root = 0x6000
    va = va or [0xffffffff81001234, 0xffffffff81200010, 0xffff888000123456, 0x1234]
    flags = (1 if wrap else 0) | (2 if levels == 5 else 0)
    hdr = u64(root) + bytes([flags]) + bytes(7) + b"".join(u64(v) for v in va)
    hdr += u64(rng[0]) + u64(rng[1])
    return hdr + m.bytes()


# ---- kallsyms ------------------------------------------------------------

MULTI = ["sys_", "crash", "jiffies", "__", "_64", "Tsys_"]
KSYMS = [("fixed_percpu_data", "A", 0x0, True), ("pcpu_hot", "A", 0x20280, True),
         ("_stext", "T", 0xffffffff81000000, False), ("_text", "T", 0xffffffff81000000, False),
         ("startup_64", "t", 0xffffffff81000100, False),
         ("sys_crash", "T", 0xffffffff81000200, False),
         ("dup", "t", 0xffffffff81000300, False), ("dup", "T", 0xffffffff81000400, False),
         ("long_" + "L" * 200, "t", 0xffffffff81000500, False),
         ("jiffies", "D", 0xffffffff82100000, False),
         ("jiffies_64", "D", 0xffffffff82100000, False),
         ("_end", "B", 0xffffffff82200000, False)]


def kallsyms_seed(scheme):
    """scheme: 'abs' (ABSOLUTE_PERCPU), 'rel', 'addr' (kallsyms_addresses)."""
    O_NUM, O_BASE, O_TOKIDX, O_TOKTAB, O_OFF = 0x10, 0x18, 0x100, 0x400, 0x1000
    text = 0xffffffff81000000
    syms = [s for s in KSYMS if scheme == "abs" or not s[3]]
    m = Mem(O_OFF)
    table = bytearray()
    index = []
    for i in range(256):
        index.append(len(table))
        if 1 <= i <= len(MULTI):
            table += MULTI[i - 1].encode() + b"\0"
        elif 0x20 <= i < 0x7f:
            table += bytes([i, 0])
        else:
            table += b"?\0"
    m.put(O_TOKTAB, bytes(table))
    m.put(O_TOKIDX, b"".join(u16(i) for i in index))
    m.l(O_NUM, len(syms))
    m.q(O_BASE, text)
    names_off = O_OFF + ((len(syms) * 8 + 0xff) & ~0xff)
    np = names_off
    for i, (name, t, addr, percpu) in enumerate(syms):
        full = t + name
        enc = bytearray()
        p = 0
        while p < len(full):
            best, blen = ord(full[p]), 1
            for k, mt in enumerate(MULTI):
                if len(mt) > blen and full.startswith(mt, p):
                    best, blen = k + 1, len(mt)
            enc.append(best)
            p += blen
        if len(enc) >= 0x80:
            m.put(np, bytes([0x80 | (len(enc) & 0x7f), len(enc) >> 7]))
            np += 2
        else:
            m.put(np, bytes([len(enc)]))
            np += 1
        m.put(np, bytes(enc))
        np += len(enc)
        if scheme == "addr":
            m.q(O_OFF + i * 8, addr)
        elif scheme == "rel":
            m.put(O_OFF + i * 4, struct.pack("<i", ((addr - text) & 0xffffffff) - (1 << 32)
                                             if (addr - text) & 0x80000000 else addr - text))
        else:
            v = addr if percpu else text - addr - 1
            m.put(O_OFF + i * 4, struct.pack("<i", v))
    flags = 2 if scheme == "addr" else 0
    hdr = b"".join(u32(o) for o in (names_off, O_NUM, O_TOKTAB, O_TOKIDX, O_OFF, O_BASE,
                                     O_OFF)) + bytes([flags]) + bytes(3)
    return hdr + m.bytes()


def kallscan_seed(layout, n=300):
    """The tables of n symbols laid out as scripts/kallsyms.c does, between
    other bytes.  layout: 'le61' (offsets, relative_base, num_syms, names,
    markers, token table, token index), 'le61-seqs' (Debian 6.1:
    seqs_of_names before the tokens), 'ge62' (num_syms first, offsets after
    the token index), 'addresses' (kallsyms_addresses, 4.5 and older)."""
    text = 0xffffffff81000000

    def pad8(b):
        return b + bytes(-len(b) % 8)
    table, index = bytearray(), []
    for i in range(256):
        index.append(len(table))
        table += (bytes([i]) if 0x20 < i < 0x7f else b"~%02x" % i) + b"\0"
    names, marks = bytearray(), []
    for i in range(n):
        if i % 256 == 0:
            marks.append(len(names))
        name = b"Tsym%05d" % i
        names += bytes([len(name)]) + name
    offsets = pad8(b"".join(u32(0x40 * i) for i in range(n)))
    head = u32(n) + u32(0)
    tail = (pad8(bytes(names)) + pad8(b"".join(u32(m) for m in marks)) +
            (pad8(bytes(3 * n)) if layout == "le61-seqs" else b""))
    tokens = pad8(bytes(table)) + b"".join(u16(i) for i in index)
    if layout == "ge62":
        body = head + tail + tokens + offsets + u64(text) + pad8(bytes(3 * n))
    elif layout == "addresses":
        body = b"".join(u64(text + 0x40 * i) for i in range(n)) + head + tail + tokens
    else:
        body = offsets + u64(text) + head + tail + tokens
    other = bytes((i * 37 + 11) & 0xff for i in range(256))
    return other + body + other


# ---- BTF -----------------------------------------------------------------

def btf_seed():
    strs = bytearray(b"\0")

    def s(name):
        if not name:
            return 0
        off = len(strs)
        strs.extend(name.encode() + b"\0")
        return off

    types = bytearray()

    def t(name, kind, vlen, size_or_type, extra=b"", kflag=0):
        types.extend(struct.pack("<III", s(name), kind << 24 | vlen | kflag << 31,
                                 size_or_type) + extra)

    t("int", 1, 0, 4, u32(1 << 24 | 32))                     # 1 int (signed)
    t("long", 1, 0, 8, u32(1 << 24 | 64))                    # 2 long
    t("list_head", 4, 2, 16, struct.pack("<III", s("next"), 4, 0) +
      struct.pack("<III", s("prev"), 4, 64))                 # 3
    t("", 2, 0, 3)                                           # 4 *list_head
    t("char", 1, 0, 1, u32(2 << 24 | 8))                     # 5 char
    t("", 3, 0, 0, struct.pack("<III", 5, 1, 16))            # 6 char[16]
    t("", 5, 2, 8, struct.pack("<III", s("x"), 1, 0) +
      struct.pack("<III", s("u"), 2, 0))                     # 7 anon union
    t("task_struct", 4, 5, 0x100,
      struct.pack("<III", s("tasks"), 3, 0x10 * 8) +
      struct.pack("<III", s("pid"), 9, 0x40 * 8) +
      struct.pack("<III", 0, 7, 0x48 * 8) +
      struct.pack("<III", s("comm"), 6, 0x50 * 8) +
      struct.pack("<III", s("thread"), 12, 0x80 * 8))        # 8
    t("pid_t", 8, 0, 1)                                      # 9 typedef
    t("fixed_addresses", 6, 3, 4,
      struct.pack("<Ii", s("FIX_HOLE"), 0) + struct.pack("<Ii", s("FIX_BTMAP_END"), 5) +
      struct.pack("<Ii", s("__end_of_permanent_fixed_addresses"), 5))  # 10
    t("big", 19, 1, 8, struct.pack("<III", s("BIG_ONE"), 1, 0x80000000), kflag=1)  # 11
    t("thread_struct", 4, 1, 8, struct.pack("<III", s("sp"), 2, 0))  # 12
    t("", 13, 1, 1, struct.pack("<II", s("a"), 2))          # 13 proto
    t("f", 12, 1, 13)                                        # 14 func
    t("v", 14, 0, 1, u32(1))                                 # 15 var
    t(".data", 15, 1, 8, struct.pack("<III", 15, 0, 4))      # 16 datasec
    t("", 10, 0, 8)                                          # 17 const struct
    t("module", 7, 0, 0)                                     # 18 fwd
    hdr = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(strs))
    return hdr + bytes(types) + bytes(strs)


# ---- printk ----------------------------------------------------------------

ID_MASK = (1 << 62) - 1


def prb_seed(nrec=8, cbits=4, sbits=10):
    """A lockless ring (k6.1 offsets) at offset 0 of the memory."""
    O_DESCS, O_INFOS, O_DATA = 0x100, 0x400, 0xc00
    VB = 0xffffffff82000000
    count, size = 1 << cbits, 1 << sbits
    m = Mem(O_DATA + size)
    head = tail = (-count - 1) & ID_MASK
    head_lpos = tail_lpos = 2**64 - size  # lpos kept unbounded here, masked on store
    live = []

    def desc(i):
        return O_DESCS + (i & (count - 1)) * 24

    def info(i):
        return O_INFOS + (i & (count - 1)) * 88

    m.q(desc(head), 3 << 62 | head)
    m.q(desc(head) + 8, 1)
    m.q(desc(head) + 16, 1)
    texts = ["Linux version 6.1.0", "Command line: console=ttyS0", "",
             "sysrq: Trigger a crash", "Kernel panic - not syncing: sysrq triggered crash",
             "CPU: 1 PID: 1 Comm: sh", "Call Trace:", " <TASK>"]
    for n in range(nrec):
        text = texts[n % len(texts)].encode()
        i = (head + 1) & ID_MASK
        if ((i - tail) & ID_MASK) >= count:  # desc_push_tail()
            if live and live[0][0] == tail:
                tail_lpos = live.pop(0)[1]
            tail = (tail + 1) & ID_MASK
        head = i
        m.put(info(i), bytes(88))
        m.q(info(i), n)
        m.q(info(i) + 8, 1000000 * n)
        m.put(info(i) + 16, u16(len(text)))
        m.put(info(i) + 19, bytes([6 << 5 | 2]))
        m.l(info(i) + 20, n)
        m.put(info(i) + 24, b"pci\0")
        m.put(info(i) + 40, b"+pci:0000:00:01.0\0")
        if not text:
            m.q(desc(i) + 8, 3)
            m.q(desc(i) + 16, 3)
        else:
            bsize = (8 + len(text) + 7) & ~7
            begin = head_lpos
            nxt = begin + bsize
            if (begin >> sbits) != ((nxt - 1) >> sbits):
                nxt = (nxt & ~(size - 1)) + bsize
            while nxt - tail_lpos > size:  # data_push_tail()
                old_id, tail_lpos = live.pop(0)
                if m.b[desc(old_id):desc(old_id) + 8] == u64(2 << 62 | old_id):
                    m.q(desc(old_id), 3 << 62 | old_id)
            off = (nxt - bsize) & (size - 1)
            m.q(O_DATA + off, i)
            m.put(O_DATA + off + 8, text)
            m.q(desc(i) + 8, begin)
            m.q(desc(i) + 16, nxt)
            head_lpos = nxt
            live.append((i, nxt))
        m.q(desc(i), (2 if n < nrec - 1 else 1) << 62 | i)
    m.l(0, cbits)
    m.q(8, VB + O_DESCS)
    m.q(16, VB + O_INFOS)
    m.q(24, head)
    m.q(32, tail)
    m.l(48, sbits)
    m.q(56, VB + O_DATA)
    m.q(64, head_lpos)
    m.q(72, tail_lpos)
    hdr = u32(0) + u32(0) + bytes(24)
    return hdr + m.bytes()


def logbuf_seed(wrap_marker=True):
    VB = 0xffffffff82000000
    m = Mem(0x100)
    buf = bytearray()
    for n, text in enumerate([b"Linux version 5.4", b"BUG: unable to handle", b"RIP: 0010:x"]):
        rec = struct.pack("<QHHHBBI", 1000 * n, 0, len(text), 0, 0, 6 << 5 | 2, n) + text
        rec += bytes(-len(rec) % 8)
        rec = rec[:8] + u16(len(rec)) + rec[10:]
        buf += rec
    nxt = len(buf)
    if wrap_marker:
        buf += bytes(16)  # len 0: wrap to the start
    buf += bytes(0x100 - len(buf))
    m.put(0x100, bytes(buf))
    m.q(0, VB + 0x100)
    m.l(8, len(buf))
    m.l(0xc, 0)
    m.l(0x10, nxt)
    m.q(0x18, 5)
    hdr = u32(2 | 4) + u32(0) + u32(0) + u32(8) + u32(0xc) + u32(0x10) + u32(0x18) + bytes(4)
    return hdr + m.bytes()


# ---- structure walks -------------------------------------------------------

def modules_seed(mem_layout=True):
    VB = 0xffffffffc1000000
    O_LIST, O_NAME, O_MEM, O_INIT, O_KS, O_PCPU, O_PCPUSZ = 8, 0x18, 0x50, 0x68, 0xc0, 0xc8, 0xd0
    MOD = lambda i: 0x100 + 0x100 * i
    KS = lambda i: 0x400 + 0x400 * i
    m = Mem(0x1000)
    names = ["alpha", "beta", "gamma"]
    m.q(0, VB + MOD(0) + O_LIST)
    for i, name in enumerate(names):
        nxt = VB + (MOD(i + 1) + O_LIST if i + 1 < len(names) else 0)
        m.q(MOD(i) + O_LIST, nxt)
        m.q(MOD(i) + O_LIST + 8, VB + (MOD(i - 1) + O_LIST if i else 0))
        m.put(MOD(i) + O_NAME, name.encode() + b"\0")
        text = 0xffffffffc0000000 + 0x100000 * i
        if mem_layout:
            for p, (off, sz) in enumerate([(0, 0x2000), (0x2000, 0x1000), (0x4000, 0x1000)]):
                m.q(MOD(i) + O_MEM + 0x10 * p, text + off)
                m.l(MOD(i) + O_MEM + 0x10 * p + 8, sz)
        else:
            m.q(MOD(i) + O_MEM, text)
            m.l(MOD(i) + O_MEM + 8, 0x5000)
            m.l(MOD(i) + O_MEM + 0xc, 0x2000)
            m.l(MOD(i) + O_MEM + 0x10, 0x3000)
            m.l(MOD(i) + O_MEM + 0x14, 0x4000)
            m.q(MOD(i) + O_INIT, text + 0x80000)
            m.l(MOD(i) + O_INIT + 8, 0x1000)
            m.l(MOD(i) + O_INIT + 0xc, 0x800)
        m.q(MOD(i) + O_PCPU, 0x34000 + 0x100 * i)
        m.l(MOD(i) + O_PCPUSZ, 0x100)
        ks = KS(i)
        symtab, strtab = ks + 0x40, ks + 0x200
        m.q(MOD(i) + O_KS, VB + ks)
        syms = [("fn_%s" % name, text + 0x10, 1), ("$x", text + 0x20, 1),
                ("data_%s" % name, text + 0x2020, 2), ("pcpu_%s" % name, 0x34000 + 0x100 * i, 4)]
        m.q(ks, VB + symtab)
        m.l(ks + 8, len(syms) + 1)
        m.q(ks + 0x10, VB + strtab)
        pos = 1
        m.put(strtab, b"\0")
        for j, (sname, val, shndx) in enumerate(syms):
            e = symtab + (j + 1) * 24
            m.put(strtab + pos, sname.encode() + b"\0")
            m.put(e, u32(pos) + bytes([0x12, 0]) + u16(shndx) + u64(val))
            pos += len(sname) + 1
        m.q(ks + 0x18, VB + strtab + pos)
        m.put(strtab + pos, b"TtDA")
    # close the circle: last -> head, head.prev -> last
    m.q(MOD(2) + O_LIST, VB + 0)
    m.q(8, VB + MOD(2) + O_LIST)
    m.q(MOD(0) + O_LIST + 8, VB + 0)
    flags = 0 if mem_layout else 2
    return u32(flags) + u32(0) + u64(0xffffffffc0000010) + m.bytes()


VL = dict(va_size=72, va_start=0, va_end=8, va_rb_node=16, va_list=40, va_vm=56, va_flags=64,
          vm_addr=8, vm_size=16, vm_flags=24, vm_nr_pages=44, vm_phys_addr=48, vm_caller=56,
          vm_requested_size=64, node_busy_head=0x18)


def vmalloc_seed(kind):
    BASE = 0xffff888000000000
    VA = lambda i: 0x200 + i * 0x80
    VM = lambda i: 0x600 + i * 0x80
    HEAD, NODES = 0x100, 0xa00
    m = Mem(0xc00)
    for i, (pages, flags) in enumerate([(4, 2), (1, 1), (2, 4), (8, 0x22)]):
        area = 0xffffc90000000000 + i * 0x10000
        m.q(VA(i) + VL["va_start"], area)
        m.q(VA(i) + VL["va_end"], area + (pages + 1) * 4096)
        m.q(VA(i) + VL["va_vm"], BASE + VM(i))
        m.q(VA(i) + VL["va_flags"], 2)
        m.q(VM(i) + VL["vm_addr"], area)
        m.q(VM(i) + VL["vm_size"], (pages + 1) * 4096)
        m.q(VM(i) + VL["vm_flags"], flags)
        m.l(VM(i) + VL["vm_nr_pages"], pages)
        m.q(VM(i) + VL["vm_phys_addr"], 0xfee00000 if flags & 1 else 0)
        m.q(VM(i) + VL["vm_caller"], 0xffffffff81234560 + i)
        m.q(VM(i) + VL["vm_requested_size"], pages * 4096 - 100)

    def link(head, order):
        prev = head
        for i in order:
            node = VA(i) + VL["va_list"]
            m.q(prev, BASE + node)
            m.q(node + 8, BASE + prev)
            prev = node
        m.q(prev, BASE + head)
        m.q(head + 8, BASE + prev)

    at, nr = HEAD, 0
    if kind == "list":
        link(HEAD, [0, 1, 2, 3])
        flags = 0
    elif kind == "tree":
        rb = lambda i: VA(i) + VL["va_rb_node"]
        m.q(rb(1) + 8, BASE + rb(2))   # right
        m.q(rb(1) + 16, BASE + rb(0))  # left
        m.q(rb(0), BASE + rb(1))
        m.q(rb(2), BASE + rb(1))
        m.q(rb(2) + 8, BASE + rb(3))
        m.q(rb(3), BASE + rb(2))
        at, flags = rb(1), 2
    else:
        link(NODES + VL["node_busy_head"], [0, 2])
        link(NODES + 0x100 + VL["node_busy_head"], [1, 3])
        at, nr, flags = NODES, 2, 4
    return u32(flags) + u32(at) + u32(nr) + u32(0x10010) + m.bytes()


def tasks_seed(thread_group=False):
    BASE = 0xffff888000000000
    TASK = lambda i: 0x100 + i * 0x100
    SIG = lambda i: 0x900 + i * 0x40
    T_STACK, T_TASKS, T_PID, T_COMM, T_SIG, T_NODE, T_GROUP = 8, 0x10, 0x40, 0x50, 0x60, 0x70, 0x80
    m = Mem(0xa00)
    tasks = [(0, "swapper/0", 0), (1, "init", 1), (50, "sh", 2), (51, "sh-worker", 2),
             (52, "sh-worker2", 2), (0, "swapper/1", 0)]
    for i, (pid, comm, sig) in enumerate(tasks):
        m.q(TASK(i) + T_STACK, 0xffffc90000000000 + i * 0x5000)
        m.put(TASK(i) + T_PID, struct.pack("<i", pid))
        m.put(TASK(i) + T_COMM, comm.encode()[:15] + b"\0")
        m.q(TASK(i) + T_SIG, BASE + SIG(sig))

    def link(head, off, order):
        prev = head
        for i in order:
            node = TASK(i) + off
            m.q(prev, BASE + node)
            m.q(node + 8, BASE + prev)
            prev = node
        m.q(prev, BASE + head)
        m.q(head + 8, BASE + prev)

    link(TASK(0) + T_TASKS, T_TASKS, [1, 2])
    if thread_group:
        for i in range(6):
            link(TASK(i) + T_GROUP, T_GROUP, [])
        link(TASK(2) + T_GROUP, T_GROUP, [3, 4])
    else:
        for s, members in [(0, [0]), (1, [1]), (2, [2, 3, 4])]:
            link(SIG(s) + 0x10, T_NODE, members)
    flags = 2 if thread_group else 0
    return u32(flags) + u32(TASK(0)) + u32(TASK(5)) + u32(0) + m.bytes()


# ---- oops texts and RSP streams ------------------------------------------------

OOPS_HANDMADE = """\
[   12.345678] ------------[ cut here ]------------
[   12.345679] WARNING: CPU: 0 PID: 42 at drivers/foo/bar.c:123 foo_probe+0x1a/0x40 [foo]
[   12.345680] Modules linked in: foo(O) bar
[   12.345681] CPU: 0 PID: 42 Comm: modprobe Tainted: G           O       6.1.0 #1
[   12.345682] RIP: 0010:foo_probe+0x1a/0x40 [foo]
[   12.345683] Code: 48 89 e5 <0f> 0b 5d c3
[   12.345684] RSP: 0018:ffffc90000123d48 EFLAGS: 00010246
[   12.345685] RAX: 0000000000000000 RBX: ffff888003a1c000 RCX: 0000000000000000
[   12.345686] R13: ffff888003a1c0a8 R14: 0000000000000001 R15: ffffffffc0a02010
[   12.345687] FS:  00007f1234567740(0000) GS:ffff88800f800000(0000) knlGS:0000000000000000
[   12.345688] CR2: 0000000000000000 CR3: 0000000003f6e000 CR4: 00000000003506f0
[   12.345689] Call Trace:
[   12.345690]  <IRQ>
[   12.345691]  ? __warn+0x7d/0xc0
[   12.345692]  foo_irq.cold+0x5/0x10 [foo 0123456789abcdef0123456789abcdef01234567]
[   12.345693]  </IRQ>
[   12.345694]  <TASK>
[   12.345695]  do_one_initcall.constprop.0+0x44/0x200
[   12.345696]  [<ffffffff81000100>] entry_SYSCALL_64_after_hwframe+0x63/0xcd
[   12.345697] RIP: 0033:0x7f1234567890
[   12.345698]  </TASK>
[   12.345699] ---[ end trace 0000000000000000 ]---
[   13.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:50]
[   13.000001] Kernel panic - not syncing: softlockup: hung tasks
[   13.000002] Kernel Offset: 0x1f200000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)
"""


SLAB_VMEMMAP = 0xffffea0000000000
SLAB_DIRECT = 0xffff888000000000


def slab_seed(flag_test=False):
    """fuzz_slab: a 4-object slab of 1 KiB at pfn 4 (6.12 page type, or
    6.1 PG_slab), its kmem_cache "test_cache", free list obj2 -> obj0; the
    memory is served at vmemmap, wrapped (32 KiB)."""
    size = 0x8000
    m = Mem(size)

    def at(addr):
        return (addr - SLAB_VMEMMAP) % size
    page = SLAB_VMEMMAP + 4 * 64
    cache = SLAB_VMEMMAP + 0x2000
    base = SLAB_DIRECT + (4 << 12)
    if flag_test:
        m.q(at(page), 1 << 9)
        m.q(at(page + 24), cache)
    else:
        m.put(at(page + 48), u32(0xf5 << 24))
        m.q(at(page + 8), cache)
    m.q(at(page + 32), base + 2 * 1024)
    m.q(at(page + 40), 4 | 4 << 16)
    m.put(at(cache + 0x18), u32(1024) + u32(1024) + u32(0) + u32(0))
    m.q(at(cache + 0x60), cache + 0x100)
    m.put(at(cache + 0x100), b"test_cache\0")
    m.q(at(base + 2 * 1024), base)
    m.q(at(base), 0)
    flags = 1 | 32 | (2 if flag_test else 0)
    hdr = u32(flags) + u32(4) + u32(1024 + 8) + u32(0) + bytes(32)
    return hdr + m.bytes()


def percpu_seed(stop_at_unused=False):
    """fuzz_percpu: __per_cpu_offset[8] with 4 possible CPUs, units of 256 KiB."""
    offs = [0xffff88807d000000 + i * 0x40000 for i in range(4)] + [0] * 4
    flags = 2 if stop_at_unused else 0
    hdr = (u32(flags) + u32(len(offs)) + u64(0) + u64(0) + u64(0x30000) +
           u64(offs[1] + 0x100))
    return hdr + b"".join(u64(o) for o in offs) + bytes(64)


def orc_entry(sp_off, bp_off, sp_reg, bp_reg, typ, sig=0):
    return struct.pack("<hhH", sp_off, bp_off, sp_reg | bp_reg << 4 | typ << 8 | sig << 11)


def orc_seed(fmt=3, build_lookup=True):
    """fuzz_orc: four functions 4 KiB apart (leaf CALL, push-bp CALL, REGS
    entry code, end of stack) in the V3 format, and a stack from the leaf
    through the entry code's pt_regs to user mode."""
    text = 0xffffffff81000000
    ip_addr = text + 0x800000
    fns = [text + 0x1000 * i for i in range(5)]
    ents = [orc_entry(8, 0, 5, 0, 2), orc_entry(16, -16, 5, 1, 2),
            orc_entry(0, 0, 5, 0, 3, 1), orc_entry(0, 0, 0, 0, 1),
            orc_entry(0, 0, 0, 0, 0)]
    ips = b"".join(struct.pack("<i", fns[i] - (ip_addr + 4 * i)) for i in range(5))
    stack = Mem(0x4000)
    stack.q(0x100, fns[1] + 0x10)       # the leaf's return address
    stack.q(0x108, 0xffffc90000003000)  # pushed bp
    stack.q(0x110, fns[2] + 4)          # into the entry code
    for i in range(21):                 # pt_regs at 0x118
        stack.q(0x118 + 8 * i, 0x1000 + i)
    stack.q(0x118 + 8 * 16, 0x401000)   # ip
    stack.q(0x118 + 8 * 17, 0x33)       # cs: user
    stack.q(0x118 + 8 * 19, 0x7ffe0000)  # sp
    flags = fmt | (8 if build_lookup else 0)
    hdr = (u32(flags) + u16(5) + u16(0) + u32(5) + u32(0x100) + u64(0x1111) +
           u32(0x800000) + u32(0))
    return hdr + ips + b"".join(ents) + stack.bytes()


def orc_fp_seed():
    """fuzz_orc with the frame-pointer step (flag 32): two frames, then a
    frame pointer with its low bit set to the entry's user pt_regs."""
    stack_base, text = 0xffffc90000000000, 0xffffffff81000000
    stack = Mem(0x4000)
    stack.q(0x200, stack_base + 0x300)        # saved bp
    stack.q(0x208, text + 0x1010)             # return address
    stack.q(0x300, (stack_base + 0x400) | 1)  # pt_regs pointer, encoded
    stack.q(0x308, text + 0x2004)
    for i in range(21):                       # pt_regs at 0x400
        stack.q(0x400 + 8 * i, 0x1000 + i)
    stack.q(0x400 + 8 * 16, 0x401000)         # ip
    stack.q(0x400 + 8 * 17, 0x33)             # cs: user
    stack.q(0x400 + 8 * 19, 0x7ffe0000)       # sp
    hdr = (u32(32 | 3) + u16(0) + u16(0) + u32(0x100) + u32(0x100) +
           u64(stack_base + 0x200) + u32(0x800000) + u32(0))
    return hdr + stack.bytes()


def oops_from_serial(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for i, l in enumerate(lines):
        if b"BUG:" in l or b"sysrq: Trigger a crash" in l or b"Oops:" in l:
            chunk = b"\n".join(lines[max(0, i - 3):i + 90])
            return chunk[:16 << 10]
    return None


def rsp(payload):
    p = payload.encode() if isinstance(payload, str) else payload
    return b"$" + p + b"#%02x" % (sum(p) & 0xff)


def rsp_session():
    pkts = ["qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386",
            "QStartNoAckMode", "vMustReplyEmpty", "Hg0", "qXfer:features:read:target.xml:0,ffb",
            "qTStatus", "?", "qfThreadInfo", "qsThreadInfo", "qAttached", "Hc-1", "qC",
            "qOffsets", "g", "p10", "m ffffffff81000000,40", "mffffffff81000000,40",
            "xffff888000000000,100", "qThreadExtraInfo,2", "T2", "qSymbol::",
            "qRcmd,696e666f20766d726567696f6e", "vCont?", "vCont;c", "M0,1:00", "Z0,0,1",
            "D;1", "vKill;1", "k"]
    s = b"+"
    for p in pkts:
        s += rsp(p) + b"+"
    return s


def rsp_broken():
    return (b"$g#00" + b"-" + b"\x03" + b"$m0,1" + b"$qRcmd,}]#" + b"zz" + rsp(b"X0,4:}\x03}]ab") +
            b"$" + b"a" * 300 + b"#" + b"$p#" + rsp("m,") + rsp("mffffffffffffffffff,1") +
            rsp("qXfer:features:read:target.xml:") + rsp("Hgp1.1") + rsp("x0,ffffffffffff"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.environ.get(
        "VMR_CORPUS", os.path.join(TOP, "..", "shared", "corpus")))
    args = ap.parse_args()

    # dump and vmcoreinfo
    elf = synthetic_elf()
    out("dump", "elf-qemu", elf)
    out("dump", "elf-kdump", synthetic_elf(qemu=False))
    out("dump", "elf-novmcoreinfo", synthetic_elf(vmcoreinfo=None))
    out("dump", "flattened", flatten(elf))
    out("dump", "flattened-small-records", flatten(elf[:0x2000], 512))
    out("dump", "zstd", zstd(elf))
    out("dump", "kdump", kdump_synthetic())
    out("dump", "kdump-zstd", zstd(kdump_synthetic()))
    out("vmcoreinfo", "synthetic", VMCOREINFO.encode())
    out("vmcoreinfo", "cut-line", (VMCOREINFO + "SYMBOL(" + "x" * 90 + ")=1\r\n\0\0").encode())
    out("kdump", "synthetic-v6", kdump_synthetic())
    out("kdump", "synthetic-v1-raw", kdump_synthetic(version=1, compress=False))
    sets = sorted(glob.glob(os.path.join(args.corpus, "*", "truth.json")))
    sets.append(os.path.join(TOP, "samples", "truth.json"))
    for truth in sets:
        d = os.path.dirname(truth)
        set_name = os.path.basename(d)
        for path in sorted(glob.glob(os.path.join(d, "vmcore.*"))):
            fname = os.path.basename(path)
            head = read_head(path, 1 << 20)
            vi = elf_vmcoreinfo(head)
            if vi:
                out("vmcoreinfo", "%s-%s" % (set_name, fname), vi)
            if head[:4] == b"\x7fELF":
                out("dump", "%s-%s-head" % (set_name, fname), head[:32 << 10])
            if not path.endswith(".zst") and head[:8] in (b"KDUMP   ", b"DISKDUMP"):
                cut = kdump_cut(path)
                if cut and len(cut) <= MAX_SEED:
                    out("kdump", "%s-%s-cut" % (set_name, fname), cut)
                    if set_name == "samples":
                        out("dump", "%s-%s-cut" % (set_name, fname), cut)
                sub = struct.unpack_from("<QQ", head, 4096 + 32)
                if 0 < sub[1] < 8192 and sub[0] + sub[1] <= len(head):
                    out("vmcoreinfo", "%s-%s" % (set_name, fname),
                        head[sub[0]:sub[0] + sub[1]])
        serial = os.path.join(d, "serial.log")
        if os.path.exists(serial):
            text = oops_from_serial(serial)
            if text:
                out("oops", set_name, text)

    out("pgtable", "4level", pgtable_seed())
    out("pgtable", "5level", pgtable_seed(levels=5))
    out("pgtable", "wrap", pgtable_seed(wrap=True))
    out("pgtable", "image-range", pgtable_seed(rng=(0xffffffff80000000, 0xffffffffbfffffff)))
    for sc in ("abs", "rel", "addr"):
        out("kallsyms", sc, kallsyms_seed(sc))
    for layout in ("le61", "le61-seqs", "ge62", "addresses"):
        out("kallscan", layout, kallscan_seed(layout))
    out("btf", "synthetic", btf_seed())
    out("printk", "ring", prb_seed())
    out("printk", "ring-wrapped", prb_seed(nrec=40, cbits=4, sbits=8))
    out("printk", "logbuf", logbuf_seed())
    out("modules", "mem", modules_seed(True))
    out("modules", "layout", modules_seed(False))
    for kind in ("list", "tree", "nodes"):
        out("vmalloc", kind, vmalloc_seed(kind))
    out("tasks", "thread-head", tasks_seed(False))
    out("tasks", "thread-group", tasks_seed(True))
    out("oops", "handmade", OOPS_HANDMADE.encode())
    out("rsp", "session", rsp_session())
    out("rsp", "broken", rsp_broken())
    new_seeds(args)


VMLINUX_C = r"""
struct s { int a; long b; struct s *next; };
struct s vmr_fuzz_data = { 1, 2, 0 };
static inline int g(int x) { return x * 3 + vmr_fuzz_data.a; }
int f(int x) { return g(x) + (int)vmr_fuzz_data.b; }
void _start(void) { for (;;) vmr_fuzz_data.a = f(vmr_fuzz_data.a); }
"""


def vmlinux_seed(flags):
    """A small executable with symbols, a build-id and DWARF (gcc FLAGS)."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "v.c"), os.path.join(d, "v")
        with open(src, "w") as f:
            f.write(VMLINUX_C)
        subprocess.run(["gcc", "-O2", "-nostdlib", "-static", "-Wl,--build-id", "-Wl,-N",
                        "-o", exe, src] + flags, check=True)
        subprocess.run(["objcopy", "--remove-section=.comment", exe], check=True)
        return open(exe, "rb").read()


def new_seeds(args):
    """Seeds of the owner, unwinder and kernel-open targets."""
    out("slab", "6.12", slab_seed())
    out("slab", "6.1", slab_seed(flag_test=True))
    out("percpu", "array", percpu_seed())
    out("percpu", "stop-at-unused", percpu_seed(True))
    out("orc", "v3-built-lookup", orc_seed())
    out("orc", "guessed", orc_seed(fmt=0, build_lookup=False))
    out("orc", "frame-pointers", orc_fp_seed())
    out("kernel", "elf-qemu", synthetic_elf())
    out("kernel", "elf-kdump", synthetic_elf(qemu=False))
    out("kernel", "elf-novmcoreinfo", synthetic_elf(vmcoreinfo=None))
    out("vmlinux", "dwarf5-zlib", vmlinux_seed(["-g", "-gz=zlib"]))
    out("vmlinux", "dwarf5", vmlinux_seed(["-g"]))
    out("vmlinux", "dwarf4-zlib", vmlinux_seed(["-gdwarf-4", "-gz=zlib"]))
    for path in sorted(glob.glob(os.path.join(args.corpus, "*", "vmcore.*elf*"))):
        head = read_head(path, 1 << 20)
        if head[:4] == b"\x7fELF":
            set_name = os.path.basename(os.path.dirname(path))
            out("kernel", "%s-%s-head" % (set_name, os.path.basename(path)), head[:32 << 10])


if __name__ == "__main__":
    main()
