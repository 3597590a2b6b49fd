//! The transition graph (lib/pacemaker/pcmk_graph_producer.c): which
//! actions become synapses, with which inputs, in which order.
//!
//! - this module: `pcmk__create_graph` and its helpers.
//! - [`dot`]: the dot rendering of all actions (`crm_simulate -D`).

pub mod dot;

use std::collections::HashMap;

use pcmk_xml::Element;

use crate::model::{
    aflags, oflags, rflags, wsflags, ActionId, NodeId, QuorumPolicy, RscId, Variant, WorkingSet,
    Wrapper,
};
use crate::unpack::digest::meta_name;
use crate::util;

/// What the graph producer leaves behind: the graph XML and the number of
/// synapses.
pub struct Graph {
    pub xml: Element,
    pub num_synapse: i32,
}

fn add_node_by_id(parent: &mut Element, id: &str) -> usize {
    parent.push_element(Element::new("node").with_attr("id", id));
    parent.elements().count() - 1
}

/// `add_maintenance_nodes`: remote nodes whose maintenance state changes.
fn add_maintenance_nodes(ws: &WorkingSet, xml: Option<&mut Element>) -> usize {
    let mut count = 0;
    let mut maint = Element::new("maintenance");
    for &n in &ws.node_list {
        if !ws.is_guest_or_remote(n) {
            continue;
        }
        let d = &ws.nodes[n];
        if d.maintenance != d.remote_maintenance {
            maint.push_element(
                Element::new("node")
                    .with_attr("id", d.id.clone())
                    .with_attr("node_in_maintenance", if d.maintenance { "1" } else { "0" }),
            );
            count += 1;
        }
    }
    if let Some(x) = xml {
        x.push_element(maint);
    }
    count
}

/// `add_maintenance_update`.
fn add_maintenance_update(ws: &mut WorkingSet) {
    if add_maintenance_nodes(ws, None) > 0 {
        let a = crate::actions::create::get_pseudo_op(ws, "maintenance_nodes");
        ws.actions[a].set(aflags::PRINT_ALWAYS);
    }
}

/// `add_downed_nodes`.
fn add_downed_nodes(ws: &WorkingSet, xml: &mut Element, a: ActionId) {
    let action = &ws.actions[a];
    let Some(node) = action.node else { return };
    if action.task.eq_ignore_ascii_case("do_shutdown") {
        let mut downed = Element::new("downed");
        add_node_by_id(&mut downed, &ws.nodes[node].id);
        xml.push_element(downed);
    } else if action.task.eq_ignore_ascii_case("stonith") {
        let fence = action.meta.get("stonith_action").map(String::as_str);
        if matches!(fence, Some("off") | Some("reboot")) {
            let mut downed = Element::new("downed");
            add_node_by_id(&mut downed, &ws.nodes[node].id);
            if ws.is_set(wsflags::HAVE_REMOTE_NODES) {
                for &r in &ws.nodes[node].running_rsc {
                    let rr = &ws.resources[r];
                    if rr.is_remote_node && rr.container.is_some() {
                        if let Some(g) = ws.find_node(&rr.id) {
                            add_node_by_id(&mut downed, &ws.nodes[g].id);
                        }
                    }
                }
            }
            xml.push_element(downed);
        }
    } else if let Some(r) = action.rsc {
        if ws.resources[r].is_remote_node && action.task.eq_ignore_ascii_case("stop") {
            let migrating = action.before.iter().rev().any(|w| {
                let input = &ws.actions[w.action];
                input.rsc.is_some_and(|ir| {
                    ws.resources[ir]
                        .id
                        .eq_ignore_ascii_case(&ws.resources[r].id)
                }) && input.task.eq_ignore_ascii_case("migrate_from")
            });
            if !migrating {
                let mut downed = Element::new("downed");
                add_node_by_id(&mut downed, &ws.resources[r].id);
                xml.push_element(downed);
            }
        }
    }
}

/// `clone_op_key`: the operation key under the history name.
fn clone_op_key(ws: &WorkingSet, a: ActionId, interval_ms: u32) -> String {
    let action = &ws.actions[a];
    let r = action.rsc.expect("resource action");
    let name = ws.resources[r].clone_name.as_deref().unwrap_or("");
    if action.task == "notify" {
        let n_type = action
            .meta
            .get("notify_type")
            .map(String::as_str)
            .unwrap_or("");
        let n_task = action
            .meta
            .get("notify_operation")
            .map(String::as_str)
            .unwrap_or("");
        util::notify_key(name, n_type, n_task)
    } else if let Some(c) = &action.cancel_task {
        util::op_key(name, c, interval_ms)
    } else {
        util::op_key(name, &action.task, interval_ms)
    }
}

