//! Utilization orderings (`pcmk__create_utilization_constraints`,
//! lib/pacemaker/pcmk_sched_utilization.c).

use crate::actions::create::get_pseudo_op;
use crate::constraints::ordering::new_ordering;
use crate::model::{aflags, oflags, NodeId, RscId, WorkingSet};
use crate::util::op_key;

/// `new_load_stopped_op`: the `load_stopped_<node>` pseudo-action.
fn new_load_stopped_op(ws: &mut WorkingSet, n: NodeId) -> crate::model::ActionId {
    let name = format!("load_stopped_{}", ws.nodes[n].uname);
    let a = get_pseudo_op(ws, &name);
    if ws.actions[a].node.is_none() {
        ws.actions[a].node = Some(n);
        ws.actions[a].clear(aflags::OPTIONAL);
    }
    a
}

/// `pcmk__create_utilization_constraints`: stops that free capacity on a
/// node come before starts that use it there.
#[doc(alias = "pcmk__create_utilization_constraints")]
pub fn create_utilization_constraints(ws: &mut WorkingSet, rsc: RscId, allowed: &[NodeId]) {
    let id = ws.resources[rsc].id.clone();
    for n in ws.resources[rsc].running_on.clone() {
        let ls = new_load_stopped_op(ws, n);
        let uuid = ws.actions[ls].uuid.clone();
        new_ordering(
            ws,
            Some(rsc),
            Some(op_key(&id, "stop", 0)),
            None,
            None,
            Some(uuid),
            Some(ls),
            oflags::LOAD,
        );
    }
    for &n in allowed {
        let ls = new_load_stopped_op(ws, n);
        let uuid = ws.actions[ls].uuid.clone();
        new_ordering(
            ws,
            None,
            Some(uuid.clone()),
            Some(ls),
            Some(rsc),
            Some(op_key(&id, "start", 0)),
            None,
            oflags::LOAD,
        );
        new_ordering(
            ws,
            None,
            Some(uuid),
            Some(ls),
            Some(rsc),
            Some(op_key(&id, "migrate_to", 0)),
            None,
            oflags::LOAD,
        );
    }
}
