//! Creating actions (`custom_action`, `unpack_operation`,
//! lib/pengine/pe_actions.c) and finding existing ones.

use std::collections::HashMap;

use crate::iso8601::CrmTime;
use crate::model::{
    aflags, rflags, wsflags, Action, ActionId, Needs, NodeId, OnFail, QuorumPolicy, RscId,
    WorkingSet,
};
use crate::rules::{unpack_nvpairs, OpData, RscData, RuleData};
use crate::util::{self, op_key, ra_caps, Role};
use crate::xml::XmlId;

impl WorkingSet {
    /// `find_actions`: actions with `key` (case-insensitive) among a
    /// resource's actions (or all actions), oldest first. Like the
    /// reference, an action without a node is given `on_node`.
    pub fn find_actions(
        &mut self,
        rsc: Option<RscId>,
        key: &str,
        on_node: Option<NodeId>,
    ) -> Vec<ActionId> {
        let lk = key.to_ascii_lowercase();
        let candidates: Vec<ActionId> = match rsc {
            Some(r) => self.resources[r]
                .action_index
                .get(&lk)
                .cloned()
                .unwrap_or_default(),
            None => self.action_index.get(&lk).cloned().unwrap_or_default(),
        };
        let mut out = Vec::new();
        for a in candidates {
            match on_node {
                None => out.push(a),
                Some(n) => match self.actions[a].node {
                    None => {
                        self.actions[a].node = Some(n);
                        out.push(a);
                    }
                    Some(an) if an == n => out.push(a),
                    _ => {}
                },
            }
        }
        out
    }

