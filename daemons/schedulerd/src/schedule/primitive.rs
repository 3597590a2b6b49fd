//! Actions of a primitive (`pcmk__primitive_create_actions`,
//! lib/pacemaker/pcmk_sched_primitive.c) and migrations
//! (pcmk_sched_migration.c).

use crate::actions::create::{custom_action, order_actions, rsc_action, set_reason};
use crate::actions::fencing::{fence_op, node_unfenced, order_vs_unfence};
use crate::constraints::ordering::{new_ordering, order_resource_actions};
use crate::model::{aflags, oflags, rflags, wsflags, NodeId, Recovery, RscId, WorkingSet};
use crate::util::{op_key, Role};

/// `rsc_state_matrix[current][target]`: the next role on the way.
fn state_matrix(from: Role, to: Role) -> Role {
    use Role::*;
    const M: [[Role; 5]; 5] = [
        [Unknown, Stopped, Stopped, Stopped, Stopped],
        [Stopped, Stopped, Started, Unpromoted, Unpromoted],
        [Stopped, Stopped, Started, Unpromoted, Promoted],
        [Stopped, Stopped, Stopped, Unpromoted, Promoted],
        [Stopped, Unpromoted, Unpromoted, Unpromoted, Promoted],
    ];
    M[from as usize][to as usize]
}

#[derive(Clone, Copy)]
enum Transition {
    Error,
    Stop,
    Start,
    Promote,
    Demote,
}

/// `rsc_action_matrix[current][next]`.
fn action_matrix(from: Role, to: Role) -> Option<Transition> {
    use Transition::*;
    const M: [[Option<Transition>; 5]; 5] = [
        [
            Some(Error),
            Some(Stop),
            Some(Error),
            Some(Error),
            Some(Error),
        ],
        [Some(Error), None, Some(Start), Some(Start), Some(Error)],
        [Some(Error), Some(Stop), None, None, Some(Promote)],
        [Some(Error), Some(Stop), Some(Stop), None, Some(Promote)],
        [Some(Error), Some(Demote), Some(Demote), Some(Demote), None],
    ];
    M[from as usize][to as usize]
}

fn run_transition(
    ws: &mut WorkingSet,
    t: Transition,
    r: RscId,
    node: Option<NodeId>,
    optional: bool,
) {
    match t {
        Transition::Error => {}
        Transition::Stop => stop_resource(ws, r, optional),
        Transition::Start => {
            if let Some(n) = node {
                start_resource(ws, r, n, optional);
            }
        }
        Transition::Promote => {
            if let Some(n) = node {
                promote_resource(ws, r, n, optional);
            }
        }
        Transition::Demote => demote_resource(ws, r, optional),
    }
}

fn is_expected_node(ws: &WorkingSet, r: RscId, n: NodeId) -> bool {
    let rsc = &ws.resources[r];
    rsc.is_set(rflags::STOP_UNEXPECTED | rflags::RESTARTING)
        && rsc.next_role > Role::Stopped
        && rsc.allocated_to.is_some_and(|a| a.node == n)
}

/// `stop_resource`.
fn stop_resource(ws: &mut WorkingSet, r: RscId, optional: bool) {
    let mut optional = optional;
    for current in ws.resources[r].running_on.clone() {
        if is_expected_node(ws, r, current) {
            continue;
        }
        if let Some(pmt) = ws.resources[r].partial_migration_target {
            if current == pmt
                && ws.resources[r]
                    .allocated_to
                    .is_some_and(|a| a.node == current)
            {
                continue;
            } else {
                optional = false;
            }
        }
        let stop = rsc_action(ws, r, "stop", Some(current), optional);
        if ws.resources[r].allocated_to.is_none() {
            set_reason(ws, stop, Some("node availability"), true);
        } else if ws.resources[r].is_set(rflags::RESTARTING | rflags::STOP_UNEXPECTED) {
            set_reason(ws, stop, Some("being multiply active"), true);
        }
        if !ws.resources[r].is_set(rflags::MANAGED) {
            ws.actions[stop].clear(aflags::RUNNABLE);
        }
        if ws.is_set(wsflags::REMOVE_AFTER_STOP) {
            schedule_cleanup(ws, r, current, optional);
        }
        if ws.resources[r].is_set(rflags::NEEDS_UNFENCING) {
            let unfence = fence_op(ws, current, Some("on"), true, None, false);
            order_actions(ws, stop, unfence, oflags::IMPLIES_FIRST);
            let _ = node_unfenced(ws, current);
        }
    }
}

