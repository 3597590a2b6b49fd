//! Seeded random edits of XML trees, for patchset tests.
//!
//! Shared by compat/xml/tests/patchset_*.rs and tests/tests/crm_diff.rs
//! (included with `#[path]`). Deterministic: the same seed gives the same
//! edits on the same input.

#![allow(dead_code)]

use pcmk_xml::{Element, Node};

/// SplitMix64: small, seedable, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Attribute values worth round-tripping: markup characters, quotes,
/// blanks, control characters and non-ASCII text.
const VALUES: &[&str] = &[
    "1",
    "0",
    "true",
    "false",
    "INFINITY",
    "-INFINITY",
    "node1 node2",
    "a \"quoted\" value",
    "it's",
    "<tag>",
    "a & b",
    "tab\there",
    "line\nbreak",
    "cr\rlf",
    "caf\u{e9} \u{65e5}\u{672c}",
    "\u{e9}<&>",
    "mixed ' \" < > &",
    "",
    " ",
    "x=1;y=2",
    "/path/to/thing",
];

const NAMES: &[&str] = &[
    "value",
    "name",
    "description",
    "score",
    "timeout",
    "interval",
    "target-role",
    "x-extra",
    "id-ref",
    "crm-debug-origin",
    "update-origin",
];

const TAGS: &[&str] = &[
    "nvpair",
    "primitive",
    "op",
    "meta_attributes",
    "rsc_location",
    "node",
    "extra",
];

/// A path to a node as child indexes from the root.
type Path = Vec<usize>;

fn all_elements(e: &Element, path: &mut Path, out: &mut Vec<Path>) {
    out.push(path.clone());
    for (i, c) in e.children.iter().enumerate() {
        if let Node::Element(ce) = c {
            path.push(i);
            all_elements(ce, path, out);
            path.pop();
        }
    }
}

fn at<'a>(e: &'a mut Element, path: &[usize]) -> &'a mut Element {
    match path.split_first() {
        None => e,
        Some((&i, rest)) => match &mut e.children[i] {
            Node::Element(c) => at(c, rest),
            _ => unreachable!("paths only lead through elements"),
        },
    }
}

/// A fresh element, sometimes with children.
fn new_element(rng: &mut Rng, serial: &mut u32, with_id: bool) -> Element {
    *serial += 1;
    let mut e = Element::new(*rng.pick(TAGS));
    if with_id {
        e.set_attr("id", format!("gen-{serial}"));
    }
    for _ in 0..rng.below(3) {
        let name = *rng.pick(NAMES);
        e.set_attr(name, *rng.pick(VALUES));
    }
    if rng.chance(25) {
        for _ in 0..1 + rng.below(2) {
            let child = new_element(rng, serial, true);
            e.push_element(child);
        }
    }
    e
}

/// The kinds of edit [`edit`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditKind {
    ChangeAttr,
    AddAttr,
    RemoveAttr,
    ReorderAttrs,
    RemoveElement,
    AddElement,
    MoveElement,
    Comment,
    ChangeId,
    Version,
    Duplicate,
    Rename,
    DropId,
    OddId,
    AddAnonymous,
}

const KINDS: &[EditKind] = &[
    EditKind::ChangeAttr,
    EditKind::ChangeAttr,
    EditKind::AddAttr,
    EditKind::RemoveAttr,
    EditKind::ReorderAttrs,
    EditKind::RemoveElement,
    EditKind::AddElement,
    EditKind::AddElement,
    EditKind::MoveElement,
    EditKind::MoveElement,
    EditKind::Comment,
    EditKind::ChangeId,
    EditKind::Version,
    EditKind::Duplicate,
    EditKind::Rename,
    EditKind::DropId,
    EditKind::OddId,
    EditKind::AddAnonymous,
];

/// The edits after which a format-2 patch must reproduce the new tree
/// exactly (in a tree without comments, see [`random_tree`]): no
/// duplicate name/id pairs among siblings, no ids that break patch paths.
pub const FAITHFUL_KINDS: &[EditKind] = &[
    EditKind::ChangeAttr,
    EditKind::AddAttr,
    EditKind::RemoveAttr,
    EditKind::ReorderAttrs,
    EditKind::RemoveElement,
    EditKind::AddElement,
    EditKind::MoveElement,
    EditKind::ChangeId,
    EditKind::Version,
    EditKind::Rename,
];

/// Ids that trip path handling: quotes, blanks, slashes, brackets.
const ODD_IDS: &[&str] = &["it's", "a b", "a/b", "x[1]", "tab\there", "caf\u{e9}", ""];

/// Apply `count` random edits of any kind to a copy of `e`.
pub fn edit(e: &Element, rng: &mut Rng, count: usize) -> Element {
    edit_with(e, rng, count, KINDS)
}

/// Apply `count` random edits of the given kinds to a copy of `e`.
pub fn edit_with(e: &Element, rng: &mut Rng, count: usize, kinds: &[EditKind]) -> Element {
    let mut out = e.clone();
    let mut serial = 0;
    for _ in 0..count {
        let kind = *rng.pick(kinds);
        edit_once(&mut out, rng, kind, &mut serial);
    }
    out
}

