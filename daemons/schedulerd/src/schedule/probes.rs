//! Probes (lib/pacemaker/pcmk_sched_probes.c).

use crate::actions::create::{add_expected_result, custom_action, order_actions};
use crate::actions::fencing::order_vs_unfence;
use crate::assign::clone::{cmp_instance_number, find_compatible_child};
use crate::constraints::ordering::new_ordering;
use crate::glib;
use crate::model::{
    aflags, oflags, rflags, wsflags, ActionId, Discover, NodeId, RscId, Variant, WorkingSet,
};
use crate::util::{self, op_key, Role};

fn add_expected(ws: &mut WorkingSet, probe: ActionId, r: RscId, n: NodeId) {
    let nid = ws.nodes[n].id.clone();
    let running = ws.resources[r]
        .running_on
        .iter()
        .any(|&x| ws.nodes[x].id.eq_ignore_ascii_case(&nid));
    if !running {
        add_expected_result(ws, probe, 7);
    } else if ws.resources[r].role == Role::Promoted {
        add_expected_result(ws, probe, 8);
    }
}

/// `pcmk__probe_resource_list`.
pub fn probe_resource_list(ws: &mut WorkingSet, rscs: &[RscId], n: NodeId) -> bool {
    let mut any = false;
    for &r in rscs {
        if create_probe(ws, r, n) {
            any = true;
        }
    }
    any
}

fn probe_then_start(ws: &mut WorkingSet, rsc1: RscId, rsc2: RscId) {
    if let Some(a) = ws.resources[rsc1].allocated_to {
        if !ws.resources[rsc1].known_on.contains(a.node) {
            let k1 = op_key(&ws.resources[rsc1].id, "monitor", 0);
            let k2 = op_key(&ws.resources[rsc2].id, "start", 0);
            new_ordering(
                ws,
                Some(rsc1),
                Some(k1),
                None,
                Some(rsc2),
                Some(k2),
                None,
                oflags::OPTIONAL,
            );
        }
    }
}

fn guest_resource_will_stop(ws: &WorkingSet, n: NodeId) -> bool {
    let Some(guest) = ws.nodes[n]
        .remote_rsc
        .and_then(|r| ws.resources[r].container)
    else {
        return false;
    };
    let g = &ws.resources[guest];
    ws.nodes[n].remote_requires_reset
        || ws.nodes[n].unclean
        || g.is_set(rflags::FAILED)
        || g.next_role == Role::Stopped
        || (g.role > Role::Stopped
            && g.allocated_to.is_some_and(|a| {
                !g.running_on.iter().any(|&x| {
                    ws.nodes[x]
                        .uname
                        .eq_ignore_ascii_case(&ws.nodes[a.node].uname)
                })
            }))
}

/// `pcmk__probe_rsc_on_node` (primitives and groups).
fn probe_rsc_on_node(ws: &mut WorkingSet, r: RscId, n: NodeId) -> bool {
    let mut flags = oflags::OPTIONAL;
    let mut top = ws.uber_parent(r);
    if !ws.is_set(wsflags::STARTUP_PROBES) {
        return false;
    }
    if ws.is_guest_or_remote(n) {
        let class = ws.doc.attr(ws.resources[r].xml, "class");
        if class == Some("stonith") {
            return false;
        } else if ws.is_guest(n) && crate::internal::resource_contains_guest_node(ws, r).is_some() {
            return false;
        } else if ws.resources[r].is_remote_node {
            return false;
        }
    }
    if !ws.resources[r].children.is_empty() {
        let kids = ws.resources[r].children.clone();
        return probe_resource_list(ws, &kids, n);
    }
    let rsc = &ws.resources[r];
    if rsc.container.is_some() && !rsc.is_remote_node {
        return false;
    } else if rsc.is_set(rflags::ORPHAN) {
        return false;
    } else if rsc.known_on.contains(n) {
        return false;
    }
    let allowed = rsc.allowed_nodes.get(n).copied();
    if rsc.exclusive_discover || ws.resources[top].exclusive_discover {
        match allowed {
            None => return false,
            Some(a) if a.discover != Discover::Exclusive => return false,
            _ => {}
        }
    }
    let discover = allowed.map_or(ws.nodes[n].discover, |a| a.discover);
    if discover == Discover::Never {
        return false;
    }
    if ws.is_guest(n) {
        if let Some(guest) = ws.nodes[n]
            .remote_rsc
            .and_then(|rr| ws.resources[rr].container)
        {
            if ws.resources[guest].role == Role::Stopped {
                probe_then_start(ws, guest, top);
                return false;
            } else if guest_resource_will_stop(ws, n) {
                let gk = op_key(&ws.resources[guest].id, "stop", 0);
                let tk = op_key(&ws.resources[top].id, "start", 0);
                new_ordering(
                    ws,
                    Some(guest),
                    Some(gk),
                    None,
                    Some(top),
                    Some(tk),
                    None,
                    oflags::OPTIONAL,
                );
                return false;
            }
        }
    }
    let key = op_key(&ws.resources[r].id, "monitor", 0);
    let probe = custom_action(ws, Some(r), key, "monitor", Some(n), false);
    ws.actions[probe].clear(aflags::OPTIONAL);
    order_vs_unfence(ws, r, n, probe, oflags::OPTIONAL);
    add_expected(ws, probe, r, n);
    if (ws.resources[r].is_set(rflags::FENCE_DEVICE) && ws.is_set(wsflags::ENABLE_UNFENCING))
        || !ws.is_clone(top)
    {
        top = r;
    }
    if !ws.actions[probe].is_set(aflags::RUNNABLE) && ws.resources[r].running_on.is_empty() {
        flags |= oflags::RUNNABLE_LEFT;
    }
    let tk = op_key(&ws.resources[top].id, "start", 0);
    new_ordering(
        ws,
        Some(r),
        None,
        Some(probe),
        Some(top),
        Some(tk),
        None,
        flags,
    );
    let rk = op_key(&ws.resources[r].id, "reload-agent", 0);
    new_ordering(
        ws,
        Some(r),
        None,
        Some(probe),
        Some(top),
        Some(rk),
        None,
        oflags::OPTIONAL,
    );
    true
}

