#!/usr/bin/env python3
"""The manual page and the README describe what the command really has.

From `vmregion --help`: every subcommand has a section (.SS) in
docs/vmregion.1 and a usage line in README.md.  From `vmregion CMD --help`:
every option of it is in the manual page.  Every `monitor WORD` that
`vmregion serve --help` lists and every command plugin/vmregion.gdb defines
are in the manual page too.  Prints what is missing.
"""
import os
import re
import subprocess
import sys

VMREGION = os.environ.get("VMREGION", "vmregion")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def helptext(*args):
    p = subprocess.run([VMREGION, *args, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return p.stdout


def man_text(path):
    """The man page source with escapes and fonts removed: \\- is -, \\fB is gone."""
    t = open(path).read()
    t = re.sub(r"\\f[BIRP]", "", t)
    t = t.replace("\\-", "-").replace("\\(em", "-")
    return t


def main():
    man = man_text(os.path.join(SRC, "docs", "vmregion.1"))
    readme = open(os.path.join(SRC, "README.md")).read()
    errors = []
    top = helptext()
    cmds = [c for c in dict.fromkeys(re.findall(r"^  ([a-z]+) ", top, re.M)) if c != "vmregion"]
    if len(cmds) < 5:
        errors.append(f"vmregion --help: found only the commands {cmds}")
    for cmd in cmds:
        if not re.search(rf"^\.SS {cmd}$", man, re.M):
            errors.append(f"docs/vmregion.1: no section '.SS {cmd}'")
        if not re.search(rf"^ +vmregion {cmd} ", readme, re.M):
            errors.append(f"README.md: no usage line 'vmregion {cmd} ...' in Use")
        h = helptext(cmd)
        if not h.startswith(f"usage: vmregion {cmd}"):
            errors.append(f"vmregion {cmd} --help: no usage line:\n{h}")
        opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z]|-[a-zA-Z])(?![\w-])", h))
        for o in sorted(opts):
            if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", man):
                errors.append(f"docs/vmregion.1: option {o} of vmregion {cmd} is not described")
    serve = helptext("serve")
    for word in sorted(set(re.findall(r"^\s+monitor ([a-z]+)", serve, re.M))):
        if f"monitor {word}" not in man:
            errors.append(f"docs/vmregion.1: 'monitor {word}' is not described")
    gdbscript = open(os.path.join(SRC, "plugin", "vmregion.gdb")).read()
    for name in re.findall(r"^define (.+)$", gdbscript, re.M):
        if name not in man:
            errors.append(f"docs/vmregion.1: the gdb command '{name}' is not described")
    if not re.search(r"^\.SH EXIT STATUS$", man, re.M):
        errors.append("docs/vmregion.1: no EXIT STATUS section")
    for e in errors:
        print("FAIL", e)
    print(f"docs: {len(cmds)} commands checked:", "ok" if not errors else f"{len(errors)} missing")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