/// `pcmk__connection_host_for_action`: the cluster node that routes an
/// action for a remote node.
#[doc(alias = "pcmk__connection_host_for_action")]
pub fn connection_host_for_action(ws: &WorkingSet, a: ActionId) -> Option<NodeId> {
    let action = &ws.actions[a];
    let node = action.node?;
    if action.task.eq_ignore_ascii_case("stonith") || !ws.is_guest_or_remote(node) {
        return None;
    }
    let remote = ws.nodes[node].remote_rsc?;
    let began_on = ws.current_node(remote);
    let ended_on = ws.resources[remote].allocated_to.map(|n| n.node);
    let partial = ws.resources[remote].container.is_none()
        && ws.resources[remote].partial_migration_target.is_some();
    let (Some(b), Some(e)) = (began_on, ended_on) else {
        return ended_on.or(began_on);
    };
    if b == e {
        return Some(b);
    }
    let mut task = action.task.as_str();
    if task.eq_ignore_ascii_case("notify") {
        task = action
            .meta
            .get("notify_operation")
            .map(String::as_str)
            .unwrap_or("");
    }
    if ["cancel", "stop", "demote", "migrate_from", "migrate_to"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(task))
        && !partial
    {
        return Some(b);
    }
    Some(e)
}

/// `pcmk__action_locks_rsc_to_node`.
#[doc(alias = "pcmk__action_locks_rsc_to_node")]
pub fn action_locks_rsc_to_node(ws: &WorkingSet, a: ActionId) -> bool {
    let action = &ws.actions[a];
    let (Some(r), Some(n)) = (action.rsc, action.node) else {
        return false;
    };
    if ws.resources[r].lock_node != Some(n) {
        return false;
    }
    !(ws.nodes[n].shutdown && action.task != "stop")
}

fn add_node_details(ws: &WorkingSet, a: ActionId, xml: &mut Element) {
    let node = ws.actions[a].node.expect("node");
    xml.set_attr("on_node", ws.nodes[node].uname.clone());
    xml.set_attr("on_node_uuid", ws.nodes[node].id.clone());
    if let Some(router) = connection_host_for_action(ws, a) {
        xml.set_attr("router_node", ws.nodes[router].uname.clone());
    }
}

fn add_resource_details(ws: &WorkingSet, a: ActionId, xml: &mut Element) {
    let r = ws.actions[a].rsc.expect("resource");
    let rsc = &ws.resources[r];
    if action_locks_rsc_to_node(ws, a) {
        xml.set_attr("shutdown-lock", rsc.lock_time.to_string());
    }
    let mut rx = Element::new(ws.doc.name(rsc.xml));
    let xml_id = ws.doc.id(rsc.xml).unwrap_or("").to_owned();
    if rsc.is_set(rflags::ORPHAN) && rsc.clone_name.is_some() {
        rx.set_attr("id", rsc.clone_name.clone().unwrap_or_default());
        rx.set_attr("long-id", rsc.id.clone());
    } else if !rsc.is_set(rflags::UNIQUE) {
        rx.set_attr("id", xml_id.clone());
        match &rsc.clone_name {
            Some(c) if *c != xml_id => rx.set_attr("long-id", c.clone()),
            _ => rx.set_attr("long-id", rsc.id.clone()),
        }
    } else {
        rx.set_attr("id", rsc.id.clone());
    }
    for name in ["class", "provider", "type"] {
        if let Some(v) = rsc.meta.get(name) {
            rx.set_attr(name, v.clone());
        }
    }
    xml.push_element(rx);
}

/// Attributes being collected for one action: `crm_xml_add` semantics with
/// `hash2field`'s "first value wins" on top.
struct Attrs {
    attrs: HashMap<String, String>,
    params: Vec<(String, String)>,
}

