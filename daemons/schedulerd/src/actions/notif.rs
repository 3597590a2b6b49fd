//! Clone notifications (lib/pengine/pe_notif.c): the pre/post notification
//! pseudo-actions around a clone action, and the per-instance notify
//! actions with their `notify_*` environment.

use crate::actions::create::{custom_action, order_actions};
use crate::model::{aflags, oflags, rflags, ActionId, NodeId, RscId, WorkingSet};
use crate::unpack::resources::add_hash_param;
use crate::util::{self, Role, Task, INFINITY};

type Entry = (RscId, Option<NodeId>);

/// `notify_data_t`.
#[derive(Clone, Debug, Default)]
pub struct NotifyData {
    pub action: String,
    pub pre: Option<ActionId>,
    pub post: Option<ActionId>,
    pub pre_done: Option<ActionId>,
    pub post_done: Option<ActionId>,
    keys: Vec<(String, String)>,
    active: Vec<Entry>,
    inactive: Vec<Entry>,
    start: Vec<Entry>,
    stop: Vec<Entry>,
    promote: Vec<Entry>,
    demote: Vec<Entry>,
    promoted: Vec<Entry>,
    unpromoted: Vec<Entry>,
    allowed_from: Option<RscId>,
}

/// `new_notify_pseudo_action`.
fn new_notify_pseudo_action(
    ws: &mut WorkingSet,
    rsc: RscId,
    action: ActionId,
    notif_action: &str,
    notif_type: &str,
) -> ActionId {
    let task = ws.actions[action].task.clone();
    let key = util::notify_key(&ws.resources[rsc].id, notif_type, &task);
    let optional = ws.actions[action].is_set(aflags::OPTIONAL);
    let n = custom_action(ws, Some(rsc), key, notif_action, None, optional);
    ws.actions[n].set(aflags::PSEUDO);
    add_hash_param(&mut ws.actions[n].meta, "notify_key_type", notif_type);
    add_hash_param(&mut ws.actions[n].meta, "notify_key_operation", &task);
    n
}

/// `pe__clone_notif_pseudo_ops`: the notification pseudo-actions for a
/// clone action; `None` unless the clone has `notify=true`.
#[doc(alias = "pe__clone_notif_pseudo_ops")]
pub fn clone_notif_pseudo_ops(
    ws: &mut WorkingSet,
    rsc: RscId,
    task: &str,
    action: Option<ActionId>,
    complete: Option<ActionId>,
) -> Option<NotifyData> {
    if !ws.resources[rsc].is_set(rflags::NOTIFY) {
        return None;
    }
    let mut n = NotifyData {
        action: task.to_owned(),
        ..Default::default()
    };
    if let Some(a) = action {
        let pre = new_notify_pseudo_action(ws, rsc, a, "notify", "pre");
        ws.actions[pre].set(aflags::RUNNABLE);
        add_hash_param(&mut ws.actions[pre].meta, "notify_type", "pre");
        add_hash_param(&mut ws.actions[pre].meta, "notify_operation", task);
        let pre_done = new_notify_pseudo_action(ws, rsc, a, "notified", "confirmed-pre");
        ws.actions[pre_done].set(aflags::RUNNABLE);
        add_hash_param(&mut ws.actions[pre_done].meta, "notify_type", "pre");
        add_hash_param(&mut ws.actions[pre_done].meta, "notify_operation", task);
        order_actions(ws, pre, pre_done, oflags::OPTIONAL);
        order_actions(ws, pre_done, a, oflags::OPTIONAL);
        n.pre = Some(pre);
        n.pre_done = Some(pre_done);
    }
    if let Some(c) = complete {
        let runnable = ws.actions[c].is_set(aflags::RUNNABLE);
        let post = new_notify_pseudo_action(ws, rsc, c, "notify", "post");
        ws.actions[post].priority = INFINITY;
        if runnable {
            ws.actions[post].set(aflags::RUNNABLE);
        } else {
            ws.actions[post].clear(aflags::RUNNABLE);
        }
        add_hash_param(&mut ws.actions[post].meta, "notify_type", "post");
        add_hash_param(&mut ws.actions[post].meta, "notify_operation", task);
        let post_done = new_notify_pseudo_action(ws, rsc, c, "notified", "confirmed-post");
        ws.actions[post_done].priority = INFINITY;
        if runnable {
            ws.actions[post_done].set(aflags::RUNNABLE);
        } else {
            ws.actions[post_done].clear(aflags::RUNNABLE);
        }
        add_hash_param(&mut ws.actions[post_done].meta, "notify_type", "post");
        add_hash_param(&mut ws.actions[post_done].meta, "notify_operation", task);
        order_actions(ws, c, post, oflags::IMPLIES_THEN);
        order_actions(ws, post, post_done, oflags::IMPLIES_THEN);
        n.post = Some(post);
        n.post_done = Some(post_done);
    }
    if let (Some(_), Some(_)) = (action, complete) {
        order_actions(
            ws,
            n.pre_done.expect("pre"),
            n.post.expect("post"),
            oflags::OPTIONAL,
        );
    }
    Some(n)
}

