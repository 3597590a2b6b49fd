//! The cluster status as crm_simulate shows it (`cluster-status` and the
//! messages it calls: `node-list`, `resource-list`, `node-attribute-list`,
//! `node-summary`, `failed-action-list`).

use super::resources::print_resource;
use super::Out;
use crate::model::{rflags, wsflags, NodeId, WorkingSet};
use crate::rscfns;
use crate::util;

/// `pcmk_show_*` options.
pub mod show {
    pub const INACTIVE_RSCS: u32 = 1 << 0;
    pub const RSC_ONLY: u32 = 1 << 1;
    pub const PENDING: u32 = 1 << 2;
    pub const FAILED_DETAIL: u32 = 1 << 3;
    pub const NODE_ID: u32 = 1 << 4;
    pub const CLONE_DETAIL: u32 = 1 << 5;
    pub const BRIEF: u32 = 1 << 6;
    pub const RSCS_BY_NODE: u32 = 1 << 7;
    pub const FEATURE_SET: u32 = 1 << 8;
    pub const IMPLICIT_RSCS: u32 = 1 << 9;
}

/// `pcmk_section_*` options.
pub mod section {
    pub const NODES: u32 = 1 << 0;
    pub const RESOURCES: u32 = 1 << 1;
    pub const ATTRIBUTES: u32 = 1 << 2;
    pub const FAILCOUNTS: u32 = 1 << 3;
    pub const FAILURES: u32 = 1 << 4;
    pub const OPERATIONS: u32 = 1 << 5;
}

/// `pe__node_display_name`.
pub fn node_display_name(ws: &WorkingSet, n: NodeId, detail: bool) -> String {
    let node = &ws.nodes[n];
    let mut s = node.uname.clone();
    if detail && ws.is_guest(n) {
        let container = node.remote_rsc.and_then(|r| ws.resources[r].container);
        let host = container
            .and_then(|c| ws.current_node(c))
            .map_or(String::new(), |h| ws.nodes[h].uname.clone());
        s.push('@');
        s.push_str(&host);
    }
    if detail && !node.uname.eq_ignore_ascii_case(&node.id) {
        s.push_str(&format!(" ({})", node.id));
    }
    s
}

/// `pe__node_health`: 1 green, 0 yellow, -1 red.
pub fn node_health(ws: &WorkingSet, n: NodeId) -> i32 {
    if crate::assign::health_strategy(ws) == crate::assign::HealthStrategy::None {
        return 1;
    }
    let (red, yellow, green) = crate::assign::health_scores(ws);
    let mut rc = 1;
    for (name, value) in &ws.nodes[n].attrs {
        if !name.starts_with("#health") {
            continue;
        }
        if value.eq_ignore_ascii_case("red") {
            return -1;
        } else if value.eq_ignore_ascii_case("yellow") {
            rc = 0;
            continue;
        }
        let score = util::char2score(Some(value));
        if score <= red {
            return -1;
        } else if score <= yellow && yellow != green {
            rc = 0;
        }
    }
    rc
}

/// `node_text_status`.
fn node_text_status(ws: &WorkingSet, n: NodeId) -> &'static str {
    let d = &ws.nodes[n];
    if d.unclean {
        if d.online {
            "UNCLEAN (online)"
        } else if d.pending {
            "UNCLEAN (pending)"
        } else {
            "UNCLEAN (offline)"
        }
    } else if d.pending {
        "pending"
    } else if d.standby_onfail && d.online {
        "standby (on-fail)"
    } else if d.standby {
        if d.online {
            if !d.running_rsc.is_empty() {
                "standby (with active resources)"
            } else {
                "standby"
            }
        } else {
            "OFFLINE (standby)"
        }
    } else if d.maintenance {
        if d.online {
            "maintenance"
        } else {
            "OFFLINE (maintenance)"
        }
    } else if d.online {
        "online"
    } else {
        "OFFLINE"
    }
}

