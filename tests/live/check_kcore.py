#!/usr/bin/env python3
"""Boot a real kernel under QEMU (TCG) and run `vmregion` on its /proc/kcore.

The guest is the Debian 6.1 cloud kernel fetched by
`scripts/install-deps.sh --live` into $VMR_LIVE_DIR (default
${XDG_CACHE_HOME:-~/.cache}/vmregion-live).  Its initramfs carries the built
vmregion binary and every shared library `ldd` lists for it (plus the dynamic
loader), each at its own path, and a static init (tests/live/kcore-init.c)
that prints the guest's own answers (/proc/kallsyms, /proc/vmallocinfo,
/proc/iomem, /proc/modules, /sys/kernel/vmcoreinfo, the region-base
variables read from /proc/kcore by a minimal ELF walk of its own), then runs
as root `vmregion info /proc/kcore`, `info --json`, `addr` (_text, jiffies,
a vmalloc area, the module it loads when the initramfs has it: crc-itu-t.ko
from the same kernel package) and `dmesg` (its last lines), and powers off.  Checks on the serial console:
  - every run exits 0;
  - info: format /proc/kcore, the slide = _text - 0xffffffff81000000, the
    three bases = the guest's variables, the paging mode = the guest's
    __pgtable_l5_enabled (QEMU -cpu max has LA57: 5-level);
  - addr: _text and jiffies named by their symbols in the kernel image, the
    vmalloc address in the guest's vmallocinfo range with its caller, the
    module's base (/proc/modules) in that module's .text;
  - dmesg: the last lines are in the guest's console log (booted with
    ignore_loglevel, so every record reaches the console), the last one
    the record init wrote just before.
Also prints the wall time of `vmregion info /proc/kcore` inside the guest
(TCG: a rough number).  Exit 77 (skipped) when QEMU, cpio or the kernel is
missing.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from livetest import DEFAULT_TEXT, KVER, VMREGION, check, failures, live_dir, passes, skip

HERE = os.path.dirname(os.path.abspath(__file__))
BOOT_TIMEOUT = 240  # per boot; two boots fit ctest's 600 s


def shared_libs(binary):
    """Absolute paths of the libraries ldd lists, the loader included."""
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         check=True).stdout.decode()
    libs = []
    for line in out.splitlines():
        m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
    return libs


def copy_keep_path(root, path):
    """Copy @path into @root at the same path; symlinks are copied with their
    targets (the loader and the sonames are usually symlinks)."""
    dst = os.path.join(root, path.lstrip("/"))
    if os.path.lexists(dst):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.islink(path):
        target = os.readlink(path)
        os.symlink(target, dst)
        copy_keep_path(root, os.path.normpath(os.path.join(os.path.dirname(path), target)))
    else:
        shutil.copy2(path, dst)


def build_initrd(tmp, binary, module):
    root = os.path.join(tmp, "root")
    os.makedirs(root)
    subprocess.run([os.environ.get("CC", "cc"), "-static", "-O2", "-o",
                    os.path.join(root, "init"), os.path.join(HERE, "kcore-init.c")], check=True)
    if os.path.exists(module):
        shutil.copy(module, root)
    for path in [binary] + shared_libs(binary):
        copy_keep_path(root, path)
    # /lib64 -> usr/lib64 style symlinked parents are copied as directories.
    files = []
    for d, dirs, names in os.walk(root):
        for n in dirs + names:
            files.append(os.path.relpath(os.path.join(d, n), root))
    initrd = os.path.join(tmp, "initrd")
    with open(initrd, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"],
                       input=("\n".join(sorted(files)) + "\n").encode(), cwd=root,
                       stdout=out, check=True)
    return initrd


def boot(tmp, kernel, initrd, binary, extra):
    log = os.path.join(tmp, "serial.log")
    append = "console=ttyS0 panic=-1 ignore_loglevel no_hash_pointers %s VMR_BIN=%s" % (
        extra, binary)
    with open(log, "wb") as out:
        # timeout(1) bounds QEMU even if this script is killed.
        qemu = subprocess.Popen(
            ["timeout", str(BOOT_TIMEOUT + 30), "qemu-system-x86_64", "-accel", "tcg",
             "-cpu", "max", "-m", "512M", "-smp", "2", "-nographic", "-no-reboot",
             "-kernel", kernel, "-initrd", initrd, "-append", append],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.time() + BOOT_TIMEOUT
        while time.time() < deadline and qemu.poll() is None:
            if b"VMRKCORE end" in open(log, "rb").read():
                break
            time.sleep(0.5)
    finally:
        if qemu.poll() is None:
            # Powered off by init normally; give it a moment, then kill.
            try:
                qemu.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(qemu.pid, signal.SIGKILL)
                qemu.wait()
    return open(log, "rb").read().decode(errors="replace").replace("\r", "")


def parse(serial):
    facts = {"vmalloc": [], "syms": {}, "bases": {}, "out": {}, "status": {}, "ms": {}}
    for line in serial.splitlines():
        m = re.search(r"VMRKCORE /proc/kallsyms ([0-9a-f]{16}) \w (\w+)$", line)
        if m:
            facts["syms"].setdefault(m.group(2), int(m.group(1), 16))
        m = re.search(r"VMRKCORE /proc/vmallocinfo 0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+) (\S+)",
                      line)
        if m:
            facts["vmalloc"].append((int(m.group(1), 16), int(m.group(2), 16), m.group(4)))
        m = re.search(r"VMRKCORE pick module (\w+) .* (0x[0-9a-f]+)", line)
        if m:
            facts["module"] = (m.group(1), int(m.group(2), 16))
        m = re.search(r"VMRKCORE pick vmalloc 0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+) (\S+)", line)
        if m:
            facts["pick"] = (int(m.group(1), 16), int(m.group(2), 16), m.group(4))
        m = re.search(r"VMRKCORE /proc/iomem\s+([0-9a-f]+)-[0-9a-f]+ : Kernel code", line)
        if m:
            facts["kernel_code"] = int(m.group(1), 16)
        m = re.search(r"VMRKCORE base (\w+) 0x([0-9a-f]+)", line)
        if m:
            facts["bases"][m.group(1)] = int(m.group(2), 16)
        m = re.search(r"VMRKCORE out (\S+) (.*)$", line)
        if m:
            facts["out"].setdefault(m.group(1), []).append(m.group(2))
        m = re.search(r"VMRKCORE status (\S+) (-?\d+) (\d+)", line)
        if m:
            facts["status"][m.group(1)] = int(m.group(2))
            facts["ms"][m.group(1)] = int(m.group(3))
    return facts


def checks(facts, serial):
    syms, bases = facts["syms"], facts["bases"]
    nfail = len(failures)
    check("_text" in syms and "jiffies" in syms and "pick" in facts and len(bases) == 4 and
          "kernel_code" in facts,
          "the guest printed _text, jiffies, a vmalloc area, the three bases, the paging mode "
          "and its Kernel code in /proc/iomem")
    levels = 5 if bases.get("__pgtable_l5_enabled") else 4
    for tag in ("info", "info-json", "addr", "dmesg"):
        check(facts["status"].get(tag) == 0,
              "vmregion %s /proc/kcore exits 0 (got %s)" % (tag, facts["status"].get(tag)))
    if len(failures) > nfail:
        return
    slide = syms["_text"] - DEFAULT_TEXT
    info = "\n".join(facts["out"].get("info", []))
    check(re.search(r"^dump\s+/proc/kcore\s+/proc/kcore", info, re.M) is not None,
          "info: the format is /proc/kcore")
    m = re.search(r"^kaslr slide\s+0x([0-9a-f]+)", info, re.M)
    check(m and int(m.group(1), 16) == slide, "info: slide 0x%x = _text - 0x%x" % (
        slide, DEFAULT_TEXT))
    # __pa_symbol(_text) = _text - __START_KERNEL_map + phys_base.
    phys_base = (facts["kernel_code"] - (syms["_text"] - 0xffffffff80000000)) % 2**64
    m = re.search(r"^phys_base\s+0x([0-9a-f]+)", info, re.M)
    check(m and int(m.group(1), 16) == phys_base,
          "info: phys_base 0x%x = Kernel code in /proc/iomem - (_text - __START_KERNEL_map)"
          % phys_base)
    m = re.search(r"^paging\s+(\d)-level", info, re.M)
    check(m and int(m.group(1)) == levels, "info: %d-level paging (guest __pgtable_l5_enabled)"
          % levels)
    for name, key in (("page_offset_base", "page_offset"), ("vmalloc_base", "vmalloc"),
                      ("vmemmap_base", "vmemmap")):
        m = re.search(r"^%s\s+0x([0-9a-f]+)" % key, info, re.M)
        check(m and int(m.group(1), 16) == bases[name],
              "info: %s 0x%x = the guest's %s" % (key, bases[name], name))
    try:
        j = json.loads("\n".join(facts["out"].get("info-json", [])))
    except ValueError as e:
        j = {}
        print("info --json: %s" % e)
    check(j.get("dump", {}).get("format") == "kcore" and
          int(j.get("kaslr_offset", "0x0"), 16) == slide and j.get("paging_levels") == levels and
          all(int(j.get(n, "0x0"), 16) == bases[n] for n in bases if n.endswith("_base")),
          "info --json: kcore, the slide, %d-level paging and the three bases" % levels)

    addr = facts["out"].get("addr", [])
    def line_of(a):
        return next((l for l in addr if l.startswith("%016x " % a)), "")
    l = line_of(syms["_text"])
    check(re.search(r"kernel-image\s+\.text\s+(_text|startup_64)\+0x0/", l) is not None,
          "addr _text: %s" % l)
    l = line_of(syms["jiffies"])
    check(re.search(r"kernel-image\s+\.data\s+jiffies\+0x0/", l) is not None,
          "addr jiffies: %s" % l)
    va_start, va_end, caller = facts["pick"]
    l = line_of(va_start + 0x10)
    want = "vmalloc 0x%016x-0x%016x" % (va_start, va_end)
    check(want in l and "by " + caller in l, "addr vmalloc: %s by %s: %s" % (want, caller, l))
    if facts.get("with_module"):
        name, base = facts.get("module", ("?", 0))
        l = line_of(base)
        check(name == "crc_itu_t" and re.search(r"modules\s+%s \.text\s+\w+\+0x" % name, l)
              is not None, "addr of the loaded module's base (/proc/modules): %s" % l)

    tail = [l for l in facts["out"].get("dmesg", []) if l.strip()]
    console = serial.splitlines()
    check(len(tail) >= 5 and tail[-1].endswith("vmrkcore: before dmesg"),
          "dmesg: the last record is the one init wrote before running it")
    missing = [l for l in tail if l not in console]
    check(tail and not missing, "dmesg: the last %d lines are in the console log%s" % (
        len(tail), "" if not missing else " (missing: %s)" % missing))
    print("vmregion info /proc/kcore in the guest (TCG): %d ms; info --json %d ms, addr %d ms, "
          "dmesg %d ms" % (facts["ms"]["info"], facts["ms"]["info-json"], facts["ms"]["addr"],
                           facts["ms"]["dmesg"]))


def main():
    d = live_dir()
    kernel = os.path.join(d, "vmlinuz-" + KVER)
    for tool in ("qemu-system-x86_64", "cpio", "timeout", "ldd"):
        if not shutil.which(tool):
            skip("%s not installed (scripts/install-deps.sh --live)" % tool)
    if not os.path.exists(kernel):
        skip("%s not found (scripts/install-deps.sh --live)" % kernel)
    binary = os.path.realpath(shutil.which(VMREGION) or VMREGION)
    tmp = tempfile.mkdtemp(prefix="vmr-kcore-")
    try:
        module = os.path.join(d, "crc-itu-t.ko")
        initrd = build_initrd(tmp, binary, module)
        if not os.path.exists(module):
            print("note: %s not found (scripts/install-deps.sh --live): no module checks" % module)
        # QEMU's -cpu max has LA57: 5-level paging, and 4-level with no5lvl.
        for extra in ("", "no5lvl"):
            print("==== boot %s" % (extra or "(5-level paging if the CPU has LA57)"))
            serial = boot(tmp, kernel, initrd, binary, extra)
            print("\n".join(l for l in serial.splitlines() if "VMRKCORE" in l))
            if "VMRKCORE end" not in serial:
                print(serial[-4000:])
                check(False, "the guest finished in %d s" % BOOT_TIMEOUT)
                continue
            facts = parse(serial)
            facts["with_module"] = os.path.exists(module)
            checks(facts, serial)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
