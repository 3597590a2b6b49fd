//! Inferring changes between two trees under tracking and ACLs
//! (`xml_calculate_changes` / `mark_xml_changes` in lib/common/xml.c).
//!
//! Used when an operation replaced the document (replace of the whole CIB,
//! erase, patch, upgrade) or a subtree (`replace_xml_child`). Unlike a plain
//! diff, every change is re-done through the tracked primitives so that
//! ACLs can refuse it: a refused attribute change keeps the old value, a
//! refused deletion puts the old node back, a refused creation removes the
//! new node. Pure.

use crate::doc::{flag, Doc, Kind, NodeId};

/// `pcmk__xml_match()`: the child of `hay_parent` (in `hay`) matching node
/// `needle` of document `nd`: comments by content and position, elements
/// by name and id (any id when the needle has none).
fn xml_match(hay: &Doc, hay_parent: NodeId, nd: &Doc, needle: NodeId) -> Option<NodeId> {
    match &nd.node(needle).kind {
        Kind::Comment(content) => {
            let search_offset = nd.position(needle, flag::SKIP);
            for c in hay.xml_children(hay_parent) {
                let offset = hay.position(c, flag::SKIP);
                if offset < search_offset {
                    continue;
                } else if offset > search_offset {
                    return None;
                }
                if hay.node(c).flags & flag::SKIP != 0 {
                    continue;
                }
                return match &hay.node(c).kind {
                    Kind::Comment(t) if t.eq_ignore_ascii_case(content) => Some(c),
                    _ => None,
                };
            }
            None
        }
        _ => {
            let name = nd.name(needle)?;
            let id = nd.id_of(needle);
            hay.xe_match(hay_parent, Some(name), id.map(|v| ("id", v)))
        }
    }
}

impl Doc {
    /// `xml_track_changes()` without ACLs: accept what is there and start
    /// tracking.
    pub(crate) fn start_tracking(&mut self) {
        self.accept_changes();
        self.flags |= flag::TRACKING;
    }

    /// `xml_calculate_changes(old root, this root)`.
    #[doc(alias = "xml_calculate_changes")]
    pub fn calculate_changes(&mut self, old: &mut Doc) {
        if let Some(r) = self.root() {
            self.calculate_changes_at(old, r);
        }
    }

    /// `xml_calculate_changes(old root, node new_id of this document)`.
    pub fn calculate_changes_at(&mut self, old: &mut Doc, new_id: NodeId) {
        let Some(old_root) = old.root() else { return };
        let same_name = old
            .name(old_root)
            .zip(self.name(new_id))
            .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
        let same_id = match (old.id_of(old_root), self.id_of(new_id)) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same_name || !same_id {
            return;
        }
        if !self.tracking(false) {
            self.start_tracking();
        }
        self.mark_changes(old, Some(old_root), new_id, false);
    }

    /// `pcmk__mark_xml_created()`.
    pub(crate) fn mark_created(&mut self, id: NodeId) {
        if !matches!(self.node(id).kind, Kind::Element(_) | Kind::Comment(_))
            || !self.tracking(false)
        {
            return;
        }
        if self.node(id).flags & flag::CREATED == 0 {
            self.node_mut(id).flags |= flag::CREATED;
            self.mark_dirty(id);
        }
        for c in self.xml_children(id) {
            self.mark_created(c);
        }
    }

    /// `mark_xml_changes()`.
    fn mark_changes(
        &mut self,
        old: &mut Doc,
        old_id: Option<NodeId>,
        new_id: NodeId,
        check_top: bool,
    ) {
        let Some(o) = old_id else {
            self.mark_created(new_id);
            self.apply_creation_acl(new_id, check_top);
            return;
        };
        if self.node(new_id).flags & flag::PROCESSED != 0 {
            return;
        }
        self.node_mut(new_id).flags |= flag::PROCESSED;
        self.diff_attrs(old, o, new_id);

        for old_child in old.xml_children(o) {
            match xml_match(self, new_id, old, old_child) {
                Some(new_child) => self.mark_changes(old, Some(old_child), new_child, true),
                None => self.mark_child_deleted(old, old_child, new_id),
            }
        }

        for new_child in self.xml_children(new_id) {
            // Created children may be freed on the way; skip those.
            if self.parent(new_child) != Some(new_id) {
                continue;
            }
            match xml_match(old, o, self, new_child) {
                None => {
                    self.node_mut(new_child).flags |= flag::SKIP;
                    self.mark_changes(old, None, new_child, true);
                }
                Some(old_child) => {
                    let p_new = self.position(new_child, flag::SKIP);
                    let p_old = old.position(old_child, flag::SKIP);
                    if p_old != p_new {
                        self.mark_dirty(new_id);
                        self.node_mut(new_child).flags |= flag::MOVED;
                        if p_old > p_new {
                            old.node_mut(old_child).flags |= flag::SKIP;
                        } else {
                            self.node_mut(new_child).flags |= flag::SKIP;
                        }
                    }
                }
            }
        }
    }

