//! Promotable clones (lib/pacemaker/pcmk_sched_promotable.c): promotion
//! scores, choosing which instances are promoted, promotion orderings.

use std::cmp::Ordering;

use crate::assign::clone::cmp_instance;
use crate::assign::node_available;
use crate::constraints::colocation::{
    add_colocated_node_scores, has_influence, SELECT_ACTIVE, SELECT_DEFAULT, SELECT_NONNEGATIVE,
};
use crate::constraints::ordering::order_resource_actions;
use crate::model::{
    aflags, oflags, rflags, wsflags, ColocId, NodeId, QuorumPolicy, RscId, WorkingSet,
};
use crate::rscfns;
use crate::unpack::resources::clone_strip;
use crate::util::{self, add_scores, Role, INFINITY};

/// `pe__clone_flags` bits kept in `CloneData::flags`.
pub const CLONE_PROMOTION_ADDED: u32 = 1 << 2;
pub const CLONE_PROMOTION_CONSTRAINED: u32 = 1 << 3;

/// `pe__set_clone_flag`: false if it was already set.
fn set_clone_flag(ws: &mut WorkingSet, clone: RscId, flag: u32) -> bool {
    let f = &mut ws.resources[clone].clone.flags;
    if *f & flag != 0 {
        return false;
    }
    *f |= flag;
    true
}

/// `order_instance_promotion`.
fn order_instance_promotion(ws: &mut WorkingSet, clone: RscId, child: RscId, last: Option<RscId>) {
    order_resource_actions(ws, clone, "promote", child, "promote", oflags::OPTIONAL);
    order_resource_actions(ws, child, "promote", clone, "promoted", oflags::OPTIONAL);
    if let Some(l) = last {
        if ws.resources[clone].clone.ordered {
            order_resource_actions(ws, l, "promote", child, "promote", oflags::OPTIONAL);
        }
    }
}

/// `order_instance_demotion`.
fn order_instance_demotion(ws: &mut WorkingSet, clone: RscId, child: RscId, last: Option<RscId>) {
    order_resource_actions(
        ws,
        clone,
        "demote",
        child,
        "demote",
        oflags::IMPLIES_FIRST_PRINTED,
    );
    order_resource_actions(
        ws,
        child,
        "demote",
        clone,
        "demoted",
        oflags::IMPLIES_THEN_PRINTED,
    );
    if let Some(l) = last {
        if ws.resources[clone].clone.ordered {
            order_resource_actions(ws, child, "demote", l, "demote", oflags::OPTIONAL);
        }
    }
}

/// `check_for_role_change`.
fn check_for_role_change(ws: &WorkingSet, r: RscId, demoting: &mut bool, promoting: &mut bool) {
    if !ws.resources[r].children.is_empty() {
        for &c in &ws.resources[r].children {
            check_for_role_change(ws, c, demoting, promoting);
        }
        return;
    }
    for &a in ws.resources[r].actions.iter().rev() {
        let action = &ws.actions[a];
        if *promoting && *demoting {
            return;
        } else if action.is_set(aflags::OPTIONAL) {
            continue;
        } else if action.task == "demote" {
            *demoting = true;
        } else if action.task == "promote" {
            *promoting = true;
        }
    }
}

/// `apply_promoted_locations`.
fn apply_promoted_locations(
    ws: &mut WorkingSet,
    child: RscId,
    locations: &[usize],
    chosen: NodeId,
) {
    for &l in locations {
        let loc = &ws.locations[l];
        if loc.role_filter != Role::Promoted {
            continue;
        }
        let weighted = loc
            .nodes
            .iter()
            .find(|n| ws.nodes[n.node].id == ws.nodes[chosen].id)
            .map(|n| n.weight);
        if let Some(w) = weighted {
            ws.resources[child].priority = add_scores(ws.resources[child].priority, w);
        }
    }
}

fn promoted_node_max(ws: &WorkingSet, r: RscId) -> i32 {
    ws.resources[ws.uber_parent(r)].clone.promoted_node_max
}