fn rsc_known_on(ws: &WorkingSet, r: RscId, n: NodeId) -> bool {
    if !ws.resources[r].children.is_empty() {
        ws.resources[r]
            .children
            .iter()
            .any(|&c| rsc_known_on(ws, c, n))
    } else {
        ws.resources[r].known_on.iter().any(|k| k.node == n)
    }
}

/// `clone_create_probe`.
fn clone_create_probe(ws: &mut WorkingSet, r: RscId, n: NodeId) -> bool {
    let mut children = std::mem::take(&mut ws.resources[r].children);
    glib::list_sort(&mut children, &mut |&a, &b| cmp_instance_number(ws, a, b));
    ws.resources[r].children = children.clone();
    if children.is_empty() {
        return false;
    }
    if ws.resources[r].exclusive_discover {
        if let Some(a) = ws.resources[r].allowed_nodes.get(n) {
            if a.discover != Discover::Exclusive {
                ws.resources[r].allowed_nodes.remove(n);
                return false;
            }
        }
    }
    if ws.resources[r].is_set(rflags::UNIQUE) {
        return probe_resource_list(ws, &children, n);
    }
    // probe_anonymous_clone
    let mut child = children.iter().copied().find(|&c| rsc_known_on(ws, c, n));
    if child.is_none() {
        for &c in &children {
            if crate::rscfns::location(ws, c, None, 0) == Some(n) {
                child = Some(c);
                break;
            }
        }
    }
    let child = child.unwrap_or(children[0]);
    create_probe(ws, child, n)
}

/// `rsc->cmds->create_probe`.
pub fn create_probe(ws: &mut WorkingSet, r: RscId, n: NodeId) -> bool {
    match ws.resources[r].variant {
        Variant::Clone => clone_create_probe(ws, r, n),
        Variant::Container => bundle_create_probe(ws, r, n),
        _ => probe_rsc_on_node(ws, r, n),
    }
}

