//! Bundle placement (lib/pacemaker/pcmk_sched_bundle.c, assignment and
//! colocation parts).

use super::clone::{cmp_instance, distribute_children, is_set_recursive};
use crate::model::{rflags, ColocId, NodeId, Replica, RscId, Variant, WorkingSet};
use crate::util::{Role, INFINITY};

/// The replicas of a bundle (empty for other resources).
pub fn replicas(ws: &WorkingSet, r: RscId) -> Vec<Replica> {
    ws.resources[r]
        .bundle
        .as_ref()
        .map(|b| b.replicas.clone())
        .unwrap_or_default()
}

/// `get_container_list`.
pub fn container_list(ws: &WorkingSet, r: RscId) -> Vec<RscId> {
    replicas(ws, r)
        .iter()
        .filter_map(|rep| rep.container)
        .collect()
}

/// `get_containers_or_children`.
pub fn containers_or_children(ws: &WorkingSet, r: RscId) -> Vec<RscId> {
    if ws.resources[r].variant == Variant::Container {
        container_list(ws, r)
    } else {
        ws.resources[r].children.clone()
    }
}

/// `is_bundle_node`.
fn is_bundle_node(ws: &WorkingSet, r: RscId, n: NodeId) -> bool {
    replicas(ws, r)
        .iter()
        .any(|rep| rep.node.is_some_and(|x| x.node == n))
}

/// `replica_for_container`.
pub fn replica_for_container(
    ws: &WorkingSet,
    r: RscId,
    container: RscId,
    node: Option<NodeId>,
) -> Option<Replica> {
    if ws.resources[r].variant != Variant::Container {
        return None;
    }
    replicas(ws, r).into_iter().find(|rep| {
        rep.child.is_some()
            && rep.container == Some(container)
            && node.is_some()
            && rep.node.map(|x| x.node) == node
    })
}

/// `pcmk__bundle_allocate`.
#[doc(alias = "pcmk__bundle_allocate")]
pub fn assign(ws: &mut WorkingSet, r: RscId, prefer: Option<NodeId>) -> Option<NodeId> {
    let data = ws.resources[r].bundle.clone()?;
    ws.resources[r].set(rflags::ALLOCATING);
    super::show_node_weights(ws, r, "pcmk__bundle_allocate");
    let nodes: Vec<NodeId> = super::sorted_nodes(ws, &ws.resources[r].allowed_nodes, None)
        .iter()
        .map(|n| n.node)
        .collect();
    let mut containers = container_list(ws, r);
    crate::glib::list_sort(&mut containers, &mut |&a, &b| cmp_instance(ws, a, b));
    distribute_children(
        ws,
        r,
        &containers,
        &nodes,
        data.nreplicas,
        data.nreplicas_per_host,
    );
    for rep in &data.replicas {
        if let Some(ip) = rep.ip {
            super::assign(ws, ip, prefer);
        }
        let container = rep.container.expect("replica container");
        let host = ws.resources[container].allocated_to.map(|n| n.node);
        if let (Some(remote), Some(h)) = (rep.remote, host) {
            if ws.is_guest_or_remote(h) {
                let hr = ws.nodes[h].remote_rsc;
                crate::constraints::colocation::new_colocation(
                    ws,
                    "child-remote-with-docker-remote",
                    None,
                    INFINITY,
                    Some(remote),
                    hr,
                    None,
                    None,
                    true,
                );
            }
        }
        if let Some(remote) = rep.remote {
            super::assign(ws, remote, prefer);
        }
        if let Some(child) = rep.child {
            let rnode = rep.node.map(|x| x.node);
            let entries: Vec<NodeId> = ws.resources[child]
                .allowed_nodes
                .iter()
                .map(|e| e.node)
                .collect();
            for n in entries {
                if Some(n) != rnode {
                    if let Some(e) = ws.resources[child].allowed_nodes.get_mut(n) {
                        e.weight = -INFINITY;
                    }
                } else if super::threshold_reached(ws, child, n).is_none() {
                    if let Some(e) = ws.resources[child].allowed_nodes.get_mut(n) {
                        e.weight = INFINITY;
                    }
                }
            }
            let cp = ws.resources[child].parent.expect("instance parent");
            ws.resources[cp].set(rflags::ALLOCATING);
            super::assign(ws, child, rnode);
            ws.resources[cp].clear(rflags::ALLOCATING);
        }
    }
    if let Some(child) = data.child {
        let entries: Vec<NodeId> = ws.resources[child]
            .allowed_nodes
            .iter()
            .map(|e| e.node)
            .collect();
        for n in entries {
            let w = if is_bundle_node(ws, r, n) {
                0
            } else {
                -INFINITY
            };
            if let Some(e) = ws.resources[child].allowed_nodes.get_mut(n) {
                e.weight = w;
            }
        }
        super::assign(ws, child, prefer);
    }
    ws.resources[r].clear(rflags::ALLOCATING | rflags::PROVISIONAL);
    None
}

