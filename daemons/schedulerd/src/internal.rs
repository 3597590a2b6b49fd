//! Internal constraints of each resource (`rsc->cmds->internal_constraints`):
//! the orderings and colocations implied by a resource's own structure.

use crate::constraints::colocation::new_colocation;
use crate::constraints::ordering::{new_ordering, order_resource_actions};
use crate::glib;
use crate::model::{oflags, rflags, wsflags, RscId, Variant, WorkingSet};
use crate::util::{self, op_key, Role, INFINITY};

/// Dispatch on variant.
pub fn internal_constraints(ws: &mut WorkingSet, r: RscId) {
    match ws.resources[r].variant {
        Variant::Native => primitive_internal_constraints(ws, r),
        Variant::Group => group_internal_constraints(ws, r),
        Variant::Clone => clone_internal_constraints(ws, r),
        Variant::Container => bundle_internal_constraints(ws, r),
    }
}

fn avoid_remote_nodes(ws: &mut WorkingSet, r: RscId) {
    let nodes: Vec<usize> = ws.resources[r]
        .allowed_nodes
        .iter()
        .map(|n| n.node)
        .collect();
    for n in nodes {
        if ws.nodes[n].remote_rsc.is_some() {
            if let Some(e) = ws.resources[r].allowed_nodes.get_mut(n) {
                e.weight = -INFINITY;
            }
        }
    }
}

/// `pcmk__primitive_internal_constraints`.
fn primitive_internal_constraints(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].is_set(rflags::MANAGED) {
        return;
    }
    let top = ws.uber_parent(r);
    let check_unfencing = !ws.resources[r].is_set(rflags::FENCE_DEVICE)
        && ws.is_set(wsflags::ENABLE_UNFENCING)
        && ws.resources[r].is_set(rflags::NEEDS_UNFENCING);
    let check_utilization = !ws.resources[r].utilization.is_empty()
        && !ws.placement_strategy.eq_ignore_ascii_case("default");
    let id = ws.resources[r].id.clone();
    new_ordering(
        ws,
        Some(r),
        Some(op_key(&id, "stop", 0)),
        None,
        Some(r),
        Some(op_key(&id, "start", 0)),
        None,
        oflags::OPTIONAL | oflags::IMPLIES_THEN | oflags::RESTART,
    );
    if ws.resources[top].is_set(rflags::PROMOTABLE) || ws.resources[r].role > Role::Unpromoted {
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "demote", 0)),
            None,
            Some(r),
            Some(op_key(&id, "stop", 0)),
            None,
            oflags::PROMOTED_IMPLIES_FIRST,
        );
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "start", 0)),
            None,
            Some(r),
            Some(op_key(&id, "promote", 0)),
            None,
            oflags::RUNNABLE_LEFT,
        );
    }
    new_ordering(
        ws,
        Some(r),
        Some(op_key(&id, "lrm_delete", 0)),
        None,
        Some(r),
        Some(op_key(&id, "monitor", 0)),
        None,
        oflags::SAME_NODE | oflags::THEN_CANCELS_FIRST,
    );
    let container = ws.resources[r].container;
    let mut allowed_nodes: Vec<usize> = Vec::new();
    if check_unfencing || check_utilization || container.is_some() {
        allowed_nodes = ws.resources[r]
            .allowed_nodes
            .iter()
            .map(|n| n.node)
            .collect();
        glib::list_sort(&mut allowed_nodes, &mut |&a, &b| {
            util::numeric_strcasecmp(&ws.nodes[a].uname, &ws.nodes[b].uname)
        });
    }
    if check_unfencing {
        for &n in &allowed_nodes {
            let unfence = crate::actions::fencing::fence_op(ws, n, Some("on"), true, None, false);
            let uuid = ws.actions[unfence].uuid.clone();
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "stop", 0)),
                None,
                None,
                Some(uuid.clone()),
                Some(unfence),
                oflags::OPTIONAL | oflags::SAME_NODE,
            );
            new_ordering(
                ws,
                None,
                Some(uuid),
                Some(unfence),
                Some(r),
                Some(op_key(&id, "start", 0)),
                None,
                oflags::IMPLIES_THEN_ON_NODE | oflags::SAME_NODE,
            );
        }
    }
    if check_utilization {
        crate::schedule::utilization::create_utilization_constraints(ws, r, &allowed_nodes);
    }
    if let Some(c) = container {
        let mut remote_rsc = None;
        if ws.resources[r].is_remote_node {
            if !ws.resources[r].is_set(rflags::ALLOW_REMOTE_REMOTES) {
                avoid_remote_nodes(ws, c);
            }
            order_resource_actions(ws, c, "monitor", r, "stop", oflags::OPTIONAL);
        } else if ws.resources[c].is_remote_node {
            remote_rsc = Some(c);
        } else {
            remote_rsc = resource_contains_guest_node(ws, c);
        }
        if let Some(rr) = remote_rsc {
            for &n in &allowed_nodes {
                if ws.nodes[n].remote_rsc != Some(rr) {
                    if let Some(e) = ws.resources[r].allowed_nodes.get_mut(n) {
                        e.weight = -INFINITY;
                    }
                }
            }
        } else {
            let cid = ws.resources[c].id.clone();
            new_ordering(
                ws,
                Some(c),
                Some(op_key(&cid, "start", 0)),
                None,
                Some(r),
                Some(op_key(&id, "start", 0)),
                None,
                oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
            );
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "stop", 0)),
                None,
                Some(c),
                Some(op_key(&cid, "stop", 0)),
                None,
                oflags::IMPLIES_FIRST,
            );
            let score = if ws.resources[r].is_set(rflags::ALLOW_REMOTE_REMOTES) {
                10000
            } else {
                INFINITY
            };
            new_colocation(
                ws,
                "resource-with-container",
                None,
                score,
                Some(r),
                Some(c),
                None,
                None,
                true,
            );
        }
    }
    if ws.resources[r].is_remote_node || ws.resources[r].is_set(rflags::FENCE_DEVICE) {
        avoid_remote_nodes(ws, r);
    }
}

