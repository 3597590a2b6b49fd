//! Rule-guarded name/value blocks (`pe_eval_nvpairs`, `populate_hash`).

use std::cmp::Ordering;
use std::collections::HashMap;

use super::eval::{eval_rules, RuleData};
use crate::glib;
use crate::iso8601::CrmTime;
use crate::util;
use crate::xml::{XmlDoc, XmlId};

struct Pair {
    score: i32,
    name: Option<String>,
    set: XmlId,
}

/// `sort_pairs`: the `always_first` block, then by descending score.
fn sort_pairs(a: &Pair, b: &Pair, special: Option<&str>) -> Ordering {
    let eq = |x: &Option<String>| match (x, special) {
        (Some(x), Some(s)) => x.eq_ignore_ascii_case(s),
        (None, None) => true,
        _ => false,
    };
    if eq(&a.name) {
        return Ordering::Less;
    } else if eq(&b.name) {
        return Ordering::Greater;
    }
    b.score.cmp(&a.score)
}

/// `populate_hash`.
fn populate(
    doc: &XmlDoc,
    set: XmlId,
    top: XmlId,
    hash: &mut HashMap<String, String>,
    overwrite: bool,
) {
    let mut list = set;
    if let Some(&first) = doc.children(set).first() {
        if doc.name(first).eq_ignore_ascii_case("attributes") {
            list = first;
        }
    }
    let pairs: Vec<XmlId> = doc.children_named(list, "nvpair").collect();
    for an_attr in pairs {
        let reference = doc.expand_idref(an_attr, top);
        let name = doc
            .attr(an_attr, "name")
            .or_else(|| reference.and_then(|r| doc.attr(r, "name")))
            .map(str::to_owned);
        let value = doc
            .attr(an_attr, "value")
            .or_else(|| reference.and_then(|r| doc.attr(r, "value")))
            .map(str::to_owned);
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        if value.eq_ignore_ascii_case("#default") {
            hash.remove(&name);
            continue;
        }
        if !hash.contains_key(&name) || overwrite {
            hash.insert(name, value);
        }
    }
}

/// `pe_eval_nvpairs`: unpack every `set_name` child block of `xml_obj`
/// (all children when `set_name` is `None`) whose rules pass, highest
/// score first (`always_first` before all), into `hash`. Earlier blocks
/// win unless `overwrite`.
#[doc(alias = "pe_eval_nvpairs")]
#[allow(clippy::too_many_arguments)]
pub fn unpack_nvpairs(
    doc: &XmlDoc,
    top: XmlId,
    xml_obj: Option<XmlId>,
    set_name: Option<&str>,
    data: &RuleData,
    hash: &mut HashMap<String, String>,
    always_first: Option<&str>,
    overwrite: bool,
    mut next_change: Option<&mut CrmTime>,
) {
    let Some(xml_obj) = xml_obj else { return };
    let kids: Vec<XmlId> = doc.children(xml_obj).to_vec();
    let mut pairs: Vec<Pair> = Vec::new();
    for attr_set in kids {
        if set_name.is_some_and(|s| s != doc.name(attr_set)) {
            continue;
        }
        let Some(expanded) = doc.expand_idref(attr_set, top) else {
            continue;
        };
        pairs.push(Pair {
            score: util::char2score(doc.attr(expanded, "score")),
            name: doc.id(expanded).map(str::to_owned),
            set: expanded,
        });
    }
    // the reference prepends while collecting, then sorts
    pairs.reverse();
    let mut idx: Vec<usize> = (0..pairs.len()).collect();
    glib::list_sort(&mut idx, &mut |&a, &b| {
        sort_pairs(&pairs[a], &pairs[b], always_first)
    });
    for i in idx {
        let set = pairs[i].set;
        if !eval_rules(doc, set, data, next_change.as_deref_mut()) {
            continue;
        }
        populate(doc, set, top, hash, overwrite);
    }
}
