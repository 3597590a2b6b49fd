//! Assigning clone instances (lib/pacemaker/pcmk_sched_clone.c and the
//! instance comparison of pcmk_sched_resource.c).

use std::cmp::Ordering;

use super::primitive::apply_coloc_score;
use super::{find_active_on, node_available, unassign};
use crate::constraints::colocation::{
    add_colocated_node_scores, add_this_with, add_with_this, has_influence, SELECT_ACTIVE,
    SELECT_DEFAULT, SELECT_NONNEGATIVE,
};
use crate::glib;
use crate::model::{rflags, ColocId, NodeId, NodeScore, NodeTable, RscId, Variant, WorkingSet};
use crate::unpack::resources::resource_location;
use crate::util::{self, add_scores, Role, INFINITY};

/// `pcmk__top_allowed_node`: the node's entry in the parent's (or top
/// resource's own) allowed-node table.
pub fn top_allowed_node(ws: &WorkingSet, r: RscId, n: NodeId) -> Option<NodeScore> {
    let table = match ws.resources[r].parent {
        None => &ws.resources[r].allowed_nodes,
        Some(p) => &ws.resources[p].allowed_nodes,
    };
    table.get(n).copied()
}

fn top_allowed_node_mut(ws: &mut WorkingSet, r: RscId, n: NodeId) -> Option<&mut NodeScore> {
    match ws.resources[r].parent {
        None => ws.resources[r].allowed_nodes.get_mut(n),
        Some(p) => ws.resources[p].allowed_nodes.get_mut(n),
    }
}

/// `common_update_score`.
pub fn common_update_score(ws: &mut WorkingSet, r: RscId, n: NodeId, score: i32) {
    if let Some(e) = ws.resources[r].allowed_nodes.get_mut(n) {
        e.weight = add_scores(e.weight, score);
    }
    for c in ws.resources[r].children.clone() {
        common_update_score(ws, c, n, score);
    }
}

/// `pcmk__cmp_instance_number`.
pub fn cmp_instance_number(ws: &WorkingSet, a: RscId, b: RscId) -> Ordering {
    let num = |r: RscId| -> i64 {
        let id = &ws.resources[r].id;
        let div = id.rfind(':').or_else(|| id.rfind('-'));
        match div {
            Some(d) => util::strtoll(&id[d + 1..]).0,
            None => 0,
        }
    };
    num(a).cmp(&num(b))
}

fn did_fail(ws: &WorkingSet, r: RscId) -> bool {
    if ws.resources[r].is_set(rflags::FAILED) {
        return true;
    }
    ws.resources[r].children.iter().any(|&c| did_fail(ws, c))
}

fn apply_parent_colocations(ws: &mut WorkingSet, r: RscId, nodes: &mut Option<NodeTable>) {
    let Some(parent) = ws.resources[r].parent else {
        return;
    };
    let rid = ws.resources[r].id.clone();
    for c in ws.resources[parent].rsc_cons.clone() {
        let col = ws.colocations[c].clone();
        add_colocated_node_scores(
            ws,
            col.primary,
            &rid,
            nodes,
            col.node_attribute.as_deref(),
            col.score as f32 / INFINITY as f32,
            SELECT_DEFAULT,
        );
    }
    for c in ws.resources[parent].rsc_cons_lhs.clone() {
        if !has_influence(ws, c, Some(r)) {
            continue;
        }
        let col = ws.colocations[c].clone();
        add_colocated_node_scores(
            ws,
            col.dependent,
            &rid,
            nodes,
            col.node_attribute.as_deref(),
            col.score as f32 / INFINITY as f32,
            SELECT_NONNEGATIVE,
        );
    }
}

