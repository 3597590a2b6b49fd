//! Small pieces of XSLT/XPath semantics the upgrade transforms rely on
//! (pure).
//!
//! The reference writes its upgrades as XSLT stylesheets whose helper
//! templates are run twice: once as a "simulation" whose only purpose is
//! the text it produces (marks such as `" "` or `"name "` telling the
//! caller whether anything would be emitted), and once for real. A
//! [`Prod`] carries both: the nodes produced and the string value of the
//! production, so each Rust port of a template can serve both uses.

use pcmk_xml::{Element, Node};

/// What a template produced: result nodes, and the XPath string value of
/// the result tree fragment (all text it contains, marks included).
#[derive(Debug, Default, Clone)]
pub(crate) struct Prod {
    pub(crate) nodes: Vec<Node>,
    pub(crate) text: String,
}

impl Prod {
    pub(crate) fn new() -> Prod {
        Prod::default()
    }

    /// Emit a result node.
    pub(crate) fn push(&mut self, node: Node) {
        string_value_into(&node, &mut self.text);
        self.nodes.push(node);
    }

    /// Emit literal text: the marks simulations produce (never part of
    /// real output).
    pub(crate) fn mark(&mut self, text: &str) {
        self.push(Node::Text(text.to_owned()));
    }

    /// The stylesheets' test for a non-void production, evaluated as
    /// libxml2's XPath does: `normalize-space($X) != $X` with `$X` this
    /// result tree fragment. libxml2 first compares a quick hash of the
    /// fragment, taken from its first element or, when it has none, from
    /// its first node *whatever its kind*: so a fragment holding only a
    /// copied comment counts as non-void although its string value is
    /// empty (the reference then keeps sets that only hold a comment).
    pub(crate) fn marked(&self) -> bool {
        let normalized = normalize_space(&self.text);
        let first = self
            .nodes
            .iter()
            .find(|n| matches!(n, Node::Element(_)))
            .or_else(|| self.nodes.first());
        let node_hash = match first {
            Some(Node::Element(e)) => {
                let mut s = String::new();
                for c in &e.children {
                    string_value_into(c, &mut s);
                }
                quick_hash(&s)
            }
            Some(Node::Text(t) | Node::CData(t) | Node::Comment(t)) => quick_hash(t),
            Some(Node::Pi { data, .. }) => quick_hash(data),
            None => 0,
        };
        node_hash != quick_hash(&normalized) || normalized != self.text
    }

    /// Append another production.
    pub(crate) fn extend(&mut self, other: Prod) {
        self.text.push_str(&other.text);
        self.nodes.extend(other.nodes);
    }

    /// Wrap this production in `element` (as its children) and return the
    /// production consisting of that one element.
    pub(crate) fn into_element(self, mut element: Element) -> Prod {
        element.children.extend(self.nodes);
        Prod {
            nodes: vec![Node::Element(element)],
            text: self.text,
        }
    }
}

fn string_value_into(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) | Node::CData(t) => out.push_str(t),
        Node::Element(e) => {
            for c in &e.children {
                string_value_into(c, out);
            }
        }
        Node::Comment(_) | Node::Pi { .. } => {}
    }
}

/// libxml2's `xmlXPathStringHash`: the first two bytes.
fn quick_hash(s: &str) -> u32 {
    match s.as_bytes() {
        [] => 0,
        [a] => u32::from(*a),
        [a, b, ..] => u32::from(*a) + (u32::from(*b) << 8),
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// XPath `normalize-space()`.
pub(crate) fn normalize_space(s: &str) -> String {
    s.split(is_xml_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stylesheets' test for a non-void production:
/// `normalize-space($X) != $X`.
pub(crate) fn marked(s: &str) -> bool {
    normalize_space(s) != s
}

/// XPath `substring-before()`: "" when `needle` does not occur.
pub(crate) fn substring_before<'a>(haystack: &'a str, needle: &str) -> &'a str {
    haystack.find(needle).map_or("", |i| &haystack[..i])
}

/// XPath `substring-after()`: "" when `needle` does not occur.
pub(crate) fn substring_after<'a>(haystack: &'a str, needle: &str) -> &'a str {
    haystack
        .find(needle)
        .map_or("", |i| &haystack[i + needle.len()..])
}

/// The comment and text nodes that come right before child `index` of
/// `parent`, after the previous element (what the stylesheets call the
/// "existing denormalized space" of a node), in document order.
pub(crate) fn leading_misc(parent: &Element, index: usize) -> Vec<Node> {
    let mut found = Vec::new();
    for node in parent.children[..index].iter().rev() {
        match node {
            Node::Element(_) => break,
            Node::Comment(_) | Node::Text(_) | Node::CData(_) => found.push(node.clone()),
            Node::Pi { .. } => {}
        }
    }
    found.reverse();
    found
}

/// `HelperDenormalizedSpace` for a node: copy its leading comments and
/// text, and in a simulation mark the production with a space unless that
/// text already carries one.
pub(crate) fn denormalized_space(parent: &Element, index: usize, simulation: bool, out: &mut Prod) {
    let existing = leading_misc(parent, index);
    let spaced = existing
        .iter()
        .any(|n| matches!(n, Node::Text(t) | Node::CData(t) if marked(t)));
    for n in existing {
        out.push(n);
    }
    if simulation && !spaced {
        out.mark(" ");
    }
}

/// Shallow copy of an element: name and attributes, no children.
pub(crate) fn shallow(e: &Element) -> Element {
    let mut copy = Element::new(e.name());
    *copy.attrs_mut() = e.attrs().to_vec();
    copy
}

/// Whether an element has a child element named `name`.
pub(crate) fn has_child(e: &Element, name: &str) -> bool {
    e.first_element(name).is_some()
}

/// Unique stand-in for XSLT `generate-id()`: the address of the node,
/// which is stable while the source tree is borrowed.
pub(crate) fn generate_id(e: &Element) -> String {
    format!("id{:x}", e as *const Element as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_strings() {
        assert_eq!(normalize_space("  a \t b\n"), "a b");
        assert!(marked(" "));
        assert!(marked("x "));
        assert!(!marked("TRIGGER-MSG"));
        assert!(!marked(""));
        assert_eq!(substring_before("ab@c", "@c"), "ab");
        assert_eq!(substring_before("abc", "@"), "");
        assert_eq!(substring_after("trueTRIGGER-MSG", "true"), "TRIGGER-MSG");
        assert_eq!(substring_after("falseTRIGGER-MSG", "true"), "");
    }

    #[test]
    fn fragments_holding_a_comment_count_as_produced() {
        let mut p = Prod::new();
        assert!(!p.marked());
        p.push(Node::Comment("note".into()));
        assert!(p.marked());
        let mut q = Prod::new();
        q.push(Node::Element(Element::new("rule")));
        assert!(!q.marked());
        q.mark(" ");
        assert!(q.marked());
    }

    #[test]
    fn leading_comments() {
        let mut p = Element::new("p");
        p.children.push(Node::Element(Element::new("a")));
        p.children.push(Node::Comment("one".into()));
        p.children.push(Node::Pi {
            target: "x".into(),
            data: String::new(),
        });
        p.children.push(Node::Comment("two".into()));
        p.children.push(Node::Element(Element::new("b")));
        assert_eq!(
            leading_misc(&p, 4),
            vec![Node::Comment("one".into()), Node::Comment("two".into())]
        );
        assert!(leading_misc(&p, 0).is_empty());
        let mut out = Prod::new();
        denormalized_space(&p, 4, true, &mut out);
        assert_eq!(out.text, " ");
        assert_eq!(out.nodes.len(), 3, "two comments and the mark");
    }
}
