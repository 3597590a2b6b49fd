#!/usr/bin/env bash
# Scheduler speed at scale against the reference crm_simulate: generates a
# cluster of N nodes and P ocf:heartbeat:Dummy primitives (all nodes online,
# nothing running yet), checks that both binaries print the same, then times
# them side by side with farm-bench.
#   tests/bench/scheduler-scale.sh [NODES] [PRIMITIVES] [MODE]
# MODE is a crm_simulate option: -s (one scheduler run, scores) or -S
# (--simulate: execute the transition). Needs a release build:
#   cargo build --release -p pcmk-tools --bin crm_simulate
set -euo pipefail
cd "$(dirname "$0")/../.."
nodes=${1:-16} prims=${2:-1000} mode=${3:--s}
ours=${CARGO_TARGET_DIR:-target}/release/crm_simulate
ref=/usr/sbin/crm_simulate
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cib=$dir/n$nodes-p$prims.xml
{
    printf '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>'
    printf '<crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>'
    for n in $(seq "$nodes"); do printf '<node id="%d" uname="node%d"/>' "$n" "$n"; done
    printf '</nodes><resources>'
    for p in $(seq "$prims"); do
        printf '<primitive id="r%d" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="r%d-mon" name="monitor" interval="10s"/></operations></primitive>' "$p" "$p"
    done
    printf '</resources><constraints/></configuration><status>'
    for n in $(seq "$nodes"); do
        printf '<node_state id="%d" uname="node%d" in_ccm="true" crmd="online" join="member" expected="member"/>' "$n" "$n"
    done
    printf '</status></cib>\n'
} > "$cib"
"$ours" -x "$cib" "$mode" > "$dir/ours.txt" 2>&1
"$ref" -x "$cib" "$mode" > "$dir/ref.txt" 2>&1
if cmp -s "$dir/ours.txt" "$dir/ref.txt"; then
    echo "output identical ($nodes nodes, $prims primitives, $mode)"
else
    echo "output differs:" >&2
    diff "$dir/ref.txt" "$dir/ours.txt" | head -20 >&2
    exit 1
fi
farm-bench -n "${RUNS:-3}" --timeout 3600 --vs "$ref -x $cib $mode" -- "$ours" -x "$cib" "$mode"
