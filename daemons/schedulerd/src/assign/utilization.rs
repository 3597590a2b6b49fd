//! Utilization-based placement (lib/pacemaker/pcmk_sched_utilization.c and
//! the `placement-strategy` parts of pcmk_sched_resource.c): node
//! capacities, banning nodes without room, ordering resources.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::constraints::colocation::{
    add_colocated_node_scores, colocation_affects, Affects, SELECT_THIS_WITH,
};
use crate::model::{rflags, wsflags, NodeId, NodeTable, RscId, Variant, WorkingSet};
use crate::unpack::resources::resource_location;
use crate::util::INFINITY;

/// `utilization_value`: invalid values count as 0.
fn util_value(v: Option<&String>) -> i32 {
    match v {
        None => 0,
        Some(s) => match crate::util::scan_ll(s) {
            Ok(x) => x.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            Err(e) => {
                if e == 0 {
                    // The reference formats the number it could not parse
                    // with %s here; the text is what it means to show.
                    crate::config_warn!(
                        "utilization_value",
                        "Using 0 for utilization instead of invalid value '{s}'"
                    );
                }
                0
            }
        },
    }
}

/// `pcmk__consume_node_capacity`: a node's remaining capacity after `r`.
#[doc(alias = "pcmk__consume_node_capacity")]
pub fn consume_node_capacity(ws: &mut WorkingSet, n: NodeId, r: RscId) {
    let rutil = ws.resources[r].utilization.clone();
    let cur = &mut ws.nodes[n].utilization;
    subtract(cur, &rutil);
}

fn subtract(cur: &mut HashMap<String, String>, rutil: &HashMap<String, String>) {
    for (k, v) in rutil {
        let result = match cur.get(k) {
            Some(c) => util_value(Some(c)).wrapping_sub(util_value(Some(v))),
            None => 0,
        };
        cur.insert(k.clone(), result.to_string());
    }
}

fn add(cur: &mut HashMap<String, String>, rutil: &HashMap<String, String>) {
    for (k, v) in rutil {
        let result = util_value(cur.get(k)).wrapping_add(util_value(Some(v)));
        cur.insert(k.clone(), result.to_string());
    }
}

/// `pcmk__release_node_capacity`.
#[doc(alias = "pcmk__release_node_capacity")]
pub fn release_node_capacity(ws: &mut WorkingSet, n: NodeId, r: RscId) {
    let rutil = ws.resources[r].utilization.clone();
    add(&mut ws.nodes[n].utilization, &rutil);
}

/// `pcmk__compare_node_capacities`: `Less` when `a` has more room.
#[doc(alias = "pcmk__compare_node_capacities")]
pub fn compare_node_capacities(ws: &WorkingSet, a: NodeId, b: NodeId) -> Ordering {
    let mut result = 0;
    let (u1, u2) = (&ws.nodes[a].utilization, &ws.nodes[b].utilization);
    for (k, v) in u1 {
        let v1 = util_value(Some(v));
        let v2 = util_value(u2.get(k));
        if v1 > v2 {
            result -= 1;
        } else if v1 < v2 {
            result += 1;
        }
    }
    for (k, v) in u2 {
        if u1.contains_key(k) {
            continue;
        }
        let v2 = util_value(Some(v));
        if 0 > v2 {
            result -= 1;
        } else if 0 < v2 {
            result += 1;
        }
    }
    result.cmp(&0)
}

/// `have_enough_capacity`.
fn have_enough_capacity(ws: &WorkingSet, n: NodeId, need: &HashMap<String, String>) -> bool {
    need.iter()
        .all(|(k, v)| util_value(Some(v)) <= util_value(ws.nodes[n].utilization.get(k)))
}

