//! Ordering constraints: unpacking `rsc_order` and recording orderings
//! (lib/pacemaker/pcmk_sched_ordering.c, first half).

use crate::actions::create::get_pseudo_op;
use crate::constraints::{
    expand_tags_in_sets, find_constraint_resource, tag_to_set, valid_resource_or_tag, RscOrTag,
};
use crate::model::{aflags, oflags, rflags, ActionId, Ordering, RscId, WorkingSet};
use crate::util::{self, char2score, op_key};
use crate::xml::XmlId;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Optional,
    Mandatory,
    Serialize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Symmetry {
    Asymmetric,
    Symmetric,
    SymmetricInverse,
}

fn invert_action(action: &str) -> Option<&'static str> {
    let a = action.to_ascii_lowercase();
    Some(match a.as_str() {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        "promoted" => "demoted",
        "demoted" => "promoted",
        "running" => "stopped",
        "stopped" => "running",
        _ => {
            crate::log_warn!(
                "invert_action",
                "Unknown action '{action}' specified in order constraint"
            );
            return None;
        }
    })
}

fn get_ordering_type(ws: &WorkingSet, xml: XmlId) -> Kind {
    match ws.doc.attr(xml, "kind") {
        None => match ws.doc.attr(xml, "score") {
            Some(s) => {
                crate::warn_once!(
                    crate::diag::once::ORDER_SCORE,
                    "get_ordering_type",
                    "Support for 'score' in rsc_order is deprecated and will be removed in a future release (use 'kind' instead)"
                );
                if char2score(Some(s)) == 0 {
                    Kind::Optional
                } else {
                    Kind::Mandatory
                }
            }
            None => Kind::Mandatory,
        },
        Some(k) if k.eq_ignore_ascii_case("Mandatory") => Kind::Mandatory,
        Some(k) if k.eq_ignore_ascii_case("Optional") => Kind::Optional,
        Some(k) if k.eq_ignore_ascii_case("Serialize") => Kind::Serialize,
        Some(k) => {
            crate::config_err!(
                "get_ordering_type",
                "Resetting 'kind' for constraint {} to 'Mandatory' because '{k}' is not valid",
                ws.doc.id(xml).unwrap_or("missing ID")
            );
            Kind::Mandatory
        }
    }
}

fn get_ordering_symmetry(
    ws: &WorkingSet,
    xml: XmlId,
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) -> Symmetry {
    let mut kind = parent_kind;
    if ws.doc.attr(xml, "kind").is_some() || ws.doc.attr(xml, "score").is_some() {
        kind = get_ordering_type(ws, xml);
    }
    let mut symmetric = ws
        .doc
        .attr(xml, "symmetrical")
        .and_then(util::str_to_boolean);
    if symmetric.is_none() {
        if let Some(p) = parent_symmetrical {
            symmetric = Some(util::is_true(Some(p)));
        }
    }
    match symmetric {
        Some(true) => {
            if kind == Kind::Serialize {
                crate::config_warn!(
                    "get_ordering_symmetry",
                    "Ignoring symmetrical for '{}' because not valid with kind of 'Serialize'",
                    ws.doc.id(xml).unwrap_or("(null)")
                );
                Symmetry::Asymmetric
            } else {
                Symmetry::Symmetric
            }
        }
        Some(false) => Symmetry::Asymmetric,
        None => {
            if kind == Kind::Serialize {
                Symmetry::Asymmetric
            } else {
                Symmetry::Symmetric
            }
        }
    }
}

fn flags_for_kind(kind: Kind, first: &str, symmetry: Symmetry) -> u32 {
    let mut flags = oflags::OPTIONAL;
    match kind {
        Kind::Optional => {}
        Kind::Serialize => flags |= oflags::SERIALIZE_ONLY,
        Kind::Mandatory => match symmetry {
            Symmetry::Asymmetric => flags |= oflags::ASYMMETRICAL,
            Symmetry::Symmetric => {
                flags |= oflags::IMPLIES_THEN;
                if first.eq_ignore_ascii_case("start") || first.eq_ignore_ascii_case("promote") {
                    flags |= oflags::RUNNABLE_LEFT;
                }
            }
            Symmetry::SymmetricInverse => flags |= oflags::IMPLIES_FIRST,
        },
    }
    flags
}