impl Attrs {
    fn add_if_absent(&mut self, k: &str, v: &str) {
        if !self.attrs.contains_key(k) {
            self.attrs.insert(k.to_owned(), v.to_owned());
        }
    }
    fn set(&mut self, k: &str, v: String) {
        self.attrs.insert(k.to_owned(), v);
    }
    fn smart(&mut self, k: &str, v: &str) {
        if k.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            self.params.push((k.to_owned(), v.to_owned()));
        } else {
            self.add_if_absent(k, v);
        }
    }
    fn meta(&mut self, k: &str, v: &str) {
        if k.contains('#') || k.contains(':') {
            return;
        }
        self.add_if_absent(&meta_name(k), v);
    }
}

/// `pcmk__primitive_add_graph_meta` / `clone_append_meta`.
fn add_graph_meta(ws: &WorkingSet, r: RscId, attrs: &mut Attrs) {
    let rsc = &ws.resources[r];
    match rsc.variant {
        Variant::Native => {
            if let Some(v) = rsc.meta.get("clone") {
                attrs.set(&meta_name("clone"), v.clone());
            }
            if let Some(v) = rsc.meta.get("remote-node") {
                attrs.set(&meta_name("remote-node"), v.clone());
            }
            let mut p = Some(r);
            while let Some(pr) = p {
                if let Some(c) = ws.resources[pr].container {
                    attrs.set("CRM_meta_container", ws.resources[c].id.clone());
                }
                p = ws.resources[pr].parent;
            }
            if let Some(v) = rsc.meta.get("external-ip") {
                attrs.set("pcmk_external_ip", v.clone());
            }
        }
        Variant::Clone => {
            let b = |f| if rsc.is_set(f) { "true" } else { "false" };
            attrs.set(&meta_name("globally-unique"), b(rflags::UNIQUE).into());
            attrs.set(&meta_name("notify"), b(rflags::NOTIFY).into());
            attrs.set(&meta_name("clone-max"), rsc.clone.clone_max.to_string());
            attrs.set(
                &meta_name("clone-node-max"),
                rsc.clone.clone_node_max.to_string(),
            );
            if rsc.is_set(rflags::PROMOTABLE) {
                let pm = rsc.clone.promoted_max.to_string();
                let pnm = rsc.clone.promoted_node_max.to_string();
                attrs.set(&meta_name("promoted-max"), pm.clone());
                attrs.set(&meta_name("promoted-node-max"), pnm.clone());
                attrs.set(&meta_name("master-max"), pm);
                attrs.set(&meta_name("master-node-max"), pnm);
            }
        }
        _ => {}
    }
}

/// `pcmk__add_bundle_meta_to_xml`.
fn add_bundle_meta(ws: &WorkingSet, a: ActionId, attrs: &mut Attrs) {
    let action = &ws.actions[a];
    let Some(node) = action.node else { return };
    if !ws.is_guest(node) {
        return;
    }
    let mut task = action.task.as_str();
    if task == "notify" || task == "notified" {
        task = action
            .meta
            .get("notify_operation")
            .map(String::as_str)
            .unwrap_or("");
    }
    let remote = ws.nodes[node].remote_rsc.expect("guest");
    let container = ws.resources[remote].container.expect("guest");
    let host = match task {
        "stop" | "stopped" | "demote" | "demoted" => ws.current_node(container),
        "start" | "running" | "monitor" | "promote" | "promoted" => {
            ws.resources[container].allocated_to.map(|n| n.node)
        }
        _ => None,
    };
    if let Some(h) = host {
        if let Some(v) = action
            .rsc
            .and_then(|r| ws.resources[r].meta.get("container-attribute-target"))
        {
            let v = v.clone();
            attrs.meta("container-attribute-target", &v);
        }
        let uname = ws.nodes[h].uname.clone();
        attrs.meta("physical_host", &uname);
    }
}

