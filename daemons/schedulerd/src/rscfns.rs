//! Per-variant resource queries (`resource_object_functions_t`): whether a
//! resource is active, its role, where it is.

use crate::model::{rflags, NodeId, RscId, Variant, WorkingSet};
use crate::util::Role;

/// `fns->active`: with `all`, whether every part is active, else any.
pub fn active(ws: &WorkingSet, r: RscId, all: bool) -> bool {
    let rsc = &ws.resources[r];
    match rsc.variant {
        Variant::Native => {
            for &n in &rsc.running_on {
                let node = &ws.nodes[n];
                if node.unclean {
                    return true;
                } else if !node.online && rsc.is_set(rflags::MANAGED) {
                    continue;
                } else {
                    return true;
                }
            }
            false
        }
        Variant::Group => {
            let mut c_all = true;
            let mut c_any = false;
            for &c in &rsc.children {
                if active(ws, c, all) {
                    c_any = true;
                } else {
                    c_all = false;
                }
            }
            c_any && !(all && !c_all)
        }
        Variant::Container => {
            // pe__bundle_active: per replica, the first part that decides
            let b = rsc.bundle.as_ref().expect("bundle data");
            for rep in &b.replicas {
                for part in [rep.ip, rep.child, rep.container, rep.remote]
                    .into_iter()
                    .flatten()
                {
                    let a = active(ws, part, all);
                    if a && !all {
                        return true;
                    } else if !a && all {
                        return false;
                    }
                }
            }
            all
        }
        Variant::Clone => {
            for &c in &rsc.children {
                let ca = active(ws, c, all);
                if !all && ca {
                    return true;
                } else if all && !ca {
                    return false;
                }
            }
            all
        }
    }
}

/// `fns->state`: the current (or next) role; the highest of any child.
pub fn state(ws: &WorkingSet, r: RscId, current: bool) -> Role {
    let rsc = &ws.resources[r];
    match rsc.variant {
        // pe__bundle_resource_state
        Variant::Container => Role::Unknown,
        Variant::Native => {
            if current {
                rsc.role
            } else {
                rsc.next_role
            }
        }
        _ => rsc
            .children
            .iter()
            .map(|&c| state(ws, c, current))
            .max()
            .unwrap_or(Role::Unknown),
    }
}

/// `fns->location` (`native_location`): the nodes a resource is on
/// (`current` 1 = running, 2 = running or pending, 0 = assigned), and the
/// single node if there is exactly one.
pub fn location(
    ws: &WorkingSet,
    r: RscId,
    list: Option<&mut Vec<NodeId>>,
    current: u8,
) -> Option<NodeId> {
    let rsc = &ws.resources[r];
    let mut result: Vec<NodeId> = Vec::new();
    if !rsc.children.is_empty() {
        for &c in &rsc.children {
            location(ws, c, Some(&mut result), current);
        }
    } else if current != 0 {
        result.extend(rsc.running_on.iter().copied());
        if current == 2 {
            if let Some(p) = rsc.pending_node {
                if !result
                    .iter()
                    .any(|&n| ws.nodes[n].id.eq_ignore_ascii_case(&ws.nodes[p].id))
                {
                    result.push(p);
                }
            }
        }
    } else if let Some(a) = rsc.allocated_to {
        result.push(a.node);
    }
    let one = if result.len() == 1 {
        Some(result[0])
    } else {
        None
    };
    if let Some(list) = list {
        for n in result {
            if !list
                .iter()
                .any(|&x| ws.nodes[x].id.eq_ignore_ascii_case(&ws.nodes[n].id))
            {
                list.push(n);
            }
        }
    }
    one
}

/// `fns->location(rsc, NULL, FALSE)` returning the assigned node copy (with
/// its score), as the reference's callers that read the copy's weight see.
pub fn assigned_score(ws: &WorkingSet, r: RscId) -> Option<crate::model::NodeScore> {
    let rsc = &ws.resources[r];
    if rsc.children.is_empty() {
        return rsc.allocated_to;
    }
    let mut first: Option<crate::model::NodeScore> = None;
    let mut ids: Vec<NodeId> = Vec::new();
    for &c in &rsc.children {
        let mut l = Vec::new();
        location(ws, c, Some(&mut l), 0);
        for n in l {
            if !ids
                .iter()
                .any(|&x| ws.nodes[x].id.eq_ignore_ascii_case(&ws.nodes[n].id))
            {
                ids.push(n);
                if first.is_none() {
                    first = leaf_assigned(ws, c, n);
                }
            }
        }
    }
    if ids.len() == 1 {
        first
    } else {
        None
    }
}

fn leaf_assigned(ws: &WorkingSet, r: RscId, n: NodeId) -> Option<crate::model::NodeScore> {
    let rsc = &ws.resources[r];
    if rsc.children.is_empty() {
        return rsc.allocated_to.filter(|a| a.node == n);
    }
    rsc.children.iter().find_map(|&c| leaf_assigned(ws, c, n))
}
