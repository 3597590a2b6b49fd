#!/usr/bin/env bash
# Atrium's whole test suite: lint, build, unit/property/conformance/differential
# tests, bounded fuzzing. This is what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

tests/install-deps.sh

echo "== format and lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== build"
cargo build --workspace --bins --quiet

echo "== tests"
cargo test --workspace --quiet

if [[ -x tests/fuzz.sh ]]; then
    echo "== bounded fuzzing"
    tests/fuzz.sh
fi
echo "== suite passed"