/// `pe__resource_contains_guest_node`.
pub fn resource_contains_guest_node(ws: &WorkingSet, r: RscId) -> Option<RscId> {
    if !ws.is_set(wsflags::HAVE_REMOTE_NODES) {
        return None;
    }
    ws.resources[r]
        .fillers
        .iter()
        .copied()
        .find(|&f| ws.resources[f].is_remote_node)
}

/// `pcmk__group_internal_constraints`.
fn group_internal_constraints(ws: &mut WorkingSet, r: RscId) {
    order_resource_actions(ws, r, "stop", r, "stopped", oflags::RUNNABLE_LEFT);
    order_resource_actions(ws, r, "stopped", r, "start", oflags::OPTIONAL);
    order_resource_actions(ws, r, "start", r, "running", oflags::RUNNABLE_LEFT);
    let ordered = ws.resources[r].group.ordered;
    let colocated = ws.resources[r].group.colocated;
    let top = ws.uber_parent(r);
    let promotable = ws.resources[top].is_set(rflags::PROMOTABLE);
    let mut last_active: Option<RscId> = None;
    let mut previous: Option<RscId> = None;
    for member in ws.resources[r].children.clone() {
        let mut down_flags = oflags::IMPLIES_FIRST_PRINTED;
        let mut post_down_flags = oflags::IMPLIES_THEN_PRINTED;
        internal_constraints(ws, member);
        match previous {
            None => {
                if ordered {
                    down_flags |= oflags::OPTIONAL;
                    post_down_flags = oflags::IMPLIES_THEN;
                }
            }
            Some(prev) => {
                if colocated {
                    let critical = ws.resources[member].is_set(rflags::CRITICAL);
                    new_colocation(
                        ws,
                        "group:internal_colocation",
                        None,
                        INFINITY,
                        Some(member),
                        Some(prev),
                        None,
                        None,
                        critical,
                    );
                }
            }
        }
        if promotable {
            order_resource_actions(ws, r, "demote", member, "demote", down_flags);
            order_resource_actions(ws, member, "demote", r, "demoted", post_down_flags);
            order_resource_actions(
                ws,
                member,
                "promote",
                r,
                "promoted",
                oflags::RUNNABLE_LEFT | oflags::IMPLIES_THEN | oflags::IMPLIES_THEN_PRINTED,
            );
            order_resource_actions(
                ws,
                r,
                "promote",
                member,
                "promote",
                oflags::IMPLIES_FIRST_PRINTED,
            );
        }
        order_resource_actions(ws, r, "stop", member, "stop", down_flags);
        order_resource_actions(ws, member, "stop", r, "stopped", post_down_flags);
        order_resource_actions(
            ws,
            r,
            "start",
            member,
            "start",
            oflags::IMPLIES_FIRST_PRINTED,
        );
        order_resource_actions(
            ws,
            member,
            "start",
            r,
            "running",
            oflags::RUNNABLE_LEFT | oflags::IMPLIES_THEN | oflags::IMPLIES_THEN_PRINTED,
        );
        if !ordered {
            order_resource_actions(
                ws,
                r,
                "start",
                member,
                "start",
                oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT | oflags::IMPLIES_FIRST_PRINTED,
            );
            if promotable {
                order_resource_actions(
                    ws,
                    r,
                    "promote",
                    member,
                    "promote",
                    oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT | oflags::IMPLIES_FIRST_PRINTED,
                );
            }
        } else if previous.is_none() {
            order_resource_actions(ws, r, "start", member, "start", oflags::NONE);
            if promotable {
                order_resource_actions(ws, r, "promote", member, "promote", oflags::NONE);
            }
        } else if let Some(prev) = previous {
            order_resource_actions(
                ws,
                prev,
                "start",
                member,
                "start",
                oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
            );
            order_resource_actions(
                ws,
                member,
                "stop",
                prev,
                "stop",
                oflags::OPTIONAL | oflags::RESTART,
            );
            if promotable {
                order_resource_actions(
                    ws,
                    prev,
                    "promote",
                    member,
                    "promote",
                    oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
                );
                order_resource_actions(ws, member, "demote", prev, "demote", oflags::OPTIONAL);
            }
        }
        if !ws.resources[member].running_on.is_empty() {
            if let (true, Some(prev), Some(la)) = (ordered, previous, last_active) {
                if ws.resources[prev].running_on.is_empty()
                    && !ws.resources[la].running_on.is_empty()
                {
                    order_resource_actions(ws, member, "stop", la, "stop", oflags::OPTIONAL);
                }
            }
            last_active = Some(member);
        }
        previous = Some(member);
    }
}

