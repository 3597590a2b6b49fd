//! Propagating flags along orderings (`pcmk__update_action_for_orderings`
//! and the per-variant `update_ordered_actions` / `action_flags`).

use crate::actions::create::{order_actions, set_reason};
use crate::assign::clone::find_compatible_child;
use crate::model::{aflags, oflags, rflags, ActionId, NodeId, RscId, Variant, WorkingSet};
use crate::util::{self, notify_key, op_key, Role, Task};

/// `pcmk__updated_first`.
pub const UPDATED_FIRST: u32 = 1 << 0;
/// `pcmk__updated_then`.
pub const UPDATED_THEN: u32 = 1 << 1;

/// `get_complex_task`.
fn complex_task(ws: &WorkingSet, rsc: Option<RscId>, name: &str, allow_non_atomic: bool) -> Task {
    let task = Task::parse(name);
    match rsc {
        None => task,
        Some(r) => {
            if !allow_non_atomic || ws.resources[r].variant == Variant::Native {
                match task {
                    Task::StoppedRsc
                    | Task::StartedRsc
                    | Task::ActionDemoted
                    | Task::ActionPromoted => task.uncompleted(),
                    t => t,
                }
            } else {
                task
            }
        }
    }
}

/// `pcmk__group_action_flags`.
fn group_action_flags(ws: &mut WorkingSet, a: ActionId, node: Option<NodeId>) -> u32 {
    let mut flags = aflags::OPTIONAL | aflags::RUNNABLE | aflags::PSEUDO;
    let Some(r) = ws.actions[a].rsc else {
        return flags;
    };
    let atask = ws.actions[a].task.clone();
    for member in ws.resources[r].children.clone() {
        let task = complex_task(ws, Some(member), &atask, true);
        let task_s = task.as_str();
        match ws.find_first_action(member, None, Some(task_s), node) {
            Some(ma) => {
                let mf = action_flags(ws, ma, node);
                if flags & aflags::OPTIONAL != 0 && mf & aflags::OPTIONAL == 0 {
                    flags &= !aflags::OPTIONAL;
                    ws.actions[a].clear(aflags::OPTIONAL);
                }
                if task_s != atask && flags & aflags::RUNNABLE != 0 && mf & aflags::RUNNABLE == 0 {
                    flags &= !aflags::RUNNABLE;
                    ws.actions[a].clear(aflags::RUNNABLE);
                }
            }
            None => {
                if task != Task::StopRsc && task != Task::ActionDemote {
                    flags &= !aflags::RUNNABLE;
                }
            }
        }
    }
    flags
}

/// `clone_child_action`.
fn clone_child_action(ws: &WorkingSet, a: ActionId) -> Task {
    let Some(r) = ws.actions[a].rsc else {
        return Task::NoAction;
    };
    let Some(&child) = ws.resources[r].children.first() else {
        return Task::NoAction;
    };
    let act = &ws.actions[a];
    if act.task.eq_ignore_ascii_case("notify") || act.task.eq_ignore_ascii_case("notified") {
        // "<rsc>_<pre|post>_notify_<task>_0": the task between the last two '_'
        let key = act.uuid.as_bytes();
        let mut stop = 0;
        let mut lpc = key.len();
        while lpc > 0 {
            lpc -= 1;
            if lpc == 0 {
                break;
            }
            if key[lpc] == b'_' && stop == 0 {
                stop = lpc;
            } else if key[lpc] == b'_' {
                let task = &act.uuid[lpc + 1..stop];
                return complex_task(ws, Some(child), task, true);
            }
        }
        Task::NoAction
    } else {
        complex_task(ws, Some(child), &act.task, true)
    }
}

/// `summary_action_flags`.
fn summary_action_flags(
    ws: &mut WorkingSet,
    a: ActionId,
    children: &[RscId],
    node: Option<NodeId>,
) -> u32 {
    let mut any_runnable = false;
    let task = clone_child_action(ws, a);
    let mut flags = aflags::OPTIONAL | aflags::RUNNABLE | aflags::PSEUDO;
    let task_s = task.as_str();
    for &child in children {
        let on = if ws.resources[child].children.is_empty() {
            node
        } else {
            None
        };
        if let Some(ca) = ws.find_first_action(child, None, Some(task_s), on) {
            let cf = action_flags(ws, ca, node);
            if flags & aflags::OPTIONAL != 0 && cf & aflags::OPTIONAL == 0 {
                flags &= !aflags::OPTIONAL;
                ws.actions[a].clear(aflags::OPTIONAL);
            }
            if cf & aflags::RUNNABLE != 0 {
                any_runnable = true;
            }
        }
    }
    if !any_runnable {
        flags &= !aflags::RUNNABLE;
        if node.is_none() {
            ws.actions[a].clear(aflags::RUNNABLE);
        }
    }
    flags
}