/// `rsc->cmds->colocated_resources`.
pub fn colocated_resources(ws: &WorkingSet, r: RscId, orig: Option<RscId>, list: &mut Vec<RscId>) {
    let orig = orig.unwrap_or(r);
    if ws.resources[r].variant == Variant::Group {
        let colocated = ws.resources[r].group.colocated
            || ws.resources[r].parent.is_some_and(|p| ws.is_clone(p));
        if colocated {
            for &m in &ws.resources[r].children {
                colocated_resources(ws, m, Some(orig), list);
            }
        } else if let Some(&m) = ws.resources[r].children.first() {
            colocated_resources(ws, m, Some(orig), list);
        }
    }
    if list.contains(&r) {
        return;
    }
    list.push(r);
    for &c in &ws.resources[r].rsc_cons {
        let primary = ws.colocations[c].primary;
        if primary == orig {
            continue;
        }
        if ws.colocations[c].score == INFINITY
            && colocation_affects(ws, r, primary, c, true) == Affects::Location
        {
            colocated_resources(ws, primary, Some(orig), list);
        }
    }
    for &c in &ws.resources[r].rsc_cons_lhs {
        let dependent = ws.colocations[c].dependent;
        if dependent == orig {
            continue;
        }
        if ws.is_clone(r) && !ws.is_clone(dependent) {
            continue;
        }
        if ws.colocations[c].score == INFINITY
            && colocation_affects(ws, dependent, r, c, true) == Affects::Location
        {
            colocated_resources(ws, dependent, Some(orig), list);
        }
    }
}

/// `rsc->cmds->add_utilization`.
fn add_utilization(ws: &WorkingSet, r: RscId, all: &[RscId], table: &mut HashMap<String, String>) {
    let rsc = &ws.resources[r];
    if !rsc.is_set(rflags::PROVISIONAL) {
        return;
    }
    match rsc.variant {
        Variant::Native => add(table, &rsc.utilization),
        Variant::Group => {
            let colocated = rsc.group.colocated || rsc.parent.is_some_and(|p| ws.is_clone(p));
            if colocated {
                for &m in &rsc.children {
                    if ws.resources[m].is_set(rflags::PROVISIONAL) && !all.contains(&m) {
                        add_utilization(ws, m, all, table);
                    }
                }
            } else if let Some(&m) = rsc.children.first() {
                if ws.resources[m].is_set(rflags::PROVISIONAL) && !all.contains(&m) {
                    add_utilization(ws, m, all, table);
                }
            }
        }
        Variant::Clone => {
            let mut existing = false;
            for &child in &rsc.children {
                if all.contains(&child) {
                    existing = true;
                } else {
                    for &member in &ws.resources[child].children {
                        if all.contains(&member) {
                            add_utilization(ws, child, all, table);
                            existing = true;
                            break;
                        }
                    }
                }
            }
            if !existing {
                if let Some(&child) = rsc.children.first() {
                    add_utilization(ws, child, all, table);
                }
            }
        }
        Variant::Container => {
            if let Some(&first) = rsc.children.first() {
                add_utilization(ws, first, all, table);
            }
        }
    }
}

/// `pcmk__ban_insufficient_capacity`: ban nodes without room for `r` and
/// what must be colocated with it; the node with the most room if none
/// has enough.
#[doc(alias = "pcmk__ban_insufficient_capacity")]
pub fn ban_insufficient_capacity(ws: &mut WorkingSet, r: RscId) -> Option<NodeId> {
    if ws.placement_strategy.eq_ignore_ascii_case("default") {
        return None;
    }
    let mut colocated = Vec::new();
    colocated_resources(ws, r, None, &mut colocated);
    if colocated.is_empty() {
        return None;
    }
    if !colocated.contains(&r) {
        colocated.push(r);
    }
    let mut need = HashMap::new();
    for &c in &colocated {
        add_utilization(ws, c, &colocated, &mut need);
    }
    let mut any_capable = false;
    let mut most_capable: Option<NodeId> = None;
    let entries: Vec<_> = ws.resources[r].allowed_nodes.values();
    for e in &entries {
        if !super::node_available(ws, e.node, Some(e.weight), false) {
            continue;
        }
        if have_enough_capacity(ws, e.node, &need) {
            any_capable = true;
        }
        if most_capable.map_or(true, |m| {
            compare_node_capacities(ws, e.node, m) == Ordering::Less
        }) {
            most_capable = Some(e.node);
        }
    }
    let own = ws.resources[r].utilization.clone();
    for e in &entries {
        let w = ws.resources[r]
            .allowed_nodes
            .get(e.node)
            .map_or(e.weight, |x| x.weight);
        if !super::node_available(ws, e.node, Some(w), false) {
            continue;
        }
        let table = if any_capable { &need } else { &own };
        if !have_enough_capacity(ws, e.node, table) {
            resource_location(ws, r, Some(e.node), -INFINITY, "__limit_utilization__");
        }
    }
    if any_capable {
        None
    } else {
        most_capable
    }
}

