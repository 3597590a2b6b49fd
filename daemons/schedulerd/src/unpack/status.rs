//! The status section: node states, tickets and resource histories
//! (lib/pengine/unpack.c, `unpack_status` and below).

use crate::actions::create::rsc_action;
use crate::glib;
use crate::model::{
    rflags, wsflags, NodeId, OnFail, QuorumPolicy, Recovery, RscId, Ticket, Variant, WorkingSet,
};
use crate::unpack::history::{sort_op_by_callid, unpack_rsc_op};
use crate::unpack::nodes::{
    add_node_attrs, determine_online_status, determine_remote_online_status, fence_node,
    shutdown_requested,
};
use crate::unpack::resources::{
    clone_strip, clone_zero, create_clone_child, find, index_resource, resource_location,
    unpack_resource,
};
use crate::util::{self, is_true, Role, INFINITY};
use crate::xml::XmlId;

/// `unpack_ticket_state`.
fn unpack_ticket_state(ws: &mut WorkingSet, xml_ticket: XmlId) {
    let Some(id) = ws
        .doc
        .id(xml_ticket)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
    else {
        return;
    };
    if !ws.tickets.contains_key(&id) {
        ws.tickets.insert(
            id.clone(),
            Ticket {
                id: id.clone(),
                last_granted: -1,
                ..Default::default()
            },
        );
        ws.ticket_order.push(id.clone());
    }
    let attrs: Vec<(String, String)> = ws.doc.attrs(xml_ticket).to_vec();
    let Some(t) = ws.tickets.get_mut(&id) else {
        return;
    };
    for (k, v) in attrs {
        if k == "id" {
            continue;
        }
        t.state.insert(k, v);
    }
    t.granted = is_true(t.state.get("granted").map(String::as_str));
    if let Some(lg) = t.state.get("last-granted") {
        t.last_granted = util::scan_ll(lg).unwrap_or(0);
    }
    t.standby = is_true(t.state.get("standby").map(String::as_str));
}

/// `unpack_handle_remote_attrs`.
fn unpack_handle_remote_attrs(ws: &mut WorkingSet, n: NodeId, state: XmlId) {
    if ws.doc.name(state) != "node_state" || !ws.is_guest_or_remote(n) {
        return;
    }
    ws.nodes[n].remote_maintenance =
        util::scan_min_int(ws.doc.attr(state, "node_in_maintenance"), 0) != 0;
    let rsc = ws.nodes[n].remote_rsc;
    if !ws.nodes[n].remote_requires_reset {
        ws.nodes[n].unclean = false;
        ws.nodes[n].unseen = false;
    }
    let attrs = ws.doc.first_child(state, "transient_attributes");
    add_node_attrs(ws, attrs, n, true);
    if shutdown_requested(ws, n) {
        ws.nodes[n].shutdown = true;
    }
    if is_true(ws.node_attr(n, "standby")) {
        ws.nodes[n].standby = true;
    }
    if is_true(ws.node_attr(n, "maintenance"))
        || rsc.is_some_and(|r| !ws.resources[r].is_set(rflags::MANAGED))
    {
        ws.nodes[n].maintenance = true;
    }
    let discovery = ws
        .node_attr(n, "resource-discovery-enabled")
        .map(str::to_owned);
    if let Some(d) = discovery {
        if !is_true(Some(&d)) && !(ws.is_remote(n) && !ws.is_set(wsflags::STONITH_ENABLED)) {
            ws.nodes[n].rsc_discovery_enabled = false;
        }
    }
}

/// `unpack_transient_attributes`.
fn unpack_transient_attributes(ws: &mut WorkingSet, state: XmlId, n: NodeId) {
    let attrs = ws.doc.first_child(state, "transient_attributes");
    add_node_attrs(ws, attrs, n, true);
    if is_true(ws.node_attr(n, "standby")) {
        ws.nodes[n].standby = true;
    }
    if is_true(ws.node_attr(n, "maintenance")) {
        ws.nodes[n].maintenance = true;
    }
}

