#!/bin/sh
# Install dependencies, build, and run the whole test suite (unit tests,
# corpus tests against ../shared/corpus or $VMR_CORPUS, bad-input tests, a
# live kernel under QEMU).
set -eu
cd "$(dirname "$0")/.."
# valgrind (valgrind/corpus), QEMU and the kernel (with its debug vmlinux)
# of the live test, tests/live, and the debug vmlinux of the corpus's Debian
# kernels (gdb/bt, bad-input, novmcoreinfo); without them those checks are
# skipped, the rest still runs.
scripts/install-deps.sh --valgrind --live --live-dbg --corpus-dbg ||
	echo "warning: valgrind, QEMU, the live test's kernel or a corpus debug vmlinux could not be installed: the checks that need them will be skipped" >&2
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)"
