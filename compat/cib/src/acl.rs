//! Access control lists (lib/common/acl.c): which users need them, how the
//! `<acls>` section unpacks into XPath rules for one user, how rules mark a
//! document, how writes are checked, and how reads are filtered.
//!
//! The rules work on a tracked [`Doc`]: marking sets `acl_read`,
//! `acl_write` or `acl_deny` flags on matched elements; a change is allowed
//! when the nearest marked ancestor-or-self allows it (`deny` wins on the
//! element itself), a user with no rules is denied everything, and elements
//! created by the change may get attributes. Pure, except that group
//! membership is asked of an [`Identity`].

use pcmk_xml::tree::Element;

use crate::doc::{flag, Doc, Kind, NodeId};
use crate::trace::Level;

/// One unpacked rule (`xml_acl_t`): a mode flag and the XPath it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclRule {
    /// `flag::ACL_READ`, `flag::ACL_WRITE` or `flag::ACL_DENY`.
    pub mode: u32,
    pub xpath: String,
}

/// Where user and group facts come from (the reference asks NSS).
pub trait Identity {
    /// Whether `user` is listed as a member of `group`
    /// (`pcmk__is_user_in_group`: supplementary membership only).
    fn user_in_group(&self, user: &str, group: &str) -> bool;
}

/// An [`Identity`] that knows no groups (for tests and pure callers).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoGroups;

impl Identity for NoGroups {
    fn user_in_group(&self, _user: &str, _group: &str) -> bool {
        false
    }
}

/// `pcmk_acl_required()`: every named user except root and hacluster.
#[doc(alias = "pcmk_acl_required")]
pub fn acl_required(user: Option<&str>) -> bool {
    match user {
        None | Some("") => false,
        Some(u) => u != "hacluster" && u != "root",
    }
}

/// `acl_to_text()`.
fn mode_text(mode: u32) -> &'static str {
    if mode & flag::ACL_DENY != 0 {
        "deny"
    } else if mode & (flag::ACL_WRITE | flag::ACL_CREATE) != 0 {
        "read/write"
    } else if mode & flag::ACL_READ != 0 {
        "read"
    } else {
        "none"
    }
}

/// `test_acl_mode()`.
fn test_mode(allowed: u32, requested: u32) -> bool {
    if allowed & flag::ACL_DENY != 0 {
        return false;
    }
    allowed & requested == requested
        || (requested & flag::ACL_READ != 0 && allowed & flag::ACL_WRITE != 0)
        || (requested & flag::ACL_CREATE != 0 && allowed & (flag::ACL_WRITE | flag::CREATED) != 0)
}

/// The single element named `name` anywhere in `top` (`get_xpath_object("//name")`).
fn find_unique<'a>(top: &'a Element, name: &str) -> Option<&'a Element> {
    let mut found = top.descendants().filter(|e| e.name() == name);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// `create_acl()`: the XPath of one `read`/`write`/`deny` element.
fn rule_of(e: &Element, mode: u32) -> Option<AclRule> {
    let tag = e.attr("object-type").or_else(|| e.attr("tag"));
    let reference = e.attr("reference").or_else(|| e.attr("ref"));
    let xpath = e.attr("xpath");
    let attribute = e.attr("attribute");
    if tag.is_none() && reference.is_none() && xpath.is_none() {
        return None;
    }
    let xpath = match xpath {
        Some(x) => x.to_owned(),
        None => {
            let t = tag.unwrap_or("*");
            match (reference, attribute) {
                (Some(r), Some(a)) => format!("//{t}[@id='{r}' and @{a}]"),
                (Some(r), None) => format!("//{t}[@id='{r}']"),
                (None, Some(a)) => format!("//{t}[@{a}]"),
                (None, None) => format!("//{t}"),
            }
        }
    };
    Some(AclRule { mode, xpath })
}