/// `unpack_node_state`.
fn unpack_node_state(ws: &mut WorkingSet, state: XmlId) {
    let Some(id) = ws.doc.id(state).map(str::to_owned) else {
        crate::log_warn!(
            "unpack_node_state",
            "Ignoring malformed node_state entry without id"
        );
        return;
    };
    let Some(uname) = ws.doc.attr(state, "uname").map(str::to_owned) else {
        crate::log_warn!(
            "unpack_node_state",
            "Ignoring malformed node_state entry without uname"
        );
        return;
    };
    let Some(n) = ws.find_node_any(Some(&id), &uname) else {
        crate::config_warn!(
            "unpack_node_state",
            "Ignoring recorded node state for '{uname}' because it is no longer in the configuration"
        );
        return;
    };
    if ws.is_guest_or_remote(n) {
        ws.nodes[n].remote_was_fenced =
            util::scan_min_int(ws.doc.attr(state, "node_fenced"), 0) != 0;
        return;
    }
    unpack_transient_attributes(ws, state, n);
    ws.nodes[n].unclean = false;
    ws.nodes[n].unseen = false;
    determine_online_status(ws, state, n);
    if !ws.is_set(wsflags::HAVE_QUORUM)
        && ws.nodes[n].online
        && ws.no_quorum_policy == QuorumPolicy::Suicide
    {
        fence_node(ws, n, "cluster does not have quorum", false);
    }
}

/// `unpack_node_history`: histories of nodes whose state is known.
fn unpack_node_history(ws: &mut WorkingSet, status: XmlId, fence: bool) -> bool {
    let mut again = false;
    let states: Vec<XmlId> = ws.doc.children_named(status, "node_state").collect();
    for state in states {
        let (Some(id), Some(uname)) = (
            ws.doc.id(state).map(str::to_owned),
            ws.doc.attr(state, "uname").map(str::to_owned),
        ) else {
            continue;
        };
        let Some(n) = ws.find_node_any(Some(&id), &uname) else {
            continue;
        };
        if ws.nodes[n].unpacked {
            continue;
        }
        if fence {
        } else if ws.is_guest(n) {
            let rsc = ws.nodes[n].remote_rsc;
            match rsc {
                None => continue,
                Some(r) => {
                    let c = ws.resources[r].container;
                    if ws.resources[r].role != Role::Started
                        || c.map_or(true, |c| ws.resources[c].role != Role::Started)
                    {
                        continue;
                    }
                }
            }
        } else if ws.is_remote(n) {
            let rsc = ws.nodes[n].remote_rsc;
            match rsc {
                None => continue,
                Some(r) => {
                    if !ws.is_set(wsflags::SHUTDOWN_LOCK) && ws.resources[r].role != Role::Started {
                        continue;
                    }
                }
            }
        } else if !ws.is_set(wsflags::STONITH_ENABLED)
            && !ws.is_set(wsflags::SHUTDOWN_LOCK)
            && !ws.nodes[n].online
        {
            continue;
        }
        if ws.is_guest_or_remote(n) {
            determine_remote_online_status(ws, n);
            unpack_handle_remote_attrs(ws, n, state);
        }
        ws.nodes[n].unpacked = true;
        unpack_node_lrm(ws, n, state);
        again = true;
    }
    again
}

/// `unpack_status`.
pub fn unpack_status(ws: &mut WorkingSet, status: Option<XmlId>) {
    let Some(status) = status else {
        return;
    };
    let kids: Vec<XmlId> = ws.doc.children(status).to_vec();
    for state in kids {
        match ws.doc.name(state) {
            "tickets" => {
                let ts: Vec<XmlId> = ws.doc.children_named(state, "ticket_state").collect();
                for t in ts {
                    unpack_ticket_state(ws, t);
                }
            }
            "node_state" => unpack_node_state(ws, state),
            _ => {}
        }
    }
    while unpack_node_history(ws, status, false) {}
    let fence = ws.is_set(wsflags::STONITH_ENABLED);
    unpack_node_history(ws, status, fence);
    let stop_needed = std::mem::take(&mut ws.stop_needed);
    for c in stop_needed {
        if let Some(n) = ws.current_node(c) {
            rsc_action(ws, c, "stop", Some(n), false);
        }
    }
    for i in 0..ws.node_list.len() {
        let n = ws.node_list[i];
        if !ws.is_guest_or_remote(n) {
            continue;
        }
        if ws.nodes[n].shutdown {
            if let Some(r) = ws.nodes[n].remote_rsc {
                ws.resources[r].next_role = Role::Stopped;
            }
        }
        if !ws.nodes[n].unpacked {
            determine_remote_online_status(ws, n);
        }
    }
}

