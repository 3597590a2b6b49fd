//! Lookups that keep change calculation near-linear in the number of
//! siblings, with exactly the answers of the C code's linear scans.
//!
//! - [`ChildIndex`]: a parent's first child by element name, by name and
//!   id, and by comment content (ASCII case-insensitive), i.e. what
//!   `pcmk__xml_match` looks for when position does not matter.
//! - [`Positions`]: `pcmk__xml_position(child, pcmk__xf_skip)` under one
//!   parent while `skip` flags are being set (a Fenwick tree over the
//!   children), and the k-th child not skipped, which is what an exact
//!   comment match comes down to.
//! - [`LiveIndex`]: `first_matching_xml_child` by name and id while a
//!   patch is being applied (children deleted, moved, their ids modified).

use std::collections::HashMap;

use super::arena::{flag, Arena, Id, Kind};

/// First-match lookups among one parent's children.
pub(crate) struct ChildIndex {
    by_name: HashMap<String, Id>,
    by_name_id: HashMap<(String, String), Id>,
    by_comment: HashMap<String, Id>,
}

impl ChildIndex {
    pub fn new(a: &Arena, parent: Id) -> ChildIndex {
        let mut index = ChildIndex {
            by_name: HashMap::new(),
            by_name_id: HashMap::new(),
            by_comment: HashMap::new(),
        };
        for &c in &a.nodes[parent].children {
            index.add(a, c);
        }
        index
    }

    /// Take a child appended after the indexed ones into account.
    pub fn add(&mut self, a: &Arena, child: Id) {
        match &a.nodes[child].kind {
            Kind::Element(name) => {
                self.by_name.entry(name.clone()).or_insert(child);
                if let Some(id) = a.id_attr(child) {
                    self.by_name_id
                        .entry((name.clone(), id.to_owned()))
                        .or_insert(child);
                }
            }
            Kind::Comment(text) => {
                self.by_comment
                    .entry(text.to_ascii_lowercase())
                    .or_insert(child);
            }
            Kind::Document | Kind::Other(_) => {}
        }
    }

    /// The first child matching `needle` (a node of `nd`) regardless of
    /// position: `pcmk__xml_match(parent, needle, false)`.
    pub fn find(&self, nd: &Arena, needle: Id) -> Option<Id> {
        match &nd.nodes[needle].kind {
            Kind::Element(name) => self.find_element(name, nd.id_attr(needle)),
            Kind::Comment(text) => self.by_comment.get(&text.to_ascii_lowercase()).copied(),
            Kind::Document | Kind::Other(_) => None,
        }
    }

    /// The first element child named `name` with id `id` (any id when
    /// `None`).
    pub fn find_element(&self, name: &str, id: Option<&str>) -> Option<Id> {
        match id {
            None => self.by_name.get(name).copied(),
            Some(id) => self
                .by_name_id
                .get(&(name.to_owned(), id.to_owned()))
                .copied(),
        }
    }
}

/// Positions among one parent's children as `skip` flags get set.
pub(crate) struct Positions {
    kids: Vec<Id>,
    slot: HashMap<Id, usize>,
    /// Fenwick tree (1-based) of 1 for each visible child without `skip`.
    tree: Vec<i32>,
}

impl Positions {
    pub fn new(a: &Arena, parent: Id) -> Positions {
        let kids = a.nodes[parent].children.clone();
        let slot = kids.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let mut p = Positions {
            tree: vec![0; kids.len() + 1],
            kids,
            slot,
        };
        for i in 0..p.kids.len() {
            let c = p.kids[i];
            if a.is_visible(c) && a.nodes[c].flags & flag::SKIP == 0 {
                p.add(i, 1);
            }
        }
        p
    }

    fn add(&mut self, i: usize, delta: i32) {
        let mut i = i + 1;
        while i < self.tree.len() {
            self.tree[i] += delta;
            i += i & i.wrapping_neg();
        }
    }

    /// How many children before slot `i` count.
    fn prefix(&self, i: usize) -> usize {
        let mut i = i;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        usize::try_from(sum).unwrap_or(0)
    }

