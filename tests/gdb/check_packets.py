#!/usr/bin/env python3
"""Drive `vmregion serve DUMP` with raw remote-protocol packets.

Well-formed requests get the answers gdb needs; malformed, oversized,
badly checksummed and write requests get error replies (or a '-' in ack
mode) and the server keeps serving; D ends it with status 0.  Monitor
commands answer in 'O' packets no larger than PacketSize, then OK (or E01
for a failed command): `monitor triage` is the text of `vmregion triage`,
`monitor mem` that of `vmregion mem`; a bad address or length is an error
line and E01, an unreadable range a gap line.  The dump is
samples/vmcore.kdump-zlib (or the first corpus dump).
"""
import os
import re
import select
import subprocess
import sys

VMREGION = os.environ.get("VMREGION", "vmregion")


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xFF)


class Server:
    def __init__(self, dump):
        self.p = subprocess.Popen([VMREGION, "serve", dump], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""

    def send(self, raw: bytes):
        self.p.stdin.write(raw)
        self.p.stdin.flush()

    def _more(self, timeout=20):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            raise TimeoutError("no reply from vmregion serve")
        data = os.read(self.p.stdout.fileno(), 1 << 20)
        if not data:
            raise EOFError("vmregion serve closed its output: "
                           + self.p.stderr.read().decode(errors="replace"))
        self.buf += data

    def byte(self):
        while not self.buf:
            self._more()
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        """The next reply packet (acks skipped), unescaped, checksum checked."""
        while True:
            while b"#" not in self.buf or len(self.buf) < self.buf.index(b"#") + 3:
                self._more()
            start = self.buf.find(b"$")
            end = self.buf.index(b"#", start)
            if len(self.buf) < end + 3:
                self._more()
                continue
            body, csum = self.buf[start + 1:end], self.buf[end + 1:end + 3]
            self.buf = self.buf[end + 3:]
            assert int(csum, 16) == sum(body) & 0xFF, f"bad checksum in reply {body[:80]!r}"
            out, esc = bytearray(), False
            for c in body:
                if esc:
                    out.append(c ^ 0x20)
                    esc = False
                elif c == ord("}"):
                    esc = True
                else:
                    out.append(c)
            return bytes(out)

    def ask(self, payload: bytes) -> bytes:
        self.send(frame(payload))
        return self.packet()

    def monitor(self, command: str):
        """(text, final reply, sizes of the 'O' packets) of a monitor command."""
        self.send(frame(b"qRcmd," + command.encode().hex().encode()))
        text, sizes = b"", []
        while True:
            r = self.packet()
            if not r.startswith(b"O") or r == b"OK":
                return text.decode(errors="replace"), r, sizes
            sizes.append(len(r))
            text += bytes.fromhex(r[1:].decode())


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    dump = os.path.join(os.environ.get("VMR_SAMPLES", "samples"), "vmcore.kdump-zlib")
    if not os.path.exists(dump):
        print("no sample dump; skipped")
        return 0
    s = Server(dump)
    errors = []

    def expect(what, got, ok):
        if not ok(got):
            errors.append(f"{what}: got {got[:120]!r}")

    # Ack mode first: a good packet is acked '+', a bad checksum '-'.
    s.send(b"$?#00")
    expect("bad checksum in ack mode", s.byte(), lambda b: b == b"-")
    s.send(frame(b"qSupported:multiprocess+;xmlRegisters=i386"))
    expect("ack", s.byte(), lambda b: b == b"+")
    sup = s.packet()
    expect("qSupported", sup, lambda r: b"qXfer:features:read+" in r and b"PacketSize=" in r)
    m = re.search(rb"PacketSize=([0-9a-f]+)", sup)
    packet_size = int(m.group(1), 16) if m else 0
    s.send(b"-")  # NACK: the last reply is sent again
    expect("resend after '-'", s.packet(), lambda r: r == sup)
    s.send(frame(b"QStartNoAckMode"))
    expect("ack", s.byte(), lambda b: b == b"+")
    expect("QStartNoAckMode", s.packet(), lambda r: r == b"OK")

    expect("vMustReplyEmpty", s.ask(b"vMustReplyEmpty"), lambda r: r == b"")
    stop = s.ask(b"?")
    expect("?", stop, lambda r: r.startswith(b"T05thread:"))
    expect("Hg0", s.ask(b"Hg0"), lambda r: r == b"OK")
    xml = b""
    while True:
        r = s.ask(b"qXfer:features:read:target.xml:%x,400" % len(xml))
        expect("qXfer chunk", r, lambda r: r[:1] in (b"m", b"l"))
        xml += r[1:]
        if r[:1] != b"m":
            break
    expect("target.xml", xml, lambda x: b"i386:x86-64" in x and b"gs_base" in x and x.endswith(b"</target>\n"))
    g = s.ask(b"g")
    expect("g (292 bytes)", g, lambda r: len(r) == 584)
    rip = int.from_bytes(bytes.fromhex(g[256:272].decode()), "little")
    expect("m at rip", s.ask(b"m%x,8" % rip), lambda r: len(r) == 16)
    expect("p10 (rip)", s.ask(b"p10"), lambda r: r == g[256:272])
    expect("threads", s.ask(b"qfThreadInfo"), lambda r: r.startswith(b"m1"))
    expect("threads end", s.ask(b"qsThreadInfo"), lambda r: r == b"l")
    expect("extra info", s.ask(b"qThreadExtraInfo,1"),
           lambda r: bytes.fromhex(r.decode()).startswith(b"CPU 0"))
    expect("T1", s.ask(b"T1"), lambda r: r == b"OK")
    expect("T999", s.ask(b"T999"), lambda r: r.startswith(b"E"))
    expect("Hg999", s.ask(b"Hg999"), lambda r: r.startswith(b"E"))
    expect("qAttached", s.ask(b"qAttached"), lambda r: r == b"1")
    expect("unknown query", s.ask(b"qNoSuchThing"), lambda r: r == b"")
    expect("unmapped memory", s.ask(b"m0,8"), lambda r: r.startswith(b"E") and len(r) == 3)
    expect("binary read", s.ask(b"x%x,8" % rip), lambda r: r.startswith(b"b") and len(r) == 9)

    # Malformed requests: error replies, never a crash.
    for bad in [b"m", b"mzz,4", b"m1234", b"m1,", b"m12345678123456781,8", b"p", b"pzz",
                b"H", b"Hx1", b"Tzz", b"qRcmd,6", b"qRcmd,zz", b"qThreadExtraInfo,zz",
                b"qXfer:features:read:target.xml:zz", b"g1"]:
        expect(f"malformed {bad!r}", s.ask(bad), lambda r: r.startswith(b"E"))
    # Writes and resumes are refused with E01.
    for w in [b"M%x,1:00" % rip, b"X%x,0:" % rip, b"P0=0000000000000000", b"G" + b"00" * 292,
              b"Z0,%x,1" % rip, b"z0,%x,1" % rip, b"c", b"s", b"vCont;c"]:
        expect(f"write/resume {w[:12]!r}", s.ask(w), lambda r: r == b"E01")
    # Oversized packet: E01, then the next request is answered.
    expect("oversized", s.ask(b"m" + b"0" * 70000 + b",8"), lambda r: r == b"E01")
    # Junk between packets, a '$' restarting a packet, an interrupt byte.
    s.send(b"garbage\x00\xff+-")
    expect("after junk", s.ask(b"?"), lambda r: r == stop)
    s.send(b"$m0,8$")
    expect("restarted packet", s.ask(b"?"), lambda r: r == stop)
    s.send(b"\x03")
    expect("interrupt", s.packet(), lambda r: r.startswith(b"T"))
    # Huge lengths are clipped, not allocated.
    expect("huge m length", s.ask(b"m%x,ffffffffffffffff" % rip), lambda r: 0 < len(r) <= 2 * 0x4000)
    # Monitor: text packets then OK; unknown commands are errors.
    s.send(frame(b"qRcmd," + b"vmregion 0x%x" % rip))  # not hex: malformed
    expect("qRcmd not hex", s.packet(), lambda r: r.startswith(b"E"))
    s.send(frame(b"qRcmd," + ("vmregion 0x%x" % rip).encode().hex().encode()))
    out = b""
    while True:
        r = s.packet()
        if not r.startswith(b"O") or r == b"OK":
            break
        out += bytes.fromhex(r[1:].decode())
    expect("monitor vmregion", out, lambda o: o.startswith(b"%016x  " % rip) and r == b"OK")
    s.send(frame(b"qRcmd," + b"bogus".hex().encode()))
    while True:
        r = s.packet()
        if not r.startswith(b"O") or r == b"OK":
            break
    expect("monitor bogus", r, lambda r: r == b"E01")

    # monitor triage: the text of vmregion triage, in several 'O' packets
    # each within PacketSize.
    trc, tout, terr = run([VMREGION, "triage", dump])
    text, r, sizes = s.monitor("triage")
    expect("monitor triage: OK", r, lambda r: r == b"OK")
    expect("monitor triage == vmregion triage", text, lambda t: t == tout and "\nsignature  " in t)
    expect("monitor triage: several O packets within PacketSize", sizes,
           lambda z: len(z) >= 2 and max(z) + 4 <= packet_size)
    # monitor mem at the stop thread's rsp == vmregion mem, annotated lines.
    rsp = int.from_bytes(bytes.fromhex(g[112:128].decode()), "little")
    for length in ("", " 256", " 0x100"):
        mrc, mout, merr = run([VMREGION, "mem", dump, "0x%x" % rsp] + length.split())
        text, r, _ = s.monitor("mem 0x%x%s" % (rsp, length))
        expect(f"monitor mem rsp{length}", (text, r),
               lambda t: t[0] == mout and t[1] == b"OK" and
               re.search(r"^[0-9a-f]{16}  [0-9a-f]{16}  .* (vmalloc|kernel-image|direct-map|modules) ",
                         t[0], re.M))
    # An unmapped range is a gap line, and not an error.
    text, r, _ = s.monitor("mem 0 16")
    expect("monitor mem 0 16", (text, r),
           lambda t: t[0].startswith("... 0x0000000000000000-0x0000000000000010: ") and t[1] == b"OK")
    # Bad address, bad lengths, missing or extra arguments: one error line
    # naming the problem, E01, and the server goes on.
    for cmd, want in [("mem zz_no_such_symbol", "zz_no_such_symbol"), ("mem 0x1 0", "length"),
                      ("mem 0x1 -8", "length"), ("mem 0x1 12ab", "length"),
                      ("mem 0x1 0x10001", "length"), ("mem 0x1 99999999999999999999999", "length"),
                      ("mem", "unknown command"), ("mem 1 2 3", "unknown command"),
                      ("triage now", "unknown command")]:
        text, r, _ = s.monitor(cmd)
        expect(f"monitor {cmd}", (text, r),
               lambda t: t[1] == b"E01" and t[0].startswith("vmregion: ") and want in t[0]
               and t[0].count("\n") == 1)
    mrc, mout, merr = run([VMREGION, "mem", dump, "0x%x" % rsp, "0x10000"])
    text, r, sizes = s.monitor("mem 0x%x 0x10000" % rsp)  # the largest range
    expect("monitor mem 64K", (text, r, len(sizes)),
           lambda t: t[0] == mout and t[1] == b"OK" and t[2] >= 2)
    expect("still serving", s.ask(b"?"), lambda r: r == stop)

    expect("detach", s.ask(b"D"), lambda r: r == b"OK")
    try:
        rc = s.p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        s.p.kill()
        rc = "hung"
    if rc != 0:
        errors.append(f"exit status after D: {rc}")
    for e in errors:
        print("FAIL", e)
    print("serve packets:", "ok" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