/// `unpack_node_lrm`.
fn unpack_node_lrm(ws: &mut WorkingSet, n: NodeId, state: XmlId) {
    let Some(lrm) = ws.doc.first_child(state, "lrm") else {
        return;
    };
    let Some(rscs) = ws.doc.first_child(lrm, "lrm_resources") else {
        return;
    };
    let entries: Vec<XmlId> = ws.doc.children_named(rscs, "lrm_resource").collect();
    let mut found_filler = false;
    for e in entries {
        if let Some(r) = unpack_lrm_resource(ws, n, e) {
            if ws.resources[r].is_set(rflags::ORPHAN_CONTAINER_FILLER) {
                found_filler = true;
            }
        }
    }
    if found_filler {
        handle_orphaned_container_fillers(ws, rscs);
    }
}

fn handle_orphaned_container_fillers(ws: &mut WorkingSet, list: XmlId) {
    let entries: Vec<XmlId> = ws.doc.children(list).to_vec();
    for e in entries {
        if !ws.doc.name(e).eq_ignore_ascii_case("lrm_resource") {
            continue;
        }
        let (Some(cid), Some(rid)) = (
            ws.doc.attr(e, "container").map(str::to_owned),
            ws.doc.id(e).map(str::to_owned),
        ) else {
            continue;
        };
        let Some(container) = ws.find_resource(&cid) else {
            continue;
        };
        let Some(r) = ws.find_resource(&rid) else {
            continue;
        };
        if !ws.resources[r].is_set(rflags::ORPHAN_CONTAINER_FILLER)
            || ws.resources[r].container.is_some()
        {
            continue;
        }
        ws.resources[r].container = Some(container);
        ws.resources[container].fillers.push(r);
    }
}

/// `set_active`.
pub fn set_active(ws: &mut WorkingSet, r: RscId) {
    let top = ws.uber_parent(r);
    ws.resources[r].role = if ws.resources[top].is_set(rflags::PROMOTABLE) {
        Role::Unpromoted
    } else {
        Role::Started
    };
}

/// `find_anonymous_clone`.
fn find_anonymous_clone(ws: &mut WorkingSet, n: NodeId, parent: RscId, rsc_id: &str) -> RscId {
    let mut rsc = None;
    let mut inactive_instance = None;
    let mut skip_inactive = false;
    for child in ws.resources[parent].children.clone() {
        if rsc.is_some() {
            break;
        }
        let mut locations = Vec::new();
        crate::rscfns::location(ws, child, Some(&mut locations), 2);
        if !locations.is_empty() {
            if locations[0] == n {
                let found = ws.find_rsc_in(child, rsc_id, None, find::CLONE);
                if let Some(f) = found {
                    if !ws.resources[f].running_on.is_empty() {
                        skip_inactive = true;
                    } else {
                        rsc = Some(f);
                    }
                }
            }
        } else if !skip_inactive
            && inactive_instance.is_none()
            && !ws.resources[child].is_set(rflags::BLOCK)
        {
            inactive_instance = ws.find_rsc_in(child, rsc_id, None, find::CLONE);
            if let Some(ii) = inactive_instance {
                if let Some(pn) = ws.resources[ii].pending_node {
                    if pn != n {
                        inactive_instance = None;
                    }
                }
            }
        }
    }
    if rsc.is_none() && !skip_inactive {
        rsc = inactive_instance;
    }
    if let Some(r) = rsc {
        if !ws.resources[r].is_set(rflags::NEEDS_FENCING)
            && (!ws.nodes[n].online || ws.nodes[n].unclean)
            && !ws.is_guest(n)
            && !is_universal_clone(ws, parent)
        {
            rsc = None;
        }
    }
    match rsc {
        Some(r) => r,
        None => {
            // create_anonymous_orphan
            let top = create_clone_child(ws, parent);
            match top {
                Some(t) => {
                    index_resource(ws, t);
                    ws.find_rsc_in(t, rsc_id, None, find::CLONE).unwrap_or(t)
                }
                None => parent,
            }
        }
    }
}

/// `pe__is_universal_clone`.
pub fn is_universal_clone(ws: &WorkingSet, r: RscId) -> bool {
    ws.is_clone(r) && ws.resources[r].clone.clone_max == ws.node_list.len() as i32
}

