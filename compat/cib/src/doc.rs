//! A CIB document with Pacemaker's change tracking and ACL bookkeeping.
//!
//! Pacemaker keeps flags in libxml2's `_private` fields (lib/common/xml.c):
//! per node and per attribute (dirty, created, deleted, ACL read/write/deny,
//! …) and per document (tracking, ACLs enabled, denied, the user, the list
//! of deleted paths). Which flags an operation sets decides whether an
//! update bumps `epoch` or only `num_updates`, and whether ACLs deny it, so
//! [`Doc`] reproduces the C primitives one by one, including the side
//! effects of libxml2's node-registration callback (a copied subtree marks
//! the document dirty but not its new ancestors; a node made by
//! `create_xml_node` marks nothing until it gets an attribute).
//!
//! Nodes live in an arena and are addressed by [`NodeId`]; freed nodes are
//! detached and never reused within a document. Pure (no I/O).

use pcmk_xml::tree::{Element, Node};
use pcmk_xml::xpath::{Builder, Hit, XPathDoc, XPathError};

use crate::acl::AclRule;
use crate::trace::Diags;

/// Handle of a node in a [`Doc`].
pub type NodeId = usize;

/// `enum xml_private_flags` (the C values, for readability in traces).
#[allow(missing_docs)]
pub mod flag {
    pub const DIRTY: u32 = 0x0001;
    pub const DELETED: u32 = 0x0002;
    pub const CREATED: u32 = 0x0004;
    pub const MODIFIED: u32 = 0x0008;
    pub const TRACKING: u32 = 0x0010;
    pub const PROCESSED: u32 = 0x0020;
    pub const SKIP: u32 = 0x0040;
    pub const MOVED: u32 = 0x0080;
    pub const ACL_ENABLED: u32 = 0x0100;
    pub const ACL_READ: u32 = 0x0200;
    pub const ACL_WRITE: u32 = 0x0400;
    pub const ACL_DENY: u32 = 0x0800;
    pub const ACL_CREATE: u32 = 0x1000;
    pub const ACL_DENIED: u32 = 0x2000;
    pub const LAZY: u32 = 0x4000;
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Element(String),
    Comment(String),
    Text(String),
    CData(String),
    Pi { target: String, data: String },
}

/// An attribute with its private flags.
#[derive(Clone, Debug)]
pub struct DAttr {
    pub name: String,
    pub value: String,
    pub flags: u32,
}

/// A node with its private flags.
#[derive(Clone, Debug)]
pub struct DNode {
    pub kind: Kind,
    pub attrs: Vec<DAttr>,
    pub children: Vec<NodeId>,
    pub parent: Option<NodeId>,
    pub flags: u32,
}

/// A deleted node recorded by change tracking (`pcmk__deleted_xml_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// `pcmk__element_xpath()` of the node when it was deleted.
    pub path: String,
    /// Position among its siblings (comments only).
    pub position: Option<usize>,
}

/// A document: an optional root element plus document-level private data.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub(crate) nodes: Vec<DNode>,
    pub(crate) root: Option<NodeId>,
    /// Document flags (`xml_doc_private_t.flags`).
    pub(crate) flags: u32,
    /// The ACL user (`docpriv->user`).
    pub(crate) user: Option<String>,
    /// Unpacked ACL rules (`docpriv->acls`; empty is C's NULL).
    pub(crate) acls: Vec<AclRule>,
    /// Deleted nodes (`docpriv->deleted_objs`).
    pub(crate) deleted: Vec<Deleted>,
    /// Log messages produced while working on this document.
    pub(crate) trace: Diags,
}

impl Doc {
    /// A document holding a copy of `root`, every flag clear (a fresh copy
    /// whose changes have been accepted).
    pub fn from_element(root: &Element) -> Doc {
        let mut d = Doc::default();
        let id = d.add_copy(root, 0);
        d.root = Some(id);
        d
    }

