//! The 1.x → 2.0 upgrade (the reference's `upgrade-1.3.xsl`): ACLs of the
//! first generation rewritten in the 2.0 vocabulary (pure).
//!
//! - `<acl_user>` becomes `<acl_target>`; a user that listed permissions
//!   itself gets them in a new `<acl_role id="auto-USER">` placed right
//!   after it, and a `<role id="auto-USER"/>` pointing there;
//! - `<role_ref>` becomes `<role>`;
//! - `<read>`, `<write>`, `<deny>` become `<acl_permission kind=...>`, with
//!   `ref` → `reference`, `tag` → `object-type` (keeping `attribute`),
//!   and `xpath` plus `attribute` folded into one XPath;
//! - `validate-with` becomes "pacemaker-2.0".

use pcmk_xml::{Element, Node};

use super::xslt::shallow;

/// Apply the transformation; returns the new root and the messages the
/// reference would log.
pub(crate) fn upgrade(cib: &Element) -> (Element, Vec<String>) {
    let mut messages = Vec::new();
    let mut nodes = element(cib, &mut messages);
    let root = match nodes.pop() {
        Some(Node::Element(e)) if nodes.is_empty() => e,
        // Invariant: a <cib> root maps to exactly one element.
        _ => cib.clone(),
    };
    (root, messages)
}

fn node(n: &Node, messages: &mut Vec<String>) -> Vec<Node> {
    match n {
        Node::Element(e) => element(e, messages),
        other => vec![other.clone()],
    }
}

fn children(e: &Element, messages: &mut Vec<String>) -> Vec<Node> {
    e.children.iter().flat_map(|c| node(c, messages)).collect()
}

fn renamed_copy(e: &Element, name: &str, messages: &mut Vec<String>) -> Element {
    let mut out = Element::new(name);
    *out.attrs_mut() = e.attrs().to_vec();
    out.children = children(e, messages);
    out
}

fn element(e: &Element, messages: &mut Vec<String>) -> Vec<Node> {
    let one = |e: Element| vec![Node::Element(e)];
    match e.name() {
        "cib" => {
            let mut out = shallow(e);
            out.set_attr("validate-with", "pacemaker-2.0");
            out.children = children(e, messages);
            one(out)
        }
        "role_ref" => one(renamed_copy(e, "role", messages)),
        "read" | "write" | "deny" => one(permission(e, messages)),
        "acl_user" if e.first_element("role_ref").is_some() => {
            one(renamed_copy(e, "acl_target", messages))
        }
        "acl_user" => user_with_permissions(e, messages),
        _ => {
            let mut out = shallow(e);
            out.children = children(e, messages);
            one(out)
        }
    }
}

fn is_permission(e: &Element) -> bool {
    matches!(e.name(), "read" | "write" | "deny")
}

fn permission(e: &Element, messages: &mut Vec<String>) -> Element {
    let mut out = Element::new("acl_permission");
    if let Some(id) = e.attr("id") {
        out.set_attr("id", id);
    }
    out.set_attr("kind", e.name());
    let attribute = e.attr("attribute");
    if let Some(reference) = e.attr("ref") {
        out.set_attr("reference", reference);
        if attribute.is_some() {
            messages.push(
                "ACLs: @attribute cannot accompany @ref for upgrade-1.3.xsl purposes, ignoring"
                    .into(),
            );
        }
    } else if let Some(tag) = e.attr("tag") {
        out.set_attr("object-type", tag);
        if let Some(attribute) = attribute {
            messages.push(
                "ACLs: @attribute (with @tag) handling generalized a bit for upgrade-1.3.xsl purposes"
                    .into(),
            );
            out.set_attr("attribute", attribute);
        }
    } else if let Some(attribute) = attribute {
        messages.push(
            "ACLs: @attribute (with @xpath) handling generalized a bit for upgrade-1.3.xsl purposes"
                .into(),
        );
        let xpath = e.attr("xpath").unwrap_or("");
        out.set_attr("xpath", format!("{xpath}[@{attribute}]"));
    } else if let Some(xpath) = e.attr("xpath") {
        out.set_attr("xpath", xpath);
    }
    out
}

/// An `<acl_user>` without role references: its permissions move to a
/// role of its own.
fn user_with_permissions(e: &Element, messages: &mut Vec<String>) -> Vec<Node> {
    let id = e.attr("id").unwrap_or("");
    let auto = format!("auto-{id}");
    let has_permissions = e.elements().any(is_permission);
    let mut target = Element::new("acl_target");
    *target.attrs_mut() = e.attrs().to_vec();
    if has_permissions {
        target.push_element(Element::new("role").with_attr("id", auto.clone()));
    }
    let mut out = vec![Node::Element(target)];
    if has_permissions {
        let mut role = Element::new("acl_role").with_attr("id", auto);
        for child in e.elements() {
            role.children.extend(element(child, messages));
        }
        out.push(Node::Element(role));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Element {
        pcmk_xml::parse(s).expect("test XML parses")
    }

    #[test]
    fn users_permissions_and_roles() {
        let cib = parse(
            r#"<cib validate-with="pacemaker-1.2" epoch="1"><configuration><acls>
<acl_user id="alice"><read id="r1" xpath="/cib" attribute="x"/><deny id="d1" tag="nodes"/></acl_user>
<acl_user id="bob"><role_ref id="admin"/></acl_user>
<acl_role id="admin"><write id="w1" ref="rsc1" attribute="y"/></acl_role>
</acls></configuration></cib>"#,
        );
        let (out, messages) = upgrade(&cib);
        assert_eq!(
            out.to_unformatted(),
            concat!(
                r#"<cib validate-with="pacemaker-2.0" epoch="1"><configuration><acls>"#,
                r#"<acl_target id="alice"><role id="auto-alice"/></acl_target>"#,
                r#"<acl_role id="auto-alice"><acl_permission id="r1" kind="read" xpath="/cib[@x]"/>"#,
                r#"<acl_permission id="d1" kind="deny" object-type="nodes"/></acl_role>"#,
                r#"<acl_target id="bob"><role id="admin"/></acl_target>"#,
                r#"<acl_role id="admin"><acl_permission id="w1" kind="write" reference="rsc1"/></acl_role>"#,
                r#"</acls></configuration></cib>"#
            )
        );
        assert_eq!(messages.len(), 2);
    }
}
