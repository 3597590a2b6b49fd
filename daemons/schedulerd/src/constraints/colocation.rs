//! Colocation constraints (lib/pacemaker/pcmk_sched_colocation.c).

use std::cmp::Ordering;

use crate::constraints::ordering::order_resource_actions;
use crate::constraints::{
    expand_tags_in_sets, find_constraint_resource, tag_to_set, valid_resource_or_tag, RscOrTag,
};
use crate::glib;
use crate::model::{
    aflags, oflags, rflags, ActionId, ColocId, Colocation, NodeTable, RscId, Variant, WorkingSet,
};
use crate::util::{self, add_scores, char2score, Role, INFINITY};
use crate::xml::XmlId;

/// A node score marker used while combining colocation scores.
const INFINITY_HACK: i32 = INFINITY * -100;

/// Selection flags of [`add_colocated_node_scores`] (`enum pcmk__coloc_select`).
pub const SELECT_DEFAULT: u32 = 0;
pub const SELECT_THIS_WITH: u32 = 1 << 0;
pub const SELECT_NONNEGATIVE: u32 = 1 << 1;
pub const SELECT_ACTIVE: u32 = 1 << 2;

/// What a colocation affects (`enum pcmk__coloc_affects`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affects {
    Nothing,
    Location,
    Role,
}

fn cmp_priority(ws: &WorkingSet, a: RscId, b: RscId) -> Ordering {
    let (ra, rb) = (&ws.resources[a], &ws.resources[b]);
    if ra.priority > rb.priority {
        return Ordering::Less;
    }
    if ra.priority < rb.priority {
        return Ordering::Greater;
    }
    if ra.variant > rb.variant {
        return Ordering::Less;
    }
    if ra.variant < rb.variant {
        return Ordering::Greater;
    }
    if ra.variant == Variant::Clone {
        let pa = ra.is_set(rflags::PROMOTABLE);
        let pb = rb.is_set(rflags::PROMOTABLE);
        if pa && !pb {
            return Ordering::Less;
        } else if !pa && pb {
            return Ordering::Greater;
        }
    }
    ra.id.as_bytes().cmp(rb.id.as_bytes())
}

/// `pcmk__add_this_with`.
pub fn add_this_with(ws: &mut WorkingSet, r: RscId, c: ColocId) {
    let mut list = std::mem::take(&mut ws.resources[r].rsc_cons);
    glib::insert_sorted(&mut list, c, |&a, &b| {
        cmp_priority(ws, ws.colocations[a].primary, ws.colocations[b].primary)
    });
    ws.resources[r].rsc_cons = list;
}

/// `pcmk__add_with_this`.
pub fn add_with_this(ws: &mut WorkingSet, r: RscId, c: ColocId) {
    let mut list = std::mem::take(&mut ws.resources[r].rsc_cons_lhs);
    glib::insert_sorted(&mut list, c, |&a, &b| {
        cmp_priority(ws, ws.colocations[a].dependent, ws.colocations[b].dependent)
    });
    ws.resources[r].rsc_cons_lhs = list;
}

fn anti_colocation_order(
    ws: &mut WorkingSet,
    first: RscId,
    first_role: Role,
    then: RscId,
    then_role: Role,
) {
    let mut first_tasks: Vec<&str> = Vec::new();
    let mut then_tasks: Vec<&str> = Vec::new();
    if first_role == Role::Promoted {
        first_tasks.push("demote");
    } else {
        first_tasks.push("stop");
        if first_role == Role::Unpromoted {
            first_tasks.push("promote");
        }
    }
    if then_role == Role::Promoted {
        then_tasks.push("promote");
    } else {
        then_tasks.push("start");
        if then_role == Role::Unpromoted {
            then_tasks.push("demote");
        }
    }
    for ft in &first_tasks {
        for tt in &then_tasks {
            order_resource_actions(ws, first, ft, then, tt, oflags::ANTI_COLOCATION);
        }
    }
}

