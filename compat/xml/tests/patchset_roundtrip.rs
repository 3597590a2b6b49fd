//! Property: a format-2 patchset from `a` to `b`, applied to `a`, gives
//! `b` exactly (attribute order and element positions included), digest
//! and version checks passing; and a patch that the version check refuses
//! is refused for the reason the versions give.
//!
//! Trees are random (seeded), or scheduler corpus CIBs when present, edited
//! by changes that keep sibling name/id pairs unique, in trees without
//! comments (the reference's matching cannot tell duplicates apart and
//! loses comments that change position; the differential test in
//! tests/tests/crm_diff.rs covers those cases against the reference).

#[path = "support/edits.rs"]
mod edits;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use edits::{Rng, FAITHFUL_KINDS};
use pcmk_results::Rc;
use pcmk_xml::patchset::{
    self, add_digest, apply_patchset, calculate_changes, create_patchset, CalcOptions,
};
use pcmk_xml::{Element, Node};

/// How many seeds to try: `default`, times `ATRIUM_PATCHSET_SCALE` when set
/// (for longer local runs).
fn seeds(default: u64) -> u64 {
    let scale = std::env::var("ATRIUM_PATCHSET_SCALE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1);
    default * scale.max(1)
}

/// Diff, apply, compare; returns whether there was any change.
fn check_roundtrip(a: &Element, b: &Element, what: &str) -> bool {
    let mut changes = calculate_changes(a, b, CalcOptions::default());
    let created = create_patchset(2, a, &mut changes, false).expect("format 2 is known");
    let Some(created) = created else {
        assert_eq!(a, b, "{what}: no change found but trees differ");
        return false;
    };
    let target = changes.accept();
    assert_eq!(
        &target, b,
        "{what}: accepted target differs from the new tree"
    );
    let mut patch = created.patch;
    // The digest is taken with the source's feature set and checked with
    // the result's; both sides must agree on it for a round trip.
    if a.attr("crm_feature_set") == b.attr("crm_feature_set") {
        add_digest(&mut patch, a, &target, true);
    }
    let applied = apply_patchset(a, &patch, false)
        .unwrap_or_else(|e| panic!("{what}: patch did not apply: {e}\n{}", patch.to_formatted()));
    assert_eq!(
        &applied,
        b,
        "{what}: applied patch gives another tree\npatch:\n{}",
        patch.to_formatted()
    );
    true
}

#[test]
fn random_trees_roundtrip() {
    let mut changed = 0;
    let n = seeds(3000);
    for seed in 0..n {
        let mut rng = Rng::new(seed);
        let mut serial = 0;
        let a = edits::random_tree(&mut rng, &mut serial, 4, false);
        let count = 1 + rng.below(6);
        let b = edits::edit_with(&a, &mut rng, count, FAITHFUL_KINDS);
        if check_roundtrip(&a, &b, &format!("seed {seed}")) {
            changed += 1;
        }
    }
    // Most edits change something; a run where nothing did tests nothing.
    assert!(
        changed * 6 > n * 5,
        "only {changed} of {n} edits changed the tree"
    );
}

#[test]
fn versions_are_managed_and_checked() {
    for seed in 0..seeds(500) {
        let mut rng = Rng::new(seed);
        let mut serial = 0;
        let mut a = edits::random_tree(&mut rng, &mut serial, 3, false);
        a.set_name("cib");
        a.set_attr("admin_epoch", "0");
        a.set_attr("epoch", (rng.below(10) + 1).to_string());
        a.set_attr("num_updates", rng.below(10).to_string());
        if rng.chance(50) {
            a.push_element(Element::new("configuration").with_child(Element::new("nodes")));
        }
        let count = 1 + rng.below(4);
        let mut b = edits::edit_with(&a, &mut rng, count, FAITHFUL_KINDS);
        for f in patchset::VERSION_FIELDS {
            if let Some(v) = a.attr(f) {
                b.set_attr(f, v);
            }
        }
        let mut changes = calculate_changes(&a, &b, CalcOptions::default());
        let Some(created) = create_patchset(2, &a, &mut changes, true).unwrap() else {
            continue;
        };
        let target = changes.accept();
        let before = patchset::versions::cib_version(&a);
        let after = patchset::versions::cib_version(&target);
        if created.config_changed {
            assert_eq!(after, [before[0], before[1] + 1, 0], "seed {seed}");
        } else {
            assert_eq!(after, [before[0], before[1], before[2] + 1], "seed {seed}");
        }
        let mut patch = created.patch;
        add_digest(&mut patch, &a, &target, true);
        // Applies to the source version...
        let applied = apply_patchset(&a, &patch, true)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{}", patch.to_formatted()));
        assert_eq!(applied, target, "seed {seed}");
        // ...not again to its own result, nor to an older CIB.
        let again = apply_patchset(&target, &patch, true).unwrap_err();
        assert_eq!(again.rc(), Rc::OLD_DATA, "seed {seed}");
        let mut older = a.clone();
        older.set_attr("num_updates", (before[2] - 1).to_string());
        if before[2] > 0 {
            let e = apply_patchset(&older, &patch, true).unwrap_err();
            assert_eq!(e.rc(), Rc::DIFF_RESYNC, "seed {seed}");
        }
    }
}

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = std::env::var_os("ATRIUM_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        })
        .join("scheduler/xml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    Some(files)
}

/// Whether the reference's matching could confuse elements of `a` and `b`:
/// an element without id matches any element of its name under the same
/// parent (in either tree), elements with the same name and id cannot be
/// told apart, and comments that change position get lost (see
/// [`edits::random_tree`]).
fn unsuitable(a: &Element, b: &Element) -> bool {
    let mut shapes = HashMap::new();
    !shapes_of(a, String::new(), &mut shapes) || !shapes_of(b, String::new(), &mut shapes)
}

/// Per parent path and child name: (tree generation, anonymous count, ids)
/// — returns false on a clash or a comment.
fn shapes_of(
    e: &Element,
    path: String,
    shapes: &mut HashMap<(String, String), (bool, bool)>,
) -> bool {
    let mut ids = HashSet::new();
    let mut anonymous = HashSet::new();
    for c in &e.children {
        match c {
            Node::Element(c) => {
                let entry = shapes
                    .entry((path.clone(), c.name().to_owned()))
                    .or_insert((false, false));
                match c.id() {
                    None => {
                        entry.0 = true;
                        if !anonymous.insert(c.name()) {
                            return false;
                        }
                    }
                    Some(id) => {
                        entry.1 = true;
                        if !ids.insert((c.name(), id)) {
                            return false;
                        }
                    }
                }
                if entry.0 && entry.1 {
                    return false;
                }
                let child = format!("{path}/{}[{}]", c.name(), c.id().unwrap_or(""));
                if !shapes_of(c, child, shapes) {
                    return false;
                }
            }
            Node::Comment(_) => return false,
            _ => {}
        }
    }
    true
}

#[test]
fn corpus_cibs_roundtrip() {
    let Some(files) = corpus() else {
        eprintln!("SKIPPED: conformance corpus not found (set ATRIUM_CONFORMANCE)");
        return;
    };
    let mut checked = 0;
    for (k, f) in files.iter().enumerate() {
        let Some(a) = pcmk_xml::read_file(f).ok().and_then(|p| p.root) else {
            continue;
        };
        if unsuitable(&a, &a) {
            continue;
        }
        let mut rng = Rng::new(k as u64);
        let count = 1 + rng.below(8);
        let b = edits::edit_with(&a, &mut rng, count, FAITHFUL_KINDS);
        if unsuitable(&a, &b) {
            continue;
        }
        check_roundtrip(&a, &b, &f.display().to_string());
        checked += 1;
    }
    assert!(
        checked > files.len() / 2,
        "only {checked} corpus files usable"
    );
}
