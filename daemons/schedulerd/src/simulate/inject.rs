//! Changes to a CIB copy that simulate cluster events
//! (lib/pacemaker/pcmk_injections.c, `pcmk__create_history_xml`).

use pcmk_xml::{Element, Node};

use crate::output::Out;
use crate::util;

/// The transition key of results the simulation makes up (`FAKE_TE_ID`).
pub const FAKE_TE_ID: &str = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

/// What crm_simulate writes as the origin of its changes.
pub const SYSTEM_NAME: &str = "crm_simulate";

/// A simulated executor result (`lrmd_event_data_t`, the parts used).
#[derive(Clone, Debug, Default)]
pub struct Event {
    pub rsc_id: String,
    pub op_type: String,
    pub interval_ms: u32,
    pub rc: i32,
    pub op_status: i32,
    pub exit_reason: Option<String>,
    pub call_id: i32,
    pub t_run: i64,
    pub t_rcchange: i64,
    /// Action parameters (`CRM_meta_*` and resource parameters).
    pub params: Option<Vec<(String, String)>>,
}

impl Event {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .as_ref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The `status` section, created if missing.
pub fn status_mut(cib: &mut Element) -> &mut Element {
    if cib.first_element("status").is_none() {
        cib.push_element(Element::new("status"));
    }
    cib.first_element_mut("status").expect("status")
}

fn child_mut<'a>(parent: &'a mut Element, name: &str) -> &'a mut Element {
    if parent.first_element(name).is_none() {
        parent.push_element(Element::new(name));
    }
    parent.first_element_mut(name).expect("child")
}

/// Paths (child indices) of the descendants of `e` for which `pred` holds,
/// in document order (an XPath `//...` search).
fn find_paths(e: &Element, pred: &dyn Fn(&Element) -> bool) -> Vec<Vec<usize>> {
    find_paths_within(e, pred, &|_| true)
}

/// [`find_paths`], looking inside only the elements `descend` accepts.
fn find_paths_within(
    e: &Element,
    pred: &dyn Fn(&Element) -> bool,
    descend: &dyn Fn(&Element) -> bool,
) -> Vec<Vec<usize>> {
    fn walk(
        e: &Element,
        pred: &dyn Fn(&Element) -> bool,
        descend: &dyn Fn(&Element) -> bool,
        path: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        for (i, c) in e.children.iter().enumerate() {
            if let Node::Element(ce) = c {
                path.push(i);
                if pred(ce) {
                    out.push(path.clone());
                }
                if descend(ce) {
                    walk(ce, pred, descend, path, out);
                }
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(e, pred, descend, &mut Vec::new(), &mut out);
    out
}

/// The descendant at a path of child indices.
pub fn at_path<'a>(e: &'a mut Element, path: &[usize]) -> &'a mut Element {
    let mut cur = e;
    for &i in path {
        cur = match &mut cur.children[i] {
            Node::Element(c) => c,
            _ => unreachable!("paths only lead through elements"),
        };
    }
    cur
}

fn is_node_state(e: &Element, node: &str) -> bool {
    e.name() == "node_state" && e.attr("uname") == Some(node)
}

/// `//node_state[@uname=node]` in the whole CIB. The walk does not look
/// inside node states (a node state within a node state would be
/// meaningless): their histories are most of a large CIB, and a
/// simulation looks a node state up for every action.
fn node_state_paths(cib: &Element, node: &str) -> Vec<Vec<usize>> {
    find_paths_within(cib, &|e| is_node_state(e, node), &|e| {
        e.name() != "node_state"
    })
}

/// The descendant at a path of child indices, read-only.
pub fn at_path_ref<'a>(e: &'a Element, path: &[usize]) -> &'a Element {
    let mut cur = e;
    for &i in path {
        cur = match &cur.children[i] {
            Node::Element(c) => c,
            _ => unreachable!("paths only lead through elements"),
        };
    }
    cur
}

/// A copy of a node state without the histories (`lrm_resource`) of
/// resources other than `keep`. Merged back with [`modify_status`], it
/// changes what the whole copy would (the merge leaves children the
/// update lacks alone), at the cost of one resource's history instead of
/// all of them.
pub fn copy_for_resource(state: &Element, keep: &[&str]) -> Element {
    let mut copy = Element::new(state.name());
    for a in state.attrs() {
        copy.set_attr(&a.name, &a.value);
    }
    for c in &state.children {
        match c {
            Node::Element(ce) if ce.name() == "lrm_resource" => {
                if ce.id().is_some_and(|id| keep.contains(&id)) {
                    copy.children.push(c.clone());
                }
            }
            Node::Element(ce) => {
                copy.push_element(copy_for_resource(ce, keep));
            }
            other => copy.children.push(other.clone()),
        }
    }
    copy
}

