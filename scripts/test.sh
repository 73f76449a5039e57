#!/bin/sh
# Install dependencies, build, and run the whole test suite (unit tests,
# corpus tests against ../shared/corpus or $VMR_CORPUS, bad-input tests, a
# live kernel under QEMU).
set -eu
cd "$(dirname "$0")/.."
# QEMU and the kernel (with its debug vmlinux) of the live test, tests/live;
# without them that test is skipped, the rest still runs.
scripts/install-deps.sh --live --live-dbg ||
	echo "warning: QEMU or the live test's kernel could not be installed: live/qemu will be skipped" >&2
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)"
