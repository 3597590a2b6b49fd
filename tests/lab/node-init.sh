#!/bin/bash
# PID 1 of one lab node. The lab starts it as
#   nsenter --net=<node netns> -- unshare --mount --uts --ipc --pid --fork \
#       --mount-proc --kill-child --propagation private -- bash node-init.sh
# so every mount below is private to the node, and when this script exits
# (or is killed) the kernel kills every process left in the node.
#
# Environment (set by the lab):
#   LAB_NODE_DIR   the node's state directory on the host (see lab/node.rs)
#   LAB_NODE_NAME  host name of the node (= its name in corosync.conf)
#   LAB_STACK      pacemaker | corosync | none
#   LAB_SUBST      file of "TARGET SOURCE" lines: bind SOURCE over TARGET
# Progress is appended to $LAB_NODE_DIR/init.state, one word a line:
#   mounted, corosync-ready, pacemaker-started, stopping, stopped.
set -u

dir=$LAB_NODE_DIR
state=$dir/init.state
say() { echo "$1" >>"$state"; }
fail() {
    echo "node-init: $*" >&2
    say "failed"
    exit 1
}

# --- private file system ------------------------------------------------------
mount -t tmpfs -o mode=0755,size=256m lab-run /run || fail "tmpfs on /run"
mkdir -p /run/lock /run/resource-agents /run/atrium-lab/orig
chmod 1755 /run/resource-agents
mount -t tmpfs -o mode=1777,size=256m lab-shm /dev/shm || fail "tmpfs on /dev/shm"
for sub in etc/corosync etc/pacemaker var/lib/corosync var/lib/pacemaker var/log; do
    [[ -d /$sub ]] || continue
    mount --bind "$dir/$sub" "/$sub" || fail "bind $sub"
done
mount --bind "$dir/etc/hosts" /etc/hosts || fail "bind /etc/hosts"

# Substitutions: the original stays reachable as /run/atrium-lab/orig/<name>.
if [[ -s ${LAB_SUBST:-} ]]; then
    while read -r target source; do
        [[ -n $target ]] || continue
        orig=/run/atrium-lab/orig/$(basename "$target")
        : >"$orig"
        mount --bind "$target" "$orig" || fail "keep original $target"
        mount --bind "$source" "$target" || fail "bind $source over $target"
    done <"$LAB_SUBST"
fi
export ATRIUM_LAB_ORIG=/run/atrium-lab/orig

hostname "$LAB_NODE_NAME" || fail "hostname"
ip link set lo up || fail "loopback up"
cd /
say mounted

# --- the stack ------------------------------------------------------------------
corosync_pid=
pacemaker_pid=

stop_stack() {
    say stopping
    if [[ -n $pacemaker_pid ]] && kill -0 "$pacemaker_pid" 2>/dev/null; then
        kill -TERM "$pacemaker_pid"
        while kill -0 "$pacemaker_pid" 2>/dev/null; do wait "$pacemaker_pid"; done
    fi
    if [[ -n $corosync_pid ]] && kill -0 "$corosync_pid" 2>/dev/null; then
        kill -TERM "$corosync_pid"
        while kill -0 "$corosync_pid" 2>/dev/null; do wait "$corosync_pid"; done
    fi
    say stopped
    exit 0
}
trap stop_stack TERM INT

if [[ $LAB_STACK != none ]]; then
    corosync -f >>"$dir/corosync.out" 2>&1 &
    corosync_pid=$!
    # Like corosync's sd_notify: pacemaker starts once corosync answers IPC.
    ready=
    for _ in $(seq 300); do
        if corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1; then
            ready=yes
            break
        fi
        kill -0 "$corosync_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $ready ]] || fail "corosync did not become ready (see corosync.out)"
    say corosync-ready
fi

if [[ $LAB_STACK == pacemaker ]]; then
    pacemakerd >>"$dir/pacemakerd.out" 2>&1 &
    pacemaker_pid=$!
    say pacemaker-started
fi

# Stay alive as the node's reaper until told to stop. The sleeper keeps
# `wait` blocking when every daemon has exited (it returns on a signal).
sleep infinity &
while :; do
    wait
done
