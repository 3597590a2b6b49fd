//! Nodes: definitions, attributes and online state (lib/pengine/unpack.c).

use std::collections::HashMap;

use crate::glib;
use crate::model::{wsflags, Discover, Node, NodeId, NodeType, QuorumPolicy, WorkingSet};
use crate::rules::{unpack_nvpairs, RuleData};
use crate::util::{self, char2score, is_true, INFINITY};
use crate::xml::XmlId;

impl WorkingSet {
    /// `pe_find_node`: by name, case-insensitively, first in list order.
    #[doc(alias = "pe_find_node")]
    pub fn find_node(&self, uname: &str) -> Option<NodeId> {
        self.node_list
            .iter()
            .copied()
            .find(|&n| self.nodes[n].uname.eq_ignore_ascii_case(uname))
    }

    /// `pe_find_node_id`.
    pub fn find_node_id(&self, id: &str) -> Option<NodeId> {
        self.node_list
            .iter()
            .copied()
            .find(|&n| self.nodes[n].id.eq_ignore_ascii_case(id))
    }

    /// `pe_find_node_any`: by id, then by name.
    pub fn find_node_any(&self, id: Option<&str>, uname: &str) -> Option<NodeId> {
        if let Some(id) = id {
            if let Some(n) = self.find_node_id(id) {
                return Some(n);
            }
        }
        self.find_node(uname)
    }

    /// `pe__is_guest_or_remote_node`.
    pub fn is_guest_or_remote(&self, n: NodeId) -> bool {
        self.nodes[n].kind == NodeType::Remote
    }

    /// `pe__is_guest_node`.
    pub fn is_guest(&self, n: NodeId) -> bool {
        let node = &self.nodes[n];
        node.kind == NodeType::Remote
            && node
                .remote_rsc
                .is_some_and(|r| self.resources[r].container.is_some())
    }

    /// `pe__is_remote_node`.
    pub fn is_remote(&self, n: NodeId) -> bool {
        let node = &self.nodes[n];
        node.kind == NodeType::Remote
            && node
                .remote_rsc
                .map_or(true, |r| self.resources[r].container.is_none())
    }

    /// `pe_node_attribute_raw`.
    pub fn node_attr(&self, n: NodeId, name: &str) -> Option<&str> {
        self.nodes[n].attrs.get(name).map(String::as_str)
    }

    /// `pe_can_fence`.
    #[doc(alias = "pe_can_fence")]
    pub fn can_fence(&self, node: Option<NodeId>) -> bool {
        if let Some(n) = node {
            if self.is_guest(n) {
                let Some(rsc) = self.nodes[n]
                    .remote_rsc
                    .and_then(|r| self.resources[r].container)
                else {
                    return true;
                };
                for &cn in &self.resources[rsc].running_on {
                    if !self.nodes[cn].online && !self.can_fence(Some(cn)) {
                        return false;
                    }
                }
                return true;
            }
        }
        if !self.is_set(wsflags::STONITH_ENABLED) || !self.is_set(wsflags::HAVE_STONITH_RESOURCE) {
            false
        } else if self.is_set(wsflags::HAVE_QUORUM) {
            true
        } else if self.no_quorum_policy == QuorumPolicy::Ignore {
            true
        } else {
            match node {
                None => false,
                Some(n) => self.nodes[n].online,
            }
        }
    }
}

