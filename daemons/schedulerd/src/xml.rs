//! An arena copy of the CIB that the scheduler reads and annotates.
//!
//! The reference keeps pointers into its libxml2 tree everywhere (resource
//! definitions, operation history entries, id-refs) and writes a few
//! attributes back into it while unpacking. Here every element gets an
//! [`XmlId`]; resources and history records refer to elements by id, and
//! the few in-place annotations mutate the arena. Only elements are kept
//! (the reference's element iterators skip text and comments).

use std::collections::HashMap;

use pcmk_xml::Element;

/// Index of an element in an [`XmlDoc`].
pub type XmlId = u32;

#[derive(Clone, Debug, Default)]
pub struct XNode {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<XmlId>,
    pub parent: Option<XmlId>,
}

/// The arena.
#[derive(Clone, Debug, Default)]
pub struct XmlDoc {
    nodes: Vec<XNode>,
    /// Elements by `id` attribute, kept current on every change.
    ids: HashMap<String, Vec<XmlId>>,
}

impl XmlDoc {
    pub fn new() -> Self {
        XmlDoc::default()
    }

    /// Copy a pcmk-xml tree into the arena; returns the new root.
    pub fn import(&mut self, e: &Element, parent: Option<XmlId>) -> XmlId {
        let id = self.nodes.len() as XmlId;
        self.nodes.push(XNode {
            name: e.name().to_owned(),
            attrs: e
                .attrs()
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect(),
            children: Vec::new(),
            parent,
        });
        if let Some(v) = e.attr("id") {
            self.ids.entry(v.to_owned()).or_default().push(id);
        }
        let mut kids = Vec::new();
        for c in e.elements() {
            kids.push(self.import(c, Some(id)));
        }
        self.nodes[id as usize].children = kids;
        id
    }

    /// Export a subtree as a pcmk-xml tree.
    pub fn export(&self, id: XmlId) -> Element {
        let n = &self.nodes[id as usize];
        let mut e = Element::new(n.name.as_str());
        for (k, v) in &n.attrs {
            e.set_attr(k, v.as_str());
        }
        for &c in &n.children {
            e.push_element(self.export(c));
        }
        e
    }

    pub fn node(&self, id: XmlId) -> &XNode {
        &self.nodes[id as usize]
    }

    pub fn name(&self, id: XmlId) -> &str {
        &self.nodes[id as usize].name
    }

    pub fn set_name(&mut self, id: XmlId, name: &str) {
        self.nodes[id as usize].name = name.to_owned();
    }