fn get_ordering_resource(
    ws: &WorkingSet,
    xml: XmlId,
    rsc_attr: &str,
    inst_attr: &str,
) -> Option<RscId> {
    let cons = ws.doc.id(xml).unwrap_or("(null)");
    let Some(rsc_id) = ws.doc.attr(xml, rsc_attr) else {
        crate::config_err!(
            "get_ordering_resource",
            "Ignoring constraint '{cons}' without {rsc_attr}"
        );
        return None;
    };
    let Some(rsc) = find_constraint_resource(ws, rsc_id) else {
        crate::config_err!(
            "get_ordering_resource",
            "Ignoring constraint '{cons}' because resource '{rsc_id}' does not exist"
        );
        return None;
    };
    match ws.doc.attr(xml, inst_attr) {
        None => Some(rsc),
        Some(inst) => {
            crate::warn_once!(
                crate::diag::once::ORDER_INST,
                "get_ordering_resource",
                "Support for first-instance and then-instance is deprecated and will be removed in a future release."
            );
            if !ws.is_clone(rsc) {
                crate::config_err!(
                    "get_ordering_resource",
                    "Ignoring constraint '{cons}' because resource '{rsc_id}' is not a clone but instance '{inst}' was requested"
                );
                return None;
            }
            let found = crate::constraints::colocation::find_clone_instance(ws, rsc, inst);
            if found.is_none() {
                // The reference passes its arguments one place off here.
                crate::config_err!(
                    "get_ordering_resource",
                    "Ignoring constraint ''%s'' because resource '{cons}' does not have an instance '{rsc_id}'"
                );
            }
            found
        }
    }
}

fn get_minimum_first_instances(ws: &WorkingSet, rsc: RscId, xml: XmlId) -> i32 {
    if !ws.is_clone(rsc) {
        return 0;
    }
    if let Some(cm) = ws.resources[rsc].meta.get("clone-min") {
        return util::scan_min_int(Some(cm), 0);
    }
    if let Some(ra) = ws.doc.attr(xml, "require-all") {
        crate::warn_once!(
            crate::diag::once::REQUIRE_ALL,
            "get_minimum_first_instances",
            "Support for require-all in ordering constraints is deprecated and will be removed in a future release (use clone-min clone meta-attribute instead)"
        );
        if util::str_to_boolean(ra) == Some(false) {
            return 1;
        }
    }
    0
}

/// `pcmk__new_ordering`.
#[doc(alias = "pcmk__new_ordering")]
pub fn new_ordering(
    ws: &mut WorkingSet,
    first_rsc: Option<RscId>,
    first_task: Option<String>,
    first_action: Option<ActionId>,
    then_rsc: Option<RscId>,
    then_task: Option<String>,
    then_action: Option<ActionId>,
    flags: u32,
) {
    if (first_action.is_none() && first_rsc.is_none())
        || (then_action.is_none() && then_rsc.is_none())
    {
        return;
    }
    let first_rsc = first_rsc.or_else(|| first_action.and_then(|a| ws.actions[a].rsc));
    let then_rsc = then_rsc.or_else(|| then_action.and_then(|a| ws.actions[a].rsc));
    let lh_task = first_task.or_else(|| first_action.map(|a| ws.actions[a].uuid.clone()));
    let rh_task = then_task.or_else(|| then_action.map(|a| ws.actions[a].uuid.clone()));
    let order = Ordering {
        id: ws.order_id,
        flags,
        lh_rsc: first_rsc,
        lh_action: first_action,
        lh_task,
        rh_rsc: then_rsc,
        rh_action: then_action,
        rh_task,
    };
    ws.order_id += 1;
    ws.orderings.push(order.clone());
    order_migration_equivalents(ws, &order);
}

/// `pcmk__order_resource_actions`.
pub fn order_resource_actions(
    ws: &mut WorkingSet,
    first: RscId,
    first_task: &str,
    then: RscId,
    then_task: &str,
    flags: u32,
) {
    let fk = op_key(&ws.resources[first].id, first_task, 0);
    let tk = op_key(&ws.resources[then].id, then_task, 0);
    new_ordering(
        ws,
        Some(first),
        Some(fk),
        None,
        Some(then),
        Some(tk),
        None,
        flags,
    );
}