/// `pe_create_node`.
#[doc(alias = "pe_create_node")]
pub fn create_node(
    ws: &mut WorkingSet,
    id: &str,
    uname: &str,
    kind: Option<&str>,
    score: Option<&str>,
) -> NodeId {
    if crate::diag::active()
        && ws
            .node_list
            .iter()
            .any(|&n| ws.nodes[n].uname.eq_ignore_ascii_case(uname))
    {
        crate::config_warn!(
            "pe_create_node",
            "More than one node entry has name '{uname}'"
        );
    }
    let shown = if uname.is_empty() { None } else { Some(uname) };
    let kind = match kind {
        None => NodeType::Member,
        Some(t) if t.eq_ignore_ascii_case("member") => NodeType::Member,
        Some(t) if t.eq_ignore_ascii_case("remote") => {
            ws.set(wsflags::HAVE_REMOTE_NODES);
            NodeType::Remote
        }
        Some(t) => {
            if !t.eq_ignore_ascii_case("ping") {
                crate::config_warn!(
                    "pe_create_node",
                    "Node {} has unrecognized type '{t}', assuming 'ping'",
                    shown.unwrap_or("without name")
                );
            }
            crate::warn_once!(
                crate::diag::once::PING_NODE,
                "pe_create_node",
                "Support for nodes of type 'ping' (such as {}) is deprecated and will be removed in a future release",
                shown.unwrap_or("unnamed node")
            );
            NodeType::Ping
        }
    };
    let mut attrs = HashMap::new();
    attrs.insert(
        "#kind".to_owned(),
        if kind == NodeType::Remote {
            "remote"
        } else {
            "cluster"
        }
        .to_owned(),
    );
    let node = Node {
        weight: char2score(score),
        fixed: false,
        count: 0,
        discover: Discover::Always,
        id: id.to_owned(),
        uname: uname.to_owned(),
        kind,
        online: false,
        standby: false,
        standby_onfail: false,
        pending: false,
        unclean: false,
        unseen: false,
        shutdown: false,
        expected_up: false,
        is_dc: false,
        maintenance: false,
        rsc_discovery_enabled: true,
        remote_requires_reset: false,
        remote_was_fenced: false,
        remote_maintenance: false,
        unpacked: false,
        num_resources: 0,
        remote_rsc: None,
        running_rsc: Vec::new(),
        allocated_rsc: Vec::new(),
        attrs,
        utilization: HashMap::new(),
        priority: 0,
    };
    let nid = ws.nodes.len();
    ws.nodes.push(node);
    let mut list = std::mem::take(&mut ws.node_list);
    glib::insert_sorted(&mut list, nid, |&a, &b| {
        util::numeric_strcasecmp(&ws.nodes[a].uname, &ws.nodes[b].uname)
    });
    ws.node_list = list;
    nid
}

/// `handle_startup_fencing`.
pub fn handle_startup_fencing(ws: &mut WorkingSet, n: NodeId) {
    if ws.nodes[n].kind == NodeType::Remote && ws.nodes[n].remote_rsc.is_none() {
        return;
    }
    let fence = ws.is_set(wsflags::STARTUP_FENCING);
    let node = &mut ws.nodes[n];
    node.unclean = fence;
    node.unseen = true;
}

/// `unpack_nodes`.
pub fn unpack_nodes(ws: &mut WorkingSet, xml_nodes: Option<XmlId>) {
    if let Some(xml_nodes) = xml_nodes {
        let kids: Vec<XmlId> = ws.doc.children_named(xml_nodes, "node").collect();
        for xml_obj in kids {
            let doc = &ws.doc;
            let Some(id) = doc.attr(xml_obj, "id").map(str::to_owned) else {
                crate::config_err!(
                    "unpack_nodes",
                    "Ignoring <node> entry in configuration without id"
                );
                continue;
            };
            let uname = doc.attr(xml_obj, "uname").unwrap_or("").to_owned();
            let kind = doc.attr(xml_obj, "type").map(str::to_owned);
            let score = doc.attr(xml_obj, "score").map(str::to_owned);
            let n = create_node(ws, &id, &uname, kind.as_deref(), score.as_deref());
            handle_startup_fencing(ws, n);
            add_node_attrs(ws, Some(xml_obj), n, false);
            let now = ws.now;
            let data = RuleData::new(&now);
            let mut util_hash = std::mem::take(&mut ws.nodes[n].utilization);
            let top = ws.cib;
            let mut nc = crate::iso8601::CrmTime::undefined();
            unpack_nvpairs(
                &ws.doc,
                top,
                Some(xml_obj),
                Some("utilization"),
                &data,
                &mut util_hash,
                None,
                false,
                Some(&mut nc),
            );
            super::update_recheck(ws, &nc);
            ws.nodes[n].utilization = util_hash;
        }
    }
    if let Some(local) = ws.localhost.clone() {
        if ws.find_node(&local).is_none() {
            create_node(ws, &local, &local, None, None);
        }
    }
}

