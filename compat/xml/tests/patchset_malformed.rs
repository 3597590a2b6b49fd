//! Malformed patches never panic the applier.
//!
//! Valid patches (both formats) are mangled at random, seeded: operations,
//! paths, positions, formats, digests and versions replaced with junk,
//! parts removed or duplicated, sections multiplied; random trees are also
//! used as patches outright. Each is applied to its source tree with and
//! without version checking; any result is fine except a panic, and an
//! error must map to a non-zero return code. The indexed applier must give
//! exactly what the plain linear searches give.

#[path = "support/edits.rs"]
mod edits;

use edits::Rng;
use pcmk_results::Rc;
use pcmk_xml::patchset::{self, apply_patchset, calculate_changes, create_patchset, CalcOptions};
use pcmk_xml::{Element, Node};

const JUNK: &[&str] = &[
    "",
    "-1",
    "0",
    "1",
    "2",
    "3",
    "2.0",
    "zz",
    "99999999999999999999",
    "-2147483649",
    " 7",
    "/",
    "//",
    "/cib",
    "cib",
    "/cib/configuration/nodes/node[@id='",
    "/cib/[@id='x']",
    "/cib/comment",
    "/*",
    "create",
    "delete",
    "modify",
    "move",
    "bogus",
    "removed:top",
    "added:top",
];

/// Mangle one element of the patch (recursively picks a random spot).
fn mangle(e: &mut Element, rng: &mut Rng, depth: usize) {
    let elements: Vec<usize> = e
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Node::Element(_)))
        .map(|(i, _)| i)
        .collect();
    if !elements.is_empty() && depth < 6 && rng.chance(60) {
        let i = *rng.pick(&elements);
        if let Node::Element(c) = &mut e.children[i] {
            mangle(c, rng, depth + 1);
        }
        return;
    }
    match rng.below(9) {
        0 => {
            let name = *rng.pick(&[
                "operation",
                "path",
                "position",
                "format",
                "digest",
                "name",
                "value",
                "id",
                patchset::DIFF_MARKER,
                "admin_epoch",
                "epoch",
                "num_updates",
            ]);
            e.set_attr(name, *rng.pick(JUNK));
        }
        1 => {
            if !e.attrs().is_empty() {
                let i = rng.below(e.attrs().len());
                e.attrs_mut().remove(i);
            }
        }
        2 => {
            if !e.children.is_empty() {
                let i = rng.below(e.children.len());
                e.children.remove(i);
            }
        }
        3 => {
            if !e.children.is_empty() {
                let i = rng.below(e.children.len());
                let c = e.children[i].clone();
                e.children.push(c);
            }
        }
        4 => e.children.clear(),
        5 => e.children.push(Node::Comment("junk".into())),
        6 => e.children.push(Node::Text("text".into())),
        7 => {
            let name = *rng.pick(&[
                "change",
                "change-result",
                "change-list",
                "version",
                "diff-added",
                "diff-removed",
                "cib",
            ]);
            e.set_name(name);
        }
        _ => {
            if let Some(p) = e.attr("path").map(str::to_owned) {
                let cut = rng.below(p.len() + 1);
                let mut q = p[..p.floor_char_boundary(cut)].to_owned();
                let tails: &[&str] = &["", "'", "[", "/", " x", "//y", "[@id=''"];
                let tail: &&str = rng.pick(tails);
                q.push_str(tail);
                e.set_attr("path", q);
            }
        }
    }
}

#[test]
fn mangled_patches_do_not_panic() {
    let mut errors = 0;
    let mut applied = 0;
    let scale = std::env::var("ATRIUM_PATCHSET_SCALE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1);
    for seed in 0..4000 * scale.max(1) {
        let mut rng = Rng::new(seed);
        let mut serial = 0;
        let mut a = edits::random_tree(&mut rng, &mut serial, 3, true);
        if rng.chance(50) {
            a.set_name("cib");
        }
        let count = 1 + rng.below(5);
        let b = edits::edit(&a, &mut rng, count);
        let format = 1 + rng.below(2) as i32;
        let mut changes = calculate_changes(&a, &b, CalcOptions::default());
        let mut patch = match create_patchset(format, &a, &mut changes, rng.chance(50)) {
            Ok(Some(c)) => c.patch,
            _ => Element::new("diff").with_attr("format", format.to_string()),
        };
        if rng.chance(5) {
            // A random tree as a patch.
            patch = edits::random_tree(&mut rng, &mut serial, 3, true);
        }
        for _ in 0..1 + rng.below(4) {
            mangle(&mut patch, &mut rng, 0);
        }
        for check in [false, true] {
            let plain = patchset::apply_patchset_unindexed(&a, &patch, check);
            let indexed = apply_patchset(&a, &patch, check);
            assert_eq!(indexed, plain, "seed {seed}: indexes change the outcome");
            match indexed {
                Ok(_) => applied += 1,
                Err(e) => {
                    assert_ne!(e.rc(), Rc::OK, "seed {seed}: {e}");
                    assert!(!e.to_string().is_empty());
                    errors += 1;
                }
            }
        }
    }
    // Both outcomes must occur, or the mangling is not doing its job.
    assert!(
        errors > 100 && applied > 100,
        "{errors} errors, {applied} applied"
    );
}