fn task_from(ws: &WorkingSet, action: Option<ActionId>, key: Option<&str>) -> Option<String> {
    if let Some(a) = action {
        return Some(ws.actions[a].task.clone());
    }
    key.and_then(util::parse_op_key).map(|k| k.1)
}

/// `pcmk__order_migration_equivalents`.
fn order_migration_equivalents(ws: &mut WorkingSet, order: &Ordering) {
    let (Some(lh), Some(rh)) = (order.lh_rsc, order.rh_rsc) else {
        return;
    };
    if lh == rh || ws.is_parent(lh, rh) || ws.is_parent(rh, lh) {
        return;
    }
    let first_m = ws.resources[lh].is_set(rflags::ALLOW_MIGRATE);
    let then_m = ws.resources[rh].is_set(rflags::ALLOW_MIGRATE);
    if !first_m && !then_m {
        return;
    }
    let ft = task_from(ws, order.lh_action, order.lh_task.as_deref());
    let tt = task_from(ws, order.rh_action, order.rh_task.as_deref());
    let (ft, tt) = (ft.as_deref(), tt.as_deref());
    let opt = oflags::OPTIONAL;
    if ft == Some("start") && tt == Some("start") {
        let mut flags = opt;
        if first_m && then_m {
            order_resource_actions(ws, lh, "migrate_from", rh, "migrate_to", flags);
        }
        if then_m {
            if first_m {
                flags |= oflags::APPLY_FIRST_NON_MIGRATABLE;
            }
            order_resource_actions(ws, lh, "start", rh, "migrate_to", flags);
        }
    } else if then_m && ft == Some("stop") && tt == Some("stop") {
        let mut flags = opt;
        if first_m {
            flags |= oflags::APPLY_FIRST_NON_MIGRATABLE;
        }
        order_resource_actions(ws, lh, "stop", rh, "migrate_to", flags);
        if ws.resources[rh].partial_migration_target.is_some() {
            order_resource_actions(ws, lh, "stop", rh, "migrate_from", flags);
        }
    } else if ft == Some("promote") && tt == Some("start") {
        if then_m {
            order_resource_actions(ws, lh, "promote", rh, "migrate_to", opt);
        }
    } else if ft == Some("demote") && tt == Some("stop") {
        if then_m {
            order_resource_actions(ws, lh, "demote", rh, "migrate_to", opt);
            if ws.resources[rh].partial_migration_target.is_some() {
                order_resource_actions(ws, lh, "demote", rh, "migrate_from", opt);
            }
        }
    }
}

fn clone_min_ordering(
    ws: &mut WorkingSet,
    id: &str,
    first: RscId,
    action_first: &str,
    then: RscId,
    action_then: &str,
    flags: u32,
    clone_min: i32,
) {
    let task = format!("clone-one-or-more:{id}");
    let met = get_pseudo_op(ws, &task);
    ws.actions[met].required_runnable_before = clone_min;
    ws.actions[met].set(aflags::REQUIRES_ANY);
    for child in ws.resources[first].children.clone() {
        let k = op_key(&ws.resources[child].id, action_first, 0);
        new_ordering(
            ws,
            Some(child),
            Some(k),
            None,
            None,
            None,
            Some(met),
            oflags::ONE_OR_MORE | oflags::IMPLIES_THEN_PRINTED,
        );
    }
    let k = op_key(&ws.resources[then].id, action_then, 0);
    new_ordering(
        ws,
        None,
        None,
        Some(met),
        Some(then),
        Some(k),
        None,
        flags | oflags::RUNNABLE_LEFT,
    );
}

fn inverse_ordering(
    ws: &mut WorkingSet,
    id: &str,
    kind: Kind,
    first: RscId,
    action_first: &str,
    then: RscId,
    action_then: &str,
) {
    let (Some(at), Some(af)) = (invert_action(action_then), invert_action(action_first)) else {
        crate::config_warn!(
            "inverse_ordering",
            "Cannot invert constraint '{id}' (please specify inverse manually)"
        );
        return;
    };
    let mut flags = flags_for_kind(kind, af, Symmetry::SymmetricInverse);
    if kind == Kind::Optional && ws.resources[then].restart_restart {
        flags |= oflags::IMPLIES_FIRST;
    }
    order_resource_actions(ws, then, at, first, af, flags);
}