/// `add_action_attributes`.
fn add_action_attributes(ws: &mut WorkingSet, a: ActionId, xml: &mut Element) {
    let mut attrs = Attrs {
        attrs: HashMap::new(),
        params: Vec::new(),
    };
    attrs.set("crm_feature_set", crate::CRM_FEATURE_SET.into());
    for (k, v) in &ws.actions[a].extra {
        attrs.add_if_absent(k, v);
    }
    let (rsc, node) = (ws.actions[a].rsc, ws.actions[a].node);
    if let (Some(r), Some(n)) = (rsc, node) {
        let mut params = ws.rsc_params(r, Some(n));
        if params.get("addr").is_some_and(|v| v == "#uname") {
            if let Some(v) = ws.rsc_params(r, None).get("addr") {
                params.insert("addr".into(), v.clone());
            }
        }
        let mut keys: Vec<_> = params.keys().cloned().collect();
        keys.sort();
        for k in keys {
            attrs.smart(&k, &params[&k]);
        }
    } else if let Some(r) = rsc {
        if ws.resources[r].variant == Variant::Native {
            let params = ws.rsc_params(r, None);
            let mut keys: Vec<_> = params.keys().cloned().collect();
            keys.sort();
            for k in keys {
                attrs.smart(&k, &params[&k]);
            }
        }
    }
    for (k, v) in &ws.actions[a].meta {
        attrs.meta(k, v);
    }
    if let Some(r) = rsc {
        let mut p = Some(r);
        while let Some(pr) = p {
            add_graph_meta(ws, pr, &mut attrs);
            p = ws.resources[pr].parent;
        }
        add_bundle_meta(ws, a, &mut attrs);
    } else if ws.actions[a].task == "stonith" {
        if let Some(n) = node {
            for (k, v) in &ws.nodes[n].attrs {
                attrs.meta(k, v);
            }
        }
    }
    let mut list: Vec<(String, String)> = attrs.attrs.into_iter().collect();
    list.sort();
    let mut ax = Element::new("attributes");
    for (k, v) in list {
        ax.set_attr(&k, v);
    }
    for (k, v) in attrs.params {
        ax.push_element(
            Element::new("param")
                .with_attr("name", k)
                .with_attr("value", v),
        );
    }
    xml.push_element(ax);
}

/// `create_graph_action`.
fn create_graph_action(ws: &mut WorkingSet, a: ActionId, skip_details: bool) -> Element {
    let mut needs_node_info = true;
    let mut needs_maintenance_info = false;
    let (task, pseudo) = (
        ws.actions[a].task.clone(),
        ws.actions[a].is_set(aflags::PSEUDO),
    );
    let mut xml;
    if task.eq_ignore_ascii_case("stonith") {
        xml = Element::new(if pseudo { "pseudo_event" } else { "crm_event" });
    } else if task == "do_shutdown" || task == "clear_failcount" {
        xml = Element::new("crm_event");
    } else if task == "lrm_delete" {
        xml = Element::new("crm_event");
        xml.set_attr("mode", "cib");
    } else if pseudo {
        if task == "maintenance_nodes" {
            needs_maintenance_info = true;
        }
        xml = Element::new("pseudo_event");
        needs_node_info = false;
    } else {
        xml = Element::new("rsc_op");
    }
    xml.set_attr("id", ws.actions[a].id.to_string());
    xml.set_attr("operation", task.clone());
    let clone_named = ws.actions[a]
        .rsc
        .is_some_and(|r| ws.resources[r].clone_name.is_some());
    if clone_named {
        let interval = ws.actions[a]
            .meta
            .get("interval")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0);
        let key = clone_op_key(ws, a, interval);
        xml.set_attr("operation_key", key);
        xml.set_attr("internal_operation_key", ws.actions[a].uuid.clone());
    } else {
        xml.set_attr("operation_key", ws.actions[a].uuid.clone());
    }
    if needs_node_info {
        if let Some(n) = ws.actions[a].node {
            add_node_details(ws, a, &mut xml);
            let (uname, id) = (ws.nodes[n].uname.clone(), ws.nodes[n].id.clone());
            ws.actions[a].meta.insert("on_node".into(), uname);
            ws.actions[a].meta.insert("on_node_uuid".into(), id);
        }
    }
    if skip_details {
        return xml;
    }
    if ws.actions[a].rsc.is_some() && !pseudo {
        add_resource_details(ws, a, &mut xml);
    }
    add_action_attributes(ws, a, &mut xml);
    if needs_node_info && ws.actions[a].node.is_some() {
        add_downed_nodes(ws, &mut xml, a);
    }
    if needs_maintenance_info {
        add_maintenance_nodes(ws, Some(&mut xml));
    }
    xml
}