/// `rsc->cmds->action_flags`.
pub fn action_flags(ws: &mut WorkingSet, a: ActionId, node: Option<NodeId>) -> u32 {
    let Some(r) = ws.actions[a].rsc else {
        return ws.actions[a].flags;
    };
    match ws.resources[r].variant {
        Variant::Native => ws.actions[a].flags,
        Variant::Group => group_action_flags(ws, a, node),
        Variant::Clone => {
            let children = ws.resources[r].children.clone();
            summary_action_flags(ws, a, &children, node)
        }
        Variant::Container => bundle_action_flags(ws, a, node),
    }
}

/// `pcmk__bundle_action_flags`.
fn bundle_action_flags(ws: &mut WorkingSet, a: ActionId, node: Option<NodeId>) -> u32 {
    let r = ws.actions[a].rsc.expect("bundle action");
    let child = ws.resources[r].bundle.as_ref().and_then(|b| b.child);
    if let Some(child) = child {
        let task = complex_task(ws, Some(child), &ws.actions[a].task.clone(), true);
        if matches!(
            task,
            Task::NoAction
                | Task::ActionNotify
                | Task::ActionNotified
                | Task::ActionPromote
                | Task::ActionPromoted
                | Task::ActionDemote
                | Task::ActionDemoted
        ) {
            let children = ws.resources[child].children.clone();
            return summary_action_flags(ws, a, &children, node);
        }
    }
    let containers = crate::assign::bundle::container_list(ws, r);
    summary_action_flags(ws, a, &containers, node)
}

/// `action_flags_for_ordering`.
fn flags_for_ordering(ws: &mut WorkingSet, a: ActionId, node: Option<NodeId>) -> u32 {
    let Some(r) = ws.actions[a].rsc else {
        return ws.actions[a].flags;
    };
    let flags = action_flags(ws, a, None);
    if node.is_none() || !ws.is_clone(r) {
        return flags;
    }
    let runnable = flags & aflags::RUNNABLE != 0;
    let mut flags = action_flags(ws, a, node);
    if runnable && flags & aflags::RUNNABLE == 0 {
        flags |= aflags::RUNNABLE;
    }
    flags
}

/// `action_uuid_for_ordering`.
fn uuid_for_ordering(ws: &WorkingSet, first_uuid: &str, first_rsc: RscId) -> String {
    if first_uuid.contains("notify") || ws.resources[first_rsc].variant < Variant::Group {
        return first_uuid.to_owned();
    }
    let Some((rid, task_s, interval)) = util::parse_op_key(first_uuid) else {
        return first_uuid.to_owned();
    };
    if interval > 0 {
        return first_uuid.to_owned();
    }
    let first_task = Task::parse(&task_s);
    let remapped = match first_task {
        Task::StopRsc
        | Task::StartRsc
        | Task::ActionNotify
        | Task::ActionPromote
        | Task::ActionDemote => first_task.completed(),
        Task::StoppedRsc
        | Task::StartedRsc
        | Task::ActionNotified
        | Task::ActionPromoted
        | Task::ActionDemoted => first_task,
        _ => Task::NoAction,
    };
    if remapped == Task::NoAction {
        return first_uuid.to_owned();
    }
    let rsc = &ws.resources[first_rsc];
    if rsc.is_set(rflags::NOTIFY)
        && (rsc.parent.is_none()
            || (ws.is_clone(first_rsc)
                && rsc
                    .parent
                    .is_some_and(|p| ws.resources[p].variant == Variant::Container)))
    {
        notify_key(&rid, "confirmed-post", remapped.as_str())
    } else {
        op_key(&rid, remapped.as_str(), 0)
    }
}

/// `action_for_ordering`.
fn action_for_ordering(ws: &WorkingSet, a: ActionId) -> ActionId {
    let Some(r) = ws.actions[a].rsc else { return a };
    if ws.resources[r].variant < Variant::Group {
        return a;
    }
    let uuid = uuid_for_ordering(ws, &ws.actions[a].uuid, r);
    ws.find_first_action(r, Some(&uuid), None, None)
        .unwrap_or(a)
}