fn unpack_simple_rsc_order(ws: &mut WorkingSet, xml: XmlId) {
    let Some(id) = ws.doc.id(xml).map(str::to_owned) else {
        crate::config_err!(
            "unpack_simple_rsc_order",
            "Ignoring <{}> constraint without id",
            ws.doc.name(xml)
        );
        return;
    };
    let Some(first) = get_ordering_resource(ws, xml, "first", "first-instance") else {
        return;
    };
    let Some(then) = get_ordering_resource(ws, xml, "then", "then-instance") else {
        return;
    };
    let action_first = ws
        .doc
        .attr(xml, "first-action")
        .unwrap_or("start")
        .to_owned();
    let action_then = ws
        .doc
        .attr(xml, "then-action")
        .map(str::to_owned)
        .unwrap_or_else(|| action_first.clone());
    let kind = get_ordering_type(ws, xml);
    let symmetry = get_ordering_symmetry(ws, xml, kind, None);
    let mut flags = flags_for_kind(kind, &action_first, symmetry);
    if kind == Kind::Optional && ws.resources[then].restart_restart {
        flags |= oflags::IMPLIES_THEN;
    }
    let min = get_minimum_first_instances(ws, first, xml);
    if min > 0 {
        clone_min_ordering(
            ws,
            &id,
            first,
            &action_first,
            then,
            &action_then,
            flags,
            min,
        );
    } else {
        order_resource_actions(ws, first, &action_first, then, &action_then, flags);
    }
    if symmetry == Symmetry::Symmetric {
        inverse_ordering(ws, &id, kind, first, &action_first, then, &action_then);
    }
}

fn set_refs(ws: &WorkingSet, set: XmlId) -> Vec<String> {
    ws.doc
        .children_named(set, "resource_ref")
        .map(|r| ws.doc.id(r).unwrap_or("").to_owned())
        .collect()
}

fn unpack_order_set(
    ws: &mut WorkingSet,
    set: XmlId,
    parent_kind: Kind,
    parent_symmetrical: Option<&str>,
) -> bool {
    let action = ws.doc.attr(set, "action").unwrap_or("start").to_owned();
    let local_kind = if ws.doc.attr(set, "kind").is_some() {
        get_ordering_type(ws, set)
    } else {
        parent_kind
    };
    let sequential = util::is_true(Some(ws.doc.attr(set, "sequential").unwrap_or("1")));
    let symmetry = get_ordering_symmetry(ws, set, parent_kind, parent_symmetrical);
    let flags = flags_for_kind(local_kind, &action, symmetry);
    let mut resources = Vec::new();
    for id in set_refs(ws, set) {
        match find_constraint_resource(ws, &id) {
            Some(r) => resources.push(r),
            None => {
                crate::config_err!(
                    "unpack_order_set",
                    "{}: No resource found for {id}",
                    ws.doc.id(set).unwrap_or("(null)")
                );
                return false;
            }
        }
    }
    if resources.len() == 1 {
        return true;
    }
    let mut last: Option<RscId> = None;
    for (i, &r) in resources.iter().enumerate() {
        let key = op_key(&ws.resources[r].id, &action, 0);
        if local_kind == Kind::Serialize {
            for &then in &resources[i + 1..] {
                let tk = op_key(&ws.resources[then].id, &action, 0);
                new_ordering(
                    ws,
                    Some(r),
                    Some(key.clone()),
                    None,
                    Some(then),
                    Some(tk),
                    None,
                    flags,
                );
            }
        } else if sequential {
            if let Some(l) = last {
                order_resource_actions(ws, l, &action, r, &action, flags);
            }
            last = Some(r);
        }
    }
    if symmetry == Symmetry::Asymmetric {
        return true;
    }
    let Some(inv) = invert_action(&action) else {
        if sequential && resources.len() > 1 {
            // The reference builds an operation key from the missing
            // inverse action and aborts.
            crate::diag::fatal("pcmk__op_key", "operations.c:48", "op_type != NULL");
        }
        return true;
    };
    let flags = flags_for_kind(local_kind, inv, Symmetry::SymmetricInverse);
    let mut last: Option<RscId> = None;
    for &r in &resources {
        if sequential {
            if let Some(l) = last {
                order_resource_actions(ws, r, inv, l, inv, flags);
            }
            last = Some(r);
        }
    }
    true
}

