#!/bin/sh
# Install dependencies, build, and run the whole test suite (unit tests,
# corpus tests against ../shared/corpus or $VMR_CORPUS, bad-input tests).
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j"$(nproc)"
