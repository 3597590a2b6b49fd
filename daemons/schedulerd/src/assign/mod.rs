//! Assigning resources to nodes (lib/pacemaker/pcmk_sched_*.c `assign`).
//!
//! - [`primitive`]: `pcmk__primitive_assign`, colocation application.
//! - [`group`]: `pcmk__group_assign` and group colocations.
//! - [`clone`]: `pcmk__clone_allocate` and instance placement.
//!
//! Shared here: node availability and ordering, finalizing an assignment,
//! migration thresholds, stickiness.

pub mod bundle;
pub mod clone;
pub mod group;
pub mod primitive;
pub mod utilization;

use std::cmp::Ordering;

use crate::glib;
use crate::model::{
    aflags, rflags, wsflags, NodeId, NodeScore, NodeTable, RscId, Variant, WorkingSet,
};
use crate::unpack::failcounts::{get_failcount, FC_EFFECTIVE, FC_FILLERS};
use crate::unpack::resources::resource_location;
use crate::util::{self, Role, INFINITY};

/// `pe__find_active_on`: the node a resource is "really" active on, and
/// how many nodes (all / clean) it is active on.
pub fn find_active_on(ws: &WorkingSet, r: RscId) -> (Option<NodeId>, u32, u32) {
    let rsc = &ws.resources[r];
    let mut active: Option<NodeId> = None;
    let mut count_all = 0;
    let mut count_clean = 0;
    for &n in &rsc.running_on {
        let node = &ws.nodes[n];
        let is_happy = node.online && !node.unclean;
        count_all += 1;
        if is_happy {
            count_clean += 1;
        }
        if let Some(src) = rsc.partial_migration_source {
            if n == src {
                active = Some(n);
            }
        } else if !rsc.is_set(rflags::NEEDS_FENCING) {
            if is_happy && active.map_or(true, |a| !ws.nodes[a].online || ws.nodes[a].unclean) {
                active = Some(n);
            }
        }
        if active.is_none() {
            active = Some(n);
        }
    }
    (active, count_all, count_clean)
}

/// `pe__find_active_requires`: the active node and the relevant count
/// (clean nodes unless the resource requires fencing).
pub fn find_active_requires(ws: &WorkingSet, r: RscId) -> (Option<NodeId>, u32) {
    let (n, all, clean) = find_active_on(ws, r);
    if !ws.resources[r].is_set(rflags::NEEDS_FENCING) {
        (n, clean)
    } else {
        (n, all)
    }
}

/// `pcmk__node_available`: whether a node can run resources (with its
/// score for this resource, if `weight` is given).
pub fn node_available(
    ws: &WorkingSet,
    n: NodeId,
    weight: Option<i32>,
    consider_guest: bool,
) -> bool {
    let node = &ws.nodes[n];
    if !node.online || node.shutdown || node.unclean || node.standby || node.maintenance {
        return false;
    }
    if let Some(w) = weight {
        if w < 0 {
            return false;
        }
    }
    if consider_guest && ws.is_guest(n) {
        let Some(guest) = node.remote_rsc.and_then(|r| ws.resources[r].container) else {
            return true;
        };
        if crate::rscfns::location(ws, guest, None, 0).is_none() {
            return false;
        }
    }
    true
}

