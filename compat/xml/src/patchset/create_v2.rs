//! Building a format-2 patchset from marked changes
//! (`xml_create_patchset_v2`, `add_xml_changes_to_patchset`).
//!
//! Layout: `<diff format="2">`, a `<version>` with `<source>` and
//! `<target>` version triples, then one `<change>` per deleted path (in the
//! order found), then a walk of the new tree in document order: `create`
//! for a created node (with a copy of it), `modify` for an element with
//! changed attributes (with the list and the resulting attributes), the
//! children, and `move` for a moved node after its children.

use crate::tree::Element;

use super::arena::{flag, Arena, Id};
use super::changes::Changes;
use super::VERSION_FIELDS;

/// The format-2 patchset for `changes` (which must be dirty).
pub(crate) fn create_v2(source: &Element, changes: &Changes) -> Element {
    let mut patch = Element::new("diff").with_attr("format", "2");
    let mut version = Element::new("version");
    let mut src = Element::new("source");
    let mut tgt = Element::new("target");
    for field in VERSION_FIELDS {
        src.set_attr(field, source.attr(field).unwrap_or("1"));
        tgt.set_attr(field, changes.root_attr(field).unwrap_or("1"));
    }
    version.push_element(src);
    version.push_element(tgt);
    patch.push_element(version);

    for d in changes.deleted() {
        let mut change = Element::new("change")
            .with_attr("operation", "delete")
            .with_attr("path", d.path.as_str());
        if let Some(p) = d.position {
            change.set_attr("position", p.to_string());
        }
        patch.push_element(change);
    }

    let arena = changes.tracked();
    if let Some(root) = arena.root() {
        add_changes(arena, root, 0, &mut patch);
    }
    patch
}

/// Report the changes at `id`, the `position`-th visible child of its
/// parent (`pcmk__xml_position(id, pcmk__xf_deleted)`: no node of the new
/// tree is flagged deleted, so every visible sibling counts).
fn add_changes(a: &Arena, id: Id, position: usize, patch: &mut Element) {
    let node = &a.nodes[id];
    if node.flags & flag::CREATED != 0 {
        if let Some(parent) = node.parent {
            let mut change = Element::new("change")
                .with_attr("operation", "create")
                .with_attr("path", a.xpath(parent))
                .with_attr("position", position.to_string());
            change.children.push(a.to_node(id, 0));
            patch.push_element(change);
        }
        return;
    }

    let mut list: Option<Element> = None;
    for attr in &node.attrs {
        if attr.flags & (flag::DELETED | flag::DIRTY) == 0 {
            continue;
        }
        let list = list.get_or_insert_with(|| Element::new("change-list"));
        let mut ca = Element::new("change-attr").with_attr("name", attr.name.as_str());
        if attr.flags & flag::DELETED != 0 {
            ca.set_attr("operation", "unset");
        } else {
            ca.set_attr("operation", "set");
            ca.set_attr("value", attr.value.as_str());
        }
        list.push_element(ca);
    }
    if let Some(list) = list {
        let mut result = Element::new(a.name(id));
        for attr in &node.attrs {
            if attr.flags & flag::DELETED == 0 {
                result.set_attr(&attr.name, attr.value.as_str());
            }
        }
        let change = Element::new("change")
            .with_attr("operation", "modify")
            .with_attr("path", a.xpath(id))
            .with_child(list)
            .with_child(Element::new("change-result").with_child(result));
        patch.push_element(change);
    }

    for (i, c) in a.visible_children(id).into_iter().enumerate() {
        add_changes(a, c, i, patch);
    }

    if node.flags & flag::MOVED != 0 {
        let change = Element::new("change")
            .with_attr("operation", "move")
            .with_attr("path", a.xpath(id))
            .with_attr("position", position.to_string());
        patch.push_element(change);
    }
}