/// `pcmk__new_colocation`.
#[doc(alias = "pcmk__new_colocation")]
pub fn new_colocation(
    ws: &mut WorkingSet,
    id: &str,
    node_attr: Option<&str>,
    score: i32,
    dependent: Option<RscId>,
    primary: Option<RscId>,
    dependent_role: Option<&str>,
    primary_role: Option<&str>,
    influence: bool,
) {
    if score == 0 {
        return;
    }
    let (Some(dependent), Some(primary)) = (dependent, primary) else {
        crate::config_err!(
            "pcmk__new_colocation",
            "Ignoring colocation '{id}' because resource does not exist"
        );
        return;
    };
    let role_of = |r: Option<&str>| match r {
        None => Role::Unknown,
        Some(s) if s.eq_ignore_ascii_case("Started") => Role::Unknown,
        Some(s) => Role::parse(s),
    };
    let c = ws.colocations.len();
    ws.colocations.push(Colocation {
        id: id.to_owned(),
        dependent,
        primary,
        dependent_role: role_of(dependent_role),
        primary_role: role_of(primary_role),
        score,
        influence,
        node_attribute: node_attr.map(str::to_owned),
    });
    add_this_with(ws, dependent, c);
    add_with_this(ws, primary, c);
    if score <= -INFINITY {
        let (dr, pr) = (
            ws.colocations[c].dependent_role,
            ws.colocations[c].primary_role,
        );
        anti_colocation_order(ws, dependent, dr, primary, pr);
        anti_colocation_order(ws, primary, pr, dependent, dr);
    }
}

fn unpack_influence(
    ws: &WorkingSet,
    coloc_id: &str,
    rsc: RscId,
    influence_s: Option<&str>,
) -> bool {
    if let Some(s) = influence_s {
        if let Some(v) = util::str_to_boolean(s) {
            return v;
        }
        crate::config_err!(
            "unpack_influence",
            "Constraint '{coloc_id}' has invalid value for influence (using default)"
        );
    }
    ws.resources[rsc].is_set(rflags::CRITICAL)
}

fn set_refs(ws: &WorkingSet, set: XmlId) -> Vec<String> {
    ws.doc
        .children_named(set, "resource_ref")
        .map(|r| ws.doc.id(r).unwrap_or("").to_owned())
        .collect()
}

/// `unpack_colocation_set`.
fn unpack_colocation_set(
    ws: &mut WorkingSet,
    set: XmlId,
    score: i32,
    coloc_id: &str,
    influence_s: Option<&str>,
) {
    let set_id = ws.doc.id(set).unwrap_or("").to_owned();
    let role = ws.doc.attr(set, "role").map(str::to_owned);
    let ordering = ws.doc.attr(set, "ordering").unwrap_or("group").to_owned();
    let mut local_score = score;
    if let Some(s) = ws.doc.attr(set, "score") {
        local_score = char2score(Some(s));
    }
    if local_score == 0 {
        return;
    }
    let seq = ws
        .doc
        .attr(set, "sequential")
        .and_then(util::str_to_boolean);
    let refs = set_refs(ws, set);
    if seq == Some(false) {
        // unordered sets colocate nothing among their members
    } else if local_score > 0 && ordering.eq_ignore_ascii_case("group") {
        let mut with: Option<RscId> = None;
        for id in &refs {
            let Some(resource) = find_constraint_resource(ws, id) else {
                return;
            };
            if let Some(w) = with {
                let infl = unpack_influence(ws, coloc_id, resource, influence_s);
                new_colocation(
                    ws,
                    &set_id,
                    None,
                    local_score,
                    Some(resource),
                    Some(w),
                    role.as_deref(),
                    role.as_deref(),
                    infl,
                );
            }
            with = Some(resource);
        }
    } else if local_score > 0 {
        let mut last: Option<RscId> = None;
        for id in &refs {
            let Some(resource) = find_constraint_resource(ws, id) else {
                return;
            };
            if let Some(l) = last {
                let infl = unpack_influence(ws, coloc_id, l, influence_s);
                new_colocation(
                    ws,
                    &set_id,
                    None,
                    local_score,
                    Some(l),
                    Some(resource),
                    role.as_deref(),
                    role.as_deref(),
                    infl,
                );
            }
            last = Some(resource);
        }
    } else {
        for id in &refs {
            let Some(resource) = find_constraint_resource(ws, id) else {
                return;
            };
            let infl = unpack_influence(ws, coloc_id, resource, influence_s);
            for wid in &refs {
                if ws.resources[resource].id.eq_ignore_ascii_case(wid) {
                    break;
                }
                let Some(with) = find_constraint_resource(ws, wid) else {
                    return;
                };
                new_colocation(
                    ws,
                    &set_id,
                    None,
                    local_score,
                    Some(resource),
                    Some(with),
                    role.as_deref(),
                    role.as_deref(),
                    infl,
                );
            }
        }
    }
}