fn cmp_instance_by_colocation(ws: &mut WorkingSet, a: RscId, b: RscId) -> Ordering {
    let (Some(c1), Some(c2)) = (ws.current_node(a), ws.current_node(b)) else {
        return Ordering::Equal;
    };
    let table = |ws: &WorkingSet, n: NodeId| {
        let mut t = NodeTable::new();
        t.insert(ws.nodes[n].score(n));
        Some(t)
    };
    let mut s1 = table(ws, c1);
    let mut s2 = table(ws, c2);
    apply_parent_colocations(ws, a, &mut s1);
    apply_parent_colocations(ws, b, &mut s2);
    let w1 = s1.as_ref().and_then(|t| t.get(c1)).map_or(0, |n| n.weight);
    let w2 = s2.as_ref().and_then(|t| t.get(c2)).map_or(0, |n| n.weight);
    if w1 < w2 {
        Ordering::Greater
    } else if w1 > w2 {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

/// `pcmk__cmp_instance`: which instance to place first.
pub fn cmp_instance(ws: &mut WorkingSet, a: RscId, b: RscId) -> Ordering {
    let (mut node1, nnodes1, _) = find_active_on(ws, a);
    let (mut node2, nnodes2, _) = find_active_on(ws, b);
    if nnodes1 > 0 && nnodes2 > 0 {
        if nnodes1 < nnodes2 {
            return Ordering::Less;
        } else if nnodes1 > nnodes2 {
            return Ordering::Greater;
        }
    }
    let allowed = |ws: &WorkingSet, r: RscId, node: &mut Option<NodeId>| -> bool {
        if let Some(n) = *node {
            match ws.resources[r].allowed_nodes.get(n) {
                Some(e) if e.weight >= 0 => true,
                _ => {
                    *node = None;
                    false
                }
            }
        } else {
            true
        }
    };
    let can1 = allowed(ws, a, &mut node1);
    let can2 = allowed(ws, b, &mut node2);
    if can1 && !can2 {
        return Ordering::Less;
    } else if !can1 && can2 {
        return Ordering::Greater;
    }
    let (p1, p2) = (ws.resources[a].priority, ws.resources[b].priority);
    if p1 > p2 {
        return Ordering::Less;
    } else if p1 < p2 {
        return Ordering::Greater;
    }
    let (n1, n2) = match (node1, node2) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Greater,
        (Some(_), None) => return Ordering::Less,
        (Some(x), Some(y)) => (x, y),
    };
    let c1 = node_available(ws, n1, None, false);
    let c2 = node_available(ws, n2, None, false);
    if c1 && !c2 {
        return Ordering::Less;
    } else if !c1 && c2 {
        return Ordering::Greater;
    }
    let t1 = top_allowed_node(ws, a, n1);
    let t2 = top_allowed_node(ws, b, n2);
    let (t1, t2) = match (t1, t2) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Greater,
        (Some(_), None) => return Ordering::Less,
        (Some(x), Some(y)) => (x, y),
    };
    if t1.count < t2.count {
        return Ordering::Less;
    } else if t1.count > t2.count {
        return Ordering::Greater;
    }
    let f1 = did_fail(ws, a);
    let f2 = did_fail(ws, b);
    if !f1 && f2 {
        return Ordering::Less;
    } else if f1 && !f2 {
        return Ordering::Greater;
    }
    match cmp_instance_by_colocation(ws, a, b) {
        Ordering::Equal => {}
        o => return o,
    }
    cmp_instance_number(ws, a, b)
}

/// `can_run_instance`.
fn can_run_instance(
    ws: &mut WorkingSet,
    r: RscId,
    node: Option<NodeId>,
    limit: i32,
) -> Option<NodeScore> {
    let Some(n) = node else {
        let nodes: Vec<NodeId> = ws.resources[r]
            .allowed_nodes
            .iter()
            .map(|e| e.node)
            .collect();
        for n in nodes {
            can_run_instance(ws, r, Some(n), limit);
        }
        return None;
    };
    let mut ok = None;
    if node_available(ws, n, None, false) && !ws.resources[r].is_set(rflags::ORPHAN) {
        match top_allowed_node(ws, r, n) {
            None => {}
            Some(local) if local.weight < 0 => {
                common_update_score(ws, r, n, local.weight);
            }
            Some(local) if local.count < limit => ok = Some(local),
            Some(_) => {}
        }
    }
    if ok.is_some() {
        return ok;
    }
    common_update_score(ws, r, n, -INFINITY);
    None
}