/// `clone_internal_constraints`.
fn clone_internal_constraints(ws: &mut WorkingSet, r: RscId) {
    let ordered = ws.resources[r].clone.ordered;
    order_resource_actions(ws, r, "stopped", r, "start", oflags::OPTIONAL);
    order_resource_actions(ws, r, "start", r, "running", oflags::RUNNABLE_LEFT);
    order_resource_actions(ws, r, "stop", r, "stopped", oflags::RUNNABLE_LEFT);
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        order_resource_actions(ws, r, "demoted", r, "stop", oflags::OPTIONAL);
        order_resource_actions(ws, r, "running", r, "promote", oflags::RUNNABLE_LEFT);
    }
    if ordered {
        let mut children = std::mem::take(&mut ws.resources[r].children);
        glib::list_sort(&mut children, &mut |&a, &b| {
            crate::assign::clone::cmp_instance_number(ws, a, b)
        });
        ws.resources[r].children = children;
    }
    let mut last: Option<RscId> = None;
    for child in ws.resources[r].children.clone() {
        internal_constraints(ws, child);
        order_resource_actions(
            ws,
            r,
            "start",
            child,
            "start",
            oflags::RUNNABLE_LEFT | oflags::IMPLIES_FIRST_PRINTED,
        );
        order_resource_actions(
            ws,
            child,
            "start",
            r,
            "running",
            oflags::IMPLIES_THEN_PRINTED,
        );
        if ordered {
            if let Some(l) = last {
                order_resource_actions(ws, l, "start", child, "start", oflags::OPTIONAL);
            }
        }
        order_resource_actions(ws, r, "stop", child, "stop", oflags::IMPLIES_FIRST_PRINTED);
        order_resource_actions(
            ws,
            child,
            "stop",
            r,
            "stopped",
            oflags::IMPLIES_THEN_PRINTED,
        );
        if ordered {
            if let Some(l) = last {
                order_resource_actions(ws, child, "stop", l, "stop", oflags::OPTIONAL);
            }
        }
        last = Some(child);
    }
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        crate::promotable::order_promotable_instances(ws, r);
    }
}