/// `colocate_rsc_sets`.
fn colocate_rsc_sets(
    ws: &mut WorkingSet,
    id: &str,
    set1: XmlId,
    set2: XmlId,
    score: i32,
    influence_s: Option<&str>,
) {
    if score == 0 {
        return;
    }
    let role1 = ws.doc.attr(set1, "role").map(str::to_owned);
    let role2 = ws.doc.attr(set2, "role").map(str::to_owned);
    let refs1 = set_refs(ws, set1);
    let refs2 = set_refs(ws, set2);
    let seq = |ws: &WorkingSet, s: XmlId| {
        ws.doc.attr(s, "sequential").and_then(util::str_to_boolean) != Some(false)
    };
    let mut rsc_1 = None;
    let mut rsc_2 = None;
    if seq(ws, set1) {
        if let Some(first) = refs1.first() {
            match find_constraint_resource(ws, first) {
                Some(r) => rsc_1 = Some(r),
                None => return,
            }
        }
    }
    if seq(ws, set2) {
        let rid = refs2.last().cloned().unwrap_or_default();
        match find_constraint_resource(ws, &rid) {
            Some(r) => rsc_2 = Some(r),
            None => return,
        }
    }
    match (rsc_1, rsc_2) {
        (Some(r1), Some(r2)) => {
            let infl = unpack_influence(ws, id, r1, influence_s);
            new_colocation(
                ws,
                id,
                None,
                score,
                Some(r1),
                Some(r2),
                role1.as_deref(),
                role2.as_deref(),
                infl,
            );
        }
        (Some(r1), None) => {
            let infl = unpack_influence(ws, id, r1, influence_s);
            for rid in &refs2 {
                let Some(r2) = find_constraint_resource(ws, rid) else {
                    return;
                };
                new_colocation(
                    ws,
                    id,
                    None,
                    score,
                    Some(r1),
                    Some(r2),
                    role1.as_deref(),
                    role2.as_deref(),
                    infl,
                );
            }
        }
        (None, Some(r2)) => {
            for rid in &refs1 {
                let Some(r1) = find_constraint_resource(ws, rid) else {
                    return;
                };
                let infl = unpack_influence(ws, id, r1, influence_s);
                new_colocation(
                    ws,
                    id,
                    None,
                    score,
                    Some(r1),
                    Some(r2),
                    role1.as_deref(),
                    role2.as_deref(),
                    infl,
                );
            }
        }
        (None, None) => {
            for rid in &refs1 {
                let Some(r1) = find_constraint_resource(ws, rid) else {
                    return;
                };
                let infl = unpack_influence(ws, id, r1, influence_s);
                for rid2 in &refs2 {
                    let Some(r2) = find_constraint_resource(ws, rid2) else {
                        return;
                    };
                    new_colocation(
                        ws,
                        id,
                        None,
                        score,
                        Some(r1),
                        Some(r2),
                        role1.as_deref(),
                        role2.as_deref(),
                        infl,
                    );
                }
            }
        }
    }
}