/// `should_add_action_to_graph`.
fn should_add_action(ws: &WorkingSet, a: ActionId) -> bool {
    let action = &ws.actions[a];
    if !action.is_set(aflags::RUNNABLE) {
        return false;
    }
    if action.is_set(aflags::OPTIONAL) && !action.is_set(aflags::PRINT_ALWAYS) {
        return false;
    }
    if let Some(r) = action.rsc {
        if !ws.resources[r].is_set(rflags::MANAGED) && action.task != "monitor" {
            let interval = action.meta.get("interval").map(String::as_str);
            if interval.map_or(true, |v| v == "0") {
                return false;
            }
        }
    }
    if action.is_set(aflags::PSEUDO)
        || action.task.eq_ignore_ascii_case("stonith")
        || action.task.eq_ignore_ascii_case("do_shutdown")
    {
        return true;
    }
    let Some(n) = action.node else {
        crate::config_err!(
            "should_add_action_to_graph",
            "Skipping action {} ({}) because it was not allocated to a node (bug?)",
            action.uuid,
            action.id
        );
        return false;
    };
    if action.is_set(aflags::DC) {
        return true;
    }
    if ws.is_guest(n) && !ws.nodes[n].remote_requires_reset {
        return true;
    }
    if !ws.nodes[n].online {
        crate::config_err!(
            "should_add_action_to_graph",
            "Skipping action {} ({}) because it was scheduled for offline node (bug?)",
            action.uuid,
            action.id
        );
        return false;
    }
    if ws.nodes[n].unclean {
        crate::config_err!(
            "should_add_action_to_graph",
            "Skipping action {} ({}) because it was scheduled for unclean node (bug?)",
            action.uuid,
            action.id
        );
        return false;
    }
    true
}

fn ordering_can_change_actions(kind: u32) -> bool {
    kind & !(oflags::IMPLIES_FIRST_PRINTED | oflags::IMPLIES_THEN_PRINTED | oflags::OPTIONAL) != 0
}

/// `should_add_input_to_graph`. May disable the input (`pe_order_none`).
fn should_add_input(ws: &WorkingSet, a: ActionId, input: &mut Wrapper) -> bool {
    if input.dumped {
        return true;
    }
    let ia = &ws.actions[input.action];
    let action = &ws.actions[a];
    let kind = input.kind;
    if kind == oflags::NONE {
        return false;
    } else if !ia.is_set(aflags::RUNNABLE) && !ordering_can_change_actions(kind) {
        return false;
    } else if !ia.is_set(aflags::RUNNABLE) && kind & oflags::ONE_OR_MORE != 0 {
        return false;
    } else if kind & oflags::IMPLIES_FIRST_MIGRATABLE != 0 && !ia.is_set(aflags::RUNNABLE) {
        return false;
    } else if kind & oflags::APPLY_FIRST_NON_MIGRATABLE != 0 && ia.is_set(aflags::MIGRATE_RUNNABLE)
    {
        return false;
    } else if kind == oflags::OPTIONAL
        && ia.is_set(aflags::MIGRATE_RUNNABLE)
        && ia.uuid.ends_with("_stop_0")
    {
        return false;
    } else if kind == oflags::LOAD {
        let input_node = ia.node;
        if let (Some(ar), true) = (action.rsc, action.task.eq_ignore_ascii_case("migrate_to")) {
            let allocated = ws.resources[ar].allocated_to.map(|n| n.node);
            if input_node.is_none() || allocated.is_none() || input_node != allocated {
                input.kind = oflags::NONE;
                return false;
            }
        } else if input_node.is_none() || action.node.is_none() || input_node != action.node {
            input.kind = oflags::NONE;
            return false;
        } else if ia.is_set(aflags::OPTIONAL) {
            input.kind = oflags::NONE;
            return false;
        }
    } else if kind == oflags::ANTI_COLOCATION {
        if ia.node.is_some() && action.node.is_some() && ia.node != action.node {
            input.kind = oflags::NONE;
            return false;
        } else if ia.is_set(aflags::OPTIONAL) {
            input.kind = oflags::NONE;
            return false;
        }
    } else if let Some(ir) = ia.rsc.filter(|&ir| {
        Some(ir) != action.rsc
            && ws.resources[ir].is_set(rflags::FAILED)
            && !ws.resources[ir].is_set(rflags::MANAGED)
            && ia.uuid.ends_with("_stop_0")
            && action.rsc.is_some_and(|r| ws.is_clone(r))
    }) {
        let _ = ir;
        return false;
    } else if ia.is_set(aflags::OPTIONAL)
        && ia.flags & (aflags::PRINT_ALWAYS | aflags::DUMPED) == 0
        && !should_add_action(ws, input.action)
    {
        return false;
    }
    true
}