/// The ordering of clone_create_pseudo_actions: stop notifications
/// complete before start notifications begin.
pub fn order_stop_notify_before_start(ws: &mut WorkingSet, rsc: RscId) {
    let cd = &ws.resources[rsc].clone;
    if let (Some(stop), Some(start)) = (&cd.stop_notify, &cd.start_notify) {
        if let (Some(pd), Some(pre)) = (stop.post_done, start.pre) {
            order_actions(ws, pd, pre, oflags::OPTIONAL);
        }
    }
}

/// The orderings `pe__create_promotable_pseudo_ops` adds once demote
/// notifications exist.
pub fn order_promotable_notifications(ws: &mut WorkingSet, rsc: RscId) {
    let cd = ws.resources[rsc].clone.clone();
    let (Some(promote), Some(demote)) = (&cd.promote_notify, &cd.demote_notify) else {
        return;
    };
    let pairs = [
        (
            cd.stop_notify.as_ref().and_then(|n| n.post_done),
            promote.pre,
        ),
        (
            cd.start_notify.as_ref().and_then(|n| n.post_done),
            promote.pre,
        ),
        (demote.post_done, promote.pre),
        (
            demote.post_done,
            cd.start_notify.as_ref().and_then(|n| n.pre),
        ),
        (
            demote.post_done,
            cd.stop_notify.as_ref().and_then(|n| n.pre),
        ),
    ];
    for (a, b) in pairs {
        if let (Some(a), Some(b)) = (a, b) {
            order_actions(ws, a, b, oflags::OPTIONAL);
        }
    }
}

/// `collect_resource_data`.
fn collect_resource_data(ws: &WorkingSet, rsc: RscId, activity: bool, n: &mut NotifyData) {
    if n.allowed_from.is_none() {
        n.allowed_from = Some(rsc);
    }
    let r = &ws.resources[rsc];
    if !r.children.is_empty() {
        for &c in &r.children {
            collect_resource_data(ws, c, activity, n);
        }
        return;
    }
    let node = r.running_on.first().copied();
    let entry = (rsc, node);
    match r.role {
        Role::Stopped => n.inactive.insert(0, entry),
        Role::Started => n.active.insert(0, entry),
        Role::Unpromoted => {
            n.unpromoted.insert(0, entry);
            n.active.insert(0, entry);
        }
        Role::Promoted => {
            n.promoted.insert(0, entry);
            n.active.insert(0, entry);
        }
        Role::Unknown => {}
    }
    if !activity {
        return;
    }
    for &a in r.actions.iter().rev() {
        let op = &ws.actions[a];
        let Some(on) = op.node else { continue };
        if op.is_set(aflags::OPTIONAL) {
            continue;
        }
        let task = Task::parse(&op.task);
        if task == Task::StopRsc && ws.nodes[on].unclean {
        } else if !op.is_set(aflags::RUNNABLE) {
            continue;
        }
        let e = (rsc, Some(on));
        match task {
            Task::StartRsc => n.start.insert(0, e),
            Task::StopRsc => n.stop.insert(0, e),
            Task::ActionPromote => n.promote.insert(0, e),
            Task::ActionDemote => n.demote.insert(0, e),
            _ => {}
        }
    }
}

