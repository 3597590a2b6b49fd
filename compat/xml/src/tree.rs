//! The mutable XML tree.
//!
//! Attribute order is document order, and behaves like libxml2's: setting an
//! attribute that exists keeps its position, a new one is appended. Digests
//! and patchsets depend on that order, so it is preserved everywhere.

use std::fmt;

/// A node in an element's child list.
#[derive(Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    /// Character data, entities already decoded.
    Text(String),
    /// `<!--…-->` content, verbatim.
    Comment(String),
    /// `<![CDATA[…]]>` content, verbatim.
    CData(String),
    /// A processing instruction; Pacemaker never prints these, but they
    /// still make their parent non-empty.
    Pi {
        target: String,
        data: String,
    },
}

/// One attribute, in document order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attr {
    pub name: String,
    pub value: String,
}

/// An element: name, ordered attributes, children.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Element {
    name: String,
    attrs: Vec<Attr>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// A new element with no attributes or children.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Builder form of [`Element::set_attr`].
    pub fn with_attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_attr(name, value);
        self
    }

    /// Builder form of [`Element::push_element`].
    pub fn with_child(mut self, child: Element) -> Self {
        self.push_element(child);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// Value of an attribute.
    #[doc(alias = "crm_element_value")]
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Whether the attribute is present.
    pub fn has_attr(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name == name)
    }

    /// The `id` attribute.
    #[doc(alias = "ID")]
    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    /// Set an attribute: an existing one keeps its position, a new one is
    /// appended (libxml2's `xmlSetProp`).
    #[doc(alias = "crm_xml_add")]
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|a| a.name == name) {
            Some(a) => a.value = value,
            None => self.attrs.push(Attr {
                name: name.to_owned(),
                value,
            }),
        }
    }

    /// Remove an attribute, returning its value.
    #[doc(alias = "xml_remove_prop")]
    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        let pos = self.attrs.iter().position(|a| a.name == name)?;
        Some(self.attrs.remove(pos).value)
    }

    /// Attributes in document order.
    pub fn attrs(&self) -> &[Attr] {
        &self.attrs
    }

    /// Mutable access to the attribute list (order is significant).
    pub fn attrs_mut(&mut self) -> &mut Vec<Attr> {
        &mut self.attrs
    }

    /// Child elements in document order (comments, text and CDATA skipped).
    #[doc(alias = "pcmk__xe_first_child")]
    pub fn elements(&self) -> impl DoubleEndedIterator<Item = &Element> + '_ {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Mutable child elements in document order.
    pub fn elements_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Element> + '_ {
        self.children.iter_mut().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements with the given name.
    pub fn elements_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl DoubleEndedIterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// First child element with the given name.
    #[doc(alias = "first_named_child")]
    pub fn first_element(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// First child element with the given name, mutable.
    pub fn first_element_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.elements_mut().find(|e| e.name == name)
    }

    /// First child element with the given name and `id`.
    #[doc(alias = "pcmk__xe_match")]
    pub fn element_by_id(&self, name: &str, id: &str) -> Option<&Element> {
        self.elements()
            .find(|e| e.name == name && e.id() == Some(id))
    }

    /// Append a child element, returning a reference to it.
    #[doc(alias = "add_node_copy")]
    pub fn push_element(&mut self, child: Element) -> &mut Element {
        self.children.push(Node::Element(child));
        match self.children.last_mut() {
            Some(Node::Element(e)) => e,
            // Invariant: we just pushed an element.
            _ => unreachable!("last child is the element just pushed"),
        }
    }

    /// Remove and return every child element with the given name.
    pub fn remove_elements_named(&mut self, name: &str) -> Vec<Element> {
        let mut removed = Vec::new();
        let mut kept = Vec::with_capacity(self.children.len());
        for c in self.children.drain(..) {
            match c {
                Node::Element(e) if e.name == name => removed.push(e),
                other => kept.push(other),
            }
        }
        self.children = kept;
        removed
    }

    /// Whether the element has any child node at all (text and comments
    /// included): this decides `<x/>` versus `<x></x>`.
    pub fn has_children(&self) -> bool {
        !self.children.is_empty()
    }

    /// Remove every text node below this element (Pacemaker does this after
    /// reading a file: `pcmk__strip_xml_text`).
    #[doc(alias = "pcmk__strip_xml_text")]
    pub fn strip_text(&mut self) {
        self.children.retain(|c| !matches!(c, Node::Text(_)));
        for e in self.elements_mut() {
            e.strip_text();
        }
    }

    /// Concatenated text content of direct text and CDATA children.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for c in &self.children {
            if let Node::Text(t) | Node::CData(t) = c {
                s.push_str(t);
            }
        }
        s
    }

    /// Depth-first pre-order walk over this element and all descendants.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }

    /// Unformatted text form (as on the wire).
    #[doc(alias = "dump_xml_unformatted")]
    pub fn to_unformatted(&self) -> String {
        crate::text::to_text(self, crate::text::TextOptions::UNFORMATTED)
    }

    /// Formatted text form (two-space indentation, one element per line).
    #[doc(alias = "dump_xml_formatted")]
    pub fn to_formatted(&self) -> String {
        crate::text::to_text(self, crate::text::TextOptions::FORMATTED)
    }
}

/// Pre-order iterator returned by [`Element::descendants`].
pub struct Descendants<'a> {
    stack: Vec<&'a Element>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let e = self.stack.pop()?;
        self.stack.extend(e.elements().rev());
        Some(e)
    }
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_unformatted())
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Element(e) => e.fmt(f),
            Node::Text(t) => write!(f, "Text({t:?})"),
            Node::Comment(t) => write!(f, "Comment({t:?})"),
            Node::CData(t) => write!(f, "CData({t:?})"),
            Node::Pi { target, data } => write!(f, "Pi({target:?}, {data:?})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_attr_keeps_position_and_appends_new() {
        let mut e = Element::new("x").with_attr("a", "1").with_attr("b", "2");
        e.set_attr("a", "3");
        e.set_attr("c", "4");
        let names: Vec<_> = e.attrs().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(e.attr("a"), Some("3"));
        assert_eq!(e.remove_attr("b").as_deref(), Some("2"));
        e.set_attr("b", "5");
        let names: Vec<_> = e.attrs().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"]);
    }

    #[test]
    fn descendants_are_preorder() {
        let e = Element::new("a")
            .with_child(Element::new("b").with_child(Element::new("c")))
            .with_child(Element::new("d"));
        let names: Vec<_> = e.descendants().map(|e| e.name().to_owned()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
    }
}
