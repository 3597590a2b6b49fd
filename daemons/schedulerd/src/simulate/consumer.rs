//! Executing a transition graph against a CIB copy
//! (lib/pacemaker/pcmk_graph_consumer.c with the simulation callbacks of
//! pcmk_simulate.c).

use pcmk_xml::Element;

use super::inject::{self, Event};
use crate::model::WorkingSet;
use crate::output::Out;
use crate::util::{self, INFINITY};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Rsc,
    Pseudo,
    Cluster,
}

const CONFIRMED: u32 = 1;
const FAILED: u32 = 2;
const CAN_FAIL: u32 = 4;
const EXECUTED: u32 = 8;

struct GAction {
    id: i32,
    kind: Kind,
    xml: Element,
    params: Vec<(String, String)>,
    interval_ms: u32,
    flags: u32,
}

impl GAction {
    fn param(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

const S_READY: u32 = 1;
const S_EXECUTED: u32 = 2;
const S_CONFIRMED: u32 = 4;
const S_FAILED: u32 = 8;

struct Synapse {
    priority: i32,
    flags: u32,
    actions: Vec<GAction>,
    inputs: Vec<GAction>,
}

/// How a graph run ended (`enum pcmk__graph_status`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GraphStatus {
    Active,
    Pending,
    Complete,
    Terminated,
}

impl GraphStatus {
    /// `pcmk__graph_status2text`.
    pub fn as_str(self) -> &'static str {
        match self {
            GraphStatus::Active => "active",
            GraphStatus::Pending => "pending",
            GraphStatus::Complete => "complete",
            GraphStatus::Terminated => "terminated",
        }
    }
}

struct Graph {
    synapses: Vec<Synapse>,
    abort_priority: i32,
    batch_limit: i32,
}

/// `xml2list`: the `<attributes>` of an action (and `<param>` children).
fn xml2list(action: &Element) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    if let Some(attrs) = action.first_element("attributes") {
        for a in attrs.attrs() {
            v.push((a.name.clone(), a.value.clone()));
        }
        for p in attrs.elements_named("param") {
            if let (Some(n), Some(val)) = (p.attr("name"), p.attr("value")) {
                v.push((n.to_owned(), val.to_owned()));
            }
        }
    }
    v
}

fn unpack_action(xml: &Element) -> Option<GAction> {
    let kind = match xml.name() {
        "rsc_op" => Kind::Rsc,
        "pseudo_event" => Kind::Pseudo,
        "crm_event" => Kind::Cluster,
        _ => return None,
    };
    let id = util::scan_min_int(xml.id(), -1);
    let params = xml2list(xml);
    let mut a = GAction {
        id,
        kind,
        xml: xml.clone(),
        params,
        interval_ms: 0,
        flags: 0,
    };
    a.interval_ms = a
        .param("CRM_meta_interval")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if let Some(v) = a.param("CRM_meta_can_fail") {
        if util::str_to_boolean(v) == Some(true) {
            a.flags |= CAN_FAIL;
        }
    }
    Some(a)
}

/// `pcmk__unpack_graph`.
fn unpack_graph(xml: &Element) -> Graph {
    let batch_limit = xml
        .attr("batch-limit")
        .and_then(|v| util::scan_ll(v).ok())
        .map_or(0, |v| v.clamp(-1, i32::MAX as i64) as i32);
    let mut synapses = Vec::new();
    for s in xml.elements_named("synapse") {
        let priority = util::scan_min_int(s.attr("priority"), 0);
        let mut syn = Synapse {
            priority,
            flags: 0,
            actions: Vec::new(),
            inputs: Vec::new(),
        };
        for set in s.elements_named("action_set") {
            for a in set.elements() {
                if let Some(ga) = unpack_action(a) {
                    syn.actions.push(ga);
                }
            }
        }
        for inputs in s.elements_named("inputs") {
            for t in inputs.elements_named("trigger") {
                for a in t.elements() {
                    if let Some(ga) = unpack_action(a) {
                        syn.inputs.push(ga);
                    }
                }
            }
        }
        synapses.push(syn);
    }
    Graph {
        synapses,
        abort_priority: 0,
        batch_limit,
    }
}