/// `append_parent_colocation`.
fn append_parent_colocation(ws: &mut WorkingSet, parent: RscId, child: RscId, all: bool) {
    for c in ws.resources[parent].rsc_cons.clone() {
        let score = ws.colocations[c].score;
        if all || score < 0 || score == INFINITY {
            add_this_with(ws, child, c);
        }
    }
    for c in ws.resources[parent].rsc_cons_lhs.clone() {
        if !has_influence(ws, c, Some(child)) {
            continue;
        }
        if all || ws.colocations[c].score < 0 {
            add_with_this(ws, child, c);
        }
    }
}

/// `allocate_instance`.
fn allocate_instance(
    ws: &mut WorkingSet,
    r: RscId,
    prefer: Option<NodeId>,
    all_coloc: bool,
    limit: i32,
) -> Option<NodeId> {
    if !ws.resources[r].is_set(rflags::PROVISIONAL) {
        return crate::rscfns::location(ws, r, None, 0);
    } else if ws.resources[r].is_set(rflags::ALLOCATING) {
        return None;
    }
    if let Some(p) = ws.resources[r].parent {
        append_parent_colocation(ws, p, r, all_coloc);
    }
    if let Some(p) = prefer {
        match ws.resources[r].allowed_nodes.get(p) {
            Some(lp) if lp.weight >= 0 => {}
            _ => return None,
        }
    }
    can_run_instance(ws, r, None, limit);
    let backup = ws.resources[r].allowed_nodes.clone();
    let mut chosen = super::assign(ws, r, prefer);
    if let (Some(c), Some(p)) = (chosen, prefer) {
        if c != p {
            ws.resources[r].allowed_nodes = backup;
            unassign(ws, r);
            chosen = None;
        }
    }
    if let Some(c) = chosen {
        if let Some(local) = top_allowed_node_mut(ws, r, c) {
            local.count += 1;
        }
    }
    chosen
}

/// `distribute_children`.
pub(crate) fn distribute_children(
    ws: &mut WorkingSet,
    r: RscId,
    children: &[RscId],
    nodes: &[NodeId],
    max: i32,
    per_host_max: i32,
) {
    let mut allocated = 0;
    let mut available = 0;
    for &n in nodes {
        if let Some(e) = ws.resources[r].allowed_nodes.get_mut(n) {
            e.count = 0;
        }
        if node_available(ws, n, None, false) {
            available += 1;
        }
    }
    let all_coloc = max < available;
    let mut loop_max = if available > 0 { max / available } else { 0 };
    if loop_max < 1 {
        loop_max = 1;
    }
    for &child in children {
        if allocated >= max {
            break;
        }
        let c = &ws.resources[child];
        if c.running_on.is_empty() || !c.is_set(rflags::PROVISIONAL) || c.is_set(rflags::FAILED) {
            continue;
        }
        let Some(child_node) = ws.current_node(child) else {
            continue;
        };
        let local = top_allowed_node(ws, child, child_node);
        if !node_available(ws, child_node, Some(ws.nodes[child_node].weight), false) {
            continue;
        }
        if local.is_some_and(|l| l.count >= loop_max) {
            continue;
        }
        if allocate_instance(ws, child, Some(child_node), all_coloc, per_host_max).is_some() {
            allocated += 1;
        }
    }
    for &child in children {
        if !ws.resources[child].running_on.is_empty() && crate::diag::active() {
            if let Some(child_node) = ws.current_node(child) {
                if top_allowed_node(ws, child, child_node).is_none() {
                    crate::log_err!(
                        "distribute_children",
                        "{} is running on {} which isn't allowed",
                        ws.resources[child].id,
                        ws.nodes[child_node].uname
                    );
                }
            }
        }
        if !ws.resources[child].is_set(rflags::PROVISIONAL) {
        } else if allocated >= max {
            resource_location(ws, child, None, -INFINITY, "clone:limit_reached");
        } else if allocate_instance(ws, child, None, all_coloc, per_host_max).is_some() {
            allocated += 1;
        }
    }
}

