//! Building a format-1 patchset (`xml_create_patchset_v1`: `diff_xml_object`,
//! `subtract_xml_object`, `xml_repair_v1_diff`).
//!
//! A format-1 patch holds two partial trees: `<diff-removed>` (old minus
//! new: changed attributes with their old values, removed subtrees tagged
//! `__crm_diff_marker__="removed:top"`) and `<diff-added>` (new minus old:
//! whole attribute sets of changed elements, new subtrees tagged
//! `added:top`). Comments count by content only and positions not at all.
//! The "repair" step then adds version attributes and a `<cib>` element to
//! both sections.

use crate::digest::is_filterable;
use crate::tree::{Element, Node};

use super::arena::{flag, Arena, Id};
use super::changes::Changes;
use super::index::ChildIndex;
use super::{CRM_FEATURE_SET, DIFF_MARKER, VERSION_FIELDS};

/// The format-1 patchset for `changes` against `source`, or `None` when
/// the two trees hold the same content (attribute order and element
/// positions do not count here).
pub(crate) fn create_v1(
    source: &Element,
    changes: &Changes,
    config_changed: bool,
) -> Option<Element> {
    let old = Arena::from_root(source);
    let new = changes.tracked();
    let (o, n) = (old.root()?, new.root()?);

    let mut removed = Element::new("diff-removed");
    let mut added = Element::new("diff-added");
    let mut dummy = false;
    subtract(
        &mut removed,
        &old,
        o,
        new,
        Some(n),
        false,
        &mut dummy,
        "removed:top",
    );
    let mut dummy = false;
    subtract(
        &mut added,
        new,
        n,
        &old,
        Some(o),
        true,
        &mut dummy,
        "added:top",
    );
    if !added.has_children() && !removed.has_children() {
        return None;
    }

    // The tracked target's root attributes, deleted ones included.
    let mut target_root = Element::new(new.name(n));
    for a in &new.nodes[n].attrs {
        target_root.set_attr(&a.name, a.value.as_str());
    }
    repair(&mut removed, source, None, config_changed);
    repair(&mut added, &target_root, Some(&target_root), config_changed);

    let mut diff = Element::new("diff").with_attr("crm_feature_set", CRM_FEATURE_SET);
    diff.push_element(removed);
    diff.push_element(added);
    diff.set_attr("format", "1");
    Some(diff)
}

/// Add version attributes to one section and its `<cib>` child (created
/// at the end when missing). The removals side copies the versions onto
/// `<cib>` too (all of them when the configuration changed, else only
/// `num_updates`); the additions side gives `<cib>` every attribute of
/// `cib_attrs`.
fn repair(
    section: &mut Element,
    versions_from: &Element,
    cib_attrs: Option<&Element>,
    config_changed: bool,
) {
    let found = section
        .children
        .iter()
        .position(|c| matches!(c, Node::Element(e) if e.name() == "cib"));
    let cib_index = match found {
        Some(i) => i,
        None => {
            section.push_element(Element::new("cib"));
            section.children.len() - 1
        }
    };
    let mut on_cib = Vec::new();
    for (i, field) in VERSION_FIELDS.iter().enumerate() {
        let Some(value) = versions_from.attr(field) else {
            continue;
        };
        section.set_attr(field, value);
        if cib_attrs.is_none() && (config_changed || i == 2) {
            on_cib.push((*field, value.to_owned()));
        }
    }
    if let Node::Element(cib) = &mut section.children[cib_index] {
        for (name, value) in on_cib {
            cib.set_attr(name, value);
        }
        if let Some(from) = cib_attrs {
            for a in from.attrs() {
                cib.set_attr(&a.name, a.value.as_str());
            }
        }
    }
}

/// `subtract_xml_object`: what `left` has that `right` lacks, appended to
/// `out`. `full` copies every attribute of a changed element (the
/// additions side); otherwise only the differing ones (the removals side).
#[allow(clippy::too_many_arguments)]
fn subtract(
    out: &mut Element,
    la: &Arena,
    l: Id,
    ra: &Arena,
    r: Option<Id>,
    full: bool,
    changed: &mut bool,
    marker: &str,
) {
    if let Some(text) = la.comment(l) {
        let same = r
            .and_then(|r| ra.comment(r))
            .is_some_and(|t| t.eq_ignore_ascii_case(text));
        if !same {
            out.children.push(Node::Comment(text.to_owned()));
            *changed = true;
        }
        return;
    }
    if !la.is_element(l) {
        return;
    }
    let Some(r) = r else {
        let mut copy = la.to_element(l, 0);
        copy.set_attr(DIFF_MARKER, marker);
        out.push_element(copy);
        *changed = true;
        return;
    };
    let name = la.name(l);
    if !name.eq_ignore_ascii_case(ra.name(r)) {
        return;
    }
    if ra.attr(r, DIFF_MARKER) == Some("removed:top") {
        *changed = true;
        return;
    }

    let mut diff = Element::new(name);
    let right_index = ChildIndex::new(ra, r);
    for lc in la.visible_children(l) {
        let rc = right_index.find(la, lc);
        let mut child_changed = false;
        subtract(&mut diff, la, lc, ra, rc, full, &mut child_changed, marker);
        *changed |= child_changed;
    }

    let left_attrs = &la.nodes[l].attrs;
    let copy_all = |diff: &mut Element| {
        for a in left_attrs {
            diff.set_attr(&a.name, a.value.as_str());
        }
    };
    if *changed && full {
        copy_all(&mut diff);
        out.push_element(diff);
        return;
    }

    let id = la.id_attr(l);
    for a in left_attrs {
        if a.name == "id" {
            diff.set_attr("id", a.value.as_str());
            continue;
        }
        if is_filterable(&a.name) {
            continue;
        }
        let right = ra.nodes[r].attrs.iter().find(|ra| ra.name == a.name);
        let differs = match right {
            None => true,
            Some(ra) if ra.flags & flag::DELETED != 0 => true,
            Some(ra) => ra.value != a.value,
        };
        if differs {
            *changed = true;
            if full {
                copy_all(&mut diff);
                break;
            }
            diff.set_attr(&a.name, a.value.as_str());
        }
    }

    if !*changed {
        return;
    }
    if !full {
        if let Some(id) = id {
            diff.set_attr("id", id);
        }
    }
    out.push_element(diff);
}