fn promoted_max(ws: &WorkingSet, r: RscId) -> i32 {
    ws.resources[ws.uber_parent(r)].clone.promoted_max
}

/// `node_to_be_promoted_on`: the parent's allowed-node entry where an
/// instance could be promoted.
fn node_to_be_promoted_on(ws: &WorkingSet, r: RscId) -> Option<NodeId> {
    let parent = ws.uber_parent(r);
    for &c in &ws.resources[r].children {
        node_to_be_promoted_on(ws, c)?;
    }
    let node = rscfns::location(ws, r, None, 0)?;
    let rsc = &ws.resources[r];
    if !rsc.is_set(rflags::MANAGED) {
        if rscfns::state(ws, r, true) != Role::Promoted {
            return None;
        }
    } else if rsc.priority < 0 {
        return None;
    } else if !node_available(ws, node, None, true) {
        return None;
    }
    let local = ws.resources[parent].allowed_nodes.get(node)?;
    if local.count >= promoted_node_max(ws, parent) && rsc.is_set(rflags::MANAGED) {
        return None;
    }
    Some(node)
}

/// `cmp_promotable_instance`.
fn cmp_promotable_instance(ws: &mut WorkingSet, a: RscId, b: RscId) -> Ordering {
    let (s1, s2) = (ws.resources[a].sort_index, ws.resources[b].sort_index);
    if s1 > s2 {
        return Ordering::Less;
    } else if s1 < s2 {
        return Ordering::Greater;
    }
    let (r1, r2) = (rscfns::state(ws, a, true), rscfns::state(ws, b, true));
    if r1 > r2 {
        return Ordering::Less;
    } else if r1 < r2 {
        return Ordering::Greater;
    }
    cmp_instance(ws, a, b)
}

/// `sort_promotable_instances`.
fn sort_promotable_instances(ws: &mut WorkingSet, clone: RscId) {
    if !set_clone_flag(ws, clone, CLONE_PROMOTION_CONSTRAINED) {
        return;
    }
    ws.resources[clone].set(rflags::MERGING);
    // add_sort_index_to_node_weight
    for child in ws.resources[clone].children.clone() {
        let si = ws.resources[child].sort_index;
        if si < 0 {
            continue;
        }
        let Some(chosen) = rscfns::location(ws, child, None, 0) else {
            continue;
        };
        if let Some(n) = ws.resources[clone].allowed_nodes.get_mut(chosen) {
            n.weight = add_scores(si, n.weight);
        }
    }
    // apply_coloc_to_dependent
    for c in ws.resources[clone].rsc_cons.clone() {
        let col = ws.colocations[c].clone();
        if col.dependent_role != Role::Promoted {
            continue;
        }
        let flags = if col.score < INFINITY {
            SELECT_ACTIVE
        } else {
            SELECT_DEFAULT
        };
        let factor = col.score as f32 / INFINITY as f32;
        let id = ws.resources[clone].id.clone();
        let mut nodes = Some(std::mem::take(&mut ws.resources[clone].allowed_nodes));
        add_colocated_node_scores(
            ws,
            col.primary,
            &id,
            &mut nodes,
            col.node_attribute.as_deref(),
            factor,
            flags,
        );
        ws.resources[clone].allowed_nodes = nodes.unwrap_or_default();
    }
    // apply_coloc_to_primary
    for c in ws.resources[clone].rsc_cons_lhs.clone() {
        let col = ws.colocations[c].clone();
        if col.primary_role != Role::Promoted || !has_influence(ws, c, None) {
            continue;
        }
        let factor = col.score as f32 / INFINITY as f32;
        let id = ws.resources[clone].id.clone();
        let mut nodes = Some(std::mem::take(&mut ws.resources[clone].allowed_nodes));
        add_colocated_node_scores(
            ws,
            col.dependent,
            &id,
            &mut nodes,
            col.node_attribute.as_deref(),
            factor,
            SELECT_ACTIVE | SELECT_NONNEGATIVE,
        );
        ws.resources[clone].allowed_nodes = nodes.unwrap_or_default();
    }
    crate::constraints::tickets::require_promotion_tickets(ws, clone);
    // set_sort_index_to_node_weight
    for child in ws.resources[clone].children.clone() {
        let chosen = rscfns::location(ws, child, None, 0);
        if !ws.resources[child].is_set(rflags::MANAGED)
            && ws.resources[child].next_role == Role::Promoted
        {
            ws.resources[child].sort_index = INFINITY;
        } else if chosen.is_none() || ws.resources[child].sort_index < 0 {
        } else if let Some(n) = ws.resources[clone].allowed_nodes.get(chosen.unwrap()) {
            ws.resources[child].sort_index = n.weight;
        }
    }
    let mut children = std::mem::take(&mut ws.resources[clone].children);
    crate::glib::list_sort(&mut children, &mut |&a, &b| {
        cmp_promotable_instance(ws, a, b)
    });
    ws.resources[clone].children = children;
    ws.resources[clone].clear(rflags::MERGING);
}

