//! One resource in the status output (`primitive`, `group`, `clone` and
//! `bundle` messages; lib/pengine/native.c, group.c, clone.c, bundle.c).

use std::collections::BTreeMap;

use super::status::show;
use super::Out;
use crate::model::{rflags, NodeId, RscId, Variant, WorkingSet};
use crate::rscfns;
use crate::util::{self, Role};

/// Print one resource; false if nothing was printed.
pub fn print_resource(ws: &WorkingSet, out: &mut Out, r: RscId, show: u32) -> bool {
    match ws.resources[r].variant {
        Variant::Native => primitive(ws, out, r, show),
        Variant::Group => group(ws, out, r, show),
        Variant::Clone => clone(ws, out, r, show),
        Variant::Container => bundle(ws, out, r, show),
    }
}

/// `native_displayable_role`.
fn displayable_role(ws: &WorkingSet, r: RscId) -> Role {
    let role = ws.resources[r].role;
    if role == Role::Started && ws.resources[ws.uber_parent(r)].is_set(rflags::PROMOTABLE) {
        Role::Unpromoted
    } else {
        role
    }
}

/// `native_pending_state`.
fn pending_state(task: Option<&str>) -> Option<&'static str> {
    let t = task?;
    let pairs = [
        ("start", "Starting"),
        ("stop", "Stopping"),
        ("migrate_to", "Migrating"),
        ("migrate_from", "Migrating"),
        ("promote", "Promoting"),
        ("demote", "Demoting"),
    ];
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(t))
        .map(|(_, v)| *v)
}

fn displayable_state(ws: &WorkingSet, r: RscId, pending: bool) -> &'static str {
    if pending {
        if let Some(s) = pending_state(ws.resources[r].pending_task.as_deref()) {
            return s;
        }
    }
    displayable_role(ws, r).as_str()
}

/// `native_pending_task`.
fn pending_task(ws: &WorkingSet, r: RscId) -> Option<&'static str> {
    ws.resources[r]
        .pending_task
        .as_deref()
        .filter(|t| t.eq_ignore_ascii_case("monitor"))
        .map(|_| "Monitoring")
}

/// `pe__failed_probe_for_rsc`: a masked probe failure on `node_name`.
fn failed_probe(ws: &WorkingSet, r: RscId, node_name: Option<&str>) -> Option<crate::xml::XmlId> {
    let parent = ws.uber_parent(r);
    let rsc_id: String = if ws.resources[r].variant == Variant::Clone {
        clone_child_id(ws, r)
    } else if ws.resources[parent].variant == Variant::Clone {
        clone_child_id(ws, parent)
    } else {
        ws.resources[r].id.clone()
    };
    for &op in &ws.failed {
        if !crate::unpack::history::xe_mask_probe_failure(ws, op) {
            continue;
        }
        let Some(target) = ws.doc.attr(op, "on_node") else {
            continue;
        };
        if let Some(n) = node_name {
            if !target.eq_ignore_ascii_case(n) {
                continue;
            }
        }
        let key = ws
            .doc
            .attr(op, "operation_key")
            .or(ws.doc.id(op))
            .unwrap_or("");
        let Some((id, _, _)) = util::parse_op_key(key) else {
            continue;
        };
        if id == rsc_id {
            return Some(op);
        }
    }
    None
}

fn clone_child_id(ws: &WorkingSet, r: RscId) -> String {
    ws.resources[r]
        .clone
        .xml_obj_child
        .and_then(|x| ws.doc.id(x))
        .unwrap_or("")
        .to_owned()
}

