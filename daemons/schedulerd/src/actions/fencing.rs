//! Fencing actions (`pe_fence_op`, lib/pacemaker/pcmk_sched_fencing.c).

use crate::actions::create::{custom_action, order_actions, set_reason};
use crate::model::{
    aflags, oflags, rflags, wsflags, ActionId, Needs, NodeId, NodeType, RscId, WorkingSet,
};
use crate::unpack::resources::add_hash_param;

/// Fencing devices that require unfencing (`find_unfencing_devices`),
/// newest first like the reference's prepended list.
fn find_unfencing_devices(ws: &WorkingSet, list: &[RscId], out: &mut Vec<RscId>) {
    for &r in list {
        let rsc = &ws.resources[r];
        if !rsc.children.is_empty() {
            find_unfencing_devices(ws, &rsc.children, out);
        } else if !rsc.is_set(rflags::FENCE_DEVICE) {
            continue;
        } else if rsc.is_set(rflags::NEEDS_UNFENCING)
            || rsc
                .meta
                .get("provides")
                .is_some_and(|v| v.eq_ignore_ascii_case("unfencing"))
        {
            out.insert(0, r);
        }
    }
}

/// `node_priority_fencing_delay`.
fn priority_fencing_delay(ws: &WorkingSet, n: NodeId) -> i32 {
    if ws.priority_fencing_delay <= 0 {
        return 0;
    }
    let node = &ws.nodes[n];
    if node.kind != NodeType::Member || node.online {
        return 0;
    }
    let mut member_count = 0;
    let mut online_count = 0;
    let mut top = 0;
    let mut lowest = 0;
    for &m in &ws.node_list {
        let nn = &ws.nodes[m];
        if nn.kind != NodeType::Member {
            continue;
        }
        member_count += 1;
        if nn.online {
            online_count += 1;
        }
        if member_count == 1 || nn.priority > top {
            top = nn.priority;
        }
        if member_count == 1 || nn.priority < lowest {
            lowest = nn.priority;
        }
    }
    if online_count > member_count / 2 {
        return 0;
    }
    if lowest == top {
        return 0;
    }
    if node.priority < top {
        return 0;
    }
    ws.priority_fencing_delay
}

/// `pe_fence_op`: the fencing action for a node (created once).
#[doc(alias = "pe_fence_op")]
pub fn fence_op(
    ws: &mut WorkingSet,
    n: NodeId,
    op: Option<&str>,
    optional: bool,
    reason: Option<&str>,
    priority_delay: bool,
) -> ActionId {
    let op = op
        .map(str::to_owned)
        .unwrap_or_else(|| ws.stonith_action.clone());
    let key = format!("stonith-{}-{}", ws.nodes[n].uname, op);
    let mut optional = optional;
    let a = match ws.singletons.get(&key) {
        Some(&a) => a,
        None => {
            let a = custom_action(ws, None, key, "stonith", Some(n), true);
            let uname = ws.nodes[n].uname.clone();
            let id = ws.nodes[n].id.clone();
            let meta = &mut ws.actions[a].meta;
            add_hash_param(meta, "on_node", &uname);
            add_hash_param(meta, "on_node_uuid", &id);
            add_hash_param(meta, "stonith_action", &op);
            if ws.is_set(wsflags::ENABLE_UNFENCING) {
                let mut matches = Vec::new();
                let top = ws.top.clone();
                find_unfencing_devices(ws, &top, &mut matches);
                let mut all = String::new();
                let mut secure = String::new();
                for m in matches {
                    let agent = ws.resources[m]
                        .meta
                        .get("type")
                        .cloned()
                        .unwrap_or_default();
                    let data = crate::unpack::digest::compare_fencing_digest(ws, m, &agent, n);
                    if data.rc == crate::unpack::digest::DigestRc::All {
                        optional = false;
                        let msg = format!(
                            "notice: Unfencing Pacemaker Remote node {} because the definition of {} changed",
                            ws.nodes[n].uname, ws.resources[m].id
                        );
                        ws.messages.push(crate::model::Msg::Info(msg));
                    }
                    let rid = ws.resources[m].id.clone();
                    all.push_str(&format!("{rid}:{agent}:{},", data.digest_all_calc));
                    secure.push_str(&format!(
                        "{rid}:{agent}:{},",
                        data.digest_secure_calc.unwrap_or_default()
                    ));
                }
                ws.actions[a].meta.insert("digests-all".into(), all);
                ws.actions[a].meta.insert("digests-secure".into(), secure);
            }
            a
        }
    };
    if ws.priority_fencing_delay > 0
        && (priority_delay || ws.actions[a].meta.contains_key("priority-fencing-delay"))
    {
        let d = priority_fencing_delay(ws, n);
        ws.actions[a]
            .meta
            .insert("priority-fencing-delay".into(), d.to_string());
    }
    if !optional && ws.can_fence(Some(n)) {
        ws.actions[a].clear(aflags::OPTIONAL);
        set_reason(ws, a, reason, false);
    } else if reason.is_some() && ws.actions[a].reason.is_none() {
        ws.actions[a].reason = reason.map(str::to_owned);
    }
    a
}