    /// A document holding a copy of the subtree `id` of another document,
    /// flags clear (`copy_xml`).
    pub fn copy_of(other: &Doc, id: NodeId) -> Doc {
        let mut d = Doc::default();
        let new = d.copy_from(other, id, 0);
        d.root = Some(new);
        d
    }

    /// The root element.
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    /// Node data.
    pub fn node(&self, id: NodeId) -> &DNode {
        &self.nodes[id]
    }

    pub(crate) fn node_mut(&mut self, id: NodeId) -> &mut DNode {
        &mut self.nodes[id]
    }

    /// Whether the node is an element.
    pub fn is_element(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Element(_))
    }

    /// libxml2's node name: the element name, `comment`, `text`, a PI's
    /// target; `None` for CDATA (libxml2 gives it no name).
    pub fn name(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            Kind::Element(n) => Some(n),
            Kind::Comment(_) => Some("comment"),
            Kind::Text(_) => Some("text"),
            Kind::CData(_) => None,
            Kind::Pi { target, .. } => Some(target),
        }
    }

    /// The element name, or "" for other nodes.
    pub fn tag(&self, id: NodeId) -> &str {
        self.name(id).unwrap_or("")
    }

    /// An attribute value (`crm_element_value`); attributes marked deleted
    /// still count until changes are accepted, as in the C code.
    pub fn attr(&self, id: NodeId, name: &str) -> Option<&str> {
        self.nodes[id]
            .attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The `id` attribute.
    pub fn id_of(&self, id: NodeId) -> Option<&str> {
        self.attr(id, "id")
    }

    /// Parent node (`None` for the root and detached nodes).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes[id].parent
    }

    /// Children other than text nodes (`pcmk__xml_first_child`/`pcmk__xml_next`).
    pub fn xml_children(&self, id: NodeId) -> Vec<NodeId> {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .filter(|&c| !matches!(self.nodes[c].kind, Kind::Text(_)))
            .collect()
    }

    /// Child elements (`pcmk__xe_first_child`/`pcmk__xe_next`).
    pub fn element_children(&self, id: NodeId) -> Vec<NodeId> {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .filter(|&c| self.is_element(c))
            .collect()
    }

    /// Whether a node has private data in libxml2 terms (elements,
    /// comments); text, CDATA and PIs do not.
    fn has_private(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, Kind::Element(_) | Kind::Comment(_))
    }

    /// Whether changes are being tracked (`pcmk__tracking_xml_changes`).
    pub fn tracking(&self, lazy: bool) -> bool {
        self.flags & flag::TRACKING != 0 && (!lazy || self.flags & flag::LAZY != 0)
    }

    /// Whether anything changed (`xml_document_dirty`).
    pub fn is_dirty(&self) -> bool {
        self.flags & flag::DIRTY != 0
    }

    /// Whether ACLs are being enforced (`xml_acl_enabled`).
    pub fn acl_enabled(&self) -> bool {
        self.flags & flag::ACL_ENABLED != 0
    }

    /// Whether ACLs denied some change (`xml_acl_denied`).
    pub fn acl_denied(&self) -> bool {
        self.flags & flag::ACL_DENIED != 0
    }

    /// The deleted nodes recorded so far.
    pub fn deleted(&self) -> &[Deleted] {
        &self.deleted
    }

    /// Take the trace messages collected so far.
    pub fn take_trace(&mut self) -> Diags {
        std::mem::take(&mut self.trace)
    }

    // ----- copying in and out -------------------------------------------

    /// Add a detached copy of an element, every node and attribute flagged
    /// `flags`.
    fn add_copy(&mut self, e: &Element, flags: u32) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(DNode {
            kind: Kind::Element(e.name().to_owned()),
            attrs: e
                .attrs()
                .iter()
                .map(|a| DAttr {
                    name: a.name.clone(),
                    value: a.value.clone(),
                    flags,
                })
                .collect(),
            children: Vec::with_capacity(e.children.len()),
            parent: None,
            flags,
        });
        for c in &e.children {
            let cid = self.add_node_copy_detached(c, flags);
            self.nodes[cid].parent = Some(id);
            self.nodes[id].children.push(cid);
        }
        id
    }

    fn add_node_copy_detached(&mut self, n: &Node, flags: u32) -> NodeId {
        let kind = match n {
            Node::Element(e) => return self.add_copy(e, flags),
            Node::Comment(t) => Kind::Comment(t.clone()),
            Node::Text(t) => Kind::Text(t.clone()),
            Node::CData(t) => Kind::CData(t.clone()),
            Node::Pi { target, data } => Kind::Pi {
                target: target.clone(),
                data: data.clone(),
            },
        };
        let has_private = matches!(kind, Kind::Comment(_));
        self.nodes.push(DNode {
            kind,
            attrs: Vec::new(),
            children: Vec::new(),
            parent: None,
            flags: if has_private { flags } else { 0 },
        });
        self.nodes.len() - 1
    }

    /// Copy a subtree of `other` in, detached, flagged `flags`.
    fn copy_from(&mut self, other: &Doc, id: NodeId, flags: u32) -> NodeId {
        let src = &other.nodes[id];
        let new = self.nodes.len();
        let has_private = matches!(src.kind, Kind::Element(_) | Kind::Comment(_));
        self.nodes.push(DNode {
            kind: src.kind.clone(),
            attrs: src
                .attrs
                .iter()
                .map(|a| DAttr {
                    name: a.name.clone(),
                    value: a.value.clone(),
                    flags,
                })
                .collect(),
            children: Vec::with_capacity(src.children.len()),
            parent: None,
            flags: if has_private { flags } else { 0 },
        });
        for &c in &other.nodes[id].children {
            let cc = self.copy_from(other, c, flags);
            self.nodes[cc].parent = Some(new);
            self.nodes[new].children.push(cc);
        }
        new
    }

    /// The subtree at `id` as an element tree (every attribute present,
    /// including ones marked deleted).
    pub fn to_element_at(&self, id: NodeId) -> Element {
        let n = &self.nodes[id];
        let name = match &n.kind {
            Kind::Element(name) => name.as_str(),
            _ => "",
        };
        let mut e = Element::new(name);
        {
            let attrs = e.attrs_mut();
            for a in &n.attrs {
                attrs.push(pcmk_xml::Attr {
                    name: a.name.clone(),
                    value: a.value.clone(),
                });
            }
        }
        for &c in &n.children {
            e.children.push(self.to_node(c));
        }
        e
    }

    fn to_node(&self, id: NodeId) -> Node {
        match &self.nodes[id].kind {
            Kind::Element(_) => Node::Element(self.to_element_at(id)),
            Kind::Comment(t) => Node::Comment(t.clone()),
            Kind::Text(t) => Node::Text(t.clone()),
            Kind::CData(t) => Node::CData(t.clone()),
            Kind::Pi { target, data } => Node::Pi {
                target: target.clone(),
                data: data.clone(),
            },
        }
    }

    /// The whole document as an element tree.
    pub fn to_element(&self) -> Option<Element> {
        self.root.map(|r| self.to_element_at(r))
    }

    // ----- registration side effects --------------------------------------

    /// `set_parent_flag`: set `f` on a node and every ancestor with
    /// private data.
    ///
    /// The walk continues from the root element to the document node, whose
    /// private data starts like a node's: the flag lands on the document
    /// too (so a change anywhere in the tree makes the document dirty).
    pub(crate) fn set_parent_flag(&mut self, id: NodeId, f: u32) {
        let mut cur = Some(id);
        let mut top = id;
        while let Some(n) = cur {
            if self.has_private(n) {
                self.nodes[n].flags |= f;
            }
            top = n;
            cur = self.nodes[n].parent;
        }
        if self.root == Some(top) {
            self.flags |= f;
        }
    }

    /// `mark_xml_node_dirty`: the document and the node's ancestry.
    pub(crate) fn mark_dirty(&mut self, id: NodeId) {
        self.flags |= flag::DIRTY;
        self.set_parent_flag(id, flag::DIRTY);
    }

    // ----- the C primitives -----------------------------------------------

    /// `create_xml_node(parent, name)`: a new, empty element appended to
    /// `parent`. Like libxml2's callback arrangement, this marks nothing
    /// but the node itself (`dirty|created`).
    #[doc(alias = "create_xml_node")]
    pub fn create_child(&mut self, parent: NodeId, name: &str) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(DNode {
            kind: Kind::Element(name.to_owned()),
            attrs: Vec::new(),
            children: Vec::new(),
            parent: Some(parent),
            flags: flag::DIRTY | flag::CREATED,
        });
        self.nodes[parent].children.push(id);
        id
    }

    /// `add_node_copy(parent, src)` for a node of an element tree: every
    /// copied node and attribute is `dirty|created`; with tracking on, the
    /// document (but not `parent`) becomes dirty.
    pub fn add_node_copy(&mut self, parent: NodeId, src: &Node) -> NodeId {
        let id = self.add_node_copy_detached(src, flag::DIRTY | flag::CREATED);
        self.attach_copy(parent, id);
        id
    }

    /// `add_node_copy(parent, src)` for a node of another document.
    pub fn add_node_copy_from(&mut self, parent: NodeId, other: &Doc, src: NodeId) -> NodeId {
        let id = self.copy_from(other, src, flag::DIRTY | flag::CREATED);
        self.attach_copy(parent, id);
        id
    }

    fn attach_copy(&mut self, parent: NodeId, id: NodeId) {
        self.nodes[id].parent = Some(parent);
        self.nodes[parent].children.push(id);
        // Nodes registered with the document set mark it dirty.
        if self.tracking(false) && self.subtree_has_private(id) {
            self.flags |= flag::DIRTY;
        }
    }

    fn subtree_has_private(&self, id: NodeId) -> bool {
        self.has_private(id)
            || self.nodes[id]
                .children
                .iter()
                .any(|&c| self.subtree_has_private(c))
    }

    /// `crm_xml_add()`: set an attribute, checking ACLs when the value
    /// changes under tracking. Returns whether the value was set.
    #[doc(alias = "crm_xml_add")]
    pub fn set_attr(&mut self, id: NodeId, name: &str, value: &str) -> bool {
        let dirty = self.tracking(false) && self.attr(id, name) != Some(value);
        if dirty && !self.check_acl(id, Some(name), flag::ACL_CREATE) {
            return false;
        }
        let idx = self.xml_set_prop(id, name, value);
        if dirty {
            self.mark_attr_dirty(id, idx);
        }
        true
    }

    /// `xmlSetProp()`: set an attribute with no ACL check; a new attribute
    /// is registered (`dirty|created`, and with tracking the node's
    /// ancestry and the document become dirty). Returns its index.
    #[doc(alias = "xmlSetProp")]
    pub fn xml_set_prop(&mut self, id: NodeId, name: &str, value: &str) -> usize {
        if let Some(i) = self.nodes[id].attrs.iter().position(|a| a.name == name) {
            self.nodes[id].attrs[i].value = value.to_owned();
            return i;
        }
        self.nodes[id].attrs.push(DAttr {
            name: name.to_owned(),
            value: value.to_owned(),
            flags: flag::DIRTY | flag::CREATED,
        });
        if self.tracking(false) {
            self.mark_dirty(id);
        }
        self.nodes[id].attrs.len() - 1
    }

    /// `pcmk__mark_xml_attr_dirty()`.
    pub(crate) fn mark_attr_dirty(&mut self, id: NodeId, idx: usize) {
        let a = &mut self.nodes[id].attrs[idx];
        a.flags |= flag::DIRTY | flag::MODIFIED;
        a.flags &= !flag::DELETED;
        self.mark_dirty(id);
    }

    /// `xml_remove_prop()`: remove an attribute, subject to ACLs; under
    /// tracking it stays, marked deleted, until changes are accepted.
    #[doc(alias = "xml_remove_prop")]
    pub fn remove_attr(&mut self, id: NodeId, name: &str) {
        if !self.check_acl(id, None, flag::ACL_WRITE) {
            return;
        }
        let Some(i) = self.nodes[id].attrs.iter().position(|a| a.name == name) else {
            return;
        };
        if self.tracking(false) {
            self.set_parent_flag(id, flag::DIRTY);
            self.nodes[id].attrs[i].flags |= flag::DELETED;
        } else {
            self.nodes[id].attrs.remove(i);
        }
    }

    /// `xmlUnsetProp()`: remove an attribute at once.
    #[doc(alias = "xmlUnsetProp")]
    pub fn unset_attr(&mut self, id: NodeId, name: &str) {
        self.nodes[id].attrs.retain(|a| a.name != name);
    }

    /// Detach a node from its parent (`xmlUnlinkNode`).
    pub fn unlink(&mut self, id: NodeId) {
        if let Some(p) = self.nodes[id].parent.take() {
            self.nodes[p].children.retain(|&c| c != id);
        }
        if self.root == Some(id) {
            self.root = None;
        }
    }

    /// Replace node `old` by detached node `new` in place
    /// (`xmlReplaceNode`); `old` ends up detached.
    pub fn replace_node(&mut self, old: NodeId, new: NodeId) {
        match self.nodes[old].parent.take() {
            Some(p) => {
                if let Some(pos) = self.nodes[p].children.iter().position(|&c| c == old) {
                    self.nodes[p].children[pos] = new;
                }
                self.nodes[new].parent = Some(p);
            }
            None => {
                if self.root == Some(old) {
                    self.root = Some(new);
                }
            }
        }
    }

    /// Add a detached copy of an element tree with every flag clear (the
    /// `copy_xml` + `xml_accept_changes` of `replace_xml_child`).
    pub fn add_detached_clean(&mut self, e: &Element) -> NodeId {
        self.add_copy(e, 0)
    }

    /// `free_xml()` (`free_xml_with_position`): delete a node subject to
    /// ACLs, recording it when tracked. Returns whether it was removed.
    #[doc(alias = "free_xml")]
    pub fn free_node(&mut self, id: NodeId, position: Option<usize>) -> bool {
        if self.root == Some(id) {
            self.root = None;
            return true;
        }
        if !self.check_acl(id, None, flag::ACL_WRITE) {
            return false;
        }
        if self.tracking(false) && self.nodes[id].flags & flag::CREATED == 0 {
            let path = self.element_xpath(id);
            let position = match self.nodes[id].kind {
                Kind::Comment(_) => Some(position.unwrap_or_else(|| self.position(id, flag::SKIP))),
                _ => None,
            };
            self.deleted.push(Deleted { path, position });
            self.flags |= flag::DIRTY;
        }
        self.unlink(id);
        true
    }

    /// `pcmk__element_xpath()`: `/cib/configuration/…/name[@id='…']`.
    #[doc(alias = "pcmk__element_xpath")]
    pub fn element_xpath(&self, id: NodeId) -> String {
        let mut chain = Vec::new();
        let mut cur = Some(id);
        while let Some(n) = cur {
            chain.push(n);
            cur = self.nodes[n].parent;
        }
        let top = *chain.last().unwrap_or(&id);
        let attached = self.root == Some(top);
        let mut out = String::new();
        if !attached {
            // A node outside any document: "/" and no name for the top.
            out.push('/');
        }
        for (i, &n) in chain.iter().rev().enumerate() {
            if attached || i > 0 {
                out.push('/');
                out.push_str(self.tag(n));
            }
            if let Some(v) = self.id_of(n) {
                out.push_str("[@id='");
                out.push_str(v);
                out.push_str("']");
            }
        }
        out
    }

    /// `pcmk__xml_position()`: index among earlier siblings not flagged
    /// `ignore`.
    #[doc(alias = "pcmk__xml_position")]
    pub fn position(&self, id: NodeId, ignore: u32) -> usize {
        let Some(p) = self.nodes[id].parent else {
            return 0;
        };
        let sibs = &self.nodes[p].children;
        let idx = sibs.iter().position(|&c| c == id).unwrap_or(0);
        sibs[..idx]
            .iter()
            .filter(|&&c| self.nodes[c].flags & ignore == 0)
            .count()
    }

    /// An attribute's position among earlier attributes not flagged `ignore`.
    pub fn attr_position(&self, id: NodeId, idx: usize, ignore: u32) -> usize {
        self.nodes[id].attrs[..idx]
            .iter()
            .filter(|a| a.flags & ignore == 0)
            .count()
    }

    /// `pcmk__strip_xml_text()`: remove text nodes everywhere below `id`.
    pub fn strip_text(&mut self, id: NodeId) {
        let children = self.nodes[id].children.clone();
        for c in children {
            match self.nodes[c].kind {
                Kind::Text(_) => self.unlink(c),
                Kind::Element(_) => self.strip_text(c),
                _ => {}
            }
        }
    }

    // ----- finding --------------------------------------------------------

    /// `find_xml_node(parent, name)`: the first child (text excluded) named
    /// `name`.
    pub fn find_child(&self, parent: NodeId, name: &str) -> Option<NodeId> {
        self.xml_children(parent)
            .into_iter()
            .find(|&c| self.name(c) == Some(name))
    }

    /// `pcmk__xe_match(parent, name, attr, value)`.
    pub fn xe_match(
        &self,
        parent: NodeId,
        name: Option<&str>,
        attr: Option<(&str, &str)>,
    ) -> Option<NodeId> {
        self.xml_children(parent).into_iter().find(|&c| {
            name.is_none_or(|n| self.name(c) == Some(n))
                && attr.is_none_or(|(k, v)| self.is_element(c) && self.attr(c, k) == Some(v))
        })
    }

    // ----- change acceptance ----------------------------------------------

    /// `xml_accept_changes()`: forget the user, ACLs and deletions; if
    /// anything changed, drop attributes marked deleted and clear every
    /// node's flags.
    #[doc(alias = "xml_accept_changes")]
    pub fn accept_changes(&mut self) {
        self.user = None;
        self.acls.clear();
        self.deleted.clear();
        if self.flags & flag::DIRTY == 0 {
            self.flags = 0;
            return;
        }
        self.flags = 0;
        if let Some(r) = self.root {
            self.accept_attr_deletions(r);
        }
    }

    fn accept_attr_deletions(&mut self, id: NodeId) {
        self.nodes[id].flags = 0;
        self.nodes[id]
            .attrs
            .retain(|a| a.flags & flag::DELETED == 0);
        for a in &mut self.nodes[id].attrs {
            a.flags = 0;
        }
        for c in self.nodes[id].children.clone() {
            self.accept_attr_deletions(c);
        }
    }

    /// Clear every node's and attribute's flags below `id`
    /// (`reset_xml_node_flags`; attributes keep theirs, as in C).
    pub(crate) fn reset_node_flags(&mut self, id: NodeId) {
        if self.has_private(id) {
            self.nodes[id].flags = 0;
        }
        for c in self.nodes[id].children.clone() {
            self.reset_node_flags(c);
        }
    }

    // ----- XPath ----------------------------------------------------------

    /// Evaluate an XPath on the document (`xpath_search`) and map results
    /// like `getXpathResult()`: attributes, text and comments give their
    /// parent element, the document node gives the root.
    pub fn xpath(&self, expr: &str) -> Result<Vec<NodeId>, XPathError> {
        Ok(self
            .xpath_raw(expr)?
            .into_iter()
            .filter_map(|h| self.hit_node(&h))
            .collect())
    }

    /// Raw XPath hits (keys are node ids).
    pub fn xpath_raw(&self, expr: &str) -> Result<Vec<Hit>, XPathError> {
        if expr.is_empty() {
            return Ok(Vec::new());
        }
        let Some(root) = self.root else {
            return Ok(Vec::new());
        };
        let mut b = Builder::new();
        self.build(&mut b, root);
        b.finish().eval(expr)
    }

    /// The node `getXpathResult()` gives for a hit.
    pub fn hit_node(&self, h: &Hit) -> Option<NodeId> {
        match *h {
            Hit::Document => self.root,
            Hit::Element(k) => Some(k),
            Hit::Attribute { element, .. } => Some(element),
            Hit::Other { parent, .. } => parent,
            Hit::Namespace => None,
        }
    }

    fn build(&self, b: &mut Builder, id: NodeId) {
        let n = &self.nodes[id];
        match &n.kind {
            Kind::Element(name) => {
                b.start_element(
                    id,
                    name,
                    n.attrs.iter().map(|a| (a.name.as_str(), a.value.as_str())),
                );
                for &c in &n.children {
                    self.build(b, c);
                }
                b.end_element();
            }
            Kind::Comment(t) => b.comment(id, t),
            Kind::Text(t) => b.text(id, t),
            Kind::CData(t) => b.cdata(id, t),
            Kind::Pi { target, data } => b.pi(id, target, data),
        }
    }

    /// An XPath document of this tree, for several evaluations in a row.
    pub fn xpath_doc(&self) -> Option<XPathDoc> {
        let root = self.root?;
        let mut b = Builder::new();
        self.build(&mut b, root);
        Some(b.finish())
    }

    /// Whether `anc` is `id` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, anc: NodeId, id: NodeId) -> bool {
        let mut cur = Some(id);
        while let Some(n) = cur {
            if n == anc {
                return true;
            }
            cur = self.nodes[n].parent;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        Doc::from_element(&pcmk_xml::parse(text).unwrap())
    }

    #[test]
    fn copies_mark_the_document_but_not_ancestors() {
        let mut d = doc("<cib><configuration><resources/></configuration></cib>");
        d.flags |= flag::TRACKING;
        let conf = d.element_children(0)[0];
        let res = d.element_children(conf)[0];
        let p = Element::new("primitive").with_attr("id", "p");
        d.add_node_copy(res, &Node::Element(p));
        assert!(d.is_dirty());
        assert_eq!(d.node(conf).flags & flag::DIRTY, 0);
    }

    #[test]
    fn new_attributes_mark_ancestors() {
        let mut d = doc("<cib><configuration><resources/></configuration></cib>");
        d.flags |= flag::TRACKING;
        let conf = d.element_children(0)[0];
        let res = d.element_children(conf)[0];
        let p = d.create_child(res, "primitive");
        assert!(!d.is_dirty());
        assert!(d.set_attr(p, "id", "x"));
        assert!(d.is_dirty());
        assert_ne!(d.node(conf).flags & flag::DIRTY, 0);
        assert_eq!(
            d.element_xpath(p),
            "/cib/configuration/resources/primitive[@id='x']"
        );
    }

    #[test]
    fn deletions_are_recorded_and_accepted() {
        let mut d = doc(r#"<cib a="1"><configuration><nodes/></configuration></cib>"#);
        d.flags |= flag::TRACKING;
        let conf = d.element_children(0)[0];
        let nodes = d.element_children(conf)[0];
        assert!(d.free_node(nodes, None));
        d.remove_attr(0, "a");
        assert_eq!(d.deleted()[0].path, "/cib/configuration/nodes");
        assert_eq!(d.attr(0, "a"), Some("1"));
        d.accept_changes();
        assert_eq!(d.attr(0, "a"), None);
        assert_eq!(
            d.to_element().unwrap().to_unformatted(),
            "<cib><configuration/></cib>"
        );
    }

    #[test]
    fn xpath_maps_back_to_nodes() {
        let d = doc(
            r#"<cib><configuration><resources><primitive id="a"/></resources></configuration></cib>"#,
        );
        let hits = d.xpath("//primitive/@id | /").unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(d.tag(hits[0]), "cib");
        assert_eq!(d.tag(hits[1]), "primitive");
    }
}
