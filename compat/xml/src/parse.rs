//! The fast XML parser.
//!
//! Pacemaker parses with libxml2 (`XML_PARSE_NOBLANKS | XML_PARSE_RECOVER`).
//! This parser handles the well-formed documents Pacemaker deals with every
//! day and builds exactly the tree libxml2 would; on anything else (a syntax
//! error, a DOCTYPE, namespaces, a non-UTF-8 encoding, carriage returns,
//! excessive depth) it returns [`Unsupported`] and the caller falls back to
//! libxml2 itself ([`crate::libxml2`]), which gives the reference's recovery
//! behaviour and messages. Tests check that both paths build equal trees.
//!
//! Whitespace-only text follows libxml2's "ignorable blanks" heuristic
//! (`areBlanks` in parser.c) so elements come out empty or not exactly as
//! with the reference.

use crate::tree::{Element, Node};

/// Why the fast parser declined the input (the caller then asks libxml2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub offset: usize,
    pub reason: &'static str,
}

/// libxml2 refuses deeper nesting without `XML_PARSE_HUGE`.
pub const MAX_DEPTH: usize = 256;
/// libxml2's limit on one text node or attribute value without `XML_PARSE_HUGE`.
const MAX_TEXT_LENGTH: usize = 10_000_000;
/// libxml2's limit on a name without `XML_PARSE_HUGE`.
const MAX_NAME_LENGTH: usize = 50_000;

type Result<T> = std::result::Result<T, Unsupported>;

