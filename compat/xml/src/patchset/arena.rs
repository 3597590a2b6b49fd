//! An index-linked copy of a tree, with the per-node and per-attribute
//! flags Pacemaker keeps in libxml2's `_private` data.
//!
//! Change calculation and patch application both need parent links (for
//! paths), stable node handles across moves and deletions, and flags on
//! nodes and attributes. [`Arena`] provides that over a copy of an
//! [`Element`]; [`Arena::to_element`] turns it back into a tree.
//!
//! Node 0 is always the document node (libxml2's `xmlDoc`), whose only
//! child is the root element; paths start there, as in the C code.
//!
//! Only elements and comments take part in matching and positions: the C
//! code has no private data for text, CDATA and processing instructions and
//! crashes when it meets one where a position is computed, so here they are
//! carried along but invisible (see the known differences in the module
//! documentation of `patchset`).

use crate::tree::{Attr, Element, Node};

/// Handle of a node in an [`Arena`].
pub(crate) type Id = usize;

/// The document node.
pub(crate) const DOC: Id = 0;

/// `pcmk__xf_*` flags (the values do not matter outside this crate).
pub(crate) mod flag {
    pub const DIRTY: u16 = 0x0001;
    pub const DELETED: u16 = 0x0002;
    pub const CREATED: u16 = 0x0004;
    pub const MODIFIED: u16 = 0x0008;
    pub const MOVED: u16 = 0x0040;
    pub const SKIP: u16 = 0x0080;
    pub const PROCESSED: u16 = 0x0200;
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Document,
    Element(String),
    Comment(String),
    /// Text, CDATA or a processing instruction, kept verbatim.
    Other(Node),
}

#[derive(Clone, Debug)]
pub(crate) struct AAttr {
    pub name: String,
    pub value: String,
    pub flags: u16,
}

#[derive(Clone, Debug)]
pub(crate) struct ANode {
    pub kind: Kind,
    pub attrs: Vec<AAttr>,
    pub children: Vec<Id>,
    pub parent: Option<Id>,
    pub flags: u16,
}

/// A tree held as a vector of nodes linked by index.
#[derive(Clone, Debug)]
pub(crate) struct Arena {
    pub nodes: Vec<ANode>,
}

impl Arena {
    /// A document holding a copy of `root`.
    pub fn from_root(root: &Element) -> Arena {
        let mut a = Arena {
            nodes: vec![ANode {
                kind: Kind::Document,
                attrs: Vec::new(),
                children: Vec::new(),
                parent: None,
                flags: 0,
            }],
        };
        let id = a.add_element(root);
        a.append(DOC, id);
        a
    }

    /// The root element (the document's element child), if any.
    pub fn root(&self) -> Option<Id> {
        self.nodes[DOC]
            .children
            .iter()
            .copied()
            .find(|&c| matches!(self.nodes[c].kind, Kind::Element(_)))
    }

    /// Add a detached copy of an element subtree; returns its handle.
    pub fn add_element(&mut self, e: &Element) -> Id {
        let id = self.nodes.len();
        self.nodes.push(ANode {
            kind: Kind::Element(e.name().to_owned()),
            attrs: e
                .attrs()
                .iter()
                .map(|a| AAttr {
                    name: a.name.clone(),
                    value: a.value.clone(),
                    flags: 0,
                })
                .collect(),
            children: Vec::with_capacity(e.children.len()),
            parent: None,
            flags: 0,
        });
        for c in &e.children {
            let cid = self.add_node(c);
            self.append(id, cid);
        }
        id
    }

    /// Add a detached copy of any node; returns its handle.
    pub fn add_node(&mut self, n: &Node) -> Id {
        let kind = match n {
            Node::Element(e) => return self.add_element(e),
            Node::Comment(t) => Kind::Comment(t.clone()),
            other => Kind::Other(other.clone()),
        };
        self.push_detached(kind)
    }

    fn push_detached(&mut self, kind: Kind) -> Id {
        self.nodes.push(ANode {
            kind,
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            flags: 0,
        });
        self.nodes.len() - 1
    }

    /// Copy a subtree of another arena in, detached (`xmlDocCopyNode`).
    /// Flags are not copied.
    pub fn copy_from(&mut self, other: &Arena, id: Id) -> Id {
        let src = &other.nodes[id];
        let new = self.push_detached(src.kind.clone());
        self.nodes[new].attrs = src
            .attrs
            .iter()
            .map(|a| AAttr {
                name: a.name.clone(),
                value: a.value.clone(),
                flags: 0,
            })
            .collect();
        for &c in &other.nodes[id].children {
            let cc = self.copy_from(other, c);
            self.append(new, cc);
        }
        new
    }