/// `pcmk__graph_has_loop`: whether adding `input` to `action` would make
/// the graph loop back to `init`.
#[doc(alias = "pcmk__graph_has_loop")]
pub fn graph_has_loop(
    ws: &mut WorkingSet,
    init: ActionId,
    action: ActionId,
    input: &Wrapper,
) -> bool {
    let ia = input.action;
    if ws.actions[ia].is_set(aflags::TRACKING) {
        return false;
    }
    let mut w = *input;
    let ok = should_add_input(ws, action, &mut w);
    sync_wrapper_kind(ws, action, input, w.kind);
    if !ok {
        return false;
    }
    if ia == init {
        return true;
    }
    ws.actions[ia].set(aflags::TRACKING);
    let mut has_loop = false;
    let befores: Vec<Wrapper> = ws.actions[ia].before.iter().rev().copied().collect();
    for b in &befores {
        if graph_has_loop(ws, init, ia, b) {
            has_loop = true;
            break;
        }
    }
    ws.actions[ia].clear(aflags::TRACKING);
    has_loop
}

/// Write back a wrapper kind changed by `should_add_input`.
fn sync_wrapper_kind(ws: &mut WorkingSet, action: ActionId, input: &Wrapper, kind: u32) {
    if kind != input.kind {
        for w in ws.actions[action].before.iter_mut() {
            if w.action == input.action && w.kind == input.kind {
                w.kind = kind;
                break;
            }
        }
    }
}

struct Producer {
    synapses: Vec<Element>,
}

/// `add_action_to_graph`.
fn add_action_to_graph(ws: &mut WorkingSet, g: &mut Producer, a: ActionId) {
    if !ws.actions[a].is_set(aflags::DEDUP) {
        crate::ordering::deduplicate_action_inputs(ws, a);
        ws.actions[a].set(aflags::DEDUP);
    }
    if ws.actions[a].is_set(aflags::DUMPED) || !should_add_action(ws, a) {
        return;
    }
    ws.actions[a].set(aflags::DUMPED);
    let mut syn = Element::new("synapse");
    syn.set_attr("id", ws.num_synapse.to_string());
    ws.num_synapse += 1;
    let mut prio = ws.actions[a].rsc.map_or(0, |r| ws.resources[r].priority);
    if ws.actions[a].priority > prio {
        prio = ws.actions[a].priority;
    }
    if prio > 0 {
        syn.set_attr("priority", prio.to_string());
    }
    let mut set = Element::new("action_set");
    set.push_element(create_graph_action(ws, a, false));
    let mut inputs = Element::new("inputs");
    // the reference's list order is `before` reversed
    let n = ws.actions[a].before.len();
    for i in (0..n).rev() {
        let mut w = ws.actions[a].before[i];
        let ok = should_add_input(ws, a, &mut w);
        ws.actions[a].before[i].kind = w.kind;
        if ok {
            ws.actions[a].before[i].dumped = true;
            let mut trig = Element::new("trigger");
            trig.push_element(create_graph_action(ws, w.action, true));
            inputs.push_element(trig);
        }
    }
    syn.push_element(set);
    syn.push_element(inputs);
    g.synapses.push(syn);
}

/// `rsc->cmds->add_actions_to_graph`.
fn add_rsc_actions(ws: &mut WorkingSet, g: &mut Producer, r: RscId) {
    match ws.resources[r].variant {
        Variant::Clone => {
            let acts = ws.resources[r].actions.clone();
            for &a in acts.iter().rev() {
                crate::ordering::update::action_flags(ws, a, None);
            }
            crate::actions::notif::create_clone_notifications(ws, r);
            let children = ws.resources[r].children.clone();
            for c in children {
                add_rsc_actions(ws, g, c);
            }
            add_own_and_children(ws, g, r);
        }
        Variant::Container => {
            // pcmk__bundle_expand: the bundle's own actions come later,
            // with the cluster-wide list
            let child = ws.resources[r].bundle.as_ref().and_then(|b| b.child);
            if let Some(c) = child {
                add_rsc_actions(ws, g, c);
            }
            for rep in crate::assign::bundle::replicas(ws, r) {
                if let (Some(remote), Some(container)) = (rep.remote, rep.container) {
                    add_bundle_remote_name(ws, remote, container);
                }
                for part in [rep.ip, rep.container, rep.remote].into_iter().flatten() {
                    add_rsc_actions(ws, g, part);
                }
            }
        }
        _ => add_own_and_children(ws, g, r),
    }
}