/// `clear_action_flag_because`.
fn clear_because(ws: &mut WorkingSet, a: ActionId, flag: u32, reason: ActionId) {
    if ws.actions[a].is_set(flag) {
        ws.actions[a].clear(flag);
        if ws.actions[a].rsc != ws.actions[reason].rsc {
            let change = if flag == aflags::OPTIONAL {
                "required"
            } else {
                "unrunnable"
            };
            let r = &ws.actions[reason];
            let text = match r.rsc {
                Some(rr) => format!("{} {} {}", change, ws.resources[rr].id, r.task),
                None => format!("{} {}", change, r.task),
            };
            set_reason(ws, a, Some(&text), flag == aflags::MIGRATE_RUNNABLE);
        }
    }
}

fn handle_asymmetric_ordering(ws: &mut WorkingSet, first: ActionId, then: ActionId) {
    let Some(tr) = ws.actions[then].rsc else {
        return;
    };
    let then_role = crate::rscfns::state(ws, tr, true);
    let then_on = ws.resources[tr].running_on.clone();
    let t = &ws.actions[then];
    if then_role == Role::Stopped && t.task == "stop" {
        return;
    }
    if then_role >= Role::Started
        && t.is_set(aflags::OPTIONAL)
        && t.node.is_some()
        && then_on.len() == 1
        && t.node == Some(then_on[0])
        && t.task == "start"
    {
        return;
    }
    if !ws.actions[first].is_set(aflags::RUNNABLE) {
        clear_because(ws, then, aflags::OPTIONAL, first);
        clear_because(ws, then, aflags::RUNNABLE, first);
    }
}

fn handle_restart_ordering(ws: &mut WorkingSet, first: ActionId, then: ActionId, filter: u32) {
    let mut reason = false;
    if filter & aflags::OPTIONAL != 0 && !ws.actions[then].is_set(aflags::OPTIONAL) {
        reason = true;
    }
    let tr = ws.actions[then].rsc;
    if filter & aflags::RUNNABLE != 0
        && !ws.actions[then].is_set(aflags::RUNNABLE)
        && tr.is_some_and(|r| ws.resources[r].is_set(rflags::MANAGED))
        && ws.actions[first].rsc == tr
    {
        reason = true;
    }
    if !reason {
        return;
    }
    if ws.actions[first].is_set(aflags::RUNNABLE) {
        clear_because(ws, first, aflags::OPTIONAL, then);
    }
    if !ws.actions[then].is_set(aflags::OPTIONAL) {
        clear_because(ws, first, aflags::OPTIONAL, then);
    }
    if !ws.actions[then].is_set(aflags::MIGRATE_RUNNABLE) {
        clear_because(ws, first, aflags::MIGRATE_RUNNABLE, then);
    }
    if !ws.actions[first].is_set(aflags::OPTIONAL) && !ws.actions[first].is_set(aflags::RUNNABLE) {
        clear_because(ws, then, aflags::RUNNABLE, first);
    }
}