/// `start_resource`.
fn start_resource(ws: &mut WorkingSet, r: RscId, n: NodeId, optional: bool) {
    let start = rsc_action(ws, r, "start", Some(n), true);
    order_vs_unfence(ws, r, n, start, oflags::IMPLIES_THEN);
    if ws.actions[start].is_set(aflags::RUNNABLE) && !optional {
        ws.actions[start].clear(aflags::OPTIONAL);
    }
    if is_expected_node(ws, r, n) {
        ws.actions[start].set(aflags::PSEUDO);
    }
}

/// `promote_resource`.
fn promote_resource(ws: &mut WorkingSet, r: RscId, n: NodeId, optional: bool) {
    let starts = ws.resource_actions(r, Some(n), "start", true);
    let runnable = starts
        .iter()
        .all(|&s| ws.actions[s].is_set(aflags::RUNNABLE));
    if runnable {
        let promote = rsc_action(ws, r, "promote", Some(n), optional);
        if is_expected_node(ws, r, n) {
            ws.actions[promote].set(aflags::PSEUDO);
        }
    } else {
        for p in ws.resource_actions(r, Some(n), "promote", true) {
            ws.actions[p].clear(aflags::RUNNABLE);
        }
    }
}

/// `demote_resource`.
fn demote_resource(ws: &mut WorkingSet, r: RscId, optional: bool) {
    for current in ws.resources[r].running_on.clone() {
        if !is_expected_node(ws, r, current) {
            rsc_action(ws, r, "demote", Some(current), optional);
        }
    }
}

/// `pcmk__schedule_cleanup`.
pub fn schedule_cleanup(ws: &mut WorkingSet, r: RscId, n: NodeId, optional: bool) {
    let flag = if optional {
        oflags::IMPLIES_THEN
    } else {
        oflags::OPTIONAL
    };
    if ws.resources[r].is_set(rflags::FAILED) {
        return;
    }
    if ws.nodes[n].unclean || !ws.nodes[n].online {
        return;
    }
    rsc_action(ws, r, "delete", Some(n), optional);
    order_resource_actions(ws, r, "stop", r, "delete", flag);
    order_resource_actions(ws, r, "delete", r, "start", flag);
}

/// `schedule_restart_actions`.
fn schedule_restart_actions(
    ws: &mut WorkingSet,
    r: RscId,
    current: Option<NodeId>,
    need_stop: bool,
    need_promote: bool,
) {
    ws.resources[r].set(rflags::RESTARTING);
    let mut role = ws.resources[r].role;
    while role != Role::Stopped {
        let next = state_matrix(role, Role::Stopped);
        let Some(t) = action_matrix(role, next) else {
            break;
        };
        run_transition(ws, t, r, current, !need_stop);
        role = next;
    }
    while ws.resources[r].role <= ws.resources[r].next_role
        && role != ws.resources[r].role
        && !ws.resources[r].is_set(rflags::BLOCK)
    {
        let mut required = need_stop;
        let next = state_matrix(role, ws.resources[r].role);
        if next == Role::Promoted && need_promote {
            required = true;
        }
        let Some(t) = action_matrix(role, next) else {
            break;
        };
        let to = ws.resources[r].allocated_to.map(|a| a.node);
        run_transition(ws, t, r, to, !required);
        role = next;
    }
    ws.resources[r].clear(rflags::RESTARTING);
}

fn schedule_role_transition_actions(ws: &mut WorkingSet, r: RscId) {
    let mut role = ws.resources[r].role;
    while role != ws.resources[r].next_role {
        let next = state_matrix(role, ws.resources[r].next_role);
        let Some(t) = action_matrix(role, next) else {
            break;
        };
        let to = ws.resources[r].allocated_to.map(|a| a.node);
        run_transition(ws, t, r, to, false);
        role = next;
    }
}

