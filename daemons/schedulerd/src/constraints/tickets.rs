//! Ticket constraints (lib/pacemaker/pcmk_sched_tickets.c): resources that
//! may only run (or be promoted) while a ticket is granted.

use super::{
    expand_tags_in_sets, find_constraint_resource, tag_to_set, valid_resource_or_tag, RscOrTag,
};
use crate::model::{rflags, wsflags, LossPolicy, RscId, RscTicket, Ticket, WorkingSet};
use crate::unpack::resources::resource_location;
use crate::util::{Role, INFINITY};
use crate::xml::XmlId;

/// `ticket_role_matches`.
fn ticket_role_matches(ws: &WorkingSet, r: RscId, t: &RscTicket) -> bool {
    t.role == Role::Unknown || t.role == ws.resources[r].role
}

/// `constraints_for_ticket`: bans (or fencing, freezing) for a resource
/// whose ticket is not granted or is in standby.
fn constraints_for_ticket(ws: &mut WorkingSet, r: RscId, t: &RscTicket) {
    let (granted, standby) = ws
        .tickets
        .get(&t.ticket)
        .map_or((false, false), |tk| (tk.granted, tk.standby));
    if granted && !standby {
        return;
    }
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            constraints_for_ticket(ws, c, t);
        }
        return;
    }
    if !granted && !ws.resources[r].running_on.is_empty() {
        match t.loss_policy {
            LossPolicy::Stop => {
                resource_location(ws, r, None, -INFINITY, "__loss_of_ticket__");
            }
            LossPolicy::Demote => {
                if t.role != Role::Promoted {
                    resource_location(ws, r, None, -INFINITY, "__loss_of_ticket__");
                }
            }
            LossPolicy::Fence => {
                if !ticket_role_matches(ws, r, t) {
                    return;
                }
                resource_location(ws, r, None, -INFINITY, "__loss_of_ticket__");
                for n in ws.resources[r].running_on.clone() {
                    crate::unpack::nodes::fence_node(ws, n, "deadman ticket was lost", false);
                }
            }
            LossPolicy::Freeze => {
                if !ticket_role_matches(ws, r, t) {
                    return;
                }
                if !ws.resources[r].running_on.is_empty() {
                    ws.resources[r].clear(rflags::MANAGED);
                    ws.resources[r].set(rflags::BLOCK);
                }
            }
        }
    } else if !granted {
        if t.role != Role::Promoted || t.loss_policy == LossPolicy::Stop {
            resource_location(ws, r, None, -INFINITY, "__no_ticket__");
        }
    } else if standby && (t.role != Role::Promoted || t.loss_policy == LossPolicy::Stop) {
        resource_location(ws, r, None, -INFINITY, "__ticket_standby__");
    }
}

/// `ticket_new`.
fn ticket_new(ws: &mut WorkingSet, id: &str) {
    if !ws.tickets.contains_key(id) {
        ws.tickets.insert(
            id.to_owned(),
            Ticket {
                id: id.to_owned(),
                last_granted: -1,
                ..Default::default()
            },
        );
        ws.ticket_order.push(id.to_owned());
    }
}

/// `rsc_ticket_new`.
fn rsc_ticket_new(
    ws: &mut WorkingSet,
    id: &str,
    r: RscId,
    ticket: &str,
    state: Option<&str>,
    loss_policy: Option<&str>,
) {
    let state = match state {
        None => "Unknown",
        Some(s) if s.eq_ignore_ascii_case("Started") => "Unknown",
        Some(s) => s,
    };
    let role = Role::parse(state);
    let mut policy: Option<LossPolicy> = None;
    let mut loss = loss_policy.map(str::to_owned);
    if loss
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("fence"))
    {
        if ws.is_set(wsflags::STONITH_ENABLED) {
            policy = Some(LossPolicy::Fence);
        } else {
            crate::config_err!(
                "rsc_ticket_new",
                "Resetting 'loss-policy' for ticket '{ticket}' to 'stop' because fencing is not configured"
            );
            loss = Some("stop".into());
        }
    }
    let policy = match policy {
        Some(p) => p,
        None => match loss.as_deref() {
            Some(l) if l.eq_ignore_ascii_case("freeze") => LossPolicy::Freeze,
            Some(l) if l.eq_ignore_ascii_case("demote") => LossPolicy::Demote,
            Some(l) if l.eq_ignore_ascii_case("stop") => LossPolicy::Stop,
            _ if role == Role::Promoted => LossPolicy::Demote,
            _ => LossPolicy::Stop,
        },
    };
    let t = RscTicket {
        id: id.to_owned(),
        rsc: r,
        ticket: ticket.to_owned(),
        loss_policy: policy,
        role,
    };
    let idx = ws.ticket_constraints.len();
    ws.ticket_constraints.push(t.clone());
    ws.resources[r].rsc_tickets.push(idx);
    let (granted, standby) = ws
        .tickets
        .get(ticket)
        .map_or((false, false), |tk| (tk.granted, tk.standby));
    if !granted || standby {
        constraints_for_ticket(ws, r, &t);
    }
}