fn order_rsc_sets(
    ws: &mut WorkingSet,
    id: &str,
    set1: XmlId,
    set2: XmlId,
    kind: Kind,
    symmetry: Symmetry,
) -> bool {
    let mut action_1 = ws.doc.attr(set1, "action").unwrap_or("start").to_owned();
    let mut action_2 = ws.doc.attr(set2, "action").unwrap_or("start").to_owned();
    let mut require_all = ws
        .doc
        .attr(set1, "require-all")
        .and_then(util::str_to_boolean)
        .unwrap_or(true);
    if symmetry == Symmetry::SymmetricInverse {
        let (a1, a2) = (invert_action(&action_1), invert_action(&action_2));
        if a1.is_none() || a2.is_none() {
            crate::diag::fatal("pcmk__op_key", "operations.c:48", "op_type != NULL");
        }
        action_1 = a1.unwrap_or("(null)").to_owned();
        action_2 = a2.unwrap_or("(null)").to_owned();
    }
    if action_1.eq_ignore_ascii_case("stop") || action_1.eq_ignore_ascii_case("demote") {
        require_all = true;
    }
    let flags = flags_for_kind(kind, &action_2, symmetry);
    let refs1 = set_refs(ws, set1);
    let refs2 = set_refs(ws, set2);
    if !require_all {
        let set1_id = ws.doc.id(set1).unwrap_or("").to_owned();
        let task = format!("one-or-more:{set1_id}");
        let unordered = get_pseudo_op(ws, &task);
        ws.actions[unordered].set(aflags::REQUIRES_ANY);
        for rid in &refs1 {
            let Some(r1) = find_constraint_resource(ws, rid) else {
                return false;
            };
            let k = op_key(&ws.resources[r1].id, &action_1, 0);
            new_ordering(
                ws,
                Some(r1),
                Some(k),
                None,
                None,
                None,
                Some(unordered),
                oflags::ONE_OR_MORE | oflags::IMPLIES_THEN_PRINTED,
            );
        }
        for rid in &refs2 {
            let Some(r2) = find_constraint_resource(ws, rid) else {
                return false;
            };
            let k = op_key(&ws.resources[r2].id, &action_2, 0);
            new_ordering(
                ws,
                None,
                None,
                Some(unordered),
                Some(r2),
                Some(k),
                None,
                flags | oflags::RUNNABLE_LEFT,
            );
        }
        return true;
    }
    let _ = id;
    let mut rsc_1 = None;
    let mut rsc_2 = None;
    if util::is_true(ws.doc.attr(set1, "sequential")) {
        let rid = if symmetry == Symmetry::SymmetricInverse {
            refs1.first().cloned()
        } else {
            refs1.last().cloned()
        };
        match rid {
            Some(rid) => match find_constraint_resource(ws, &rid) {
                Some(r) => rsc_1 = Some(r),
                None => return false,
            },
            None => {
                if symmetry != Symmetry::SymmetricInverse {
                    return false;
                }
            }
        }
    }
    if util::is_true(ws.doc.attr(set2, "sequential")) {
        let rid = if symmetry == Symmetry::SymmetricInverse {
            refs2.last().cloned()
        } else {
            refs2.first().cloned()
        };
        match rid {
            Some(rid) => match find_constraint_resource(ws, &rid) {
                Some(r) => rsc_2 = Some(r),
                None => return false,
            },
            None => {
                if symmetry == Symmetry::SymmetricInverse {
                    return false;
                }
            }
        }
    }
    match (rsc_1, rsc_2) {
        (Some(r1), Some(r2)) => order_resource_actions(ws, r1, &action_1, r2, &action_2, flags),
        (Some(r1), None) => {
            for rid in &refs2 {
                let Some(r2) = find_constraint_resource(ws, rid) else {
                    return false;
                };
                order_resource_actions(ws, r1, &action_1, r2, &action_2, flags);
            }
        }
        (None, Some(r2)) => {
            for rid in &refs1 {
                let Some(r1) = find_constraint_resource(ws, rid) else {
                    return false;
                };
                order_resource_actions(ws, r1, &action_1, r2, &action_2, flags);
            }
        }
        (None, None) => {
            for rid in &refs1 {
                let Some(r1) = find_constraint_resource(ws, rid) else {
                    return false;
                };
                for rid2 in &refs2 {
                    let Some(r2) = find_constraint_resource(ws, rid2) else {
                        return false;
                    };
                    order_resource_actions(ws, r1, &action_1, r2, &action_2, flags);
                }
            }
        }
    }
    true
}

