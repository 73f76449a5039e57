#!/bin/sh
# Install dependencies (Debian 12) and build vmregion into build/.
# Extra arguments go to cmake's configure step (e.g. -DVMR_WERROR=ON).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build "$@" >/dev/null
cmake --build build -j"$(nproc)"