    /// `crm_element_value`.
    pub fn attr(&self, id: XmlId, name: &str) -> Option<&str> {
        self.nodes[id as usize]
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn id(&self, id: XmlId) -> Option<&str> {
        self.attr(id, "id")
    }

    pub fn attrs(&self, id: XmlId) -> &[(String, String)] {
        &self.nodes[id as usize].attrs
    }

    /// `crm_xml_add`: existing attributes keep their position.
    pub fn set_attr(&mut self, id: XmlId, name: &str, value: &str) {
        if name == "id" {
            self.unindex(id);
        }
        let n = &mut self.nodes[id as usize];
        if let Some(a) = n.attrs.iter_mut().find(|(k, _)| k == name) {
            a.1 = value.to_owned();
        } else {
            n.attrs.push((name.to_owned(), value.to_owned()));
        }
        if name == "id" {
            self.ids.entry(value.to_owned()).or_default().push(id);
        }
    }

    fn unindex(&mut self, id: XmlId) {
        if let Some(old) = self.attr(id, "id").map(str::to_owned) {
            if let Some(v) = self.ids.get_mut(&old) {
                v.retain(|&x| x != id);
            }
        }
    }

    pub fn remove_attr(&mut self, id: XmlId, name: &str) {
        if name == "id" {
            self.unindex(id);
        }
        self.nodes[id as usize].attrs.retain(|(k, _)| k != name);
    }

    pub fn children(&self, id: XmlId) -> &[XmlId] {
        &self.nodes[id as usize].children
    }

    /// Children with a given element name, in order.
    pub fn children_named<'a>(
        &'a self,
        id: XmlId,
        name: &'a str,
    ) -> impl Iterator<Item = XmlId> + 'a {
        self.nodes[id as usize]
            .children
            .iter()
            .copied()
            .filter(move |&c| self.nodes[c as usize].name == name)
    }

    /// `first_named_child`.
    pub fn first_child(&self, id: XmlId, name: &str) -> Option<XmlId> {
        self.children_named(id, name).next()
    }

    pub fn parent(&self, id: XmlId) -> Option<XmlId> {
        self.nodes[id as usize].parent
    }

    /// A new empty element, appended to `parent` if given.
    pub fn create(&mut self, name: &str, parent: Option<XmlId>) -> XmlId {
        let id = self.nodes.len() as XmlId;
        self.nodes.push(XNode {
            name: name.to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
            parent,
        });
        if let Some(p) = parent {
            self.nodes[p as usize].children.push(id);
        }
        id
    }

    /// Deep copy of a subtree, appended to `parent` if given
    /// (`copy_xml` / `add_node_copy`).
    pub fn copy(&mut self, src: XmlId, parent: Option<XmlId>) -> XmlId {
        let n = self.nodes[src as usize].clone();
        let id = self.create(&n.name, parent);
        if let Some((_, v)) = n.attrs.iter().find(|(k, _)| k == "id") {
            self.ids.entry(v.clone()).or_default().push(id);
        }
        self.nodes[id as usize].attrs = n.attrs;
        for c in n.children {
            self.copy(c, Some(id));
        }
        id
    }

    /// Replace the children of `parent` (each is re-parented).
    pub fn set_children(&mut self, parent: XmlId, children: Vec<XmlId>) {
        for &c in &self.nodes[parent as usize].children.clone() {
            self.nodes[c as usize].parent = None;
        }
        for &c in &children {
            if let Some(p) = self.nodes[c as usize].parent {
                if p != parent {
                    self.nodes[p as usize].children.retain(|&x| x != c);
                }
            }
            self.nodes[c as usize].parent = Some(parent);
        }
        self.nodes[parent as usize].children = children;
    }

    /// Detach an element from its parent.
    pub fn unlink(&mut self, id: XmlId) {
        if let Some(p) = self.nodes[id as usize].parent.take() {
            self.nodes[p as usize].children.retain(|&c| c != id);
        }
    }

    /// Whether `id` is `top` or below it.
    pub fn is_within(&self, mut id: XmlId, top: XmlId) -> bool {
        loop {
            if id == top {
                return true;
            }
            match self.nodes[id as usize].parent {
                Some(p) => id = p,
                None => return false,
            }
        }
    }

    /// Elements named `tag` with `id` below `top` (document order).
    pub fn find_by_id(&self, top: XmlId, tag: &str, id: &str) -> Vec<XmlId> {
        let mut v: Vec<XmlId> = self
            .ids
            .get(id)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&x| self.nodes[x as usize].name == tag && self.is_within(x, top))
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by_key(|&x| self.doc_order_key(x));
        v
    }

    fn doc_order_key(&self, mut id: XmlId) -> Vec<usize> {
        let mut path = Vec::new();
        while let Some(p) = self.nodes[id as usize].parent {
            let pos = self.nodes[p as usize]
                .children
                .iter()
                .position(|&c| c == id)
                .unwrap_or(0);
            path.push(pos);
            id = p;
        }
        path.reverse();
        path
    }

    /// `expand_idref`: follow an `id-ref` to the element it names (within
    /// `top`); `None` when the reference does not resolve to one element.
    pub fn expand_idref(&self, id: XmlId, top: XmlId) -> Option<XmlId> {
        let Some(r) = self.attr(id, "id-ref").map(str::to_owned) else {
            return Some(id);
        };
        let tag = self.name(id).to_owned();
        let found = self.find_by_id(top, &tag, &r);
        if found.len() == 1 {
            Some(found[0])
        } else {
            None
        }
    }

    /// Descendants (pre-order) of `id` with element name `name`.
    pub fn descendants_named(&self, id: XmlId, name: &str) -> Vec<XmlId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if self.nodes[x as usize].name == name {
                out.push(x);
            }
            for &c in self.nodes[x as usize].children.iter().rev() {
                stack.push(c);
            }
        }
        out
    }

    /// First descendant-or-self named `name` (`//name` from `id`).
    pub fn find_descendant(&self, id: XmlId, name: &str) -> Option<XmlId> {
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if self.nodes[x as usize].name == name {
                return Some(x);
            }
            for &c in self.nodes[x as usize].children.iter().rev() {
                stack.push(c);
            }
        }
        None
    }
}