/// `cmp_resources`: higher priority first, then the better score where
/// each currently runs, then the better score on each node in order.
fn cmp_resources(ws: &mut WorkingSet, a: RscId, b: RscId, nodes: &[NodeId]) -> Ordering {
    let (p1, p2) = (ws.resources[a].priority, ws.resources[b].priority);
    if p1 != p2 {
        return p2.cmp(&p1);
    }
    if nodes.is_empty() {
        return Ordering::Equal;
    }
    let id1 = ws.resources[a].id.clone();
    let id2 = ws.resources[b].id.clone();
    let mut t1: Option<NodeTable> = None;
    add_colocated_node_scores(ws, a, &id1, &mut t1, None, 1.0, SELECT_THIS_WITH);
    let mut t2: Option<NodeTable> = None;
    add_colocated_node_scores(ws, b, &id2, &mut t2, None, 1.0, SELECT_THIS_WITH);
    let weight = |t: &Option<NodeTable>, n: Option<NodeId>| -> i32 {
        match (t, n) {
            (Some(t), Some(n)) => t.get(n).map_or(-INFINITY, |e| e.weight),
            _ => -INFINITY,
        }
    };
    let (w1, w2) = (
        weight(&t1, ws.current_node(a)),
        weight(&t2, ws.current_node(b)),
    );
    if w1 != w2 {
        return w2.cmp(&w1);
    }
    for &n in nodes {
        let (w1, w2) = (weight(&t1, Some(n)), weight(&t2, Some(n)));
        if w1 != w2 {
            return w2.cmp(&w1);
        }
    }
    Ordering::Equal
}

/// `pcmk__sort_resources`.
#[doc(alias = "pcmk__sort_resources")]
pub fn sort_resources(ws: &mut WorkingSet) {
    let mut table = NodeTable::new();
    for &n in &ws.node_list {
        table.insert(ws.nodes[n].score(n));
    }
    let nodes: Vec<NodeId> = super::sorted_nodes(ws, &table, None)
        .iter()
        .map(|e| e.node)
        .collect();
    let mut top = std::mem::take(&mut ws.top);
    crate::glib::list_sort(&mut top, &mut |&a, &b| cmp_resources(ws, a, b, &nodes));
    ws.top = top;
}

/// The `resource-util` message (with `--show-utilization`).
pub fn show_resource_util(ws: &mut WorkingSet, r: RscId, n: NodeId, func: &str) {
    if !ws.is_set(wsflags::SHOW_UTILIZATION) {
        return;
    }
    let mut s = format!(
        "{func}: {} utilization on {}:",
        ws.resources[r].id, ws.nodes[n].uname
    );
    let mut keys: Vec<_> = ws.resources[r].utilization.iter().collect();
    keys.sort();
    for (k, v) in keys {
        s.push_str(&format!(" {k}={v}"));
    }
    ws.messages.push(crate::model::Msg::Item(s));
}

/// `pcmk__show_node_capacities` (with `--show-utilization`).
pub fn show_node_capacities(ws: &mut WorkingSet, desc: &str) {
    if !ws.is_set(wsflags::SHOW_UTILIZATION) {
        return;
    }
    for n in ws.node_list.clone() {
        let mut s = format!("{desc}: {} capacity:", ws.nodes[n].uname);
        let mut keys: Vec<_> = ws.nodes[n].utilization.iter().collect();
        keys.sort();
        for (k, v) in keys {
            s.push_str(&format!(" {k}={v}"));
        }
        ws.messages.push(crate::model::Msg::Item(s));
    }
}