/// `parse_acl_entry()`: the rules of a target, group or role, following
/// role references.
fn parse_entry(top: &Element, entry: &Element, out: &mut Vec<AclRule>, depth: usize) {
    for child in entry.elements() {
        let mut tag = child.name();
        if tag == "acl_permission" {
            // The schema requires "kind"; the reference asserts it.
            tag = child.attr("kind").unwrap_or("");
        }
        match tag {
            "role" | "role_ref" => {
                let Some(wanted) = child.id() else { continue };
                if let Some(role) = top
                    .elements()
                    .find(|r| r.name() == "acl_role" && r.id() == Some(wanted))
                {
                    // Roles referencing themselves would recurse forever in
                    // the reference; stop at a sane depth instead.
                    if depth < 64 {
                        parse_entry(top, role, out, depth + 1);
                    }
                }
            }
            "read" => out.extend(rule_of(child, flag::ACL_READ)),
            "write" => out.extend(rule_of(child, flag::ACL_WRITE)),
            "deny" => out.extend(rule_of(child, flag::ACL_DENY)),
            _ => {}
        }
    }
}

/// `pcmk__unpack_acl()`: the rules that apply to `user` according to the
/// `<acls>` section of `source`, in the order the reference applies them.
#[doc(alias = "pcmk__unpack_acl")]
pub fn unpack(source: &Element, user: &str, identity: &dyn Identity) -> Vec<AclRule> {
    let mut rules = Vec::new();
    let Some(acls) = find_unique(source, "acls") else {
        return rules;
    };
    for child in acls.elements() {
        let tag = child.name();
        let id = child.attr("name").or_else(|| child.id());
        match tag {
            "acl_target" | "acl_user" if id == Some(user) => {
                parse_entry(acls, child, &mut rules, 0);
            }
            "acl_group" if id.is_some_and(|g| identity.user_in_group(user, g)) => {
                parse_entry(acls, child, &mut rules, 0);
            }
            _ => {}
        }
    }
    rules
}

impl Doc {
    /// `pcmk__unpack_acl()` into this document (once: a document that has
    /// rules keeps them).
    pub(crate) fn unpack_acl(&mut self, source: &Element, user: Option<&str>, id: &dyn Identity) {
        let Some(user) = user.filter(|u| acl_required(Some(u))) else {
            return;
        };
        if self.acls.is_empty() {
            self.user = Some(user.to_owned());
            self.acls = unpack(source, user, id);
        }
    }

    /// `pcmk__apply_acl()`: mark every element the rules match.
    #[doc(alias = "pcmk__apply_acl")]
    pub(crate) fn apply_acl(&mut self) {
        if !self.acl_enabled() || self.acls.is_empty() {
            return;
        }
        let Some(xdoc) = self.xpath_doc() else { return };
        let rules = self.acls.clone();
        for rule in rules {
            let Ok(hits) = xdoc.eval(&rule.xpath) else {
                continue;
            };
            for h in hits {
                if let Some(n) = self.hit_node(&h) {
                    self.node_mut(n).flags |= rule.mode;
                }
            }
        }
    }

    /// `pcmk__enable_acl()`.
    pub(crate) fn enable_acl(&mut self, source: &Element, user: Option<&str>, id: &dyn Identity) {
        self.unpack_acl(source, user, id);
        self.flags |= flag::ACL_ENABLED;
        self.apply_acl();
    }

    fn denied_path(&self, id: NodeId, name: Option<&str>) -> String {
        let mut p = self.element_xpath(id);
        if let Some(n) = name {
            p.push_str("[@");
            p.push_str(n);
            p.push(']');
        }
        p
    }

    /// `pcmk__check_acl()`: whether the user may do `mode` to element `id`
    /// (or to its attribute `name`). A refusal marks the document denied.
    #[doc(alias = "pcmk__check_acl")]
    pub fn check_acl(&mut self, id: NodeId, name: Option<&str>, mut mode: u32) -> bool {
        if let Some(n) = name {
            if mode == flag::ACL_CREATE && self.attr(id, n).is_some() {
                mode = flag::ACL_WRITE;
            }
        }
        let path = self.denied_path(id, name);
        self.check_acl_walk(id, mode, &path, false)
    }

    /// `pcmk__check_acl()` called on attribute `name` of element `id`
    /// itself (as the ACL rendering does): the walk starts at the
    /// attribute, which never carries ACL marks, so any decision comes from
    /// `id` upwards.
    pub(crate) fn check_acl_attribute(&mut self, id: NodeId, name: &str, mode: u32) -> bool {
        let path = format!("{}/{name}[@{name}]", self.element_xpath(id));
        self.check_acl_walk(id, mode, &path, true)
    }

