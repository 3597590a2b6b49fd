//! Fast path for `cibadmin --md5-sum[-versioned] -x FILE`: hash the
//! Pacemaker text form of a file while reading it, without building a tree.
//!
//! The digest is MD5 over `pcmk__xml2text()` of the parsed, text-stripped
//! document (`filename2xml`). For the plain, well-formed documents CIBs are
//! (elements, attributes, comments, text that gets stripped anyway) this
//! scanner produces that text directly; for anything else (an XML
//! declaration, CDATA, processing instructions, namespaces, carriage
//! returns, unusual characters, any syntax error) it declines and the
//! caller takes the general path (parser, tree, libxml2 recovery), so the
//! result is the reference's in every case.

use std::borrow::Cow;

use md5::{Digest, Md5};

use pcmk_xml::digest::is_filterable;
use pcmk_xml::text::escape_value;
use pcmk_xml::version::compare_version;

/// Which digest to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `calculate_on_disk_digest`.
    OnDisk,
    /// `calculate_xml_versioned_digest(xml, FALSE, TRUE, crm_feature_set)`.
    Versioned,
}

/// The digest and the root's `crm_feature_set`, or `None` to decline.
pub fn fast_digest(input: &[u8], kind: Kind) -> Option<(String, Option<String>)> {
    let text = std::str::from_utf8(input).ok()?;
    if text.contains('\r') {
        return None;
    }
    let mut s = Scanner {
        b: text.as_bytes(),
        t: text,
        pos: 0,
        attrs: Vec::with_capacity(16),
    };
    s.skip_blanks();
    if s.peek()? != b'<' || s.b.get(s.pos + 1).is_some_and(|&c| c == b'?' || c == b'!') {
        return None;
    }
    let (name, empty) = s.start_tag()?;
    let version = s
        .attrs
        .iter()
        .find(|a| a.name == "crm_feature_set")
        .map(|a| a.value.to_string());
    let (v2, filter) = match kind {
        Kind::OnDisk => (false, false),
        Kind::Versioned => {
            let v2 = version
                .as_deref()
                .is_some_and(|v| compare_version(Some("3.0.5"), Some(v)) <= 0);
            (v2, v2)
        }
    };
    let mut out = Out {
        md5: Md5::new(),
        buf: Vec::with_capacity(1 << 16),
        filter,
    };
    if !v2 {
        out.buf.push(b' ');
    }
    out.start_tag(name, &s.attrs);
    let mut stack: Vec<(&str, bool)> = Vec::with_capacity(32);
    if empty {
        out.buf.extend_from_slice(b"/>");
    } else {
        stack.push((name, false));
    }
    while let Some(&(open, has_children)) = stack.last() {
        match s.peek()? {
            b'<' => {
                if s.starts_with(b"</") {
                    s.pos += 2;
                    let n = s.name()?;
                    if n != open {
                        return None;
                    }
                    s.skip_blanks();
                    if s.peek()? != b'>' {
                        return None;
                    }
                    s.pos += 1;
                    if has_children {
                        out.buf.extend_from_slice(b"</");
                        out.buf.extend_from_slice(open.as_bytes());
                        out.buf.push(b'>');
                    } else {
                        out.buf.extend_from_slice(b"/>");
                    }
                    stack.pop();
                } else if s.starts_with(b"<!--") {
                    let body = s.comment()?;
                    open_parent(&mut out, &mut stack);
                    out.buf.extend_from_slice(b"<!--");
                    out.buf.extend_from_slice(body.as_bytes());
                    out.buf.extend_from_slice(b"-->");
                } else if s.starts_with(b"<!") || s.starts_with(b"<?") {
                    return None;
                } else {
                    let (n, empty) = s.start_tag()?;
                    if stack.len() > 200 {
                        return None;
                    }
                    open_parent(&mut out, &mut stack);
                    out.start_tag(n, &s.attrs);
                    if empty {
                        out.buf.extend_from_slice(b"/>");
                    } else {
                        stack.push((n, false));
                    }
                }
            }
            _ => s.text()?,
        }
        out.flush_if_full();
    }
    s.skip_blanks();
    if s.pos != s.b.len() {
        return None;
    }
    if !v2 {
        out.buf.push(b'\n');
    }
    out.md5.update(&out.buf);
    let sum = out.md5.finalize();
    let mut hex = String::with_capacity(32);
    for b in sum {
        hex.push_str(&format!("{b:02x}"));
    }
    Some((hex, version))
}

/// The parent of the next child turns out to be non-empty: close its tag.
fn open_parent(out: &mut Out, stack: &mut [(&str, bool)]) {
    if let Some(top) = stack.last_mut() {
        if !top.1 {
            out.buf.push(b'>');
            top.1 = true;
        }
    }
}

struct Out {
    md5: Md5,
    buf: Vec<u8>,
    filter: bool,
}

impl Out {
    fn start_tag(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        for a in attrs {
            if self.filter && is_filterable(a.name) {
                continue;
            }
            self.buf.push(b' ');
            self.buf.extend_from_slice(a.name.as_bytes());
            self.buf.extend_from_slice(b"=\"");
            if a.plain {
                self.buf.extend_from_slice(a.value.as_bytes());
            } else {
                self.buf
                    .extend_from_slice(escape_value(&a.value).as_bytes());
            }
            self.buf.push(b'"');
        }
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= 1 << 15 {
            self.md5.update(&self.buf);
            self.buf.clear();
        }
    }
}