/// `pcmk__bundle_create_probe`.
#[doc(alias = "pcmk__bundle_create_probe")]
fn bundle_create_probe(ws: &mut WorkingSet, r: RscId, n: NodeId) -> bool {
    let mut any = false;
    let reps = crate::assign::bundle::replicas(ws, r);
    let per_host = ws.resources[r]
        .bundle
        .as_ref()
        .map_or(1, |b| b.nreplicas_per_host);
    for (i, rep) in reps.iter().enumerate() {
        if let Some(ip) = rep.ip {
            if create_probe(ws, ip, n) {
                any = true;
            }
        }
        if let Some(child) = rep.child {
            if rep.node.is_some_and(|x| x.node == n) && create_probe(ws, child, n) {
                any = true;
            }
        }
        if let Some(container) = rep.container {
            if create_probe(ws, container, n) {
                any = true;
                if per_host == 1 {
                    for (j, other) in reps.iter().enumerate() {
                        if j == i {
                            continue;
                        }
                        let Some(oc) = other.container else { continue };
                        let ck = op_key(&ws.resources[container].id, "monitor", 0);
                        let ok = op_key(&ws.resources[oc].id, "start", 0);
                        new_ordering(
                            ws,
                            Some(container),
                            Some(ck),
                            None,
                            Some(oc),
                            Some(ok),
                            None,
                            oflags::OPTIONAL | oflags::SAME_NODE,
                        );
                    }
                }
            }
        }
        if let (Some(container), Some(remote)) = (rep.container, rep.remote) {
            if create_probe(ws, remote, n) {
                let uuid = op_key(&ws.resources[remote].id, "monitor", 0);
                if let Some(probe) = ws.find_first_action(remote, Some(&uuid), None, Some(n)) {
                    any = true;
                    let sk = op_key(&ws.resources[container].id, "start", 0);
                    new_ordering(
                        ws,
                        Some(container),
                        Some(sk),
                        None,
                        Some(remote),
                        None,
                        Some(probe),
                        oflags::PROBE,
                    );
                }
            }
        }
    }
    any
}

/// `pcmk__schedule_probes`.
pub fn schedule_probes(ws: &mut WorkingSet) {
    for n in ws.node_list.clone() {
        if !ws.nodes[n].online {
            if crate::ordering::remote::is_failed_remote_node(ws, n) {
                crate::unpack::nodes::fence_node(ws, n, "the connection is unrecoverable", false);
            }
            continue;
        } else if ws.nodes[n].unclean || !ws.nodes[n].rsc_discovery_enabled {
            continue;
        }
        if let Some(probed) = ws.node_attr(n, "probe_complete") {
            if !util::is_true(Some(probed)) {
                let key = format!("probe_again-{}", ws.nodes[n].uname);
                let a = custom_action(ws, None, key, "probe_again", Some(n), false);
                crate::unpack::resources::add_hash_param(
                    &mut ws.actions[a].meta,
                    "op_no_wait",
                    "true",
                );
                continue;
            }
        }
        let top = ws.top.clone();
        probe_resource_list(ws, &top, n);
    }
}

fn probe_needed_before_action(ws: &WorkingSet, probe: ActionId, then: ActionId) -> bool {
    let (p, t) = (&ws.actions[probe], &ws.actions[then]);
    if t.task.eq_ignore_ascii_case("stonith") && p.node.is_some() && p.node == t.node {
        if t.meta
            .get("stonith_action")
            .is_some_and(|o| o.eq_ignore_ascii_case("on"))
        {
            return false;
        }
    }
    if t.task == "do_shutdown" && p.node.is_some() && t.node.is_some() && p.node != t.node {
        return false;
    }
    true
}

fn add_probe_orderings_for_stops(ws: &mut WorkingSet) {
    for i in 0..ws.orderings.len() {
        let order = ws.orderings[i].clone();
        let mut order_flags = oflags::OPTIONAL;
        if order.flags == oflags::NONE {
            continue;
        }
        let Some(lh) = order.lh_rsc else { continue };
        if Some(lh) == order.rh_rsc {
            continue;
        }
        if (order.lh_action.is_none() && order.lh_task.is_none())
            || (order.rh_action.is_none() && order.rh_task.is_none())
        {
            continue;
        }
        match order.lh_action {
            Some(a) => {
                if ws.actions[a].task != "stop" {
                    continue;
                }
            }
            None => {
                if !order
                    .lh_task
                    .as_deref()
                    .is_some_and(|t| t.ends_with("_stop_0"))
                {
                    continue;
                }
            }
        }
        if let Some(rh) = order.rh_rsc {
            if ws.resources[lh].container == Some(rh) {
                match order.rh_action {
                    Some(a) if ws.actions[a].task == "stop" => continue,
                    None if order
                        .rh_task
                        .as_deref()
                        .is_some_and(|t| t.ends_with("_stop_0")) =>
                    {
                        continue
                    }
                    _ => {}
                }
            }
        }
        if order.flags & oflags::APPLY_FIRST_NON_MIGRATABLE != 0 {
            order_flags |= oflags::APPLY_FIRST_NON_MIGRATABLE;
        }
        if order.flags & oflags::SAME_NODE != 0 {
            order_flags |= oflags::SAME_NODE;
        }
        if order.flags == oflags::ANTI_COLOCATION || order.flags == oflags::LOAD {
            order_flags = order.flags;
        }
        let probes = ws.resource_actions(lh, None, "monitor", false);
        if probes.is_empty() {
            continue;
        }
        let then_actions: Vec<ActionId> = if let Some(a) = order.rh_action {
            vec![a]
        } else if let Some(rh) = order.rh_rsc {
            let t = ws.find_actions(Some(rh), order.rh_task.as_deref().unwrap_or(""), None);
            if t.is_empty() {
                continue;
            }
            t
        } else {
            Vec::new()
        };
        for &probe in &probes {
            for &then in &then_actions {
                if probe_needed_before_action(ws, probe, then) {
                    order_actions(ws, probe, then, order_flags);
                }
            }
        }
    }
}

