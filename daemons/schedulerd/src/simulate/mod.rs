//! Simulating a transition (lib/pacemaker/pcmk_simulate.c,
//! pcmk_injections.c, pcmk_graph_consumer.c): synthetic events applied to
//! a CIB copy, and a transition graph "executed" against it.
//!
//! - [`inject`]: CIB edits (node state, resource history, fail counts).
//! - [`consumer`]: running a graph with simulated results.

pub mod consumer;
pub mod inject;

use pcmk_xml::Element;

use crate::model::WorkingSet;
use crate::output::Out;
use crate::util;

/// Synthetic cluster events (`pcmk_injections_t`).
#[derive(Clone, Debug, Default)]
pub struct Injections {
    pub node_up: Vec<String>,
    pub node_down: Vec<String>,
    pub node_fail: Vec<String>,
    pub op_inject: Vec<String>,
    pub op_fail: Vec<String>,
    pub ticket_grant: Vec<String>,
    pub ticket_revoke: Vec<String>,
    pub ticket_standby: Vec<String>,
    pub ticket_activate: Vec<String>,
    pub quorum: Option<String>,
    pub watchdog: Option<String>,
}

impl Injections {
    /// Whether any event changes the CIB before scheduling.
    pub fn any(&self) -> bool {
        !(self.node_down.is_empty()
            && self.node_fail.is_empty()
            && self.node_up.is_empty()
            && self.op_inject.is_empty()
            && self.ticket_activate.is_empty()
            && self.ticket_grant.is_empty()
            && self.ticket_revoke.is_empty()
            && self.ticket_standby.is_empty()
            && self.watchdog.is_none())
    }
}

/// `set_ticket_state_attr`.
fn set_ticket_attr(cib: &mut Element, ticket: &str, attr: &str, value: bool) {
    let status = inject::status_mut(cib);
    if status.first_element("tickets").is_none() {
        status.push_element(Element::new("tickets"));
    }
    let tickets = status.first_element_mut("tickets").expect("tickets");
    let pos = tickets
        .elements()
        .position(|e| e.name() == "ticket_state" && e.id() == Some(ticket));
    let ts = match pos {
        Some(i) => tickets.elements_mut().nth(i).expect("ticket"),
        None => tickets.push_element(Element::new("ticket_state").with_attr("id", ticket)),
    };
    let value = if value { "true" } else { "false" };
    let changed = pos.is_none() || ts.attr(attr) != Some(value);
    ts.set_attr(attr, value);
    if changed {
        inject::count_change(cib, false);
    }
}

/// `cib__update_node_attr` for a cluster option in `crm_config` (a
/// configuration change when the value differs).
fn set_cluster_option(cib: &mut Element, name: &str, value: &str) {
    if put_cluster_option(cib, name, value) {
        inject::count_change(cib, true);
    }
}

fn put_cluster_option(cib: &mut Element, name: &str, value: &str) -> bool {
    let Some(cc) = cib
        .first_element_mut("configuration")
        .and_then(|c| c.first_element_mut("crm_config"))
    else {
        return false;
    };
    // an existing nvpair of that name, in any set
    for set in cc.elements_mut() {
        if set.name() != "cluster_property_set" {
            continue;
        }
        if let Some(nv) = set
            .elements_mut()
            .find(|nv| nv.name() == "nvpair" && nv.attr("name") == Some(name))
        {
            let changed = nv.attr("value") != Some(value);
            nv.set_attr("value", value);
            return changed;
        }
    }
    // else a new one in the default set (created if missing)
    let set_id = "cib-bootstrap-options";
    let pos = cc
        .elements()
        .position(|e| e.name() == "cluster_property_set" && e.id() == Some(set_id));
    let set = match pos {
        Some(i) => cc.elements_mut().nth(i).expect("set"),
        None => cc.push_element(Element::new("cluster_property_set").with_attr("id", set_id)),
    };
    set.push_element(
        Element::new("nvpair")
            .with_attr("id", format!("{set_id}-{name}"))
            .with_attr("name", name)
            .with_attr("value", value),
    );
    true
}

