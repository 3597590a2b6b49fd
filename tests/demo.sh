#!/usr/bin/env bash
# Atrium's main job: bring up a local 3-node cluster on this machine (each
# node in its own network, mount, UTS and PID namespaces, see tests/src/lab),
# run a sample ocf:heartbeat:Dummy resource, show `crm_mon -1` from a node,
# and tear everything down.
#
# Nodes run the reference Pacemaker/Corosync daemons wherever Atrium has no
# daemon yet: every Atrium daemon that is built (<target>/release/<name>, same
# name as the reference one) replaces the reference one inside every node.
# ATRIUM_DEMO_REFERENCE=1 runs the reference stack only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
tests/install-deps.sh
cargo build --release --bins --quiet

if [[ $(id -u) -ne 0 ]]; then
    echo "demo: the local cluster needs root (namespaces and mounts)" >&2
    exit 1
fi

bin=${CARGO_TARGET_DIR:-target}/release
lab=$bin/atrium-lab
id=demo
args=()
if [[ ${ATRIUM_DEMO_REFERENCE:-0} != 1 ]]; then
    for d in corosync pacemakerd pacemaker-based pacemaker-controld pacemaker-execd \
        pacemaker-fenced pacemaker-attrd pacemaker-schedulerd; do
        if [[ -x $bin/$d ]]; then
            echo "demo: Atrium's $d replaces the reference one"
            args+=(--atrium "$d=$(realpath "$bin/$d")")
        fi
    done
fi

# A demo interrupted earlier may have left its cluster running.
"$lab" --id "$id" down >/dev/null 2>&1 || true
trap '"$lab" --id "$id" down' EXIT

echo "== starting 3 nodes"
"$lab" --id "$id" up --nodes 3 "${args[@]}"
echo "== adding resource 'dummy' (ocf:heartbeat:Dummy)"
"$lab" --id "$id" run n1 -- cibadmin --create -o resources --xml-text \
    '<primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy">
       <operations><op id="dummy-monitor-10s" name="monitor" interval="10s"/></operations>
     </primitive>'
"$lab" --id "$id" wait-resource dummy
echo "== crm_mon -1 on n2"
"$lab" --id "$id" run n2 -- crm_mon -1
echo "== Atrium's offline tools on the live CIB"
cib=$(mktemp --suffix=.xml)
trap 'rm -f "$cib"; "$lab" --id "$id" down' EXIT
"$lab" --id "$id" run n1 -- cibadmin --query > "$cib"
echo "-- cibadmin --md5-sum-versioned (Atrium, then the reference):"
"$bin/cibadmin" --md5-sum-versioned -x "$cib"
cibadmin --md5-sum-versioned -x "$cib"
if [[ -x $bin/crm_verify ]]; then
    echo "-- crm_verify -x (Atrium):"
    "$bin/crm_verify" -x "$cib" && echo "configuration is valid"
fi
echo "-- crm_simulate -S -x (Atrium's policy engine on the live CIB):"
"$bin/crm_simulate" -S -x "$cib"
echo "== stopping the cluster"
