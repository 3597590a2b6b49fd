//! Orderings between actions on remote/guest nodes and their connection
//! resources (lib/pacemaker/pcmk_sched_remote.c).

use crate::constraints::ordering::new_ordering;
use crate::model::{aflags, oflags, rflags, wsflags, ActionId, NodeId, RscId, WorkingSet};
use crate::unpack::nodes::{fence_node, shutdown_requested};
use crate::util::{op_key, Role, Task};

/// `enum remote_connection_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConnState {
    Unknown,
    Alive,
    Resting,
    Failed,
    Stopped,
}

/// `order_start_then_action`.
fn order_start_then_action(ws: &mut WorkingSet, first: RscId, then: ActionId, extra: u32) {
    let key = op_key(&ws.resources[first].id, "start", 0);
    let then_rsc = ws.actions[then].rsc;
    new_ordering(
        ws,
        Some(first),
        Some(key),
        None,
        then_rsc,
        None,
        Some(then),
        oflags::PRESERVE | oflags::RUNNABLE_LEFT | extra,
    );
}

/// `order_action_then_stop`.
fn order_action_then_stop(ws: &mut WorkingSet, first: ActionId, then: RscId, extra: u32) {
    let key = op_key(&ws.resources[then].id, "stop", 0);
    let first_rsc = ws.actions[first].rsc;
    new_ordering(
        ws,
        first_rsc,
        None,
        Some(first),
        Some(then),
        Some(key),
        None,
        oflags::PRESERVE | extra,
    );
}

/// `get_remote_node_state`.
fn remote_node_state(ws: &WorkingSet, n: NodeId) -> ConnState {
    let Some(remote) = ws.nodes[n].remote_rsc else {
        return ConnState::Unknown;
    };
    let r = &ws.resources[remote];
    let cluster_node = ws.current_node(remote);
    if r.next_role == Role::Stopped || r.allocated_to.is_none() {
        if cluster_node.is_some_and(|c| ws.nodes[c].unclean) {
            return ConnState::Failed;
        }
        if !r.is_set(rflags::FAILED) {
            return ConnState::Stopped;
        }
        if r.next_role == Role::Stopped
            && r.remote_reconnect_ms != 0
            && ws.nodes[n].remote_was_fenced
            && !shutdown_requested(ws, n)
        {
            return ConnState::Unknown;
        }
        return ConnState::Failed;
    }
    match cluster_node {
        None => ConnState::Unknown,
        Some(c) if ws.nodes[c].unclean || !ws.nodes[c].online => ConnState::Resting,
        Some(_)
            if r.running_on.len() > 1
                && r.partial_migration_source.is_some()
                && r.partial_migration_target.is_some() =>
        {
            ConnState::Resting
        }
        Some(_) => ConnState::Alive,
    }
}

/// `pcmk__action_is_recurring`.
fn is_recurring(ws: &WorkingSet, a: ActionId) -> bool {
    ws.actions[a]
        .meta
        .get("interval")
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|v| v > 0)
}

/// `apply_remote_ordering`.
fn apply_remote_ordering(ws: &mut WorkingSet, a: ActionId) {
    if ws.actions[a].rsc.is_none() {
        return;
    }
    let node = ws.actions[a].node.expect("remote action has a node");
    let mut task = Task::parse(&ws.actions[a].task);
    let state = remote_node_state(ws, node);
    let remote = ws.nodes[node].remote_rsc.expect("remote node");
    let t = ws.actions[a].task.as_str();
    if t.eq_ignore_ascii_case("migrate_to") || t.eq_ignore_ascii_case("migrate_from") {
        task = Task::StopRsc;
    }
    match task {
        Task::StartRsc | Task::ActionPromote => {
            let opts = if state == ConnState::Failed {
                oflags::IMPLIES_THEN
            } else {
                oflags::NONE
            };
            order_start_then_action(ws, remote, a, opts);
        }
        Task::StopRsc => {
            if state == ConnState::Alive {
                order_action_then_stop(ws, a, remote, oflags::IMPLIES_FIRST);
            } else if state == ConnState::Failed {
                fence_node(
                    ws,
                    node,
                    "resources are active but connection is unrecoverable",
                    false,
                );
            } else if ws.resources[remote].next_role == Role::Stopped {
                order_action_then_stop(ws, a, remote, oflags::IMPLIES_FIRST);
            } else {
                order_start_then_action(ws, remote, a, oflags::NONE);
            }
        }
        Task::ActionDemote => {
            if state == ConnState::Resting || state == ConnState::Unknown {
                order_start_then_action(ws, remote, a, oflags::NONE);
            }
        }
        _ => {
            if is_recurring(ws, a) {
                order_start_then_action(ws, remote, a, oflags::IMPLIES_THEN);
            } else {
                let cluster_node = ws.current_node(remote);
                if task == Task::MonitorRsc && state == ConnState::Failed {
                    fence_node(
                        ws,
                        node,
                        "resources are in unknown state and connection is unrecoverable",
                        false,
                    );
                }
                if cluster_node.is_some() && state == ConnState::Stopped {
                    order_action_then_stop(ws, a, remote, oflags::RUNNABLE_LEFT);
                } else {
                    order_start_then_action(ws, remote, a, oflags::NONE);
                }
            }
        }
    }
}

