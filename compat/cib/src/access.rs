//! What a user may do with each part of a CIB, as `cibadmin --show-access`
//! shows it (`pcmk__acl_annotate_permissions`, lib/pacemaker/pcmk_acl.c).
//!
//! Every element is marked denied (not readable), readable (not writable)
//! or writable, by the same checks ACL enforcement uses, with the ACLs of
//! the annotated CIB itself. Attributes and comments take the marks the
//! same checks give them (their element's, in practice). Pure.

use pcmk_results::Rc;
use pcmk_xml::tree::Element;

use crate::acl::{acl_required, Identity};
use crate::doc::{flag, Doc, Kind, NodeId};
use crate::trace::Diags;

/// The access a user has to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Writable,
    Readable,
    Denied,
}

/// An annotated node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnnotatedNode {
    Element(AnnotatedElement),
    Comment { text: String, access: Access },
    Text(String),
    CData(String),
    Pi { target: String, data: String },
}

/// An annotated element: attributes carry their own marks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotatedElement {
    pub name: String,
    pub access: Access,
    pub attrs: Vec<(String, String, Access)>,
    pub children: Vec<AnnotatedNode>,
}

/// A CIB annotated for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotated {
    pub user: String,
    pub root: AnnotatedElement,
}

/// The first schema whose ACL syntax the annotation understands
/// (`PCMK__COMPAT_ACL_2_MIN_INCL`).
const ACL_2_MIN: &str = "pacemaker-2.0";

impl Doc {
    fn access_of(&mut self, id: NodeId) -> Access {
        if !self.check_acl(id, None, flag::ACL_READ) {
            Access::Denied
        } else if !self.check_acl(id, None, flag::ACL_WRITE) {
            Access::Readable
        } else {
            Access::Writable
        }
    }

    fn annotate_element(&mut self, id: NodeId) -> AnnotatedElement {
        let access = self.access_of(id);
        let attrs: Vec<(String, String)> = self
            .node(id)
            .attrs
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        let mut out_attrs = Vec::with_capacity(attrs.len());
        for (name, value) in attrs {
            let a = if !self.check_acl(id, Some(&name), flag::ACL_READ) {
                Access::Denied
            } else if !self.check_acl_attribute(id, &name, flag::ACL_WRITE) {
                Access::Readable
            } else {
                Access::Writable
            };
            out_attrs.push((name, value, a));
        }
        let mut children = Vec::new();
        for c in self.node(id).children.clone() {
            let node = match self.node(c).kind.clone() {
                Kind::Element(_) => AnnotatedNode::Element(self.annotate_element(c)),
                Kind::Comment(text) => {
                    let access = if !self.check_acl(id, Some("comment"), flag::ACL_READ) {
                        Access::Denied
                    } else if !self.check_acl(id, Some("comment"), flag::ACL_WRITE) {
                        Access::Readable
                    } else {
                        Access::Writable
                    };
                    AnnotatedNode::Comment { text, access }
                }
                Kind::Text(t) => AnnotatedNode::Text(t),
                Kind::CData(t) => AnnotatedNode::CData(t),
                Kind::Pi { target, data } => AnnotatedNode::Pi { target, data },
            };
            children.push(node);
        }
        AnnotatedElement {
            name: self.tag(id).to_owned(),
            access,
            attrs: out_attrs,
            children,
        }
    }
}

/// Annotate `cib` for `user` with the ACLs it contains. Errors are the
/// reference's: `EINVAL` for a user name with `<`, `>` or `&`,
/// [`Rc::ALREADY`] when ACLs do not apply to the user, and
/// [`Rc::SCHEMA_VALIDATION`] for a CIB older than pacemaker-2.0 (or naming
/// no known schema).
pub fn annotate(
    user: &str,
    cib: &Element,
    identity: &dyn Identity,
) -> Result<(Annotated, Diags), Rc> {
    if user.contains(['<', '>', '&']) {
        return Err(Rc::from_errno(pcmk_results::errno::EINVAL));
    }
    if !acl_required(Some(user)) {
        return Err(Rc::ALREADY);
    }
    let version = crate::validate::schema_index(cib.attr("validate-with"));
    let minimum = crate::validate::schema_index(Some(ACL_2_MIN));
    if version.is_none() || version < minimum {
        return Err(Rc::SCHEMA_VALIDATION);
    }
    let mut doc = Doc::from_element(cib);
    doc.enable_acl(cib, Some(user), identity);
    doc.flags |= flag::TRACKING;
    let Some(root) = doc.root() else {
        return Err(Rc::from_errno(pcmk_results::errno::EINVAL));
    };
    let root = doc.annotate_element(root);
    Ok((
        Annotated {
            user: user.to_owned(),
            root,
        },
        doc.take_trace(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::NoGroups;

    #[test]
    fn marks_follow_the_rules() {
        let cib = pcmk_xml::parse(
            r#"<cib validate-with="pacemaker-3.9"><configuration><resources/><acls><acl_role id="r"><acl_permission id="d" kind="deny" xpath="/cib/configuration/acls"/><acl_permission id="w" kind="write" xpath="//resources"/><acl_permission id="rd" kind="read" xpath="/cib"/></acl_role><acl_target id="tony"><role id="r"/></acl_target></acls></configuration></cib>"#,
        )
        .unwrap();
        let (a, _) = annotate("tony", &cib, &NoGroups).unwrap();
        assert_eq!(a.root.access, Access::Readable);
        let AnnotatedNode::Element(conf) = &a.root.children[0] else {
            panic!()
        };
        let access: Vec<Access> = conf
            .children
            .iter()
            .map(|c| match c {
                AnnotatedNode::Element(e) => e.access,
                _ => panic!(),
            })
            .collect();
        assert_eq!(access, [Access::Writable, Access::Denied]);
        assert_eq!(annotate("root", &cib, &NoGroups).unwrap_err(), Rc::ALREADY);
        let old = pcmk_xml::parse(r#"<cib validate-with="pacemaker-1.3"/>"#).unwrap();
        assert_eq!(
            annotate("tony", &old, &NoGroups).unwrap_err(),
            Rc::SCHEMA_VALIDATION
        );
    }
}
