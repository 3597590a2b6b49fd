//! Assigning resources to nodes.

use crate::model::{rflags, NodeId, RscId, WorkingSet};

/// `pe__find_active_on`: the node a resource is "really" active on, and
/// how many nodes (all / clean) it is active on.
#[doc(alias = "pe__find_active_on")]
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
