"""What the live-kernel tests share: the Debian kernel that
scripts/install-deps.sh --live fetches, where it keeps it, and the
check/skip bookkeeping of a test run."""
import os
import sys

KVER = "6.1.0-56-cloud-amd64"
DEFAULT_TEXT = 0xffffffff81000000
VMREGION = os.environ.get("VMREGION", "vmregion")

failures = []
passes = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passes if cond else failures).append(what)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def live_dir():
    """$VMR_LIVE_DIR, else the cache directory install-deps.sh --live uses."""
    d = os.environ.get("VMR_LIVE_DIR")
    if d:
        return d
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "vmregion-live")
