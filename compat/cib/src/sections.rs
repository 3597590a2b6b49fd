//! CIB sections (lib/common/cib.c) and the empty CIB (`createEmptyCib`).
//! Pure.

use pcmk_xml::tree::Element;

use crate::doc::{Doc, NodeId};

/// The feature set this implementation speaks (`CRM_FEATURE_SET`).
pub const CRM_FEATURE_SET: &str = "3.16.1";

/// Known section names, their parent's path and the XPath that finds them
/// (`cib_sections[]`); the first entry is what a missing name means.
const SECTIONS: &[(&str, Option<&str>, &[&str])] = &[
    ("cib", None, &[]),
    ("status", Some("/cib"), &["status"]),
    ("configuration", Some("/cib"), &["configuration"]),
    (
        "crm_config",
        Some("/cib/configuration"),
        &["configuration", "crm_config"],
    ),
    (
        "nodes",
        Some("/cib/configuration"),
        &["configuration", "nodes"],
    ),
    (
        "resources",
        Some("/cib/configuration"),
        &["configuration", "resources"],
    ),
    (
        "constraints",
        Some("/cib/configuration"),
        &["configuration", "constraints"],
    ),
    (
        "op_defaults",
        Some("/cib/configuration"),
        &["configuration", "op_defaults"],
    ),
    (
        "rsc_defaults",
        Some("/cib/configuration"),
        &["configuration", "rsc_defaults"],
    ),
    (
        "acls",
        Some("/cib/configuration"),
        &["configuration", "acls"],
    ),
    (
        "fencing-topology",
        Some("/cib/configuration"),
        &["configuration", "fencing-topology"],
    ),
    (
        "tags",
        Some("/cib/configuration"),
        &["configuration", "tags"],
    ),
    (
        "alerts",
        Some("/cib/configuration"),
        &["configuration", "alerts"],
    ),
    ("all", None, &[]),
];

fn entry(
    name: Option<&str>,
) -> Option<&'static (&'static str, Option<&'static str>, &'static [&'static str])> {
    match name {
        None => SECTIONS.first(),
        Some(n) => SECTIONS.iter().find(|(s, _, _)| *s == n),
    }
}

/// Whether `name` is a known section (`pcmk_cib_xpath_for() != NULL`).
pub fn is_known(name: &str) -> bool {
    entry(Some(name)).is_some()
}

/// `pcmk_cib_xpath_for()`: the XPath Pacemaker uses for a section.
#[doc(alias = "pcmk_cib_xpath_for")]
pub fn xpath_for(name: Option<&str>) -> Option<String> {
    entry(name).map(|(_, _, steps)| {
        let mut p = String::from("//cib");
        for s in *steps {
            p.push('/');
            p.push_str(s);
        }
        p
    })
}

/// `pcmk_cib_parent_name_for()`: the path of a section's parent.
#[doc(alias = "pcmk_cib_parent_name_for")]
pub fn parent_for(name: Option<&str>) -> Option<&'static str> {
    entry(name).and_then(|(_, parent, _)| *parent)
}

/// `pcmk_find_cib_element()` on an element tree: the section's element if
/// exactly one matches `//cib/<steps>`; the tree itself for an unknown
/// name; `None` when it is missing (or ambiguous).
#[doc(alias = "pcmk_find_cib_element")]
pub fn find_element<'a>(cib: &'a Element, name: Option<&str>) -> Option<&'a Element> {
    let Some((_, _, steps)) = entry(name) else {
        return Some(cib);
    };
    let mut found = None;
    for top in cib.descendants().filter(|e| e.name() == "cib") {
        let mut cur = vec![top];
        for step in *steps {
            cur = cur
                .into_iter()
                .flat_map(|e| e.elements_named(step))
                .collect();
        }
        for m in cur {
            if found.is_some() {
                return None;
            }
            found = Some(m);
        }
    }
    found
}

/// Position (child indexes from the root) of [`find_element`]'s answer.
pub fn find_path(cib: &Element, name: Option<&str>) -> Option<Vec<usize>> {
    let target = find_element(cib, name)? as *const Element;
    fn walk(e: &Element, target: *const Element, path: &mut Vec<usize>) -> bool {
        if std::ptr::eq(e, target) {
            return true;
        }
        for (i, c) in e.children.iter().enumerate() {
            if let pcmk_xml::Node::Element(child) = c {
                path.push(i);
                if walk(child, target, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = Vec::new();
    walk(cib, target, &mut path).then_some(path)
}

/// [`find_element`] on a tracked document.
pub fn find_in_doc(doc: &Doc, name: Option<&str>) -> Option<NodeId> {
    let root = doc.root()?;
    let Some((_, _, steps)) = entry(name) else {
        return Some(root);
    };
    let mut tops = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if doc.is_element(n) && doc.tag(n) == "cib" {
            tops.push(n);
        }
        let mut kids = doc.element_children(n);
        kids.reverse();
        stack.extend(kids);
    }
    let mut found = None;
    for top in tops {
        let mut cur = vec![top];
        for step in *steps {
            cur = cur
                .into_iter()
                .flat_map(|e| {
                    doc.element_children(e)
                        .into_iter()
                        .filter(|&c| doc.tag(c) == *step)
                })
                .collect();
        }
        for m in cur {
            if found.is_some() {
                return None;
            }
            found = Some(m);
        }
    }
    found
}

/// `createEmptyCib()`: an empty configuration at the newest schema.
#[doc(alias = "createEmptyCib")]
pub fn empty_cib(epoch: i64) -> Element {
    let config = Element::new("configuration")
        .with_child(Element::new("crm_config"))
        .with_child(Element::new("nodes"))
        .with_child(Element::new("resources"))
        .with_child(Element::new("constraints"));
    Element::new("cib")
        .with_attr("crm_feature_set", CRM_FEATURE_SET)
        .with_attr("validate-with", pcmk_schema::latest().name)
        .with_attr("epoch", epoch.to_string())
        .with_attr("num_updates", "0")
        .with_attr("admin_epoch", "0")
        .with_child(config)
        .with_child(Element::new("status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_found_by_path() {
        let cib = empty_cib(1);
        assert_eq!(
            find_element(&cib, Some("resources")).unwrap().name(),
            "resources"
        );
        assert_eq!(find_element(&cib, Some("bogus")).unwrap().name(), "cib");
        assert_eq!(find_element(&cib, None).unwrap().name(), "cib");
        assert!(find_element(&cib, Some("alerts")).is_none());
        assert_eq!(find_path(&cib, Some("status")), Some(vec![1]));
        assert_eq!(parent_for(Some("resources")), Some("/cib/configuration"));
        assert_eq!(
            xpath_for(Some("nodes")).as_deref(),
            Some("//cib/configuration/nodes")
        );
        let d = Doc::from_element(&cib);
        let n = find_in_doc(&d, Some("constraints")).unwrap();
        assert_eq!(d.tag(n), "constraints");
    }
}
