//! Pacemaker's text forms of XML.
//!
//! - [`to_text`] is `pcmk__xml2text`: what goes on the wire (unformatted),
//!   what `cibadmin -Q` and `crm_diff` print (formatted), and what digests
//!   hash (unformatted, optionally filtered). Attribute values use
//!   Pacemaker's own escaping ([`escape_value`]) and text nodes are dropped
//!   unless asked for.
//! - [`to_libxml_text`] is libxml2's `xmlNodeDumpOutput` with formatting,
//!   which Pacemaker uses for `--output-as=xml` (`dump_xml_formatted_with_text`).

use crate::tree::{Element, Node};

/// Flags of `pcmk__xml2text` (`xml_log_option_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Indent two spaces per level, one node per line.
    pub formatted: bool,
    /// Leave out the attributes digests ignore ([`crate::digest::is_filterable`]).
    pub filtered: bool,
    /// Print text nodes (verbatim).
    pub text: bool,
}

impl TextOptions {
    pub const UNFORMATTED: TextOptions = TextOptions {
        formatted: false,
        filtered: false,
        text: false,
    };
    pub const FORMATTED: TextOptions = TextOptions {
        formatted: true,
        filtered: false,
        text: false,
    };
    pub const FILTERED: TextOptions = TextOptions {
        formatted: false,
        filtered: true,
        text: false,
    };
}

/// Serialise an element the way `pcmk__xml2text` does.
#[doc(alias = "pcmk__xml2text")]
pub fn to_text(e: &Element, opts: TextOptions) -> String {
    let mut out = String::with_capacity(256);
    write_element(e, opts, &mut out, 0);
    out
}

/// Append the text form of an element to `out` at indentation `depth`.
pub fn write_element(e: &Element, opts: TextOptions, out: &mut String, depth: usize) {
    indent(opts, out, depth);
    out.push('<');
    out.push_str(e.name());
    for a in e.attrs() {
        if opts.filtered && crate::digest::is_filterable(&a.name) {
            continue;
        }
        out.push(' ');
        out.push_str(&a.name);
        out.push_str("=\"");
        escape_value_into(&a.value, out);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
    } else {
        out.push('>');
    }
    if opts.formatted {
        out.push('\n');
    }
    if !e.children.is_empty() {
        for c in &e.children {
            write_node(c, opts, out, depth + 1);
        }
        indent(opts, out, depth);
        out.push_str("</");
        out.push_str(e.name());
        out.push('>');
        if opts.formatted {
            out.push('\n');
        }
    }
}

fn write_node(n: &Node, opts: TextOptions, out: &mut String, depth: usize) {
    let (open, body, close) = match n {
        Node::Element(e) => return write_element(e, opts, out, depth),
        Node::Text(t) if opts.text => ("", t.as_str(), ""),
        Node::Comment(t) => ("<!--", t.as_str(), "-->"),
        Node::CData(t) => ("<![CDATA[", t.as_str(), "]]>"),
        // Text without the text option, and processing instructions, are
        // not printed (but still made their parent non-empty).
        Node::Text(_) | Node::Pi { .. } => return,
    };
    indent(opts, out, depth);
    out.push_str(open);
    out.push_str(body);
    out.push_str(close);
    if opts.formatted {
        out.push('\n');
    }
}

fn indent(opts: TextOptions, out: &mut String, depth: usize) {
    if opts.formatted {
        out.extend(std::iter::repeat_n(' ', 2 * depth));
    }
}

/// Pacemaker's attribute-value escaping (`crm_xml_escape`).
///
/// `< > " ' &` become entities, a tab becomes four spaces, newline and
/// carriage return become the two-character sequences `\n` and `\r`, other
/// control characters become `\ooo` octal. At the first non-ASCII character
/// escaping stops and the rest is copied verbatim: the C code stops at the
/// first pair of bytes with the high bit set, which in UTF-8 is the first
/// non-ASCII character.
#[doc(alias = "crm_xml_escape")]
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    escape_value_into(value, &mut out);
    out
}