/// `compare_nodes` (`pcmk__sort_nodes`'s comparison).
pub fn compare_nodes(
    ws: &WorkingSet,
    a: &NodeScore,
    b: &NodeScore,
    active: Option<NodeId>,
) -> Ordering {
    let w1 = if node_available(ws, a.node, None, false) {
        a.weight
    } else {
        -INFINITY
    };
    let w2 = if node_available(ws, b.node, None, false) {
        b.weight
    } else {
        -INFINITY
    };
    if w1 > w2 {
        return Ordering::Less;
    }
    if w1 < w2 {
        return Ordering::Greater;
    }
    let strategy = ws.placement_strategy.to_ascii_lowercase();
    if strategy != "minimal" {
        if strategy == "balanced" {
            match crate::assign::utilization::compare_node_capacities(ws, a.node, b.node) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        let (n1, n2) = (&ws.nodes[a.node], &ws.nodes[b.node]);
        if n1.num_resources < n2.num_resources {
            return Ordering::Less;
        } else if n1.num_resources > n2.num_resources {
            return Ordering::Greater;
        }
        if let Some(act) = active {
            if act == a.node {
                return Ordering::Less;
            } else if act == b.node {
                return Ordering::Greater;
            }
        }
    }
    ws.nodes[a.node]
        .uname
        .as_bytes()
        .cmp(ws.nodes[b.node].uname.as_bytes())
}

/// `pcmk__sort_nodes` over a table's values: the reference takes
/// `g_hash_table_get_values` (its own order), then sorts with a total order.
pub fn sorted_nodes(ws: &WorkingSet, table: &NodeTable, active: Option<NodeId>) -> Vec<NodeScore> {
    let mut v = table.values();
    glib::list_sort(&mut v, &mut |a, b| compare_nodes(ws, a, b, active));
    v
}

/// `pcmk__unassign_resource`.
pub fn unassign(ws: &mut WorkingSet, r: RscId) {
    let Some(old) = ws.resources[r].allocated_to.take() else {
        return;
    };
    ws.resources[r].set(rflags::PROVISIONAL);
    let n = &mut ws.nodes[old.node];
    if let Some(p) = n.allocated_rsc.iter().position(|&x| x == r) {
        n.allocated_rsc.remove(p);
    }
    n.num_resources -= 1;
    utilization::release_node_capacity(ws, old.node, r);
}

/// Where the chosen node of an assignment came from (its count is
/// incremented there, as the reference increments the copy it chose).
#[derive(Clone, Copy)]
pub enum Chosen {
    /// An entry of the resource's allowed-node table.
    Allowed(NodeScore),
    /// A cluster node (the reference's `data_set->nodes` entry).
    Base(NodeId),
}

impl Chosen {
    pub fn node(&self) -> NodeId {
        match self {
            Chosen::Allowed(s) => s.node,
            Chosen::Base(n) => *n,
        }
    }
}

/// `pcmk__finalize_assignment`.
pub fn finalize_assignment(
    ws: &mut WorkingSet,
    r: RscId,
    chosen: Option<Chosen>,
    force: bool,
) -> bool {
    let mut chosen = chosen;
    if !force {
        if let Some(c) = chosen {
            let weight = match c {
                Chosen::Allowed(s) => s.weight,
                Chosen::Base(n) => ws.nodes[n].weight,
            };
            if weight < 0 || (!node_available(ws, c.node(), None, false) && !ws.is_guest(c.node()))
            {
                ws.resources[r].next_role = Role::Stopped;
                chosen = None;
            }
        }
    }
    unassign(ws, r);
    ws.resources[r].clear(rflags::PROVISIONAL);
    let Some(chosen) = chosen else {
        ws.resources[r].next_role = Role::Stopped;
        let acts: Vec<usize> = ws.resources[r].actions.iter().rev().copied().collect();
        for a in acts {
            let act = &ws.actions[a];
            if act.task.eq_ignore_ascii_case("stop") {
                ws.actions[a].clear(aflags::OPTIONAL);
            } else if act.task.eq_ignore_ascii_case("start") {
                ws.actions[a].clear(aflags::RUNNABLE);
            } else {
                let interval = act.meta.get("interval");
                let target_rc = act.meta.get("op_target_rc");
                if interval.is_some_and(|i| i != "0") && target_rc.map(String::as_str) != Some("7")
                {
                    ws.actions[a].clear(aflags::RUNNABLE);
                }
            }
        }
        return false;
    };
    let n = chosen.node();
    let copy = match chosen {
        Chosen::Allowed(s) => {
            if let Some(e) = ws.resources[r].allowed_nodes.get_mut(n) {
                e.count += 1;
            }
            s
        }
        Chosen::Base(b) => {
            let s = ws.nodes[b].score(b);
            ws.nodes[b].count += 1;
            s
        }
    };
    ws.resources[r].allocated_to = Some(copy);
    ws.nodes[n].allocated_rsc.insert(0, r);
    ws.nodes[n].num_resources += 1;
    utilization::consume_node_capacity(ws, n, r);
    if ws.is_set(wsflags::SHOW_UTILIZATION) {
        utilization::show_resource_util(ws, r, n, "pcmk__finalize_assignment");
    }
    true
}

/// `pcmk__assign_resource`: assign a resource (recursively) to a node.
pub fn assign_resource(ws: &mut WorkingSet, r: RscId, node: Option<NodeId>, force: bool) -> bool {
    let mut changed = false;
    if ws.resources[r].children.is_empty() {
        if ws.resources[r].allocated_to.is_some() {
            changed = true;
        }
        let chosen = node.map(|n| match ws.resources[r].allowed_nodes.get(n) {
            Some(s) => Chosen::Allowed(*s),
            None => Chosen::Base(n),
        });
        finalize_assignment(ws, r, chosen, force);
    } else {
        for c in ws.resources[r].children.clone() {
            changed |= assign_resource(ws, c, node, force);
        }
    }
    changed
}

/// `pcmk__threshold_reached`: the resource to ban if it reached its
/// migration threshold on a node.
pub fn threshold_reached(ws: &mut WorkingSet, r: RscId, n: NodeId) -> Option<RscId> {
    if ws.resources[r].migration_threshold == 0 {
        return None;
    }
    if ws.resources[r].is_set(rflags::FAILURE_IGNORED) {
        return None;
    }
    let (fail_count, _) = get_failcount(ws, n, r, FC_EFFECTIVE | FC_FILLERS, None);
    if fail_count <= 0 {
        return None;
    }
    let to_ban = if !ws.resources[r].is_set(rflags::UNIQUE) {
        ws.uber_parent(r)
    } else {
        r
    };
    let remaining = ws.resources[r].migration_threshold - fail_count;
    if remaining <= 0 {
        crate::log_warn!(
            "pcmk__threshold_reached",
            "{} cannot run on {} due to reaching migration threshold (clean up resource to allow again)| failures={fail_count} migration-threshold={}",
            ws.resources[to_ban].id,
            ws.nodes[n].uname,
            ws.resources[r].migration_threshold
        );
        Some(to_ban)
    } else {
        None
    }
}

fn failcount_clear_action_exists(ws: &mut WorkingSet, n: NodeId, r: RscId) -> bool {
    !ws.resource_actions(r, Some(n), "clear_failcount", true)
        .is_empty()
}

/// `check_failure_threshold`.
fn check_failure_threshold(ws: &mut WorkingSet, r: RscId, n: NodeId) {
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            check_failure_threshold(ws, c, n);
        }
        return;
    }
    if failcount_clear_action_exists(ws, n, r) {
        return;
    }
    if let Some(failed) = threshold_reached(ws, r, n) {
        resource_location(ws, failed, Some(n), -INFINITY, "__fail_limit__");
    }
}

