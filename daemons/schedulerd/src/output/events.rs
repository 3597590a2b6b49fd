//! Messages of the simulation (the `inject-*` messages of
//! lib/pacemaker/pcmk_output.c), text and XML.

use super::Out;

/// `inject-pseudo-action`.
pub fn pseudo_action(out: &mut Out, node: Option<&str>, task: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf("pseudo_action", &[("task", Some(task)), ("node", node)]);
    } else {
        let on = node.map(|n| format!(" on {n}")).unwrap_or_default();
        out.list_item(None, &format!("Pseudo action:   {task}{on}"));
    }
}

/// `inject-cluster-action`.
pub fn cluster_action(out: &mut Out, node: &str, task: &str, rsc: Option<&str>) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf(
            "cluster_action",
            &[("task", Some(task)), ("node", Some(node)), ("id", rsc)],
        );
    } else {
        match rsc {
            Some(r) => out.list_item(None, &format!("Cluster action:  {task} for {r} on {node}")),
            None => out.list_item(None, &format!("Cluster action:  {task} on {node}")),
        }
    }
}

/// `inject-fencing-action`.
pub fn fencing_action(out: &mut Out, target: &str, op: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf(
            "fencing_action",
            &[("target", Some(target)), ("op", Some(op))],
        );
    } else {
        out.list_item(None, &format!("Fencing {target} ({op})"));
    }
}

/// `inject-rsc-action`.
pub fn rsc_action(out: &mut Out, rsc: &str, op: &str, node: &str, interval_ms: u32) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        let i = interval_ms.to_string();
        out.xml_leaf(
            "rsc_action",
            &[
                ("resource", Some(rsc)),
                ("op", Some(op)),
                ("node", Some(node)),
                ("interval", (interval_ms != 0).then_some(i.as_str())),
            ],
        );
    } else if interval_ms != 0 {
        out.list_item(
            None,
            &format!("Resource action: {rsc:<15} {op}={interval_ms} on {node}"),
        );
    } else {
        out.list_item(None, &format!("Resource action: {rsc:<15} {op} on {node}"));
    }
}

/// `inject-attr`.
pub fn attr(out: &mut Out, name: &str, value: &str, node_path: &str, node_id: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf(
            "inject_attr",
            &[
                ("name", Some(name)),
                ("value", Some(value)),
                ("node_path", Some(node_path)),
                ("cib_node", Some(node_id)),
            ],
        );
    } else {
        out.list_item(
            None,
            &format!("Injecting attribute {name}={value} into {node_path} '{node_id}'"),
        );
    }
}

/// `inject-spec`.
pub fn spec(out: &mut Out, spec: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf("inject_spec", &[("spec", Some(spec))]);
    } else {
        out.list_item(None, &format!("Injecting {spec} into the configuration"));
    }
}

/// `inject-modify-config`: opens the list (text) or parent (XML) the
/// other modifications go in; closed by the caller.
pub fn modify_config(out: &mut Out, quorum: Option<&str>, watchdog: Option<&str>) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_open(
            "modifications",
            &[("quorum", quorum), ("watchdog", watchdog)],
        );
    } else {
        out.begin_list(None, None, "Performing Requested Modifications");
        if let Some(q) = quorum {
            out.list_item(None, &format!("Setting quorum: {q}"));
        }
        if let Some(w) = watchdog {
            out.list_item(None, &format!("Setting watchdog: {w}"));
        }
    }
}

/// `inject-modify-node` (`action` is Online, Offline or Failing).
pub fn modify_node(out: &mut Out, action: &str, node: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf(
            "modify_node",
            &[("action", Some(action)), ("node", Some(node))],
        );
        return;
    }
    match action {
        "Online" => out.list_item(None, &format!("Bringing node {node} online")),
        "Offline" => out.list_item(None, &format!("Taking node {node} offline")),
        "Failing" => out.list_item(None, &format!("Failing node {node}")),
        _ => {}
    }
}

/// `inject-modify-ticket`.
pub fn modify_ticket(out: &mut Out, action: &str, ticket: &str) {
    if out.is_quiet() {
        return;
    }
    if out.is_xml() {
        out.xml_leaf(
            "modify_ticket",
            &[("action", Some(action)), ("ticket", Some(ticket))],
        );
    } else if action == "Standby" {
        out.list_item(None, &format!("Making ticket {ticket} standby"));
    } else {
        out.list_item(None, &format!("{action} ticket {ticket}"));
    }
}