/// `pcmk__bundle_internal_constraints`.
#[doc(alias = "pcmk__bundle_internal_constraints")]
pub fn bundle_internal_constraints(ws: &mut WorkingSet, r: RscId) {
    let Some(data) = ws.resources[r].bundle.clone() else {
        return;
    };
    if let Some(child) = data.child {
        order_resource_actions(
            ws,
            r,
            "start",
            child,
            "start",
            oflags::IMPLIES_FIRST_PRINTED,
        );
        order_resource_actions(ws, r, "stop", child, "stop", oflags::IMPLIES_FIRST_PRINTED);
        if !ws.resources[child].children.is_empty() {
            order_resource_actions(
                ws,
                child,
                "running",
                r,
                "running",
                oflags::IMPLIES_THEN_PRINTED,
            );
            order_resource_actions(
                ws,
                child,
                "stopped",
                r,
                "stopped",
                oflags::IMPLIES_THEN_PRINTED,
            );
        } else {
            order_resource_actions(
                ws,
                child,
                "start",
                r,
                "running",
                oflags::IMPLIES_THEN_PRINTED,
            );
            order_resource_actions(
                ws,
                child,
                "stop",
                r,
                "stopped",
                oflags::IMPLIES_THEN_PRINTED,
            );
        }
    }
    for rep in &data.replicas {
        let container = rep.container.expect("replica container");
        internal_constraints(ws, container);
        order_resource_actions(
            ws,
            r,
            "start",
            container,
            "start",
            oflags::RUNNABLE_LEFT | oflags::IMPLIES_FIRST_PRINTED,
        );
        if let Some(child) = rep.child {
            order_resource_actions(ws, r, "stop", child, "stop", oflags::IMPLIES_FIRST_PRINTED);
        }
        order_resource_actions(
            ws,
            r,
            "stop",
            container,
            "stop",
            oflags::IMPLIES_FIRST_PRINTED,
        );
        order_resource_actions(
            ws,
            container,
            "start",
            r,
            "running",
            oflags::IMPLIES_THEN_PRINTED,
        );
        order_resource_actions(
            ws,
            container,
            "stop",
            r,
            "stopped",
            oflags::IMPLIES_THEN_PRINTED,
        );
        if let Some(ip) = rep.ip {
            internal_constraints(ws, ip);
            order_resource_actions(
                ws,
                ip,
                "start",
                container,
                "start",
                oflags::RUNNABLE_LEFT | oflags::PRESERVE,
            );
            order_resource_actions(
                ws,
                container,
                "stop",
                ip,
                "stop",
                oflags::IMPLIES_FIRST | oflags::PRESERVE,
            );
            new_colocation(
                ws,
                "ip-with-docker",
                None,
                INFINITY,
                Some(ip),
                Some(container),
                None,
                None,
                true,
            );
        }
        if let Some(remote) = rep.remote {
            internal_constraints(ws, remote);
        }
    }
    if let Some(child) = data.child {
        internal_constraints(ws, child);
        if ws.resources[child].is_set(rflags::PROMOTABLE) {
            // pcmk__promotable_restart_ordering
            order_resource_actions(ws, r, "stopped", r, "start", oflags::OPTIONAL);
            order_resource_actions(ws, r, "stopped", r, "promote", oflags::OPTIONAL);
            order_resource_actions(ws, r, "demoted", r, "stop", oflags::OPTIONAL);
            order_resource_actions(ws, r, "demoted", r, "start", oflags::OPTIONAL);
            order_resource_actions(ws, r, "demoted", r, "promote", oflags::OPTIONAL);
            order_resource_actions(ws, r, "running", r, "promote", oflags::OPTIONAL);
            order_resource_actions(ws, r, "demote", r, "demoted", oflags::OPTIONAL);
            order_resource_actions(
                ws,
                child,
                "demoted",
                r,
                "demoted",
                oflags::IMPLIES_THEN_PRINTED,
            );
            order_resource_actions(
                ws,
                r,
                "demote",
                child,
                "demote",
                oflags::IMPLIES_FIRST_PRINTED,
            );
            order_resource_actions(
                ws,
                child,
                "promoted",
                r,
                "promoted",
                oflags::IMPLIES_THEN_PRINTED,
            );
            order_resource_actions(
                ws,
                r,
                "promote",
                child,
                "promote",
                oflags::IMPLIES_FIRST_PRINTED,
            );
        }
    }
}