/// `unpack_find_resource`.
fn unpack_find_resource(ws: &mut WorkingSet, n: NodeId, rsc_id: &str) -> Option<RscId> {
    let mut rsc = ws.find_resource(rsc_id);
    let parent;
    match rsc {
        None => {
            let zero = clone_zero(rsc_id);
            let clone0 = ws.find_resource(&zero);
            match clone0 {
                Some(c0) if !ws.resources[c0].is_set(rflags::UNIQUE) => {
                    rsc = Some(c0);
                    parent = Some(ws.uber_parent(c0));
                }
                _ => parent = None,
            }
        }
        Some(r) if ws.resources[r].variant > Variant::Native => return None,
        Some(r) => parent = Some(ws.uber_parent(r)),
    }
    if let Some(p) = parent {
        if ws.is_anon_clone(p) {
            if ws.is_bundled(p) {
                // pe__find_bundle_replica
                let bundle = ws.resources[p].parent.expect("bundled clone");
                rsc = crate::assign::bundle::replicas(ws, bundle)
                    .iter()
                    .find(|rep| rep.node.is_some_and(|x| x.node == n))
                    .and_then(|rep| rep.child);
            } else {
                let base = clone_strip(rsc_id);
                rsc = Some(find_anonymous_clone(ws, n, p, &base));
            }
        }
    }
    if let Some(r) = rsc {
        let res = &ws.resources[r];
        if !rsc_id.eq_ignore_ascii_case(&res.id)
            && !res
                .clone_name
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(rsc_id))
        {
            ws.set_clone_name(r, Some(rsc_id.to_owned()));
        }
    }
    rsc
}

/// `create_fake_resource` / `process_orphan_resource`.
fn process_orphan_resource(ws: &mut WorkingSet, entry: XmlId) -> Option<RscId> {
    let rsc_id = ws.doc.id(entry)?.to_owned();
    let xml = ws.doc.create("primitive", None);
    let attrs: Vec<(String, String)> = ws.doc.attrs(entry).to_vec();
    for (k, v) in attrs {
        ws.doc.set_attr(xml, &k, &v);
    }
    ws.doc.set_attr(xml, "id", &rsc_id);
    let r = unpack_resource(ws, xml, None).ok()?;
    if crate::unpack::nodes::xml_contains_remote_node(ws, xml) {
        let node = match ws.find_node(&rsc_id) {
            Some(n) => n,
            None => crate::unpack::nodes::create_node(ws, &rsc_id, &rsc_id, Some("remote"), None),
        };
        crate::unpack::resources::link_rsc2remotenode(ws, r);
        ws.nodes[node].shutdown = true;
    }
    if ws.doc.attr(entry, "container").is_some() {
        ws.resources[r].set(rflags::ORPHAN_CONTAINER_FILLER);
    }
    ws.resources[r].set(rflags::ORPHAN);
    ws.top.push(r);
    index_resource(ws, r);
    if !ws.is_set(wsflags::STOP_RSC_ORPHANS) {
        ws.resources[r].clear(rflags::MANAGED);
    } else {
        resource_location(ws, r, None, -INFINITY, "__orphan_do_not_run__");
    }
    Some(r)
}

/// `native_priority_to_node`.
fn priority_to_node(ws: &mut WorkingSet, r: RscId, n: NodeId, failed: bool) {
    let rsc = &ws.resources[r];
    if rsc.priority == 0 || failed {
        return;
    }
    let priority = if rsc.role == Role::Promoted {
        rsc.priority + 1
    } else {
        rsc.priority
    };
    ws.nodes[n].priority += priority;
    if let Some(rr) = ws.nodes[n].remote_rsc {
        if let Some(c) = ws.resources[rr].container {
            for hn in ws.resources[c].running_on.clone() {
                ws.nodes[hn].priority += priority;
            }
        }
    }
}