/// `inject_action`: a made-up operation result from an `--op-inject` spec.
fn inject_action(
    ws: &WorkingSet,
    cib: &mut Element,
    out: &mut Out,
    spec: &str,
    now: i64,
    node_config: bool,
) {
    crate::output::events::spec(out, spec);
    let Some((key, rest)) = spec.split_once('@') else {
        out.err(&format!(
            "Invalid operation spec: {spec}.  Only found 1 fields"
        ));
        return;
    };
    let Some((node, rc)) = rest.split_once('=') else {
        out.err(&format!(
            "Invalid operation spec: {spec}.  Only found 2 fields"
        ));
        return;
    };
    let Ok(outcome) = rc.trim().parse::<i32>() else {
        out.err(&format!(
            "Invalid operation spec: {spec}.  Only found 2 fields"
        ));
        return;
    };
    let (resource, task, interval_ms) =
        util::parse_op_key(key).unwrap_or((key.to_owned(), String::new(), 0));
    let Some(r) = ws.find_resource(&resource) else {
        out.err(&format!("Invalid resource name: {resource}"));
        return;
    };
    let rx = ws.resources[r].xml;
    let class = ws.doc.attr(rx, "class").map(str::to_owned);
    let ty = ws.doc.attr(rx, "type").map(str::to_owned);
    let provider = ws.doc.attr(rx, "provider").map(str::to_owned);
    let mut state = inject::inject_node(cib, node, None, node_config);
    inject::inject_failcount(out, &mut state, &resource, &task, interval_ms, outcome, now);
    let hist = match inject::inject_resource_history(
        &mut state,
        &resource,
        &resource,
        class.as_deref(),
        ty.as_deref(),
        provider.as_deref(),
    ) {
        Ok(h) => h,
        Err(m) => {
            out.err(&m);
            return;
        }
    };
    let mut call_id = 0;
    for op in hist.elements() {
        let c = util::value_int(op.attr("call-id")).unwrap_or(0);
        if c > call_id {
            call_id = c;
        }
    }
    let mut ev = inject::Event {
        rsc_id: resource.clone(),
        op_type: task,
        interval_ms,
        rc: outcome,
        op_status: 0,
        exit_reason: Some("Simulated action result".into()),
        call_id: call_id + 1,
        t_run: now,
        t_rcchange: now,
        params: None,
    };
    inject::create_history_xml(hist, &mut ev, 0, None);
    inject::modify_status(cib, &state);
}

/// `pcmk__inject_scheduler_input`: apply the synthetic events to `cib`.
#[doc(alias = "pcmk__inject_scheduler_input")]
pub fn inject_scheduler_input(
    ws: &WorkingSet,
    cib: &mut Element,
    out: &mut Out,
    inj: &Injections,
    now: i64,
) {
    let node_config = !inj.node_up.is_empty();
    crate::output::events::modify_config(out, inj.quorum.as_deref(), inj.watchdog.as_deref());
    if let Some(q) = &inj.quorum {
        let changed = cib.attr("have-quorum") != Some(q.as_str());
        cib.set_attr("have-quorum", q.clone());
        if changed {
            inject::count_change(cib, false);
        }
    }
    if let Some(w) = &inj.watchdog {
        set_cluster_option(cib, "have-watchdog", w);
    }
    for node in &inj.node_up {
        crate::output::events::modify_node(out, "Online", node);
        let state = inject::inject_node_state_change(cib, node, true, node_config);
        inject::modify_status(cib, &state);
    }
    for node in &inj.node_down {
        crate::output::events::modify_node(out, "Offline", node);
        let state = inject::inject_node_state_change(cib, node, false, node_config);
        inject::modify_status(cib, &state);
        inject::remove_node_children(cib, node, "lrm");
        inject::remove_node_children(cib, node, "transient_attributes");
    }
    for node in &inj.node_fail {
        crate::output::events::modify_node(out, "Failing", node);
        let mut state = inject::inject_node_state_change(cib, node, true, node_config);
        state.set_attr("in_ccm", "false");
        inject::modify_status(cib, &state);
    }
    for (list, verb, attr, value) in [
        (&inj.ticket_grant, "Granting", "granted", true),
        (&inj.ticket_revoke, "Revoking", "granted", false),
        (&inj.ticket_standby, "Standby", "standby", true),
        (&inj.ticket_activate, "Activating", "standby", false),
    ] {
        for t in list {
            crate::output::events::modify_ticket(out, verb, t);
            set_ticket_attr(cib, t, attr, value);
        }
    }
    for spec in &inj.op_inject {
        inject_action(ws, cib, out, spec, now, node_config);
    }
    if !out.is_quiet() {
        if out.is_xml() {
            out.xml_close();
        } else {
            out.end_list();
        }
    }
}
