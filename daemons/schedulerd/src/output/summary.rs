//! The transition summary (`pcmk__output_actions` with the `rsc-action`,
//! `rsc-action-item` and `node-action` messages).

use super::Out;
use crate::model::{aflags, rflags, ActionId, NodeId, RscId, Variant, WorkingSet};
use crate::util::{op_key, Role};

/// `rsc-action-item`.
fn rsc_action_item(
    ws: &WorkingSet,
    out: &mut Out,
    change: &str,
    r: RscId,
    origin: Option<NodeId>,
    destination: Option<NodeId>,
    action: Option<ActionId>,
    source: Option<ActionId>,
) -> bool {
    // the reference asserts an action; without one there is nothing to say
    let Some(action) = action else { return false };
    let source = source.unwrap_or(action);
    let rsc = &ws.resources[r];
    let len = rsc.id.len();
    if len > out.rsc_width {
        out.rsc_width = len + 2;
    }
    let need_role = rsc.role > Role::Started || rsc.next_role > Role::Unpromoted;
    let same_host = origin.is_some() && origin == destination;
    let same_role = rsc.role == rsc.next_role;
    let name = |n: Option<NodeId>| n.map_or("(null)".to_owned(), |n| ws.nodes[n].uname.clone());
    let (role, next) = (rsc.role.as_str(), rsc.next_role.as_str());
    let details = if need_role && origin.is_none() {
        format!("{role} -> {next} {}", name(destination))
    } else if origin.is_none() {
        name(destination)
    } else if need_role && destination.is_none() {
        format!("{role} {}", name(origin))
    } else if destination.is_none() {
        name(origin)
    } else if need_role && same_role && same_host {
        format!("{role} {}", name(origin))
    } else if same_role && same_host {
        name(origin)
    } else if need_role && same_role {
        format!("{} -> {} {role}", name(origin), name(destination))
    } else if same_role {
        format!("{} -> {}", name(origin), name(destination))
    } else if same_host {
        format!("{role} -> {next} {}", name(origin))
    } else {
        format!("{role} {} -> {next} {}", name(origin), name(destination))
    };
    if details.is_empty() {
        // The reference's crm_strdup_printf() asserts a non-empty result
        // (a node named ""), and aborts.
        crate::diag::fatal("crm_strdup_printf", "strings.c:804", "len > 0");
    }
    if details.len() > out.detail_width {
        out.detail_width = details.len();
    }
    let runnable = ws.actions[action].is_set(aflags::RUNNABLE);
    if out.is_xml() {
        rsc_action_item_xml(ws, out, change, r, origin, destination, runnable, source);
        return true;
    }
    let reason = match &ws.actions[source].reason {
        Some(r) if !runnable => Some(format!("due to {r} (blocked)")),
        Some(r) => Some(format!("due to {r}")),
        None if !runnable => Some("blocked".to_owned()),
        None => None,
    };
    let line = format!(
        "{change:<8}   {:<rw$}   ( {details:>dw$} ){}{}",
        rsc.id,
        if reason.is_some() { "  " } else { "" },
        reason.as_deref().unwrap_or(""),
        rw = out.rsc_width,
        dw = out.detail_width
    );
    out.list_item(None, &line);
    true
}