fn node_kind(ws: &WorkingSet, n: NodeId) -> &'static str {
    if ws.is_guest(n) {
        "GuestNode"
    } else if ws.is_remote(n) {
        "RemoteNode"
    } else {
        "Node"
    }
}

/// `get_node_feature_set`.
fn node_feature_set(ws: &WorkingSet, n: NodeId) -> Option<&str> {
    let d = &ws.nodes[n];
    if d.online && !ws.is_guest_or_remote(n) {
        Some(
            d.attrs
                .get("#feature-set")
                .map_or("<3.15.1", String::as_str),
        )
    } else {
        None
    }
}

/// The `node` message, XML form.
fn node_message_xml(ws: &WorkingSet, out: &mut Out, n: NodeId, full: bool) {
    let d = &ws.nodes[n];
    if !full {
        out.xml_open("node", &[("name", Some(&d.uname))]);
        return;
    }
    let b = |v: bool| if v { "true" } else { "false" };
    let kind = match d.kind {
        crate::model::NodeType::Member => "member",
        crate::model::NodeType::Remote => "remote",
        crate::model::NodeType::Ping => "ping",
    };
    let health = match node_health(ws, n) {
        h if h < 0 => "red",
        0 => "yellow",
        _ => "green",
    };
    let running = d.running_rsc.len().to_string();
    let guest = if ws.is_guest(n) {
        d.remote_rsc
            .and_then(|r| ws.resources[r].container)
            .map(|c| ws.resources[c].id.as_str())
    } else {
        None
    };
    out.xml_leaf(
        "node",
        &[
            ("name", Some(&d.uname)),
            ("id", Some(&d.id)),
            ("online", Some(b(d.online))),
            ("standby", Some(b(d.standby))),
            ("standby_onfail", Some(b(d.standby_onfail))),
            ("maintenance", Some(b(d.maintenance))),
            ("pending", Some(b(d.pending))),
            ("unclean", Some(b(d.unclean))),
            ("health", Some(health)),
            ("feature_set", node_feature_set(ws, n)),
            ("shutdown", Some(b(d.shutdown))),
            ("expected_up", Some(b(d.expected_up))),
            ("is_dc", Some(b(d.is_dc))),
            ("resources_running", Some(&running)),
            ("type", Some(kind)),
            ("id_as_resource", guest),
        ],
    );
}

/// The `node` message, text form.
fn node_message(ws: &WorkingSet, out: &mut Out, n: NodeId, show: u32, full: bool) {
    if out.is_xml() {
        node_message_xml(ws, out, n, full);
        return;
    }
    let name = node_display_name(ws, n, show & show::NODE_ID != 0);
    if full {
        let mut s = format!("{} {}: {}", node_kind(ws, n), name, node_text_status(ws, n));
        let health = node_health(ws, n);
        if health < 0 {
            s.push_str(" (health is RED)");
        } else if health == 0 {
            s.push_str(" (health is YELLOW)");
        }
        out.list_item(None, &s);
    } else {
        out.begin_list(None, None, &format!("Node: {name}"));
    }
}

fn add_word(list: &mut Option<String>, word: &str) {
    match list {
        None => *list = Some(word.to_owned()),
        Some(s) => {
            if s.is_empty() {
                s.push_str(word);
            } else {
                s.push(' ');
                s.push_str(word);
            }
        }
    }
}

