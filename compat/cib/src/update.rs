//! Tree updates the CIB operations are made of (lib/common/xml.c):
//! `copy_in_properties` with the `name++` / `name+=N` forms, the recursive
//! merge of `pcmk__xml_update`/`update_xml_child`, and the find-and-replace
//! or find-and-delete of `replace_xml_child`. They work on a tracked
//! [`Doc`] and go through its primitives, so change tracking and ACLs see
//! every step. Pure.

use pcmk_xml::tree::{Element, Node};

use crate::doc::{Doc, Kind, NodeId};
use crate::options::char2score;

/// Scores are capped here (`CRM_SCORE_INFINITY`).
const INFINITY: i32 = 1_000_000;

impl Doc {
    /// `expand_plus_plus()`: set `name` from `value`, where `name++` adds 1
    /// and `name+=N` adds N to the current value (capped at 1000000).
    /// `from_self` is true when `value` is the attribute's own current value
    /// (`fix_plus_plus_recursive`): then the base is 0, as in the C code.
    pub fn expand_plus_plus(&mut self, target: NodeId, name: &str, value: &str, from_self: bool) {
        let old = self.attr(target, name).map(str::to_owned);
        let expandable = old.is_some()
            && value.starts_with(name)
            && value.len() >= name.len() + 2
            && value.as_bytes()[name.len()] == b'+'
            && matches!(value.as_bytes()[name.len() + 1], b'+' | b'=');
        if !expandable {
            if !from_self {
                self.set_attr(target, name, value);
            }
            return;
        }
        let mut int_value = if from_self {
            0
        } else {
            char2score(old.as_deref())
        };
        let offset = if value.as_bytes()[name.len() + 1] == b'+' {
            1
        } else {
            char2score(Some(&value[name.len() + 2..]))
        };
        int_value = int_value.wrapping_add(offset);
        if int_value > INFINITY {
            int_value = INFINITY;
        }
        self.set_attr(target, name, &int_value.to_string());
    }