/// `pe__add_bundle_remote_name` as `pcmk__bundle_expand` uses it: a
/// connection whose address is `#uname` connects to its container's host.
fn add_bundle_remote_name(ws: &mut WorkingSet, remote: RscId, container: RscId) {
    let params = ws.rsc_params(remote, None);
    let needs = params
        .get("addr")
        .is_some_and(|a| a.eq_ignore_ascii_case("#uname"))
        && crate::unpack::nodes::xml_contains_remote_node(ws, ws.resources[remote].xml);
    if !needs {
        return;
    }
    let node = ws.resources[container]
        .allocated_to
        .map(|n| n.node)
        .or_else(|| ws.current_node(container));
    let Some(node) = node else { return };
    let uname = ws.nodes[node].uname.clone();
    let xml = ws.resources[remote].xml;
    let nvs = ws.doc.descendants_named(xml, "nvpair");
    if let Some(nv) = nvs
        .into_iter()
        .find(|&nv| ws.doc.attr(nv, "name") == Some("addr"))
    {
        ws.doc.set_attr(nv, "value", &uname);
    }
    if let Some(p) = ws.resources[remote].param_cache.get_mut("") {
        p.insert("addr".into(), uname);
    }
}

/// `pcmk__add_rsc_actions_to_graph`.
fn add_own_and_children(ws: &mut WorkingSet, g: &mut Producer, r: RscId) {
    let mut i = ws.resources[r].actions.len();
    // newest first; the list may grow while it is walked only at its head,
    // which the reference would not see either
    while i > 0 {
        i -= 1;
        let a = ws.resources[r].actions[i];
        add_action_to_graph(ws, g, a);
    }
    let children = ws.resources[r].children.clone();
    for c in children {
        add_rsc_actions(ws, g, c);
    }
}

/// `pcmk__create_graph`.
#[doc(alias = "pcmk__create_graph")]
pub fn create_graph(ws: &mut WorkingSet) -> Graph {
    let mut root = Element::new("transition_graph");
    for name in ["cluster-delay", "stonith-timeout"] {
        if let Some(v) = crate::unpack::config::pref(ws, name) {
            root.set_attr(name, v);
        }
    }
    root.set_attr("failed-stop-offset", "INFINITY");
    root.set_attr(
        "failed-start-offset",
        if ws.is_set(wsflags::START_FAILURE_FATAL) {
            "INFINITY"
        } else {
            "1"
        },
    );
    if let Some(v) = crate::unpack::config::pref(ws, "batch-limit") {
        root.set_attr("batch-limit", v);
    }
    root.set_attr("transition_id", "0");
    if let Some(v) = crate::unpack::config::pref(ws, "migration-limit") {
        if util::scan_ll(&v).is_ok_and(|l| l > 0) {
            root.set_attr("migration-limit", v);
        }
    }
    if ws.recheck_by > 0 {
        root.set_attr("recheck-by", ws.recheck_by.to_string());
    }
    let mut g = Producer {
        synapses: Vec::new(),
    };
    let top = ws.top.clone();
    for r in top {
        add_rsc_actions(ws, &mut g, r);
    }
    add_maintenance_update(ws);
    let mut i = ws.actions.len();
    while i > 0 {
        i -= 1;
        let a = i;
        let action = &ws.actions[a];
        if let (Some(r), Some(n)) = (action.rsc, action.node) {
            if ws.nodes[n].shutdown
                && !ws.resources[r].is_set(rflags::MAINTENANCE)
                && action.flags & (aflags::OPTIONAL | aflags::RUNNABLE) == 0
                && action.task == "stop"
                && (ws.is_set(wsflags::HAVE_QUORUM) || ws.no_quorum_policy == QuorumPolicy::Ignore)
            {
                // Logged only; it does not change the graph.
                let rsc = &ws.resources[r];
                crate::log_crit!(
                    "pcmk__create_graph",
                    "Cannot {} {} because of {}:{}{} ({})",
                    if ws.nodes[n].unclean {
                        "fence"
                    } else {
                        "shut down"
                    },
                    ws.nodes[n].uname,
                    rsc.id,
                    if rsc.is_set(rflags::MANAGED) {
                        " blocked"
                    } else {
                        " unmanaged"
                    },
                    if rsc.is_set(rflags::FAILED) {
                        " failed"
                    } else {
                        ""
                    },
                    action.uuid
                );
            }
        }
        add_action_to_graph(ws, &mut g, a);
    }
    for s in g.synapses {
        root.push_element(s);
    }
    Graph {
        xml: root,
        num_synapse: ws.num_synapse,
    }
}