/// `node-list`, text form (XML: every node).
fn node_list(ws: &WorkingSet, out: &mut Out, show: u32, print_spacer: bool) -> bool {
    if out.is_xml() {
        out.begin_list(None, None, "nodes");
        for &n in &ws.node_list {
            node_message_xml(ws, out, n, true);
        }
        out.end_list();
        return true;
    }
    let mut printed = false;
    let (mut online, mut online_remote, mut online_guest, mut offline, mut offline_remote) =
        (None, None, None, None, None);
    for &n in &ws.node_list {
        let d = &ws.nodes[n];
        let name = node_display_name(ws, n, show & show::NODE_ID != 0);
        if !printed {
            if print_spacer {
                out.spacer();
            }
            printed = true;
            out.begin_list(None, None, "Node List");
        }
        if d.unclean
            || d.pending
            || (d.standby_onfail && d.online)
            || d.standby
            || d.maintenance
            || show & (show::RSCS_BY_NODE | show::FEATURE_SET) != 0
            || node_health(ws, n) <= 0
        {
            // shown on its own line below
        } else if d.online {
            if ws.is_guest(n) {
                add_word(&mut online_guest, &name);
            } else if ws.is_remote(n) {
                add_word(&mut online_remote, &name);
            } else {
                add_word(&mut online, &name);
            }
            continue;
        } else {
            if ws.is_remote(n) {
                add_word(&mut offline_remote, &name);
            } else if ws.is_guest(n) {
            } else {
                add_word(&mut offline, &name);
            }
            continue;
        }
        node_message(ws, out, n, show, true);
    }
    for (label, list) in [
        ("Online", online),
        ("OFFLINE", offline),
        ("RemoteOnline", online_remote),
        ("RemoteOFFLINE", offline_remote),
        ("GuestOnline", online_guest),
    ] {
        if let Some(l) = list {
            out.list_item(Some(label), &format!("[ {l} ]"));
        }
    }
    if printed {
        out.end_list();
    }
    printed
}

fn print_resource_header(out: &mut Out, show: u32) {
    if show & show::RSCS_BY_NODE != 0 {
        out.begin_list(None, None, "Inactive Resources");
    } else if show & show::INACTIVE_RSCS != 0 {
        out.begin_list(None, None, "Full List of Resources");
    } else {
        out.begin_list(None, None, "Active Resources");
    }
}

/// `resource-list`.
fn resource_list(ws: &WorkingSet, out: &mut Out, show: u32, print_spacer: bool) -> bool {
    let mut rc = false;
    let mut printed_header = false;
    for &r in &ws.top {
        let is_active = rscfns::active(ws, r, true);
        let partially = rscfns::active(ws, r, false);
        if ws.resources[r].is_set(rflags::ORPHAN) && !is_active {
            continue;
        } else if !partially && show & show::INACTIVE_RSCS == 0 {
            continue;
        } else if partially && ws.resources[r].running_on.is_empty() {
            // pe__rsc_running_on_any() with the "*" node filter
            continue;
        }
        if !printed_header {
            if print_spacer {
                out.spacer();
            }
            print_resource_header(out, show);
            printed_header = true;
        }
        if print_resource(ws, out, r, show) {
            rc = true;
        }
    }
    if !rc && !out.is_xml() {
        if !printed_header {
            if print_spacer {
                out.spacer();
            }
            print_resource_header(out, show);
            printed_header = true;
        }
        if show & show::INACTIVE_RSCS != 0 {
            out.list_item(None, "No resources");
        } else {
            out.list_item(None, "No active resources");
        }
    }
    if printed_header {
        out.end_list();
    }
    rc
}

const FILTERED_ATTRS: &[&str] = &[
    "fail-count-",
    "last-failure-",
    "shutdown",
    "terminate",
    "standby",
    "#",
];

/// `add_extra_info`: for ping attributes, the score expected when every
/// host answers.
fn add_extra_info(ws: &mut WorkingSet, n: NodeId, rscs: &[usize], attr: &str) -> Option<i32> {
    for &r in rscs {
        let children = ws.resources[r].children.clone();
        if !children.is_empty() {
            if let Some(v) = add_extra_info(ws, n, &children, attr) {
                return Some(v);
            }
        }
        let ty = ws.resources[r]
            .meta
            .get("type")
            .map(String::as_str)
            .unwrap_or("");
        if !ty.eq_ignore_ascii_case("ping") && !ty.eq_ignore_ascii_case("pingd") {
            continue;
        }
        let params = ws.rsc_params(r, Some(n));
        let name = params.get("name").map(String::as_str).unwrap_or("pingd");
        if name.eq_ignore_ascii_case(attr) {
            let hosts = params
                .get("host_list")
                .map_or(0, |h| h.split(' ').count() as i32);
            let mult = params
                .get("multiplier")
                .map_or(1, |m| util::scan_min_int(Some(m), i32::MIN));
            return Some(hosts.wrapping_mul(mult));
        }
    }
    None
}

