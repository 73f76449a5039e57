#!/usr/bin/env python3
"""`vmregion serve --remote` against a scripted fake stub (no QEMU).

The fake stub speaks like QEMU 7.2's gdbstub: acks always on, PacketSize
0x1000, qqemu.PhyMemMode, a target description with cr0/cr3/cr4 after the
segment bases, thread ids "p01.01", a T02 stop reply only after 0x03 once
resumed.  Checks: the handshake before gdb; gdb's qSupported reply gains
QStartNoAckMode+ and gdb's side goes no-ack while the stub side keeps
acking; plain packets and replies pass through; a monitor command of the
stub is relayed, vmregion's are answered here (the stub never sees them);
gdb's m packets reach the stub in virtual mode even right after vmregion
read physical memory; Hg of gdb is restored after vmregion read the CPUs;
c + 0x03 gives the stop reply that comes later; the stub closing the
connection ends the relay with status 0 and one line on stderr.
"""
import os
import select
import socket
import subprocess
import sys
import threading

VMREGION = os.environ.get("VMREGION", "vmregion")

REGS = ([("rax", 64), ("rbx", 64), ("rcx", 64), ("rdx", 64), ("rsi", 64), ("rdi", 64),
         ("rbp", 64), ("rsp", 64)] + [("r%d" % i, 64) for i in range(8, 16)] +
        [("rip", 64), ("eflags", 32), ("cs", 32), ("ss", 32), ("ds", 32), ("es", 32),
         ("fs", 32), ("gs", 32), ("fs_base", 64), ("gs_base", 64), ("k_gs_base", 64),
         ("cr0", 64), ("cr2", 64), ("cr3", 64), ("cr4", 64)])
TARGET_XML = ('<?xml version="1.0"?><target><architecture>i386:x86-64</architecture>'
              '<xi:include href="regs.xml"/></target>')
REGS_XML = ('<feature name="org.gnu.gdb.i386.core"><!-- <reg name="bogus" bitsize="8"/> -->'
            + "".join('<reg name="%s" bitsize="%d"/>' % r for r in REGS) + "</feature>")
VALUES = {"rip": 0xffffffff81000010, "cr0": 0x80050033, "cr3": 0x2000, "cr4": 0x20,
          "gs_base": 0xffff888000000000}

failures = []
passes = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passes if cond else failures).append(what)


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xFF)


