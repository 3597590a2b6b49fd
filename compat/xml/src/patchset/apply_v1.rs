//! Applying a format-1 patchset (`apply_v1_patchset`,
//! `process_v1_removals`, `process_v1_additions`).
//!
//! Each section must hold exactly one tree (more gives `ENOTUNIQ`: which is
//! what the reference answers for every format-1 patch of a document whose
//! root is not `cib`, since the "repair" step adds a second, `<cib>`, tree).
//! Removals delete nodes tagged `removed:top`; additions append nodes tagged
//! `added:top` at the end of their parent and re-set every attribute the
//! patch lists (which moves it to the end). Elements match by name and id,
//! comments by content.

use crate::tree::Element;

use super::arena::{Arena, Id, DOC};
use super::index::ChildIndex;
use super::{PatchError, DIFF_MARKER};

pub(crate) fn apply_v1(doc: &mut Arena, patch: &Element) -> Result<(), PatchError> {
    let pa = Arena::from_root(patch);
    let Some(proot) = pa.root() else {
        return Ok(());
    };
    let section = |name: &str| {
        pa.visible_children(proot)
            .into_iter()
            .find(|&c| pa.is_element(c) && pa.name(c) == name)
    };
    let Some(root) = doc.root() else {
        return Ok(());
    };
    let mut result = Ok(());

    let removed = section("diff-removed")
        .map(|s| pa.visible_children(s))
        .unwrap_or_default();
    if let Some(&first) = removed.first() {
        removals(doc, root, &pa, first)?;
    }
    if removed.len() > 1 {
        result = Err(PatchError::NotUnique {
            added: false,
            count: removed.len(),
        });
    }

    if result.is_ok() {
        let added = section("diff-added")
            .map(|s| pa.visible_children(s))
            .unwrap_or_default();
        if let Some(&first) = added.first() {
            if let Some(root) = doc.root() {
                additions(doc, None, Some(root), &pa, first);
            }
        }
        if added.len() > 1 {
            result = Err(PatchError::NotUnique {
                added: true,
                count: added.len(),
            });
        }
    }

    if let Some(root) = doc.root() {
        purge_markers(doc, root);
    }
    result
}

fn same_identity(doc: &Arena, t: Id, pa: &Arena, p: Id) -> bool {
    let names = doc.name(t).eq_ignore_ascii_case(pa.name(p));
    let ids = match (doc.id_attr(t), pa.id_attr(p)) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    names && ids
}

/// `process_v1_removals`.
fn removals(doc: &mut Arena, t: Id, pa: &Arena, p: Id) -> Result<(), PatchError> {
    if !same_identity(doc, t, pa, p) {
        return Ok(());
    }
    if pa.attr(p, DIFF_MARKER) == Some("removed:top") {
        if doc.nodes[t].parent == Some(DOC) {
            return Err(PatchError::Unsupported("removing the document root"));
        }
        doc.unlink(t);
        return Ok(());
    }
    let patch_index = ChildIndex::new(pa, p);
    for tc in doc.visible_children(t) {
        if let Some(pc) = patch_index.find(doc, tc) {
            removals(doc, tc, pa, pc)?;
        }
    }
    Ok(())
}

/// `process_v1_additions`.
fn additions(doc: &mut Arena, parent: Option<Id>, target: Option<Id>, pa: &Arena, p: Id) {
    let Some(t) = target else {
        if pa.attr(p, DIFF_MARKER) == Some("added:top") {
            if let Some(parent) = parent {
                let copy = doc.copy_from(pa, p);
                doc.append(parent, copy);
            }
        }
        return;
    };
    if let (Some(old), Some(new)) = (doc.comment(t), pa.comment(p)) {
        if !old.eq_ignore_ascii_case(new) {
            let new = new.to_owned();
            doc.nodes[t].kind = super::arena::Kind::Comment(new);
        }
    }
    if !same_identity(doc, t, pa, p) {
        return;
    }
    if doc.is_element(t) {
        for a in &pa.nodes[p].attrs {
            doc.unset_prop(t, &a.name);
            doc.set_prop(t, &a.name, &a.value);
        }
    }
    for pc in pa.visible_children(p) {
        let tc = doc.find_match(t, pa, pc, false);
        additions(doc, Some(t), tc, pa, pc);
    }
}

/// `purge_diff_markers`.
fn purge_markers(doc: &mut Arena, id: Id) {
    doc.unset_prop(id, DIFF_MARKER);
    for c in doc.visible_children(id) {
        purge_markers(doc, c);
    }
}
