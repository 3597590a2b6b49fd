#!/usr/bin/env bash
# Install what building and testing Atrium needs on Debian 12:
# build dependencies always, the reference Pacemaker/Corosync packages
# (for the differential and interop tests) when run as root.
set -euo pipefail

build_deps=(build-essential pkg-config libxml2-dev libxml2-utils libbz2-dev libqb-dev python3 iproute2 nftables pacemaker-dev libcpg-dev)
reference=(pacemaker pacemaker-cli-utils corosync resource-agents fence-agents crmsh pcs)

missing=()
for p in "${build_deps[@]}" "${reference[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        sudo=""
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo="sudo"
    else
        echo "install-deps: not root; cannot install: ${missing[*]}" >&2
        echo "install-deps: differential tests will skip where the reference is absent" >&2
        sudo=skip
    fi
    if [[ $sudo != skip ]]; then
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
        # The packages enable their services; the tests start their own instances.
        for svc in pacemaker corosync pcsd pcsd-ruby; do
            $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
        done
    fi
fi

if ! command -v cargo >/dev/null; then
    if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
        echo "install-deps: add \$HOME/.cargo/bin to PATH" >&2
    else
        echo "install-deps: installing the Rust toolchain with rustup" >&2
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    fi
fi