/// `pcmk__update_graph`: a confirmed action makes synapses ready or
/// confirmed.
fn update_graph(g: &mut Graph, action_id: i32, action_failed: bool) {
    for syn in &mut g.synapses {
        if syn.flags & (S_CONFIRMED | S_FAILED) != 0 {
            continue;
        } else if syn.flags & S_EXECUTED != 0 {
            let mut all = true;
            for a in &mut syn.actions {
                if a.id == action_id {
                    a.flags |= CONFIRMED;
                } else if all && a.flags & CONFIRMED == 0 {
                    all = false;
                }
            }
            if all {
                syn.flags |= S_CONFIRMED;
            }
        } else if !action_failed || syn.priority == INFINITY {
            if syn.flags & S_READY != 0 {
                continue;
            }
            syn.flags |= S_READY;
            for p in &mut syn.inputs {
                if p.id == action_id {
                    p.flags |= CONFIRMED;
                } else if p.flags & CONFIRMED == 0 {
                    syn.flags &= !S_READY;
                }
            }
        }
    }
}

/// What a simulated action needs besides the graph.
pub struct SimContext<'a> {
    pub ws: &'a WorkingSet,
    pub cib: &'a mut Element,
    pub out: &'a mut Out,
    pub op_fail: &'a [String],
    /// Seconds since the epoch to record as execution times.
    pub now: i64,
    /// `pcmk__simulate_node_config` (set by `--node-up`).
    pub node_config: bool,
}

fn should_fire(g: &Graph, si: usize) -> bool {
    let syn = &g.synapses[si];
    for p in &syn.inputs {
        if p.flags & CONFIRMED == 0 {
            return false;
        } else if p.flags & FAILED != 0 && p.flags & CAN_FAIL == 0 {
            return false;
        }
    }
    true
}

/// The outcome of one simulated action: whether it failed.
fn simulate_action(ctx: &mut SimContext<'_>, g: &mut Graph, a: &GAction) -> Result<bool, ()> {
    match a.kind {
        Kind::Pseudo => {
            let node = a.xml.attr("on_node");
            let task = a.xml.attr("operation_key").unwrap_or("");
            crate::output::events::pseudo_action(ctx.out, node, task);
            Ok(false)
        }
        Kind::Cluster => {
            let node = a.xml.attr("on_node").unwrap_or("(null)").to_owned();
            let task = a.xml.attr("operation").unwrap_or("").to_owned();
            if task.eq_ignore_ascii_case("stonith") {
                simulate_fencing(ctx, a, &node);
                return Ok(false);
            }
            let rid = a.xml.first_element("primitive").and_then(|p| p.id());
            crate::output::events::cluster_action(ctx.out, &node, &task, rid);
            Ok(false)
        }
        Kind::Rsc => simulate_resource(ctx, g, a),
    }
}

fn simulate_fencing(ctx: &mut SimContext<'_>, a: &GAction, target: &str) {
    let op = a.param("CRM_meta_stonith_action").unwrap_or("(null)");
    crate::output::events::fencing_action(ctx.out, target, op);
    if !op.eq_ignore_ascii_case("on") {
        let mut state = inject::inject_node_state_change(ctx.cib, target, false, ctx.node_config);
        state.set_attr("crm-debug-origin", "simulate_fencing_action");
        inject::replace_status(ctx.cib, &state);
        inject::remove_node_children(ctx.cib, target, "lrm");
        inject::remove_node_children(ctx.cib, target, "transient_attributes");
    }
}

