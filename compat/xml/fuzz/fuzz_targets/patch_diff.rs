//! Diffing any two documents never panics, in either format and mode; and
//! when the trees are ones the reference's matching handles exactly
//! (elements only, sibling name/id pairs unique, ids a patch path can
//! carry), applying the format-2 patch gives the new tree. Input: the old
//! document, a NUL byte, the new one.
#![no_main]

use std::collections::{HashMap, HashSet};

use libfuzzer_sys::fuzz_target;
use pcmk_xml::patchset::{
    add_digest, apply_patchset, calculate_changes, create_patchset, CalcOptions,
};
use pcmk_xml::{read_string, Element, Node};

/// Elements only; attribute names unique; ids a patch path can carry; and no element the
/// reference could take for another (an element without id matches any
/// element of its name under the same parent, in either tree).
fn exact(e: &Element, path: String, shapes: &mut HashMap<(String, String), (bool, bool)>) -> bool {
    // libxml2's recovery can leave an attribute twice.
    let mut names = HashSet::new();
    if !e.attrs().iter().all(|a| names.insert(a.name.as_str())) {
        return false;
    }
    let mut seen = HashSet::new();
    e.children.iter().all(|c| match c {
        Node::Element(c) => {
            let id_ok = c.id().is_none_or(|id| {
                !id.is_empty()
                    && !id.contains(['\'', '/', '[', ' ', '\t', '\n', '\r', '\x0b', '\x0c'])
            });
            let entry = shapes
                .entry((path.clone(), c.name().to_owned()))
                .or_insert((false, false));
            match c.id() {
                None => entry.0 = true,
                Some(_) => entry.1 = true,
            }
            let clash = entry.0 && entry.1;
            let child = format!("{path}/{}[{}]", c.name(), c.id().unwrap_or(""));
            id_ok && !clash && seen.insert((c.name(), c.id())) && exact(c, child, shapes)
        }
        _ => false,
    })
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (a, b) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let (Some(a), Some(b)) = (read_string(a).root, read_string(b).root) else {
        return;
    };
    for format in [1, 2] {
        for significant_only in [false, true] {
            let mut changes = calculate_changes(&a, &b, CalcOptions { significant_only });
            let Ok(Some(created)) = create_patchset(format, &a, &mut changes, significant_only)
            else {
                continue;
            };
            let target = changes.accept();
            let mut patch = created.patch;
            add_digest(&mut patch, &a, &target, true);
            let applied = apply_patchset(&a, &patch, significant_only);
            let faithful = format == 2
                && !significant_only
                && {
                    let mut shapes = HashMap::new();
                    exact(&a, String::new(), &mut shapes) && exact(&b, String::new(), &mut shapes)
                }
                && a.name() == b.name()
                && a.id() == b.id()
                && a.attr("crm_feature_set") == b.attr("crm_feature_set");
            if faithful {
                assert_eq!(applied.as_ref(), Ok(&target));
            }
        }
    }
});