/// The version counters the file-based CIB keeps (`xml_create_patchset`
/// with managed versions): after an operation that changed the document,
/// a configuration change bumps `epoch` and zeroes `num_updates`, any other
/// change bumps `num_updates`.
pub fn count_change(cib: &mut Element, config: bool) {
    let get = |cib: &Element, name: &str| util::value_int(cib.attr(name)).unwrap_or(0);
    if config {
        let epoch = get(cib, "epoch");
        cib.set_attr("num_updates", "0");
        cib.set_attr("epoch", (epoch.wrapping_add(1)).to_string());
    } else {
        let n = get(cib, "num_updates");
        cib.set_attr("num_updates", (n.wrapping_add(1)).to_string());
    }
}

/// `pcmk__inject_node`: a copy of the `node_state` of `node`, created in
/// the CIB first (with `uuid`, or the id the configuration gives the
/// node, or the name) if there is none.
#[doc(alias = "pcmk__inject_node")]
pub fn inject_node(
    cib: &mut Element,
    node: &str,
    uuid: Option<&str>,
    node_config: bool,
) -> Element {
    let path = node_state_path(cib, node, uuid, node_config);
    at_path_ref(cib, &path).clone()
}

/// [`inject_node`] without the copy: the path of the node's state,
/// created first if needed.
pub fn node_state_path(
    cib: &mut Element,
    node: &str,
    uuid: Option<&str>,
    node_config: bool,
) -> Vec<usize> {
    if node_config {
        create_node_entry(cib, node);
    }
    if node_state_paths(cib, node).is_empty() {
        let found = match uuid {
            Some(u) => u.to_owned(),
            None => query_node_uuid(cib, node).unwrap_or_else(|| node.to_owned()),
        };
        let e = Element::new("node_state")
            .with_attr("id", found)
            .with_attr("uname", node);
        status_mut(cib).push_element(e);
        count_change(cib, false);
    }
    node_state_paths(cib, node).remove(0)
}

/// `query_node_uuid` against the configuration's node list.
fn query_node_uuid(cib: &Element, uname: &str) -> Option<String> {
    let nodes = cib.first_element("configuration")?.first_element("nodes")?;
    nodes
        .elements_named("node")
        .find(|n| {
            n.attr("uname")
                .is_some_and(|u| u.eq_ignore_ascii_case(uname))
        })
        .and_then(|n| n.id().map(str::to_owned))
}

/// `create_node_entry`: a configuration entry for a node brought up.
fn create_node_entry(cib: &mut Element, node: &str) {
    let conf = child_mut(cib, "configuration");
    let nodes = child_mut(conf, "nodes");
    if nodes
        .elements_named("node")
        .any(|n| n.attr("uname") == Some(node))
    {
        return;
    }
    nodes.push_element(
        Element::new("node")
            .with_attr("id", node)
            .with_attr("uname", node),
    );
    count_change(cib, true);
}

/// `pcmk__inject_node_state_change`: a copy of a node's state marked up or
/// down (to be merged back with [`modify_status`] or [`replace_status`]).
#[doc(alias = "pcmk__inject_node_state_change")]
pub fn inject_node_state_change(
    cib: &mut Element,
    node: &str,
    up: bool,
    node_config: bool,
) -> Element {
    let mut state = inject_node(cib, node, None, node_config);
    if up {
        state.set_attr("in_ccm", "true");
        state.set_attr("crmd", "online");
        state.set_attr("join", "member");
        state.set_attr("expected", "member");
    } else {
        state.set_attr("in_ccm", "false");
        state.set_attr("crmd", "offline");
        state.set_attr("join", "down");
        state.set_attr("expected", "down");
    }
    state.set_attr("crm-debug-origin", SYSTEM_NAME);
    state
}