fn escape_value_into(value: &str, out: &mut String) {
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &str = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            b'&' => "&amp;",
            b'\t' => "    ",
            b'\n' => "\\n",
            b'\r' => "\\r",
            0x20..=0x7e => continue,
            0x80.. => {
                // First non-ASCII character: the rest goes out unescaped.
                out.push_str(&value[start..]);
                return;
            }
            _ => {
                out.push_str(&value[start..i]);
                out.push_str(&format!("\\{b:03o}"));
                start = i + 1;
                continue;
            }
        };
        out.push_str(&value[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

/// Serialise like libxml2's `xmlNodeDumpOutput(…, level 0, format 1, NULL)`
/// followed by a newline, as Pacemaker's XML output formatter does.
#[doc(alias = "dump_xml_formatted_with_text")]
pub fn to_libxml_text(e: &Element) -> String {
    let mut out = String::with_capacity(256);
    libxml_element(e, &mut out, 0, true, true);
    out.push('\n');
    out
}

/// libxml2 indents at most 30 levels (60 spaces).
const LIBXML_MAX_INDENT_LEVEL: usize = 30;

fn libxml_indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(
        ' ',
        2 * level.min(LIBXML_MAX_INDENT_LEVEL),
    ));
}

fn libxml_element(e: &Element, out: &mut String, level: usize, format: bool, is_root: bool) {
    if format && !is_root {
        libxml_indent(out, level);
    }
    out.push('<');
    out.push_str(e.name());
    for a in e.attrs() {
        out.push(' ');
        out.push_str(&a.name);
        out.push_str("=\"");
        libxml_escape_attr(&a.value, out);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    // Any text-like child switches formatting off for the whole subtree.
    let inner_format = format
        && !e
            .children
            .iter()
            .any(|c| matches!(c, Node::Text(_) | Node::CData(_)));
    out.push('>');
    if inner_format {
        out.push('\n');
    }
    for c in &e.children {
        match c {
            Node::Element(child) => libxml_element(child, out, level + 1, inner_format, false),
            Node::Text(t) => libxml_escape_text(t, out),
            Node::Comment(t) => {
                if inner_format {
                    libxml_indent(out, level + 1);
                }
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
            Node::CData(t) => libxml_cdata(t, out),
            Node::Pi { target, data } => {
                if inner_format {
                    libxml_indent(out, level + 1);
                }
                out.push_str("<?");
                out.push_str(target);
                if !data.is_empty() {
                    out.push(' ');
                    out.push_str(data);
                }
                out.push_str("?>");
            }
        }
        if inner_format {
            out.push('\n');
        }
    }
    if inner_format {
        libxml_indent(out, level);
    }
    out.push_str("</");
    out.push_str(e.name());
    out.push('>');
}

fn hex_char_ref(c: char, out: &mut String) {
    out.push_str(&format!("&#x{:X};", c as u32));
}

fn libxml_escape_attr(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if (c as u32) >= 0x80 => hex_char_ref(c, out),
            c => out.push(c),
        }
    }
}

fn libxml_escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\t' | ' '..='\u{7f}' => out.push(c),
            '\r' => hex_char_ref(c, out),
            c if (c as u32) >= 0x80 => hex_char_ref(c, out),
            // Other control characters are not XML characters; libxml2
            // reports an error and drops them.
            _ => {}
        }
    }
}

fn libxml_cdata(text: &str, out: &mut String) {
    if text.is_empty() {
        out.push_str("<![CDATA[]]>");
        return;
    }
    // A "]]>" inside is split across two sections, as libxml2 does.
    let mut rest = text;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_pacemaker_rules() {
        assert_eq!(escape_value("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape_value("x\ty\nz\r"), "x    y\\nz\\r");
        assert_eq!(escape_value("\u{1}\u{7f}"), "\\001\\177");
        // Escaping stops at the first non-ASCII character.
        assert_eq!(escape_value("<é<"), "&lt;é<");
    }

    #[test]
    fn empty_and_nonempty_elements() {
        let mut e = Element::new("a").with_attr("x", "1");
        assert_eq!(to_text(&e, TextOptions::UNFORMATTED), r#"<a x="1"/>"#);
        e.children.push(Node::Text("t".into()));
        assert_eq!(to_text(&e, TextOptions::UNFORMATTED), r#"<a x="1"></a>"#);
        e.push_element(Element::new("b"));
        assert_eq!(
            to_text(&e, TextOptions::FORMATTED),
            "<a x=\"1\">\n  <b/>\n</a>\n"
        );
    }

    #[test]
    fn libxml_form_indents_and_escapes() {
        let e = Element::new("r")
            .with_attr("v", "a\n\"é")
            .with_child(Element::new("c").with_child(Element::new("d")));
        assert_eq!(
            to_libxml_text(&e),
            "<r v=\"a&#10;&quot;&#xE9;\">\n  <c>\n    <d/>\n  </c>\n</r>\n"
        );
        let mut t = Element::new("r");
        t.children.push(Node::Text("x<é".into()));
        t.push_element(Element::new("c"));
        assert_eq!(to_libxml_text(&t), "<r>x&lt;&#xE9;<c/></r>\n");
    }
}