def regs_hex():
    out = b""
    for name, bits in REGS:
        out += VALUES.get(name, 0).to_bytes(bits // 8, "little").hex().encode()
    return out


class FakeStub(threading.Thread):
    def __init__(self, hostile=False):
        super().__init__(daemon=True)
        self.hostile = hostile
        self.noack = False   # after QStartNoAckMode (offered by the hostile stub only)
        self.acks_after_noack = 0
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.log = []          # (payload, phys mode, g thread)
        self.phys = False
        self.gthread = b"p01.01"
        self.running = False
        self.close_now = threading.Event()
        self.acks_sent = 0

    def reply(self, c, payload):
        c.sendall(frame(payload))

    def handle_hostile(self, c, p):
        """Answers no stub should give: a self-including target description,
        short and 'E' register replies, huge thread ids, failing reads."""
        if p.startswith(b"qXfer:features:read:"):
            self.reply(c, b'l<xi:include href="target.xml"/><reg name="x" bitsize="7"/>')
        elif p == b"g":
            self.reply(c, b"E01")
        elif p == b"qfThreadInfo":
            self.reply(c, b"m" + b"9" * 300 + b",p01.01,,")
        elif p.startswith(b"m"):
            self.reply(c, b"E14" if self.phys else b"zz")
        elif p.startswith(b"qRcmd,"):
            self.reply(c, b"O" + b"base memory: 99999999999999999999999\n".hex().encode())
            self.reply(c, b"OK")
        else:
            return None
        return True

    def handle(self, c, p):
        self.log.append((p, self.phys, self.gthread))
        if self.hostile and self.handle_hostile(c, p) is not None:
            return None
        if p.startswith(b"qSupported"):
            return self.reply(c, b"PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+"
                              + (b";QStartNoAckMode+" if self.hostile else b""))
        if p == b"QStartNoAckMode" and self.hostile:
            self.reply(c, b"OK")
            self.noack = True
            return None
        if p == b"qqemu.Supported":
            return self.reply(c, b"sstepbits;sstep;PhyMemMode")
        if p.startswith(b"Qqemu.PhyMemMode:"):
            self.phys = p.endswith(b"1")
            return self.reply(c, b"OK")
        if p.startswith(b"qXfer:features:read:"):
            annex, rng = p[20:].split(b":")
            off, ln = (int(x, 16) for x in rng.split(b","))
            doc = (TARGET_XML if annex == b"target.xml" else REGS_XML).encode()
            part = doc[off:off + ln]
            return self.reply(c, (b"l" if off + ln >= len(doc) else b"m") + part)
        if p == b"?":
            return self.reply(c, b"T05thread:p01.01;")
        if p == b"qfThreadInfo":
            return self.reply(c, b"mp01.01,p01.02")
        if p == b"qsThreadInfo":
            return self.reply(c, b"l")
        if p.startswith(b"Hg"):
            self.gthread = p[2:]
            return self.reply(c, b"OK")
        if p == b"g":
            return self.reply(c, regs_hex())
        if p.startswith(b"m"):
            addr, ln = (int(x, 16) for x in p[1:].split(b","))
            if not self.phys:
                return self.reply(c, b"ab" * ln)   # the virtual view
            return self.reply(c, b"00" * ln)        # physical memory: zeros
        if p.startswith(b"qRcmd,"):
            cmd = bytes.fromhex(p[6:].decode())
            if cmd == b"info memory_size_summary":
                self.reply(c, b"O" + b"base memory: 1048576\n".hex().encode())
            else:
                self.reply(c, b"O" + b"stub says hi\n".hex().encode())
            return self.reply(c, b"OK")
        if p == b"c":
            self.running = True
            return None
        if p == b"vMustReplyEmpty":
            return self.reply(c, b"")
        return self.reply(c, b"")

    def run(self):
        c, _ = self.srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            if self.close_now.is_set():
                c.close()
                return
            r, _, _ = select.select([c], [], [], 0.05)
            if not r:
                continue
            data = c.recv(65536)
            if not data:
                return
            buf += data
            while buf:
                if buf[:1] in (b"+", b"-"):
                    if self.noack:
                        self.acks_after_noack += 1
                    buf = buf[1:]
                elif buf[:1] == b"\x03":
                    buf = buf[1:]
                    self.log.append((b"\x03", self.phys, self.gthread))
                    if self.running:
                        self.running = False
                        self.reply(c, b"T02thread:p01.02;")
                elif buf[:1] == b"$":
                    end = buf.find(b"#")
                    if end < 0 or len(buf) < end + 3:
                        break
                    payload, buf = buf[1:end], buf[end + 3:]
                    if not self.noack:
                        c.sendall(b"+")
                        self.acks_sent += 1
                    self.handle(c, payload)
                else:
                    buf = buf[1:]


class Gdb:
    """gdb's side of the pipe to `vmregion serve --remote`."""

    def __init__(self, port):
        self.p = subprocess.Popen([VMREGION, "serve", "--remote", "127.0.0.1:%d" % port],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.buf = b""
        self.acks = 0

    def send(self, raw):
        self.p.stdin.write(raw)
        self.p.stdin.flush()

    def packet(self, timeout=60):
        while True:
            while self.buf[:1] == b"+":
                self.acks += 1
                self.buf = self.buf[1:]
            if self.buf[:1] == b"$" and b"#" in self.buf:
                end = self.buf.index(b"#")
                if len(self.buf) >= end + 3:
                    payload, self.buf = self.buf[1:end], self.buf[end + 3:]
                    return payload
            r, _, _ = select.select([self.p.stdout], [], [], timeout)
            if not r:
                raise TimeoutError("no reply from the relay")
            data = os.read(self.p.stdout.fileno(), 65536)
            if not data:
                raise EOFError("relay closed: " + self.p.stderr.read().decode(errors="replace"))
            self.buf += data

    def ask(self, payload):
        self.send(frame(payload))
        return self.packet()

    def monitor(self, text):
        self.send(frame(b"qRcmd," + text.encode().hex().encode()))
        out = b""
        while True:
            p = self.packet()
            if p.startswith(b"O") and p != b"OK":
                out += bytes.fromhex(p[1:].decode())
                continue
            return out.decode(errors="replace"), p


def main():
    stub = FakeStub()
    stub.start()
    g = Gdb(stub.port)
    try:
        rep = g.ask(b"qSupported:multiprocess+;xmlRegisters=i386")
        check(b"PacketSize=1000" in rep and b"QStartNoAckMode+" in rep,
              "qSupported reply from the stub, with QStartNoAckMode+: %s" % rep)
        check(g.acks == 1, "gdb's side acknowledged while in ack mode")
        check(g.ask(b"QStartNoAckMode") == b"OK", "QStartNoAckMode answered by the relay")
        check(not any(p == b"QStartNoAckMode" for p, _, _ in stub.log),
              "the stub side never saw QStartNoAckMode (it keeps acking)")
        acks = g.acks
        check(g.ask(b"Hgp01.02") == b"OK", "Hg relayed")
        check(g.ask(b"m1000,4") == b"abababab", "m relayed, answered in virtual mode")
        check(g.acks == acks, "no acks to gdb after QStartNoAckMode")
        out, last = g.monitor("info registers")
        check(out == "stub says hi\n" and last == b"OK", "a stub's monitor command is relayed")
        out, last = g.monitor("help")
        check("vmregion monitor commands" in out and last == b"OK", "monitor help answered here")
        check(not any(p.startswith(b"qRcmd," + b"help".hex().encode()) for p, _, _ in stub.log),
              "the stub never saw monitor help")
        n = len(stub.log)
        out, last = g.monitor("vmregion 0xffffffff81000000")
        check(last == b"E01" and "cannot find the kernel" in out,
              "monitor vmregion on a stub without a kernel: one error line, E01: %r" % out)
        ours = stub.log[n:]
        check(any(p.startswith(b"m") and phys for p, phys, _ in ours),
              "vmregion read physical memory (PhyMemMode on)")
        check(any(p == b"g" and t == b"p01.02" for p, _, t in ours) and stub.gthread == b"p01.02",
              "registers of every CPU read, gdb's Hgp01.02 restored")
        check(g.ask(b"m1000,2") == b"abab" and stub.log[-1][1] is False,
              "gdb's next m is virtual again")
        g.send(frame(b"c"))
        g.send(b"\x03")
        check(g.packet() == b"T02thread:p01.02;", "c, 0x03 relayed, the later stop reply passed on")
        check(g.ask(b"m2000,1") == b"ab", "packets flow after the stop")
        stub.close_now.set()
        rc = g.p.wait(timeout=20)
        err = g.p.stderr.read().decode(errors="replace")
        check(rc == 0 and err.count("\n") == 1 and "closed the connection" in err,
              "the stub closing ends the relay: status %d, stderr %r" % (rc, err))
    finally:
        if g.p.poll() is None:
            g.p.kill()
    hostile()
    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


def hostile():
    """A stub with broken answers: the relay keeps relaying, the monitor
    command fails with one line and E01, nothing crashes."""
    stub = FakeStub(hostile=True)
    stub.start()
    g = Gdb(stub.port)
    try:
        check(g.ask(b"m1000,2") == b"zz", "hostile stub: its replies are relayed as they are")
        out, last = g.monitor("vmregion 0xffffffff81000000")
        check(last == b"E01" and out.count("\n") == 1 and out.startswith("vmregion: "),
              "hostile stub: monitor vmregion fails with one line: %r" % out)
        out, last = g.monitor("info")
        check(last == b"E01", "hostile stub: monitor info fails too, the relay goes on")
        g.send(frame(b"D"))
        check(g.packet() == b"", "hostile stub: D relayed")
        g.p.stdin.close()
        rc = g.p.wait(timeout=20)
        check(rc == 0, "hostile stub: gdb closing the pipe ends the relay with status 0")
        # The OK of QStartNoAckMode itself is still acknowledged (as gdb does).
        check(stub.noack and stub.acks_after_noack == 1,
              "a stub that offers QStartNoAckMode+ gets it; no acks after its OK (%d)"
              % stub.acks_after_noack)
    finally:
        if g.p.poll() is None:
            g.p.kill()


if __name__ == "__main__":
    sys.exit(main())
