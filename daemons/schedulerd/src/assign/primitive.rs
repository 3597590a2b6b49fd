//! Assigning a primitive (lib/pacemaker/pcmk_sched_primitive.c) and the
//! colocation-score dispatch.

use super::{finalize_assignment, node_available, sorted_nodes, Chosen};
use crate::constraints::colocation::{
    add_colocated_node_scores, any_node_available, apply_coloc_to_priority, apply_coloc_to_weights,
    colocation_affects, has_influence, Affects, SELECT_ACTIVE,
};
use crate::model::{rflags, wsflags, ColocId, NodeId, QuorumPolicy, RscId, Variant, WorkingSet};
use crate::unpack::resources::resource_location;
use crate::util::{Role, INFINITY};

/// `assign_best_node`.
fn assign_best_node(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> bool {
    let most_free = super::utilization::ban_insufficient_capacity(ws, r);
    let prefer = prefer.or(most_free);
    if !ws.resources[r].is_set(rflags::PROVISIONAL) {
        return ws.resources[r].allocated_to.is_some();
    }
    let current = ws.current_node(r);
    let nodes = sorted_nodes(ws, &ws.resources[r].allowed_nodes, current);
    let best = nodes.first().copied();
    let mut chosen = None;
    if let (Some(p), Some(best)) = (prefer, best) {
        if let Some(c) = ws.resources[r].allowed_nodes.get(p).copied() {
            if c.weight < best.weight {
            } else if !node_available(ws, c.node, Some(c.weight), false) {
            } else {
                chosen = Some(c);
            }
        }
    }
    if chosen.is_none() {
        if let Some(best) = best {
            chosen = Some(best);
            let parent = ws.resources[r].parent;
            if !ws.is_unique_clone(parent)
                && best.weight > 0
                && node_available(ws, best.node, None, false)
            {
                if let Some(running) = ws.current_node(r) {
                    // the running node is judged with its cluster-wide score
                    if node_available(ws, running, Some(ws.nodes[running].weight), false) {
                        for allowed in nodes.iter().skip(1) {
                            if allowed.weight != best.weight {
                                break;
                            }
                            if allowed.node == running {
                                chosen = Some(*allowed);
                            }
                        }
                    }
                }
            }
        }
    }
    finalize_assignment(ws, r, chosen.map(Chosen::Allowed), false)
}

/// `apply_this_with`.
fn apply_this_with(ws: &mut WorkingSet, r: RscId, c: ColocId) {
    let col = ws.colocations[c].clone();
    let archive =
        if col.dependent_role >= Role::Promoted || (col.score < 0 && col.score > -INFINITY) {
            Some(ws.resources[r].allowed_nodes.clone())
        } else {
            None
        };
    let other = col.primary;
    super::assign(ws, other, None);
    apply_coloc_score(ws, r, other, c, true);
    if let Some(a) = archive {
        if !any_node_available(ws, &ws.resources[r].allowed_nodes) {
            ws.resources[r].allowed_nodes = a;
        }
    }
}

/// `apply_with_this`.
fn apply_with_this(ws: &mut WorkingSet, r: RscId, c: ColocId) {
    if !has_influence(ws, c, None) {
        return;
    }
    let other = ws.colocations[c].dependent;
    let factor = ws.colocations[c].score as f32 / INFINITY as f32;
    let attr = ws.colocations[c].node_attribute.clone();
    let log_id = ws.resources[r].id.clone();
    let mut nodes = Some(std::mem::take(&mut ws.resources[r].allowed_nodes));
    add_colocated_node_scores(
        ws,
        other,
        &log_id,
        &mut nodes,
        attr.as_deref(),
        factor,
        SELECT_ACTIVE,
    );
    ws.resources[r].allowed_nodes = nodes.unwrap_or_default();
}

fn remote_connection_assigned(ws: &mut WorkingSet, r: RscId) {
    let Some(n) = ws.find_node(&ws.resources[r].id.clone()) else {
        return;
    };
    if ws.resources[r].allocated_to.is_some() && ws.resources[r].next_role != Role::Stopped {
        ws.nodes[n].online = true;
        if ws.nodes[n].unseen {
            ws.nodes[n].unclean = false;
        }
    } else {
        ws.nodes[n].shutdown = true;
    }
}

/// `pcmk__primitive_assign`.
#[doc(alias = "pcmk__primitive_assign")]
pub fn assign_primitive(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    if let Some(p) = ws.resources[r].parent {
        if !ws.resources[p].is_set(rflags::ALLOCATING) {
            super::assign(ws, p, prefer);
        }
    }
    if !ws.resources[r].is_set(rflags::PROVISIONAL) {
        return ws.resources[r].allocated_to.map(|a| a.node);
    }
    if ws.resources[r].is_set(rflags::ALLOCATING) {
        return None;
    }
    ws.resources[r].set(rflags::ALLOCATING);
    for c in ws.resources[r].rsc_cons.clone() {
        apply_this_with(ws, r, c);
    }
    for c in ws.resources[r].rsc_cons_lhs.clone() {
        apply_with_this(ws, r, c);
    }
    let (role, next_role) = (ws.resources[r].role, ws.resources[r].next_role);
    if next_role == Role::Stopped {
        resource_location(ws, r, None, -INFINITY, "target-role");
    } else if next_role > role
        && !ws.is_set(wsflags::HAVE_QUORUM)
        && ws.no_quorum_policy == QuorumPolicy::Freeze
    {
        ws.resources[r].next_role = role;
    }
    super::show_node_weights(ws, r, "pcmk__primitive_assign");
    if ws.is_set(wsflags::STONITH_ENABLED) && !ws.is_set(wsflags::HAVE_STONITH_RESOURCE) {
        ws.resources[r].clear(rflags::MANAGED);
    }
    if !ws.resources[r].is_set(rflags::MANAGED) {
        ws.resources[r].next_role = ws.resources[r].role;
        let assign_to = ws.current_node(r);
        finalize_assignment(ws, r, assign_to.map(Chosen::Base), true);
    } else if ws.is_set(wsflags::STOP_EVERYTHING) {
        finalize_assignment(ws, r, None, true);
    } else if ws.resources[r].is_set(rflags::PROVISIONAL) && assign_best_node(ws, r, prefer) {
    }
    ws.resources[r].clear(rflags::ALLOCATING);
    if ws.resources[r].is_remote_node {
        remote_connection_assigned(ws, r);
    }
    ws.resources[r].allocated_to.map(|a| a.node)
}

/// `rsc->cmds->assign` for primitives.
pub fn assign(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    assign_primitive(ws, r, prefer)
}

fn assign_dispatch(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    super::assign(ws, r, prefer)
}

/// `rsc->cmds->apply_coloc_score`: apply a colocation between `dependent`
/// and `primary`, from the dependent's side (`for_dependent`) or the
/// primary's.
pub fn apply_coloc_score(
    ws: &mut WorkingSet,
    dependent: RscId,
    primary: RscId,
    c: ColocId,
    for_dependent: bool,
) {
    if for_dependent {
        match ws.resources[dependent].variant {
            Variant::Group => super::group::colocate_group_with(ws, dependent, primary, c),
            Variant::Native => apply_coloc_score(ws, dependent, primary, c, false),
            Variant::Clone => {
                // clones are only colocated from the primary's side
                apply_coloc_score(ws, dependent, primary, c, false)
            }
            Variant::Container => {}
        }
        return;
    }
    match ws.resources[primary].variant {
        Variant::Native => primitive_apply_coloc_score(ws, dependent, primary, c),
        Variant::Group => super::group::colocate_with_group(ws, dependent, primary, c),
        Variant::Clone => super::clone::clone_apply_coloc_score(ws, dependent, primary, c),
        Variant::Container => super::bundle::apply_coloc_score(ws, dependent, primary, c),
    }
}

/// `pcmk__primitive_apply_coloc_score` (primary side).
fn primitive_apply_coloc_score(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    match colocation_affects(ws, dependent, primary, c, false) {
        Affects::Role => apply_coloc_to_priority(ws, dependent, primary, c),
        Affects::Location => apply_coloc_to_weights(ws, dependent, primary, c),
        Affects::Nothing => {}
    }
}

/// Used by other variants to assign a resource through the dispatcher.
pub fn assign_any(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    assign_dispatch(ws, r, prefer)
}

/// `pcmk__primitive_shutdown_lock` (and the group/clone variants).
pub fn shutdown_lock(ws: &mut WorkingSet, r: RscId) {
    match ws.resources[r].variant {
        Variant::Group => {
            for c in ws.resources[r].children.clone() {
                shutdown_lock(ws, c);
            }
            return;
        }
        Variant::Clone | Variant::Container => return,
        Variant::Native => {}
    }
    let class = ws.doc.attr(ws.resources[r].xml, "class");
    if class.map_or(true, |c| c == "stonith") || crate::actions::create::is_remote_conn(ws, r) {
        return;
    }
    if let Some(ln) = ws.resources[r].lock_node {
        if !ws.resources[r].running_on.is_empty() {
            crate::actions::create::clear_resource_history(ws, r, ln);
            ws.resources[r].lock_node = None;
            ws.resources[r].lock_time = 0;
        }
    } else if ws.resources[r].running_on.len() == 1 {
        let node = ws.resources[r].running_on[0];
        if ws.nodes[node].shutdown && !ws.nodes[node].unclean {
            ws.resources[r].lock_node = Some(node);
            let t = match ws
                .node_attr(node, "shutdown")
                .and_then(|v| crate::util::scan_ll(v).ok())
            {
                Some(t) if t != 0 => t,
                _ => ws.effective_time(),
            };
            ws.resources[r].lock_time = t;
        }
    }
    let Some(lock) = ws.resources[r].lock_node else {
        return;
    };
    if ws.shutdown_lock > 0 {
        let exp = ws.resources[r].lock_time + ws.shutdown_lock as i64 + 1;
        crate::unpack::update_recheck_time(ws, exp);
    }
    let lock_uname = ws.nodes[lock].uname.clone();
    for n in ws.node_list.clone() {
        if ws.nodes[n].uname != lock_uname {
            resource_location(ws, r, Some(n), -INFINITY, "shutdown-lock");
        }
    }
}
