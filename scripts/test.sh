#!/bin/sh
# Install dependencies, build, and run the whole test suite (unit tests,
# corpus tests against ../shared/corpus or $VMR_CORPUS, bad-input tests, a
# live kernel under QEMU).
set -eu
cd "$(dirname "$0")/.."
# QEMU and the kernel (with its debug vmlinux) of the live test, tests/live.
scripts/install-deps.sh --live --live-dbg
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)"