/// `expand_plus_plus`: set an attribute, where `name++` and `name+=N`
/// increment the current value.
fn expand_plus_plus(target: &mut Element, name: &str, value: &str) -> bool {
    let Some(old) = target.attr(name).map(str::to_owned) else {
        target.set_attr(name, value);
        return true;
    };
    let rest = value.strip_prefix(name).unwrap_or("");
    let increment = if !value.starts_with(name) || rest.len() < 2 {
        None
    } else if rest.starts_with("++") {
        Some(1)
    } else {
        rest.strip_prefix("+=").map(|n| util::char2score(Some(n)))
    };
    let new = match increment {
        None => value.to_owned(),
        Some(inc) => util::char2score(Some(&old))
            .saturating_add(inc)
            .min(util::INFINITY)
            .to_string(),
    };
    let changed = new != old;
    target.set_attr(name, new);
    changed
}

/// `pcmk__xml_update` without diff semantics: merge `update` into `target`
/// (children matched by name and id, the first match wins). Whether
/// anything changed.
fn xml_update(target: &mut Element, update: &Element) -> bool {
    let mut changed = false;
    let attrs: Vec<(String, String)> = update
        .attrs()
        .iter()
        .map(|a| (a.name.clone(), a.value.clone()))
        .collect();
    for (k, v) in attrs {
        changed |= expand_plus_plus(target, &k, &v);
    }
    for c in update.elements() {
        let (href, val) = match (c.id(), c.attr("id-ref")) {
            (Some(id), _) => ("id", Some(id)),
            (None, Some(r)) => ("id-ref", Some(r)),
            _ => ("", None),
        };
        let pos = target.children.iter().position(|t| match t {
            Node::Element(te) => {
                te.name() == c.name() && val.map_or(true, |v| te.attr(href) == Some(v))
            }
            _ => false,
        });
        let t = match pos {
            Some(i) => match &mut target.children[i] {
                Node::Element(te) => te,
                _ => unreachable!("matched an element"),
            },
            None => {
                changed = true;
                target.push_element(Element::new(c.name()))
            }
        };
        changed |= xml_update(t, c);
    }
    changed
}

/// `update_xml_child`: merge into the first element (depth first) with the
/// same name and id as `update`.
/// `Some(changed)` when a target was found.
fn update_xml_child(e: &mut Element, update: &Element) -> Option<bool> {
    if e.name() == update.name() && e.id() == update.id() {
        return Some(xml_update(e, update));
    }
    for c in e.children.iter_mut() {
        if let Node::Element(ce) = c {
            // An element is not looked for inside one of the same name
            // (node states hold no node states; the walk would otherwise
            // go through every node's history).
            if ce.name() == update.name() && ce.id() != update.id() {
                continue;
            }
            if let Some(changed) = update_xml_child(ce, update) {
                return Some(changed);
            }
        }
    }
    None
}

/// A CIB "modify" of the status section with `update` (a node state).
pub fn modify_status(cib: &mut Element, update: &Element) {
    let status = status_mut(cib);
    let changed = match update_xml_child(status, update) {
        Some(changed) => changed,
        None => {
            // the reference's CIB would refuse; keep the change anyway
            status.push_element(update.clone());
            true
        }
    };
    if changed {
        count_change(cib, false);
    }
}

/// `replace_xml_child`: replace the first element with the same name and
/// id as `update` by a copy of it; `Some(changed)` when one was found.
fn replace_xml_child(e: &mut Element, update: &Element) -> Option<bool> {
    for c in e.children.iter_mut() {
        if let Node::Element(ce) = c {
            if ce.name().eq_ignore_ascii_case(update.name())
                && (update.id().is_none() || ce.id() == update.id())
            {
                let changed = ce != update;
                *ce = update.clone();
                return Some(changed);
            }
            if let Some(changed) = replace_xml_child(ce, update) {
                return Some(changed);
            }
        }
    }
    None
}

/// A CIB "replace" of an element of the status section.
pub fn replace_status(cib: &mut Element, update: &Element) {
    let status = status_mut(cib);
    if replace_xml_child(status, update) == Some(true) {
        count_change(cib, false);
    }
}

/// Remove the first `name` child of a node's state (an XPath delete).
pub fn remove_node_children(cib: &mut Element, node: &str, name: &str) {
    let paths = find_paths(cib, &|e| e.name() == name);
    for p in paths {
        let (last, parent) = p.split_last().expect("non-empty path");
        let parent_el = at_path(cib, parent);
        if is_node_state(parent_el, node) {
            parent_el.children.remove(*last);
            count_change(cib, false);
            return;
        }
    }
}