/// `apply_exclusive_discovery`.
fn apply_exclusive_discovery(ws: &mut WorkingSet, r: RscId, n: NodeId) {
    let top = ws.uber_parent(r);
    if ws.resources[r].exclusive_discover || ws.resources[top].exclusive_discover {
        for c in ws.resources[r].children.clone() {
            apply_exclusive_discovery(ws, c, n);
        }
        if let Some(m) = ws.resources[r].allowed_nodes.get_mut(n) {
            if m.discover != crate::model::Discover::Exclusive {
                m.weight = -INFINITY;
            }
        }
    }
}

/// `apply_stickiness`.
fn apply_stickiness(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            apply_stickiness(ws, c);
        }
        return;
    }
    let rsc = &ws.resources[r];
    if !rsc.is_set(rflags::MANAGED) || rsc.stickiness < 1 || rsc.running_on.len() != 1 {
        return;
    }
    let node = rsc.running_on[0];
    if !ws.is_set(wsflags::SYMMETRIC_CLUSTER) && !rsc.allowed_nodes.contains(node) {
        return;
    }
    let s = rsc.stickiness;
    resource_location(ws, r, Some(node), s, "stickiness");
}

/// `apply_node_criteria`.
pub fn apply_node_criteria(ws: &mut WorkingSet) {
    if ws.is_set(wsflags::SHUTDOWN_LOCK) {
        for r in ws.top.clone() {
            primitive::shutdown_lock(ws, r);
        }
    }
    crate::constraints::location::apply_locations(ws);
    for r in ws.top.clone() {
        apply_stickiness(ws, r);
    }
    for n in ws.node_list.clone() {
        for r in ws.top.clone() {
            check_failure_threshold(ws, r, n);
            apply_exclusive_discovery(ws, r, n);
        }
    }
}

/// `rsc->cmds->assign`.
pub fn assign(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    match ws.resources[r].variant {
        Variant::Native => primitive::assign(ws, r, prefer),
        Variant::Group => group::assign(ws, r, prefer),
        Variant::Clone => clone::assign(ws, r, prefer),
        Variant::Container => bundle::assign(ws, r, prefer),
    }
}

/// `allocate_resources`.
pub fn allocate_resources(ws: &mut WorkingSet) {
    if !ws.placement_strategy.eq_ignore_ascii_case("default") {
        utilization::sort_resources(ws);
    }
    utilization::show_node_capacities(ws, "Original");
    if ws.is_set(wsflags::HAVE_REMOTE_NODES) {
        for r in ws.top.clone() {
            if ws.resources[r].is_remote_node {
                let pref = ws.resources[r].partial_migration_target;
                assign(ws, r, pref);
            }
        }
    }
    for r in ws.top.clone() {
        if !ws.resources[r].is_remote_node {
            assign(ws, r, None);
        }
    }
    utilization::show_node_capacities(ws, "Remaining");
}