/// `pcmk__native_output_string`.
#[doc(alias = "pcmk__native_output_string")]
pub fn native_output_string(
    ws: &WorkingSet,
    r: RscId,
    name: &str,
    node: Option<NodeId>,
    show_opts: u32,
    target_role: Option<&str>,
    show_nodes: bool,
) -> String {
    let rsc = &ws.resources[r];
    let class = ws.doc.attr(rsc.xml, "class").unwrap_or("unknown");
    let kind = ws.doc.attr(rsc.xml, "type").unwrap_or("unknown");
    let provider = if util::ra_caps::of(Some(class)) & util::ra_caps::PROVIDER != 0 {
        ws.doc.attr(rsc.xml, "provider")
    } else {
        None
    };
    let mut node = node.or(rsc.lock_node);
    let multiple = rsc.running_on.len() > 1;
    if show_opts & show::RSC_ONLY != 0 || multiple {
        node = None;
    }
    let mut s = format!(
        "{name}\t({class}{}{}:{kind}):\t",
        if provider.is_some() { ":" } else { "" },
        provider.unwrap_or("")
    );
    let add_word = |s: &mut String, w: &str| {
        if !w.is_empty() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(w);
        }
    };
    if rsc.is_set(rflags::ORPHAN) {
        s.push_str(" ORPHANED");
    }
    if rsc.is_set(rflags::FAILED) {
        let role = displayable_role(ws, r);
        s.push_str(" FAILED");
        if role > Role::Unpromoted {
            add_word(&mut s, role.as_str());
        }
    } else {
        add_word(
            &mut s,
            displayable_state(ws, r, show_opts & show::PENDING != 0),
        );
    }
    if let Some(n) = node {
        add_word(&mut s, &ws.nodes[n].uname);
    }
    if displayable_role(ws, r) == Role::Stopped {
        let uname = node.map(|n| ws.nodes[n].uname.as_str());
        if let Some(op) = failed_probe(ws, r, uname) {
            let rc = util::scan_min_int(ws.doc.attr(op, "rc-code"), 0);
            s.push_str(&format!(" ({}) ", crate::util::ocf_exit_str(rc)));
        }
    }
    let mut have_flags = false;
    let mut flag = |s: &mut String, f: &str| {
        s.push_str(if have_flags { ", " } else { " (" });
        s.push_str(f);
        have_flags = true;
    };
    if let Some(n) = node {
        if !ws.nodes[n].online && ws.nodes[n].unclean {
            flag(&mut s, "UNCLEAN");
        }
        if Some(n) == rsc.lock_node {
            flag(&mut s, "LOCKED");
        }
    }
    if show_opts & show::PENDING != 0 {
        if let Some(t) = pending_task(ws, r) {
            flag(&mut s, t);
        }
    }
    if let Some(tr) = target_role {
        let role = Role::parse(tr);
        if role == Role::Stopped {
            flag(&mut s, "disabled");
        } else if ws.resources[ws.uber_parent(r)].is_set(rflags::PROMOTABLE)
            && role == Role::Unpromoted
        {
            flag(&mut s, "target-role:");
            s.push_str(tr);
        }
    }
    if rsc.is_set(rflags::BLOCK) {
        flag(&mut s, "blocked");
    } else if !rsc.is_set(rflags::MANAGED) {
        flag(&mut s, "unmanaged");
    }
    if rsc.is_set(rflags::FAILURE_IGNORED) {
        flag(&mut s, "failure ignored");
    }
    if have_flags {
        s.push(')');
    }
    if show_opts & show::RSC_ONLY != 0 || multiple {
        if let Some(desc) = ws.doc.attr(rsc.xml, "description") {
            add_word(&mut s, desc);
        }
    }
    if show_nodes && show_opts & show::RSC_ONLY == 0 && multiple {
        s.push_str(" [");
        for &n in &rsc.running_on {
            s.push(' ');
            s.push_str(&ws.nodes[n].uname);
        }
        s.push_str(" ]");
    }
    s
}