/// `pcmk__clone_allocate`.
#[doc(alias = "pcmk__clone_allocate")]
pub fn assign(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    if !ws.resources[r].is_set(rflags::PROVISIONAL) || ws.resources[r].is_set(rflags::ALLOCATING) {
        return None;
    }
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        crate::promotable::add_promotion_scores(ws, r);
    }
    ws.resources[r].set(rflags::ALLOCATING);
    for c in ws.resources[r].rsc_cons.clone() {
        let p = ws.colocations[c].primary;
        super::assign(ws, p, prefer);
    }
    for c in ws.resources[r].rsc_cons_lhs.clone() {
        if has_influence(ws, c, None) {
            let col = ws.colocations[c].clone();
            let rid = ws.resources[r].id.clone();
            let mut nodes = Some(std::mem::take(&mut ws.resources[r].allowed_nodes));
            add_colocated_node_scores(
                ws,
                col.dependent,
                &rid,
                &mut nodes,
                col.node_attribute.as_deref(),
                col.score as f32 / INFINITY as f32,
                SELECT_ACTIVE | SELECT_NONNEGATIVE,
            );
            ws.resources[r].allowed_nodes = nodes.unwrap_or_default();
        }
    }
    super::show_node_weights(ws, r, "pcmk__clone_allocate");
    let nodes: Vec<NodeId> = super::sorted_nodes(ws, &ws.resources[r].allowed_nodes, None)
        .iter()
        .map(|n| n.node)
        .collect();
    let mut children = std::mem::take(&mut ws.resources[r].children);
    glib::list_sort(&mut children, &mut |&a, &b| cmp_instance(ws, a, b));
    ws.resources[r].children = children.clone();
    let (max, per_host) = (
        ws.resources[r].clone.clone_max,
        ws.resources[r].clone.clone_node_max,
    );
    distribute_children(ws, r, &children, &nodes, max, per_host);
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        crate::promotable::set_instance_roles(ws, r);
    }
    ws.resources[r].clear(rflags::PROVISIONAL | rflags::ALLOCATING);
    None
}

/// `is_set_recursive`.
pub fn is_set_recursive(ws: &WorkingSet, r: RscId, flag: u64, any: bool) -> bool {
    let all = !any;
    if ws.resources[r].is_set(flag) {
        if any {
            return true;
        }
    } else if all {
        return false;
    }
    for &c in &ws.resources[r].children {
        if is_set_recursive(ws, c, flag, any) {
            if any {
                return true;
            }
        } else if all {
            return false;
        }
    }
    all
}

/// `is_child_compatible`.
pub(crate) fn is_child_compatible(
    ws: &WorkingSet,
    child: RscId,
    local_node: NodeId,
    filter: Role,
    current: bool,
) -> bool {
    let next_role = crate::rscfns::state(ws, child, current);
    let node = if !is_set_recursive(ws, child, rflags::BLOCK, true) {
        crate::rscfns::location(ws, child, None, current as u8)
    } else {
        None
    };
    if filter != Role::Unknown && next_role != filter {
        return false;
    }
    node == Some(local_node)
}

/// `find_compatible_child_by_node`.
pub fn find_compatible_child_by_node(
    ws: &WorkingSet,
    local_node: NodeId,
    rsc: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    super::bundle::containers_or_children(ws, rsc)
        .into_iter()
        .find(|&c| is_child_compatible(ws, c, local_node, filter, current))
}