/// `pcmk__inject_resource_history` on a node state copy: the history entry
/// of a resource, created if missing. `Err` carries the message the
/// reference prints.
#[doc(alias = "pcmk__inject_resource_history")]
pub fn inject_resource_history<'a>(
    state: &'a mut Element,
    resource: &str,
    lrm_name: &str,
    class: Option<&str>,
    ty: Option<&str>,
    provider: Option<&str>,
) -> Result<&'a mut Element, String> {
    let path = resource_history_path(state, resource, lrm_name, class, ty, provider)?;
    Ok(at_path(state, &path))
}

/// [`inject_resource_history`] giving the entry's path in `state`.
pub fn resource_history_path(
    state: &mut Element,
    resource: &str,
    lrm_name: &str,
    class: Option<&str>,
    ty: Option<&str>,
    provider: Option<&str>,
) -> Result<Vec<usize>, String> {
    // get_xpath_object("//node_state[@uname=..]//lrm_resource[@id=..]"):
    // exactly one match, or none
    let find = |st: &Element, id: &str| -> Option<Vec<usize>> {
        let mut v = find_paths(st, &|e| e.name() == "lrm_resource" && e.id() == Some(id));
        if v.len() == 1 {
            v.pop()
        } else {
            None
        }
    };
    let mut found = find(state, resource);
    if found.is_none() && resource != lrm_name {
        found = find(state, lrm_name);
    }
    if let Some(p) = found {
        return Ok(p);
    }
    let (Some(class), Some(ty)) = (class, ty) else {
        return Err(format!(
            "Resource {resource} not found in the status section of {}.  Please supply the class and type to continue",
            state.id().unwrap_or("")
        ));
    };
    if !["ocf", "stonith", "service", "upstart", "systemd", "lsb"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(class))
    {
        return Err(format!("Invalid class for {resource}: {class}"));
    }
    if util::ra_caps::of(Some(class)) & util::ra_caps::PROVIDER != 0 && provider.is_none() {
        return Err(format!(
            "Please specify the provider for resource {resource}"
        ));
    }
    let uuid = state.id().unwrap_or("").to_owned();
    if state.first_element("lrm").is_none() {
        state.push_element(Element::new("lrm").with_attr("id", uuid));
    }
    let lrm = state.first_element_mut("lrm").expect("lrm");
    let rs = child_mut(lrm, "lrm_resources");
    let mut e = Element::new("lrm_resource")
        .with_attr("id", lrm_name)
        .with_attr("class", class);
    if let Some(p) = provider {
        e.set_attr("provider", p);
    }
    e.set_attr("type", ty);
    rs.push_element(e);
    let mut v = find_paths(state, &|x| {
        x.name() == "lrm_resource" && x.id() == Some(lrm_name)
    });
    Ok(v.pop().expect("just created"))
}

/// `inject_transient_attr`.
fn inject_transient_attr(out: &mut Out, state: &mut Element, name: &str, value: &str) {
    // the reference works on a detached copy of the node state, so the
    // path it prints is always the same
    crate::output::events::attr(out, name, value, "/node_state", state.id().unwrap_or(""));
    let uuid = state.id().unwrap_or("").to_owned();
    if state.first_element("transient_attributes").is_none() {
        state.push_element(Element::new("transient_attributes").with_attr("id", uuid.clone()));
    }
    let attrs = state
        .first_element_mut("transient_attributes")
        .expect("attrs");
    if attrs.first_element("instance_attributes").is_none() {
        attrs.push_element(Element::new("instance_attributes").with_attr("id", uuid));
    }
    let ia = attrs.first_element_mut("instance_attributes").expect("ia");
    let id = format!("{}-{name}", ia.id().unwrap_or("nvpair")).replace([':', '#'], ".");
    ia.push_element(
        Element::new("nvpair")
            .with_attr("id", id)
            .with_attr("name", name)
            .with_attr("value", value),
    );
}

/// `pcmk__inject_failcount`.
#[doc(alias = "pcmk__inject_failcount")]
pub fn inject_failcount(
    out: &mut Out,
    state: &mut Element,
    resource: &str,
    task: &str,
    interval_ms: u32,
    rc: i32,
    now: i64,
) {
    if rc == 0 || (rc == 7 && interval_ms == 0) {
        return;
    }
    let name = format!("fail-count-{resource}#{task}_{interval_ms}");
    inject_transient_attr(out, state, &name, "value++");
    let name = format!("last-failure-{resource}#{task}_{interval_ms}");
    inject_transient_attr(out, state, &name, &now.to_string());
}