/// `compatible_replica_for_node`.
fn compatible_replica_for_node(
    ws: &WorkingSet,
    candidate: NodeId,
    rsc: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    replicas(ws, rsc)
        .iter()
        .filter_map(|rep| rep.container)
        .find(|&c| super::clone::is_child_compatible(ws, c, candidate, filter, current))
}

/// `compatible_replica`.
fn compatible_replica(
    ws: &WorkingSet,
    dependent: RscId,
    rsc: RscId,
    filter: Role,
    current: bool,
) -> Option<RscId> {
    if let Some(n) = crate::rscfns::location(ws, dependent, None, current as u8) {
        return compatible_replica_for_node(ws, n, rsc, filter, current);
    }
    let nodes = super::sorted_nodes(ws, &ws.resources[dependent].allowed_nodes, None);
    nodes
        .iter()
        .find_map(|n| compatible_replica_for_node(ws, n.node, rsc, filter, current))
}

/// `pcmk__bundle_apply_coloc_score` (primary side).
#[doc(alias = "pcmk__bundle_apply_coloc_score")]
pub fn apply_coloc_score(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    if ws.resources[primary].is_set(rflags::PROVISIONAL) {
        return;
    }
    let col = ws.colocations[c].clone();
    if ws.resources[col.dependent].variant > Variant::Group {
        match compatible_replica(ws, dependent, primary, Role::Unknown, false) {
            Some(pr) => crate::assign::primitive::apply_coloc_score(ws, dependent, pr, c, true),
            None if col.score >= INFINITY => {
                super::assign_resource(ws, dependent, None, true);
            }
            None => {}
        }
        return;
    }
    let mut allocated: Vec<(NodeId, i32)> = Vec::new();
    for rep in replicas(ws, primary) {
        let Some(container) = rep.container else {
            continue;
        };
        if col.score < INFINITY {
            crate::assign::primitive::apply_coloc_score(ws, dependent, container, c, false);
        } else {
            let Some(chosen) = crate::rscfns::assigned_score(ws, container) else {
                continue;
            };
            if is_set_recursive(ws, container, rflags::BLOCK, true) {
                continue;
            }
            if col.primary_role >= Role::Promoted {
                match rep.child {
                    None => continue,
                    Some(ch) if ws.resources[ch].next_role < Role::Promoted => continue,
                    _ => {}
                }
            }
            allocated.insert(0, (chosen.node, chosen.weight));
        }
    }
    if col.score >= INFINITY {
        // node_list_exclude without merging scores
        let table = &mut ws.resources[dependent].allowed_nodes;
        for e in table.iter_mut() {
            if !allocated.iter().any(|(n, _)| *n == e.node) {
                e.weight = -INFINITY;
            }
        }
        for &(n, _) in &allocated {
            if !ws.resources[dependent].allowed_nodes.contains(n) {
                let mut ns = ws.nodes[n].score(n);
                ns.weight = -INFINITY;
                ws.resources[dependent].allowed_nodes.insert(ns);
            }
        }
    }
}