fn rsc_is_known_on(ws: &WorkingSet, r: RscId, n: NodeId) -> bool {
    let rsc = &ws.resources[r];
    if rsc.known_on.contains(n) {
        return true;
    }
    rsc.variant == crate::model::Variant::Native
        && rsc
            .parent
            .is_some_and(|p| ws.is_anon_clone(p) && ws.resources[p].known_on.contains(n))
}

fn order_start_vs_fencing(ws: &mut WorkingSet, r: RscId, stonith_op: ActionId) {
    let Some(target) = ws.actions[stonith_op].node else {
        return;
    };
    let acts: Vec<ActionId> = ws.resources[r].actions.iter().rev().copied().collect();
    for a in acts {
        match ws.actions[a].needs {
            Needs::Nothing => {}
            Needs::Stonith => {
                order_actions(ws, stonith_op, a, oflags::OPTIONAL);
            }
            Needs::Quorum => {
                if ws.actions[a].task.eq_ignore_ascii_case("start")
                    && ws.resources[r].allowed_nodes.contains(target)
                    && !rsc_is_known_on(ws, r, target)
                {
                    order_actions(ws, stonith_op, a, oflags::OPTIONAL | oflags::RUNNABLE_LEFT);
                }
            }
        }
    }
}

fn order_stop_vs_fencing(ws: &mut WorkingSet, r: RscId, stonith_op: ActionId) {
    let Some(target) = ws.actions[stonith_op].node else {
        return;
    };
    let top = ws.uber_parent(r);
    let action_list = ws.resource_actions(r, Some(target), "stop", false);
    let order_implicit = ws.resources[r].is_set(rflags::NEEDS_FENCING) || ws.is_guest(target);
    let mut parent_stop = None;
    if !action_list.is_empty() && order_implicit {
        parent_stop = ws.find_first_action(top, None, Some("stop"), None);
    }
    for &a in &action_list {
        ws.actions[a].set(aflags::PSEUDO | aflags::RUNNABLE);
        if order_implicit {
            ws.actions[a].set(aflags::IMPLIED_BY_STONITH);
            if !ws.is_bundled(r) {
                order_actions(ws, stonith_op, a, oflags::PRESERVE);
            }
            if let Some(ps) = parent_stop {
                order_actions(ws, stonith_op, ps, oflags::PRESERVE);
            }
        }
        if ws.resources[r].is_set(rflags::NOTIFY) {
            crate::actions::notif::order_notifs_after_fencing(ws, a, r, stonith_op);
        }
    }
    let action_list = ws.resource_actions(r, Some(target), "demote", false);
    for a in action_list {
        let Some(an) = ws.actions[a].node else {
            continue;
        };
        if !ws.nodes[an].online || ws.nodes[an].unclean || ws.resources[r].is_set(rflags::FAILED) {
            ws.actions[a].set(aflags::PSEUDO | aflags::RUNNABLE);
            if ws.is_bundled(r) {
            } else if order_implicit {
                order_actions(ws, stonith_op, a, oflags::PRESERVE | oflags::OPTIONAL);
            }
        }
    }
}

fn rsc_stonith_ordering(ws: &mut WorkingSet, r: RscId, stonith_op: ActionId) {
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            rsc_stonith_ordering(ws, c, stonith_op);
        }
    } else if !ws.resources[r].is_set(rflags::MANAGED) {
    } else {
        order_start_vs_fencing(ws, r, stonith_op);
        order_stop_vs_fencing(ws, r, stonith_op);
    }
}