/// `find_compatible_child`.
pub fn find_compatible_child(
    ws: &WorkingSet,
    local_child: RscId,
    rsc: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    if let Some(n) = crate::rscfns::location(ws, local_child, None, current as u8) {
        return find_compatible_child_by_node(ws, n, rsc, filter, current);
    }
    let nodes = super::sorted_nodes(ws, &ws.resources[local_child].allowed_nodes, None);
    for n in nodes {
        if let Some(p) = find_compatible_child_by_node(ws, n.node, rsc, filter, current) {
            return Some(p);
        }
    }
    None
}

fn copies_per_node(ws: &WorkingSet, r: RscId) -> i32 {
    match ws.resources[r].variant {
        Variant::Clone => ws.resources[r].clone.clone_node_max,
        Variant::Container => 1,
        _ => 1,
    }
}

/// `node_list_exclude`: ban nodes not in `list`.
fn node_list_exclude(ws: &mut WorkingSet, r: RscId, list: &[NodeId]) {
    let table = &mut ws.resources[r].allowed_nodes;
    for e in table.iter_mut() {
        if !list.contains(&e.node) {
            e.weight = -INFINITY;
        }
    }
    for &n in list {
        if !ws.resources[r].allowed_nodes.contains(n) {
            let mut s = ws.nodes[n].score(n);
            s.weight = -INFINITY;
            ws.resources[r].allowed_nodes.insert(s);
        }
    }
}

/// `pcmk__clone_apply_coloc_score` (clone as the primary).
pub fn clone_apply_coloc_score(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    if ws.resources[dependent].variant != Variant::Native {
        return;
    }
    let col = ws.colocations[c].clone();
    if ws.resources[primary].is_set(rflags::PROMOTABLE) {
        if ws.resources[primary].is_set(rflags::PROVISIONAL) {
            return;
        } else if col.primary_role == Role::Unknown {
        } else if ws.resources[dependent].is_set(rflags::PROVISIONAL) {
            crate::promotable::update_dependent_with_promotable(ws, primary, dependent, c);
            return;
        } else if col.dependent_role == Role::Promoted {
            crate::promotable::update_promotable_dependent_priority(ws, primary, dependent, c);
            return;
        }
    }
    let mut do_interleave = false;
    let cdep = col.dependent;
    if util::is_true(
        ws.resources[cdep]
            .meta
            .get("interleave")
            .map(String::as_str),
    ) && ws.resources[cdep].variant > Variant::Group
    {
        if copies_per_node(ws, cdep) != copies_per_node(ws, col.primary) {
            crate::config_err!(
                "pcmk__clone_apply_coloc_score",
                "Cannot interleave {} and {} because they do not support the same number of instances per node",
                ws.resources[cdep].id,
                ws.resources[col.primary].id
            );
        } else {
            do_interleave = true;
        }
    }
    if ws.resources[primary].is_set(rflags::PROVISIONAL) {
        return;
    }
    if do_interleave {
        match find_compatible_child(ws, dependent, primary, Role::Unknown, false) {
            Some(pi) => apply_coloc_score(ws, dependent, pi, c, true),
            None => {
                if col.score >= INFINITY {
                    super::assign_resource(ws, dependent, None, true);
                }
            }
        }
        return;
    }
    if col.score >= INFINITY {
        let mut affected = Vec::new();
        for child in ws.resources[primary].children.clone() {
            if let Some(chosen) = crate::rscfns::location(ws, child, None, 0) {
                if !is_set_recursive(ws, child, rflags::BLOCK, true) {
                    affected.insert(0, chosen);
                }
            }
        }
        node_list_exclude(ws, dependent, &affected);
        return;
    }
    for child in ws.resources[primary].children.clone() {
        apply_coloc_score(ws, dependent, child, c, false);
    }
}