/// `apply_container_ordering`.
fn apply_container_ordering(ws: &mut WorkingSet, a: ActionId) {
    let node = ws.actions[a].node.expect("guest action has a node");
    let remote = ws.nodes[node].remote_rsc.expect("guest node");
    let container = ws.resources[remote].container.expect("guest container");
    let mut task = Task::parse(&ws.actions[a].task);
    if ws.resources[container].is_set(rflags::FAILED) {
        fence_node(ws, node, "container failed", false);
    }
    let t = ws.actions[a].task.as_str();
    if t.eq_ignore_ascii_case("migrate_to") || t.eq_ignore_ascii_case("migrate_from") {
        task = Task::StopRsc;
    }
    match task {
        Task::StartRsc | Task::ActionPromote => {
            order_start_then_action(ws, container, a, oflags::IMPLIES_THEN);
            order_start_then_action(ws, remote, a, oflags::NONE);
        }
        Task::StopRsc | Task::ActionDemote => {
            if !ws.resources[container].is_set(rflags::FAILED) {
                order_action_then_stop(ws, a, remote, oflags::NONE);
            }
        }
        _ => {
            if is_recurring(ws, a) {
                if task != Task::NoAction {
                    order_start_then_action(ws, remote, a, oflags::IMPLIES_THEN);
                }
            } else {
                order_start_then_action(ws, remote, a, oflags::NONE);
            }
        }
    }
}

/// `pcmk__order_remote_connection_actions`.
#[doc(alias = "pcmk__order_remote_connection_actions")]
pub fn order_remote_connection_actions(ws: &mut WorkingSet) {
    if !ws.is_set(wsflags::HAVE_REMOTE_NODES) {
        return;
    }
    for a in (0..ws.actions.len()).rev() {
        let Some(r) = ws.actions[a].rsc else { continue };
        if ws.resources[r].is_remote_node
            && ws.actions[a].task.eq_ignore_ascii_case("clear_failcount")
        {
            let key = op_key(&ws.resources[r].id, "start", 0);
            new_ordering(
                ws,
                Some(r),
                None,
                Some(a),
                Some(r),
                Some(key),
                None,
                oflags::OPTIONAL,
            );
            continue;
        }
        let Some(node) = ws.actions[a].node else {
            continue;
        };
        if !ws.is_guest_or_remote(node) || ws.actions[a].is_set(aflags::PSEUDO) {
            continue;
        }
        let Some(remote) = ws.nodes[node].remote_rsc else {
            continue;
        };
        if ws.actions[a].task.eq_ignore_ascii_case("start") {
            for ra in ws.resources[r].actions.clone().into_iter().rev() {
                if ws.actions[ra].node != Some(node)
                    && ws.actions[ra].task.eq_ignore_ascii_case("stop")
                {
                    let key = op_key(&ws.resources[remote].id, "start", 0);
                    new_ordering(
                        ws,
                        Some(remote),
                        Some(key),
                        None,
                        Some(r),
                        None,
                        Some(ra),
                        oflags::OPTIONAL,
                    );
                }
            }
        }
        if ws.resources[remote].container.is_some() {
            apply_container_ordering(ws, a);
        } else {
            apply_remote_ordering(ws, a);
        }
    }
}

/// `pcmk__is_failed_remote_node`.
#[doc(alias = "pcmk__is_failed_remote_node")]
pub fn is_failed_remote_node(ws: &WorkingSet, n: NodeId) -> bool {
    ws.is_remote(n)
        && ws.nodes[n].remote_rsc.is_some()
        && remote_node_state(ws, n) == ConnState::Failed
}