/// `node-attribute-list`.
fn node_attribute_list(ws: &mut WorkingSet, out: &mut Out, show: u32, print_spacer: bool) -> bool {
    let mut printed = false;
    for n in ws.node_list.clone() {
        if !ws.nodes[n].online {
            continue;
        }
        let mut names: Vec<String> = ws.nodes[n]
            .attrs
            .keys()
            .filter(|k| !FILTERED_ATTRS.iter().any(|p| k.starts_with(p)))
            .cloned()
            .collect();
        if names.is_empty() {
            continue;
        }
        names.sort();
        if !printed {
            if print_spacer {
                out.spacer();
            }
            printed = true;
            out.begin_list(None, None, "Node Attributes");
        }
        node_message(ws, out, n, show, false);
        for name in names {
            let value = ws.nodes[n].attrs.get(&name).cloned();
            let running = ws.nodes[n].running_rsc.clone();
            let extra = add_extra_info(ws, n, &running, &name);
            if out.is_xml() {
                let expected = extra.map(|e| e.to_string());
                out.xml_leaf(
                    "attribute",
                    &[
                        ("name", Some(&name)),
                        ("value", value.as_deref()),
                        ("expected", expected.as_deref()),
                    ],
                );
                continue;
            }
            let v = value.as_deref().unwrap_or("(null)");
            let line = match extra {
                Some(expected) => {
                    let iv = value
                        .as_deref()
                        .map_or(0, |s| util::scan_min_int(Some(s), i32::MIN));
                    if iv <= 0 {
                        format!("{name:<32}\t: {v:<10}\t: Connectivity is lost")
                    } else if iv < expected {
                        format!("{name:<32}\t: {v:<10}\t: Connectivity is degraded (Expected={expected})")
                    } else {
                        format!("{name:<32}\t: {v:<10}")
                    }
                }
                None => format!("{name:<32}\t: {v:<10}"),
            };
            out.list_item(None, &line);
        }
        out.end_list();
    }
    if printed {
        out.end_list();
    }
    printed
}

/// `node-summary` with `node-history-list` (fail counts only).
fn node_summary(ws: &mut WorkingSet, out: &mut Out, show: u32, print_spacer: bool) -> bool {
    let Some(status) = ws.cib_section("status") else {
        return false;
    };
    let mut printed = false;
    let states: Vec<_> = ws.doc.children_named(status, "node_state").collect();
    for state in states {
        let Some(id) = ws.doc.id(state).map(str::to_owned) else {
            continue;
        };
        let Some(n) = ws.find_node_id(&id) else {
            continue;
        };
        if !ws.nodes[n].online {
            continue;
        }
        if !printed {
            if print_spacer {
                out.spacer();
            }
            printed = true;
            out.begin_list(None, None, "Migration Summary");
        }
        let mut node_printed = false;
        let lrm = ws.doc.first_child(state, "lrm");
        let rscs = lrm.and_then(|l| ws.doc.first_child(l, "lrm_resources"));
        let entries: Vec<_> = rscs
            .map(|r| ws.doc.children_named(r, "lrm_resource").collect())
            .unwrap_or_default();
        for e in entries {
            let Some(rid) = ws.doc.id(e).map(str::to_owned) else {
                continue;
            };
            let Some(r) = ws.find_resource(&rid) else {
                continue;
            };
            let (failcount, last) = crate::unpack::failcounts::get_failcount(ws, n, r, 0, None);
            if failcount <= 0 {
                continue;
            }
            if !node_printed {
                node_printed = true;
                node_message(ws, out, n, show, false);
            }
            if out.is_xml() {
                let threshold = ws.resources[r].migration_threshold.to_string();
                let count = failcount.to_string();
                let last_s = (last > 0).then(|| crate::iso8601::ctime(last));
                out.xml_leaf(
                    "resource_history",
                    &[
                        ("id", Some(&rid)),
                        ("orphan", Some("false")),
                        ("migration-threshold", Some(&threshold)),
                        ("fail-count", Some(&count)),
                        ("last-failure", last_s.as_deref()),
                    ],
                );
                continue;
            }
            let mut s = format!(
                "{rid}: migration-threshold={} fail-count={failcount}",
                ws.resources[r].migration_threshold
            );
            if last > 0 {
                s.push_str(&format!(" last-failure='{}'", crate::iso8601::ctime(last)));
            }
            out.list_item(None, &s);
        }
        if node_printed {
            out.end_list();
        }
    }
    if printed {
        out.end_list();
    }
    printed
}