/// Make one edit of the given kind (some may turn out to be no-ops).
pub fn edit_once(root: &mut Element, rng: &mut Rng, kind: EditKind, serial: &mut u32) {
    let mut paths = Vec::new();
    all_elements(root, &mut Vec::new(), &mut paths);
    let path = rng.pick(&paths).clone();
    match kind {
        EditKind::ChangeAttr => {
            let target = at(root, &path);
            if target.attrs().is_empty() {
                return;
            }
            let i = rng.below(target.attrs().len());
            // Changing ids is ChangeId's and OddId's business.
            if target.attrs()[i].name == "id" {
                return;
            }
            target.attrs_mut()[i].value = (*rng.pick(VALUES)).to_owned();
        }
        EditKind::AddAttr => {
            let name = *rng.pick(NAMES);
            at(root, &path).set_attr(name, *rng.pick(VALUES));
        }
        EditKind::RemoveAttr => {
            let target = at(root, &path);
            if target.attrs().is_empty() {
                return;
            }
            let i = rng.below(target.attrs().len());
            // Dropping ids is DropId's business.
            if target.attrs()[i].name == "id" {
                return;
            }
            target.attrs_mut().remove(i);
        }
        EditKind::ReorderAttrs => {
            let target = at(root, &path);
            let attrs = target.attrs_mut();
            if attrs.len() < 2 {
                return;
            }
            let from = rng.below(attrs.len());
            let a = attrs.remove(from);
            let to = rng.below(attrs.len() + 1);
            attrs.insert(to, a);
        }
        EditKind::RemoveElement => {
            let Some((&last, parent)) = path.split_last() else {
                return;
            };
            at(root, parent).children.remove(last);
        }
        EditKind::AddElement | EditKind::AddAnonymous => {
            let child = new_element(rng, serial, kind == EditKind::AddElement);
            let target = at(root, &path);
            let pos = rng.below(target.children.len() + 1);
            target.children.insert(pos, Node::Element(child));
        }
        EditKind::MoveElement => {
            let Some((&last, parent)) = path.split_last() else {
                return;
            };
            let p = at(root, parent);
            let n = p.children.remove(last);
            let to = rng.below(p.children.len() + 1);
            p.children.insert(to, n);
        }
        EditKind::Comment => {
            let target = at(root, &path);
            let comments: Vec<usize> = target
                .children
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c, Node::Comment(_)))
                .map(|(i, _)| i)
                .collect();
            match (comments.is_empty(), rng.below(3)) {
                (false, 0) => {
                    let i = *rng.pick(&comments);
                    target.children.remove(i);
                }
                (false, 1) => {
                    let i = *rng.pick(&comments);
                    target.children[i] = Node::Comment(format!(" edited {} ", rng.below(100)));
                }
                _ => {
                    let pos = rng.below(target.children.len() + 1);
                    let text = format!(" comment {} ", rng.below(5));
                    target.children.insert(pos, Node::Comment(text));
                }
            }
        }
        EditKind::ChangeId => {
            if path.is_empty() {
                return;
            }
            let target = at(root, &path);
            if target.has_attr("id") {
                *serial += 1;
                target.set_attr("id", format!("renamed-{serial}"));
            }
        }
        EditKind::Version => {
            let field = *rng.pick(&["admin_epoch", "epoch", "num_updates"]);
            let value = match root.attr(field).map(str::parse::<i64>) {
                Some(Ok(v)) => (v + 1 + rng.below(2) as i64 - 1).to_string(),
                _ => rng.below(5).to_string(),
            };
            root.set_attr(field, value);
        }
        EditKind::Duplicate => {
            let Some((&last, parent)) = path.split_last() else {
                return;
            };
            let p = at(root, parent);
            let copy = p.children[last].clone();
            let to = rng.below(p.children.len() + 1);
            p.children.insert(to, copy);
        }
        EditKind::Rename => {
            if path.is_empty() {
                return;
            }
            let name = *rng.pick(TAGS);
            let target = at(root, &path);
            // Without an id, the renamed element could match a sibling
            // that has the new name.
            if target.has_attr("id") {
                target.set_name(name);
            }
        }
        EditKind::OddId => {
            if path.is_empty() {
                return;
            }
            let id = *rng.pick(ODD_IDS);
            at(root, &path).set_attr("id", id);
        }
        EditKind::DropId => {
            if path.is_empty() {
                return;
            }
            at(root, &path).remove_attr("id");
        }
    }
}

/// A random small tree with unique ids among siblings (so that
/// `apply(diff(a, b), a) == b` must hold).
///
/// With `comments`, some children are comments. Moving elements across
/// comments is where the reference's comment matching (content plus
/// position) loses track: it may create a comment again without deleting
/// the old one, so exact round trips need comment-free trees.
pub fn random_tree(rng: &mut Rng, serial: &mut u32, depth: usize, comments: bool) -> Element {
    *serial += 1;
    let mut e = Element::new(*rng.pick(TAGS));
    e.set_attr("id", format!("t{serial}"));
    for _ in 0..rng.below(4) {
        let name = *rng.pick(NAMES);
        e.set_attr(name, *rng.pick(VALUES));
    }
    if depth > 0 {
        for _ in 0..rng.below(5) {
            if comments && rng.chance(10) {
                e.children
                    .push(Node::Comment(format!(" c{} ", rng.below(1000))));
            } else {
                let c = random_tree(rng, serial, depth - 1, comments);
                e.push_element(c);
            }
        }
    }
    e
}
