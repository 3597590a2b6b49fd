//! Applying orderings and propagating their consequences between actions
//! (lib/pacemaker/pcmk_sched_ordering.c second half and
//! pcmk_sched_actions.c).
//!
//! - [`update`]: `pcmk__update_action_for_orderings` and the per-variant
//!   `update_ordered_actions` / `action_flags`.
//! - [`fencing`]: scheduling fencing and shutdown of nodes.

pub mod fencing;
pub mod remote;
pub mod update;

pub use update::{action_flags, update_action_for_orderings};

use crate::actions::create::{custom_action, order_actions};
use crate::glib;
use crate::model::{aflags, oflags, ActionId, RscId, WorkingSet};
use crate::rscfns;
use crate::util::{self, op_key, Role};

/// `find_actions_by_task`.
fn find_actions_by_task(ws: &mut WorkingSet, rsc: RscId, original_key: &str) -> Vec<ActionId> {
    let list = ws.find_actions(Some(rsc), original_key, None);
    if !list.is_empty() {
        return list;
    }
    match util::parse_op_key(original_key) {
        Some((_, task, interval)) => {
            let key = op_key(&ws.resources[rsc].id, &task, interval);
            ws.find_actions(Some(rsc), &key, None)
        }
        None => Vec::new(),
    }
}

/// `order_resource_actions_after`.
fn order_resource_actions_after(
    ws: &mut WorkingSet,
    first_action: Option<ActionId>,
    rsc: RscId,
    order: usize,
) {
    let o = ws.orderings[order].clone();
    let mut flags = o.flags;
    let then_actions = match o.rh_action {
        Some(a) => vec![a],
        None => find_actions_by_task(ws, rsc, o.rh_task.as_deref().unwrap_or("")),
    };
    if then_actions.is_empty() {
        return;
    }
    if let Some(fa) = first_action {
        if ws.actions[fa].rsc == Some(rsc) && ws.actions[fa].is_set(aflags::DANGLE) {
            flags &= !oflags::IMPLIES_THEN;
        }
    }
    if first_action.is_none() && flags & oflags::IMPLIES_THEN == 0 {
        return;
    }
    for then in then_actions {
        match first_action {
            Some(fa) => {
                order_actions(ws, fa, then, flags);
            }
            None => ws.actions[then].clear(aflags::RUNNABLE),
        }
    }
}

/// `rsc_order_first`.
fn rsc_order_first(ws: &mut WorkingSet, first_rsc: RscId, order: usize) {
    let o = ws.orderings[order].clone();
    let mut first_actions = match o.lh_action {
        Some(a) => vec![a],
        None => find_actions_by_task(ws, first_rsc, o.lh_task.as_deref().unwrap_or("")),
    };
    let mut then_rsc = o.rh_rsc;
    if first_actions.is_empty() && Some(first_rsc) == then_rsc {
    } else if first_actions.is_empty() {
        if let Some((_, op_type, interval)) = o.lh_task.as_deref().and_then(util::parse_op_key) {
            let key = op_key(&ws.resources[first_rsc].id, &op_type, interval);
            let state = rscfns::state(ws, first_rsc, true);
            if state == Role::Stopped && op_type.eq_ignore_ascii_case("stop") {
            } else if state == Role::Unpromoted && op_type.eq_ignore_ascii_case("demote") {
            } else {
                let a = custom_action(ws, Some(first_rsc), key, &op_type, None, true);
                first_actions = vec![a];
            }
        }
    }
    if then_rsc.is_none() {
        match o.rh_action {
            None => return,
            Some(a) => then_rsc = ws.actions[a].rsc,
        }
    }
    for fa in first_actions {
        match then_rsc {
            None => {
                if let Some(rh) = o.rh_action {
                    order_actions(ws, fa, rh, o.flags);
                }
            }
            Some(tr) => order_resource_actions_after(ws, Some(fa), tr, order),
        }
    }
}