/// `did_rsc_op_fail`.
fn did_op_fail(op: &Event, target_rc: i32) -> bool {
    match op.op_status {
        // cancelled, pending
        -1 | 1 => false,
        // not supported, timeout, error, not connected, no fence device,
        // no secrets, invalid
        2..=8 => true,
        _ => target_rc != op.rc,
    }
}

/// `pcmk__create_history_xml`: record an operation result under a
/// resource's history entry.
#[doc(alias = "pcmk__create_history_xml")]
pub fn create_history_xml(
    parent: &mut Element,
    op: &mut Event,
    target_rc: i32,
    node: Option<&str>,
) {
    let mut task = op.op_type.clone();
    if task == "reload" || task == "reload-agent" {
        task = if op.op_status == 0 {
            "start".into()
        } else {
            "monitor".into()
        };
    }
    let key = util::op_key(&op.rsc_id, &task, op.interval_ms);
    let mut exit_reason: Option<String> = None;
    let mut op_id_additional: Option<String> = None;
    let mut op_id = if task == "notify" {
        let t = op.param("CRM_meta_notify_type").unwrap_or("").to_owned();
        let o = op
            .param("CRM_meta_notify_operation")
            .unwrap_or("")
            .to_owned();
        if op.op_status != -1 {
            op.rc = 0;
            op.op_status = 0;
            op.exit_reason = None;
        }
        util::notify_key(&op.rsc_id, &t, &o)
    } else if op.op_type == "migrate_to" || op.op_type == "migrate_from" {
        key.clone()
    } else if did_op_fail(op, target_rc) {
        if op.interval_ms == 0 {
            op_id_additional = Some(util::op_key(&op.rsc_id, "last", 0));
        }
        exit_reason = op.exit_reason.clone();
        util::op_key(&op.rsc_id, "last_failure", 0)
    } else if op.interval_ms > 0 {
        key.clone()
    } else {
        util::op_key(&op.rsc_id, "last", 0)
    };
    let user_data = util::transition_key(-1, op.call_id, target_rc, FAKE_TE_ID);
    let magic = format!("{}:{};{user_data}", op.op_status, op.rc);
    loop {
        let pos = parent
            .elements()
            .position(|e| e.name() == "lrm_rsc_op" && e.id() == Some(op_id.as_str()));
        let xml_op = match pos {
            Some(i) => parent.elements_mut().nth(i).expect("found"),
            None => parent.push_element(Element::new("lrm_rsc_op")),
        };
        xml_op.set_attr("id", op_id.clone());
        xml_op.set_attr("operation_key", key.clone());
        xml_op.set_attr("operation", task.clone());
        xml_op.set_attr("crm-debug-origin", SYSTEM_NAME);
        xml_op.set_attr("crm_feature_set", crate::CRM_FEATURE_SET);
        xml_op.set_attr("transition-key", user_data.clone());
        xml_op.set_attr("transition-magic", magic.clone());
        xml_op.set_attr("exit-reason", exit_reason.clone().unwrap_or_default());
        if let Some(n) = node {
            xml_op.set_attr("on_node", n);
        }
        xml_op.set_attr("call-id", op.call_id.to_string());
        xml_op.set_attr("rc-code", op.rc.to_string());
        xml_op.set_attr("op-status", op.op_status.to_string());
        xml_op.set_attr("interval", op.interval_ms.to_string());
        if op.t_run != 0 || op.t_rcchange != 0 {
            let change = if op.interval_ms != 0 && op.t_rcchange != 0 {
                op.t_rcchange
            } else {
                op.t_run
            };
            xml_op.set_attr("last-rc-change", change.to_string());
            xml_op.set_attr("exec-time", "0");
            xml_op.set_attr("queue-time", "0");
        }
        if op.op_type == "migrate_to" || op.op_type == "migrate_from" {
            for name in ["migrate_source", "migrate_target"] {
                if let Some(v) = op.param(&format!("CRM_meta_{name}")) {
                    xml_op.set_attr(name, v.to_owned());
                }
            }
        }
        if let Some(params) = &op.params {
            let mut args = Element::new("parameters");
            for (k, v) in params {
                if args.attr(k).is_none() {
                    args.set_attr(k, v.clone());
                }
            }
            crate::unpack::digest::filter_op_for_digest(&mut args);
            xml_op.set_attr("op-digest", pcmk_xml::digest::operation(&args));
        }
        match op_id_additional.take() {
            Some(next) => op_id = next,
            None => break,
        }
    }
}
