#!/usr/bin/env bash
# demo.sh - installs what the build needs, builds usnet, runs usnet-demo.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target usnet-demo
./build/tools/demo/usnet-demo "$@"