/// `pe__resource_xml`.
fn primitive_xml(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    let rsc = &ws.resources[r];
    let class = ws.doc.attr(rsc.xml, "class").unwrap_or("(null)");
    let prov = ws.doc.attr(rsc.xml, "provider");
    let ty = ws.doc.attr(rsc.xml, "type").unwrap_or("(null)");
    let ra = format!(
        "{class}{}{}:{ty}",
        if prov.is_some() { ":" } else { "" },
        prov.unwrap_or("")
    );
    let pending = show_opts & show::PENDING != 0;
    let b = |v: bool| if v { "true" } else { "false" };
    let running = rsc.running_on.len().to_string();
    let lock = rsc.lock_node.map(|n| ws.nodes[n].uname.as_str());
    out.xml_open(
        "resource",
        &[
            ("id", Some(ws.printable_id(r))),
            ("resource_agent", Some(&ra)),
            ("role", Some(displayable_state(ws, r, pending))),
            (
                "target_role",
                rsc.meta.get("target-role").map(String::as_str),
            ),
            ("active", Some(b(rscfns::active(ws, r, true)))),
            ("orphaned", Some(b(rsc.is_set(rflags::ORPHAN)))),
            ("blocked", Some(b(rsc.is_set(rflags::BLOCK)))),
            ("managed", Some(b(rsc.is_set(rflags::MANAGED)))),
            ("failed", Some(b(rsc.is_set(rflags::FAILED)))),
            (
                "failure_ignored",
                Some(b(rsc.is_set(rflags::FAILURE_IGNORED))),
            ),
            ("nodes_running_on", Some(&running)),
            ("pending", if pending { pending_task(ws, r) } else { None }),
            ("locked_to", lock),
        ],
    );
    for &n in &rsc.running_on {
        let d = &ws.nodes[n];
        out.xml_leaf(
            "node",
            &[
                ("name", Some(&d.uname)),
                ("id", Some(&d.id)),
                ("cached", Some(b(d.online))),
            ],
        );
    }
    out.xml_close();
    true
}

/// `pe__resource_text` → `pe__common_output_text`.
fn primitive(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    if out.is_xml() {
        return primitive_xml(ws, out, r, show_opts);
    }
    let rsc = &ws.resources[r];
    if util::is_true(rsc.meta.get("internal_rsc").map(String::as_str))
        && show_opts & show::IMPLICIT_RSCS == 0
    {
        return false;
    }
    let node = ws.current_node(r).or(rsc.pending_node);
    let target_role = rsc.meta.get("target-role").map(String::as_str);
    let s = native_output_string(
        ws,
        r,
        ws.printable_id(r),
        node,
        show_opts,
        target_role,
        true,
    );
    out.list_item(None, &s);
    true
}

/// `pe__group_xml`.
fn group_xml(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    let show_inactive = show_opts & show::INACTIVE_RSCS != 0;
    let count = ws.resources[r].children.len().to_string();
    let b = |v: bool| if v { "true" } else { "false" };
    let mut printed = false;
    for &c in &ws.resources[r].children {
        if !(rscfns::active(ws, c, false) || show_inactive) {
            continue;
        }
        if !printed {
            printed = true;
            out.xml_open(
                "group",
                &[
                    ("id", Some(&ws.resources[r].id)),
                    ("number_resources", Some(&count)),
                    ("managed", Some(b(ws.resources[r].is_set(rflags::MANAGED)))),
                    ("disabled", Some(b(ws.resource_is_disabled(r)))),
                ],
            );
        }
        print_resource(ws, out, c, show_opts);
    }
    if printed {
        out.xml_close();
    }
    printed
}

/// `pe__group_default`.
fn group(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    if out.is_xml() {
        return group_xml(ws, out, r, show_opts);
    }
    let active = rscfns::active(ws, r, true);
    let partially = rscfns::active(ws, r, false);
    let show_inactive = show_opts & show::INACTIVE_RSCS != 0;
    let mut printed = false;
    for &c in &ws.resources[r].children {
        let child_active = rscfns::active(ws, c, false);
        if !(child_active || show_inactive) {
            continue;
        }
        if !printed {
            printed = true;
            let n_inactive = if !active && partially {
                ws.resources[r]
                    .children
                    .iter()
                    .filter(|&&x| !rscfns::active(ws, x, true))
                    .count()
            } else {
                0
            };
            let mut attrs: Vec<String> = Vec::new();
            if n_inactive > 0 && !show_inactive {
                attrs.push(format!(
                    "{n_inactive} member{} inactive",
                    if n_inactive == 1 { "" } else { "s" }
                ));
            }
            if !ws.resources[r].is_set(rflags::MANAGED) {
                attrs.push("unmanaged".into());
            }
            if ws.resource_is_disabled(r) {
                attrs.push("disabled".into());
            }
            let id = &ws.resources[r].id;
            if attrs.is_empty() {
                out.begin_list(None, None, &format!("Resource Group: {id}"));
            } else {
                out.begin_list(
                    None,
                    None,
                    &format!("Resource Group: {id} ({})", attrs.join(", ")),
                );
            }
        }
        print_resource(ws, out, c, show_opts);
    }
    if printed {
        out.end_list();
    }
    printed
}

