"""What the corpus checks read from a set's text files: the kernel's call
traces in serial.log and crash's `bt -a` in peers/.

One reader for all checks, so that they agree on what a trace entry is:
`[?] func+0xOFF[/0xSIZE] [module]` between "Call Trace:" and the first line
that is neither an entry, a stack marker (<IRQ>, </TASK>, ...) nor a register
line of a pt_regs dump printed inside the trace.
"""
import os
import re
import subprocess
from collections import namedtuple

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
ENTRY = re.compile(r"^\s*(\?\s+)?([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)(?:/0x([0-9a-f]+))?"
                   r"(?:\s+\[(\w+)\])?\s*$")
STACK_MARKER = re.compile(r"^</?[A-Z#]+>$")
REGISTER_LINE = re.compile(r"^(RIP|RSP|RAX|RDX|RBP|R10|R13|Code|FS|CS|CR2|DR\d|PKRU)\b")
CPU_LINE = re.compile(r"\bCPU: (\d+) (?:UID: \d+ )?PID: \d+")
RIP_LINE = re.compile(r"^RIP: 0010:([\w.$]+)\+")

# One entry: size is None and module "" when the kernel did not print them;
# reliable is False for "? " entries.
Frame = namedtuple("Frame", "func offset size module reliable")
# start: index in console_lines() of the "Call Trace:" line; cpu and rip:
# from the last "CPU: N PID:" and "RIP: 0010:" lines before it (or None).
Trace = namedtuple("Trace", "start cpu rip frames")


def console_lines(serial):
    """The lines the first kernel printed (up to a second "Linux version"
    banner, e.g. the kdump kernel's), timestamps removed."""
    out, banners = [], 0
    with open(serial, errors="replace") as f:
        for line in f:
            line = TIMESTAMP.sub("", line.rstrip("\r\n"), count=1)
            if line.startswith("Linux version"):
                banners += 1
                if banners == 2:
                    break
            out.append(line)
    return out


def call_traces(serial, lines=None):
    """Every call trace of the first kernel, in order (a list of Trace)."""
    lines = console_lines(serial) if lines is None else lines
    traces, cpu, rip, rip_at = [], None, None, -1
    i = 0
    while i < len(lines):
        line = lines[i]
        m = CPU_LINE.search(line)
        if m:
            cpu = int(m.group(1))
        m = RIP_LINE.match(line)
        if m:
            rip, rip_at = m.group(1), i
        if line.strip() != "Call Trace:":
            i += 1
            continue
        start, frames = i, []
        for i in range(start + 1, len(lines) + 1):
            if i == len(lines):
                break
            s = lines[i].strip()
            m = ENTRY.match(lines[i])
            if m:
                frames.append(Frame(m.group(2), int(m.group(3), 16),
                                    int(m.group(4), 16) if m.group(4) else None,
                                    m.group(5) or "", not m.group(1)))
            elif not (STACK_MARKER.match(s) or REGISTER_LINE.match(s)):
                break
        traces.append(Trace(start, cpu, rip if start - rip_at <= 80 else None, frames))
    return traces


def first_trace(serial):
    """The first kernel's first call trace, or None."""
    traces = call_traces(serial)
    return traces[0] if traces else None


def reliable_functions(trace):
    """The function names of the reliable entries of @trace."""
    return [f.func for f in trace.frames if f.reliable] if trace else []


def crash_bt(peers, dump_file):
    """{cpu: [functions]} of crash's `bt -a` for @dump_file in @peers, or
    None when crash did not run on it."""
    base = dump_file[:-4] if dump_file.endswith(".zst") else dump_file
    for name in (f"crash-{base}.txt", f"crash-kaslr-auto-nomod-{base}.txt"):
        path = os.path.join(peers, name)
        if os.path.exists(path):
            break
    else:
        return None
    with open(path, errors="replace") as f:
        text = f.read()
    m = re.search(r"==== crash> bt -a\n(.*?)(?=\n==== crash>|\Z)", text, re.S)
    if not m:
        return None
    out, cur = {}, None
    for line in m.group(1).splitlines():
        h = re.match(r"^PID: .* CPU: (\d+)", line)
        if h:
            cur = int(h.group(1))
            out[cur] = []
            continue
        f = (re.match(r"^\s*#\d+ \[[0-9a-f]+\] ([\w.$]+) at ", line) or
             re.match(r"^\s*\[exception RIP: ([\w.$]+)", line))
        if f and cur is not None:
            out[cur].append(f.group(1))
    return out


# The kernel's stack printers a call trace may begin with: the dump's
# registers were saved after they returned (show_stack above dump_stack_lvl
# up to 5.x).
PRINTERS = {"show_stack", "dump_stack_lvl", "dump_stack", "__dump_stack", "show_trace_log_lvl"}


def printing_path_drops(log):
    """How many entries at the top of a log's trace may be its printing path,
    gone from the stack: up to two, or as many stack printers as it starts
    with."""
    n = 0
    while n < len(log) and log[n] in PRINTERS:
        n += 1
    return max(2, n)


def is_subsequence(small, big):
    """Every item of @small appears in @big, in the same order."""
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def find_vmlinux(setdir, truth, dbg_root=None):
    """(path, why-not) of the vmlinux of the set in @setdir: the corpus's own
    (truth's vmlinux_file), else the Debian -dbg package's under @dbg_root
    (default $VMR_DBG_ROOT) or /, else the copy scripts/install-deps.sh
    --live-dbg keeps in $VMR_LIVE_DIR when its build-id is the kernel's."""
    dbg_root = dbg_root or os.environ.get("VMR_DBG_ROOT")
    vf = truth.get("vmlinux_file")
    if vf:
        path = os.path.normpath(os.path.join(setdir, vf))
        return (path, None) if os.path.exists(path) else (None, f"{path} is missing")
    di = truth.get("kernel", {}).get("debuginfo", {})
    rel = di.get("vmlinux_path_in_package")
    if not rel:
        return None, "truth.json names no vmlinux"
    for root in [r for r in (dbg_root, "/") if r]:
        path = os.path.join(root, rel)
        if os.path.exists(path):
            return path, None
    # scripts/install-deps.sh --live-dbg keeps the live test's Debian vmlinux
    # here: the same file when the release and build-id agree.
    live = os.environ.get("VMR_LIVE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vmregion-live")
    path = os.path.join(live, os.path.basename(rel))
    want = truth.get("kernel", {}).get("build_id")
    if os.path.exists(path) and want:
        p = subprocess.run(["readelf", "-n", path], capture_output=True, text=True)
        if f"Build ID: {want}" in p.stdout:
            return path, None
    return None, (f"no {rel} under {dbg_root or '(no --dbg-root)'}, / or {live} "
                  f"(Debian package {di.get('package')}, see the corpus README)")