/// `pcmk__rsc_can_migrate`.
fn can_migrate(ws: &WorkingSet, r: RscId, current: Option<NodeId>) -> bool {
    let rsc = &ws.resources[r];
    if !rsc.is_set(rflags::ALLOW_MIGRATE) || !rsc.is_set(rflags::MANAGED) {
        return false;
    }
    if rsc.is_set(rflags::FAILED) || rsc.is_set(rflags::START_PENDING) {
        return false;
    }
    match current {
        None => return false,
        Some(c) if ws.nodes[c].unclean => return false,
        _ => {}
    }
    match rsc.allocated_to {
        None => false,
        Some(a) => !ws.nodes[a.node].unclean,
    }
}

/// `pcmk__abort_dangling_migration`.
fn abort_dangling_migration(ws: &mut WorkingSet, r: RscId, source: NodeId) {
    let cleanup = ws.is_set(wsflags::REMOVE_AFTER_STOP);
    let stop = rsc_action(ws, r, "stop", Some(source), false);
    ws.actions[stop].set(aflags::DANGLE);
    if cleanup {
        schedule_cleanup(ws, r, source, false);
    }
}

/// `pcmk__primitive_create_actions`.
#[doc(alias = "pcmk__primitive_create_actions")]
pub fn create_actions(ws: &mut WorkingSet, r: RscId) {
    let mut need_stop = false;
    let mut need_promote = false;
    let mut is_moving = false;
    let mut allow_migrate = false;
    let mut multiply_active = false;
    if ws.resources[r].next_role == Role::Unknown {
        ws.resources[r].next_role = if ws.resources[r].allocated_to.is_none() {
            Role::Stopped
        } else {
            Role::Started
        };
    }
    let (current, num_all, num_clean) = crate::assign::find_active_on(ws, r);
    for src in ws.resources[r].dangling_migrations.clone() {
        abort_dangling_migration(ws, r, src);
    }
    let alloc = ws.resources[r].allocated_to.map(|a| a.node);
    if let (Some(c), Some(a)) = (current, alloc) {
        if c != a && ws.resources[r].next_role >= Role::Started {
            is_moving = true;
            allow_migrate = can_migrate(ws, r, current);
            need_stop = true;
        }
    }
    let pms = ws.resources[r].partial_migration_source;
    let pmt = ws.resources[r].partial_migration_target;
    if pms.is_some()
        && pmt.is_some()
        && allow_migrate
        && num_all == 2
        && current == pms
        && alloc == pmt
    {
        // partial migration can be continued
    } else if pms.is_some() || pmt.is_some() {
        need_stop = true;
        ws.resources[r].partial_migration_source = None;
        ws.resources[r].partial_migration_target = None;
        allow_migrate = false;
    } else if ws.resources[r].is_set(rflags::NEEDS_FENCING) {
        multiply_active = num_all > 1;
    } else {
        multiply_active = num_clean > 1;
    }
    if multiply_active {
        let class = ws
            .doc
            .attr(ws.resources[r].xml, "class")
            .unwrap_or("Untyped");
        let how = match ws.resources[r].recovery_type {
            Recovery::StopOnly => "shutting it down",
            Recovery::StopStart => "attempting recovery",
            Recovery::Block => "waiting for an administrator",
            Recovery::StopUnexpected => "stopping unexpected instances",
        };
        crate::log_err!(
            "pcmk__primitive_create_actions",
            "{class} resource {} might be active on {num_all} nodes ({how})",
            ws.resources[r].id
        );
        match ws.resources[r].recovery_type {
            Recovery::StopStart => need_stop = true,
            Recovery::StopUnexpected => {
                need_stop = true;
                ws.resources[r].set(rflags::STOP_UNEXPECTED);
            }
            _ => {}
        }
    } else {
        ws.resources[r].clear(rflags::STOP_UNEXPECTED);
    }
    if ws.resources[r].is_set(rflags::START_PENDING) {
        let start = rsc_action(ws, r, "start", alloc, true);
        ws.actions[start].set(aflags::PRINT_ALWAYS);
    }
    if is_moving {
    } else if ws.resources[r].is_set(rflags::FAILED) {
        if ws.resources[r].is_set(rflags::STOP) {
            need_stop = true;
        } else if ws.resources[r].next_role == Role::Promoted {
            need_promote = true;
        }
    } else if ws.resources[r].is_set(rflags::BLOCK) {
        need_stop = true;
    } else if ws.resources[r].role > Role::Started && current.is_some() && alloc.is_some() {
        let start = rsc_action(ws, r, "start", alloc, true);
        if !ws.actions[start].is_set(aflags::OPTIONAL) {
            need_stop = true;
        }
    }
    schedule_restart_actions(ws, r, current, need_stop, need_promote);
    schedule_role_transition_actions(ws, r);
    super::recurring::create_recurring_actions(ws, r);
    if allow_migrate {
        create_migration_actions(ws, r, current);
    }
}