/// `failed-action-list` with the technical `failed-action` form.
fn failed_action_list(ws: &WorkingSet, out: &mut Out, print_spacer: bool) -> bool {
    let mut printed = false;
    for &op in &ws.failed {
        if crate::unpack::history::xe_mask_probe_failure(ws, op) {
            continue;
        }
        let key = ws
            .doc
            .attr(op, "operation_key")
            .or(ws.doc.id(op))
            .unwrap_or("");
        if util::parse_op_key(key).is_none() {
            continue;
        }
        if !printed {
            if print_spacer {
                out.spacer();
            }
            printed = true;
            out.begin_list(None, None, "Failed Resource Actions");
        }
        if out.is_xml() {
            failed_action_xml(ws, out, op);
            continue;
        }
        let op_key = ws
            .doc
            .attr(op, "operation_key")
            .filter(|s| !s.is_empty())
            .or(ws.doc.id(op))
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown operation");
        let node = ws
            .doc
            .attr(op, "uname")
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown node");
        let rc = util::scan_min_int(ws.doc.attr(op, "rc-code"), 0);
        let status = util::scan_min_int(ws.doc.attr(op, "op-status"), 0);
        let call = ws
            .doc
            .attr(op, "call-id")
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown");
        let mut s = format!(
            "{op_key} on {node} '{}' ({rc}): call={call}, status='{}'",
            crate::util::ocf_exit_str(rc),
            pcmk_results::exec::description(status)
        );
        if let Some(r) = ws.doc.attr(op, "exit-reason").filter(|s| !s.is_empty()) {
            s.push_str(&format!(", exitreason='{r}'"));
        }
        if let Some(t) = ws
            .doc
            .attr(op, "last-rc-change")
            .and_then(|v| v.parse::<i64>().ok())
        {
            s.push_str(&format!(", last-rc-change='{}'", crate::iso8601::ctime(t)));
        }
        if let Some(q) = ws.doc.attr(op, "queue-time").filter(|s| !s.is_empty()) {
            s.push_str(&format!(", queued={q}ms"));
        }
        if let Some(e) = ws.doc.attr(op, "exec-time").filter(|s| !s.is_empty()) {
            s.push_str(&format!(", exec={e}ms"));
        }
        out.list_item(None, &s);
    }
    if printed {
        out.end_list();
    }
    printed
}