/// `find_active_anon_instance`.
fn find_active_anon_instance(
    ws: &WorkingSet,
    clone: RscId,
    id: &str,
    node: NodeId,
) -> Option<RscId> {
    use crate::unpack::resources::find;
    for &child in &ws.resources[clone].children {
        if let Some(a) = ws.find_rsc_in(child, id, Some(node), find::CLONE | find::CURRENT) {
            return Some(a);
        }
    }
    None
}

/// `anonymous_known_on`.
fn anonymous_known_on(ws: &WorkingSet, clone: RscId, id: &str, node: NodeId) -> bool {
    use crate::unpack::resources::find;
    for &child in &ws.resources[clone].children {
        if let Some(c) = ws.find_rsc_in(child, id, None, find::CLONE) {
            if ws.resources[c].known_on.contains(node) {
                return true;
            }
        }
    }
    false
}

fn is_allowed(ws: &WorkingSet, r: RscId, node: NodeId) -> bool {
    ws.resources[r]
        .allowed_nodes
        .get(node)
        .is_some_and(|n| n.weight >= 0)
}

/// `promotion_score_applies`.
fn promotion_score_applies(ws: &WorkingSet, r: RscId, node: NodeId) -> bool {
    let id = clone_strip(&ws.resources[r].id);
    let parent = ws.uber_parent(r);
    let rsc = &ws.resources[r];
    if !rsc.is_set(rflags::UNIQUE) {
        let active = find_active_anon_instance(ws, parent, &id, node);
        if active == Some(r) {
            return is_allowed(ws, r, node);
        }
        if active.is_none() && anonymous_known_on(ws, parent, &id, node) {
            return is_allowed(ws, r, node);
        }
    }
    if rsc.running_on.is_empty() && rsc.known_on.is_empty() {
        return is_allowed(ws, r, node);
    }
    if rsc.known_on.contains(node)
        || rsc
            .running_on
            .iter()
            .any(|&n| ws.nodes[n].id == ws.nodes[node].id)
    {
        return is_allowed(ws, r, node);
    }
    false
}

/// `promotion_attr_value`.
fn promotion_attr_value(ws: &WorkingSet, r: RscId, node: NodeId, name: &str) -> Option<String> {
    let attr = format!("master-{name}");
    crate::constraints::location::node_attribute_calculated(ws, node, &attr, r).map(str::to_owned)
}

/// `promotion_score`: (score, whether it is the default).
fn promotion_score(ws: &WorkingSet, r: RscId, node: NodeId) -> (i32, bool) {
    let rsc = &ws.resources[r];
    if !rsc.children.is_empty() {
        let mut score = 0;
        let mut is_default = true;
        for &c in &rsc.children {
            let (s, d) = promotion_score(ws, c, node);
            if !d {
                is_default = false;
            }
            score += s;
        }
        return (score, is_default);
    }
    if !promotion_score_applies(ws, r, node) {
        return (0, true);
    }
    let name = rsc.clone_name.as_deref().unwrap_or(&rsc.id);
    let mut value = promotion_attr_value(ws, r, node, name);
    if value.is_none() && !rsc.is_set(rflags::UNIQUE) {
        let stripped = clone_strip(&rsc.id);
        if stripped != rsc.id {
            value = promotion_attr_value(ws, r, node, &stripped);
        }
    }
    match value {
        None => (0, true),
        Some(v) => (util::char2score(Some(&v)), false),
    }
}