    /// Make `child` (detached) the last child of `parent`.
    pub fn append(&mut self, parent: Id, child: Id) {
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    /// Detach a node from its parent (`xmlUnlinkNode`).
    pub fn unlink(&mut self, id: Id) {
        if let Some(p) = self.nodes[id].parent.take() {
            self.nodes[p].children.retain(|&c| c != id);
        }
    }

    /// Insert detached `id` as a child of `parent` right before `before`.
    pub fn insert_before(&mut self, parent: Id, before: Id, id: Id) {
        let idx = self.nodes[parent]
            .children
            .iter()
            .position(|&c| c == before)
            .unwrap_or(self.nodes[parent].children.len());
        self.nodes[id].parent = Some(parent);
        self.nodes[parent].children.insert(idx, id);
    }

    /// Whether the node takes part in matching and positions.
    pub fn is_visible(&self, id: Id) -> bool {
        matches!(self.nodes[id].kind, Kind::Element(_) | Kind::Comment(_))
    }

    /// Children that take part in matching (`pcmk__xml_first_child` /
    /// `pcmk__xml_next`, minus the node kinds the C code crashes on).
    pub fn visible_children(&self, id: Id) -> Vec<Id> {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .filter(|&c| self.is_visible(c))
            .collect()
    }

    /// libxml2's node name: the element name, `comment` for comments.
    pub fn name(&self, id: Id) -> &str {
        match &self.nodes[id].kind {
            Kind::Element(n) => n,
            Kind::Comment(_) => "comment",
            Kind::Document | Kind::Other(_) => "",
        }
    }

    pub fn is_element(&self, id: Id) -> bool {
        matches!(self.nodes[id].kind, Kind::Element(_))
    }

    pub fn comment(&self, id: Id) -> Option<&str> {
        match &self.nodes[id].kind {
            Kind::Comment(t) => Some(t),
            _ => None,
        }
    }

    /// `crm_element_value`: attribute value, deleted-marked ones included.
    pub fn attr(&self, id: Id, name: &str) -> Option<&str> {
        if !self.is_element(id) {
            return None;
        }
        self.nodes[id]
            .attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn attr_index(&self, id: Id, name: &str) -> Option<usize> {
        self.nodes[id].attrs.iter().position(|a| a.name == name)
    }

    /// `ID()`.
    pub fn id_attr(&self, id: Id) -> Option<&str> {
        self.attr(id, "id")
    }

    /// `xmlSetProp`: set in place or append. Returns the attribute index,
    /// or `None` on a node that cannot carry attributes.
    pub fn set_prop(&mut self, id: Id, name: &str, value: &str) -> Option<usize> {
        if !self.is_element(id) {
            return None;
        }
        let attrs = &mut self.nodes[id].attrs;
        match attrs.iter().position(|a| a.name == name) {
            Some(i) => {
                attrs[i].value = value.to_owned();
                Some(i)
            }
            None => {
                attrs.push(AAttr {
                    name: name.to_owned(),
                    value: value.to_owned(),
                    flags: 0,
                });
                Some(attrs.len() - 1)
            }
        }
    }

    /// `xmlUnsetProp`.
    pub fn unset_prop(&mut self, id: Id, name: &str) {
        self.nodes[id].attrs.retain(|a| a.name != name);
    }

    /// `pcmk__xml_position`: how many earlier (visible) siblings lack
    /// `ignore`.
    pub fn position(&self, id: Id, ignore: u16) -> usize {
        let Some(p) = self.nodes[id].parent else {
            return 0;
        };
        let mut n = 0;
        for &c in &self.nodes[p].children {
            if c == id {
                break;
            }
            if self.is_visible(c) && self.nodes[c].flags & ignore == 0 {
                n += 1;
            }
        }
        n
    }

    /// `pcmk__xml_position` for an attribute (by index).
    pub fn attr_position(&self, id: Id, index: usize, ignore: u16) -> usize {
        self.nodes[id].attrs[..index]
            .iter()
            .filter(|a| a.flags & ignore == 0)
            .count()
    }

    /// `pcmk__element_xpath`: `/cib/configuration/nodes/node[@id='1']`.
    pub fn xpath(&self, id: Id) -> String {
        let mut chain = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            chain.push(c);
            cur = self.nodes[c].parent;
        }
        let mut out = String::with_capacity(64);
        for (i, &c) in chain.iter().rev().enumerate() {
            match i {
                0 if self.nodes[c].parent.is_none() => out.push('/'),
                1 => out.push_str(self.name(c)),
                _ => {
                    out.push('/');
                    out.push_str(self.name(c));
                }
            }
            if let Some(v) = self.id_attr(c) {
                out.push_str("[@id='");
                out.push_str(v);
                out.push_str("']");
            }
        }
        out
    }

    /// The path of a child named `name` with id `id` under `parent`
    /// (what `pcmk__element_xpath` gives a node about to be added there).
    pub fn child_xpath(&self, parent: Id, name: &str, id: Option<&str>) -> String {
        let mut out = self.xpath(parent);
        if self.nodes[parent].parent.is_some() {
            out.push('/');
        }
        out.push_str(name);
        if let Some(v) = id {
            out.push_str("[@id='");
            out.push_str(v);
            out.push_str("']");
        }
        out
    }

    /// `pcmk__xml_match`: the first child of `hay_parent` matching `needle`
    /// (a node of `nd`): a comment by content (and, when `exact`, by
    /// position), an element by name and, when it has one, by id.
    pub fn find_match(&self, hay_parent: Id, nd: &Arena, needle: Id, exact: bool) -> Option<Id> {
        match &nd.nodes[needle].kind {
            Kind::Comment(text) => self.find_comment(hay_parent, nd, needle, text, exact),
            Kind::Element(name) => {
                let id = nd.id_attr(needle);
                self.nodes[hay_parent].children.iter().copied().find(|&c| {
                    matches!(&self.nodes[c].kind, Kind::Element(n) if n == name)
                        && (id.is_none() || self.id_attr(c) == id)
                })
            }
            Kind::Document | Kind::Other(_) => None,
        }
    }

    /// `pcmk__xc_match`.
    fn find_comment(
        &self,
        hay_parent: Id,
        nd: &Arena,
        needle: Id,
        text: &str,
        exact: bool,
    ) -> Option<Id> {
        let search_offset = nd.position(needle, flag::SKIP);
        let mut offset = 0;
        for &c in &self.nodes[hay_parent].children {
            if !self.is_visible(c) {
                continue;
            }
            let this_offset = offset;
            if self.nodes[c].flags & flag::SKIP == 0 {
                offset += 1;
            }
            if exact {
                if this_offset < search_offset {
                    continue;
                } else if this_offset > search_offset {
                    return None;
                }
                if self.nodes[c].flags & flag::SKIP != 0 {
                    continue;
                }
            }
            match &self.nodes[c].kind {
                Kind::Comment(t) if t.eq_ignore_ascii_case(text) => return Some(c),
                _ if exact => return None,
                _ => {}
            }
        }
        None
    }

    /// Back to a tree: the subtree at `id` (an element), leaving out
    /// attributes flagged in `drop_attrs`.
    pub fn to_element(&self, id: Id, drop_attrs: u16) -> Element {
        let n = &self.nodes[id];
        let mut e = Element::new(self.name(id));
        *e.attrs_mut() = n
            .attrs
            .iter()
            .filter(|a| a.flags & drop_attrs == 0)
            .map(|a| Attr {
                name: a.name.clone(),
                value: a.value.clone(),
            })
            .collect();
        e.children = n
            .children
            .iter()
            .map(|&c| self.to_node(c, drop_attrs))
            .collect();
        e
    }

    /// Back to a tree node.
    pub fn to_node(&self, id: Id, drop_attrs: u16) -> Node {
        match &self.nodes[id].kind {
            Kind::Element(_) | Kind::Document => Node::Element(self.to_element(id, drop_attrs)),
            Kind::Comment(t) => Node::Comment(t.clone()),
            Kind::Other(n) => n.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpaths_and_positions() {
        let root = crate::parse(
            r#"<cib><configuration><!--c--><nodes><node id="1"/><node id="2"/></nodes></configuration></cib>"#,
        )
        .unwrap();
        let a = Arena::from_root(&root);
        let cib = a.root().unwrap();
        assert_eq!(a.xpath(cib), "/cib");
        let conf = a.visible_children(cib)[0];
        let kids = a.visible_children(conf);
        assert_eq!(a.xpath(kids[0]), "/cib/configuration/comment");
        let nodes = kids[1];
        assert_eq!(a.position(nodes, 0), 1);
        let n2 = a.visible_children(nodes)[1];
        assert_eq!(a.xpath(n2), "/cib/configuration/nodes/node[@id='2']",);
        assert_eq!(a.child_xpath(cib, "status", None), "/cib/status");
        assert_eq!(a.to_element(cib, 0), root);
    }
}