/// Byte classes of attribute values: what a value holding the byte needs.
const REJECT: u8 = 1;
const DECODE: u8 = 2;
const WIDE: u8 = 4;
const NOT_PLAIN: u8 = 8;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'<' => REJECT,
            b'&' | b'\t' | b'\n' => DECODE | NOT_PLAIN,
            0..=0x1f | 0x7f => REJECT,
            0x80..=0xff => WIDE | NOT_PLAIN,
            b'>' | b'"' | b'\'' => NOT_PLAIN,
            _ => 0,
        };
        i += 1;
    }
    t
};

/// A decoded attribute; `plain` when escaping would not change it.
struct Attr<'a> {
    name: &'a str,
    value: Cow<'a, str>,
    plain: bool,
}

struct Scanner<'a> {
    b: &'a [u8],
    t: &'a str,
    pos: usize,
    /// The attributes of the last start tag.
    attrs: Vec<Attr<'a>>,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

/// A decoded character the parser accepts in content and values.
fn acceptable(c: char) -> bool {
    let u = c as u32;
    (u >= 0x20 || c == '\t' || c == '\n') && !matches!(u, 0xD800..=0xDFFF | 0xFFFE | 0xFFFF)
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts_with(&self, p: &[u8]) -> bool {
        self.b[self.pos..].starts_with(p)
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if !self
            .peek()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        {
            return None;
        }
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            self.pos += 1;
        }
        if self.peek().is_some_and(|b| b == b':' || b >= 0x80) || self.pos - start > 1000 {
            return None;
        }
        Some(&self.t[start..self.pos])
    }

    /// `<name attr="value"...>` or `.../>`: the name and whether the
    /// element is empty; the decoded attributes are left in `self.attrs`.
    fn start_tag(&mut self) -> Option<(&'a str, bool)> {
        self.pos += 1;
        let name = self.name()?;
        self.attrs.clear();
        loop {
            let had_space = self.peek().is_some_and(is_blank);
            self.skip_blanks();
            match self.peek()? {
                b'/' => {
                    if self.b.get(self.pos + 1) != Some(&b'>') {
                        return None;
                    }
                    self.pos += 2;
                    return Some((name, true));
                }
                b'>' => {
                    self.pos += 1;
                    return Some((name, false));
                }
                _ if had_space => {
                    let n = self.name()?;
                    if n == "xmlns" || self.attrs.iter().any(|a| a.name == n) {
                        return None;
                    }
                    self.skip_blanks();
                    if self.peek()? != b'=' {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_blanks();
                    let quote = self.peek()?;
                    if quote != b'"' && quote != b'\'' {
                        return None;
                    }
                    self.pos += 1;
                    let start = self.pos;
                    let len = self.t[start..].find(char::from(quote))?;
                    let i = start + len;
                    let cls = self.b[start..i]
                        .iter()
                        .fold(0u8, |acc, &b| acc | CLASS[usize::from(b)]);
                    if cls & REJECT != 0 {
                        return None;
                    }
                    let (decode, wide, plain) =
                        (cls & DECODE != 0, cls & WIDE != 0, cls & NOT_PLAIN == 0);
                    if i - start > 1_000_000 {
                        return None;
                    }
                    let raw = &self.t[start..i];
                    let value = if decode {
                        Cow::Owned(decode_value(raw)?)
                    } else {
                        if wide && !raw.chars().all(acceptable) {
                            return None;
                        }
                        Cow::Borrowed(raw)
                    };
                    self.attrs.push(Attr {
                        name: n,
                        value,
                        plain,
                    });
                    self.pos = i + 1;
                }
                _ => return None,
            }
        }
    }

    fn comment(&mut self) -> Option<&'a str> {
        let start = self.pos + 4;
        let end = start + self.t[start..].find("--")?;
        if self.b.get(end + 2) != Some(&b'>') {
            return None;
        }
        let body = &self.t[start..end];
        if !body.chars().all(acceptable) {
            return None;
        }
        self.pos = end + 3;
        Some(body)
    }

    /// Character data (stripped from the result, but it must be valid).
    fn text(&mut self) -> Option<()> {
        let start = self.pos;
        let len = self.t[start..].find('<')?;
        let raw = &self.t[start..start + len];
        let cls = raw.bytes().fold(0u8, |acc, b| acc | CLASS[usize::from(b)]);
        // In text, '&' starts a reference we do not decode (decline), and
        // tabs and newlines are fine.
        if cls & REJECT != 0
            || (cls & DECODE != 0 && raw.contains('&'))
            || raw.contains("]]>")
            || (cls & WIDE != 0 && !raw.chars().all(acceptable))
        {
            return None;
        }
        self.pos = start + len;
        Some(())
    }
}

/// Attribute value with references decoded and tabs/newlines normalised to
/// spaces; `None` for anything unusual.
fn decode_value(raw: &str) -> Option<String> {
    if !raw.contains(['&', '\t', '\n']) {
        return raw.chars().all(acceptable).then(|| raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.as_bytes()[0] != b'&' {
            out.push(' ');
            rest = &tail[1..];
            continue;
        }
        let semi = tail.find(';')?;
        let c = match &tail[1..semi] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            r => {
                let n = if let Some(h) = r.strip_prefix("#x") {
                    if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    u32::from_str_radix(h, 16).ok()?
                } else if let Some(d) = r.strip_prefix('#') {
                    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    d.parse().ok()?
                } else {
                    return None;
                };
                char::from_u32(n)?
            }
        };
        out.push(c);
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out.chars().all(acceptable).then_some(out)
}