/// `notify_entries_to_strings`: (resource names, node names).
fn entries_to_strings(ws: &WorkingSet, list: &mut [Entry], with_nodes: bool) -> (String, String) {
    list.sort_by(|a, b| {
        let c = ws.resources[a.0].id.cmp(&ws.resources[b.0].id);
        if c != std::cmp::Ordering::Equal {
            return c;
        }
        match (a.1, b.1) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) => ws.nodes[x].id.cmp(&ws.nodes[y].id),
        }
    });
    let mut rsc_names: Vec<&str> = Vec::new();
    let mut node_names: Vec<&str> = Vec::new();
    let mut last: Option<&str> = None;
    for &(r, node) in list.iter() {
        if with_nodes && node.is_none() {
            continue;
        }
        let id = ws.resources[r].id.as_str();
        if last == Some(id) {
            continue;
        }
        last = Some(id);
        rsc_names.push(id);
        if with_nodes {
            if let Some(n) = node {
                node_names.push(&ws.nodes[n].uname);
            }
        }
    }
    let join = |v: Vec<&str>| {
        if v.is_empty() {
            " ".to_owned()
        } else {
            v.join(" ")
        }
    };
    (join(rsc_names), join(node_names))
}

/// `get_node_names`: (all names, host names).
fn node_names(ws: &WorkingSet, nodes: &[NodeId]) -> (String, String) {
    let mut all: Vec<&str> = Vec::new();
    let mut hosts: Vec<&str> = Vec::new();
    for &n in nodes {
        all.push(&ws.nodes[n].uname);
        let mut h = n;
        if ws.is_guest(n) {
            if let Some(c) = ws.nodes[n]
                .remote_rsc
                .and_then(|r| ws.resources[r].container)
            {
                if let Some(cur) = ws.current_node(c) {
                    h = cur;
                }
            }
        }
        hosts.push(&ws.nodes[h].uname);
    }
    let join = |v: Vec<&str>| {
        if v.is_empty() {
            " ".to_owned()
        } else {
            v.join(" ")
        }
    };
    (join(all), join(hosts))
}

/// `add_notif_keys`.
fn add_notif_keys(ws: &mut WorkingSet, rsc: RscId, n: &mut NotifyData) {
    let mut required = false;
    let mut keys: Vec<(String, String)> = Vec::new();
    let (r, u) = entries_to_strings(ws, &mut n.stop, true);
    if r != " " && n.action == "stop" {
        required = true;
    }
    keys.push(("notify_stop_resource".into(), r));
    keys.push(("notify_stop_uname".into(), u));
    if !n.start.is_empty() && n.action == "start" {
        required = true;
    }
    let (r, u) = entries_to_strings(ws, &mut n.start, true);
    keys.push(("notify_start_resource".into(), r));
    keys.push(("notify_start_uname".into(), u));
    if !n.demote.is_empty() && n.action == "demote" {
        required = true;
    }
    let (r, u) = entries_to_strings(ws, &mut n.demote, true);
    keys.push(("notify_demote_resource".into(), r));
    keys.push(("notify_demote_uname".into(), u));
    if !n.promote.is_empty() && n.action == "promote" {
        required = true;
    }
    let (r, u) = entries_to_strings(ws, &mut n.promote, true);
    keys.push(("notify_promote_resource".into(), r));
    keys.push(("notify_promote_uname".into(), u));
    let (r, u) = entries_to_strings(ws, &mut n.active, true);
    keys.push(("notify_active_resource".into(), r));
    keys.push(("notify_active_uname".into(), u));
    let (r, u) = entries_to_strings(ws, &mut n.unpromoted, true);
    keys.push(("notify_unpromoted_resource".into(), r.clone()));
    keys.push(("notify_unpromoted_uname".into(), u.clone()));
    keys.push(("notify_slave_resource".into(), r));
    keys.push(("notify_slave_uname".into(), u));
    let (r, u) = entries_to_strings(ws, &mut n.promoted, true);
    keys.push(("notify_promoted_resource".into(), r.clone()));
    keys.push(("notify_promoted_uname".into(), u.clone()));
    keys.push(("notify_master_resource".into(), r));
    keys.push(("notify_master_uname".into(), u));
    let (r, _) = entries_to_strings(ws, &mut n.inactive, false);
    keys.push(("notify_inactive_resource".into(), r));
    let mut allowed: Vec<NodeId> = n
        .allowed_from
        .map(|a| {
            ws.resources[a]
                .allowed_nodes
                .iter()
                .map(|e| e.node)
                .collect()
        })
        .unwrap_or_default();
    allowed.sort_by(|&a, &b| util::numeric_strcasecmp(&ws.nodes[a].uname, &ws.nodes[b].uname));
    let (all, _) = node_names(ws, &allowed);
    keys.push(("notify_available_uname".into(), all));
    let (all, hosts) = node_names(ws, &ws.node_list.clone());
    if ws.resources[rsc]
        .meta
        .get("container-attribute-target")
        .map(String::as_str)
        == Some("host")
    {
        keys.push(("notify_all_hosts".into(), hosts));
    }
    keys.push(("notify_all_uname".into(), all));
    n.keys.extend(keys);
    if required {
        for a in [n.pre, n.pre_done].into_iter().flatten() {
            if n.pre.is_some() {
                ws.actions[a].clear(aflags::OPTIONAL);
            }
        }
        for a in [n.post, n.post_done].into_iter().flatten() {
            if n.post.is_some() {
                ws.actions[a].clear(aflags::OPTIONAL);
            }
        }
    }
}

