#!/usr/bin/env python3
"""Boot a real kernel under QEMU (TCG, gdbstub on a free port) and check
`vmregion serve --remote` and `vmregion gdb --remote` against the guest's
own answers.

The guest is the Debian 6.1 cloud kernel fetched by
`scripts/install-deps.sh --live` into $VMR_LIVE_DIR (default
${XDG_CACHE_HOME:-~/.cache}/vmregion-live); its init (tests/live/init.c,
built here with cc -static, packed with cpio) prints its /proc/kallsyms
lines of _text and jiffies, a few /proc/vmallocinfo lines and its uptime on
the serial console, after loading the module install-deps.sh fetches from
the same kernel package (crc-itu-t.ko), when it is there.  Checks:
  - without a vmlinux: `monitor info` gives the slide _text - 0xffffffff81000000,
    `info vmregion $rip` names kernel text with a symbol, `monitor vmregion`
    of a vmalloc area names the guest's range and caller, a read of jiffies
    is plausible, and continue + interrupt (SIGINT to gdb) + read works:
    jiffies went up and the monitor answers again;
  - with the vmlinux (when fetched with --live-dbg): `vmregion gdb --remote`
    loads it at the slide _text(guest) - _text(vmlinux), `p jiffies` is
    plausible, `p &jiffies` is the guest's address, `bt` reaches the idle
    loop and `info symbol` names the module's function (symbol files from
    the live modules' kallsyms); and with the stub treated as one without PhyMemMode and control
    registers (kgdb), the slide and a vmalloc area through the direct map.
Exit 77 (skipped) when QEMU, cpio or the kernel is missing.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from livetest import DEFAULT_TEXT, KVER, VMREGION, check, failures, live_dir, passes, skip

SCRIPT = os.environ.get("VMR_GDB_SCRIPT", "")
GDB = os.environ.get("VMREGION_GDB", "gdb")
HERE = os.path.dirname(os.path.abspath(__file__))
BOOT_TIMEOUT = 180
GDB_TIMEOUT = 240


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_initrd(tmp, module):
    init = os.path.join(tmp, "root", "init")
    os.makedirs(os.path.dirname(init))
    subprocess.run([os.environ.get("CC", "cc"), "-static", "-O2", "-o", init,
                    os.path.join(HERE, "init.c")], check=True)
    files = b"init\n"
    if os.path.exists(module):
        shutil.copy(module, os.path.dirname(init))
        files += os.path.basename(module).encode() + b"\n"
    initrd = os.path.join(tmp, "initrd")
    with open(initrd, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=files,
                       cwd=os.path.dirname(init), stdout=out, check=True)
    return initrd


def boot(tmp, kernel, initrd, port):
    log = os.path.join(tmp, "serial.log")
    qemu = subprocess.Popen(
        ["timeout", "600", "qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "256M",
         "-smp", "2", "-nographic", "-no-reboot", "-gdb", "tcp:127.0.0.1:%d" % port,
         "-kernel", kernel, "-initrd", initrd,
         "-append", "console=ttyS0 panic=-1 quiet no_hash_pointers"],
        stdin=subprocess.DEVNULL, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.time() + BOOT_TIMEOUT
    while time.time() < deadline:
        text = open(log, "rb").read().decode(errors="replace")
        if "VMRLIVE end" in text:
            return qemu, text
        if qemu.poll() is not None:
            break
        time.sleep(0.5)
    text = open(log, "rb").read().decode(errors="replace")
    if qemu.poll() is None:
        os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
    elif "bind" in text or "in use" in text:
        return None, text  # the port was taken meanwhile: try another
    print(text[-3000:])
    raise SystemExit("FAIL: the guest did not print its answers (serial.log above)")


def guest_facts(text):
    facts = {"vmalloc": []}
    for line in text.splitlines():
        m = re.search(r"VMRLIVE /proc/kallsyms ([0-9a-f]{16}) \w (\w+)", line)  # and modules
        if m:
            facts[m.group(2)] = int(m.group(1), 16)
        m = re.search(r"VMRLIVE /proc/vmallocinfo 0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+) (\S+)", line)
        if m:
            facts["vmalloc"].append((int(m.group(1), 16), int(m.group(2), 16), m.group(4)))
        m = re.search(r"VMRLIVE /proc/uptime ([0-9.]+)", line)
        if m:
            facts["uptime"] = float(m.group(1))
    return facts


def gdb(args, interrupt_after=None):
    """gdb -batch; with interrupt_after, SIGINT to gdb after that many seconds
    (what Ctrl-C does: gdb sends 0x03 through the relay)."""
    p = subprocess.Popen([GDB, "-nx", "-q", "-batch"] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=GDB_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        print(out.decode(errors="replace"))
        raise SystemExit("FAIL: gdb did not finish in %d s" % GDB_TIMEOUT)
    text = out.decode(errors="replace")
    print("---- gdb %s\n%s" % (" ".join(a for a in args if a != "-ex")[:200], text))
    return text


def plausible_jiffies(v, uptime):
    # INITIAL_JIFFIES is -300 s worth of ticks (HZ <= 1000), as unsigned long.
    start_lo, start_hi = 2**32 - 300 * 1000, 2**32 - 300 * 100
    return start_lo <= v <= start_hi + int((uptime + 3600) * 1000)


def without_vmlinux(port, facts):
    target = "target remote | %s serve --remote 127.0.0.1:%d" % (VMREGION, port)
    va_start, va_end, caller = next((a for a in facts["vmalloc"] if "kernel_clone" not in a[2]),
                                    facts["vmalloc"][0])
    jif = facts["jiffies"]
    ex = ["-ex", target]
    if SCRIPT:
        ex += ["-ex", "source " + SCRIPT, "-ex", "info vmregion $rip"]
    ex += ["-ex", "monitor info", "-ex", "monitor vmregion %x" % (va_start + 0x10),
           "-ex", "x/gx 0x%x" % jif, "-ex", "continue",
           "-ex", "x/gx 0x%x" % jif, "-ex", "monitor vmregion %x" % (va_start + 0x10)]
    out = gdb(ex, interrupt_after=8)

    m = re.search(r"kaslr slide\s+0x([0-9a-f]+)", out)
    check(m and int(m.group(1), 16) == facts["_text"] - DEFAULT_TEXT,
          "monitor info: slide = guest _text - 0x%x = 0x%x" % (DEFAULT_TEXT,
                                                                facts["_text"] - DEFAULT_TEXT))
    if SCRIPT:
        check(re.search(r"^[0-9a-f]{16}\s+kernel-image\s+\.text\s+\w+\+0x[0-9a-f]+/0x[0-9a-f]+",
                        out, re.M) is not None,
              "info vmregion $rip: kernel text with a symbol")
    want = "vmalloc 0x%016x-0x%016x" % (va_start, va_end)
    lines = [l for l in out.splitlines() if l.startswith("%016x" % (va_start + 0x10))]
    check(len(lines) == 2 and all(want in l and "by " + caller in l for l in lines),
          "monitor vmregion (before and after running): %s by %s" % (want, caller))
    vals = [int(v, 16) for v in re.findall(r"^0x%x[^:]*:\s+0x([0-9a-f]+)" % jif, out, re.M)]
    check(len(vals) == 2 and plausible_jiffies(vals[0], facts["uptime"]),
          "jiffies read through the relay is plausible: %s" % [hex(v) for v in vals])
    check("received signal SIGINT" in out, "continue, then interrupt: the target stopped")
    check(len(vals) == 2 and vals[1] > vals[0] + 100,
          "jiffies went up while the target ran: %s" % [hex(v) for v in vals])


def vmlinux_text(vmlinux):
    out = subprocess.run(["nm", vmlinux], stdout=subprocess.PIPE, check=True).stdout.decode()
    m = re.search(r"^([0-9a-f]{16}) T _text$", out, re.M)
    return int(m.group(1), 16)


def with_vmlinux(port, facts, vmlinux, tmp):
    slide = facts["_text"] - vmlinux_text(vmlinux)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    dry = subprocess.run([VMREGION, "gdb", "--remote", "127.0.0.1:%d" % port, vmlinux,
                          "--dry-run"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=env, timeout=GDB_TIMEOUT).stdout.decode(errors="replace")
    print("---- vmregion gdb --remote --dry-run\n" + dry)
    check("symbol-file -o 0x%x " % slide in dry,
          "vmregion gdb --remote: vmlinux at guest _text - vmlinux _text = 0x%x" % slide)
    module = ["-ex", "info symbol 0x%x" % (facts["crc_itu_t"] + 4)] if "crc_itu_t" in facts else []
    p = subprocess.run([VMREGION, "gdb", "--remote", "127.0.0.1:%d" % port, vmlinux, "--",
                        "-batch", "-ex", "p jiffies", "-ex", "p/x &jiffies",
                        "-ex", "info vmregion $rip", "-ex", "bt", "-ex", "monitor info"] + module,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                       timeout=GDB_TIMEOUT)
    out = p.stdout.decode(errors="replace")
    print("---- vmregion gdb --remote\n" + out)
    m = re.search(r"^\$1 = (\d+)", out, re.M)
    check(m and plausible_jiffies(int(m.group(1)), facts["uptime"] + 60),
          "p jiffies with the vmlinux is plausible")
    check(re.search(r"^\$2 = 0x%x" % facts["jiffies"], out, re.M) is not None,
          "p &jiffies = the guest's 0x%x" % facts["jiffies"])
    check(re.search(r"^[0-9a-f]{16}\s+kernel-image\s+\.text\s+\w+\+0x", out, re.M) is not None,
          "info vmregion $rip with the vmlinux: kernel text with a symbol")
    check(re.search(r"^#\d+ .* in (start_kernel|secondary_startup_64|do_idle|cpu_startup_entry) ",
                    out, re.M) is not None,
          "bt of the stopped CPU reaches its idle loop or start_kernel")
    m = re.search(r"kaslr slide\s+0x([0-9a-f]+)", out)
    check(m and int(m.group(1), 16) == slide, "monitor info with the vmlinux: slide 0x%x" % slide)
    if module:
        check(re.search(r"^crc_itu_t \+ 4 in section \.text", out, re.M) is not None,
              "info symbol of the guest's module function crc_itu_t+4 (symbol files of the "
              "live modules)")


def virtual_only(port, facts, vmlinux):
    """As against kgdb: no PhyMemMode, no control registers (the relay is
    told so by VMREGION_REMOTE_VIRTUAL=1): the kernel is read through its
    direct map, found with the vmlinux."""
    va_start, va_end, caller = facts["vmalloc"][0]
    env = dict(os.environ, VMREGION_REMOTE_VIRTUAL="1")
    args = ["-nx", "-q", "-batch", "-ex",
            "target remote | %s serve --remote 127.0.0.1:%d -k %s" % (VMREGION, port, vmlinux),
            "-ex", "monitor info", "-ex", "monitor vmregion %x" % (va_start + 0x10)]
    p = subprocess.run([GDB] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env, timeout=GDB_TIMEOUT)
    out = p.stdout.decode(errors="replace")
    print("---- without PhyMemMode and control registers\n" + out)
    check("no physical-memory mode" in out, "the relay says it reads through the direct map")
    m = re.search(r"kaslr slide\s+0x([0-9a-f]+)", out)
    check(m and int(m.group(1), 16) == facts["_text"] - vmlinux_text(vmlinux),
          "direct-map reads: the slide")
    want = "vmalloc 0x%016x-0x%016x" % (va_start, va_end)
    check(re.search(r"^%016x .*%s.* by %s" % (va_start + 0x10, want, re.escape(caller)), out,
                    re.M) is not None, "direct-map reads: monitor vmregion of a vmalloc area")


def main():
    d = live_dir()
    kernel = os.path.join(d, "vmlinuz-" + KVER)
    vmlinux = os.environ.get("VMR_LIVE_VMLINUX") or os.path.join(d, "vmlinux-" + KVER)
    for tool in ("qemu-system-x86_64", "cpio", "timeout"):
        if not shutil.which(tool):
            skip("%s not installed (scripts/install-deps.sh --live)" % tool)
    if not os.path.exists(kernel):
        skip("%s not found (scripts/install-deps.sh --live)" % kernel)
    tmp = tempfile.mkdtemp(prefix="vmr-live-")
    qemu = None
    try:
        module = os.path.join(d, "crc-itu-t.ko")
        initrd = build_initrd(tmp, module)
        for _ in range(3):
            port = free_port()
            qemu, serial = boot(tmp, kernel, initrd, port)
            if qemu:
                break
        else:
            raise SystemExit("FAIL: QEMU could not bind a gdbstub port:\n" + serial[-2000:])
        facts = guest_facts(serial)
        print("guest: _text 0x%x jiffies 0x%x, %d vmalloc areas, uptime %.2f s" % (
            facts.get("_text", 0), facts.get("jiffies", 0), len(facts["vmalloc"]),
            facts.get("uptime", -1)))
        check("_text" in facts and "jiffies" in facts and facts["vmalloc"] and "uptime" in facts,
              "the guest printed _text, jiffies, vmalloc areas and its uptime")
        if os.path.exists(module):
            check("crc_itu_t" in facts, "the guest loaded %s" % os.path.basename(module))
        else:
            print("note: %s not found (scripts/install-deps.sh --live): no module checks" % module)
        if failures:
            return 1
        without_vmlinux(port, facts)
        if os.path.exists(vmlinux):
            with_vmlinux(port, facts, vmlinux, tmp)
            virtual_only(port, facts, vmlinux)
        else:
            print("note: %s not found (scripts/install-deps.sh --live-dbg): "
                  "the vmlinux checks are skipped" % vmlinux)
    finally:
        if qemu and qemu.poll() is None:
            os.killpg(qemu.pid, signal.SIGKILL)
            qemu.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
