//! Constraints: unpacking `<constraints>` and creating internal ones
//! (lib/pacemaker/pcmk_sched_constraints.c).
//!
//! - [`location`]: `rsc_location` and location scores.
//! - [`colocation`]: `rsc_colocation` and colocation scoring helpers.
//! - [`ordering`]: `rsc_order` and the ordering records applied later.

pub mod colocation;
pub mod location;
pub mod ordering;
pub mod tickets;

use crate::iso8601::CrmTime;
use crate::model::{RscId, WorkingSet};
use crate::rules::{eval_rules, RuleData};
use crate::xml::XmlId;

/// A resource id in a constraint may name a resource, a template or a tag.
pub enum RscOrTag {
    Rsc(RscId),
    Tag(Vec<String>),
}

/// `pcmk__find_constraint_resource`.
pub fn find_constraint_resource(ws: &WorkingSet, id: &str) -> Option<RscId> {
    let r = ws.find_resource(id)?;
    if !ws.resources[r].id.eq_ignore_ascii_case(id) {
        return Some(ws.uber_parent(r));
    }
    Some(r)
}

/// `pcmk__valid_resource_or_tag`.
pub fn valid_resource_or_tag(ws: &WorkingSet, id: &str) -> Option<RscOrTag> {
    if let Some(r) = find_constraint_resource(ws, id) {
        return Some(RscOrTag::Rsc(r));
    }
    if let Some(t) = ws.template_rsc_sets.get(id) {
        if t.is_none() {
            crate::log_warn!(
                "find_constraint_tag",
                "No resource is derived from template '{id}'"
            );
        }
        return t.clone().map(RscOrTag::Tag);
    }
    if let Some(t) = ws.tags.get(id) {
        return Some(RscOrTag::Tag(t.clone()));
    }
    crate::log_warn!("find_constraint_tag", "No template or tag named '{id}'");
    None
}

/// `pcmk__expand_tags_in_sets`: a copy of a constraint with template and
/// tag references in its sets replaced by their resources, or `None` if
/// there was nothing to expand (or a reference is invalid: `Err`).
pub fn expand_tags_in_sets(ws: &mut WorkingSet, xml_obj: XmlId) -> Result<Option<XmlId>, ()> {
    if ws.doc.first_child(xml_obj, "resource_set").is_none() {
        return Ok(None);
    }
    let new_xml = ws.doc.copy(xml_obj, None);
    let mut any_refs = false;
    let sets: Vec<XmlId> = ws.doc.children_named(new_xml, "resource_set").collect();
    for set in sets {
        let old: Vec<XmlId> = ws.doc.children(set).to_vec();
        let mut rebuilt = Vec::with_capacity(old.len());
        for c in old {
            if ws.doc.name(c) != "resource_ref" {
                rebuilt.push(c);
                continue;
            }
            let id = ws.doc.id(c).unwrap_or("").to_owned();
            match valid_resource_or_tag(ws, &id) {
                None => {
                    crate::config_err!(
                        "pcmk__expand_tags_in_sets",
                        "Ignoring resource sets for constraint '{}' because '{}' is not a valid resource or tag",
                        ws.doc.id(xml_obj).unwrap_or("(null)"),
                        ws.doc.id(c).unwrap_or("(null)")
                    );
                    return Err(());
                }
                Some(RscOrTag::Rsc(_)) => rebuilt.push(c),
                Some(RscOrTag::Tag(list)) => {
                    for obj_ref in list {
                        let nr = ws.doc.create("resource_ref", None);
                        ws.doc.set_attr(nr, "id", &obj_ref);
                        rebuilt.push(nr);
                    }
                    any_refs = true;
                }
            }
        }
        ws.doc.set_children(set, rebuilt);
    }
    if !any_refs {
        return Ok(None);
    }
    Ok(Some(new_xml))
}