fn add_notify_data_to_meta(ws: &mut WorkingSet, n: &NotifyData, a: ActionId) {
    for (k, v) in &n.keys {
        add_hash_param(&mut ws.actions[a].meta, k, v);
    }
}

/// `new_notify_action`.
fn new_notify_action(
    ws: &mut WorkingSet,
    rsc: RscId,
    node: NodeId,
    op: Option<ActionId>,
    done: Option<ActionId>,
    n: &NotifyData,
) -> Option<ActionId> {
    let op = op?;
    let done = done?;
    if !ws.nodes[node].online || !ws.actions[op].is_set(aflags::RUNNABLE) {
        return None;
    }
    let value = ws.actions[op]
        .meta
        .get("notify_type")
        .cloned()
        .unwrap_or_default();
    let task = ws.actions[op]
        .meta
        .get("notify_operation")
        .cloned()
        .unwrap_or_default();
    let key = util::notify_key(&ws.resources[rsc].id, &value, &task);
    let optional = ws.actions[op].is_set(aflags::OPTIONAL);
    let op_task = ws.actions[op].task.clone();
    let na = custom_action(ws, Some(rsc), key, &op_task, Some(node), optional);
    let meta: Vec<(String, String)> = ws.actions[op]
        .meta
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in meta {
        ws.actions[na].meta.entry(k).or_insert(v);
    }
    add_notify_data_to_meta(ws, n, na);
    order_actions(ws, op, na, oflags::OPTIONAL);
    order_actions(ws, na, done, oflags::OPTIONAL);
    Some(na)
}

/// `new_post_notify_action`.
fn new_post_notify_action(ws: &mut WorkingSet, rsc: RscId, node: NodeId, n: &NotifyData) {
    if let Some(na) = new_notify_action(ws, rsc, node, n.post, n.post_done, n) {
        ws.actions[na].priority = INFINITY;
    }
    let Some(post_done) = n.post_done else { return };
    for a in ws.resources[rsc].actions.clone().into_iter().rev() {
        let mon = &ws.actions[a];
        let interval = mon.meta.get("interval").map(String::as_str);
        if interval.map_or(true, |i| i == "0") || mon.task == "cancel" {
            continue;
        }
        order_actions(ws, post_done, a, oflags::OPTIONAL);
    }
}

/// `find_remote_start`.
fn find_remote_start(ws: &WorkingSet, action: ActionId) -> Option<ActionId> {
    let node = ws.actions[action].node?;
    let remote = ws.nodes[node].remote_rsc?;
    ws.find_first_action(remote, None, Some("start"), None)
}