/// Parse a complete document held in memory and return its root element.
pub fn parse_document(input: &[u8]) -> Result<Element> {
    let text = std::str::from_utf8(input).map_err(|e| Unsupported {
        offset: e.valid_up_to(),
        reason: "not UTF-8",
    })?;
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.document()
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, reason: &'static str) -> Result<T> {
        Err(Unsupported {
            offset: self.pos,
            reason,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn starts_with(&self, pat: &[u8]) -> bool {
        self.s[self.pos..].starts_with(pat)
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    fn find(&self, pat: &[u8]) -> Option<usize> {
        self.s[self.pos..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| self.pos + i)
    }

    fn document(&mut self) -> Result<Element> {
        // One pass over the whole input: carriage returns (line-end
        // normalisation), and characters that are not XML characters
        // wherever they stand (libxml2 reports them in any context).
        if let Some(i) = self
            .s
            .iter()
            .position(|&b| b < 0x20 && b != b'\t' && b != b'\n')
        {
            self.pos = i;
            return self.fail("carriage return or control character");
        }
        if !self.text.is_ascii() && self.text.contains(['\u{fffe}', '\u{ffff}']) {
            return self.fail("non-character U+FFFE/U+FFFF");
        }
        if self.starts_with("\u{feff}".as_bytes()) {
            self.pos += 3;
        }
        if self.starts_with(b"<?xml") && self.s.get(self.pos + 5).is_some_and(|&b| is_blank(b)) {
            self.xml_decl()?;
        }
        // Prolog: blanks, comments, processing instructions.
        loop {
            self.skip_blanks();
            if self.starts_with(b"<!--") {
                self.comment()?;
            } else if self.starts_with(b"<?") {
                self.pi()?;
            } else if self.starts_with(b"<!") {
                return self.fail("DOCTYPE or other declaration");
            } else {
                break;
            }
        }
        if self.peek() != Some(b'<') {
            return self.fail("no root element");
        }
        let root = self.element_tree()?;
        // Epilogue: blanks, comments, processing instructions only.
        loop {
            self.skip_blanks();
            if self.pos == self.s.len() {
                return Ok(root);
            }
            if self.starts_with(b"<!--") {
                self.comment()?;
            } else if self.starts_with(b"<?") {
                self.pi()?;
            } else {
                return self.fail("content after the root element");
            }
        }
    }

    /// `<?xml version="1.0" [encoding="UTF-8"] [standalone="yes|no"]?>`,
    /// exactly; anything libxml2 would warn about goes to libxml2.
    fn xml_decl(&mut self) -> Result<()> {
        self.pos += 5;
        let mut seen_version = false;
        for key in ["version", "encoding", "standalone"] {
            let save = self.pos;
            self.skip_blanks();
            if !self.starts_with(key.as_bytes()) || self.pos == save {
                self.pos = save;
                continue;
            }
            self.pos += key.len();
            self.skip_blanks();
            if self.peek() != Some(b'=') {
                return self.fail("malformed XML declaration");
            }
            self.pos += 1;
            self.skip_blanks();
            let quote = match self.peek() {
                Some(q @ (b'"' | b'\'')) => q,
                _ => return self.fail("malformed XML declaration"),
            };
            self.pos += 1;
            let Some(len) = self.s[self.pos..].iter().position(|&b| b == quote) else {
                return self.fail("malformed XML declaration");
            };
            let value = &self.text[self.pos..self.pos + len];
            self.pos += len + 1;
            let ok = match key {
                "version" => value == "1.0",
                "encoding" => value.eq_ignore_ascii_case("utf-8"),
                _ => value == "yes" || value == "no",
            };
            if !ok {
                return self.fail("XML declaration value the fast parser does not handle");
            }
            seen_version |= key == "version";
        }
        self.skip_blanks();
        if !seen_version || !self.starts_with(b"?>") {
            return self.fail("malformed XML declaration");
        }
        self.pos += 2;
        Ok(())
    }

    fn comment(&mut self) -> Result<String> {
        let start = self.pos + 4;
        self.pos = start;
        let Some(end) = self.find(b"--") else {
            return self.fail("unterminated comment");
        };
        if self.s.get(end + 2) != Some(&b'>') {
            self.pos = end;
            return self.fail("'--' inside a comment");
        }
        let body = &self.text[start..end];
        self.pos = end + 3;
        Ok(body.to_owned())
    }

    fn pi(&mut self) -> Result<Node> {
        self.pos += 2;
        let target = self.name()?;
        // libxml2 rejects "xml" and warns about other targets starting so.
        if target.len() >= 3 && target[..3].eq_ignore_ascii_case("xml") {
            return self.fail("reserved processing instruction target");
        }
        let Some(end) = self.find(b"?>") else {
            return self.fail("unterminated processing instruction");
        };
        let raw = &self.text[self.pos..end];
        if !raw.is_empty() && !is_blank(raw.as_bytes()[0]) {
            return self.fail("processing instruction target not followed by space");
        }
        let data = raw.trim_start_matches(|c: char| c.is_ascii() && is_blank(c as u8));
        self.pos = end + 2;
        Ok(Node::Pi {
            target,
            data: data.to_owned(),
        })
    }

    fn name(&mut self) -> Result<String> {
        self.name_slice().map(str::to_owned)
    }

    fn name_slice(&mut self) -> Result<&'a str> {
        let start = self.pos;
        if !self.peek().is_some_and(is_name_start) {
            return self.fail("unsupported or malformed name");
        }
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        if self.peek().is_some_and(|b| b == b':' || b >= 0x80) {
            return self.fail("namespaced or non-ASCII name");
        }
        if self.pos - start > MAX_NAME_LENGTH {
            return self.fail("name too long");
        }
        Ok(&self.text[start..self.pos])
    }

    /// Parse the root element and everything inside it, iteratively.
    fn element_tree(&mut self) -> Result<Element> {
        let mut stack: Vec<Open> = Vec::new();
        let mut current = match self.start_tag()? {
            Tag::Empty(e) => return Ok(e),
            Tag::Open(e) => Open::new(e),
        };
        loop {
            match self.peek() {
                None => return self.fail("unterminated element"),
                Some(b'<') => {
                    if self.starts_with(b"</") {
                        self.pos += 2;
                        let name = self.name_slice()?;
                        if name != current.element.name() {
                            return self.fail("mismatched end tag");
                        }
                        self.skip_blanks();
                        if self.peek() != Some(b'>') {
                            return self.fail("malformed end tag");
                        }
                        self.pos += 1;
                        match stack.pop() {
                            None => return Ok(current.element),
                            Some(mut parent) => {
                                parent.element.children.push(Node::Element(current.element));
                                current = parent;
                            }
                        }
                    } else if self.starts_with(b"<!--") {
                        let c = self.comment()?;
                        current.element.children.push(Node::Comment(c));
                    } else if self.starts_with(b"<![CDATA[") {
                        self.pos += 9;
                        let Some(end) = self.find(b"]]>") else {
                            return self.fail("unterminated CDATA section");
                        };
                        let body = &self.text[self.pos..end];
                        self.pos = end + 3;
                        // libxml2 merges adjacent CDATA sections.
                        match current.element.children.last_mut() {
                            Some(Node::CData(prev)) => prev.push_str(body),
                            _ => current.element.children.push(Node::CData(body.to_owned())),
                        }
                    } else if self.starts_with(b"<?") {
                        let pi = self.pi()?;
                        current.element.children.push(pi);
                    } else if self.starts_with(b"<!") {
                        return self.fail("declaration inside content");
                    } else {
                        match self.start_tag()? {
                            Tag::Empty(e) => current.element.children.push(Node::Element(e)),
                            Tag::Open(e) => {
                                if stack.len() + 2 > MAX_DEPTH {
                                    return self.fail("excessive depth");
                                }
                                stack.push(current);
                                current = Open::new(e);
                            }
                        }
                    }
                }
                Some(_) => self.char_data(&mut current)?,
            }
        }
    }

    /// Text up to the next '<'. libxml2 hands it over in chunks separated
    /// by references, and drops a chunk of blanks when its heuristic calls
    /// it ignorable (`areBlanks`); once an element has kept text that began
    /// with a blank (or held non-ASCII), it keeps every later blank chunk.
    fn char_data(&mut self, open: &mut Open) -> Result<()> {
        let start = self.pos;
        let end = self.s[start..]
            .iter()
            .position(|&b| b == b'<')
            .map_or(self.s.len(), |i| start + i);
        if end == self.s.len() {
            return self.fail("unterminated element");
        }
        let raw = &self.text[start..end];
        self.pos = end;
        if raw.contains("]]>") {
            return self.fail("']]>' in text");
        }
        let next_is_end_tag = self.s.get(end + 1) == Some(&b'/');
        let mut decoded = String::new();
        let mut rest = raw;
        let mut at = start;
        loop {
            let chunk_len = rest.find('&').unwrap_or(rest.len());
            let chunk = &rest[..chunk_len];
            let followed_by_reference = chunk_len < rest.len();
            if !chunk.is_empty() {
                let keep = if chunk.bytes().all(is_blank) {
                    let e = &open.element;
                    let keep = open.keeps_blanks
                        || followed_by_reference
                        || (e.children.is_empty() && decoded.is_empty() && next_is_end_tag)
                        || !decoded.is_empty()
                        || matches!(e.children.last(), Some(Node::Text(_)))
                        || matches!(e.children.first(), Some(Node::Text(_)));
                    if keep {
                        open.keeps_blanks = true;
                    }
                    keep
                } else {
                    if is_blank(chunk.as_bytes()[0]) || !chunk.is_ascii() {
                        open.keeps_blanks = true;
                    }
                    true
                };
                if keep {
                    decoded.push_str(chunk);
                }
            }
            if !followed_by_reference {
                break;
            }
            let tail = &rest[chunk_len..];
            let Some(semi) = tail.find(';') else {
                return Err(Unsupported {
                    offset: at + chunk_len,
                    reason: "unterminated reference",
                });
            };
            decoded.push(reference(&tail[1..semi]).ok_or(Unsupported {
                offset: at + chunk_len,
                reason: "unknown entity or bad character reference",
            })?);
            at += chunk_len + semi + 1;
            rest = &tail[semi + 1..];
        }
        if decoded.is_empty() {
            return Ok(());
        }
        let parent = &mut open.element;
        match parent.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(&decoded),
            _ => parent.children.push(Node::Text(decoded)),
        }
        if let Some(Node::Text(t)) = parent.children.last() {
            if t.len() > MAX_TEXT_LENGTH {
                return self.fail("text node too long");
            }
        }
        Ok(())
    }

    /// Decode entity and character references; in attribute values, also
    /// normalise literal tabs and newlines to spaces.
    fn decode(&self, raw: &str, offset: usize, attribute: bool) -> Result<String> {
        if !(raw.contains('&') || attribute && raw.contains(['\t', '\n'])) {
            return Ok(raw.to_owned());
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        let mut at = offset;
        while let Some(i) = rest.find(['&', '\t', '\n']) {
            let (before, tail) = rest.split_at(i);
            out.push_str(before);
            at += i;
            if tail.as_bytes()[0] != b'&' {
                out.push(if attribute {
                    ' '
                } else {
                    tail.as_bytes()[0] as char
                });
                rest = &tail[1..];
                at += 1;
                continue;
            }
            let Some(semi) = tail.find(';') else {
                return Err(Unsupported {
                    offset: at,
                    reason: "unterminated reference",
                });
            };
            out.push(reference(&tail[1..semi]).ok_or(Unsupported {
                offset: at,
                reason: "unknown entity or bad character reference",
            })?);
            rest = &tail[semi + 1..];
            at += semi + 1;
        }
        out.push_str(rest);
        Ok(out)
    }

    fn start_tag(&mut self) -> Result<Tag> {
        self.pos += 1; // '<'
        let mut e = Element::new(self.name()?);
        loop {
            let had_space = self.peek().is_some_and(is_blank);
            self.skip_blanks();
            match self.peek() {
                Some(b'/') => {
                    if self.s.get(self.pos + 1) != Some(&b'>') {
                        return self.fail("malformed empty-element tag");
                    }
                    self.pos += 2;
                    return Ok(Tag::Empty(e));
                }
                Some(b'>') => {
                    self.pos += 1;
                    return Ok(Tag::Open(e));
                }
                Some(_) if had_space => {
                    let name = self.name()?;
                    if name == "xmlns" {
                        return self.fail("namespace declaration");
                    }
                    self.skip_blanks();
                    if self.peek() != Some(b'=') {
                        return self.fail("attribute without value");
                    }
                    self.pos += 1;
                    self.skip_blanks();
                    let quote = match self.peek() {
                        Some(q @ (b'"' | b'\'')) => q,
                        _ => return self.fail("unquoted attribute value"),
                    };
                    self.pos += 1;
                    let start = self.pos;
                    let Some(len) = self.s[start..].iter().position(|&b| b == quote) else {
                        return self.fail("unterminated attribute value");
                    };
                    let raw = &self.text[start..start + len];
                    if raw.contains('<') {
                        return self.fail("'<' in attribute value");
                    }
                    let value = self.decode(raw, start, true)?;
                    if value.len() > MAX_TEXT_LENGTH {
                        return self.fail("attribute value too long");
                    }
                    if e.has_attr(&name) {
                        return self.fail("duplicate attribute");
                    }
                    e.attrs_mut().push(crate::tree::Attr { name, value });
                    self.pos = start + len + 1;
                }
                Some(_) => return self.fail("attributes must be separated by space"),
                None => return self.fail("unterminated start tag"),
            }
        }
    }
}

/// The character a predefined entity or character reference stands for.
fn reference(r: &str) -> Option<char> {
    match r {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => char_reference(r),
    }
}

fn char_reference(r: &str) -> Option<char> {
    let code = if let Some(hex) = r.strip_prefix("#x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok()?
    } else if let Some(dec) = r.strip_prefix('#') {
        if dec.is_empty() || !dec.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        dec.parse().ok()?
    } else {
        return None;
    };
    let c = char::from_u32(code)?;
    let is_xml_char = matches!(code, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..);
    is_xml_char.then_some(c)
}

/// An element being parsed, with libxml2's per-element blank state
/// (`*ctxt->space == -2`: blanks are no longer ignorable here).
struct Open {
    element: Element,
    keeps_blanks: bool,
}

impl Open {
    fn new(element: Element) -> Self {
        Open {
            element,
            keeps_blanks: false,
        }
    }
}

enum Tag {
    Empty(Element),
    Open(Element),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Element {
        parse_document(s.as_bytes()).unwrap()
    }

    #[test]
    fn attributes_are_decoded_and_normalised() {
        let e = p("<a x='1&lt;2' y=\"a\tb\nc&#10;d\"/>");
        assert_eq!(e.attr("x"), Some("1<2"));
        assert_eq!(e.attr("y"), Some("a b c\nd"));
    }

    #[test]
    fn blanks_follow_libxml2_heuristic() {
        let e = p("<a>\n  <b>  </b>\n  <c/>\n</a>");
        assert_eq!(e.children.len(), 2);
        let b = e.first_element("b").unwrap();
        assert_eq!(b.children, vec![Node::Text("  ".into())]);
        let e = p("<a>x <b/> </a>");
        assert_eq!(e.children.len(), 3);
    }

    #[test]
    fn declines_what_it_does_not_model() {
        for bad in [
            "<a xmlns='u'/>",
            "<x:a/>",
            "<!DOCTYPE a><a/>",
            "<a>",
            "<a></b>",
            "<a b='1' b='2'/>",
            "<a>&foo;</a>",
            "<a>\r\n</a>",
            "",
            "<a/><b/>",
            "<a b='<'/>",
            "<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
        ] {
            assert!(parse_document(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(parse_document(deep.as_bytes()).is_err());
        let ok = "<a>".repeat(200) + &"</a>".repeat(200);
        assert!(parse_document(ok.as_bytes()).is_ok());
    }
}
