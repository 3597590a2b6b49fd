//! Change calculation between two trees (`xml_calculate_changes`).
//!
//! The new tree is copied into an [`Arena`] and annotated the way
//! Pacemaker's change tracking marks a libxml2 document:
//!
//! - attributes: created, changed (`dirty|modified`), moved (`dirty|moved`,
//!   unless significant-only), deleted (put back, flagged `deleted`, so they
//!   still count when the patch is built and vanish on [`Changes::accept`]);
//! - child elements and comments: matched by name and id (comments by
//!   content and position); unmatched old ones are recorded as deleted paths
//!   in order, unmatched new ones are flagged created, matched ones whose
//!   position changed are flagged moved;
//! - `skip` flags on old and new nodes and attributes, which later position
//!   computations honour exactly as the C code does.

use crate::tree::Element;

use super::arena::{flag, AAttr, Arena, Id, DOC};
use super::index::{ChildIndex, Positions};

/// One deleted node: its path in the new tree and, for comments, its
/// position among its old siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub path: String,
    pub position: Option<usize>,
}

/// The new tree with its changes against an old one marked.
#[doc(alias = "xml_track_changes")]
#[derive(Clone, Debug)]
pub struct Changes {
    pub(crate) new: Arena,
    pub(crate) deleted: Vec<Deleted>,
    pub(crate) dirty: bool,
}

/// How to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CalcOptions {
    /// Ignore attributes that only changed position
    /// (`xml_calculate_significant_changes`, crm_diff `--cib`).
    pub significant_only: bool,
}

/// Compare `old` with `new` and mark `new`'s changes.
///
/// Like the C code, nothing is marked when the roots differ in name or id
/// (compared without regard to ASCII case).
#[doc(alias = "xml_calculate_changes")]
#[doc(alias = "xml_calculate_significant_changes")]
pub fn calculate_changes(old: &Element, new: &Element, opts: CalcOptions) -> Changes {
    let mut calc = Calc {
        old: Arena::from_root(old),
        new: Arena::from_root(new),
        deleted: Vec::new(),
        dirty: false,
        lazy: opts.significant_only,
    };
    let same_root = old.name().eq_ignore_ascii_case(new.name())
        && match (old.id(), new.id()) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
    if same_root {
        if let (Some(o), Some(n)) = (calc.old.root(), calc.new.root()) {
            calc.mark(Some(o), n);
        }
    }
    Changes {
        new: calc.new,
        deleted: calc.deleted,
        dirty: calc.dirty,
    }
}

impl Changes {
    /// A tracked copy of `tree` with nothing marked yet.
    pub fn unchanged(tree: &Element) -> Changes {
        Changes {
            new: Arena::from_root(tree),
            deleted: Vec::new(),
            dirty: false,
        }
    }

    /// Whether anything changed (`xml_document_dirty`).
    #[doc(alias = "xml_document_dirty")]
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Paths of deleted nodes, in the order they were found.
    pub fn deleted(&self) -> &[Deleted] {
        &self.deleted
    }

    /// Whether the configuration section changed (`is_config_change`):
    /// something below the root's first `configuration` child was marked,
    /// or a deleted path lies below `/cib/configuration`.
    pub fn config_changed(&self) -> bool {
        let conf = self.new.root().and_then(|r| {
            self.new.nodes[r]
                .children
                .iter()
                .copied()
                .find(|&c| self.new.is_element(c) && self.new.name(c) == "configuration")
        });
        if conf.is_some_and(|c| self.new.nodes[c].flags & flag::DIRTY != 0) {
            return true;
        }
        self.deleted
            .iter()
            .any(|d| d.path.contains("/cib/configuration"))
    }

    /// A root attribute's value as the tracked tree has it (a deleted one
    /// still counts until the changes are accepted).
    pub fn root_attr(&self, name: &str) -> Option<&str> {
        self.new.root().and_then(|r| self.new.attr(r, name))
    }