fn clone_header(ws: &WorkingSet, out: &mut Out, r: RscId, printed: &mut bool) {
    if *printed {
        return;
    }
    *printed = true;
    let rsc = &ws.resources[r];
    let mut attrs: Vec<&str> = Vec::new();
    if rsc.is_set(rflags::PROMOTABLE) {
        attrs.push("promotable");
    }
    if rsc.is_set(rflags::UNIQUE) {
        attrs.push("unique");
    }
    if !rsc.is_set(rflags::MANAGED) {
        attrs.push("unmanaged");
    }
    if ws.resource_is_disabled(r) {
        attrs.push("disabled");
    }
    let child = clone_child_id(ws, r);
    if attrs.is_empty() {
        out.begin_list(None, None, &format!("Clone Set: {} [{child}]", rsc.id));
    } else {
        out.begin_list(
            None,
            None,
            &format!("Clone Set: {} [{child}] ({})", rsc.id, attrs.join(", ")),
        );
    }
}

/// `configured_role_str` of clone.c.
fn configured_role(ws: &WorkingSet, r: RscId) -> Role {
    let rsc = &ws.resources[r];
    let tr = rsc.meta.get("target-role").or_else(|| {
        rsc.children
            .first()
            .and_then(|&c| ws.resources[c].meta.get("target-role"))
    });
    tr.map_or(Role::Unknown, |t| Role::parse(t))
}

fn cmp_node_names(ws: &WorkingSet, list: &mut [NodeId]) {
    list.sort_by(|&a, &b| util::numeric_strcasecmp(&ws.nodes[a].uname, &ws.nodes[b].uname));
}

/// `pe__clone_xml`.
fn clone_xml(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    let rsc = &ws.resources[r];
    let b = |v: bool| if v { "true" } else { "false" };
    let target_role = rsc.meta.get("target-role").or_else(|| {
        rsc.children
            .first()
            .and_then(|&c| ws.resources[c].meta.get("target-role"))
    });
    let mut printed = false;
    for &c in &rsc.children {
        if rscfns::active(ws, c, false) && ws.resources[c].running_on.is_empty() {
            continue;
        }
        if !printed {
            printed = true;
            out.xml_open(
                "clone",
                &[
                    ("id", Some(&rsc.id)),
                    ("multi_state", Some(b(rsc.is_set(rflags::PROMOTABLE)))),
                    ("unique", Some(b(rsc.is_set(rflags::UNIQUE)))),
                    ("managed", Some(b(rsc.is_set(rflags::MANAGED)))),
                    ("disabled", Some(b(ws.resource_is_disabled(r)))),
                    ("failed", Some(b(rsc.is_set(rflags::FAILED)))),
                    (
                        "failure_ignored",
                        Some(b(rsc.is_set(rflags::FAILURE_IGNORED))),
                    ),
                    ("target_role", target_role.map(String::as_str)),
                ],
            );
        }
        print_resource(ws, out, c, show_opts);
    }
    if printed {
        out.xml_close();
    }
    printed
}