/// `pcmk__add_promotion_scores`.
#[doc(alias = "pcmk__add_promotion_scores")]
pub fn add_promotion_scores(ws: &mut WorkingSet, clone: RscId) {
    if !set_clone_flag(ws, clone, CLONE_PROMOTION_ADDED) {
        return;
    }
    for child in ws.resources[clone].children.clone() {
        let nodes: Vec<NodeId> = ws.resources[child]
            .allowed_nodes
            .iter()
            .map(|n| n.node)
            .collect();
        for n in nodes {
            if !node_available(ws, n, None, false) {
                continue;
            }
            let (score, _) = promotion_score(ws, child, n);
            if score > 0 {
                if let Some(e) = ws.resources[child].allowed_nodes.get_mut(n) {
                    e.weight = add_scores(e.weight, score);
                }
            }
            if score > ws.resources[child].priority {
                ws.resources[child].priority = score;
            }
        }
    }
}

fn set_current_role_unpromoted(ws: &mut WorkingSet, r: RscId) {
    if ws.resources[r].role == Role::Started {
        ws.resources[r].role = Role::Unpromoted;
    }
    for c in ws.resources[r].children.clone() {
        set_current_role_unpromoted(ws, c);
    }
}

fn set_next_role_unpromoted(ws: &mut WorkingSet, r: RscId) {
    let mut assigned = Vec::new();
    rscfns::location(ws, r, Some(&mut assigned), 0);
    ws.resources[r].next_role = if assigned.is_empty() {
        Role::Stopped
    } else {
        Role::Unpromoted
    };
    for c in ws.resources[r].children.clone() {
        set_next_role_unpromoted(ws, c);
    }
}

fn set_next_role_promoted(ws: &mut WorkingSet, r: RscId) {
    if ws.resources[r].next_role == Role::Unknown {
        ws.resources[r].next_role = Role::Promoted;
    }
    for c in ws.resources[r].children.clone() {
        set_next_role_promoted(ws, c);
    }
}

/// `set_instance_priority`.
fn set_instance_priority(ws: &mut WorkingSet, instance: RscId, clone: RscId) {
    if rscfns::state(ws, instance, true) == Role::Started {
        set_current_role_unpromoted(ws, instance);
    }
    let mut list = Vec::new();
    let chosen = rscfns::location(ws, instance, Some(&mut list), 0);
    if list.len() > 1 {
        crate::config_err!(
            "set_instance_priority",
            "Cannot promote non-colocated child {}",
            ws.resources[instance].id
        );
    }
    let Some(chosen) = chosen else { return };
    let next_role = rscfns::state(ws, instance, false);
    match next_role {
        Role::Started | Role::Unknown => {
            let (score, is_default) = promotion_score(ws, instance, chosen);
            ws.resources[instance].priority = if is_default { -1 } else { score };
        }
        Role::Unpromoted | Role::Stopped => ws.resources[instance].priority = -INFINITY,
        Role::Promoted => {}
    }
    let own = ws.resources[instance].rsc_location.clone();
    apply_promoted_locations(ws, instance, &own, chosen);
    let parent = ws.resources[clone].rsc_location.clone();
    apply_promoted_locations(ws, instance, &parent, chosen);
    for c in ws.resources[instance].rsc_cons.clone() {
        let primary = ws.colocations[c].primary;
        crate::assign::primitive::apply_coloc_score(ws, instance, primary, c, true);
    }
    ws.resources[instance].sort_index = ws.resources[instance].priority;
    if next_role == Role::Promoted {
        ws.resources[instance].sort_index = INFINITY;
    }
}