/// `create_notify_actions`.
fn create_notify_actions(ws: &mut WorkingSet, rsc: RscId, n: &NotifyData) {
    let task = Task::parse(&n.action);
    if !ws.resources[rsc].children.is_empty() {
        for c in ws.resources[rsc].children.clone() {
            create_notify_actions(ws, c, n);
        }
        return;
    }
    for a in ws.resources[rsc].actions.clone().into_iter().rev() {
        let op = &ws.actions[a];
        if op.is_set(aflags::OPTIONAL) || op.node.is_none() {
            continue;
        }
        if matches!(
            Task::parse(&op.task),
            Task::StartRsc | Task::StopRsc | Task::ActionPromote | Task::ActionDemote
        ) {
            add_notify_data_to_meta(ws, n, a);
        }
    }
    match task {
        Task::StartRsc if n.start.is_empty() => return,
        Task::ActionPromote if n.promote.is_empty() => return,
        Task::ActionDemote if n.demote.is_empty() => return,
        _ => {}
    }
    if ws.resources[rsc].role != Role::Stopped
        && (task == Task::StopRsc || task == Task::ActionDemote)
    {
        let stop = ws.find_first_action(rsc, None, Some("stop"), None);
        for current in ws.resources[rsc].running_on.clone() {
            if let Some(s) = stop {
                if ws.actions[s].is_set(aflags::PSEUDO)
                    && (ws.nodes[current].unclean || ws.nodes[current].remote_requires_reset)
                {
                    continue;
                }
            }
            new_notify_action(ws, rsc, current, n.pre, n.pre_done, n);
            if task == Task::ActionDemote
                || stop.map_or(true, |s| ws.actions[s].is_set(aflags::OPTIONAL))
            {
                new_post_notify_action(ws, rsc, current, n);
            }
        }
    }
    if ws.resources[rsc].next_role != Role::Stopped
        && (task == Task::StartRsc || task == Task::ActionPromote)
    {
        let start = ws.find_first_action(rsc, None, Some("start"), None);
        if let Some(s) = start {
            if let Some(rs) = find_remote_start(ws, s) {
                if !ws.actions[rs].is_set(aflags::RUNNABLE) {
                    return;
                }
            }
        }
        let Some(alloc) = ws.resources[rsc].allocated_to.map(|a| a.node) else {
            return;
        };
        if task != Task::StartRsc || start.map_or(true, |s| ws.actions[s].is_set(aflags::OPTIONAL))
        {
            new_notify_action(ws, rsc, alloc, n.pre, n.pre_done, n);
        }
        new_post_notify_action(ws, rsc, alloc, n);
    }
}

/// `pe__create_notifications`.
#[doc(alias = "pe__create_notifications")]
pub fn create_notifications(ws: &mut WorkingSet, rsc: RscId, n: &mut NotifyData) {
    collect_resource_data(ws, rsc, true, n);
    add_notif_keys(ws, rsc, n);
    create_notify_actions(ws, rsc, n);
}

/// The notification part of `clone_expand`: start, stop, promote and
/// demote notifications, then the data is dropped.
pub fn create_clone_notifications(ws: &mut WorkingSet, rsc: RscId) {
    for which in 0..4 {
        let data = {
            let cd = &mut ws.resources[rsc].clone;
            match which {
                0 => cd.start_notify.take(),
                1 => cd.stop_notify.take(),
                2 => cd.promote_notify.take(),
                _ => cd.demote_notify.take(),
            }
        };
        if let Some(mut n) = data {
            create_notifications(ws, rsc, &mut n);
        }
    }
}

/// `pe__order_notifs_after_fencing`.
#[doc(alias = "pe__order_notifs_after_fencing")]
pub fn order_notifs_after_fencing(
    ws: &mut WorkingSet,
    stop: ActionId,
    rsc: RscId,
    stonith_op: ActionId,
) {
    let Some(mut n) = clone_notif_pseudo_ops(ws, rsc, "stop", None, Some(stonith_op)) else {
        return;
    };
    collect_resource_data(ws, rsc, false, &mut n);
    n.keys
        .push(("notify_stop_resource".into(), ws.resources[rsc].id.clone()));
    let uname = ws.actions[stop]
        .node
        .map_or(String::new(), |x| ws.nodes[x].uname.clone());
    n.keys.push(("notify_stop_uname".into(), uname));
    let top = ws.uber_parent(rsc);
    create_notify_actions(ws, top, &n);
}