/// `pe__clone_default`.
fn clone(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    if out.is_xml() {
        return clone_xml(ws, out, r, show_opts);
    }
    let rsc = &ws.resources[r];
    let mut printed = false;
    let mut stopped: BTreeMap<String, String> = BTreeMap::new();
    let mut have_stopped = false;
    let mut promoted: Vec<NodeId> = Vec::new();
    let mut started: Vec<NodeId> = Vec::new();
    for &c in &rsc.children {
        let child = &ws.resources[c];
        let partially = rscfns::active(ws, c, false);
        if partially && child.running_on.is_empty() {
            // pcmk__rsc_filtered_by_node() with the "*" node filter
            continue;
        }
        let mut print_full = show_opts & show::CLONE_DETAIL != 0;
        if rsc.is_set(rflags::UNIQUE) {
            if partially || !rsc.is_set(rflags::ORPHAN) {
                print_full = true;
            }
        } else if show_opts & show::PENDING != 0
            && child.pending_task.as_deref().is_some_and(|t| t != "probe")
        {
            print_full = true;
        } else if !partially {
            if !child.is_set(rflags::ORPHAN)
                && show_opts & show::CLONE_DETAIL == 0
                && show_opts & show::INACTIVE_RSCS != 0
            {
                stopped.insert(child.id.clone(), "Stopped".into());
                have_stopped = true;
            }
        } else if crate::assign::clone::is_set_recursive(ws, c, rflags::ORPHAN, true)
            || !crate::assign::clone::is_set_recursive(ws, c, rflags::MANAGED, false)
            || crate::assign::clone::is_set_recursive(ws, c, rflags::FAILED, true)
        {
            print_full = true;
        } else if rscfns::active(ws, c, true) {
            match rscfns::location(ws, c, None, 1) {
                Some(loc) => {
                    let role = rscfns::state(ws, c, true);
                    if !ws.nodes[loc].online && ws.nodes[loc].unclean {
                        print_full = true;
                    } else if role > Role::Unpromoted {
                        promoted.push(loc);
                    } else {
                        started.push(loc);
                    }
                }
                None => print_full = true,
            }
        } else {
            print_full = true;
        }
        if print_full {
            clone_header(ws, out, r, &mut printed);
            print_resource(ws, out, c, show_opts);
        }
    }
    if show_opts & show::CLONE_DETAIL != 0 {
        if printed {
            out.end_list();
        }
        return true;
    }
    let mut active_instances = 0;
    cmp_node_names(ws, &mut promoted);
    if !promoted.is_empty() {
        let names: Vec<&str> = promoted
            .iter()
            .map(|&n| ws.nodes[n].uname.as_str())
            .collect();
        active_instances += names.len();
        clone_header(ws, out, r, &mut printed);
        out.list_item(None, &format!("Promoted: [ {} ]", names.join(" ")));
    }
    cmp_node_names(ws, &mut started);
    if !started.is_empty() {
        let names: Vec<&str> = started
            .iter()
            .map(|&n| ws.nodes[n].uname.as_str())
            .collect();
        active_instances += names.len();
        clone_header(ws, out, r, &mut printed);
        let list = names.join(" ");
        if rsc.is_set(rflags::PROMOTABLE) {
            if configured_role(ws, r) == Role::Unpromoted {
                out.list_item(None, &format!("Unpromoted (target-role): [ {list} ]"));
            } else {
                out.list_item(None, &format!("Unpromoted: [ {list} ]"));
            }
        } else {
            out.list_item(None, &format!("Started: [ {list} ]"));
        }
    }
    if show_opts & show::INACTIVE_RSCS != 0 {
        if !rsc.is_set(rflags::UNIQUE) && rsc.clone.clone_max > active_instances as i32 {
            stopped.clear();
            have_stopped = false;
            let mut list: Vec<NodeId> = rsc.allowed_nodes.iter().map(|n| n.node).collect();
            if list.is_empty() {
                list = rsc.known_on.iter().map(|n| n.node).collect();
            }
            cmp_node_names(ws, &mut list);
            for n in list {
                let uname = &ws.nodes[n].uname;
                if rsc
                    .running_on
                    .iter()
                    .any(|&x| ws.nodes[x].uname.eq_ignore_ascii_case(uname))
                {
                    continue;
                }
                let state = match failed_probe(ws, r, Some(uname)) {
                    Some(op) => {
                        let rc = util::scan_min_int(ws.doc.attr(op, "rc-code"), 0);
                        format!("Stopped ({})", crate::util::ocf_exit_str(rc))
                    }
                    None if configured_role(ws, r) == Role::Stopped => "Stopped (disabled)".into(),
                    None => "Stopped".into(),
                };
                stopped.insert(uname.clone(), state);
                have_stopped = true;
            }
        }
        if have_stopped {
            clone_header(ws, out, r, &mut printed);
            let mut statuses: Vec<&String> = stopped.values().collect();
            statuses.sort();
            statuses.dedup();
            for status in statuses {
                let mut nodes: Vec<&String> = stopped
                    .iter()
                    .filter(|(_, v)| *v == status)
                    .map(|(k, _)| k)
                    .collect();
                nodes.sort_by(|a, b| util::numeric_strcasecmp(a, b));
                let names: Vec<&str> = nodes.iter().map(|s| s.as_str()).collect();
                if !names.is_empty() {
                    out.list_item(None, &format!("{status}: [ {} ]", names.join(" ")));
                }
            }
        } else if active_instances == 0 {
            clone_header(ws, out, r, &mut printed);
            out.end_list();
            return true;
        }
    }
    if printed {
        out.end_list();
    }
    printed
}