/// `set_instance_role`.
fn set_instance_role(ws: &mut WorkingSet, instance: RscId, count: &mut i32) {
    let clone = ws.uber_parent(instance);
    let chosen_node = rscfns::location(ws, instance, None, 0);
    if ws.show_scores {
        let msg = crate::model::Msg::Promotion {
            rsc: ws.resources[instance].id.clone(),
            node: chosen_node.map(|n| ws.nodes[n].uname.clone()),
            score: util::readable_score(ws.resources[instance].sort_index),
        };
        ws.messages.push(msg);
    }
    let mut chosen = None;
    if ws.resources[instance].sort_index < 0 {
    } else if *count < promoted_max(ws, instance) || !ws.resources[clone].is_set(rflags::MANAGED) {
        chosen = node_to_be_promoted_on(ws, instance);
    }
    let Some(chosen) = chosen else {
        set_next_role_unpromoted(ws, instance);
        return;
    };
    if ws.resources[instance].role < Role::Promoted
        && !ws.is_set(wsflags::HAVE_QUORUM)
        && ws.no_quorum_policy == QuorumPolicy::Freeze
    {
        set_next_role_unpromoted(ws, instance);
        return;
    }
    if let Some(e) = ws.resources[clone].allowed_nodes.get_mut(chosen) {
        e.count += 1;
    }
    set_next_role_promoted(ws, instance);
    *count += 1;
}

/// `pcmk__set_instance_roles`.
#[doc(alias = "pcmk__set_instance_roles")]
pub fn set_instance_roles(ws: &mut WorkingSet, clone: RscId) {
    let mut promoted = 0;
    for n in ws.resources[clone].allowed_nodes.iter_mut() {
        n.count = 0;
    }
    for child in ws.resources[clone].children.clone() {
        set_instance_priority(ws, child, clone);
    }
    sort_promotable_instances(ws, clone);
    for child in ws.resources[clone].children.clone() {
        set_instance_role(ws, child, &mut promoted);
    }
}

/// `pcmk__create_promotable_actions`.
#[doc(alias = "pcmk__create_promotable_actions")]
pub fn create_promotable_actions(ws: &mut WorkingSet, clone: RscId) {
    let mut any_promoting = false;
    let mut any_demoting = false;
    for child in ws.resources[clone].children.clone() {
        crate::schedule::create_actions(ws, child);
        check_for_role_change(ws, child, &mut any_demoting, &mut any_promoting);
    }
    create_promotable_pseudo_ops(ws, clone, any_promoting, any_demoting);
    let prio = ws.resources[clone].priority;
    for child in ws.resources[clone].children.clone() {
        ws.resources[child].priority = prio;
    }
}

/// `pe__create_promotable_pseudo_ops`.
fn create_promotable_pseudo_ops(
    ws: &mut WorkingSet,
    clone: RscId,
    any_promoting: bool,
    any_demoting: bool,
) {
    use crate::actions::create::new_rsc_pseudo_action;
    use crate::actions::notif;
    let action = new_rsc_pseudo_action(ws, clone, "promote", !any_promoting, true);
    let complete = new_rsc_pseudo_action(ws, clone, "promoted", !any_promoting, true);
    ws.actions[complete].priority = INFINITY;
    if ws.resources[clone].clone.promote_notify.is_none() {
        ws.resources[clone].clone.promote_notify =
            notif::clone_notif_pseudo_ops(ws, clone, "promote", Some(action), Some(complete));
    }
    let action = new_rsc_pseudo_action(ws, clone, "demote", !any_demoting, true);
    let complete = new_rsc_pseudo_action(ws, clone, "demoted", !any_demoting, true);
    ws.actions[complete].priority = INFINITY;
    if ws.resources[clone].clone.demote_notify.is_none() {
        ws.resources[clone].clone.demote_notify =
            notif::clone_notif_pseudo_ops(ws, clone, "demote", Some(action), Some(complete));
        notif::order_promotable_notifications(ws, clone);
    }
}