/// `native_add_running`.
#[doc(alias = "native_add_running")]
pub fn add_running(ws: &mut WorkingSet, r: RscId, n: NodeId, failed: bool) {
    let nid = ws.nodes[n].id.clone();
    if ws.resources[r]
        .running_on
        .iter()
        .any(|&x| ws.nodes[x].id.eq_ignore_ascii_case(&nid))
    {
        return;
    }
    ws.resources[r].running_on.push(n);
    if ws.resources[r].variant == Variant::Native {
        ws.nodes[n].running_rsc.push(r);
        priority_to_node(ws, r, n, failed);
        if ws.nodes[n].maintenance {
            ws.resources[r].clear(rflags::MANAGED);
        }
    }
    if !ws.resources[r].is_set(rflags::MANAGED) {
        resource_location(ws, r, Some(n), INFINITY, "not_managed_default");
        let mut p = ws.resources[r].parent;
        while let Some(pp) = p {
            if !ws.nodes[n].online {
                break;
            }
            ws.resources[pp].running_on.push(n);
            p = ws.resources[pp].parent;
        }
        return;
    }
    let multiply_active = ws.resources[r].variant == Variant::Native && {
        let (_, count) = crate::assign::find_active_requires(ws, r);
        count > 1
    };
    if multiply_active {
        match ws.resources[r].recovery_type {
            Recovery::StopOnly => {
                let mut table = crate::model::NodeTable::new();
                for &m in &ws.node_list {
                    let mut s = ws.nodes[m].score(m);
                    s.weight = -INFINITY;
                    table.insert(s);
                }
                ws.resources[r].allowed_nodes = table;
            }
            Recovery::Block => {
                ws.resources[r].clear(rflags::MANAGED);
                ws.resources[r].set(rflags::BLOCK);
                if let Some(p) = ws.resources[r].parent {
                    if matches!(ws.resources[p].variant, Variant::Group | Variant::Container)
                        && ws.resources[p].recovery_type == Recovery::Block
                    {
                        for c in ws.resources[p].children.clone() {
                            ws.resources[c].clear(rflags::MANAGED);
                            ws.resources[c].set(rflags::BLOCK);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(p) = ws.resources[r].parent {
        add_running(ws, p, n, false);
    }
}

/// `process_rsc_state`.
fn process_rsc_state(ws: &mut WorkingSet, r: RscId, n: NodeId, on_fail: OnFail) {
    let mut on_fail = on_fail;
    if ws.resources[r].role != Role::Unknown {
        let mut iter = Some(r);
        while let Some(i) = iter {
            if !ws.resources[i].known_on.contains(n) {
                let s = ws.nodes[n].score(n);
                ws.resources[i].known_on.insert(s);
            }
            if ws.resources[i].is_set(rflags::UNIQUE) {
                break;
            }
            iter = ws.resources[i].parent;
        }
    }
    if ws.resources[r].role > Role::Stopped
        && !ws.nodes[n].online
        && !ws.nodes[n].maintenance
        && ws.resources[r].is_set(rflags::MANAGED)
    {
        let mut should_fence = false;
        let mut reason = None;
        if ws.is_guest(n) {
            ws.resources[r].set(rflags::FAILED | rflags::STOP);
            should_fence = true;
        } else if ws.is_set(wsflags::STONITH_ENABLED) {
            if ws.is_remote(n) {
                if let Some(rr) = ws.nodes[n].remote_rsc {
                    if !ws.resources[rr].is_set(rflags::FAILED) {
                        ws.nodes[n].unseen = true;
                        reason = Some(format!(
                            "{} is active there (fencing will be revoked if remote connection can be re-established elsewhere)",
                            ws.resources[r].id
                        ));
                    }
                }
            }
            should_fence = true;
        }
        if should_fence {
            let reason = reason
                .unwrap_or_else(|| format!("{} is thought to be active there", ws.resources[r].id));
            fence_node(ws, n, &reason, false);
        }
    }
    let save_on_fail = on_fail;
    if ws.nodes[n].unclean {
        on_fail = OnFail::Ignore;
    }
    match on_fail {
        OnFail::Ignore => {}
        OnFail::Demote => {
            ws.resources[r].set(rflags::FAILED);
            rsc_action(ws, r, "demote", Some(n), false);
        }
        OnFail::Fence => {
            let reason = format!("{} failed there", ws.resources[r].id);
            fence_node(ws, n, &reason, false);
        }
        OnFail::Standby => {
            ws.nodes[n].standby = true;
            ws.nodes[n].standby_onfail = true;
        }
        OnFail::Block => {
            ws.resources[r].clear(rflags::MANAGED);
            ws.resources[r].set(rflags::BLOCK);
        }
        OnFail::Migrate => {
            resource_location(ws, r, Some(n), -INFINITY, "__action_migration_auto__");
        }
        OnFail::Stop => {
            ws.resources[r].next_role = Role::Stopped;
        }
        OnFail::Recover => {
            if ws.resources[r].role != Role::Stopped && ws.resources[r].role != Role::Unknown {
                ws.resources[r].set(rflags::FAILED | rflags::STOP);
                rsc_action(ws, r, "stop", Some(n), false);
            }
        }
        OnFail::RestartContainer => {
            ws.resources[r].set(rflags::FAILED | rflags::STOP);
            let container = ws.resources[r].container;
            if let Some(c) = container {
                if ws.is_bundled(r) {
                    ws.stop_needed.insert(0, c);
                } else {
                    rsc_action(ws, c, "stop", Some(n), false);
                }
            } else if ws.resources[r].role != Role::Stopped && ws.resources[r].role != Role::Unknown
            {
                rsc_action(ws, r, "stop", Some(n), false);
            }
        }
        OnFail::ResetRemote => {
            ws.resources[r].set(rflags::FAILED | rflags::STOP);
            if ws.is_set(wsflags::STONITH_ENABLED) {
                let mut tmp = None;
                if ws.resources[r].is_remote_node {
                    tmp = ws.find_node(&ws.resources[r].id.clone());
                }
                if let Some(t) = tmp {
                    if ws.is_remote(t) && !ws.nodes[t].remote_was_fenced {
                        fence_node(ws, t, "remote connection is unrecoverable", false);
                    }
                }
            }
            if ws.resources[r].role > Role::Stopped {
                rsc_action(ws, r, "stop", Some(n), false);
            }
            if ws.resources[r].remote_reconnect_ms != 0 {
                ws.resources[r].next_role = Role::Stopped;
            }
        }
    }
    if ws.resources[r].is_set(rflags::FAILED) && ws.resources[r].is_remote_node {
        if let Some(t) = ws.find_node(&ws.resources[r].id.clone()) {
            if ws.nodes[t].unclean {
                ws.nodes[t].unseen = false;
            }
        }
    }
    let role = ws.resources[r].role;
    if role != Role::Stopped && role != Role::Unknown {
        if ws.resources[r].is_set(rflags::ORPHAN) {
            if ws.resources[r].is_set(rflags::MANAGED) {
                crate::config_warn!(
                    "process_rsc_state",
                    "Detected active orphan {} running on {}",
                    ws.resources[r].id,
                    ws.nodes[n].uname
                );
            } else {
                crate::config_warn!(
                    "process_rsc_state",
                    "Resource '{}' must be stopped manually on {} because cluster is configured not to stop active orphans",
                    ws.resources[r].id,
                    ws.nodes[n].uname
                );
            }
        }
        add_running(ws, r, n, save_on_fail != OnFail::Ignore);
        match on_fail {
            OnFail::Ignore => {}
            OnFail::Demote | OnFail::Block => ws.resources[r].set(rflags::FAILED),
            _ => ws.resources[r].set(rflags::FAILED | rflags::STOP),
        }
    } else if ws.resources[r]
        .clone_name
        .as_deref()
        .is_some_and(|c| c.contains(':'))
    {
        ws.set_clone_name(r, None);
    } else {
        let stops = ws.resource_actions(r, Some(n), "stop", false);
        for s in stops {
            ws.actions[s].set(crate::model::aflags::OPTIONAL);
        }
    }
    let rsc = &ws.resources[r];
    if rsc.role == Role::Stopped
        && rsc.partial_migration_source == Some(n)
        && rsc.partial_migration_target.is_some()
        && !rsc.running_on.is_empty()
    {
        ws.resources[r].role = Role::Started;
    }
}

/// `calculate_active_ops`: (start index, stop index) in a sorted history.
pub fn calculate_active_ops(ws: &WorkingSet, ops: &[XmlId]) -> (i32, i32) {
    let d = &ws.doc;
    let mut implied_monitor_start = -1;
    let mut implied_clone_start = -1;
    let mut stop_index = -1;
    let mut start_index = -1;
    for (counter, &op) in ops.iter().enumerate() {
        let counter = counter as i32;
        let task = d.attr(op, "operation");
        let status = d.attr(op, "op-status");
        if util::eq_casei(task, "stop") && util::eq_casei(status, "0") {
            stop_index = counter;
        } else if util::eq_casei(task, "start") || util::eq_casei(task, "migrate_from") {
            start_index = counter;
        } else if implied_monitor_start <= stop_index && util::eq_casei(task, "monitor") {
            let rc = d.attr(op, "rc-code");
            if util::eq_casei(rc, "0") || util::eq_casei(rc, "8") {
                implied_monitor_start = counter;
            }
        } else if util::eq_casei(task, "promote") || util::eq_casei(task, "demote") {
            implied_clone_start = counter;
        }
    }
    if start_index == -1 {
        if implied_clone_start != -1 {
            start_index = implied_clone_start;
        } else if implied_monitor_start != -1 {
            start_index = implied_monitor_start;
        }
    }
    (start_index, stop_index)
}

/// `process_recurring`.
fn process_recurring(
    ws: &mut WorkingSet,
    n: NodeId,
    r: RscId,
    start: i32,
    stop: i32,
    ops: &[XmlId],
) {
    for (counter, &op) in ops.iter().enumerate() {
        let counter = counter as i32;
        if !ws.nodes[n].online {
            break;
        } else if start < stop && counter <= stop {
            continue;
        } else if counter < start {
            continue;
        }
        let interval = util::value_ms(ws.doc.attr(op, "interval"));
        if interval == 0 {
            continue;
        }
        if util::eq_casei(ws.doc.attr(op, "op-status"), "-1") {
            continue;
        }
        let task = ws.doc.attr(op, "operation").unwrap_or("").to_owned();
        let key = util::op_key(&ws.resources[r].id, &task, interval);
        crate::actions::create::custom_action(ws, Some(r), key, &task, Some(n), true);
    }
}

/// `unpack_shutdown_lock`.
fn unpack_shutdown_lock(ws: &mut WorkingSet, entry: XmlId, r: RscId, n: NodeId) {
    let lock_time = util::value_ll(ws.doc.attr(entry, "shutdown-lock")).unwrap_or(0);
    if lock_time != 0 {
        if ws.shutdown_lock > 0 && ws.effective_time() > lock_time + ws.shutdown_lock as i64 {
            crate::actions::create::clear_resource_history(ws, r, n);
        } else {
            ws.resources[r].lock_node = Some(n);
            ws.resources[r].lock_time = lock_time;
        }
    }
}

/// `unpack_lrm_resource`.
fn unpack_lrm_resource(ws: &mut WorkingSet, n: NodeId, entry: XmlId) -> Option<RscId> {
    let Some(rsc_id) = ws.doc.id(entry).map(str::to_owned) else {
        crate::log_warn!(
            "unpack_lrm_resource",
            "Ignoring malformed lrm_resource entry without id"
        );
        return None;
    };
    let mut ops: Vec<XmlId> = ws.doc.children_named(entry, "lrm_rsc_op").collect();
    ops.reverse();
    if !ws.is_set(wsflags::SHUTDOWN_LOCK) && ops.is_empty() {
        return None;
    }
    let r = match unpack_find_resource(ws, n, &rsc_id) {
        Some(r) => r,
        None => {
            if ops.is_empty() {
                return None;
            }
            process_orphan_resource(ws, entry)?
        }
    };
    if ws.is_set(wsflags::SHUTDOWN_LOCK) {
        unpack_shutdown_lock(ws, entry, r, n);
    }
    let saved_role = ws.resources[r].role;
    ws.resources[r].role = Role::Unknown;
    glib::list_sort(&mut ops, &mut |&a, &b| sort_op_by_callid(ws, a, b));
    let mut last_failure = None;
    let mut on_fail = OnFail::Ignore;
    for &op in &ops {
        unpack_rsc_op(ws, r, n, op, &mut last_failure, &mut on_fail);
    }
    let (start, stop) = calculate_active_ops(ws, &ops);
    process_recurring(ws, n, r, start, stop, &ops);
    process_rsc_state(ws, r, n, on_fail);
    if let Some(req) = crate::unpack::resources::get_target_role(ws, r) {
        let nr = ws.resources[r].next_role;
        if nr == Role::Unknown || req < nr {
            ws.resources[r].next_role = req;
        }
    }
    if saved_role > ws.resources[r].role {
        ws.resources[r].role = saved_role;
    }
    Some(r)
}