/// `pcmk__update_ordered_actions` (primitive).
fn primitive_update(
    ws: &mut WorkingSet,
    first: ActionId,
    then: ActionId,
    flags: u32,
    filter: u32,
    kind: u32,
) -> u32 {
    let mut changed = 0;
    let then_flags = ws.actions[then].flags;
    let first_flags = ws.actions[first].flags;
    if kind & oflags::ASYMMETRICAL != 0 {
        handle_asymmetric_ordering(ws, first, then);
    }
    if kind & oflags::IMPLIES_FIRST != 0 && then_flags & aflags::OPTIONAL == 0 {
        if filter & aflags::OPTIONAL != 0
            && flags & aflags::OPTIONAL == 0
            && first_flags & aflags::OPTIONAL != 0
        {
            clear_because(ws, first, aflags::OPTIONAL, then);
        }
        if flags & aflags::MIGRATE_RUNNABLE != 0
            && !ws.actions[then].is_set(aflags::MIGRATE_RUNNABLE)
        {
            clear_because(ws, first, aflags::MIGRATE_RUNNABLE, then);
        }
    }
    if kind & oflags::PROMOTED_IMPLIES_FIRST != 0
        && ws.actions[then]
            .rsc
            .is_some_and(|r| ws.resources[r].role == Role::Promoted)
        && filter & aflags::OPTIONAL != 0
        && !ws.actions[then].is_set(aflags::OPTIONAL)
    {
        clear_because(ws, first, aflags::OPTIONAL, then);
        if ws.actions[first].is_set(aflags::MIGRATE_RUNNABLE)
            && !ws.actions[then].is_set(aflags::MIGRATE_RUNNABLE)
        {
            clear_because(ws, first, aflags::MIGRATE_RUNNABLE, then);
        }
    }
    if kind & oflags::IMPLIES_FIRST_MIGRATABLE != 0 && filter & aflags::OPTIONAL != 0 {
        if !ws.actions[then].is_set(aflags::MIGRATE_RUNNABLE | aflags::RUNNABLE) {
            clear_because(ws, first, aflags::RUNNABLE, then);
        }
        if !ws.actions[then].is_set(aflags::OPTIONAL) {
            clear_because(ws, first, aflags::OPTIONAL, then);
        }
    }
    if kind & oflags::PSEUDO_LEFT != 0
        && filter & aflags::OPTIONAL != 0
        && !ws.actions[first].is_set(aflags::RUNNABLE)
    {
        clear_because(ws, then, aflags::MIGRATE_RUNNABLE, first);
        ws.actions[then].clear(aflags::PSEUDO);
    }
    if kind & oflags::RUNNABLE_LEFT != 0
        && filter & aflags::RUNNABLE != 0
        && ws.actions[then].is_set(aflags::RUNNABLE)
        && flags & aflags::RUNNABLE == 0
    {
        clear_because(ws, then, aflags::RUNNABLE, first);
        clear_because(ws, then, aflags::MIGRATE_RUNNABLE, first);
    }
    if kind & oflags::IMPLIES_THEN != 0
        && filter & aflags::OPTIONAL != 0
        && ws.actions[then].is_set(aflags::OPTIONAL)
        && flags & aflags::OPTIONAL == 0
        && !ws.actions[first].is_set(aflags::MIGRATE_RUNNABLE)
    {
        clear_because(ws, then, aflags::OPTIONAL, first);
    }
    if kind & oflags::RESTART != 0 {
        handle_restart_ordering(ws, first, then, filter);
    }
    if then_flags != ws.actions[then].flags {
        changed |= UPDATED_THEN;
        if ws.actions[then]
            .rsc
            .is_some_and(|r| ws.resources[r].parent.is_some())
        {
            update_action_for_orderings(ws, then);
        }
    }
    if first_flags != ws.actions[first].flags {
        changed |= UPDATED_FIRST;
    }
    changed
}

fn group_update(
    ws: &mut WorkingSet,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: u32,
    filter: u32,
    kind: u32,
) -> u32 {
    let mut changed = primitive_update(ws, first, then, flags, filter, kind);
    let Some(tr) = ws.actions[then].rsc else {
        return changed;
    };
    let task = ws.actions[then].task.clone();
    for member in ws.resources[tr].children.clone() {
        if let Some(ma) = ws.find_first_action(member, None, Some(&task), node) {
            changed |= update_ordered_actions(ws, member, first, ma, node, flags, filter, kind);
        }
    }
    changed
}

fn can_interleave_actions(ws: &WorkingSet, first: ActionId, then: ActionId) -> bool {
    let (Some(fr), Some(tr)) = (ws.actions[first].rsc, ws.actions[then].rsc) else {
        return false;
    };
    if fr == tr
        || ws.resources[fr].variant < Variant::Clone
        || ws.resources[tr].variant < Variant::Clone
    {
        return false;
    }
    let tu = &ws.actions[then].uuid;
    let rsc = if tu.ends_with("_stop_0") || tu.ends_with("_demote_0") {
        fr
    } else {
        tr
    };
    util::is_true(ws.resources[rsc].meta.get("interleave").map(String::as_str))
}