/// `pcmk__tag_to_set`: turn a resource-or-tag attribute of a constraint
/// copy into a `resource_set` child. `Ok(Some(set))` when converted.
pub fn tag_to_set(
    ws: &mut WorkingSet,
    xml_obj: XmlId,
    attr: &str,
    convert_rsc: bool,
) -> Result<Option<XmlId>, ()> {
    let Some(cons_id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "pcmk__tag_to_set",
            "Ignoring <{}> constraint without id",
            ws.doc.name(xml_obj)
        );
        return Err(());
    };
    let Some(id) = ws.doc.attr(xml_obj, attr).map(str::to_owned) else {
        return Ok(None);
    };
    let set = match valid_resource_or_tag(ws, &id) {
        None => {
            crate::config_err!(
                "pcmk__tag_to_set",
                "Ignoring constraint '{cons_id}' because '{id}' is not a valid resource or tag"
            );
            return Err(());
        }
        Some(RscOrTag::Tag(refs)) => {
            let set = ws.doc.create("resource_set", Some(xml_obj));
            ws.doc.set_attr(set, "id", &id);
            for r in refs {
                let rr = ws.doc.create("resource_ref", Some(set));
                ws.doc.set_attr(rr, "id", &r);
            }
            ws.doc.set_attr(set, "sequential", "false");
            set
        }
        Some(RscOrTag::Rsc(_)) if convert_rsc => {
            let set = ws.doc.create("resource_set", Some(xml_obj));
            ws.doc.set_attr(set, "id", &id);
            let rr = ws.doc.create("resource_ref", Some(set));
            ws.doc.set_attr(rr, "id", &id);
            set
        }
        Some(RscOrTag::Rsc(_)) => return Ok(None),
    };
    ws.doc.remove_attr(xml_obj, attr);
    Ok(Some(set))
}

fn evaluate_lifetime(ws: &mut WorkingSet, lifetime: XmlId) -> bool {
    let now = ws.now;
    let mut nc = CrmTime::undefined();
    let result = {
        let data = RuleData::new(&now);
        eval_rules(&ws.doc, lifetime, &data, Some(&mut nc))
    };
    crate::unpack::update_recheck(ws, &nc);
    result
}

/// `pcmk__unpack_constraints`.
#[doc(alias = "pcmk__unpack_constraints")]
pub fn unpack_constraints(ws: &mut WorkingSet) {
    let Some(section) = ws.cib_section("constraints") else {
        return;
    };
    let kids: Vec<XmlId> = ws.doc.children(section).to_vec();
    for xml_obj in kids {
        let Some(id) = ws.doc.id(xml_obj) else {
            crate::config_err!(
                "pcmk__unpack_constraints",
                "Ignoring <{}> constraint without id",
                ws.doc.name(xml_obj)
            );
            continue;
        };
        let tag = ws.doc.name(xml_obj).to_ascii_lowercase();
        let lifetime = ws.doc.first_child(xml_obj, "lifetime");
        if let Some(l) = lifetime {
            crate::config_warn!(
                "pcmk__unpack_constraints",
                "Support for 'lifetime' attribute (in {id}) is deprecated (the rules it contains should instead be direct descendents of the constraint object)"
            );
            if !evaluate_lifetime(ws, l) {
                continue;
            }
        }
        match tag.as_str() {
            "rsc_order" => ordering::unpack_ordering(ws, xml_obj),
            "rsc_colocation" => colocation::unpack_colocation(ws, xml_obj),
            "rsc_location" => location::unpack_location(ws, xml_obj),
            "rsc_ticket" => tickets::unpack_rsc_ticket(ws, xml_obj),
            _ => crate::config_err!(
                "pcmk__unpack_constraints",
                "Unsupported constraint type: {}",
                ws.doc.name(xml_obj)
            ),
        }
    }
}

/// `pcmk__create_internal_constraints`.
pub fn create_internal_constraints(ws: &mut WorkingSet) {
    for r in ws.top.clone() {
        crate::internal::internal_constraints(ws, r);
    }
}