/// `unpack_rsc_ticket_set`.
fn unpack_rsc_ticket_set(
    ws: &mut WorkingSet,
    set: XmlId,
    ticket: &str,
    loss_policy: Option<&str>,
) -> bool {
    let Some(set_id) = ws.doc.id(set).map(str::to_owned) else {
        crate::config_err!(
            "unpack_rsc_ticket_set",
            "Ignoring <resource_set> without id"
        );
        return false;
    };
    let role = ws.doc.attr(set, "role").map(str::to_owned);
    let refs: Vec<XmlId> = ws.doc.children_named(set, "resource_ref").collect();
    for xr in refs {
        let rid = ws.doc.id(xr).unwrap_or("").to_owned();
        let Some(r) = find_constraint_resource(ws, &rid) else {
            crate::config_err!(
                "unpack_rsc_ticket_set",
                "{set_id}: No resource found for {}",
                ws.doc.id(xr).unwrap_or("(null)")
            );
            return false;
        };
        rsc_ticket_new(ws, &set_id, r, ticket, role.as_deref(), loss_policy);
    }
    true
}

/// `unpack_simple_rsc_ticket`.
fn unpack_simple_rsc_ticket(ws: &mut WorkingSet, xml_obj: XmlId) {
    let instance = ws.doc.attr(xml_obj, "rsc-instance").map(str::to_owned);
    if instance.is_some() {
        crate::warn_once!(
            crate::diag::once::COLOC_INST,
            "unpack_simple_rsc_ticket",
            "Support for rsc-instance is deprecated and will be removed in a future release."
        );
    }
    let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "unpack_simple_rsc_ticket",
            "Ignoring <{}> constraint without id",
            ws.doc.name(xml_obj)
        );
        return;
    };
    let Some(ticket) = ws.doc.attr(xml_obj, "ticket").map(str::to_owned) else {
        crate::config_err!(
            "unpack_simple_rsc_ticket",
            "Ignoring constraint '{id}' without ticket specified"
        );
        return;
    };
    if !ws.tickets.contains_key(&ticket) {
        crate::config_err!(
            "unpack_simple_rsc_ticket",
            "Ignoring constraint '{id}' because ticket '{ticket}' does not exist"
        );
        return;
    }
    let loss = ws.doc.attr(xml_obj, "loss-policy").map(str::to_owned);
    let state = ws.doc.attr(xml_obj, "rsc-role").map(str::to_owned);
    let Some(rsc_id) = ws.doc.attr(xml_obj, "rsc").map(str::to_owned) else {
        crate::config_err!(
            "unpack_simple_rsc_ticket",
            "Ignoring constraint '{id}' without resource"
        );
        return;
    };
    let Some(mut r) = find_constraint_resource(ws, &rsc_id) else {
        crate::config_err!(
            "unpack_simple_rsc_ticket",
            "Ignoring constraint '{id}' because resource '{rsc_id}' does not exist"
        );
        return;
    };
    if let Some(inst) = instance {
        if !ws.is_clone(r) {
            crate::config_err!(
                "unpack_simple_rsc_ticket",
                "Ignoring constraint '{id}' because resource '{rsc_id}' is not a clone but instance '{inst}' was requested"
            );
            return;
        }
        match crate::constraints::colocation::find_clone_instance(ws, r, &inst) {
            Some(i) => r = i,
            None => {
                // The reference passes its arguments one place off here.
                crate::config_warn!(
                    "unpack_simple_rsc_ticket",
                    "Ignoring constraint ''%s'' because resource '{id}' does not have an instance '{rsc_id}'"
                );
                return;
            }
        }
    }
    rsc_ticket_new(ws, &id, r, &ticket, state.as_deref(), loss.as_deref());
}

