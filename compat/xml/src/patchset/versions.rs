//! Patch versions: which CIB version a patch applies to and produces
//! (`xml_patch_versions`), and whether it fits a given CIB
//! (`xml_patch_version_check`).

use pcmk_results::Rc;

use crate::tree::Element;

use super::VERSION_FIELDS;

/// A CIB version: `admin_epoch`, `epoch`, `num_updates`.
pub type Version = [i32; 3];

/// `crm_element_value_int`: `None` when the attribute is absent; `-1`
/// when it does not hold an integer in `int` range (leading blanks, a sign
/// and trailing garbage are accepted, as `strtoll` does).
#[doc(alias = "crm_element_value_int")]
pub fn element_int(e: &Element, name: &str) -> Option<i32> {
    e.attr(name).map(parse_int)
}

/// The integer `pcmk__scan_ll` reads, narrowed to `int`, or -1.
pub(crate) fn parse_int(text: &str) -> i32 {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut value: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b[i] - b'0')))
        {
            Some(v) => v,
            None => return -1,
        };
        i += 1;
    }
    if i == start {
        return -1;
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).unwrap_or(-1)
}

/// The patch format (`format` attribute, 1 when absent).
pub fn patch_format(patch: &Element) -> i32 {
    element_int(patch, "format").unwrap_or(1)
}

/// The element holding a patch's "from" (`added == false`) or "to"
/// version, or `Err(())` for an unknown format.
fn version_node(patch: &Element, format: i32, added: bool) -> Result<Option<&Element>, ()> {
    match format {
        1 => {
            let section = patch.first_element(if added { "diff-added" } else { "diff-removed" });
            Ok(section.map(|s| s.first_element("cib").unwrap_or(s)))
        }
        2 => Ok(patch
            .first_element("version")
            .and_then(|v| v.first_element(if added { "target" } else { "source" }))),
        _ => Err(()),
    }
}

/// Read the versions a patch goes from (`del`) and to (`add`) into the
/// given defaults; fields the patch lacks keep their default
/// (`xml_patch_versions`). Returns `false` for an unknown format.
#[doc(alias = "xml_patch_versions")]
pub fn patch_versions(patch: &Element, add: &mut Version, del: &mut Version) -> bool {
    let format = patch_format(patch);
    for (target, added) in [(del, false), (add, true)] {
        match version_node(patch, format, added) {
            Err(()) => return false,
            Ok(Some(node)) => {
                for (i, field) in VERSION_FIELDS.iter().enumerate() {
                    if let Some(v) = element_int(node, field) {
                        target[i] = v;
                    }
                }
            }
            Ok(None) => {}
        }
    }
    true
}

/// The version triple of a CIB root (missing fields are 0, negative ones
/// count as 0).
pub fn cib_version(cib: &Element) -> Version {
    let mut this = [0; 3];
    for (i, field) in VERSION_FIELDS.iter().enumerate() {
        if let Some(v) = element_int(cib, field) {
            this[i] = v.max(0);
        }
    }
    this
}

/// Whether `patch` applies to `cib`: its source version must equal the
/// CIB's (lower: [`Rc::DIFF_RESYNC`], higher: [`Rc::OLD_DATA`]) and its
/// target version must be newer ([`Rc::OLD_DATA`] otherwise).
#[doc(alias = "xml_patch_version_check")]
pub fn patch_version_check(cib: &Element, patch: &Element) -> Result<(), Rc> {
    let this = cib_version(cib);
    let mut add = [this[0], this[1], this[2] + 1];
    let mut del = this;
    patch_versions(patch, &mut add, &mut del);
    for i in 0..3 {
        if this[i] < del[i] {
            return Err(Rc::DIFF_RESYNC);
        } else if this[i] > del[i] {
            return Err(Rc::OLD_DATA);
        }
    }
    if (0..3).any(|i| add[i] > del[i]) {
        Ok(())
    } else {
        Err(Rc::OLD_DATA)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_like_strtoll() {
        assert_eq!(parse_int("12"), 12);
        assert_eq!(parse_int("  -3x"), -3);
        assert_eq!(parse_int("2.0"), 2);
        assert_eq!(parse_int("zz"), -1);
        assert_eq!(parse_int(""), -1);
        assert_eq!(parse_int("99999999999"), -1);
        assert_eq!(parse_int("99999999999999999999999"), -1);
    }

    #[test]
    fn version_check_outcomes() {
        let cib = Element::new("cib")
            .with_attr("admin_epoch", "0")
            .with_attr("epoch", "5")
            .with_attr("num_updates", "2");
        let patch = |src: &str, tgt: &str| {
            crate::parse(&format!(
                r#"<diff format="2"><version><source {src}/><target {tgt}/></version></diff>"#
            ))
            .unwrap()
        };
        let ok = patch(
            r#"admin_epoch="0" epoch="5" num_updates="2""#,
            r#"admin_epoch="0" epoch="5" num_updates="3""#,
        );
        assert_eq!(patch_version_check(&cib, &ok), Ok(()));
        let ahead = patch(
            r#"admin_epoch="0" epoch="6" num_updates="0""#,
            r#"admin_epoch="0" epoch="7" num_updates="0""#,
        );
        assert_eq!(patch_version_check(&cib, &ahead), Err(Rc::DIFF_RESYNC));
        let behind = patch(
            r#"admin_epoch="0" epoch="4" num_updates="0""#,
            r#"admin_epoch="0" epoch="5" num_updates="0""#,
        );
        assert_eq!(patch_version_check(&cib, &behind), Err(Rc::OLD_DATA));
        let same = patch(
            r#"admin_epoch="0" epoch="5" num_updates="2""#,
            r#"admin_epoch="0" epoch="5" num_updates="2""#,
        );
        assert_eq!(patch_version_check(&cib, &same), Err(Rc::OLD_DATA));
    }
}