    /// `copy_in_properties()`: copy attributes (expanding `++` forms),
    /// stopping as soon as ACLs deny anything in the document.
    pub fn copy_in_properties<'a>(
        &mut self,
        target: NodeId,
        attrs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        for (name, value) in attrs {
            self.expand_plus_plus(target, name, value, false);
            if self.acl_denied() {
                return;
            }
        }
    }

    /// `fix_plus_plus_recursive()`: expand `name++` forms left in values.
    pub fn fix_plus_plus(&mut self, id: NodeId) {
        let attrs: Vec<(String, String)> = self
            .node(id)
            .attrs
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        for (name, value) in attrs {
            self.expand_plus_plus(id, &name, &value, true);
        }
        for c in self.xml_children(id) {
            self.fix_plus_plus(c);
        }
    }

    /// `pcmk__xc_match()` without position: the first comment child of
    /// `parent` with the same content (ASCII case-insensitive).
    fn comment_match(&self, parent: NodeId, content: &str) -> Option<NodeId> {
        self.xml_children(parent).into_iter().find(
            |&c| matches!(&self.node(c).kind, Kind::Comment(t) if t.eq_ignore_ascii_case(content)),
        )
    }

    /// `pcmk__xml_update(parent, target, update, FALSE)`: make `target` (or
    /// the child of `parent` matching `update` by name and id/id-ref,
    /// created when missing) look like `update`, recursively.
    #[doc(alias = "pcmk__xml_update")]
    pub fn xml_update(&mut self, parent: Option<NodeId>, target: Option<NodeId>, update: &Node) {
        let e = match update {
            Node::Element(e) => e,
            Node::Comment(content) => {
                let target = target.or_else(|| parent.and_then(|p| self.comment_match(p, content)));
                match (target, parent) {
                    (None, Some(p)) => {
                        self.add_node_copy(p, update);
                    }
                    (Some(t), _) => {
                        let differs = matches!(&self.node(t).kind,
                            Kind::Comment(old) if !old.eq_ignore_ascii_case(content));
                        if differs {
                            self.node_mut(t).kind = Kind::Comment(content.clone());
                        }
                    }
                    (None, None) => {}
                }
                return;
            }
            _ => return,
        };
        let name = e.name();
        let href = match e.id() {
            Some(v) => Some(("id", v)),
            None => e.attr("id-ref").map(|v| ("id-ref", v)),
        };
        let target = match target {
            Some(t) => t,
            None => {
                let Some(p) = parent else { return };
                match self.xe_match(p, Some(name), href) {
                    Some(t) => t,
                    None => self.create_child(p, name),
                }
            }
        };
        if !self.tag(target).eq_ignore_ascii_case(name) {
            return;
        }
        self.copy_in_properties(
            target,
            e.attrs()
                .iter()
                .map(|a| (a.name.as_str(), a.value.as_str())),
        );
        for c in &e.children {
            if !matches!(c, Node::Text(_)) {
                self.xml_update(Some(target), None, c);
            }
        }
    }

    /// `update_xml_child()`: update the first element at or below `child`
    /// with the name and id of `to_update`. False when there is none.
    pub fn update_xml_child(&mut self, child: NodeId, to_update: &Element) -> bool {
        let mut can_update =
            self.name(child) == Some(to_update.name()) && self.id_of(child) == to_update.id();
        if can_update {
            self.xml_update(None, Some(child), &Node::Element(to_update.clone()));
        }
        for c in self.xml_children(child) {
            if can_update {
                break;
            }
            can_update = self.update_xml_child(c, to_update);
        }
        can_update
    }

    /// `replace_xml_child()`: find the first element at or below `child`
    /// matching `update` (same name; same id if `update` has one; with
    /// `delete_only`, every attribute of `update` equal) and delete it, or
    /// replace it by a copy of `update` (computing the changes between the
    /// two for tracking and ACLs). The search root itself is never touched.
    pub fn replace_xml_child(
        &mut self,
        parent: Option<NodeId>,
        child: NodeId,
        update: &Element,
        delete_only: bool,
    ) -> bool {
        let up_id = update.id();
        let mut can_delete = up_id.is_none() || self.id_of(child) == up_id;
        if !self
            .name(child)
            .is_some_and(|n| n.eq_ignore_ascii_case(update.name()))
        {
            can_delete = false;
        }
        if can_delete && delete_only {
            for a in update.attrs() {
                let right = self.attr(child, &a.name);
                if !right.is_some_and(|r| r.eq_ignore_ascii_case(&a.value)) {
                    can_delete = false;
                }
            }
        }
        if can_delete && parent.is_some() {
            if delete_only {
                self.free_node(child, None);
            } else {
                let tmp = self.add_detached_clean(update);
                self.replace_node(child, tmp);
                if self.tracking(false) {
                    // Replaced sections may hold ACLs of their own.
                    self.apply_acl();
                }
                let mut old = Doc::copy_of(self, child);
                self.calculate_changes_at(&mut old, tmp);
            }
            return true;
        }
        can_delete = false;
        for c in self.xml_children(child) {
            if self.replace_xml_child(Some(child), c, update, delete_only) {
                return true;
            }
        }
        can_delete
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::flag;

    fn doc(text: &str) -> Doc {
        let mut d = Doc::from_element(&pcmk_xml::parse(text).unwrap());
        d.flags |= flag::TRACKING;
        d
    }

    #[test]
    fn plus_plus_forms() {
        let mut d = doc(r#"<cib epoch="5" admin_epoch="x" num_updates="7"/>"#);
        d.copy_in_properties(
            0,
            [
                ("epoch", "epoch++"),
                ("admin_epoch", "admin_epoch+=3"),
                ("num_updates", "num_updates+=999999999"),
                ("other", "other++"),
            ],
        );
        let e = d.to_element().unwrap();
        assert_eq!(e.attr("epoch"), Some("6"));
        assert_eq!(e.attr("admin_epoch"), Some("3"));
        assert_eq!(e.attr("num_updates"), Some("1000000"));
        assert_eq!(e.attr("other"), Some("other++"));
        // Left-over forms expand from 0 (fix_plus_plus_recursive).
        d.fix_plus_plus(0);
        assert_eq!(d.attr(0, "other"), Some("1"));
        let mut d = doc(r#"<cib epoch="epoch++"/>"#);
        d.fix_plus_plus(0);
        assert_eq!(d.attr(0, "epoch"), Some("1"));
    }

    #[test]
    fn update_merges_by_name_and_id() {
        let mut d = doc(
            r#"<cib><configuration><resources><primitive id="a" class="ocf"/></resources></configuration></cib>"#,
        );
        let upd = pcmk_xml::parse(
            r#"<resources><primitive id="a" type="Dummy"><meta_attributes id="m"/></primitive><primitive id="b"/></resources>"#,
        )
        .unwrap();
        assert!(d.update_xml_child(0, &upd));
        assert_eq!(
            d.to_element().unwrap().to_unformatted(),
            r#"<cib><configuration><resources><primitive id="a" class="ocf" type="Dummy"><meta_attributes id="m"/></primitive><primitive id="b"/></resources></configuration></cib>"#
        );
        let missing = pcmk_xml::parse(r#"<group id="g"/>"#).unwrap();
        assert!(!d.update_xml_child(0, &missing));
    }

    #[test]
    fn replace_and_delete_first_match() {
        let mut d = doc(
            r#"<cib><configuration><resources><primitive id="a" class="ocf"/><primitive id="b"/></resources></configuration></cib>"#,
        );
        let del = pcmk_xml::parse(r#"<primitive id="a" class="OCF"/>"#).unwrap();
        assert!(d.replace_xml_child(None, 0, &del, true));
        let rep = pcmk_xml::parse(r#"<primitive id="b" class="stonith"/>"#).unwrap();
        assert!(d.replace_xml_child(None, 0, &rep, false));
        d.accept_changes();
        assert_eq!(
            d.to_element().unwrap().to_unformatted(),
            r#"<cib><configuration><resources><primitive id="b" class="stonith"/></resources></configuration></cib>"#
        );
        assert!(!d.replace_xml_child(None, 0, &del, true));
    }
}