fn multi_update_interleave_actions(
    ws: &mut WorkingSet,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    filter: u32,
    kind: u32,
) -> u32 {
    let mut changed = 0;
    let fu = ws.actions[first].uuid.clone();
    let current = fu.ends_with("_stopped_0") || fu.ends_with("_demoted_0");
    let (Some(fr), Some(tr)) = (ws.actions[first].rsc, ws.actions[then].rsc) else {
        return 0;
    };
    let then_task = ws.actions[then].task.clone();
    let first_task = ws.actions[first].task.clone();
    for then_child in crate::assign::bundle::containers_or_children(ws, tr) {
        let first_child = find_compatible_child(ws, then_child, fr, Role::Unknown, current);
        match first_child {
            None if current => {}
            None => {
                if kind & (oflags::RUNNABLE_LEFT | oflags::IMPLIES_THEN) != 0
                    && crate::assign::assign_resource(ws, then_child, None, true)
                {
                    changed |= UPDATED_THEN;
                }
            }
            Some(fc) => {
                let task = clone_child_action(ws, first);
                use crate::assign::bundle::replica_for_container;
                let first_replica = replica_for_container(ws, fr, fc, node);
                let first_action = match first_replica.and_then(|rp| rp.child) {
                    Some(rc) if first_task.contains("stop") => {
                        ws.find_first_action(rc, None, Some(task.as_str()), node)
                    }
                    _ => ws.find_first_action(fc, None, Some(task.as_str()), node),
                };
                let then_replica = replica_for_container(ws, tr, then_child, node);
                let then_action = match then_replica.and_then(|rp| rp.child) {
                    Some(rc) if then_task.contains("mote") => {
                        ws.find_first_action(rc, None, Some(&then_task), node)
                    }
                    _ => ws.find_first_action(then_child, None, Some(&then_task), node),
                };
                let (Some(fa), Some(ta)) = (first_action, then_action) else {
                    continue;
                };
                if order_actions(ws, fa, ta, kind) {
                    changed |= UPDATED_FIRST | UPDATED_THEN;
                }
                let ff = action_flags(ws, fa, node);
                changed |= update_ordered_actions(ws, then_child, fa, ta, node, ff, filter, kind);
            }
        }
    }
    changed
}

/// `pcmk__multi_update_actions`.
fn multi_update(
    ws: &mut WorkingSet,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: u32,
    filter: u32,
    kind: u32,
) -> u32 {
    if can_interleave_actions(ws, first, then) {
        return multi_update_interleave_actions(ws, first, then, node, filter, kind);
    }
    let Some(tr) = ws.actions[then].rsc else {
        return 0;
    };
    let mut changed = primitive_update(ws, first, then, flags, filter, kind);
    let task = ws.actions[then].task.clone();
    for then_child in crate::assign::bundle::containers_or_children(ws, tr) {
        let Some(ca) = ws.find_first_action(then_child, None, Some(&task), node) else {
            continue;
        };
        let mut child_changed = 0;
        let cf = action_flags(ws, ca, node);
        if cf & aflags::RUNNABLE != 0 {
            child_changed |=
                update_ordered_actions(ws, then_child, first, ca, node, flags, filter, kind);
        }
        changed |= child_changed;
        if child_changed & UPDATED_THEN != 0 {
            let nexts: Vec<ActionId> = ws.actions[ca]
                .after
                .iter()
                .rev()
                .map(|w| w.action)
                .collect();
            for n in nexts {
                update_action_for_orderings(ws, n);
            }
        }
    }
    changed
}

/// `rsc->cmds->update_ordered_actions` of resource `via`.
pub fn update_ordered_actions(
    ws: &mut WorkingSet,
    via: RscId,
    first: ActionId,
    then: ActionId,
    node: Option<NodeId>,
    flags: u32,
    filter: u32,
    kind: u32,
) -> u32 {
    match ws.resources[via].variant {
        Variant::Native => primitive_update(ws, first, then, flags, filter, kind),
        Variant::Group => group_update(ws, first, then, node, flags, filter, kind),
        Variant::Clone | Variant::Container => {
            multi_update(ws, first, then, node, flags, filter, kind)
        }
    }
}