    /// Set a root attribute the way `crm_xml_add` does on a tracked
    /// document: a different value marks the attribute changed.
    #[doc(alias = "crm_xml_add")]
    pub fn set_root_attr(&mut self, name: &str, value: &str) {
        let Some(r) = self.new.root() else {
            return;
        };
        if self.new.attr(r, name) == Some(value) {
            return;
        }
        if let Some(i) = self.new.set_prop(r, name, value) {
            let a = &mut self.new.nodes[r].attrs[i];
            a.flags = (a.flags | flag::DIRTY | flag::MODIFIED) & !flag::DELETED;
            mark_dirty(&mut self.new, &mut self.dirty, r);
        }
    }

    /// The new tree as it stands after the changes are accepted
    /// (`xml_accept_changes`): deleted attributes are gone.
    #[doc(alias = "xml_accept_changes")]
    pub fn accept(&self) -> Element {
        match self.new.root() {
            Some(r) => self.new.to_element(r, flag::DELETED),
            None => Element::default(),
        }
    }

    /// The tracked tree itself, deleted attributes still in place (what the
    /// C code reads while building a patch).
    pub(crate) fn tracked(&self) -> &Arena {
        &self.new
    }
}

/// Mark a node and its ancestors dirty (`mark_xml_node_dirty`).
fn mark_dirty(a: &mut Arena, doc_dirty: &mut bool, id: Id) {
    *doc_dirty = true;
    let mut cur = Some(id);
    while let Some(c) = cur {
        if c == DOC {
            break;
        }
        a.nodes[c].flags |= flag::DIRTY;
        cur = a.nodes[c].parent;
    }
}

struct Calc {
    old: Arena,
    new: Arena,
    deleted: Vec<Deleted>,
    dirty: bool,
    lazy: bool,
}

impl Calc {
    /// `mark_xml_changes`.
    fn mark(&mut self, old: Option<Id>, new: Id) {
        let Some(old) = old else {
            self.mark_created(new);
            return;
        };
        if self.new.nodes[new].flags & flag::PROCESSED != 0 {
            return;
        }
        self.new.nodes[new].flags |= flag::PROCESSED;

        self.diff_attrs(old, new);
        if self.old.nodes[old].children.is_empty() && self.new.nodes[new].children.is_empty() {
            return;
        }

        let old_index = ChildIndex::new(&self.old, old);
        let new_index = ChildIndex::new(&self.new, new);
        let mut old_pos = Positions::new(&self.old, old);
        let mut new_pos = Positions::new(&self.new, new);

        for old_child in self.old.visible_children(old) {
            let found = exact_match(
                &self.new, &new_index, &new_pos, &self.old, &old_pos, old_child,
            );
            match found {
                Some(new_child) => self.mark(Some(old_child), new_child),
                None => {
                    self.mark_child_deleted(old_child, new, &old_pos);
                    // The C code looks again, in vain (nothing changed),
                    // before flagging the old child to be skipped.
                    old_pos.set_skip(&mut self.old, old_child);
                }
            }
        }

        for new_child in self.new.visible_children(new) {
            let found = exact_match(
                &self.old, &old_index, &old_pos, &self.new, &new_pos, new_child,
            );
            match found {
                None => {
                    new_pos.set_skip(&mut self.new, new_child);
                    self.mark(None, new_child);
                }
                Some(old_child) => {
                    let p_new = new_pos.position(new_child);
                    let p_old = old_pos.position(old_child);
                    if p_old != p_new {
                        mark_dirty(&mut self.new, &mut self.dirty, new);
                        self.new.nodes[new_child].flags |= flag::MOVED;
                        if p_old > p_new {
                            old_pos.set_skip(&mut self.old, old_child);
                        } else {
                            new_pos.set_skip(&mut self.new, new_child);
                        }
                    }
                }
            }
        }
    }