/// `unpack_simple_colocation`.
fn unpack_simple_colocation(
    ws: &mut WorkingSet,
    xml_obj: XmlId,
    id: &str,
    influence_s: Option<&str>,
) {
    let d = &ws.doc;
    let score = d.attr(xml_obj, "score").map(str::to_owned);
    let dependent_id = d.attr(xml_obj, "rsc").map(str::to_owned);
    let primary_id = d.attr(xml_obj, "with-rsc").map(str::to_owned);
    let dependent_role = d.attr(xml_obj, "rsc-role").map(str::to_owned);
    let primary_role = d.attr(xml_obj, "with-rsc-role").map(str::to_owned);
    let attr = d.attr(xml_obj, "node-attribute").map(str::to_owned);
    let dependent_instance = d.attr(xml_obj, "rsc-instance").map(str::to_owned);
    let primary_instance = d.attr(xml_obj, "with-rsc-instance").map(str::to_owned);
    let mut dependent = dependent_id
        .as_deref()
        .and_then(|i| find_constraint_resource(ws, i));
    let mut primary = primary_id
        .as_deref()
        .and_then(|i| find_constraint_resource(ws, i));
    if dependent_instance.is_some() {
        crate::warn_once!(
            crate::diag::once::COLOC_INST,
            "unpack_simple_colocation",
            "Support for rsc-instance is deprecated and will be removed in a future release."
        );
    }
    if primary_instance.is_some() {
        crate::warn_once!(
            crate::diag::once::COLOC_INST,
            "unpack_simple_colocation",
            "Support for with-rsc-instance is deprecated and will be removed in a future release."
        );
    }
    let dep_s = dependent_id.as_deref().unwrap_or("(null)");
    let pri_s = primary_id.as_deref().unwrap_or("(null)");
    let Some(dep) = dependent else {
        crate::config_err!(
            "unpack_simple_colocation",
            "Ignoring constraint '{id}' because resource '{dep_s}' does not exist"
        );
        return;
    };
    let Some(pri) = primary else {
        crate::config_err!(
            "unpack_simple_colocation",
            "Ignoring constraint '{id}' because resource '{pri_s}' does not exist"
        );
        return;
    };
    if let Some(inst) = dependent_instance.as_deref().filter(|_| !ws.is_clone(dep)) {
        crate::config_err!(
            "unpack_simple_colocation",
            "Ignoring constraint '{id}' because resource '{dep_s}' is not a clone but instance '{inst}' was requested"
        );
        return;
    }
    if let Some(inst) = primary_instance.as_deref().filter(|_| !ws.is_clone(pri)) {
        crate::config_err!(
            "unpack_simple_colocation",
            "Ignoring constraint '{id}' because resource '{pri_s}' is not a clone but instance '{inst}' was requested"
        );
        return;
    }
    if let Some(inst) = &dependent_instance {
        dependent = find_clone_instance(ws, dep, inst);
        if dependent.is_none() {
            crate::config_warn!(
                "unpack_simple_colocation",
                "Ignoring constraint '{id}' because resource '{dep_s}' does not have an instance '{inst}'"
            );
            return;
        }
    }
    if let Some(inst) = &primary_instance {
        primary = find_clone_instance(ws, pri, inst);
        if primary.is_none() {
            // The reference passes its arguments one place off here.
            crate::config_warn!(
                "unpack_simple_colocation",
                "Ignoring constraint ''%s'' because resource '{id}' does not have an instance '{pri_s}'"
            );
            return;
        }
    }
    if ws
        .doc
        .attr(xml_obj, "symmetrical")
        .and_then(util::str_to_boolean)
        == Some(true)
    {
        crate::config_warn!(
            "unpack_simple_colocation",
            "The colocation constraint 'symmetrical' attribute has been removed"
        );
    }
    let score_i = score.as_deref().map_or(0, |s| char2score(Some(s)));
    let infl = unpack_influence(ws, id, dependent.unwrap_or(dep), influence_s);
    new_colocation(
        ws,
        id,
        attr.as_deref(),
        score_i,
        dependent,
        primary,
        dependent_role.as_deref(),
        primary_role.as_deref(),
        infl,
    );
}