/// `rsc-action-item`, XML form.
fn rsc_action_item_xml(
    ws: &WorkingSet,
    out: &mut Out,
    change: &str,
    r: RscId,
    origin: Option<NodeId>,
    destination: Option<NodeId>,
    runnable: bool,
    source: ActionId,
) {
    let rsc = &ws.resources[r];
    let need_role = rsc.role > Role::Started || rsc.next_role > Role::Unpromoted;
    let same_host = origin.is_some() && origin == destination;
    let same_role = rsc.role == rsc.next_role;
    let name = |n: Option<NodeId>| n.map(|n| ws.nodes[n].uname.as_str());
    let (role, next) = (Some(rsc.role.as_str()), Some(rsc.next_role.as_str()));
    let change = change.to_ascii_lowercase();
    let mut attrs: Vec<(&str, Option<&str>)> =
        vec![("action", Some(&change)), ("resource", Some(&rsc.id))];
    if need_role && origin.is_none() {
        attrs.extend([
            ("role", role),
            ("next-role", next),
            ("dest", name(destination)),
        ]);
    } else if origin.is_none() {
        attrs.push(("node", name(destination)));
    } else if need_role && destination.is_none() {
        attrs.extend([("role", role), ("node", name(origin))]);
    } else if destination.is_none() {
        attrs.push(("node", name(origin)));
    } else if need_role && same_role && same_host {
        attrs.extend([("role", role), ("source", name(origin))]);
    } else if same_role && same_host {
        attrs.push(("source", name(origin)));
    } else if need_role && same_role {
        attrs.extend([
            ("source", name(origin)),
            ("dest", name(destination)),
            ("role", role),
        ]);
    } else if same_role {
        attrs.extend([("source", name(origin)), ("dest", name(destination))]);
    } else if same_host {
        attrs.extend([
            ("role", role),
            ("next-role", next),
            ("source", name(origin)),
        ]);
    } else {
        attrs.extend([
            ("role", role),
            ("source", name(origin)),
            ("next-role", next),
            ("dest", name(destination)),
        ]);
    }
    let reason = ws.actions[source].reason.as_deref();
    match reason {
        Some(r) if !runnable => attrs.extend([("reason", Some(r)), ("blocked", Some("true"))]),
        Some(r) => attrs.push(("reason", Some(r))),
        None if !runnable => attrs.push(("blocked", Some("true"))),
        None => {}
    }
    out.xml_leaf("rsc_action", &attrs);
}

fn first(v: Vec<ActionId>) -> Option<ActionId> {
    v.into_iter().next()
}

/// `rsc-action` (`rsc_action_default`).
fn rsc_action(
    ws: &mut WorkingSet,
    out: &mut Out,
    r: RscId,
    current: Option<NodeId>,
    next: Option<NodeId>,
) -> bool {
    if !ws.resources[r].is_set(rflags::MANAGED) || (current.is_none() && next.is_none()) {
        return false;
    }
    let moving = current.is_some() && next.is_some() && current != next;
    let start = first(ws.resource_actions(r, next, "start", false));
    let start_node = match start {
        Some(s) if ws.actions[s].is_set(aflags::RUNNABLE) => current,
        _ => None,
    };
    let mut stop = first(ws.resource_actions(r, start_node, "stop", false));
    if stop.is_none() && ws.resources[r].is_set(rflags::STOP_UNEXPECTED) {
        stop = first(ws.resource_actions(r, None, "stop", false));
    }
    let promote = first(ws.resource_actions(r, next, "promote", false));
    let demote = first(ws.resource_actions(r, next, "demote", false));
    let (role, next_role) = (ws.resources[r].role, ws.resources[r].next_role);
    let is =
        |ws: &WorkingSet, a: Option<ActionId>, f: u32| a.is_some_and(|a| ws.actions[a].is_set(f));
    if role == next_role {
        if next.is_none() {
            return false;
        }
        let migrate = first(ws.resource_actions(r, next, "migrate_from", false));
        if migrate.is_some() && current.is_some() && is(ws, migrate, aflags::RUNNABLE) {
            return rsc_action_item(ws, out, "Migrate", r, current, next, start, None);
        } else if ws.resources[r].is_set(rflags::RELOAD) {
            return rsc_action_item(ws, out, "Reload", r, current, next, start, None);
        } else if start.is_none() || is(ws, start, aflags::OPTIONAL) {
            if demote.is_some()
                && promote.is_some()
                && !is(ws, demote, aflags::OPTIONAL)
                && !is(ws, promote, aflags::OPTIONAL)
            {
                return rsc_action_item(ws, out, "Re-promote", r, current, next, promote, demote);
            }
            return false;
        } else if !is(ws, start, aflags::RUNNABLE) {
            let src = if stop.is_some_and(|s| ws.actions[s].reason.is_some()) {
                stop
            } else {
                start
            };
            return rsc_action_item(ws, out, "Stop", r, current, None, stop, src);
        } else if moving && current.is_some() {
            let change = if ws.resources[r].is_set(rflags::FAILED) {
                "Recover"
            } else {
                "Move"
            };
            return rsc_action_item(ws, out, change, r, current, next, stop, None);
        } else if ws.resources[r].is_set(rflags::FAILED) {
            return rsc_action_item(ws, out, "Recover", r, current, None, stop, None);
        } else {
            return rsc_action_item(ws, out, "Restart", r, current, next, start, None);
        }
    }
    let mut rc = false;
    if stop.is_some()
        && (next_role == Role::Stopped || (start.is_some() && !is(ws, start, aflags::RUNNABLE)))
    {
        let key = op_key(&ws.resources[r].id, "stop", 0);
        for n in ws.resources[r].running_on.clone() {
            let stop_op = first(ws.find_actions(Some(r), &key, Some(n)));
            let src = if stop_op.is_some_and(|s| ws.actions[s].reason.is_some()) {
                stop_op
            } else {
                start
            };
            if rsc_action_item(ws, out, "Stop", r, Some(n), None, stop_op, src) {
                rc = true;
            }
        }
    } else if stop.is_some() && ws.resources[r].is_set(rflags::FAILED | rflags::STOP) {
        rc = rsc_action_item(ws, out, "Recover", r, current, next, stop, start);
    } else if moving {
        rc = rsc_action_item(ws, out, "Move", r, current, next, stop, None);
    } else if ws.resources[r].is_set(rflags::RELOAD) {
        rc = rsc_action_item(ws, out, "Reload", r, current, next, start, None);
    } else if stop.is_some() && !is(ws, stop, aflags::OPTIONAL) {
        rc = rsc_action_item(ws, out, "Restart", r, current, next, start, None);
    } else if role == Role::Promoted {
        rc = rsc_action_item(ws, out, "Demote", r, current, next, demote, None);
    } else if next_role == Role::Promoted {
        rc = rsc_action_item(ws, out, "Promote", r, current, next, promote, None);
    } else if role == Role::Stopped && next_role > Role::Stopped {
        rc = rsc_action_item(ws, out, "Start", r, current, next, start, None);
    }
    rc
}