/// `failed_action_xml`: one `<failure>` element.
fn failed_action_xml(ws: &WorkingSet, out: &mut Out, op: crate::xml::XmlId) {
    let op_key = ws.doc.attr(op, "operation_key");
    let rc = util::scan_min_int(ws.doc.attr(op, "rc-code"), 0);
    let status = util::scan_min_int(ws.doc.attr(op, "op-status"), 0);
    // escaped here and once more when written, as the reference does
    let reason = pcmk_xml::text::escape_value(ws.doc.attr(op, "exit-reason").unwrap_or("none"));
    let rc_s = rc.to_string();
    let (key_name, key) = match op_key {
        Some(k) => ("op_key", Some(k)),
        None => ("id", ws.doc.id(op)),
    };
    let mut attrs: Vec<(&str, Option<String>)> = vec![
        (key_name, key.map(str::to_owned)),
        ("node", ws.doc.attr(op, "uname").map(str::to_owned)),
        ("exitstatus", Some(crate::util::ocf_exit_str(rc).to_owned())),
        ("exitreason", Some(reason)),
        ("exitcode", Some(rc_s)),
        ("call", ws.doc.attr(op, "call-id").map(str::to_owned)),
        (
            "status",
            Some(pcmk_results::exec::description(status).to_owned()),
        ),
    ];
    let epoch = ws
        .doc
        .attr(op, "last-rc-change")
        .and_then(|v| util::scan_ll(v).ok())
        .filter(|&t| t > 0);
    if let Some(t) = epoch {
        let interval = ws
            .doc
            .attr(op, "interval")
            .and_then(|v| util::scan_ll(v).ok())
            .filter(|&v| (0..=u32::MAX as i64).contains(&v))
            .unwrap_or(0);
        let when = crate::iso8601::CrmTime::from_epoch(t).to_string_flags(
            crate::iso8601::fmt::DATE
                | crate::iso8601::fmt::TIMEOFDAY
                | crate::iso8601::fmt::WITH_TIMEZONE,
        );
        attrs.push(("last-rc-change", Some(when)));
        attrs.push(("queued", ws.doc.attr(op, "queue-time").map(str::to_owned)));
        attrs.push(("exec", ws.doc.attr(op, "exec-time").map(str::to_owned)));
        attrs.push(("interval", Some(interval.to_string())));
        attrs.push(("task", ws.doc.attr(op, "operation").map(str::to_owned)));
    }
    let attrs: Vec<(&str, Option<&str>)> = attrs.iter().map(|(k, v)| (*k, v.as_deref())).collect();
    out.xml_leaf("failure", &attrs);
}

/// `maint-mode` (text).
pub fn maint_mode(ws: &WorkingSet, out: &mut Out) -> bool {
    if ws.is_set(wsflags::MAINTENANCE_MODE) {
        out.printf("\n              *** Resource management is DISABLED ***\n");
        out.printf("  The cluster will not attempt to start, stop or recover services\n");
        true
    } else if ws.is_set(wsflags::STOP_EVERYTHING) {
        out.printf("\n    *** Resource management is DISABLED ***\n");
        out.printf("  The cluster will keep all resources stopped\n");
        true
    } else {
        false
    }
}

/// `print_cluster_status` of pcmk_simulate.c: the `cluster-status`
/// message in a list titled `title`.
pub fn print_cluster_status(
    ws: &mut WorkingSet,
    out: &mut Out,
    show_opts: u32,
    section_opts: u32,
    title: &str,
    print_spacer: bool,
) {
    let sections = section_opts | section::NODES | section::RESOURCES;
    let show = show_opts | show::INACTIVE_RSCS | show::FAILED_DETAIL;
    if print_spacer {
        out.spacer();
    }
    out.begin_list(None, None, title);
    let mut rc = false;
    if sections & section::NODES != 0 {
        rc |= node_list(ws, out, show, rc);
    }
    if sections & section::RESOURCES != 0 {
        rc |= resource_list(ws, out, show, rc);
    }
    if sections & section::ATTRIBUTES != 0 {
        rc |= node_attribute_list(ws, out, show, rc);
    }
    if sections & (section::OPERATIONS | section::FAILCOUNTS) != 0 {
        rc |= node_summary(ws, out, show, rc);
    }
    if sections & section::FAILURES != 0 && !ws.failed.is_empty() {
        failed_action_list(ws, out, rc);
    }
    out.end_list();
}