    /// `pcmk__xml_position(child, pcmk__xf_skip)`.
    pub fn position(&self, child: Id) -> usize {
        self.slot.get(&child).map_or(0, |&i| self.prefix(i))
    }

    /// Flag a child `skip` (once), keeping the counts right.
    pub fn set_skip(&mut self, a: &mut Arena, child: Id) {
        if a.nodes[child].flags & flag::SKIP != 0 {
            return;
        }
        a.nodes[child].flags |= flag::SKIP;
        if let (true, Some(&i)) = (a.is_visible(child), self.slot.get(&child)) {
            self.add(i, -1);
        }
    }

    /// The `k`-th (from 0) visible child without `skip`.
    pub fn nth_live(&self, k: usize) -> Option<Id> {
        // Binary descent over the Fenwick tree: the smallest slot whose
        // prefix count (inclusive) is k + 1.
        let n = self.tree.len() - 1;
        let mut target = i32::try_from(k).ok()?.checked_add(1)?;
        let mut pos = 0;
        let mut step = n.checked_next_power_of_two().unwrap_or(0);
        if step > n {
            step /= 2;
        }
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] < target {
                pos = next;
                target -= self.tree[next];
            }
            step /= 2;
        }
        // pos is the largest slot with prefix < k + 1; the answer is next.
        self.kids.get(pos).copied().filter(|_| pos < n)
    }
}

/// What a path step looks for: a name, or a name and an id.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    Name(String),
    NameId(String, String),
}

/// The children a key has matched, in document order, from `start` on;
/// stale ones (since deleted or changed) are skipped when met. `dirty`
/// asks for a rescan (a child with this key was added or moved).
#[derive(Default)]
struct Candidates {
    ids: Vec<Id>,
    start: usize,
    dirty: bool,
}

/// First-match lookups among the children of parents of a document that
/// is being changed. After changing a node's place or attributes, call
/// [`LiveIndex::touched`]; removals need nothing.
#[derive(Default)]
pub(crate) struct LiveIndex {
    parents: HashMap<Id, HashMap<Key, Candidates>>,
}

fn keys_of(a: &Arena, c: Id) -> Option<(Key, Option<Key>)> {
    if !a.is_visible(c) {
        return None;
    }
    let name = a.name(c).to_owned();
    let with_id = a
        .id_attr(c)
        .map(|id| Key::NameId(name.clone(), id.to_owned()));
    Some((Key::Name(name), with_id))
}

fn key_matches(a: &Arena, c: Id, key: &Key) -> bool {
    match key {
        Key::Name(n) => a.is_visible(c) && a.name(c) == n,
        Key::NameId(n, id) => a.is_visible(c) && a.name(c) == n && a.id_attr(c) == Some(id),
    }
}

impl LiveIndex {
    /// The first child of `parent` named `name` (with id `id` when given).
    pub fn find(&mut self, a: &Arena, parent: Id, name: &str, id: Option<&str>) -> Option<Id> {
        let keys = self.parents.entry(parent).or_insert_with(|| {
            let mut keys: HashMap<Key, Candidates> = HashMap::new();
            for &c in &a.nodes[parent].children {
                if let Some((k1, k2)) = keys_of(a, c) {
                    keys.entry(k1).or_default().ids.push(c);
                    if let Some(k2) = k2 {
                        keys.entry(k2).or_default().ids.push(c);
                    }
                }
            }
            keys
        });
        let key = match id {
            None => Key::Name(name.to_owned()),
            Some(id) => Key::NameId(name.to_owned(), id.to_owned()),
        };
        let entry = keys.get_mut(&key)?;
        if entry.dirty {
            entry.ids = a.nodes[parent]
                .children
                .iter()
                .copied()
                .filter(|&c| key_matches(a, c, &key))
                .collect();
            entry.start = 0;
            entry.dirty = false;
        }
        while let Some(&c) = entry.ids.get(entry.start) {
            if a.nodes[c].parent == Some(parent) && key_matches(a, c, &key) {
                return Some(c);
            }
            // Gone or changed for good (a return would have marked it).
            entry.start += 1;
        }
        None
    }

