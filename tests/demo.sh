#!/usr/bin/env bash
# Atrium's main job, for now: validate the bundled sample configuration and
# print its digests. Later stages turn this into a live local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
tests/install-deps.sh
cargo build --release --bins --quiet
echo "Atrium: nothing to demonstrate yet beyond a successful build."
