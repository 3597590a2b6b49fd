//! Scheduling node fencing and shutdowns (`schedule_fencing_and_shutdowns`,
//! lib/pacemaker/pcmk_sched_allocate.c).

use crate::actions::create::{custom_action, order_actions};
use crate::actions::fencing::{fence_guest, fence_op, order_vs_fence};
use crate::constraints::ordering::new_ordering;
use crate::model::{aflags, oflags, rflags, wsflags, ActionId, NodeId, RscId, WorkingSet};
use crate::unpack::resources::add_hash_param;

fn is_managed(ws: &WorkingSet, r: RscId) -> bool {
    ws.resources[r].is_set(rflags::MANAGED)
        || ws.resources[r].children.iter().any(|&c| is_managed(ws, c))
}

fn any_managed_resources(ws: &WorkingSet) -> bool {
    ws.top.iter().any(|&r| is_managed(ws, r))
}

/// `pcmk__order_stops_before_shutdown`.
fn order_stops_before_shutdown(ws: &mut WorkingSet, n: NodeId, shutdown: ActionId) {
    for a in (0..ws.actions.len()).rev() {
        let act = &ws.actions[a];
        let Some(r) = act.rsc else { continue };
        if act.node != Some(n) || !act.task.eq_ignore_ascii_case("stop") {
            continue;
        }
        if ws.resources[r].is_set(rflags::MAINTENANCE) || ws.nodes[n].maintenance {
            continue;
        }
        if ws.resources[r].flags & (rflags::MANAGED | rflags::BLOCK) == 0 {
            continue;
        }
        ws.actions[a].clear(aflags::OPTIONAL);
        new_ordering(
            ws,
            Some(r),
            None,
            Some(a),
            None,
            Some("do_shutdown".into()),
            Some(shutdown),
            oflags::OPTIONAL | oflags::RUNNABLE_LEFT,
        );
    }
}

/// `pcmk__new_shutdown_action`.
fn new_shutdown_action(ws: &mut WorkingSet, n: NodeId) -> ActionId {
    let key = format!("do_shutdown-{}", ws.nodes[n].uname);
    let a = custom_action(ws, None, key, "do_shutdown", Some(n), false);
    order_stops_before_shutdown(ws, n, a);
    add_hash_param(&mut ws.actions[a].meta, "op_no_wait", "true");
    a
}

fn schedule_fencing(ws: &mut WorkingSet, n: NodeId) -> ActionId {
    let fencing = fence_op(ws, n, None, false, Some("node is unclean"), false);
    crate::config_warn!(
        "schedule_fencing",
        "Scheduling node {} for fencing",
        ws.nodes[n].uname
    );
    order_vs_fence(ws, fencing);
    fencing
}

/// `schedule_fencing_and_shutdowns`.
pub fn schedule_fencing_and_shutdowns(ws: &mut WorkingSet) {
    let mut dc_down: Option<ActionId> = None;
    let have_managed = any_managed_resources(ws);
    let mut fencing_ops: Vec<ActionId> = Vec::new(); // newest first
    let mut shutdown_ops: Vec<ActionId> = Vec::new(); // newest first
    let mut integrity_lost = false;
    for n in ws.node_list.clone() {
        if ws.is_guest(n) {
            if ws.nodes[n].remote_requires_reset && have_managed && ws.can_fence(Some(n)) {
                fence_guest(ws, n);
            }
            continue;
        }
        let mut fencing = None;
        if have_managed && ws.nodes[n].unclean && ws.can_fence(Some(n)) {
            let f = schedule_fencing(ws, n);
            fencing = Some(f);
            if ws.nodes[n].is_dc {
                dc_down = Some(f);
            } else {
                if !ws.is_set(wsflags::CONCURRENT_FENCING) {
                    if let Some(&last) = fencing_ops.first() {
                        order_actions(ws, last, f, oflags::OPTIONAL);
                    }
                }
                fencing_ops.insert(0, f);
            }
        } else if !ws.is_guest_or_remote(n) && ws.nodes[n].online && ws.nodes[n].shutdown {
            let down = new_shutdown_action(ws, n);
            if ws.nodes[n].is_dc {
                dc_down = Some(down);
            } else {
                shutdown_ops.insert(0, down);
            }
        }
        if fencing.is_none() && ws.nodes[n].unclean {
            integrity_lost = true;
            crate::config_warn!(
                "schedule_fencing_and_shutdowns",
                "Node {} is unclean but cannot be fenced",
                ws.nodes[n].uname
            );
        }
    }
    if integrity_lost && !ws.is_set(wsflags::STONITH_ENABLED) {
        crate::config_warn!(
            "schedule_fencing_and_shutdowns",
            "Resource functionality and data integrity cannot be guaranteed (configure, enable, and test fencing to correct this)"
        );
    }
    if let Some(dc) = dc_down {
        if ws.actions[dc].task == "do_shutdown" {
            for &s in &shutdown_ops {
                order_actions(ws, s, dc, oflags::OPTIONAL);
            }
        }
        if ws.is_set(wsflags::CONCURRENT_FENCING) {
            for &f in &fencing_ops {
                order_actions(ws, f, dc, oflags::OPTIONAL);
            }
        } else if let Some(&first) = fencing_ops.first() {
            order_actions(ws, first, dc, oflags::OPTIONAL);
        }
    }
}