/// `pcmk__output_resource_actions` (and the bundle variant's walk).
fn output_resource_actions(ws: &mut WorkingSet, out: &mut Out, r: RscId) {
    if ws.resources[r].variant == Variant::Container {
        // pcmk__output_bundle_actions
        for rep in crate::assign::bundle::replicas(ws, r) {
            for part in [rep.ip, rep.container, rep.remote, rep.child]
                .into_iter()
                .flatten()
            {
                output_resource_actions(ws, out, part);
            }
        }
        return;
    }
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            output_resource_actions(ws, out, c);
        }
        return;
    }
    let next = ws.resources[r].allocated_to.map(|n| n.node);
    let mut current = None;
    if !ws.resources[r].running_on.is_empty() {
        current = ws.current_node(r);
        if ws.resources[r].role == Role::Stopped {
            ws.resources[r].role = Role::Started;
        }
    }
    if current.is_none() && ws.resources[r].is_set(rflags::ORPHAN) {
        return;
    }
    rsc_action(ws, out, r, current, next);
}

/// `pcmk__output_actions`: node actions (fencing, shutdown), then each
/// resource's change.
#[doc(alias = "pcmk__output_actions")]
pub fn output_actions(ws: &mut WorkingSet, out: &mut Out) {
    for a in (0..ws.actions.len()).rev() {
        let action = &ws.actions[a];
        if action.rsc.is_some() || action.is_set(aflags::OPTIONAL) {
            continue;
        }
        let task = if action.task.eq_ignore_ascii_case("do_shutdown") {
            "Shutdown".to_owned()
        } else if action.task.eq_ignore_ascii_case("stonith") {
            format!(
                "Fence ({})",
                action
                    .meta
                    .get("stonith_action")
                    .map(String::as_str)
                    .unwrap_or("(null)")
            )
        } else {
            continue;
        };
        let node_name = action.node.map(|n| {
            if ws.is_guest(n) {
                let container = ws.nodes[n]
                    .remote_rsc
                    .and_then(|rr| ws.resources[rr].container)
                    .map_or("", |c| ws.resources[c].id.as_str());
                format!("{} (resource: {container})", ws.nodes[n].uname)
            } else {
                if ws.nodes[n].uname.is_empty() {
                    crate::diag::fatal("crm_strdup_printf", "strings.c:804", "len > 0");
                }
                ws.nodes[n].uname.clone()
            }
        });
        if let Some(reason) = &action.reason {
            if out.is_xml() {
                let reason = reason.clone();
                out.xml_leaf(
                    "node_action",
                    &[
                        ("task", Some(&task)),
                        ("node", node_name.as_deref()),
                        ("reason", Some(&reason)),
                    ],
                );
                continue;
            }
            out.list_item(
                None,
                &format!(
                    "{task} {} '{reason}'",
                    node_name.as_deref().unwrap_or("(null)")
                ),
            );
        }
    }
    for r in ws.top.clone() {
        output_resource_actions(ws, out, r);
    }
}