/// `add_node_attrs`.
pub fn add_node_attrs(ws: &mut WorkingSet, xml_obj: Option<XmlId>, n: NodeId, overwrite: bool) {
    let uname = ws.nodes[n].uname.clone();
    let id = ws.nodes[n].id.clone();
    let is_dc = ws
        .dc_uuid
        .as_deref()
        .is_some_and(|dc| dc.eq_ignore_ascii_case(&id));
    {
        let node = &mut ws.nodes[n];
        node.attrs.insert("#uname".into(), uname);
        node.attrs.insert("#id".into(), id);
        if is_dc {
            node.is_dc = true;
            node.attrs.insert("#is_dc".into(), "true".into());
        } else {
            node.attrs.insert("#is_dc".into(), "false".into());
        }
    }
    if is_dc {
        ws.dc_node = Some(n);
    }
    let cluster_name = ws.config.get("cluster-name").cloned();
    if let Some(cn) = &cluster_name {
        ws.nodes[n].attrs.insert("#cluster-name".into(), cn.clone());
    }
    let now = ws.now;
    let data = RuleData::new(&now);
    let mut attrs = std::mem::take(&mut ws.nodes[n].attrs);
    let top = ws.cib;
    let mut nc = crate::iso8601::CrmTime::undefined();
    unpack_nvpairs(
        &ws.doc,
        top,
        xml_obj,
        Some("instance_attributes"),
        &data,
        &mut attrs,
        None,
        overwrite,
        Some(&mut nc),
    );
    super::update_recheck(ws, &nc);
    if !attrs.contains_key("#site-name") {
        if let Some(site) = attrs.get("site-name").cloned() {
            attrs.insert("#site-name".into(), site);
        } else if let Some(cn) = cluster_name {
            attrs.insert("#site-name".into(), cn);
        }
    }
    ws.nodes[n].attrs = attrs;
}

/// `xml_contains_remote_node`.
pub fn xml_contains_remote_node(ws: &WorkingSet, xml: XmlId) -> bool {
    let d = &ws.doc;
    util::eq_casei(d.attr(xml, "type"), "remote")
        && util::eq_casei(d.attr(xml, "class"), "ocf")
        && util::eq_casei(d.attr(xml, "provider"), "pacemaker")
}

/// `expand_remote_rsc_meta`: a primitive with a `remote-node` meta
/// attribute implies a guest node connection resource.
fn expand_remote_rsc_meta(ws: &mut WorkingSet, xml_obj: XmlId, parent: XmlId) -> Option<String> {
    let container_id = ws.doc.id(xml_obj).map(str::to_owned);
    let mut remote_name = None;
    let mut remote_server = None;
    let mut remote_port = None;
    let mut connect_timeout = Some("60s".to_owned());
    let mut allow_migrate = None;
    let mut is_managed = None;
    let d = &ws.doc;
    for &set in d.children(xml_obj) {
        if !d.name(set).eq_ignore_ascii_case("meta_attributes") {
            continue;
        }
        for &attr in d.children(set) {
            let value = d.attr(attr, "value").map(str::to_owned);
            let Some(name) = d.attr(attr, "name") else {
                continue;
            };
            if name.eq_ignore_ascii_case("remote-node") {
                remote_name = value;
            } else if name.eq_ignore_ascii_case("remote-addr") {
                remote_server = value;
            } else if name.eq_ignore_ascii_case("remote-port") {
                remote_port = value;
            } else if name.eq_ignore_ascii_case("remote-connect-timeout") {
                connect_timeout = value;
            } else if name.eq_ignore_ascii_case("remote-allow-migrate") {
                allow_migrate = value;
            } else if name.eq_ignore_ascii_case("is-managed") {
                is_managed = value;
            }
        }
    }
    let remote_name = remote_name?;
    if ws.find_resource(&remote_name).is_some() {
        return None;
    }
    create_remote_xml(
        ws,
        parent,
        &remote_name,
        container_id.as_deref(),
        allow_migrate.as_deref(),
        is_managed.as_deref(),
        connect_timeout.as_deref(),
        remote_server.as_deref(),
        remote_port.as_deref(),
    );
    Some(remote_name)
}