/// `pcmk__order_vs_fence`.
#[doc(alias = "pcmk__order_vs_fence")]
pub fn order_vs_fence(ws: &mut WorkingSet, stonith_op: ActionId) {
    for r in ws.top.clone() {
        rsc_stonith_ordering(ws, r, stonith_op);
    }
}

/// `pcmk__node_unfenced`.
pub fn node_unfenced(ws: &WorkingSet, n: NodeId) -> bool {
    match ws.node_attr(n, "#node-unfenced") {
        None => false,
        Some(v) => v != "0",
    }
}

/// `trigger_unfencing`.
pub fn trigger_unfencing(
    ws: &mut WorkingSet,
    rsc: Option<RscId>,
    node: Option<NodeId>,
    reason: &str,
    dependency: Option<ActionId>,
) {
    if !ws.is_set(wsflags::ENABLE_UNFENCING) {
        return;
    }
    if rsc.is_some_and(|r| !ws.resources[r].is_set(rflags::FENCE_DEVICE)) {
        return;
    }
    if let Some(n) = node.filter(|&n| {
        let nd = &ws.nodes[n];
        nd.online && !nd.unclean && !nd.shutdown
    }) {
        let unfence = fence_op(ws, n, Some("on"), false, Some(reason), false);
        if let Some(d) = dependency {
            order_actions(ws, unfence, d, oflags::OPTIONAL);
        }
    } else if let Some(r) = rsc {
        let nodes: Vec<NodeId> = ws.resources[r]
            .allowed_nodes
            .iter()
            .map(|n| n.node)
            .collect();
        for n in nodes {
            let nd = &ws.nodes[n];
            if nd.online && !nd.unclean && !nd.shutdown {
                trigger_unfencing(ws, rsc, Some(n), reason, dependency);
            }
        }
    }
}

/// `pcmk__order_vs_unfence`.
pub fn order_vs_unfence(ws: &mut WorkingSet, r: RscId, n: NodeId, action: ActionId, order: u32) {
    let rsc = &ws.resources[r];
    if (rsc.is_set(rflags::FENCE_DEVICE) && ws.is_set(wsflags::ENABLE_UNFENCING))
        || rsc.is_set(rflags::NEEDS_UNFENCING)
    {
        let unfence = fence_op(ws, n, Some("on"), true, None, false);
        order_actions(ws, unfence, action, order);
        if !node_unfenced(ws, n) {
            let reason = format!(
                "required by {} {}",
                ws.resources[r].id, ws.actions[action].task
            );
            trigger_unfencing(ws, None, Some(n), &reason, None);
        }
    }
}

/// `pcmk__fence_guest`.
#[doc(alias = "pcmk__fence_guest")]
pub fn fence_guest(ws: &mut WorkingSet, n: NodeId) {
    let Some(remote) = ws.nodes[n].remote_rsc else {
        return;
    };
    let container = ws.resources[remote].container;
    let mut stop = None;
    let mut fence_action = "off";
    if let Some(c) = container {
        stop = ws.find_first_action(c, None, Some("stop"), None);
        if ws.find_first_action(c, None, Some("start"), None).is_some() {
            fence_action = "reboot";
        }
    }
    let stonith_op = fence_op(
        ws,
        n,
        Some(fence_action),
        false,
        Some("guest is unclean"),
        false,
    );
    ws.actions[stonith_op].set(aflags::PSEUDO | aflags::RUNNABLE);
    match stop {
        Some(s) if ws.actions[s].is_set(aflags::PSEUDO) => {
            if let Some(sn) = ws.actions[s].node {
                let parent = fence_op(ws, sn, None, false, None, false);
                order_actions(
                    ws,
                    parent,
                    stonith_op,
                    oflags::RUNNABLE_LEFT | oflags::IMPLIES_THEN,
                );
            }
        }
        Some(s) => {
            order_actions(
                ws,
                s,
                stonith_op,
                oflags::RUNNABLE_LEFT | oflags::IMPLIES_THEN,
            );
        }
        None => {
            if let Some(s) = ws.find_first_action(remote, None, Some("stop"), None) {
                order_actions(ws, s, stonith_op, oflags::OPTIONAL);
            }
        }
    }
    order_vs_fence(ws, stonith_op);
}
