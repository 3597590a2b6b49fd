//! Pacemaker's MD5 digests of XML (lowercase hex).
//!
//! - [`on_disk`]: what `cib.xml.sig` holds and `cibadmin --md5-sum` prints
//!   (v1: `" " + unformatted text + "\n"`).
//! - [`versioned`]: what CIB peers compare and `--md5-sum-versioned` prints:
//!   v1 for feature sets older than 3.0.5, else v2 (the unformatted text,
//!   optionally without the attributes of [`is_filterable`]).
//! - [`operation`]: resource parameter digests (v1 over a copy with every
//!   element's attributes sorted by name).

use md5::{Digest, Md5};

use crate::text::{to_text, TextOptions};
use crate::tree::{Element, Node};
use crate::version::compare_version;

/// Attributes that CIB digests leave out: they differ between nodes.
#[doc(alias = "pcmk__xa_filterable")]
pub fn is_filterable(name: &str) -> bool {
    matches!(
        name,
        "crm-debug-origin" | "cib-last-written" | "update-origin" | "update-client" | "update-user"
    )
}

/// MD5 of a string as 32 lowercase hex digits (`crm_md5sum`). Like the C
/// code, the input ends at its first NUL byte.
#[doc(alias = "crm_md5sum")]
pub fn md5_hex(text: &str) -> String {
    let bytes = text.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let sum = Md5::digest(&bytes[..end]);
    let mut out = String::with_capacity(32);
    for b in sum {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// v1 digest: `" " + text + "\n"`, optionally of a sorted copy.
#[doc(alias = "calculate_xml_digest_v1")]
pub fn v1(e: &Element, sort: bool) -> String {
    let sorted;
    let e = if sort {
        sorted = sorted_copy(e);
        &sorted
    } else {
        e
    };
    let mut buf = String::with_capacity(1024);
    buf.push(' ');
    crate::text::write_element(e, TextOptions::UNFORMATTED, &mut buf, 0);
    buf.push('\n');
    md5_hex(&buf)
}

/// v2 digest: the unformatted text, optionally filtered.
#[doc(alias = "calculate_xml_digest_v2")]
pub fn v2(e: &Element, filter: bool) -> String {
    let opts = if filter {
        TextOptions::FILTERED
    } else {
        TextOptions::UNFORMATTED
    };
    md5_hex(&to_text(e, opts))
}

/// The on-disk digest (`calculate_on_disk_digest`).
#[doc(alias = "calculate_on_disk_digest")]
pub fn on_disk(e: &Element) -> String {
    v1(e, false)
}

/// The operation digest (`calculate_operation_digest`).
#[doc(alias = "calculate_operation_digest")]
pub fn operation(e: &Element) -> String {
    v1(e, true)
}

/// The versioned digest (`calculate_xml_versioned_digest`): v1 (which
/// ignores `filter`) when `version` is absent or older than 3.0.5, else v2.
#[doc(alias = "calculate_xml_versioned_digest")]
pub fn versioned(e: &Element, sort: bool, filter: bool, version: Option<&str>) -> String {
    match version {
        Some(v) if compare_version(Some("3.0.5"), Some(v)) <= 0 => v2(e, filter),
        _ => v1(e, sort),
    }
}

/// A copy with every element's attributes sorted by name (`sorted_xml`).
/// Non-element children come out as elements named after their node kind,
/// as the C code does (it copies them by their libxml2 names).
#[doc(alias = "sorted_xml")]
pub fn sorted_copy(e: &Element) -> Element {
    let mut out = Element::new(e.name());
    let mut attrs: Vec<_> = e.attrs().to_vec();
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    *out.attrs_mut() = attrs;
    for c in &e.children {
        let child = match c {
            Node::Element(child) => sorted_copy(child),
            Node::Text(_) => Element::new("text"),
            Node::Comment(_) => Element::new("comment"),
            Node::CData(_) => Element::new("cdata"),
            Node::Pi { target, .. } => Element::new(target.as_str()),
        };
        out.children.push(Node::Element(child));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_parameters_digest() {
        // Ref: /work/shared/notes/libqb-ipc-and-pacemaker-wire.md §4, verified
        // there against the reference: " <parameters/>\n".
        assert_eq!(
            md5_hex(" <parameters/>\n"),
            operation(&Element::new("parameters"))
        );
    }

    #[test]
    fn versioned_picks_v1_for_old_feature_sets() {
        let e = Element::new("cib").with_attr("cib-last-written", "x");
        assert_eq!(versioned(&e, false, true, Some("3.0.1")), v1(&e, false));
        assert_eq!(versioned(&e, false, true, None), v1(&e, false));
        assert_eq!(
            versioned(&e, false, true, Some("3.16.1")),
            md5_hex("<cib/>")
        );
    }
}