/// `find_clone_instance`.
pub fn find_clone_instance(ws: &WorkingSet, clone: RscId, sub_id: &str) -> Option<RscId> {
    let child_base = ws.resources[clone]
        .clone
        .xml_obj_child
        .and_then(|x| ws.doc.id(x))
        .unwrap_or("");
    let child_id = format!("{child_base}:{sub_id}");
    ws.find_resource_in_list(
        &ws.resources[clone].children,
        &child_id,
        crate::unpack::resources::find::RENAMED,
    )
}

/// `unpack_colocation_tags`.
fn unpack_colocation_tags(ws: &mut WorkingSet, xml_obj: XmlId) -> Result<Option<XmlId>, ()> {
    if let Some(e) = expand_tags_in_sets(ws, xml_obj)? {
        return Ok(Some(e));
    }
    let dep_id = ws.doc.attr(xml_obj, "rsc").map(str::to_owned);
    let pri_id = ws.doc.attr(xml_obj, "with-rsc").map(str::to_owned);
    let (Some(dep_id), Some(pri_id)) = (dep_id, pri_id) else {
        return Ok(None);
    };
    let cons = ws.doc.id(xml_obj).unwrap_or("(null)");
    let Some(dep) = valid_resource_or_tag(ws, &dep_id) else {
        crate::config_err!(
            "unpack_colocation_tags",
            "Ignoring constraint '{cons}' because '{dep_id}' is not a valid resource or tag"
        );
        return Err(());
    };
    let Some(pri) = valid_resource_or_tag(ws, &pri_id) else {
        crate::config_err!(
            "unpack_colocation_tags",
            "Ignoring constraint '{cons}' because '{pri_id}' is not a valid resource or tag"
        );
        return Err(());
    };
    match (&dep, &pri) {
        (RscOrTag::Rsc(_), RscOrTag::Rsc(_)) => return Ok(None),
        (RscOrTag::Tag(_), RscOrTag::Tag(_)) => {
            crate::config_err!(
                "unpack_colocation_tags",
                "Ignoring constraint '{cons}' because two templates or tags cannot be colocated"
            );
            return Err(());
        }
        _ => {}
    }
    let dep_role = ws.doc.attr(xml_obj, "rsc-role").map(str::to_owned);
    let pri_role = ws.doc.attr(xml_obj, "with-rsc-role").map(str::to_owned);
    let expanded = ws.doc.copy(xml_obj, None);
    let mut any_sets = false;
    if let Some(set) = tag_to_set(ws, expanded, "rsc", true)? {
        if let Some(r) = &dep_role {
            ws.doc.set_attr(set, "role", r);
            ws.doc.remove_attr(expanded, "rsc-role");
        }
        any_sets = true;
    }
    if let Some(set) = tag_to_set(ws, expanded, "with-rsc", true)? {
        if let Some(r) = &pri_role {
            ws.doc.set_attr(set, "role", r);
            ws.doc.remove_attr(expanded, "with-rsc-role");
        }
        any_sets = true;
    }
    Ok(if any_sets { Some(expanded) } else { None })
}

/// `pcmk__unpack_colocation`.
pub fn unpack_colocation(ws: &mut WorkingSet, xml_obj: XmlId) {
    let id = ws.doc.id(xml_obj).unwrap_or("").to_owned();
    let score = ws.doc.attr(xml_obj, "score").map(str::to_owned);
    let influence_s = ws.doc.attr(xml_obj, "influence").map(str::to_owned);
    let score_i = score.as_deref().map_or(0, |s| char2score(Some(s)));
    let Ok(expanded) = unpack_colocation_tags(ws, xml_obj) else {
        return;
    };
    let obj = expanded.unwrap_or(xml_obj);
    let sets: Vec<XmlId> = ws.doc.children_named(obj, "resource_set").collect();
    let mut last: Option<XmlId> = None;
    for set in sets {
        let Some(set) = ws.doc.expand_idref(set, ws.cib) else {
            return;
        };
        unpack_colocation_set(ws, set, score_i, &id, influence_s.as_deref());
        if let Some(l) = last {
            colocate_rsc_sets(ws, &id, l, set, score_i, influence_s.as_deref());
        }
        last = Some(set);
    }
    if last.is_none() {
        unpack_simple_colocation(ws, xml_obj, &id, influence_s.as_deref());
    }
}