    /// `xml_diff_attrs()`.
    fn diff_attrs(&mut self, old: &mut Doc, o: NodeId, n: NodeId) {
        for a in &mut self.node_mut(n).attrs {
            a.flags |= flag::CREATED;
        }
        let old_attrs: Vec<(String, String)> = old
            .node(o)
            .attrs
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        for (old_idx, (name, old_value)) in old_attrs.iter().enumerate() {
            let new_idx = self.node(n).attrs.iter().position(|a| &a.name == name);
            match new_idx {
                None => {
                    // mark_attr_deleted(): put the old value back without
                    // tracking, then remove it through the ACL check.
                    self.flags &= !flag::TRACKING;
                    let idx = self.xml_set_prop(n, name, old_value);
                    self.flags |= flag::TRACKING;
                    self.node_mut(n).attrs[idx].flags = 0;
                    self.remove_attr(n, name);
                }
                Some(idx) => {
                    self.node_mut(n).attrs[idx].flags &= !flag::CREATED;
                    let new_pos = self.attr_position(n, idx, flag::SKIP);
                    let old_pos = old.attr_position(o, old_idx, flag::SKIP);
                    let new_value = self.node(n).attrs[idx].value.clone();
                    if &new_value != old_value {
                        // mark_attr_changed(): restore, then set through
                        // crm_xml_add() so ACLs are checked.
                        self.node_mut(n).attrs[idx].value = old_value.clone();
                        self.set_attr(n, name, &new_value);
                    } else if old_pos != new_pos && !self.tracking(true) {
                        self.mark_dirty(n);
                        self.node_mut(n).attrs[idx].flags |= flag::DIRTY | flag::MOVED;
                        if old_pos > new_pos {
                            old.node_mut(o).attrs[old_idx].flags |= flag::SKIP;
                        } else {
                            self.node_mut(n).attrs[idx].flags |= flag::SKIP;
                        }
                    }
                }
            }
        }
        // mark_created_attrs()
        let created: Vec<String> = self
            .node(n)
            .attrs
            .iter()
            .filter(|a| a.flags & flag::CREATED != 0)
            .map(|a| a.name.clone())
            .collect();
        for name in created {
            if self.check_acl(n, Some(&name), flag::ACL_WRITE) {
                if let Some(idx) = self.node(n).attrs.iter().position(|a| a.name == name) {
                    self.mark_attr_dirty(n, idx);
                }
            } else {
                self.unset_attr(n, &name);
            }
        }
    }

    /// `mark_child_deleted()`: re-create the old child in the new tree,
    /// then delete it through the ACL check (which may keep it).
    fn mark_child_deleted(&mut self, old: &mut Doc, old_child: NodeId, new_parent: NodeId) {
        let candidate = self.add_node_copy_from(new_parent, old, old_child);
        self.reset_node_flags(candidate);
        self.apply_acl();
        let position = old.position(old_child, flag::SKIP);
        self.free_node(candidate, Some(position));
        if xml_match(self, new_parent, old, old_child).is_none() {
            old.node_mut(old_child).flags |= flag::SKIP;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(text: &str) -> Doc {
        let mut d = Doc::from_element(&pcmk_xml::parse(text).unwrap());
        d.start_tracking();
        d
    }

    #[test]
    fn configuration_changes_mark_the_section() {
        let mut old = Doc::from_element(
            &pcmk_xml::parse(
                r#"<cib epoch="1"><configuration><nodes/></configuration><status/></cib>"#,
            )
            .unwrap(),
        );
        let mut new = tracked(
            r#"<cib epoch="1"><configuration><nodes><node id="1"/></nodes></configuration><status/></cib>"#,
        );
        new.calculate_changes(&mut old);
        assert!(new.is_dirty());
        let conf = new.element_children(0)[0];
        assert_ne!(new.node(conf).flags & flag::DIRTY, 0);
    }

    #[test]
    fn deletions_and_attribute_changes_are_tracked() {
        let mut old = Doc::from_element(
            &pcmk_xml::parse(
                r#"<cib epoch="1" a="x"><configuration><nodes/></configuration></cib>"#,
            )
            .unwrap(),
        );
        let mut new = tracked(r#"<cib epoch="2"><configuration/></cib>"#);
        new.calculate_changes(&mut old);
        assert_eq!(new.deleted()[0].path, "/cib/configuration/nodes");
        assert_eq!(new.attr(0, "a"), Some("x"));
        new.accept_changes();
        assert_eq!(
            new.to_element().unwrap().to_unformatted(),
            r#"<cib epoch="2"><configuration/></cib>"#
        );
    }
}