/// Clears the tracking flag of every action that was marked.
struct Tracking(Vec<ActionId>);

fn add_restart_orderings_for_probe(
    ws: &mut WorkingSet,
    probe: ActionId,
    after: ActionId,
    tracking: &mut Tracking,
) {
    let Some(prsc) = ws.actions[probe].rsc else {
        return;
    };
    if ws.resources[prsc].variant != Variant::Native
        || !ws.actions[probe].task.eq_ignore_ascii_case("monitor")
    {
        return;
    }
    if ws.actions[after].is_set(aflags::TRACKING) {
        return;
    }
    ws.actions[after].set(aflags::TRACKING);
    tracking.0.push(after);
    let after_rsc = ws.actions[after].rsc;
    if let Some(ar) = after_rsc {
        if ws.resources[ar].variant == Variant::Native && ar != prsc {
            let then_actions = if ws.actions[after].task.eq_ignore_ascii_case("start") {
                ws.resource_actions(ar, None, "stop", false)
            } else if ws.actions[after].task.eq_ignore_ascii_case("promote") {
                ws.resource_actions(ar, None, "demote", false)
            } else {
                Vec::new()
            };
            for then in then_actions {
                if !ws.actions[then].is_set(aflags::PSEUDO) {
                    order_actions(ws, probe, then, oflags::OPTIONAL);
                }
            }
        }
    }
    let mut interleave = false;
    let mut compatible = None;
    if let Some(ar) = after_rsc {
        if ws.resources[ar].variant > Variant::Group {
            interleave = util::is_true(ws.resources[ar].meta.get("interleave").map(String::as_str));
            if interleave {
                compatible = find_compatible_child(ws, prsc, ar, Role::Unknown, false);
            }
        }
    }
    let outs: Vec<(ActionId, u32)> = ws.actions[after]
        .after
        .iter()
        .rev()
        .map(|w| (w.action, w.kind))
        .collect();
    for (next, kind) in outs {
        if kind & oflags::IMPLIES_THEN == 0 {
            let next_rsc = ws.actions[next].rsc;
            let skip = match (after_rsc, next_rsc) {
                (None, _) => true,
                (Some(ar), _) if ws.resources[ar].variant < Variant::Group => true,
                (Some(ar), _) if ws.resources[prsc].parent == Some(ar) => true,
                (_, None) => true,
                (_, Some(nr)) if ws.resources[nr].variant > Variant::Group => true,
                (Some(ar), Some(nr)) => ws.resources[nr].parent != Some(ar),
            };
            if skip {
                continue;
            }
            if let Some(ar) = after_rsc {
                if ws.resources[ar].variant > Variant::Group
                    && interleave
                    && (compatible.is_none() || compatible != next_rsc)
                {
                    continue;
                }
            }
        }
        add_restart_orderings_for_probe(ws, probe, next, tracking);
    }
}

fn add_restart_orderings_for_rsc(ws: &mut WorkingSet, r: RscId) {
    if ws.resources[r].variant != Variant::Native {
        for c in ws.resources[r].children.clone() {
            add_restart_orderings_for_rsc(ws, c);
        }
        return;
    }
    let probes = ws.resource_actions(r, None, "monitor", false);
    for probe in probes {
        let thens: Vec<ActionId> = ws.actions[probe]
            .after
            .iter()
            .rev()
            .map(|w| w.action)
            .collect();
        for then in thens {
            let mut tracking = Tracking(Vec::new());
            add_restart_orderings_for_probe(ws, probe, then, &mut tracking);
            for a in tracking.0 {
                ws.actions[a].clear(aflags::TRACKING);
            }
        }
    }
}

/// `pcmk__order_probes`.
pub fn order_probes(ws: &mut WorkingSet) {
    for r in ws.top.clone() {
        add_restart_orderings_for_rsc(ws, r);
    }
    add_probe_orderings_for_stops(ws);
}