/// `pcmk__colocation_has_influence`.
pub fn has_influence(ws: &WorkingSet, c: ColocId, rsc: Option<RscId>) -> bool {
    let col = &ws.colocations[c];
    let rsc = rsc.unwrap_or(col.primary);
    let r = &ws.resources[rsc];
    if ws.resources[col.dependent].is_set(rflags::ALLOW_REMOTE_REMOTES)
        && !r.is_set(rflags::FAILED)
        && r.running_on.len() == 1
    {
        return false;
    }
    col.influence || r.running_on.is_empty()
}

/// `pcmk__colocation_affects`.
pub fn colocation_affects(
    ws: &WorkingSet,
    dependent: RscId,
    primary: RscId,
    c: ColocId,
    preview: bool,
) -> Affects {
    let col = &ws.colocations[c];
    let dep = &ws.resources[dependent];
    let pri = &ws.resources[primary];
    if !preview && pri.is_set(rflags::PROVISIONAL) {
        return Affects::Nothing;
    }
    if col.dependent_role >= Role::Unpromoted
        && dep
            .parent
            .is_some_and(|p| ws.resources[p].is_set(rflags::PROMOTABLE))
        && !dep.is_set(rflags::PROVISIONAL)
    {
        return Affects::Role;
    }
    if !preview && !dep.is_set(rflags::PROVISIONAL) {
        return Affects::Nothing;
    }
    if col.score > 0 && col.dependent_role != Role::Unknown && col.dependent_role != dep.next_role {
        return Affects::Nothing;
    }
    if col.score > 0 && col.primary_role != Role::Unknown && col.primary_role != pri.next_role {
        return Affects::Nothing;
    }
    if col.score < 0 && col.dependent_role != Role::Unknown && col.dependent_role == dep.next_role {
        return Affects::Nothing;
    }
    if col.score < 0 && col.primary_role != Role::Unknown && col.primary_role == pri.next_role {
        return Affects::Nothing;
    }
    Affects::Location
}

fn node_attr_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (None, None) => true,
        _ => false,
    }
}

/// `pcmk__any_node_available`.
pub fn any_node_available(ws: &WorkingSet, table: &NodeTable) -> bool {
    table
        .iter()
        .any(|n| crate::assign::node_available(ws, n.node, Some(n.weight), false))
}

/// `pcmk__apply_coloc_to_weights`.
pub fn apply_coloc_to_weights(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    let col = ws.colocations[c].clone();
    let attribute = col.node_attribute.as_deref().unwrap_or("#id");
    let alloc = ws.resources[primary].allocated_to;
    let value = match alloc {
        Some(a) => ws.node_attr(a.node, attribute).map(str::to_owned),
        None => {
            if col.score < 0 {
                return;
            }
            None
        }
    };
    let mut work = ws.resources[dependent].allowed_nodes.clone();
    for node in work.iter_mut() {
        if alloc.is_none() {
            node.weight = add_scores(-col.score, node.weight);
        } else if node_attr_eq(ws.node_attr(node.node, attribute), value.as_deref()) {
            if col.score < INFINITY {
                node.weight = add_scores(col.score, node.weight);
            }
        } else if col.score >= INFINITY {
            node.weight = add_scores(-col.score, node.weight);
        }
    }
    if col.score <= -INFINITY || col.score >= INFINITY || any_node_available(ws, &work) {
        ws.resources[dependent].allowed_nodes = work;
    }
}

