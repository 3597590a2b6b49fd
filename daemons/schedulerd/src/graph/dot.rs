//! The dot rendering of a transition (`write_sim_dotfile`,
//! lib/pacemaker/pcmk_simulate.c).

use crate::model::{aflags, oflags, rflags, ActionId, WorkingSet};
use crate::util;

/// `create_action_name`: how an action is labelled in the dot file.
#[doc(alias = "create_action_name")]
pub fn action_name(ws: &WorkingSet, a: ActionId, verbose: bool) -> String {
    let action = &ws.actions[a];
    let host: Option<&str> = match action.node {
        Some(n) => Some(&ws.nodes[n].uname),
        None if !action.is_set(aflags::PSEUDO) => Some("<none>"),
        None => None,
    };
    let mut prefix = "";
    let mut task = action.task.as_str();
    if action.task == "cancel" {
        prefix = "Cancel ";
        task = action.cancel_task.as_deref().unwrap_or("(null)");
    }
    let clone_name = action
        .rsc
        .and_then(|r| ws.resources[r].clone_name.as_deref());
    let name = if let Some(cn) = clone_name {
        let interval = action
            .meta
            .get("interval")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0);
        let key = if action.task.eq_ignore_ascii_case("notify")
            || action.task.eq_ignore_ascii_case("notified")
        {
            let t = action
                .meta
                .get("notify_key_type")
                .map(String::as_str)
                .unwrap_or("");
            let o = action
                .meta
                .get("notify_key_operation")
                .map(String::as_str)
                .unwrap_or("");
            util::notify_key(cn, t, o)
        } else {
            util::op_key(cn, task, interval)
        };
        match host {
            Some(h) => format!("{prefix}{key} {h}"),
            None => format!("{prefix}{key}"),
        }
    } else if action.task.eq_ignore_ascii_case("stonith") {
        let op = action
            .meta
            .get("stonith_action")
            .map(String::as_str)
            .unwrap_or("(null)");
        format!(
            "{prefix}{} '{op}' {}",
            action.task,
            host.unwrap_or("(null)")
        )
    } else if let (Some(_), Some(h)) = (action.rsc, host) {
        format!("{prefix}{} {h}", action.uuid)
    } else if let Some(h) = host {
        format!("{prefix}{} {h}", action.task)
    } else {
        action.uuid.clone()
    };
    if verbose {
        format!("{name} ({})", action.id)
    } else {
        name
    }
}

/// `write_sim_dotfile`: the dot text. Marks written actions as dumped,
/// as the reference does.
#[doc(alias = "write_sim_dotfile")]
pub fn write_dot(ws: &mut WorkingSet, all_actions: bool, verbose: bool) -> String {
    let mut out = String::from(" digraph \"g\" {\n");
    for a in (0..ws.actions.len()).rev() {
        let action = &ws.actions[a];
        let mut style = "dashed";
        let mut font = "black";
        let color;
        if action.is_set(aflags::PSEUDO) {
            font = "orange";
        }
        if action.is_set(aflags::DUMPED) {
            style = "bold";
            color = "green";
        } else if action
            .rsc
            .is_some_and(|r| !ws.resources[r].is_set(rflags::MANAGED))
        {
            color = "red";
            font = "purple";
            if !all_actions {
                continue;
            }
        } else if action.is_set(aflags::OPTIONAL) {
            color = "blue";
            if !all_actions {
                continue;
            }
        } else {
            color = "red";
        }
        let name = action_name(ws, a, verbose);
        ws.actions[a].set(aflags::DUMPED);
        out.push_str(&format!(
            "\"{name}\" [ style={style} color=\"{color}\" fontcolor=\"{font}\"]\n"
        ));
    }
    for a in (0..ws.actions.len()).rev() {
        let action = &ws.actions[a];
        for w in action.before.iter().rev() {
            let mut style = "dashed";
            let mut optional = true;
            if w.dumped {
                optional = false;
                style = "bold";
            } else if w.kind == oflags::NONE {
                continue;
            } else if ws.actions[w.action].is_set(aflags::DUMPED)
                && action.is_set(aflags::DUMPED)
                && w.kind != oflags::LOAD
            {
                optional = false;
            }
            if all_actions || !optional {
                let before = action_name(ws, w.action, verbose);
                let after = action_name(ws, a, verbose);
                out.push_str(&format!("\"{before}\" -> \"{after}\" [ style = {style}]\n"));
            }
        }
    }
    out.push_str("}\n");
    out
}