    /// `pcmk__mark_xml_created`.
    fn mark_created(&mut self, id: Id) {
        if self.new.nodes[id].flags & flag::CREATED == 0 {
            self.new.nodes[id].flags |= flag::CREATED;
            mark_dirty(&mut self.new, &mut self.dirty, id);
        }
        for c in self.new.visible_children(id) {
            self.mark_created(c);
        }
    }

    /// `xml_diff_attrs`.
    fn diff_attrs(&mut self, old: Id, new: Id) {
        for a in &mut self.new.nodes[new].attrs {
            a.flags |= flag::CREATED;
        }
        for i in 0..self.old.nodes[old].attrs.len() {
            let name = self.old.nodes[old].attrs[i].name.clone();
            let Some(j) = self.new.attr_index(new, &name) else {
                // mark_attr_deleted: put it back, flagged for removal.
                let value = self.old.nodes[old].attrs[i].value.clone();
                self.new.nodes[new].attrs.push(AAttr {
                    name,
                    value,
                    flags: flag::DELETED,
                });
                mark_dirty(&mut self.new, &mut self.dirty, new);
                continue;
            };
            self.new.nodes[new].attrs[j].flags &= !flag::CREATED;
            let new_pos = self.new.attr_position(new, j, flag::SKIP);
            let old_pos = self.old.attr_position(old, i, flag::SKIP);
            if self.new.nodes[new].attrs[j].value != self.old.nodes[old].attrs[i].value {
                // mark_attr_changed
                let a = &mut self.new.nodes[new].attrs[j];
                a.flags = (a.flags | flag::DIRTY | flag::MODIFIED) & !flag::DELETED;
                mark_dirty(&mut self.new, &mut self.dirty, new);
            } else if old_pos != new_pos && !self.lazy {
                // mark_attr_moved
                mark_dirty(&mut self.new, &mut self.dirty, new);
                self.new.nodes[new].attrs[j].flags |= flag::DIRTY | flag::MOVED;
                if old_pos > new_pos {
                    self.old.nodes[old].attrs[i].flags |= flag::SKIP;
                } else {
                    self.new.nodes[new].attrs[j].flags |= flag::SKIP;
                }
            }
        }
        // mark_created_attrs
        let mut any = false;
        for a in &mut self.new.nodes[new].attrs {
            if a.flags & flag::CREATED != 0 {
                a.flags = (a.flags | flag::DIRTY | flag::MODIFIED) & !flag::DELETED;
                any = true;
            }
        }
        if any {
            mark_dirty(&mut self.new, &mut self.dirty, new);
        }
    }

    /// `mark_child_deleted`: record the old child's path as it would be
    /// under the new parent (the caller then skips it in later positions).
    fn mark_child_deleted(&mut self, old_child: Id, new_parent: Id, old_pos: &Positions) {
        let name = self.old.name(old_child).to_owned();
        let path = self
            .new
            .child_xpath(new_parent, &name, self.old.id_attr(old_child));
        let position = self
            .old
            .comment(old_child)
            .map(|_| old_pos.position(old_child));
        self.deleted.push(Deleted { path, position });
        // Only the document is marked: the copy the C code adds (and frees
        // again) arrives already flagged created, so marking it created
        // does not reach its ancestors.
        self.dirty = true;
    }
}

/// `pcmk__xml_match(hay parent, needle, true)`: an element by name and id;
/// a comment only if the hay child at the needle's position (counting
/// children not skipped) is a comment with the same content.
fn exact_match(
    hay: &Arena,
    hay_index: &ChildIndex,
    hay_pos: &Positions,
    nd: &Arena,
    nd_pos: &Positions,
    needle: Id,
) -> Option<Id> {
    match nd.comment(needle) {
        Some(text) => hay_pos
            .nth_live(nd_pos.position(needle))
            .filter(|&c| hay.comment(c).is_some_and(|t| t.eq_ignore_ascii_case(text))),
        None => hay_index.find(nd, needle),
    }
}
