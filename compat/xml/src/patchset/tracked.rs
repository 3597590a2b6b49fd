//! Changes tracked elsewhere, handed in for patch building.
//!
//! A CIB manager records changes as operations mutate a tracked document
//! (Pacemaker's `crm_xml_add`, `xml_remove_prop`, `add_node_copy`,
//! `free_xml` under `xml_track_changes`) rather than by comparing two
//! trees. [`Changes::from_tracked`] takes such a tree, flags and all, so the
//! same builders ([`super::create_patchset`]) make its patch.

use crate::tree::Node;

use super::arena::{flag, AAttr, ANode, Arena, Id, Kind, DOC};
use super::changes::{Changes, Deleted};

/// An element with the flags Pacemaker keeps in its private data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackedElement {
    pub name: String,
    /// In document order; deleted attributes stay in place until the
    /// changes are accepted.
    pub attrs: Vec<TrackedAttr>,
    pub children: Vec<TrackedNode>,
    /// `pcmk__xf_created`: new, reported whole as a `create`.
    pub created: bool,
    /// `pcmk__xf_moved`: reported as a `move` to its current position.
    pub moved: bool,
    /// `pcmk__xf_dirty`: it or something below it changed (decides
    /// whether the configuration changed).
    pub dirty: bool,
}

/// An attribute with its flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackedAttr {
    pub name: String,
    pub value: String,
    /// `pcmk__xf_dirty`: set or changed.
    pub dirty: bool,
    /// `pcmk__xf_deleted`: removed (the value is the old one).
    pub deleted: bool,
}

/// A child node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrackedNode {
    Element(TrackedElement),
    Comment {
        text: String,
        created: bool,
        moved: bool,
    },
    /// Text, CDATA, processing instructions: carried, never reported.
    Other(Node),
}

impl Changes {
    /// Changes recorded by someone else: the tracked new tree, the paths
    /// (and, for comments, positions) of deleted nodes in the order they
    /// were deleted, and whether anything changed at all
    /// (`xml_document_dirty`).
    pub fn from_tracked(root: TrackedElement, deleted: Vec<Deleted>, dirty: bool) -> Changes {
        let mut arena = Arena {
            nodes: vec![ANode {
                kind: Kind::Document,
                attrs: Vec::new(),
                children: Vec::new(),
                parent: None,
                flags: 0,
            }],
        };
        let id = add_element(&mut arena, root);
        arena.append(DOC, id);
        Changes {
            new: arena,
            deleted,
            dirty,
        }
    }
}

fn flags(created: bool, moved: bool, dirty: bool) -> u16 {
    let mut f = 0;
    if created {
        f |= flag::CREATED;
    }
    if moved {
        f |= flag::MOVED;
    }
    if dirty {
        f |= flag::DIRTY;
    }
    f
}

fn add_element(arena: &mut Arena, e: TrackedElement) -> Id {
    let id = arena.nodes.len();
    arena.nodes.push(ANode {
        kind: Kind::Element(e.name),
        attrs: e
            .attrs
            .into_iter()
            .map(|a| AAttr {
                name: a.name,
                value: a.value,
                flags: flags(false, false, a.dirty) | if a.deleted { flag::DELETED } else { 0 },
            })
            .collect(),
        children: Vec::new(),
        parent: None,
        flags: flags(e.created, e.moved, e.dirty),
    });
    for c in e.children {
        let cid = match c {
            TrackedNode::Element(ce) => add_element(arena, ce),
            TrackedNode::Comment {
                text,
                created,
                moved,
            } => {
                arena.nodes.push(ANode {
                    kind: Kind::Comment(text),
                    attrs: Vec::new(),
                    children: Vec::new(),
                    parent: None,
                    flags: flags(created, moved, false),
                });
                arena.nodes.len() - 1
            }
            TrackedNode::Other(n) => arena.add_node(&n),
        };
        arena.append(id, cid);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patchset::{apply_patchset, calculate_changes, create_patchset, CalcOptions};
    use crate::tree::Element;

    /// The same edit, once tracked by hand and once calculated, gives the
    /// same patch.
    #[test]
    fn tracked_changes_build_the_same_patch() {
        let old = crate::parse(
            r#"<cib epoch="1" num_updates="1" admin_epoch="0"><configuration><nodes><node id="1" uname="a"/></nodes></configuration></cib>"#,
        )
        .unwrap();
        let new = crate::parse(
            r#"<cib epoch="1" num_updates="1" admin_epoch="0"><configuration><nodes><node id="1"/><node id="2"/></nodes></configuration></cib>"#,
        )
        .unwrap();
        let attr = |name: &str, value: &str| TrackedAttr {
            name: name.into(),
            value: value.into(),
            ..TrackedAttr::default()
        };
        let tracked = TrackedElement {
            name: "cib".into(),
            attrs: vec![
                attr("epoch", "1"),
                attr("num_updates", "1"),
                attr("admin_epoch", "0"),
            ],
            dirty: true,
            children: vec![TrackedNode::Element(TrackedElement {
                name: "configuration".into(),
                dirty: true,
                children: vec![TrackedNode::Element(TrackedElement {
                    name: "nodes".into(),
                    dirty: true,
                    children: vec![
                        TrackedNode::Element(TrackedElement {
                            name: "node".into(),
                            attrs: vec![
                                attr("id", "1"),
                                TrackedAttr {
                                    deleted: true,
                                    ..attr("uname", "a")
                                },
                            ],
                            dirty: true,
                            ..TrackedElement::default()
                        }),
                        TrackedNode::Element(TrackedElement {
                            name: "node".into(),
                            attrs: vec![TrackedAttr {
                                dirty: true,
                                ..attr("id", "2")
                            }],
                            created: true,
                            dirty: true,
                            ..TrackedElement::default()
                        }),
                    ],
                    ..TrackedElement::default()
                })],
                ..TrackedElement::default()
            })],
            ..TrackedElement::default()
        };
        let mut from_tracked = Changes::from_tracked(tracked, Vec::new(), true);
        let mut calculated = calculate_changes(&old, &new, CalcOptions::default());
        let a = create_patchset(2, &old, &mut from_tracked, true)
            .unwrap()
            .unwrap();
        let b = create_patchset(2, &old, &mut calculated, true)
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        assert!(a.config_changed);
        let applied: Element = apply_patchset(&old, &a.patch, true).unwrap();
        assert_eq!(applied, from_tracked.accept());
    }
}