/// `pe_create_remote_xml`.
#[allow(clippy::too_many_arguments)]
pub fn create_remote_xml(
    ws: &mut WorkingSet,
    parent: XmlId,
    uname: &str,
    container_id: Option<&str>,
    migrateable: Option<&str>,
    is_managed: Option<&str>,
    start_timeout: Option<&str>,
    server: Option<&str>,
    port: Option<&str>,
) -> XmlId {
    let d = &mut ws.doc;
    let remote = d.create("primitive", Some(parent));
    d.set_attr(remote, "id", uname);
    d.set_attr(remote, "class", "ocf");
    d.set_attr(remote, "provider", "pacemaker");
    d.set_attr(remote, "type", "remote");
    let meta = d.create("meta_attributes", Some(remote));
    d.set_attr(meta, "id", &format!("{uname}-meta_attributes"));
    let add_nv = |d: &mut crate::xml::XmlDoc, set: XmlId, name: &str, value: &str| {
        let prefix = d.id(set).unwrap_or("").to_owned();
        let nv = d.create("nvpair", Some(set));
        d.set_attr(nv, "id", &format!("{prefix}-{name}"));
        d.set_attr(nv, "name", name);
        d.set_attr(nv, "value", value);
    };
    add_nv(d, meta, "internal_rsc", "true");
    if let Some(c) = container_id {
        add_nv(d, meta, "container", c);
    }
    if let Some(m) = migrateable {
        add_nv(d, meta, "allow-migrate", m);
    }
    if let Some(m) = is_managed {
        add_nv(d, meta, "is-managed", m);
    }
    if server.is_some() || port.is_some() {
        let inst = d.create("instance_attributes", Some(remote));
        d.set_attr(inst, "id", &format!("{uname}-instance_attributes"));
        if let Some(s) = server {
            add_nv(d, inst, "addr", s);
        }
        if let Some(p) = port {
            add_nv(d, inst, "port", p);
        }
    }
    let ops = d.create("operations", Some(remote));
    let add_op = |d: &mut crate::xml::XmlDoc, name: &str, interval: &str, timeout: Option<&str>| {
        let op = d.create("op", Some(ops));
        d.set_attr(op, "id", &format!("{uname}-{name}-{interval}"));
        d.set_attr(op, "interval", interval);
        d.set_attr(op, "name", name);
        if let Some(t) = timeout {
            d.set_attr(op, "timeout", t);
        }
    };
    add_op(d, "monitor", "30s", Some("30s"));
    if let Some(t) = start_timeout {
        add_op(d, "start", "0", Some(t));
    }
    remote
}

/// `unpack_remote_nodes`.
pub fn unpack_remote_nodes(ws: &mut WorkingSet, xml_resources: Option<XmlId>) {
    let Some(xml_resources) = xml_resources else {
        return;
    };
    let kids: Vec<XmlId> = ws.doc.children(xml_resources).to_vec();
    for xml_obj in kids {
        if xml_contains_remote_node(ws, xml_obj) {
            if let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) {
                if ws.find_node(&id).is_none() {
                    create_node(ws, &id, &id, Some("remote"), None);
                }
            }
            continue;
        }
        let name = ws.doc.name(xml_obj).to_owned();
        if name == "primitive" {
            if let Some(id) = expand_remote_rsc_meta(ws, xml_obj, xml_resources) {
                if ws.find_node(&id).is_none() {
                    create_node(ws, &id, &id, Some("remote"), None);
                }
            }
        } else if name == "group" {
            let members: Vec<XmlId> = ws.doc.children(xml_obj).to_vec();
            for m in members {
                if let Some(id) = expand_remote_rsc_meta(ws, m, xml_resources) {
                    if ws.find_node(&id).is_none() {
                        create_node(ws, &id, &id, Some("remote"), None);
                    }
                }
            }
        }
    }
}

/// `pe__shutdown_requested`.
pub fn shutdown_requested(ws: &WorkingSet, n: NodeId) -> bool {
    match ws.node_attr(n, "shutdown") {
        None => false,
        Some(v) => v != "0",
    }
}

/// `determine_online_status_no_fencing`.
fn online_status_no_fencing(ws: &mut WorkingSet, state: XmlId, n: NodeId) -> bool {
    let d = &ws.doc;
    let join = d.attr(state, "join").map(str::to_owned);
    let is_peer = d.attr(state, "crmd").map(str::to_owned);
    let in_cluster = d.attr(state, "in_ccm").map(str::to_owned);
    let mut online = false;
    if !is_true(in_cluster.as_deref()) {
        // not in cluster
    } else if util::eq_casei(is_peer.as_deref(), "online") {
        if util::eq_casei(join.as_deref(), "member") {
            online = true;
        }
    } else if !ws.nodes[n].expected_up {
        // down
    } else {
        fence_node(ws, n, "peer is unexpectedly down", false);
    }
    online
}