fn unpack_order_tags(ws: &mut WorkingSet, xml: XmlId) -> Result<Option<XmlId>, ()> {
    if let Some(e) = expand_tags_in_sets(ws, xml)? {
        return Ok(Some(e));
    }
    let id_first = ws.doc.attr(xml, "first").map(str::to_owned);
    let id_then = ws.doc.attr(xml, "then").map(str::to_owned);
    let (Some(id_first), Some(id_then)) = (id_first, id_then) else {
        return Ok(None);
    };
    let cons = ws.doc.id(xml).unwrap_or("(null)");
    let Some(f) = valid_resource_or_tag(ws, &id_first) else {
        crate::config_err!(
            "unpack_order_tags",
            "Ignoring constraint '{cons}' because '{id_first}' is not a valid resource or tag"
        );
        return Err(());
    };
    let Some(t) = valid_resource_or_tag(ws, &id_then) else {
        crate::config_err!(
            "unpack_order_tags",
            "Ignoring constraint '{cons}' because '{id_then}' is not a valid resource or tag"
        );
        return Err(());
    };
    if matches!((&f, &t), (RscOrTag::Rsc(_), RscOrTag::Rsc(_))) {
        return Ok(None);
    }
    let action_first = ws.doc.attr(xml, "first-action").map(str::to_owned);
    let action_then = ws.doc.attr(xml, "then-action").map(str::to_owned);
    let expanded = ws.doc.copy(xml, None);
    let mut any_sets = false;
    if let Some(set) = tag_to_set(ws, expanded, "first", true)? {
        if let Some(a) = &action_first {
            ws.doc.set_attr(set, "action", a);
            ws.doc.remove_attr(expanded, "first-action");
        }
        any_sets = true;
    }
    if let Some(set) = tag_to_set(ws, expanded, "then", true)? {
        if let Some(a) = &action_then {
            ws.doc.set_attr(set, "action", a);
            ws.doc.remove_attr(expanded, "then-action");
        }
        any_sets = true;
    }
    Ok(if any_sets { Some(expanded) } else { None })
}

/// `pcmk__unpack_ordering`.
pub fn unpack_ordering(ws: &mut WorkingSet, xml: XmlId) {
    let id = ws.doc.id(xml).unwrap_or("").to_owned();
    let invert = ws.doc.attr(xml, "symmetrical").map(str::to_owned);
    let kind = get_ordering_type(ws, xml);
    let symmetry = get_ordering_symmetry(ws, xml, kind, None);
    let Ok(expanded) = unpack_order_tags(ws, xml) else {
        return;
    };
    let obj = expanded.unwrap_or(xml);
    let sets: Vec<XmlId> = ws.doc.children_named(obj, "resource_set").collect();
    let mut last: Option<XmlId> = None;
    for set in sets {
        let Some(set) = ws.doc.expand_idref(set, ws.cib) else {
            return;
        };
        if !unpack_order_set(ws, set, kind, invert.as_deref()) {
            return;
        }
        if let Some(l) = last {
            if !order_rsc_sets(ws, &id, l, set, kind, symmetry) {
                return;
            }
            if symmetry == Symmetry::Symmetric
                && !order_rsc_sets(ws, &id, set, l, kind, Symmetry::SymmetricInverse)
            {
                return;
            }
        }
        last = Some(set);
    }
    if last.is_none() {
        unpack_simple_rsc_order(ws, xml);
    }
}