/// Emit allocation scores for a resource (and its children) like
/// `pe__show_node_weights`, when scores are being shown.
pub fn show_node_weights(ws: &mut WorkingSet, r: RscId, comment: &str) {
    if !ws.show_scores {
        return;
    }
    show_weights_of(ws, r, comment, None);
}

fn show_weights_of(ws: &mut WorkingSet, r: RscId, comment: &str, table: Option<&NodeTable>) {
    if ws.resources[r].is_set(rflags::ORPHAN) {
        return;
    }
    let table = table
        .cloned()
        .unwrap_or_else(|| ws.resources[r].allowed_nodes.clone());
    let mut list = table.values();
    glib::list_sort(&mut list, &mut |a, b| {
        util::numeric_strcasecmp(&ws.nodes[a.node].uname, &ws.nodes[b.node].uname)
    });
    for n in list {
        let msg = crate::model::Msg::Score {
            function: comment.to_owned(),
            rsc: ws.resources[r].id.clone(),
            node: ws.nodes[n.node].uname.clone(),
            score: util::readable_score(n.weight),
        };
        ws.messages.push(msg);
    }
    for c in ws.resources[r].children.clone() {
        show_weights_of(ws, c, comment, None);
    }
}

/// `enum pcmk__health_strategy` from `node-health-strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStrategy {
    None,
    NoRed,
    OnlyGreen,
    Progressive,
    Custom,
}

/// `pe__health_strategy`.
pub fn health_strategy(ws: &WorkingSet) -> HealthStrategy {
    let v = ws.config.get("node-health-strategy").map(String::as_str);
    match v {
        None => HealthStrategy::None,
        Some(s) if s.eq_ignore_ascii_case("none") => HealthStrategy::None,
        Some(s) if s.eq_ignore_ascii_case("migrate-on-red") => HealthStrategy::NoRed,
        Some(s) if s.eq_ignore_ascii_case("only-green") => HealthStrategy::OnlyGreen,
        Some(s) if s.eq_ignore_ascii_case("progressive") => HealthStrategy::Progressive,
        Some(s) if s.eq_ignore_ascii_case("custom") => HealthStrategy::Custom,
        Some(_) => HealthStrategy::None,
    }
}

/// `pe__health_score`.
fn health_score(ws: &WorkingSet, option: &str) -> i32 {
    crate::util::char2score(ws.config.get(option).map(String::as_str))
}

/// `pe__unpack_node_health_scores`: the (red, yellow, green) scores.
pub fn health_scores(ws: &WorkingSet) -> (i32, i32, i32) {
    match health_strategy(ws) {
        HealthStrategy::None => (0, 0, 0),
        HealthStrategy::NoRed => (-INFINITY, 0, 0),
        HealthStrategy::OnlyGreen => (-INFINITY, -INFINITY, 0),
        _ => (
            health_score(ws, "node-health-red"),
            health_score(ws, "node-health-yellow"),
            health_score(ws, "node-health-green"),
        ),
    }
}

/// `pe__sum_node_health_scores`.
fn sum_node_health(ws: &WorkingSet, n: NodeId, base: i32) -> i32 {
    let (red, yellow, green) = health_scores(ws);
    let mut h = base;
    for (k, v) in &ws.nodes[n].attrs {
        if k.starts_with("#health") {
            let score = if v.eq_ignore_ascii_case("red") {
                red
            } else if v.eq_ignore_ascii_case("yellow") {
                yellow
            } else if v.eq_ignore_ascii_case("green") {
                green
            } else {
                crate::util::char2score(Some(v))
            };
            h = crate::util::add_scores(score, h);
        }
    }
    h
}

/// `pcmk__apply_node_health`: location preferences from node health.
#[doc(alias = "pcmk__apply_node_health")]
pub fn apply_node_health(ws: &mut WorkingSet) {
    let strategy = health_strategy(ws);
    if strategy == HealthStrategy::None {
        return;
    }
    let strategy_str = ws
        .config
        .get("node-health-strategy")
        .cloned()
        .unwrap_or_default();
    let base = if strategy == HealthStrategy::Progressive {
        health_score(ws, "node-health-base")
    } else {
        0
    };
    for n in ws.node_list.clone() {
        let health = sum_node_health(ws, n, base);
        if health == 0 {
            continue;
        }
        for r in ws.top.clone() {
            let constrain = if health < 0 {
                !crate::util::is_true(
                    ws.resources[r]
                        .meta
                        .get("allow-unhealthy-nodes")
                        .map(String::as_str),
                )
            } else {
                true
            };
            if constrain {
                crate::constraints::location::new_location(
                    ws,
                    &strategy_str,
                    r,
                    health,
                    None,
                    Some(n),
                );
            }
        }
    }
}
