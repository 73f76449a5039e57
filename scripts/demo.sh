#!/bin/sh
# Install dependencies, build, and run vmregion on the sample dump.
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh
build/cli/vmregion info samples/vmcore.kdump-zlib