/// `pcmk__apply_coloc_to_priority`.
pub fn apply_coloc_to_priority(ws: &mut WorkingSet, dependent: RscId, primary: RscId, c: ColocId) {
    let (Some(pa), Some(da)) = (
        ws.resources[primary].allocated_to,
        ws.resources[dependent].allocated_to,
    ) else {
        return;
    };
    let col = ws.colocations[c].clone();
    let attribute = col.node_attribute.as_deref().unwrap_or("#id");
    let dv = ws.node_attr(da.node, attribute).map(str::to_owned);
    let pv = ws.node_attr(pa.node, attribute).map(str::to_owned);
    if !node_attr_eq(dv.as_deref(), pv.as_deref()) {
        if col.score == INFINITY && col.dependent_role == Role::Promoted {
            ws.resources[dependent].priority = -INFINITY;
        }
        return;
    }
    if col.primary_role != Role::Unknown && col.primary_role != ws.resources[primary].next_role {
        return;
    }
    let mult = if col.dependent_role == Role::Unpromoted {
        -1
    } else {
        1
    };
    let p = ws.resources[dependent].priority;
    ws.resources[dependent].priority = add_scores(mult * col.score, p);
}

fn best_node_score_matching_attr(
    ws: &WorkingSet,
    rsc: RscId,
    attr: &str,
    value: Option<&str>,
) -> i32 {
    let mut best = -INFINITY;
    for node in ws.resources[rsc].allowed_nodes.iter() {
        if node.weight > best
            && crate::assign::node_available(ws, node.node, None, false)
            && node_attr_eq(value, ws.node_attr(node.node, attr))
        {
            best = node.weight;
        }
    }
    best
}

fn add_node_scores_matching_attr(
    ws: &WorkingSet,
    nodes: &mut NodeTable,
    rsc: RscId,
    attr: Option<&str>,
    factor: f32,
    only_positive: bool,
) {
    let attr = attr.unwrap_or("#uname");
    for node in nodes.iter_mut() {
        let score = best_node_score_matching_attr(ws, rsc, attr, ws.node_attr(node.node, attr));
        if factor < 0.0 && score < 0 {
            continue;
        }
        if node.weight == INFINITY_HACK {
            continue;
        }
        let weight_f: f32 = factor * score as f32;
        let mut weight = if weight_f < 0.0 {
            (weight_f - 0.5) as i32
        } else {
            (weight_f + 0.5) as i32
        };
        if weight == 0 && score != 0 {
            if factor > 0.0 {
                weight = 1;
            } else if factor < 0.0 {
                weight = -1;
            }
        }
        let new_score = add_scores(weight, node.weight);
        if only_positive && new_score < 0 && node.weight > 0 {
            node.weight = INFINITY_HACK;
            continue;
        }
        if only_positive && new_score < 0 && node.weight == 0 {
            continue;
        }
        node.weight = new_score;
    }
}

