#!/bin/sh
# Install dependencies, build, and triage the sample dump (the first thing to run on a fresh crash dump).
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh
build/cli/vmregion triage samples/vmcore.kdump-zlib