/// `determine_online_status_fencing`.
fn online_status_fencing(ws: &mut WorkingSet, state: XmlId, n: NodeId) -> bool {
    let d = &ws.doc;
    let join = d.attr(state, "join").map(str::to_owned);
    let is_peer = d.attr(state, "crmd").map(str::to_owned);
    let in_cluster = d.attr(state, "in_ccm").map(str::to_owned);
    let exp_state = d.attr(state, "expected").unwrap_or("down").to_owned();
    let terminate = ws.node_attr(n, "terminate").map(str::to_owned);
    let mut do_terminate = false;
    if is_true(terminate.as_deref()) {
        do_terminate = true;
    } else if let Some(t) = terminate.as_deref() {
        if let Some(c) = t.chars().next() {
            if c != '0' && c.is_ascii_digit() {
                do_terminate = true;
            }
        }
    }
    let mut online = is_true(in_cluster.as_deref());
    let crmd_online = util::eq_casei(is_peer.as_deref(), "online");
    let in_cluster_true = is_true(in_cluster.as_deref());
    let join_is = |x: &str| util::eq_casei(join.as_deref(), x);
    if ws.nodes[n].shutdown {
        online = crmd_online;
    } else if in_cluster.is_none() {
        fence_node(ws, n, "peer has not been seen by the cluster", false);
    } else if join_is("banned") {
        fence_node(ws, n, "peer failed Pacemaker membership criteria", false);
    } else if !do_terminate && exp_state.eq_ignore_ascii_case("down") {
        if in_cluster_true || crmd_online {
            ws.nodes[n].standby = true;
            ws.nodes[n].pending = true;
        }
    } else if do_terminate && join_is("down") && !in_cluster_true && !crmd_online {
        online = false;
    } else if !in_cluster_true {
        fence_node(ws, n, "peer is no longer part of the cluster", true);
    } else if !crmd_online {
        fence_node(ws, n, "peer process is no longer available", false);
    } else if do_terminate {
        fence_node(ws, n, "termination was requested", false);
    } else if join_is("member") {
        // online
    } else if join_is("pending") || join_is("down") {
        ws.nodes[n].standby = true;
        ws.nodes[n].pending = true;
    } else {
        fence_node(ws, n, "peer was in an unknown state", false);
    }
    online
}

/// `determine_online_status`.
pub fn determine_online_status(ws: &mut WorkingSet, state: XmlId, n: NodeId) {
    let exp_state = ws.doc.attr(state, "expected").map(str::to_owned);
    ws.nodes[n].shutdown = false;
    ws.nodes[n].expected_up = false;
    if shutdown_requested(ws, n) {
        ws.nodes[n].shutdown = true;
    } else if util::eq_casei(exp_state.as_deref(), "member") {
        ws.nodes[n].expected_up = true;
    }
    let online = if ws.nodes[n].kind == NodeType::Ping {
        ws.nodes[n].unclean = false;
        false
    } else if !ws.is_set(wsflags::STONITH_ENABLED) {
        online_status_no_fencing(ws, state, n)
    } else {
        online_status_fencing(ws, state, n)
    };
    let node = &mut ws.nodes[n];
    if online {
        node.online = true;
    } else {
        node.fixed = true;
        node.weight = -INFINITY;
    }
    if online && node.shutdown {
        node.fixed = true;
        node.weight = -INFINITY;
    }
    if node.kind != NodeType::Ping && node.unclean {
        crate::log_warn!(
            "determine_online_status",
            "{} is unclean",
            ws.nodes[n].uname
        );
    }
}