/// `pcmk__order_promotable_instances`.
#[doc(alias = "pcmk__order_promotable_instances")]
pub fn order_promotable_instances(ws: &mut WorkingSet, clone: RscId) {
    // pcmk__promotable_restart_ordering
    order_resource_actions(ws, clone, "stopped", clone, "start", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "stopped", clone, "promote", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "demoted", clone, "stop", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "demoted", clone, "start", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "demoted", clone, "promote", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "running", clone, "promote", oflags::OPTIONAL);
    order_resource_actions(ws, clone, "demote", clone, "demoted", oflags::OPTIONAL);
    let mut previous = None;
    for instance in ws.resources[clone].children.clone() {
        order_resource_actions(
            ws,
            instance,
            "demote",
            instance,
            "promote",
            oflags::OPTIONAL,
        );
        order_instance_promotion(ws, clone, instance, previous);
        order_instance_demotion(ws, clone, instance, previous);
        previous = Some(instance);
    }
}

/// `update_dependent_allowed_nodes`.
fn update_dependent_allowed_nodes(
    ws: &mut WorkingSet,
    dependent: RscId,
    primary_node: NodeId,
    c: ColocId,
) {
    let col = ws.colocations[c].clone();
    if col.score >= INFINITY {
        return;
    }
    let attr = col.node_attribute.as_deref().unwrap_or("#uname");
    let primary_value = ws.node_attr(primary_node, attr).map(str::to_owned);
    let nodes: Vec<NodeId> = ws.resources[dependent]
        .allowed_nodes
        .iter()
        .map(|n| n.node)
        .collect();
    for n in nodes {
        let dv = ws.node_attr(n, attr).map(str::to_owned);
        let same = match (&primary_value, &dv) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        };
        if same {
            if let Some(e) = ws.resources[dependent].allowed_nodes.get_mut(n) {
                e.weight = add_scores(e.weight, col.score);
            }
        }
    }
}

/// `pcmk__update_dependent_with_promotable`.
#[doc(alias = "pcmk__update_dependent_with_promotable")]
pub fn update_dependent_with_promotable(
    ws: &mut WorkingSet,
    primary: RscId,
    dependent: RscId,
    c: ColocId,
) {
    let mut affected: Vec<(NodeId, i32)> = Vec::new();
    for instance in ws.resources[primary].children.clone() {
        let Some(node) = rscfns::assigned_score(ws, instance) else {
            continue;
        };
        if rscfns::state(ws, instance, false) == ws.colocations[c].primary_role {
            update_dependent_allowed_nodes(ws, dependent, node.node, c);
            affected.insert(0, (node.node, node.weight));
        }
    }
    let col = &ws.colocations[c];
    if col.score >= INFINITY
        && (col.dependent_role != Role::Promoted || col.primary_role != Role::Promoted)
    {
        node_list_exclude(ws, dependent, &affected);
    }
}

/// `node_list_exclude` with score merging, on a resource's allowed nodes.
fn node_list_exclude(ws: &mut WorkingSet, r: RscId, weights: &[(NodeId, i32)]) {
    let table = &mut ws.resources[r].allowed_nodes;
    for e in table.iter_mut() {
        match weights.iter().find(|(n, _)| *n == e.node) {
            None => e.weight = -INFINITY,
            Some((_, w)) => e.weight = add_scores(e.weight, *w),
        }
    }
    for &(n, _) in weights {
        if !ws.resources[r].allowed_nodes.contains(n) {
            let mut ns = ws.nodes[n].score(n);
            ns.weight = -INFINITY;
            ws.resources[r].allowed_nodes.insert(ns);
        }
    }
}

/// `pcmk__update_promotable_dependent_priority`.
#[doc(alias = "pcmk__update_promotable_dependent_priority")]
pub fn update_promotable_dependent_priority(
    ws: &mut WorkingSet,
    primary: RscId,
    dependent: RscId,
    c: ColocId,
) {
    let role = ws.colocations[c].primary_role;
    let inst = crate::assign::clone::find_compatible_child(ws, dependent, primary, role, false);
    if inst.is_some() {
        ws.resources[dependent].priority =
            add_scores(ws.resources[dependent].priority, ws.colocations[c].score);
    } else if ws.colocations[c].score >= INFINITY {
        ws.resources[dependent].priority = -INFINITY;
    }
}