    /// `find_actions_exact`: like [`find_actions`] but the node must match.
    pub fn find_actions_exact(
        &self,
        rsc: RscId,
        key: &str,
        on_node: Option<NodeId>,
    ) -> Vec<ActionId> {
        let Some(n) = on_node else { return Vec::new() };
        let lk = key.to_ascii_lowercase();
        self.resources[rsc]
            .action_index
            .get(&lk)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&a| {
                        self.actions[a].node.is_some_and(|an| {
                            self.nodes[an].id.eq_ignore_ascii_case(&self.nodes[n].id)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `pe__resource_actions`.
    #[doc(alias = "pe__resource_actions")]
    pub fn resource_actions(
        &mut self,
        rsc: RscId,
        node: Option<NodeId>,
        task: &str,
        require_node: bool,
    ) -> Vec<ActionId> {
        let key = op_key(&self.resources[rsc].id, task, 0);
        if require_node {
            self.find_actions_exact(rsc, &key, node)
        } else {
            self.find_actions(Some(rsc), &key, node)
        }
    }

    /// `find_first_action` over a resource's actions: the newest match.
    pub fn find_first_action(
        &self,
        rsc: RscId,
        uuid: Option<&str>,
        task: Option<&str>,
        on_node: Option<NodeId>,
    ) -> Option<ActionId> {
        for &a in self.resources[rsc].actions.iter().rev() {
            let act = &self.actions[a];
            if uuid.is_some_and(|u| !u.eq_ignore_ascii_case(&act.uuid)) {
                continue;
            }
            if task.is_some_and(|t| !t.eq_ignore_ascii_case(&act.task)) {
                continue;
            }
            match on_node {
                None => return Some(a),
                Some(n) => {
                    if act.node == Some(n) {
                        return Some(a);
                    }
                }
            }
        }
        None
    }
}

/// `find_rsc_op_entry_helper`: the `<op>` configuring an action key.
pub fn find_rsc_op_entry(
    ws: &WorkingSet,
    rsc: RscId,
    key: &str,
    include_disabled: bool,
) -> Option<XmlId> {
    let r = &ws.resources[rsc];
    let ops = r.ops_xml?;
    let d = &ws.doc;
    let mut key = key.to_owned();
    let mut retry = true;
    loop {
        for op in d.children_named(ops, "op") {
            let name = d.attr(op, "name").unwrap_or("(null)");
            if !include_disabled
                && d.attr(op, "enabled").and_then(util::str_to_boolean) == Some(false)
            {
                continue;
            }
            let interval = util::interval_ms(d.attr(op, "interval"));
            let mut found = op_key(&r.id, name, interval).eq_ignore_ascii_case(&key);
            if let Some(cn) = &r.clone_name {
                if op_key(cn, name, interval).eq_ignore_ascii_case(&key) {
                    found = true;
                }
            }
            if found {
                return Some(op);
            }
        }
        if !retry {
            return None;
        }
        retry = false;
        if key.contains("migrate_to") || key.contains("migrate_from") {
            key = op_key(&r.id, "migrate", 0);
        } else if key.contains("_notify_") {
            key = op_key(&r.id, "notify", 0);
        } else {
            return None;
        }
    }
}

fn min_interval_monitor(ws: &WorkingSet, rsc: RscId) -> Option<XmlId> {
    let ops = ws.resources[rsc].ops_xml?;
    let d = &ws.doc;
    let mut min = u32::MAX;
    let mut result = None;
    for op in d.children_named(ops, "op") {
        if d.attr(op, "enabled").and_then(util::str_to_boolean) == Some(false) {
            continue;
        }
        if !util::eq_casei(d.attr(op, "name"), "monitor") {
            continue;
        }
        let i = util::interval_ms(d.attr(op, "interval"));
        if i != 0 && i < min {
            min = i;
            result = Some(op);
        }
    }
    result
}

/// `unpack_operation_on_fail`: the configured on-fail value, if valid.
fn on_fail_value(ws: &WorkingSet, act: &Action) -> Option<String> {
    let value = act.meta.get("on-fail").cloned();
    let d = &ws.doc;
    let rsc = act.rsc?;
    let is_task = |t: &str| act.task.eq_ignore_ascii_case(t);
    if is_task("stop")
        && value.as_deref().is_some_and(|v| {
            ["standby", "demote", "stop"]
                .iter()
                .any(|x| v.eq_ignore_ascii_case(x))
        })
    {
        crate::config_err!(
            "unpack_operation_on_fail",
            "Resetting 'on-fail' for {} stop action to default value because '{}' is not allowed for stop",
            ws.resources[rsc].id,
            value.as_deref().unwrap_or("(null)")
        );
        return None;
    } else if is_task("demote") && value.is_none() {
        let ops = ws.resources[rsc].ops_xml?;
        for op in d.children_named(ops, "op") {
            let Some(on_fail) = d.attr(op, "on-fail") else {
                continue;
            };
            if d.attr(op, "enabled").and_then(util::str_to_boolean) == Some(false) {
                continue;
            }
            let name = d.attr(op, "name");
            let role = d.attr(op, "role");
            if !util::eq_casei(name, "monitor")
                || !(util::eq_casei(role, "Promoted") || util::eq_casei(role, "Master"))
            {
                continue;
            }
            if util::interval_ms(d.attr(op, "interval")) == 0 {
                continue;
            }
            if on_fail.eq_ignore_ascii_case("demote") {
                continue;
            }
            return Some(on_fail.to_owned());
        }
        return None;
    } else if is_task("lrm_delete") {
        return Some("ignore".into());
    } else if value
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("demote"))
    {
        let entry = act.op_entry;
        let name = entry.and_then(|e| d.attr(e, "name"));
        let role = entry.and_then(|e| d.attr(e, "role"));
        let interval = util::interval_ms(entry.and_then(|e| d.attr(e, "interval")));
        if !util::eq_casei(name, "promote")
            && (!util::eq_casei(name, "monitor")
                || !(util::eq_casei(role, "Promoted") || util::eq_casei(role, "Master"))
                || interval == 0)
        {
            crate::config_err!(
                "unpack_operation_on_fail",
                "Resetting 'on-fail' for {} {} action to default value because 'demote' is not allowed for it",
                ws.resources[rsc].id,
                name.unwrap_or("(null)")
            );
            return None;
        }
    }
    value
}

/// `pe__resource_is_remote_conn`.
pub fn is_remote_conn(ws: &WorkingSet, rsc: RscId) -> bool {
    ws.resources[rsc].is_remote_node
        && ws
            .find_node(&ws.resources[rsc].id)
            .is_some_and(|n| ws.is_remote(n))
}

/// `unpack_operation`: meta-attributes, timeout, requirements and
/// failure handling of a resource action.
fn unpack_operation(ws: &mut WorkingSet, act: &mut Action, interval_ms: u32) {
    let Some(rsc) = act.rsc else { return };
    let xml_obj = act.op_entry;
    let container = ws.resources[rsc].container;
    let rxml = ws.resources[rsc].xml;
    let is_probe = interval_ms == 0 && act.task == "monitor";
    let now = ws.now;
    let mut nc = CrmTime::undefined();
    {
        let d = &ws.doc;
        let mut data = RuleData::new(&now);
        data.rsc = Some(RscData {
            standard: d.attr(rxml, "class"),
            provider: d.attr(rxml, "provider"),
            agent: d.attr(rxml, "type"),
        });
        data.op = Some(OpData {
            name: &act.task,
            interval_ms,
        });
        unpack_nvpairs(
            d,
            ws.cib,
            ws.op_defaults,
            Some("meta_attributes"),
            &data,
            &mut act.meta,
            None,
            false,
            Some(&mut nc),
        );
        if is_probe {
            if let Some(mon) = min_interval_monitor(ws, rsc) {
                if let Some(t) = d.attr(mon, "timeout") {
                    act.meta.insert("timeout".into(), t.to_owned());
                }
            }
        }
        if let Some(x) = xml_obj {
            unpack_nvpairs(
                d,
                ws.cib,
                Some(x),
                Some("meta_attributes"),
                &data,
                &mut act.meta,
                None,
                true,
                Some(&mut nc),
            );
            for (k, v) in d.attrs(x) {
                act.meta.insert(k.clone(), v.clone());
            }
        }
    }
    crate::unpack::update_recheck(ws, &nc);
    act.meta.remove("id");
    if interval_ms > 0 {
        act.meta.insert("interval".into(), interval_ms.to_string());
    } else {
        act.meta.remove("interval");
    }
    let standard = ws.doc.attr(rxml, "class").map(str::to_owned);
    if ra_caps::of(standard.as_deref()) & ra_caps::FENCE_PARAMS != 0
        && (act.task.eq_ignore_ascii_case("start") || is_probe)
    {
        let params = ws.rsc_params(rsc, act.node);
        if let Some(v) = params.get("pcmk_monitor_timeout") {
            act.meta.insert("timeout".into(), v.clone());
        }
    }
    let mut timeout_ms = util::get_msec(act.meta.get("timeout").map(String::as_str));
    if timeout_ms < 0 {
        timeout_ms = 20000;
    }
    act.meta
        .insert("timeout".into(), (timeout_ms as i32).to_string());

    let rflags_ = ws.resources[rsc].flags;
    act.needs =
        if !(act.task.eq_ignore_ascii_case("start") || act.task.eq_ignore_ascii_case("promote")) {
            Needs::Nothing
        } else if rflags_ & rflags::NEEDS_FENCING != 0 {
            Needs::Stonith
        } else if rflags_ & rflags::NEEDS_QUORUM != 0 {
            Needs::Quorum
        } else {
            Needs::Nothing
        };

    let value = on_fail_value(ws, act);
    let mut value_set = value.is_some();
    if let Some(v) = value.as_deref() {
        let lv = v.to_ascii_lowercase();
        match lv.as_str() {
            "block" => {
                act.on_fail = OnFail::Block;
                act.meta.insert("on-fail".into(), "block".into());
            }
            "fence" => {
                act.on_fail = OnFail::Fence;
                if !ws.is_set(wsflags::STONITH_ENABLED) {
                    crate::config_err!(
                        "unpack_operation",
                        "Resetting 'on-fail' for operation '{}' to 'stop' because 'fence' is not valid when fencing is disabled",
                        act.uuid
                    );
                    act.on_fail = OnFail::Stop;
                    act.fail_role = Role::Stopped;
                }
            }
            "standby" => act.on_fail = OnFail::Standby,
            "ignore" | "nothing" => act.on_fail = OnFail::Ignore,
            "migrate" => act.on_fail = OnFail::Migrate,
            "stop" => {
                act.on_fail = OnFail::Stop;
                act.fail_role = Role::Stopped;
            }
            "restart" => act.on_fail = OnFail::Recover,
            "restart-container" => {
                if container.is_some() {
                    act.on_fail = OnFail::RestartContainer;
                } else {
                    value_set = false;
                }
            }
            "demote" => act.on_fail = OnFail::Demote,
            _ => {
                crate::config_err!(
                    "unpack_operation",
                    "Resource {}: Unknown failure type ({v})",
                    ws.resources[rsc].id
                );
                value_set = false;
            }
        }
    }
    let managed = ws.resources[rsc].is_set(rflags::MANAGED);
    if !value_set && container.is_some() {
        act.on_fail = OnFail::RestartContainer;
    } else if (!value_set || !managed)
        && is_remote_conn(ws, rsc)
        && !(act.task.eq_ignore_ascii_case("monitor") && interval_ms == 0)
        && !act.task.eq_ignore_ascii_case("start")
    {
        if !managed {
            act.on_fail = OnFail::Stop;
            act.fail_role = Role::Stopped;
        } else {
            if ws.resources[rsc].remote_reconnect_ms != 0 {
                act.fail_role = Role::Stopped;
            }
            act.on_fail = OnFail::ResetRemote;
        }
    } else if !value_set && act.task.eq_ignore_ascii_case("stop") {
        act.on_fail = if ws.is_set(wsflags::STONITH_ENABLED) {
            OnFail::Fence
        } else {
            OnFail::Block
        };
    } else if !value_set {
        act.on_fail = OnFail::Recover;
    }

    if xml_obj.is_some() {
        if let Some(v) = act.meta.get("role_after_failure") {
            crate::warn_once!(
                crate::diag::once::ROLE_AFTER,
                "unpack_operation",
                "Support for role_after_failure is deprecated and will be removed in a future release"
            );
            if act.fail_role == Role::Unknown {
                act.fail_role = Role::parse(v);
            }
        }
    }
    if act.fail_role == Role::Unknown {
        act.fail_role = if act.task.eq_ignore_ascii_case("promote") {
            Role::Unpromoted
        } else {
            Role::Started
        };
    }
    if let Some(v) = act.meta.get("start-delay").cloned() {
        let mut sd = util::get_msec(Some(&v));
        if sd < 0 {
            sd = 0;
        }
        act.meta
            .insert("start-delay".into(), (sd as i32).to_string());
    } else if let Some(origin) = act.meta.get("interval-origin").cloned() {
        if interval_ms != 0 {
            let parsed = CrmTime::parse(&origin, &ws.now);
            if parsed.is_none() {
                crate::config_err!(
                    "unpack_interval_origin",
                    "Ignoring 'interval-origin' for operation '{}' because '{origin}' is not valid",
                    xml_obj.and_then(|x| ws.doc.id(x)).unwrap_or("(missing ID)")
                );
            }
            if let Some(o) = parsed {
                let interval_sec = (interval_ms / 1000) as i64;
                if interval_sec > 0 {
                    let mut result = ws.now.seconds_total() - o.seconds_total();
                    result %= interval_sec;
                    result = (if result <= 0 { 0 } else { interval_sec }) - result;
                    act.meta
                        .insert("start-delay".into(), (result * 1000).to_string());
                }
            }
        }
    }
}

/// An action that is not (yet) part of the working set (`new_action`).
pub fn draft_action(
    ws: &mut WorkingSet,
    rsc: Option<RscId>,
    key: String,
    task: &str,
    node: Option<NodeId>,
    optional: bool,
) -> Action {
    let mut act = Action {
        id: 0,
        priority: 0,
        rsc,
        node,
        op_entry: None,
        task: task.to_owned(),
        uuid: key,
        cancel_task: None,
        reason: None,
        flags: aflags::RUNNABLE,
        needs: Needs::Nothing,
        on_fail: OnFail::Ignore,
        fail_role: Role::Unknown,
        meta: HashMap::new(),
        extra: HashMap::new(),
        runnable_before: 0,
        required_runnable_before: 0,
        before: Vec::new(),
        after: Vec::new(),
    };
    if task.eq_ignore_ascii_case("lrm_delete") {
        act.set(aflags::DC);
    }
    if optional {
        act.set(aflags::OPTIONAL);
    }
    if let Some(r) = rsc {
        act.op_entry = find_rsc_op_entry(ws, r, &act.uuid, true);
        let interval = util::parse_op_key(&act.uuid).map(|k| k.2).unwrap_or(0);
        unpack_operation(ws, &mut act, interval);
    }
    act
}

/// The failure handling configured for an operation (a transient action in
/// the reference: `custom_action(..., save_action=FALSE)`).
pub fn on_fail_for(ws: &mut WorkingSet, rsc: RscId, key: &str, task: &str) -> (OnFail, Role) {
    let act = draft_action(ws, Some(rsc), key.to_owned(), task, None, true);
    (act.on_fail, act.fail_role)
}

fn register(ws: &mut WorkingSet, mut act: Action) -> ActionId {
    let id = ws.actions.len();
    act.id = id as i32 + 1;
    let lk = act.uuid.to_ascii_lowercase();
    ws.action_index.entry(lk.clone()).or_default().push(id);
    match act.rsc {
        None => {
            ws.singletons.insert(act.uuid.clone(), id);
        }
        Some(r) => {
            ws.resources[r].actions.push(id);
            ws.resources[r].action_index.entry(lk).or_default().push(id);
        }
    }
    ws.actions.push(act);
    id
}

fn update_action_optional(ws: &mut WorkingSet, a: ActionId, optional: bool) {
    let act = &ws.actions[a];
    if let (Some(r), Some(_)) = (act.rsc, act.node) {
        if !act.is_set(aflags::PSEUDO)
            && !ws.resources[r].is_set(rflags::MANAGED)
            && !act.meta.contains_key("interval")
        {
            ws.actions[a].set(aflags::OPTIONAL);
            return;
        }
    }
    if !optional {
        ws.actions[a].clear(aflags::OPTIONAL);
    }
}

fn unpack_action_node_attributes(ws: &mut WorkingSet, a: ActionId) {
    let act = &ws.actions[a];
    if act.is_set(aflags::HAVE_NODE_ATTRS) {
        return;
    }
    let (Some(entry), Some(n)) = (act.op_entry, act.node) else {
        return;
    };
    let now = ws.now;
    let mut extra = std::mem::take(&mut ws.actions[a].extra);
    let mut nc = CrmTime::undefined();
    {
        let mut data = RuleData::new(&now);
        data.node_attrs = Some(&ws.nodes[n].attrs);
        unpack_nvpairs(
            &ws.doc,
            ws.cib,
            Some(entry),
            Some("instance_attributes"),
            &data,
            &mut extra,
            None,
            false,
            Some(&mut nc),
        );
    }
    crate::unpack::update_recheck(ws, &nc);
    ws.actions[a].extra = extra;
    ws.actions[a].set(aflags::HAVE_NODE_ATTRS);
}

/// `effective_quorum_policy`.
fn effective_quorum_policy(ws: &mut WorkingSet, rsc: RscId) -> QuorumPolicy {
    let mut policy = ws.no_quorum_policy;
    if ws.is_set(wsflags::HAVE_QUORUM) {
        policy = QuorumPolicy::Ignore;
    } else if ws.no_quorum_policy == QuorumPolicy::Demote {
        match ws.resources[rsc].role {
            Role::Promoted | Role::Unpromoted => {
                if ws.resources[rsc].next_role > Role::Unpromoted {
                    ws.resources[rsc].next_role = Role::Unpromoted;
                }
                policy = QuorumPolicy::Ignore;
            }
            _ => policy = QuorumPolicy::Stop,
        }
    }
    policy
}

/// `pe_action_set_reason`.
pub fn set_reason(ws: &mut WorkingSet, a: ActionId, reason: Option<&str>, overwrite: bool) {
    let act = &mut ws.actions[a];
    if act.reason.is_some() && !overwrite {
        return;
    }
    act.reason = reason.map(str::to_owned);
}

fn update_resource_action_runnable(ws: &mut WorkingSet, a: ActionId, for_graph: bool) {
    let act = &ws.actions[a];
    if act.is_set(aflags::PSEUDO) {
        return;
    }
    let Some(rsc) = act.rsc else { return };
    match act.node {
        None => ws.actions[a].clear(aflags::RUNNABLE),
        Some(n) => {
            let is_dc = act.is_set(aflags::DC);
            let node = &ws.nodes[n];
            if !is_dc && !node.online && (!ws.is_guest(n) || node.remote_requires_reset) {
                ws.actions[a].clear(aflags::RUNNABLE);
                if for_graph {
                    crate::log_warn!(
                        "update_resource_action_runnable",
                        "{} on {} is unrunnable (node is offline)",
                        ws.actions[a].uuid,
                        ws.nodes[n].uname
                    );
                }
                if ws.resources[rsc].is_set(rflags::MANAGED)
                    && for_graph
                    && ws.actions[a].task.eq_ignore_ascii_case("stop")
                    && !ws.nodes[n].unclean
                {
                    crate::unpack::nodes::fence_node(ws, n, "stop is unrunnable", false);
                }
            } else if !is_dc && node.pending {
                ws.actions[a].clear(aflags::RUNNABLE);
                if for_graph {
                    crate::log_warn!(
                        "update_resource_action_runnable",
                        "Action {} on {} is unrunnable (node is pending)",
                        ws.actions[a].uuid,
                        ws.nodes[n].uname
                    );
                }
            } else if act.needs == Needs::Nothing {
                set_reason(ws, a, None, true);
                if ws.is_guest(n) && !ws.can_fence(Some(n)) {
                    ws.actions[a].clear(aflags::RUNNABLE);
                } else {
                    ws.actions[a].set(aflags::RUNNABLE);
                }
            } else {
                match effective_quorum_policy(ws, rsc) {
                    QuorumPolicy::Stop => {
                        ws.actions[a].clear(aflags::RUNNABLE);
                        set_reason(ws, a, Some("no quorum"), true);
                    }
                    QuorumPolicy::Freeze => {
                        let r = &ws.resources[rsc];
                        if !crate::rscfns::active(ws, rsc, true) || r.next_role > r.role {
                            ws.actions[a].clear(aflags::RUNNABLE);
                            set_reason(ws, a, Some("quorum freeze"), true);
                        }
                    }
                    _ => ws.actions[a].set(aflags::RUNNABLE),
                }
            }
        }
    }
}

/// `custom_action` with `save_action`: find or create an action for the
/// graph and update its flags.
pub fn custom_action(
    ws: &mut WorkingSet,
    rsc: Option<RscId>,
    key: String,
    task: &str,
    on_node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    let existing = ws.find_actions(rsc, &key, on_node);
    let a = match existing.first() {
        Some(&a) => a,
        None => {
            let act = draft_action(ws, rsc, key, task, on_node, optional);
            register(ws, act)
        }
    };
    update_action_optional(ws, a, optional);
    if let Some(r) = rsc {
        if ws.actions[a].node.is_some() {
            unpack_action_node_attributes(ws, a);
        }
        update_resource_action_runnable(ws, a, true);
        let act = &ws.actions[a];
        if act.task.eq_ignore_ascii_case("stop") {
            ws.resources[r].set(rflags::STOPPING);
        } else if act.task.eq_ignore_ascii_case("start") {
            if act.is_set(aflags::RUNNABLE) {
                ws.resources[r].set(rflags::STARTING);
            } else {
                ws.resources[r].clear(rflags::STARTING);
            }
        }
    }
    a
}

/// `get_pseudo_op`: the singleton pseudo-action named `name`.
pub fn get_pseudo_op(ws: &mut WorkingSet, name: &str) -> ActionId {
    if let Some(&a) = ws.singletons.get(name) {
        return a;
    }
    let a = custom_action(ws, None, name.to_owned(), name, None, true);
    ws.actions[a].set(aflags::PSEUDO | aflags::RUNNABLE);
    a
}

/// `pe__new_rsc_pseudo_action`.
pub fn new_rsc_pseudo_action(
    ws: &mut WorkingSet,
    rsc: RscId,
    task: &str,
    optional: bool,
    runnable: bool,
) -> ActionId {
    let key = op_key(&ws.resources[rsc].id, task, 0);
    let a = custom_action(ws, Some(rsc), key, task, None, optional);
    ws.actions[a].set(aflags::PSEUDO);
    if runnable {
        ws.actions[a].set(aflags::RUNNABLE);
    }
    a
}

/// `pe__add_action_expected_result`.
pub fn add_expected_result(ws: &mut WorkingSet, a: ActionId, rc: i32) {
    ws.actions[a]
        .meta
        .insert("op_target_rc".into(), rc.to_string());
}

/// Convenience wrappers (`start_action`, `stop_action`, ...).
pub fn rsc_action(
    ws: &mut WorkingSet,
    rsc: RscId,
    task: &str,
    node: Option<NodeId>,
    optional: bool,
) -> ActionId {
    let key = op_key(&ws.resources[rsc].id, task, 0);
    custom_action(ws, Some(rsc), key, task, node, optional)
}

/// `pe__clear_resource_history`.
pub fn clear_resource_history(ws: &mut WorkingSet, rsc: RscId, node: NodeId) -> ActionId {
    rsc_action(ws, rsc, "lrm_delete", Some(node), false)
}

/// `pe__clear_failcount`.
#[doc(alias = "pe__clear_failcount")]
pub fn clear_failcount(ws: &mut WorkingSet, rsc: RscId, node: NodeId) -> ActionId {
    let a = rsc_action(ws, rsc, "clear_failcount", Some(node), false);
    crate::unpack::resources::add_hash_param(&mut ws.actions[a].meta, "op_no_wait", "true");
    a
}

/// `order_actions`: record `first` before `then` (unless an ordering of
/// that kind already exists).
pub fn order_actions(ws: &mut WorkingSet, first: ActionId, then: ActionId, kind: u32) -> bool {
    if kind == 0 || first == then {
        return false;
    }
    if ws.actions[first]
        .after
        .iter()
        .any(|w| w.action == then && (w.kind & kind) != 0)
    {
        return false;
    }
    ws.actions[first].after.push(crate::model::Wrapper {
        action: then,
        kind,
        dumped: false,
    });
    ws.actions[then].before.push(crate::model::Wrapper {
        action: first,
        kind,
        dumped: false,
    });
    true
}