/// `determine_remote_online_status`.
pub fn determine_remote_online_status(ws: &mut WorkingSet, n: NodeId) {
    let Some(rsc) = ws.nodes[n].remote_rsc else {
        ws.nodes[n].online = false;
        return;
    };
    let container = ws.resources[rsc].container;
    let mut host = None;
    if container.is_some() && ws.resources[rsc].running_on.len() == 1 {
        host = Some(ws.resources[rsc].running_on[0]);
    }
    let role = ws.resources[rsc].role;
    let next_role = ws.resources[rsc].next_role;
    if role == crate::util::Role::Started {
        ws.nodes[n].online = true;
    }
    if role == crate::util::Role::Started && next_role == crate::util::Role::Stopped {
        ws.nodes[n].shutdown = true;
    }
    let failed = crate::model::rflags::FAILED;
    if container.is_some_and(|c| ws.resources[c].is_set(failed)) {
        ws.nodes[n].online = false;
        ws.nodes[n].remote_requires_reset = true;
    } else if ws.resources[rsc].is_set(failed) {
        ws.nodes[n].online = false;
    } else if role == crate::util::Role::Stopped
        || container.is_some_and(|c| ws.resources[c].role == crate::util::Role::Stopped)
    {
        ws.nodes[n].online = false;
        ws.nodes[n].remote_requires_reset = false;
    } else if let Some(h) = host {
        if !ws.nodes[h].online && ws.nodes[h].unclean {
            ws.nodes[n].online = false;
            ws.nodes[n].remote_requires_reset = true;
        }
    }
}

/// `is_dangling_guest_node`.
fn is_dangling_guest(ws: &WorkingSet, n: NodeId) -> bool {
    if !ws.is_guest_or_remote(n) {
        return false;
    }
    match ws.nodes[n].remote_rsc {
        Some(r) => {
            ws.resources[r].container.is_none()
                && ws.resources[r].is_set(crate::model::rflags::ORPHAN_CONTAINER_FILLER)
        }
        None => false,
    }
}

/// `pe_fence_node`: mark a node for fencing (or its guest for recovery).
#[doc(alias = "pe_fence_node")]
pub fn fence_node(ws: &mut WorkingSet, n: NodeId, reason: &str, priority_delay: bool) {
    use crate::model::rflags;
    if ws.is_guest(n) {
        let Some(rsc) = ws.nodes[n]
            .remote_rsc
            .and_then(|r| ws.resources[r].container)
        else {
            return;
        };
        if !ws.resources[rsc].is_set(rflags::FAILED) {
            if !ws.resources[rsc].is_set(rflags::MANAGED) {
                // not fencing: guest resource is unmanaged
            } else {
                crate::log_warn!(
                    "pe_fence_node",
                    "Guest node {} will be fenced (by recovering its guest resource {}): {reason}",
                    ws.nodes[n].uname,
                    ws.resources[rsc].id
                );
                ws.nodes[n].remote_requires_reset = true;
                ws.resources[rsc].set(rflags::FAILED | rflags::STOP);
            }
        }
    } else if is_dangling_guest(ws, n) {
        if let Some(r) = ws.nodes[n].remote_rsc {
            ws.resources[r].set(rflags::FAILED | rflags::STOP);
        }
    } else if ws.is_remote(n) {
        let rsc = ws.nodes[n].remote_rsc;
        if rsc.is_some_and(|r| !ws.resources[r].is_set(rflags::MANAGED)) {
            // connection is unmanaged
        } else if !ws.nodes[n].remote_requires_reset {
            ws.nodes[n].remote_requires_reset = true;
            if crate::diag::active() {
                let how = if ws.can_fence(Some(n)) {
                    "will be fenced"
                } else {
                    "is unclean"
                };
                crate::log_warn!(
                    "pe_fence_node",
                    "Remote node {} {how}: {reason}",
                    ws.nodes[n].uname
                );
            }
        }
        ws.nodes[n].unclean = true;
        crate::actions::fencing::fence_op(ws, n, None, true, Some(reason), false);
    } else if ws.nodes[n].unclean {
        // already marked
    } else {
        if crate::diag::active() {
            let how = if ws.can_fence(Some(n)) {
                "will be fenced"
            } else {
                "is unclean"
            };
            crate::log_warn!(
                "pe_fence_node",
                "Cluster node {} {how}: {reason}",
                ws.nodes[n].uname
            );
        }
        ws.nodes[n].unclean = true;
        crate::actions::fencing::fence_op(ws, n, None, true, Some(reason), priority_delay);
    }
}