/// `pcmk__apply_orderings`.
#[doc(alias = "pcmk__apply_orderings")]
pub fn apply_orderings(ws: &mut WorkingSet) {
    for i in 0..ws.orderings.len() {
        let o = ws.orderings[i].clone();
        if let Some(r) = o.lh_rsc {
            rsc_order_first(ws, r, i);
            continue;
        }
        if let Some(r) = o.rh_rsc {
            order_resource_actions_after(ws, o.lh_action, r, i);
        } else if let (Some(l), Some(r)) = (o.lh_action, o.rh_action) {
            order_actions(ws, l, r, o.flags);
        }
    }
    for a in (0..ws.actions.len()).rev() {
        crate::constraints::colocation::block_colocation_dependents(ws, a);
    }
    crate::schedule::probes::order_probes(ws);
    for a in (0..ws.actions.len()).rev() {
        update_action_for_orderings(ws, a);
    }
    disable_invalid_orderings(ws);
}

/// `pcmk__disable_invalid_orderings`.
fn disable_invalid_orderings(ws: &mut WorkingSet) {
    for a in (0..ws.actions.len()).rev() {
        for i in (0..ws.actions[a].before.len()).rev() {
            let input = ws.actions[a].before[i];
            if ordering_is_invalid(ws, a, &input) {
                ws.actions[a].before[i].kind = oflags::NONE;
            }
        }
    }
}

fn ordering_is_invalid(
    ws: &mut WorkingSet,
    action: ActionId,
    input: &crate::model::Wrapper,
) -> bool {
    if input.kind & oflags::PRESERVE == 0 {
        if let (Some(_), Some(arsc), Some(inode)) = (
            ws.actions[input.action].rsc,
            ws.actions[action].rsc,
            ws.actions[input.action].node,
        ) {
            if rsc_corresponds_to_guest(ws, arsc, inode) {
                crate::log_warn!(
                    "ordering_is_invalid",
                    "Invalid ordering constraint between {} and {}",
                    ws.resources[ws.actions[input.action].rsc.unwrap_or(arsc)].id,
                    ws.resources[arsc].id
                );
                return true;
            }
        }
    }
    if input.kind == oflags::LOAD
        && ws.actions[action].rsc.is_some()
        && ws.actions[action].task.eq_ignore_ascii_case("migrate_to")
        && crate::graph::graph_has_loop(ws, action, action, input)
    {
        return true;
    }
    false
}

/// `pcmk__rsc_corresponds_to_guest`.
fn rsc_corresponds_to_guest(ws: &WorkingSet, r: RscId, n: usize) -> bool {
    !ws.resources[r].fillers.is_empty()
        && ws.nodes[n]
            .remote_rsc
            .and_then(|rr| ws.resources[rr].container)
            .is_some_and(|c| c == r)
}

/// `pcmk__deduplicate_action_inputs`: inputs sorted by action id
/// (ascending), duplicates merged.
pub fn deduplicate_action_inputs(ws: &mut WorkingSet, a: ActionId) {
    // list order is `before` reversed; sort that order by ascending id
    let mut list: Vec<crate::model::Wrapper> = ws.actions[a].before.iter().rev().copied().collect();
    glib::list_sort(&mut list, &mut |x, y| {
        let (ix, iy) = (ws.actions[x.action].id, ws.actions[y.action].id);
        ix.cmp(&iy)
    });
    let mut out: Vec<crate::model::Wrapper> = Vec::with_capacity(list.len());
    for w in list {
        if let Some(last) = out.last_mut() {
            if ws.actions[last.action].id == ws.actions[w.action].id {
                last.kind |= w.kind;
                if w.dumped {
                    last.dumped = true;
                }
                continue;
            }
        }
        let mut w = w;
        w.dumped = false;
        out.push(w);
    }
    out.reverse();
    ws.actions[a].before = out;
}