    /// `child` (now under `parent`) was added, moved or had its attributes
    /// replaced: its keys need a rescan.
    pub fn touched(&mut self, a: &Arena, parent: Id, child: Id) {
        let Some(keys) = self.parents.get_mut(&parent) else {
            return;
        };
        if let Some((k1, k2)) = keys_of(a, child) {
            keys.entry(k1).or_default().dirty = true;
            if let Some(k2) = k2 {
                keys.entry(k2).or_default().dirty = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_skip_flags() {
        let root = crate::parse("<r><a/><!--x--><b/><c/><d/></r>").unwrap();
        let mut a = Arena::from_root(&root);
        let r = a.root().unwrap();
        let kids = a.visible_children(r);
        let mut p = Positions::new(&a, r);
        for (i, &k) in kids.iter().enumerate() {
            assert_eq!(p.position(k), i);
            assert_eq!(p.position(k), a.position(k, flag::SKIP));
            assert_eq!(p.nth_live(i), Some(k));
        }
        assert_eq!(p.nth_live(5), None);
        p.set_skip(&mut a, kids[1]);
        p.set_skip(&mut a, kids[3]);
        for &k in &kids {
            assert_eq!(p.position(k), a.position(k, flag::SKIP));
        }
        assert_eq!(p.nth_live(0), Some(kids[0]));
        assert_eq!(p.nth_live(1), Some(kids[2]));
        assert_eq!(p.nth_live(2), Some(kids[4]));
        assert_eq!(p.nth_live(3), None);
    }

    #[test]
    fn index_finds_first_matches() {
        let root =
            crate::parse(r#"<r><a id="1"/><a/><a id="2"/><!--Hi--><a id="1" x="y"/><!--hi--></r>"#)
                .unwrap();
        let a = Arena::from_root(&root);
        let r = a.root().unwrap();
        let kids = a.visible_children(r);
        let idx = ChildIndex::new(&a, r);
        assert_eq!(idx.find_element("a", None), Some(kids[0]));
        assert_eq!(idx.find_element("a", Some("1")), Some(kids[0]));
        assert_eq!(idx.find_element("a", Some("2")), Some(kids[2]));
        assert_eq!(idx.find_element("b", None), None);
        for &k in &kids {
            assert_eq!(idx.find(&a, k), a.find_match(r, &a, k, false));
        }
    }

    #[test]
    fn live_index_follows_changes() {
        let root = crate::parse(r#"<r><a id="1"/><a id="2"/><b/><a id="1" n="2"/></r>"#).unwrap();
        let mut a = Arena::from_root(&root);
        let r = a.root().unwrap();
        let kids = a.visible_children(r);
        let mut idx = LiveIndex::default();
        assert_eq!(idx.find(&a, r, "a", Some("1")), Some(kids[0]));
        assert_eq!(idx.find(&a, r, "a", None), Some(kids[0]));
        a.unlink(kids[0]);
        assert_eq!(idx.find(&a, r, "a", Some("1")), Some(kids[3]));
        assert_eq!(idx.find(&a, r, "a", None), Some(kids[1]));
        // Park kids[1] at the end: "a" now first matches kids[3].
        a.unlink(kids[1]);
        a.append(r, kids[1]);
        idx.touched(&a, r, kids[1]);
        assert_eq!(idx.find(&a, r, "a", None), Some(kids[3]));
        // Change an id.
        a.set_prop(kids[2], "id", "9");
        idx.touched(&a, r, kids[2]);
        assert_eq!(idx.find(&a, r, "b", Some("9")), Some(kids[2]));
        a.set_prop(kids[3], "id", "7");
        idx.touched(&a, r, kids[3]);
        assert_eq!(idx.find(&a, r, "a", Some("1")), None);
        assert_eq!(idx.find(&a, r, "a", Some("7")), Some(kids[3]));
        assert_eq!(idx.find(&a, r, "c", None), None);
    }
}
