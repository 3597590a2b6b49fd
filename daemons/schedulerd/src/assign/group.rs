//! Assigning a group (lib/pacemaker/pcmk_sched_group.c).

use super::primitive::apply_coloc_score;
use crate::constraints::colocation::{add_this_with, add_with_this};
use crate::model::{rflags, ColocId, NodeId, RscId, WorkingSet};
use crate::util::INFINITY;

/// `expand_group_colocations`: hand a group's colocations to its members.
fn expand_group_colocations(ws: &mut WorkingSet, r: RscId) {
    let children = ws.resources[r].children.clone();
    let Some(&first) = children.first() else {
        return;
    };
    for c in ws.resources[r].rsc_cons.clone() {
        add_this_with(ws, first, c);
    }
    let mut any_unmanaged = !ws.resources[first].is_set(rflags::MANAGED);
    for &member in &children[1..] {
        if any_unmanaged {
            for c in ws.resources[r].rsc_cons.clone() {
                if ws.colocations[c].score == INFINITY {
                    add_this_with(ws, member, c);
                }
            }
        } else if !ws.resources[member].is_set(rflags::MANAGED) {
            any_unmanaged = true;
        }
    }
    ws.resources[r].rsc_cons.clear();
    if let Some(last) = ws.resources[r].group.last_child {
        for c in ws.resources[r].rsc_cons_lhs.clone() {
            add_with_this(ws, last, c);
        }
    }
    ws.resources[r].rsc_cons_lhs.clear();
}

/// `pcmk__group_assign`.
#[doc(alias = "pcmk__group_assign")]
pub fn assign(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    if !ws.resources[r].is_set(rflags::PROVISIONAL) {
        return ws.resources[r].allocated_to.map(|a| a.node);
    }
    if ws.resources[r].is_set(rflags::ALLOCATING) {
        return None;
    }
    let children = ws.resources[r].children.clone();
    let Some(&first) = children.first() else {
        ws.resources[r].clear(rflags::PROVISIONAL);
        return None;
    };
    ws.resources[r].set(rflags::ALLOCATING);
    ws.resources[r].role = ws.resources[first].role;
    expand_group_colocations(ws, r);
    super::show_node_weights(ws, r, "pcmk__group_assign");
    let mut first_assigned = None;
    for member in children {
        let node = super::assign(ws, member, prefer);
        if first_assigned.is_none() {
            first_assigned = node;
        }
    }
    ws.resources[r].next_role = ws.resources[first].next_role;
    ws.resources[r].clear(rflags::ALLOCATING | rflags::PROVISIONAL);
    if !ws.resources[r].group.colocated {
        return None;
    }
    first_assigned
}

/// `colocate_group_with`: a group as the dependent.
pub fn colocate_group_with(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    let children = ws.resources[dependent].children.clone();
    if children.is_empty() {
        return;
    }
    if ws.resources[dependent].group.colocated {
        apply_coloc_score(ws, children[0], primary, c, true);
        return;
    }
    if ws.colocations[c].score >= INFINITY {
        crate::config_err!(
            "colocate_group_with",
            "{}: Cannot perform mandatory colocation between non-colocated group and {}",
            ws.resources[dependent].id,
            ws.resources[primary].id
        );
        return;
    }
    for m in children {
        apply_coloc_score(ws, m, primary, c, true);
    }
}

/// `colocate_with_group`: a group as the primary.
pub fn colocate_with_group(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    if ws.resources[primary].is_set(rflags::PROVISIONAL) {
        return;
    }
    if ws.resources[primary].group.colocated {
        let member = if ws.colocations[c].score >= INFINITY {
            ws.resources[primary].group.last_child
        } else {
            ws.resources[primary].children.first().copied()
        };
        let Some(member) = member else { return };
        apply_coloc_score(ws, dependent, member, c, false);
        return;
    }
    if ws.colocations[c].score >= INFINITY {
        crate::config_err!(
            "colocate_with_group",
            "{}: Cannot perform mandatory colocation with non-colocated group {}",
            ws.resources[dependent].id,
            ws.resources[primary].id
        );
        return;
    }
    for m in ws.resources[primary].children.clone() {
        apply_coloc_score(ws, dependent, m, c, false);
    }
}