/// `pe__bundle_text` / `pe__bundle_xml`.
fn bundle(ws: &WorkingSet, out: &mut Out, r: RscId, show_opts: u32) -> bool {
    let rsc = &ws.resources[r];
    let Some(data) = rsc.bundle.as_ref() else {
        return false;
    };
    let b = |v: bool| if v { "true" } else { "false" };
    let mut printed = false;
    for rep in &data.replicas {
        let Some(container) = rep.container else {
            continue;
        };
        if rscfns::active(ws, container, false) && ws.resources[container].running_on.is_empty() {
            continue;
        }
        if out.is_xml() {
            if !printed {
                printed = true;
                out.xml_open(
                    "bundle",
                    &[
                        ("id", Some(&rsc.id)),
                        ("type", Some(data.agent_type.as_str())),
                        ("image", data.image.as_deref()),
                        ("unique", Some(b(rsc.is_set(rflags::UNIQUE)))),
                        ("managed", Some(b(rsc.is_set(rflags::MANAGED)))),
                        ("failed", Some(b(rsc.is_set(rflags::FAILED)))),
                    ],
                );
            }
            let id = rep.offset.to_string();
            out.xml_open("replica", &[("id", Some(&id))]);
            for part in [rep.ip, rep.child, rep.container, rep.remote]
                .into_iter()
                .flatten()
            {
                print_resource(ws, out, part, show_opts);
            }
            out.xml_close();
            continue;
        }
        if !printed {
            printed = true;
            out.begin_list(
                None,
                None,
                &format!(
                    "Container bundle{}: {} [{}]{}{}",
                    if data.nreplicas > 1 { " set" } else { "" },
                    rsc.id,
                    data.image.as_deref().unwrap_or("(null)"),
                    if rsc.is_set(rflags::UNIQUE) {
                        " (unique)"
                    } else {
                        ""
                    },
                    if rsc.is_set(rflags::MANAGED) {
                        ""
                    } else {
                        " (unmanaged)"
                    }
                ),
            );
        }
        // pe__bundle_replica_output_text
        let shown = rep.child.unwrap_or(container);
        let mut name = match rep.remote {
            Some(rm) => ws.printable_id(rm).to_owned(),
            None => ws.printable_id(container).to_owned(),
        };
        if let Some(ip) = &rep.ipaddr {
            name.push_str(&format!(" ({ip})"));
        }
        let node = ws.current_node(container);
        let rs = &ws.resources[shown];
        if util::is_true(rs.meta.get("internal_rsc").map(String::as_str))
            && show_opts & show::IMPLICIT_RSCS == 0
        {
            continue;
        }
        let target_role = rs.meta.get("target-role").map(String::as_str);
        let s = native_output_string(ws, shown, &name, node, show_opts, target_role, true);
        out.list_item(None, &s);
    }
    if printed {
        if out.is_xml() {
            out.xml_close();
        } else {
            out.end_list();
        }
    }
    printed
}
