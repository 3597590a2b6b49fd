//! The phases around the 2.x → 3.0 upgrade (the reference's
//! `upgrade-2.10-enter.xsl` and `upgrade-2.10-leave.xsl`), pure.
//!
//! The main phase cannot follow `id-ref` links, so before it every
//! `<cluster_property_set>`, `<instance_attributes>` or `<meta_attributes>`
//! that only refers to another (`id-ref`) is replaced by a full copy of
//! the set it refers to, with ids made unique: the copy gets
//! `_cibtr-2_ORIGINAL` and everything inside it `__cibtr-2_ORIGINAL__ID`
//! (resource references keep theirs). Afterwards each such copy that still
//! has the same content as its original (ids aside) is folded back into an
//! `id-ref`; copies that the upgrade changed differently stay unfolded.

use pcmk_xml::{Element, Node};

/// The marker both phases put in front of ids (from the stylesheets'
/// namespace `.../cibtr-2`).
const ROOT_PREFIX: &str = "_cibtr-2_";

/// Sets the phases look at.
fn is_foldable(name: &str) -> bool {
    matches!(
        name,
        "cluster_property_set" | "instance_attributes" | "meta_attributes"
    )
}

/// Why a phase gave up (the stylesheet terminates; Pacemaker then goes on
/// without the phase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhaseError(pub(crate) String);

fn find_all<'a>(root: &'a Element, name: &str, id: &str, out: &mut Vec<&'a Element>) {
    if root.name() == name && root.id() == Some(id) {
        out.push(root);
    }
    for c in root.elements() {
        find_all(c, name, id, out);
    }
}

/// The enter phase: unfold `id-ref` sets.
pub(crate) fn enter(cib: &Element) -> Result<Element, PhaseError> {
    enter_element(cib, cib, "")
}

fn enter_element(root: &Element, e: &Element, prefix: &str) -> Result<Element, PhaseError> {
    if let (Some(target), true) = (e.attr("id-ref"), is_foldable(e.name())) {
        let mut found = Vec::new();
        find_all(root, e.name(), target, &mut found);
        let original = match found.as_slice() {
            [one] => *one,
            [] => {
                return Err(PhaseError(format!(
                    "INTERNAL ERROR:{}: dangling @id-ref ({target}): no such @id found within the same element class",
                    e.name()
                )))
            }
            _ => {
                return Err(PhaseError(format!(
                    "INTERNAL ERROR:{}: dangling @id-ref ({target}): more than one @id found within the same element class",
                    e.name()
                )))
            }
        };
        let original_id = original.id().unwrap_or("");
        let inner = format!("_{ROOT_PREFIX}{original_id}__");
        let mut out = Element::new(e.name());
        out.set_attr("id", format!("{ROOT_PREFIX}{original_id}"));
        for a in original.attrs().iter().filter(|a| a.name != "id") {
            out.set_attr(&a.name, a.value.clone());
        }
        out.children = enter_children(root, original, &inner)?;
        return Ok(out);
    }
    let mut out = Element::new(e.name());
    for a in e.attrs() {
        if a.name == "id" && e.name() != "resource_ref" {
            out.set_attr("id", format!("{prefix}{}", a.value));
        } else {
            out.set_attr(&a.name, a.value.clone());
        }
    }
    out.children = enter_children(root, e, prefix)?;
    Ok(out)
}

fn enter_children(root: &Element, e: &Element, prefix: &str) -> Result<Vec<Node>, PhaseError> {
    e.children
        .iter()
        .map(|c| match c {
            Node::Element(child) => enter_element(root, child, prefix).map(Node::Element),
            other => Ok(other.clone()),
        })
        .collect()
}

/// The leave phase: fold unchanged copies back into `id-ref`s. Also
/// returns the debug messages the stylesheet logs.
pub(crate) fn leave(cib: &Element) -> Result<(Element, Vec<String>), PhaseError> {
    let mut messages = Vec::new();
    let out = leave_element(cib, cib, &mut messages)?;
    Ok((out, messages))
}

fn leave_element(
    root: &Element,
    e: &Element,
    messages: &mut Vec<String>,
) -> Result<Element, PhaseError> {
    let copied_from = e
        .id()
        .filter(|_| is_foldable(e.name()))
        .and_then(|id| id.strip_prefix(ROOT_PREFIX));
    if let Some(original_id) = copied_from {
        let mut found = Vec::new();
        find_all(root, e.name(), original_id, &mut found);
        match found.as_slice() {
            [] => messages.push(format!(
                "DEBUG: {}: original element pointed to with @id-ref ({original_id}) disappeared during upgrade",
                e.name()
            )),
            [original] => {
                if serialize_content(original) == serialize_content(e) {
                    return Ok(Element::new(e.name()).with_attr("id-ref", original_id));
                }
            }
            _ => {
                return Err(PhaseError(format!(
                    "INTERNAL ERROR:{}: found several elements that possibly were originally pointed to with @id-ref ({original_id}); unexpected ambiguity",
                    e.name()
                )))
            }
        }
    }
    let mut out = Element::new(e.name());
    *out.attrs_mut() = e.attrs().to_vec();
    for c in &e.children {
        out.children.push(match c {
            Node::Element(child) => Node::Element(leave_element(root, child, messages)?),
            other => other.clone(),
        });
    }
    Ok(out)
}

/// The stylesheet's comparison form of an element's content: attributes
/// other than `id` and all descendants, ids left out at every level.
fn serialize_content(e: &Element) -> String {
    let mut s = String::new();
    for a in e.attrs().iter().filter(|a| a.name != "id") {
        s.push_str(&format!("A({}={}),", a.name, a.value));
    }
    for c in &e.children {
        serialize_node(c, &mut s);
    }
    s
}

fn serialize_node(n: &Node, s: &mut String) {
    match n {
        Node::Element(e) => {
            s.push_str(&format!("E({},", e.name()));
            s.push_str(&serialize_content(e));
            s.push_str("),");
        }
        Node::Comment(t) => s.push_str(&format!("C({t}),")),
        Node::Text(t) | Node::CData(t) => s.push_str(&format!("T({t}),")),
        Node::Pi { target, data } => s.push_str(&format!("P({target}={data}),")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Element {
        pcmk_xml::parse(s).expect("test XML parses")
    }

    #[test]
    fn unfold_and_fold_back() {
        let cib = parse(concat!(
            r#"<cib><configuration><resources>"#,
            r#"<primitive id="a"><meta_attributes id="m"><nvpair id="p" name="x" value="1"/></meta_attributes></primitive>"#,
            r#"<primitive id="b"><meta_attributes id-ref="m"/></primitive>"#,
            r#"</resources></configuration></cib>"#
        ));
        let unfolded = enter(&cib).expect("reference resolves");
        let text = unfolded.to_unformatted();
        assert!(text.contains(
            r#"<meta_attributes id="_cibtr-2_m"><nvpair id="__cibtr-2_m__p" name="x" value="1"/></meta_attributes>"#
        ));
        let (folded, _) = leave(&unfolded).expect("no ambiguity");
        assert_eq!(folded.to_unformatted(), cib.to_unformatted());
    }

    #[test]
    fn dangling_references_stop_the_phase() {
        let cib = parse(r#"<cib><meta_attributes id-ref="nowhere"/></cib>"#);
        assert!(enter(&cib).is_err());
    }
}