/// `pcmk__add_colocated_node_scores`: merge the scores of `rsc` (and what
/// is colocated with it) into `nodes`, scaled by `factor`.
#[doc(alias = "pcmk__add_colocated_node_scores")]
pub fn add_colocated_node_scores(
    ws: &mut WorkingSet,
    rsc: RscId,
    log_id: &str,
    nodes: &mut Option<NodeTable>,
    attr: Option<&str>,
    factor: f32,
    flags: u32,
) {
    if ws.resources[rsc].is_set(rflags::MERGING) {
        return;
    }
    ws.resources[rsc].set(rflags::MERGING);
    let work: Option<NodeTable> = if ws.resources[rsc].variant == Variant::Group {
        if ws.resources[rsc].children.is_empty() {
            None
        } else {
            let member = if nodes.is_none() {
                ws.resources[rsc].group.last_child
            } else {
                ws.resources[rsc].children.first().copied()
            };
            let mut w = nodes.clone();
            if let Some(m) = member {
                add_colocated_node_scores(ws, m, log_id, &mut w, attr, factor, flags);
            }
            w
        }
    } else {
        match nodes {
            None => Some(ws.resources[rsc].allowed_nodes.clone()),
            Some(n) => {
                let mut w = n.clone();
                add_node_scores_matching_attr(
                    ws,
                    &mut w,
                    rsc,
                    attr,
                    factor,
                    flags & SELECT_NONNEGATIVE != 0,
                );
                Some(w)
            }
        }
    };
    let Some(mut work) = work else {
        ws.resources[rsc].clear(rflags::MERGING);
        return;
    };
    if any_node_available(ws, &work) {
        let multiplier: f32 = if factor < 0.0 { -1.0 } else { 1.0 };
        let list: Vec<ColocId> = if flags & SELECT_THIS_WITH != 0 {
            ws.resources[rsc].rsc_cons.clone()
        } else if ws.resources[rsc].variant == Variant::Group {
            match ws.resources[rsc].group.last_child {
                Some(l) => ws.resources[l].rsc_cons_lhs.clone(),
                None => Vec::new(),
            }
        } else {
            ws.resources[rsc].rsc_cons_lhs.clone()
        };
        for c in list {
            let other = if flags & SELECT_THIS_WITH != 0 {
                ws.colocations[c].primary
            } else if !has_influence(ws, c, None) {
                continue;
            } else {
                ws.colocations[c].dependent
            };
            let f = multiplier * ws.colocations[c].score as f32 / INFINITY as f32;
            let node_attr = ws.colocations[c].node_attribute.clone();
            let mut w = Some(work);
            add_colocated_node_scores(
                ws,
                other,
                log_id,
                &mut w,
                node_attr.as_deref(),
                f,
                flags | SELECT_ACTIVE,
            );
            work = w.unwrap_or_default();
        }
    } else if flags & SELECT_ACTIVE != 0 {
        ws.resources[rsc].clear(rflags::MERGING);
        return;
    }
    if flags & SELECT_NONNEGATIVE != 0 {
        for n in work.iter_mut() {
            if n.weight == INFINITY_HACK {
                n.weight = 1;
            }
        }
    }
    *nodes = Some(work);
    ws.resources[rsc].clear(rflags::MERGING);
}

fn mark_action_blocked(ws: &mut WorkingSet, rsc: RscId, task: &str, reason: RscId) {
    let reason_text = format!("colocation with {}", ws.resources[reason].id);
    let acts: Vec<ActionId> = ws.resources[rsc].actions.iter().rev().copied().collect();
    for a in acts {
        if ws.actions[a].is_set(aflags::RUNNABLE) && ws.actions[a].task.eq_ignore_ascii_case(task) {
            ws.actions[a].clear(aflags::RUNNABLE);
            crate::actions::create::set_reason(ws, a, Some(&reason_text), false);
            block_colocation_dependents(ws, a);
            crate::ordering::update_action_for_orderings(ws, a);
        }
    }
    for c in ws.resources[rsc].children.clone() {
        mark_action_blocked(ws, c, task, reason);
    }
}

/// `pcmk__block_colocation_dependents`.
#[doc(alias = "pcmk__block_colocation_dependents")]
pub fn block_colocation_dependents(ws: &mut WorkingSet, action: ActionId) {
    if ws.actions[action].is_set(aflags::RUNNABLE) {
        return;
    }
    let is_start = ws.actions[action].task == "start";
    if !is_start && ws.actions[action].task != "promote" {
        return;
    }
    let Some(arsc) = ws.actions[action].rsc else {
        return;
    };
    let mut rsc = ws.uber_parent(arsc);
    if let Some(p) = ws.resources[rsc].parent {
        rsc = p;
    }
    if ws.resources[rsc].rsc_cons_lhs.is_empty() {
        return;
    }
    let task = ws.actions[action].task.clone();
    for child in ws.resources[rsc].children.clone() {
        match ws.find_first_action(child, None, Some(&task), None) {
            None => return,
            Some(ca) if ws.actions[ca].is_set(aflags::RUNNABLE) => return,
            _ => {}
        }
    }
    for c in ws.resources[rsc].rsc_cons_lhs.clone() {
        let col = ws.colocations[c].clone();
        if col.score < INFINITY {
            continue;
        }
        if !is_start && col.primary_role != Role::Promoted {
            continue;
        }
        if col.dependent_role == Role::Promoted {
            mark_action_blocked(ws, col.dependent, "promote", arsc);
        } else {
            mark_action_blocked(ws, col.dependent, "start", arsc);
        }
    }
}