fn simulate_resource(ctx: &mut SimContext<'_>, g: &mut Graph, a: &GAction) -> Result<bool, ()> {
    let operation = a.xml.attr("operation").unwrap_or("").to_owned();
    if operation == "reprobe" {
        return Ok(false);
    }
    let Some(action_rsc) = a.xml.first_element("primitive") else {
        return Err(());
    };
    let Some(config_name) = action_rsc.id().map(str::to_owned) else {
        return Err(());
    };
    let node = a.xml.attr("on_node").unwrap_or("").to_owned();
    let mut resource = config_name.clone();
    if ctx.ws.find_resource(&resource).is_none() {
        if let Some(long) = action_rsc.attr("long-id") {
            if ctx.ws.find_resource(long).is_some() {
                resource = long.to_owned();
            }
        }
    }
    if operation.eq_ignore_ascii_case("delete") || operation.eq_ignore_ascii_case("meta-data") {
        crate::output::events::rsc_action(ctx.out, &resource, &operation, &node, 0);
        return Ok(false);
    }
    let class = action_rsc.attr("class").map(str::to_owned);
    let ty = action_rsc.attr("type").map(str::to_owned);
    let provider = action_rsc.attr("provider").map(str::to_owned);
    let target_outcome = util::scan_min_int(a.param("CRM_meta_op_target_rc"), 0);
    let uuid = a.xml.attr("on_node_uuid").map(str::to_owned);
    let router = a.xml.attr("router_node").is_some();
    let node_config = ctx.node_config;
    let state_uuid = if router { Some(node.clone()) } else { uuid };
    let mut failed = false;
    let state_path = inject::node_state_path(ctx.cib, &node, state_uuid.as_deref(), node_config);
    let mut state = inject::copy_for_resource(
        inject::at_path_ref(ctx.cib, &state_path),
        &[&resource, &config_name],
    );
    let hist_path = match inject::resource_history_path(
        &mut state,
        &resource,
        &config_name,
        class.as_deref(),
        ty.as_deref(),
        provider.as_deref(),
    ) {
        Ok(p) => p,
        Err(msg) => {
            ctx.out.err(&msg);
            return Err(());
        }
    };
    let mut call_id = 0;
    for op in inject::at_path(&mut state, &hist_path).elements() {
        let c = util::value_int(op.attr("call-id")).unwrap_or(0);
        if c > call_id {
            call_id = c;
        }
    }
    let mut ev = Event {
        rsc_id: config_name.clone(),
        op_type: operation.clone(),
        interval_ms: a.interval_ms,
        rc: target_outcome,
        op_status: 0,
        exit_reason: Some("User-injected result".into()),
        call_id: call_id + 1,
        t_run: ctx.now,
        t_rcchange: ctx.now,
        params: Some(a.params.clone()),
    };
    crate::output::events::rsc_action(ctx.out, &resource, &ev.op_type, &node, ev.interval_ms);
    for spec in ctx.op_fail {
        let key = format!("{resource}_{}_{}@{node}=", ev.op_type, ev.interval_ms);
        let mut matched = None;
        if spec.len() >= key.len() && spec[..key.len()].eq_ignore_ascii_case(&key) {
            matched = Some(resource.clone());
        }
        if matched.is_none() && resource != config_name {
            let key = format!("{config_name}_{}_{}@{node}=", ev.op_type, ev.interval_ms);
            if spec.len() >= key.len() && spec[..key.len()].eq_ignore_ascii_case(&key) {
                matched = Some(config_name.clone());
            }
        }
        let Some(name) = matched else { continue };
        let rc_text = spec.split_once('=').map(|(_, r)| r).unwrap_or("");
        match leading_int(rc_text) {
            Some(rc) => {
                ev.rc = rc;
                failed = true;
                if !ctx.out.is_quiet() {
                    ctx.out
                        .info(&format!("Pretending action {} failed with rc={rc}", a.id));
                }
                g.abort_priority = INFINITY;
                inject::inject_failcount(
                    ctx.out,
                    &mut state,
                    &name,
                    &operation,
                    a.interval_ms,
                    rc,
                    ctx.now,
                );
                break;
            }
            None => {
                ctx.out.err(&format!(
                    "Invalid failed operation '{spec}' (result code must be integer)"
                ));
                continue;
            }
        }
    }
    inject::create_history_xml(
        inject::at_path(&mut state, &hist_path),
        &mut ev,
        target_outcome,
        None,
    );
    inject::modify_status(ctx.cib, &state);
    Ok(failed)
}