/// `update_action_for_ordering_flags`.
fn update_for_ordering_flags(
    ws: &mut WorkingSet,
    first: ActionId,
    then: ActionId,
    first_flags: u32,
    then_flags: u32,
    then_idx: usize,
) -> u32 {
    let mut changed = 0;
    let mut node = ws.actions[then].node;
    let mut kind = ws.actions[then].before[then_idx].kind;
    if kind & oflags::IMPLIES_THEN_ON_NODE != 0 {
        kind &= !oflags::IMPLIES_THEN_ON_NODE;
        kind |= oflags::IMPLIES_THEN;
        ws.actions[then].before[then_idx].kind = kind;
        node = ws.actions[first].node;
    }
    let then_rsc = ws.actions[then].rsc;
    let first_rsc = ws.actions[first].rsc;
    if kind & oflags::IMPLIES_THEN != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags & aflags::OPTIONAL,
                aflags::OPTIONAL,
                oflags::IMPLIES_THEN,
            );
        } else if first_flags & aflags::OPTIONAL == 0 && ws.actions[then].is_set(aflags::OPTIONAL) {
            ws.actions[then].clear(aflags::OPTIONAL);
            changed |= UPDATED_THEN;
        }
    }
    if kind & oflags::RESTART != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::OPTIONAL | aflags::RUNNABLE,
                oflags::RESTART,
            );
        }
    }
    if kind & oflags::IMPLIES_FIRST != 0 {
        if let Some(fr) = first_rsc {
            changed |= update_ordered_actions(
                ws,
                fr,
                first,
                then,
                node,
                first_flags,
                aflags::OPTIONAL,
                oflags::IMPLIES_FIRST,
            );
        } else if first_flags & aflags::OPTIONAL == 0 && ws.actions[first].is_set(aflags::RUNNABLE)
        {
            ws.actions[first].clear(aflags::RUNNABLE);
            changed |= UPDATED_FIRST;
        }
    }
    if kind & oflags::PROMOTED_IMPLIES_FIRST != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags & aflags::OPTIONAL,
                aflags::OPTIONAL,
                oflags::PROMOTED_IMPLIES_FIRST,
            );
        }
    }
    if kind & oflags::ONE_OR_MORE != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::RUNNABLE,
                oflags::ONE_OR_MORE,
            );
        } else if first_flags & aflags::RUNNABLE != 0 {
            ws.actions[then].runnable_before += 1;
            let t = &ws.actions[then];
            if t.runnable_before >= t.required_runnable_before && !t.is_set(aflags::RUNNABLE) {
                ws.actions[then].set(aflags::RUNNABLE);
                changed |= UPDATED_THEN;
            }
        }
    }
    if kind & oflags::PROBE != 0 {
        if let Some(tr) = then_rsc {
            if first_flags & aflags::RUNNABLE == 0
                && first_rsc.is_some_and(|fr| !ws.resources[fr].running_on.is_empty())
            {
                ws.actions[then].before[then_idx].kind = oflags::NONE;
                kind = oflags::NONE;
            } else {
                changed |= update_ordered_actions(
                    ws,
                    tr,
                    first,
                    then,
                    node,
                    first_flags,
                    aflags::RUNNABLE,
                    oflags::RUNNABLE_LEFT,
                );
            }
        }
    }
    if kind & oflags::RUNNABLE_LEFT != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::RUNNABLE,
                oflags::RUNNABLE_LEFT,
            );
        } else if first_flags & aflags::RUNNABLE == 0 && ws.actions[then].is_set(aflags::RUNNABLE) {
            ws.actions[then].clear(aflags::RUNNABLE);
            changed |= UPDATED_THEN;
        }
    }
    if kind & oflags::IMPLIES_FIRST_MIGRATABLE != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::OPTIONAL,
                oflags::IMPLIES_FIRST_MIGRATABLE,
            );
        }
    }
    if kind & oflags::PSEUDO_LEFT != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::OPTIONAL,
                oflags::PSEUDO_LEFT,
            );
        }
    }
    if kind & oflags::OPTIONAL != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::RUNNABLE,
                oflags::OPTIONAL,
            );
        }
    }
    if kind & oflags::ASYMMETRICAL != 0 {
        if let Some(tr) = then_rsc {
            changed |= update_ordered_actions(
                ws,
                tr,
                first,
                then,
                node,
                first_flags,
                aflags::RUNNABLE,
                oflags::ASYMMETRICAL,
            );
        }
    }
    if ws.actions[first].is_set(aflags::RUNNABLE)
        && kind & oflags::IMPLIES_THEN_PRINTED != 0
        && first_flags & aflags::OPTIONAL == 0
    {
        ws.actions[then].set(aflags::PRINT_ALWAYS);
    }
    if kind & oflags::IMPLIES_FIRST_PRINTED != 0 && then_flags & aflags::OPTIONAL == 0 {
        ws.actions[first].set(aflags::PRINT_ALWAYS);
    }
    if kind & (oflags::IMPLIES_THEN | oflags::IMPLIES_FIRST | oflags::RESTART) != 0 {
        if let Some(fr) = first_rsc {
            if !ws.resources[fr].is_set(rflags::MANAGED)
                && ws.resources[fr].is_set(rflags::BLOCK)
                && !ws.actions[first].is_set(aflags::RUNNABLE)
                && ws.actions[first].task.eq_ignore_ascii_case("stop")
                && ws.actions[then].is_set(aflags::RUNNABLE)
            {
                ws.actions[then].clear(aflags::RUNNABLE);
                changed |= UPDATED_THEN;
            }
        }
    }
    changed
}