    fn check_acl_walk(&mut self, id: NodeId, mode: u32, path: &str, from_child: bool) -> bool {
        if !(self.tracking(false) && self.acl_enabled()) {
            return true;
        }
        let user = self.user.clone().unwrap_or_default();
        if self.acls.is_empty() {
            self.flags |= flag::ACL_DENIED;
            let msg = format!(
                "User '{user}' without ACLs denied {} access to {path}",
                mode_text(mode)
            );
            self.trace
                .log("pcmk__check_acl", "acl.c", 677, Level::Trace, msg);
            return false;
        }
        let mut cur = Some(id);
        while let Some(n) = cur {
            if !matches!(self.node(n).kind, Kind::Element(_) | Kind::Comment(_)) {
                break;
            }
            let f = self.node(n).flags;
            if test_mode(f, mode) {
                return true;
            }
            if f & flag::ACL_DENY != 0 {
                self.flags |= flag::ACL_DENIED;
                let msg = format!(
                    "{}ACL denies user '{user}' {} access to {path}",
                    if n != id || from_child { "Parent " } else { "" },
                    mode_text(mode)
                );
                self.trace
                    .log("pcmk__check_acl", "acl.c", 713, Level::Trace, msg);
                return false;
            }
            cur = self.parent(n);
        }
        self.flags |= flag::ACL_DENIED;
        let msg = format!(
            "Default ACL denies user '{user}' {} access to {path}",
            mode_text(mode)
        );
        self.trace
            .log("pcmk__check_acl", "acl.c", 733, Level::Trace, msg);
        false
    }

    /// `implicitly_allowed()`: scaffolding outside the ACL section (no
    /// attributes but `id`).
    fn implicitly_allowed(&self, id: NodeId) -> bool {
        self.node(id).attrs.iter().all(|a| a.name == "id")
            && !self.element_xpath(id).contains("/acls/")
    }

    /// `pcmk__apply_creation_acl()`: drop elements created against the
    /// rules (below `id`; `id` itself too when `check_top`).
    #[doc(alias = "pcmk__apply_creation_acl")]
    pub(crate) fn apply_creation_acl(&mut self, id: NodeId, check_top: bool) {
        if self.node(id).flags & flag::CREATED != 0 {
            let name = self.tag(id).to_owned();
            let shown = self.id_of(id).unwrap_or("<unset>").to_owned();
            if self.implicitly_allowed(id) {
                let msg = format!(
                    "Creation of <{name}> scaffolding with id=\"{shown}\" is implicitly allowed"
                );
                self.trace
                    .log("pcmk__apply_creation_acl", "acl.c", 577, Level::Trace, msg);
            } else if self.check_acl(id, None, flag::ACL_WRITE) {
                let msg = format!("ACLs allow creation of <{name}> with id=\"{shown}\"");
                self.trace
                    .log("pcmk__apply_creation_acl", "acl.c", 582, Level::Trace, msg);
            } else if check_top {
                let msg = format!("ACLs disallow creation of <{name}> with id=\"{shown}\"");
                self.trace
                    .log("pcmk__apply_creation_acl", "acl.c", 586, Level::Trace, msg);
                self.unlink(id);
                return;
            } else {
                let root = if self.root() == Some(id) {
                    "root element "
                } else {
                    ""
                };
                let msg =
                    format!("ACLs would disallow creation of {root}<{name}> with id=\"{shown}\" ");
                self.trace
                    .log("pcmk__apply_creation_acl", "acl.c", 592, Level::Notice, msg);
            }
        }
        for c in self.xml_children(id) {
            self.apply_creation_acl(c, true);
        }
    }

    /// `xml_acl_disable()`: catch anything created against the rules, then
    /// stop enforcing.
    #[doc(alias = "xml_acl_disable")]
    pub(crate) fn acl_disable(&mut self) {
        if self.acl_enabled() {
            self.apply_acl();
            if let Some(r) = self.root() {
                self.apply_creation_acl(r, false);
            }
            self.flags &= !flag::ACL_ENABLED;
        }
    }