/// `sscanf("%d")` on what follows `=`.
fn leading_int(s: &str) -> Option<i32> {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse::<i64>().ok().map(|v| v as i32)
}

/// `pcmk__execute_graph` repeated until the graph is no longer active
/// (`pcmk__simulate_transition` minus the output around it).
#[doc(alias = "pcmk__simulate_transition")]
pub fn run_graph(ctx: &mut SimContext<'_>, graph_xml: &Element) -> GraphStatus {
    let mut g = unpack_graph(graph_xml);
    loop {
        let st = execute_once(ctx, &mut g);
        if st != GraphStatus::Active {
            return st;
        }
    }
}

fn execute_once(ctx: &mut SimContext<'_>, g: &mut Graph) -> GraphStatus {
    let (mut fired, mut pending, mut skipped, mut incomplete) = (0, 0, 0, 0);
    for syn in &g.synapses {
        if syn.flags & S_CONFIRMED != 0 {
        } else if syn.flags & S_FAILED == 0 && syn.flags & S_EXECUTED != 0 {
            pending += 1;
        }
    }
    for si in 0..g.synapses.len() {
        let flags = g.synapses[si].flags;
        if g.batch_limit > 0 && pending >= g.batch_limit {
            break;
        } else if flags & S_FAILED != 0 {
            skipped += 1;
            continue;
        } else if flags & (S_CONFIRMED | S_EXECUTED) != 0 {
            continue;
        }
        // should_fire_synapse
        g.synapses[si].flags |= S_READY;
        if !should_fire(g, si) {
            g.synapses[si].flags &= !S_READY;
            incomplete += 1;
            continue;
        }
        let prio = g.synapses[si].priority;
        let blocked = g.synapses[si]
            .actions
            .iter()
            .any(|a| a.kind != Kind::Pseudo && prio < g.abort_priority);
        if blocked {
            skipped += 1;
            incomplete += 1;
            continue;
        }
        fired += 1;
        // fire_synapse
        g.synapses[si].flags |= S_EXECUTED;
        let n = g.synapses[si].actions.len();
        let mut fire_failed = false;
        for ai in 0..n {
            g.synapses[si].actions[ai].flags |= EXECUTED;
            let action = GAction {
                id: g.synapses[si].actions[ai].id,
                kind: g.synapses[si].actions[ai].kind,
                xml: g.synapses[si].actions[ai].xml.clone(),
                params: g.synapses[si].actions[ai].params.clone(),
                interval_ms: g.synapses[si].actions[ai].interval_ms,
                flags: 0,
            };
            match simulate_action(ctx, g, &action) {
                Ok(failed) => {
                    let a = &mut g.synapses[si].actions[ai];
                    a.flags |= CONFIRMED;
                    if failed {
                        a.flags |= FAILED;
                    }
                    update_graph(g, action.id, failed);
                }
                Err(()) => {
                    g.synapses[si].flags |= S_CONFIRMED;
                    g.synapses[si].actions[ai].flags |= CONFIRMED | FAILED;
                    fire_failed = true;
                    break;
                }
            }
        }
        if fire_failed {
            g.abort_priority = INFINITY;
            incomplete += 1;
            fired -= 1;
        }
        if g.synapses[si].flags & S_CONFIRMED == 0 {
            pending += 1;
        }
    }
    if pending == 0 && fired == 0 {
        if incomplete != 0 && g.abort_priority <= 0 {
            GraphStatus::Terminated
        } else {
            let _ = skipped;
            GraphStatus::Complete
        }
    } else if fired == 0 {
        GraphStatus::Pending
    } else {
        GraphStatus::Active
    }
}