/// `pcmk__update_action_for_orderings`: update `then` from each of its
/// inputs, and propagate any change onwards.
#[doc(alias = "pcmk__update_action_for_orderings")]
pub fn update_action_for_orderings(ws: &mut WorkingSet, then: ActionId) {
    let mut changed = 0u32;
    let last_flags = ws.actions[then].flags;
    if ws.actions[then].is_set(aflags::REQUIRES_ANY) {
        ws.actions[then].runnable_before = 0;
        if ws.actions[then].required_runnable_before == 0 {
            ws.actions[then].required_runnable_before = 1;
        }
        ws.actions[then].clear(aflags::RUNNABLE);
    }
    // the reference's list is `before` reversed; entries prepended while
    // iterating land at the end and are not visited
    let mut i = ws.actions[then].before.len();
    while i > 0 {
        i -= 1;
        let other = ws.actions[then].before[i];
        let mut first = other.action;
        let mut then_node = ws.actions[then].node;
        let mut first_node = ws.actions[first].node;
        if let Some(fr) = ws.actions[first].rsc {
            if ws.resources[fr].variant == Variant::Group
                && ws.actions[first].task.eq_ignore_ascii_case("start")
            {
                first_node = crate::rscfns::location(ws, fr, None, 0);
            }
        }
        if let Some(tr) = ws.actions[then].rsc {
            if ws.resources[tr].variant == Variant::Group
                && ws.actions[then].task.eq_ignore_ascii_case("start")
            {
                then_node = crate::rscfns::location(ws, tr, None, 0);
            }
        }
        if other.kind & oflags::SAME_NODE != 0 {
            if let (Some(f), Some(t)) = (first_node, then_node) {
                if f != t {
                    ws.actions[then].before[i].kind = oflags::NONE;
                    continue;
                }
            }
        }
        changed &= !UPDATED_FIRST;
        if ws.actions[first].rsc.is_some()
            && other.kind & oflags::THEN_CANCELS_FIRST != 0
            && !ws.actions[then].is_set(aflags::OPTIONAL)
        {
            ws.actions[other.action].set(aflags::OPTIONAL);
            if ws.actions[first].task == "reload-agent" {
                if let Some(fr) = ws.actions[first].rsc {
                    ws.resources[fr].clear(rflags::RELOAD);
                }
            }
        }
        if let (Some(fr), Some(tr)) = (ws.actions[first].rsc, ws.actions[then].rsc) {
            if fr != tr && !ws.is_parent(tr, fr) {
                first = action_for_ordering(ws, first);
            }
        }
        if first == other.action {
            let first_flags = flags_for_ordering(ws, first, then_node);
            let then_flags = flags_for_ordering(ws, then, first_node);
            changed |= update_for_ordering_flags(ws, first, then, first_flags, then_flags, i);
        } else if order_actions(ws, first, then, other.kind) {
            changed |= UPDATED_THEN;
            ws.actions[then].before[i].kind = oflags::NONE;
        }
        if changed & UPDATED_FIRST != 0 {
            let nexts: Vec<ActionId> = ws.actions[first]
                .after
                .iter()
                .rev()
                .map(|w| w.action)
                .collect();
            for n in nexts {
                update_action_for_orderings(ws, n);
            }
            update_action_for_orderings(ws, first);
        }
    }
    if ws.actions[then].is_set(aflags::REQUIRES_ANY) {
        if last_flags == ws.actions[then].flags {
            changed &= !UPDATED_THEN;
        } else {
            changed |= UPDATED_THEN;
        }
    }
    if changed & UPDATED_THEN != 0 {
        if last_flags & aflags::RUNNABLE != 0 && !ws.actions[then].is_set(aflags::RUNNABLE) {
            crate::constraints::colocation::block_colocation_dependents(ws, then);
        }
        update_action_for_orderings(ws, then);
        let nexts: Vec<ActionId> = ws.actions[then]
            .after
            .iter()
            .rev()
            .map(|w| w.action)
            .collect();
        for n in nexts {
            update_action_for_orderings(ws, n);
        }
    }
}