fn add_migration_meta(ws: &mut WorkingSet, a: usize, source: NodeId, target: NodeId) {
    let s = ws.nodes[source].uname.clone();
    let t = ws.nodes[target].uname.clone();
    crate::unpack::resources::add_hash_param(&mut ws.actions[a].meta, "migrate_source", &s);
    crate::unpack::resources::add_hash_param(&mut ws.actions[a].meta, "migrate_target", &t);
}

/// `pcmk__create_migration_actions`.
fn create_migration_actions(ws: &mut WorkingSet, r: RscId, current: Option<NodeId>) {
    let alloc = ws.resources[r].allocated_to.map(|a| a.node);
    let start = rsc_action(ws, r, "start", alloc, true);
    let stop = rsc_action(ws, r, "stop", current, true);
    let id = ws.resources[r].id.clone();
    let pmt = ws.resources[r].partial_migration_target;
    let mut migrate_to = None;
    if pmt.is_none() {
        migrate_to = Some(custom_action(
            ws,
            Some(r),
            op_key(&id, "migrate_to", 0),
            "migrate_to",
            current,
            true,
        ));
    }
    let migrate_from = custom_action(
        ws,
        Some(r),
        op_key(&id, "migrate_from", 0),
        "migrate_from",
        alloc,
        true,
    );
    if migrate_to.is_some() || pmt.is_some() {
        ws.actions[start].set(aflags::MIGRATE_RUNNABLE);
        ws.actions[stop].set(aflags::MIGRATE_RUNNABLE);
        ws.actions[start].set(aflags::PSEUDO);
        if pmt.is_none() {
            ws.actions[migrate_from].set(aflags::MIGRATE_RUNNABLE);
            if let Some(mt) = migrate_to {
                ws.actions[mt].set(aflags::MIGRATE_RUNNABLE);
                ws.actions[mt].needs = ws.actions[start].needs;
            }
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "monitor", 0)),
                None,
                Some(r),
                Some(op_key(&id, "migrate_to", 0)),
                None,
                oflags::OPTIONAL,
            );
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "migrate_to", 0)),
                None,
                Some(r),
                Some(op_key(&id, "migrate_from", 0)),
                None,
                oflags::OPTIONAL | oflags::IMPLIES_FIRST_MIGRATABLE,
            );
        } else {
            ws.actions[migrate_from].set(aflags::MIGRATE_RUNNABLE);
            ws.actions[migrate_from].needs = ws.actions[start].needs;
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "monitor", 0)),
                None,
                Some(r),
                Some(op_key(&id, "migrate_from", 0)),
                None,
                oflags::OPTIONAL,
            );
        }
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "migrate_from", 0)),
            None,
            Some(r),
            Some(op_key(&id, "stop", 0)),
            None,
            oflags::OPTIONAL | oflags::IMPLIES_FIRST_MIGRATABLE,
        );
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "migrate_from", 0)),
            None,
            Some(r),
            Some(op_key(&id, "start", 0)),
            None,
            oflags::OPTIONAL | oflags::IMPLIES_FIRST_MIGRATABLE | oflags::PSEUDO_LEFT,
        );
    }
    if let (Some(mt), Some(c), Some(a)) = (migrate_to, current, alloc) {
        add_migration_meta(ws, mt, c, a);
        if !ws.resources[r].is_remote_node {
            crate::unpack::resources::add_hash_param(
                &mut ws.actions[mt].meta,
                "record-pending",
                "true",
            );
        }
    }
    if let (Some(c), Some(a)) = (current, alloc) {
        add_migration_meta(ws, migrate_from, c, a);
    }
}