/// `unpack_rsc_ticket_tags`: `Err` when the constraint is invalid.
fn unpack_rsc_ticket_tags(ws: &mut WorkingSet, xml_obj: XmlId) -> Result<Option<XmlId>, ()> {
    if let Some(x) = expand_tags_in_sets(ws, xml_obj)? {
        return Ok(Some(x));
    }
    let Some(rsc_id) = ws.doc.attr(xml_obj, "rsc").map(str::to_owned) else {
        return Ok(None);
    };
    match valid_resource_or_tag(ws, &rsc_id) {
        None => {
            crate::config_err!(
                "unpack_rsc_ticket_tags",
                "Ignoring constraint '{}' because '{rsc_id}' is not a valid resource or tag",
                ws.doc.id(xml_obj).unwrap_or("(null)")
            );
            return Err(());
        }
        Some(RscOrTag::Rsc(_)) => return Ok(None),
        Some(RscOrTag::Tag(_)) => {}
    }
    let state = ws.doc.attr(xml_obj, "rsc-role").map(str::to_owned);
    let expanded = ws.doc.copy(xml_obj, None);
    match tag_to_set(ws, expanded, "rsc", false)? {
        Some(set) => {
            if let Some(s) = state {
                ws.doc.set_attr(set, "role", &s);
                ws.doc.remove_attr(expanded, "rsc-role");
            }
            Ok(Some(expanded))
        }
        None => Ok(None),
    }
}

/// `pcmk__unpack_rsc_ticket`.
#[doc(alias = "pcmk__unpack_rsc_ticket")]
pub fn unpack_rsc_ticket(ws: &mut WorkingSet, xml_obj: XmlId) {
    let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "pcmk__unpack_rsc_ticket",
            "Ignoring <{}> constraint without id",
            ws.doc.name(xml_obj)
        );
        return;
    };
    let Some(ticket) = ws.doc.attr(xml_obj, "ticket").map(str::to_owned) else {
        crate::config_err!(
            "pcmk__unpack_rsc_ticket",
            "Ignoring constraint '{id}' without ticket"
        );
        return;
    };
    let loss = ws.doc.attr(xml_obj, "loss-policy").map(str::to_owned);
    ticket_new(ws, &ticket);
    let Ok(expanded) = unpack_rsc_ticket_tags(ws, xml_obj) else {
        return;
    };
    let obj = expanded.unwrap_or(xml_obj);
    let sets: Vec<XmlId> = ws.doc.children_named(obj, "resource_set").collect();
    let any_sets = !sets.is_empty();
    for set in sets {
        let Some(set) = ws.doc.expand_idref(set, ws.cib) else {
            return;
        };
        if !unpack_rsc_ticket_set(ws, set, &ticket, loss.as_deref()) {
            return;
        }
    }
    if !any_sets {
        unpack_simple_rsc_ticket(ws, xml_obj);
    }
}

/// `pcmk__require_promotion_tickets`: a promotable clone whose promoted
/// role depends on a missing ticket cannot be promoted anywhere.
#[doc(alias = "pcmk__require_promotion_tickets")]
pub fn require_promotion_tickets(ws: &mut WorkingSet, rsc: RscId) {
    for i in ws.resources[rsc].rsc_tickets.clone() {
        let t = &ws.ticket_constraints[i];
        if t.role != Role::Promoted {
            continue;
        }
        let ok = ws
            .tickets
            .get(&t.ticket)
            .is_some_and(|tk| tk.granted && !tk.standby);
        if !ok {
            resource_location(ws, rsc, None, -INFINITY, "__stateful_without_ticket__");
        }
    }
}
