//! A small XML tree for formatted output, serialized the way libxml2 2.9
//! (`xmlNodeDumpOutput()` with formatting on, no document encoding) writes
//! it, which is what Pacemaker's `--output-as=xml` prints (no I/O).
//!
//! - Two spaces of indentation per level (at most 30 levels deep).
//! - Empty elements as `<name/>`.
//! - An element with any text or CDATA child is written without added
//!   whitespace inside it.
//! - Attribute values escape `< > & "`, tab, newline and carriage return as
//!   references, and non-ASCII characters as `&#xHEX;`.
//! - Text escapes `< > &` and carriage return; other bytes stay as they are.

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlNode {
    /// An element.
    Element(XmlElement),
    /// Character data (escaped on output).
    Text(String),
    /// A CDATA section.
    CData(String),
    /// A comment.
    Comment(String),
}

/// An element with attributes (in insertion order) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlElement {
    /// Tag name.
    pub name: String,
    /// Attributes in order; setting an existing one replaces its value in place.
    pub attrs: Vec<(String, String)>,
    /// Children in order.
    pub children: Vec<XmlNode>,
}

impl XmlElement {
    /// An element without attributes or children.
    pub fn new(name: impl Into<String>) -> Self {
        XmlElement {
            name: name.into(),
            ..XmlElement::default()
        }
    }

    /// Set an attribute (like `crm_xml_add()`: replaces in place if present).
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_string(), value)),
        }
        self
    }

    /// Set attributes from pairs, skipping `None` values (as
    /// `pcmk__xe_set_props()` skips NULL ones).
    pub fn set_attrs<'a>(&mut self, attrs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
        for (k, v) in attrs {
            if let Some(v) = v {
                self.set_attr(k, v);
            }
        }
    }

    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Append a child element and return it.
    pub fn add_child(&mut self, child: XmlElement) -> &mut XmlElement {
        self.children.push(XmlNode::Element(child));
        match self.children.last_mut() {
            Some(XmlNode::Element(e)) => e,
            // The element was pushed just above.
            _ => unreachable!("last child is the element just added"),
        }
    }

    /// Append text content.
    pub fn add_text(&mut self, text: impl Into<String>) {
        self.children.push(XmlNode::Text(text.into()));
    }

    /// Number of element children (libxml2's `xmlChildElementCount()`).
    pub fn element_count(&self) -> usize {
        self.children
            .iter()
            .filter(|c| matches!(c, XmlNode::Element(_)))
            .count()
    }

    /// Serialize with formatting, without a trailing newline.
    pub fn to_formatted_string(&self) -> String {
        let mut out = String::new();
        write_element(&mut out, self, 0, true, true);
        out
    }
}

const MAX_INDENT_LEVELS: usize = 30;

fn indent(out: &mut String, level: usize) {
    for _ in 0..level.min(MAX_INDENT_LEVELS) {
        out.push_str("  ");
    }
}

fn write_element(out: &mut String, e: &XmlElement, level: usize, format: bool, root: bool) {
    if !root && format {
        indent(out, level);
    }
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_attr(out, v);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    let child_format = format
        && !e
            .children
            .iter()
            .any(|c| matches!(c, XmlNode::Text(_) | XmlNode::CData(_)));
    out.push('>');
    if child_format {
        out.push('\n');
    }
    for child in &e.children {
        match child {
            XmlNode::Element(c) => write_element(out, c, level + 1, child_format, false),
            XmlNode::Text(t) => escape_text(out, t),
            XmlNode::CData(t) => write_cdata(out, t),
            XmlNode::Comment(t) => {
                if child_format {
                    indent(out, level + 1);
                }
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
        }
        if child_format {
            out.push('\n');
        }
    }
    if child_format {
        indent(out, level);
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

fn write_cdata(out: &mut String, t: &str) {
    if t.is_empty() {
        out.push_str("<![CDATA[]]>");
        return;
    }
    // "]]>" cannot appear inside a section: split after "]]".
    let mut rest = t;
    while let Some(pos) = rest.find("]]>") {
        out.push_str("<![CDATA[");
        out.push_str(&rest[..pos + 2]);
        out.push_str("]]>");
        rest = &rest[pos + 2..];
    }
    if !rest.is_empty() {
        out.push_str("<![CDATA[");
        out.push_str(rest);
        out.push_str("]]>");
    }
}

/// libxml2's `xmlBufAttrSerializeTxtContent()` for a document without encoding.
pub fn escape_attr(out: &mut String, value: &str) {
    for ch in value.chars() {
        match ch {
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_ascii() => out.push(c),
            c => {
                let _ = std::fmt::Write::write_fmt(out, format_args!("&#x{:X};", c as u32));
            }
        }
    }
}

/// libxml2's `xmlEscapeContent()`: what text nodes get.
pub fn escape_text(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_libxml2() {
        let mut root = XmlElement::new("pacemaker-result");
        root.set_attr("api-version", "2.25");
        root.set_attr("request", "x 'a b' é<>&\"\t\n\r");
        root.add_child(XmlElement::new("empty"));
        let status = root.add_child(XmlElement::new("status"));
        status.set_attr("code", "0");
        let errors = status.add_child(XmlElement::new("errors"));
        errors
            .add_child(XmlElement::new("error"))
            .add_text("a <b> & c\r");
        assert_eq!(
            root.to_formatted_string(),
            "<pacemaker-result api-version=\"2.25\" request=\"x 'a b' &#xE9;&lt;&gt;&amp;&quot;&#9;&#10;&#13;\">\n  \
             <empty/>\n  <status code=\"0\">\n    <errors>\n      \
             <error>a &lt;b&gt; &amp; c&#13;</error>\n    </errors>\n  </status>\n\
             </pacemaker-result>"
        );
    }

    #[test]
    fn mixed_content_is_not_reindented() {
        let mut e = XmlElement::new("a");
        e.add_text("x");
        e.add_child(XmlElement::new("b"))
            .add_child(XmlElement::new("c"));
        e.children.push(XmlNode::CData("p]]>q".into()));
        assert_eq!(
            e.to_formatted_string(),
            "<a>x<b><c/></b><![CDATA[p]]]]><![CDATA[>q]]></a>"
        );
    }

    #[test]
    fn set_attr_replaces_in_place() {
        let mut e = XmlElement::new("a");
        e.set_attr("x", "1");
        e.set_attr("y", "2");
        e.set_attr("x", "3");
        assert_eq!(
            e.attrs,
            vec![("x".into(), "3".into()), ("y".into(), "2".into())]
        );
    }
}