    /// `purge_xml_attributes()`: strip what is not readable; false (and the
    /// node gone) when nothing below it is readable.
    fn purge(&mut self, id: NodeId) -> bool {
        if test_mode(self.node(id).flags, flag::ACL_READ) {
            return true;
        }
        self.node_mut(id).attrs.retain(|a| a.name == "id");
        let mut readable = false;
        for c in self.xml_children(id) {
            readable |= self.purge(c);
        }
        if !readable {
            self.free_node(id, None);
        }
        readable
    }
}

/// `xml_acl_filtered_copy()`: what `user` may read of `xml`, given the ACLs
/// in `acl_source`. `None` when ACLs do not apply to the user (use `xml`
/// as it is); `Some(None)` when nothing is readable.
#[doc(alias = "xml_acl_filtered_copy")]
pub fn filtered_copy(
    user: Option<&str>,
    acl_source: &Element,
    xml: &Element,
    identity: &dyn Identity,
) -> Option<Option<Element>> {
    if !acl_required(user) {
        return None;
    }
    let mut target = Doc::from_element(xml);
    target.enable_acl(acl_source, user, identity);
    let rules = target.acls.clone();
    for rule in rules.iter().filter(|r| r.mode == flag::ACL_DENY) {
        let Ok(matches) = target.xpath(&rule.xpath) else {
            continue;
        };
        for m in matches {
            // Earlier purges may have removed this match already.
            let attached = target
                .root()
                .is_some_and(|r| target.is_ancestor_or_self(r, m));
            if !attached {
                continue;
            }
            let is_root = target.root() == Some(m);
            if !target.purge(m) && is_root {
                return Some(None);
            }
        }
    }
    let Some(root) = target.root() else {
        return Some(None);
    };
    if !target.purge(root) {
        return Some(None);
    }
    if target.acls.is_empty() {
        return Some(None);
    }
    Some(target.to_element())
}

/// Whether ACLs are enforced for `user` on `cib` (`cib_acl_enabled`): the
/// user needs them and the `enable-acl` cluster option is true.
pub fn enabled_for(cib: &Element, user: Option<&str>) -> bool {
    acl_required(user) && crate::options::enable_acl(cib)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIB: &str = r#"<cib><configuration><crm_config/><resources><primitive id="dummy" class="ocf"><meta_attributes id="m"><nvpair id="n" name="target-role" value="Started"/></meta_attributes></primitive></resources><acls>
      <acl_target id="badidea"><role id="r1"/></acl_target>
      <acl_role id="r1"><acl_permission id="p1" kind="read" xpath="//meta_attributes"/></acl_role>
      <acl_user id="betteridea"><deny id="d" xpath="/cib"/><read id="r" xpath="//meta_attributes"/></acl_user>
      <acl_user id="old"><read id="o" object-type="primitive" reference="dummy"/></acl_user>
    </acls></configuration></cib>"#;

    #[test]
    fn unpacking_follows_roles_and_builds_xpaths() {
        let cib = pcmk_xml::parse(CIB).unwrap();
        let rules = unpack(&cib, "badidea", &NoGroups);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].xpath, "//meta_attributes");
        let rules = unpack(&cib, "old", &NoGroups);
        assert_eq!(rules[0].xpath, "//primitive[@id='dummy']");
        assert!(unpack(&cib, "nobody", &NoGroups).is_empty());
    }

    #[test]
    fn filtering_keeps_readable_parts_only() {
        let cib = pcmk_xml::parse(CIB).unwrap();
        for user in ["badidea", "betteridea"] {
            let got = filtered_copy(Some(user), &cib, &cib, &NoGroups)
                .unwrap()
                .unwrap();
            assert_eq!(
                got.to_unformatted(),
                r#"<cib><configuration><resources><primitive id="dummy"><meta_attributes id="m"><nvpair id="n" name="target-role" value="Started"/></meta_attributes></primitive></resources></configuration></cib>"#,
                "{user}"
            );
        }
        assert_eq!(
            filtered_copy(Some("nobody"), &cib, &cib, &NoGroups),
            Some(None)
        );
        assert_eq!(filtered_copy(Some("root"), &cib, &cib, &NoGroups), None);
    }
}
