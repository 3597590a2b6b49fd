//! The CIB operations (lib/cib/cib_ops.c): query, modify, create, replace,
//! delete, erase, bump, upgrade, apply-diff, and their XPath forms.
//!
//! Each write works on the tracked working copy (`result`) and returns a
//! legacy return code; [`crate::perform`] wraps them with ACLs, version
//! management and validation. Queries read an element tree. Pure.

use pcmk_results::errno::{EEXIST, EINVAL, ENOMSG, ENXIO};
use pcmk_results::legacy::PCMK_ERR_OLD_DATA;
use pcmk_xml::tree::{Element, Node};
use pcmk_xml::xpath::{Hit, XPathDoc};

use crate::api::{CallOptions, Op};
use crate::doc::{Doc, NodeId};
use crate::sections::{find_element, find_in_doc, parent_for};
use crate::trace::Diags;
use crate::validate::{schema_index, Upgrader, Validation};

/// Everything an operation needs besides the documents.
pub(crate) struct Ctx<'a> {
    pub op: Op,
    pub options: CallOptions,
    pub section: Option<&'a str>,
    pub input: Option<&'a Element>,
    pub schema_max: Option<&'a str>,
    pub validation: &'a Validation,
    pub upgrader: &'a dyn Upgrader,
    pub diag: &'a mut Diags,
}

fn is_section(section: Option<&str>, name: &str) -> bool {
    section.is_some_and(|s| s.eq_ignore_ascii_case(name))
}

/// A copy of `e` without children (`create_xml_node` + `copy_in_properties`).
fn shallow(e: &Element) -> Element {
    let mut s = Element::new(e.name());
    *s.attrs_mut() = e.attrs().to_vec();
    s
}

/// `cib_process_query()`: read a section (or the CIB, or XPath matches)
/// of `cib`.
pub(crate) fn query(ctx: &mut Ctx<'_>, cib: &Element) -> (i32, Option<Element>) {
    if ctx.options.has(CallOptions::XPATH) {
        return query_xpath(ctx, cib);
    }
    let section = if is_section(ctx.section, "all") {
        None
    } else {
        ctx.section
    };
    match find_element(cib, section) {
        None => (-ENXIO, None),
        Some(e) if ctx.options.has(CallOptions::NO_CHILDREN) => (0, Some(shallow(e))),
        Some(e) => (0, Some(e.clone())),
    }
}

/// The element `getXpathResult()` gives for a hit of a document built from
/// `cib` (`None` for namespace nodes).
fn hit_path(doc: &XPathDoc, h: &Hit) -> Option<Vec<usize>> {
    let key = match *h {
        Hit::Document => 0,
        Hit::Element(k) => k,
        Hit::Attribute { element, .. } => element,
        Hit::Other { parent, .. } => parent?,
        Hit::Namespace => return None,
    };
    doc.path(key).cloned()
}

/// `cib_process_xpath()` for queries.
fn query_xpath(ctx: &mut Ctx<'_>, cib: &Element) -> (i32, Option<Element>) {
    let expr = ctx.section.unwrap_or("");
    let doc = XPathDoc::from_element(cib);
    let hits = if expr.is_empty() {
        Vec::new()
    } else {
        doc.eval(expr).unwrap_or_default()
    };
    let max = hits.len();
    let mut rc = 0;
    let mut answer: Option<Element> = None;
    if max < 1 {
        rc = -ENXIO;
    } else if max > 1 {
        answer = Some(Element::new("xpath-query"));
    }
    for h in &hits {
        let Some(path) = hit_path(&doc, h) else {
            continue;
        };
        let Some(m) = pcmk_xml::xpath::element_at(cib, &path) else {
            continue;
        };
        if ctx.options.has(CallOptions::NO_CHILDREN) {
            let s = shallow(m);
            match answer.as_mut() {
                Some(a) => {
                    a.push_element(s);
                }
                None => answer = Some(s),
            }
        } else if ctx.options.has(CallOptions::XPATH_ADDRESS) {
            let p = pcmk_xml::xpath::element_xpath(cib, &path).unwrap_or_default();
            answer
                .get_or_insert_with(|| Element::new("xpath-query"))
                .push_element(Element::new("xpath-query-path").with_attr("id", p));
        } else if let Some(a) = answer.as_mut() {
            a.push_element(m.clone());
        } else {
            answer = Some(m.clone());
        }
    }
    (rc, answer)
}

/// Run a write operation on the working copy `result`.
pub(crate) fn write(
    ctx: &mut Ctx<'_>,
    existing: &Element,
    result: &mut Option<Doc>,
    answer: &mut Option<Element>,
) -> i32 {
    match ctx.op {
        Op::Modify => modify(ctx, result),
        Op::Create => create(ctx, result, answer),
        Op::Replace => replace(ctx, existing, result),
        Op::Delete => delete(ctx, result),
        Op::Erase => erase(existing, result),
        Op::Bump => bump(result),
        Op::Upgrade => upgrade(ctx, existing, result),
        Op::ApplyPatch => apply_patch(ctx, existing, result),
        _ => -EINVAL,
    }
}

/// `cib_update_counter()`: add one to a version field (or set it to 1).
pub(crate) fn update_counter(doc: &mut Doc, node: NodeId, field: &str, reset: bool) {
    let new = match doc.attr(node, field).filter(|_| !reset) {
        Some(old) => crate::options::parse_ll_prefix(old)
            .map_or(0, |v| v as i32)
            .wrapping_add(1)
            .to_string(),
        None => "1".to_owned(),
    };
    doc.set_attr(node, field, &new);
}

/// `cib_process_bump()`.
fn bump(result: &mut Option<Doc>) -> i32 {
    if let Some(doc) = result.as_mut() {
        if let Some(r) = doc.root() {
            update_counter(doc, r, "epoch", false);
        }
    }
    0
}

/// `cib_process_erase()`: an empty CIB keeping the old root's attributes,
/// with `admin_epoch` one higher.
fn erase(existing: &Element, result: &mut Option<Doc>) -> i32 {
    let mut doc = Doc::from_element(&crate::sections::empty_cib(0));
    if let Some(r) = doc.root() {
        doc.copy_in_properties(
            r,
            existing
                .attrs()
                .iter()
                .map(|a| (a.name.as_str(), a.value.as_str())),
        );
        update_counter(&mut doc, r, "admin_epoch", false);
    }
    // (atrium-based) createEmptyCib()'s document is born dirty, so the
    // xml_track_changes() cib_perform_op() runs next accepts, i.e. clears,
    // the flags of everything set here: only attributes whose value or
    // position differs from the old root end up in the patchset.
    doc.flags |= crate::doc::flag::DIRTY;
    *result = Some(doc);
    0
}

/// `cib_process_upgrade()`.
fn upgrade(ctx: &mut Ctx<'_>, existing: &Element, result: &mut Option<Doc>) -> i32 {
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    let current = existing
        .attr("validate-with")
        .map_or(Some(0), |v| schema_index(Some(v)));
    let max = ctx
        .schema_max
        .and_then(|m| schema_index(Some(m)))
        .unwrap_or(0);
    let Some(xml) = doc.to_element() else {
        return -EINVAL;
    };
    let to_logs = !ctx.options.has(CallOptions::VERBOSE);
    let up = ctx
        .validation
        .update_validation(&xml, max, true, to_logs, ctx.upgrader, ctx.diag);
    if let Some(new) = up.replaced {
        *doc = Doc::from_element(&new);
    }
    if let (Some(name), Some(r)) = (up.set_validate_with, doc.root()) {
        doc.set_attr(r, "validate-with", name);
    }
    let newer = match current {
        Some(c) => up.best > c,
        None => true,
    };
    if newer {
        if let Some(r) = doc.root() {
            update_counter(doc, r, "admin_epoch", false);
            update_counter(doc, r, "epoch", true);
            update_counter(doc, r, "num_updates", true);
        }
        return 0;
    }
    up.rc
}

/// `cib_version_details()`: admin_epoch, epoch, num_updates (-1 when
/// missing or not a number).
pub(crate) fn version_details(e: &Element) -> [i64; 3] {
    ["admin_epoch", "epoch", "num_updates"].map(|f| element_value_int(e.attr(f)))
}

/// `crm_element_value_int()` (-1 when missing or unparsable).
pub(crate) fn element_value_int(v: Option<&str>) -> i64 {
    v.and_then(crate::options::parse_ll_prefix)
        .filter(|n| i32::try_from(*n).is_ok())
        .unwrap_or(-1)
}

/// `cib_process_replace()`.
fn replace(ctx: &mut Ctx<'_>, existing: &Element, result: &mut Option<Doc>) -> i32 {
    if ctx.options.has(CallOptions::XPATH) {
        return xpath_write(ctx, result, &mut None);
    }
    let Some(input) = ctx.input else {
        return -EINVAL;
    };
    let tag = input.name();
    let mut section = ctx.section;
    if is_section(section, "all") || is_section(section, tag) {
        section = None;
    }
    if tag.eq_ignore_ascii_case("cib") {
        let [admin, epoch, updates] = version_details(existing);
        let [r_admin, r_epoch, r_updates] = version_details(input);
        let older = if r_admin < admin {
            true
        } else if r_admin > admin {
            false
        } else if r_epoch < epoch {
            true
        } else if r_epoch > epoch {
            false
        } else {
            r_updates < updates
        };
        *result = Some(Doc::from_element(input));
        return if older { -PCMK_ERR_OLD_DATA } else { 0 };
    }
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    match find_in_doc(doc, section) {
        Some(root) if doc.replace_xml_child(None, root, input, false) => 0,
        _ => -ENXIO,
    }
}

/// `cib_process_delete()`: delete the first match of the input (or of
/// each of its children when it is the section element itself). Deleting
/// nothing is not an error.
fn delete(ctx: &mut Ctx<'_>, result: &mut Option<Doc>) -> i32 {
    if ctx.options.has(CallOptions::XPATH) {
        return xpath_write(ctx, result, &mut None);
    }
    let Some(input) = ctx.input else {
        return -EINVAL;
    };
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    let Some(root) = find_in_doc(doc, ctx.section) else {
        return 0;
    };
    if is_section(ctx.section, input.name()) {
        for child in input.elements() {
            doc.replace_xml_child(None, root, child, true);
        }
    } else {
        doc.replace_xml_child(None, root, input, true);
    }
    0
}

/// `cib_process_modify()`: merge the input into the first element with its
/// name and id (creating the section if needed; creating the element with
/// `CAN_CREATE`).
fn modify(ctx: &mut Ctx<'_>, result: &mut Option<Doc>) -> i32 {
    if ctx.options.has(CallOptions::XPATH) {
        return xpath_write(ctx, result, &mut None);
    }
    let Some(input) = ctx.input else {
        return -EINVAL;
    };
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    let mut root = find_in_doc(doc, ctx.section);
    if root.is_none() {
        let Some(path) = parent_for(ctx.section) else {
            return -EINVAL;
        };
        let name = ctx.section.unwrap_or("");
        if let Ok(Some(parent)) = doc.xpath(path).map(|m| m.into_iter().next()) {
            doc.add_node_copy(parent, &Node::Element(Element::new(name)));
        }
        root = find_in_doc(doc, ctx.section);
    }
    let Some(root) = root else {
        return -EINVAL;
    };
    if !doc.update_xml_child(root, input) {
        if ctx.options.has(CallOptions::CAN_CREATE) {
            doc.add_node_copy(root, &Node::Element(input.clone()));
        } else {
            return -ENXIO;
        }
    }
    if ctx.options.has(CallOptions::MIXED_UPDATE) {
        if let Ok(matches) = doc.xpath("//@__delete__") {
            for m in matches {
                doc.free_node(m, None);
            }
        }
    }
    0
}

/// `update_cib_object()`: merge `update` into the matching child of
/// `parent` (created if missing), honouring the `replace` attribute.
fn update_cib_object(doc: &mut Doc, parent: NodeId, update: &Element) -> i32 {
    let name = update.name();
    let target = match update.id() {
        None => doc.find_child(parent, name),
        Some(id) => doc.xe_match(parent, Some(name), Some(("id", id))),
    };
    let target = target.unwrap_or_else(|| doc.create_child(parent, name));
    let replace = update.attr("replace");
    if let Some(list) = replace {
        for item in list.split(',').filter(|i| !i.is_empty()) {
            if let Some(old) = doc.find_child(target, item) {
                doc.free_node(old, None);
            }
        }
        doc.remove_attr(target, "replace");
    }
    doc.copy_in_properties(
        target,
        update
            .attrs()
            .iter()
            .filter(|a| !(replace.is_some() && a.name == "replace"))
            .map(|a| (a.name.as_str(), a.value.as_str())),
    );
    if doc.acl_denied() {
        return -pcmk_results::errno::EACCES;
    }
    let mut result = 0;
    for child in update.elements() {
        let rc = update_cib_object(doc, target, child);
        if rc != 0 && result == 0 {
            result = rc;
        }
    }
    result
}

/// `add_cib_object()`: like [`update_cib_object`] but the element must
/// not exist yet.
fn add_cib_object(doc: &mut Doc, parent: Option<NodeId>, obj: &Element) -> i32 {
    let Some(parent) = parent else {
        return -EINVAL;
    };
    let equiv = match obj.id() {
        None => doc.find_child(parent, obj.name()),
        Some(id) => doc.xe_match(parent, Some(obj.name()), Some(("id", id))),
    };
    if equiv.is_some() {
        return -EEXIST;
    }
    update_cib_object(doc, parent, obj)
}

/// `update_results()`: record a failed object in `<failed>`.
fn update_results(failed: &mut Element, target: &Element, op: Op, rc: i32) -> bool {
    if rc == 0 {
        return false;
    }
    let mut entry = Element::new("failed_update").with_child(target.clone());
    if let Some(id) = target.id() {
        entry.set_attr("id", id);
    }
    entry.set_attr("object_type", target.name());
    entry.set_attr("operation", op.name());
    entry.set_attr("reason", pcmk_results::legacy::description(rc).into_owned());
    failed.push_element(entry);
    true
}

/// `cib_process_create()`.
fn create(ctx: &mut Ctx<'_>, result: &mut Option<Doc>, answer: &mut Option<Element>) -> i32 {
    let mut section = ctx.section;
    if is_section(section, "all")
        || is_section(section, "cib")
        || ctx
            .input
            .is_some_and(|i| i.name().eq_ignore_ascii_case("cib"))
    {
        section = None;
    }
    let Some(input) = ctx.input else {
        return -EINVAL;
    };
    if section.is_none() {
        let saved = ctx.section;
        ctx.section = None;
        let rc = modify(ctx, result);
        ctx.section = saved;
        return rc;
    }
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    let mut failed = Element::new("failed");
    let target = find_in_doc(doc, section);
    let mut rc = 0;
    if is_section(section, input.name()) {
        for child in input.elements() {
            rc = add_cib_object(doc, target, child);
            if update_results(&mut failed, child, ctx.op, rc) {
                break;
            }
        }
    } else {
        rc = add_cib_object(doc, target, input);
        update_results(&mut failed, input, ctx.op, rc);
    }
    if rc == 0 && failed.has_children() {
        rc = -EINVAL;
    }
    if rc != 0 {
        *answer = Some(failed);
    }
    rc
}

/// `cib_process_diff()`: apply a patchset (checking versions).
fn apply_patch(ctx: &mut Ctx<'_>, existing: &Element, result: &mut Option<Doc>) -> i32 {
    let Some(patch) = ctx.input else {
        return -EINVAL;
    };
    match pcmk_xml::patchset::apply_patchset(existing, patch, true) {
        Ok(new) => {
            *result = Some(Doc::from_element(&new));
            0
        }
        Err(e) => {
            *result = Some(Doc::from_element(existing));
            e.rc().to_legacy()
        }
    }
}

/// The raw node a hit stands for, as an ancestor chain can meet it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    Document,
    Node(NodeId),
    Attr(NodeId),
}

/// `dedupXpathResults()`: drop hits below another hit.
fn dedup(doc: &Doc, raws: &mut [Option<Raw>]) {
    let all: Vec<Option<Raw>> = raws.to_vec();
    for r in raws.iter_mut() {
        let Some(raw) = *r else { continue };
        let mut cur = match raw {
            Raw::Document => None,
            Raw::Node(n) => doc.parent(n).map(Raw::Node).or(Some(Raw::Document)),
            Raw::Attr(n) => Some(Raw::Node(n)),
        };
        while let Some(anc) = cur {
            if all.contains(&Some(anc)) {
                *r = None;
                break;
            }
            cur = match anc {
                Raw::Node(n) => doc.parent(n).map(Raw::Node).or(Some(Raw::Document)),
                _ => None,
            };
        }
    }
}

/// `cib_process_xpath()` for writes.
fn xpath_write(ctx: &mut Ctx<'_>, result: &mut Option<Doc>, _answer: &mut Option<Element>) -> i32 {
    let Some(doc) = result.as_mut() else {
        return -EINVAL;
    };
    let expr = ctx.section.unwrap_or("");
    let hits = doc.xpath_raw(expr).unwrap_or_default();
    let max = hits.len();
    let mut rc = 0;
    if max < 1 && ctx.op != Op::Delete {
        rc = -ENXIO;
    }
    let mut raws: Vec<Option<Raw>> = hits
        .iter()
        .map(|h| match *h {
            Hit::Document => Some(Raw::Document),
            Hit::Element(k) => Some(Raw::Node(k)),
            Hit::Attribute { element, .. } => Some(Raw::Attr(element)),
            Hit::Other { key, .. } => Some(Raw::Node(key)),
            Hit::Namespace => None,
        })
        .collect();
    let multiple = ctx.options.has(CallOptions::MULTIPLE);
    if multiple && ctx.op == Op::Delete {
        dedup(doc, &mut raws);
    }
    for (h, raw) in hits.iter().zip(raws) {
        if raw.is_none() {
            continue;
        }
        let Some(m) = doc.hit_node(h) else { continue };
        // A node removed by an earlier match is gone.
        let Some(root) = doc.root() else { break };
        if !doc.is_ancestor_or_self(root, m) {
            continue;
        }
        match ctx.op {
            Op::Delete => {
                if m == root {
                    rc = -EINVAL;
                    break;
                }
                doc.free_node(m, None);
                if !multiple {
                    break;
                }
            }
            Op::Modify => match ctx.input {
                Some(input) if doc.update_xml_child(m, input) => {
                    if !multiple {
                        break;
                    }
                }
                _ => rc = -ENXIO,
            },
            Op::Create => {
                if let Some(input) = ctx.input {
                    doc.add_node_copy(m, &Node::Element(input.clone()));
                }
                break;
            }
            Op::Replace => {
                let parent = doc.parent(m);
                doc.free_node(m, None);
                match (parent, ctx.input) {
                    (Some(p), Some(input)) => {
                        doc.add_node_copy(p, &Node::Element(input.clone()));
                    }
                    (None, _) if doc.root().is_none() => {
                        *result = None;
                        return rc;
                    }
                    _ => {}
                }
                if !multiple {
                    break;
                }
            }
            _ => {}
        }
    }
    let _ = ENOMSG;
    rc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::NoTransforms;

    fn ctx<'a>(
        op: Op,
        options: CallOptions,
        section: Option<&'a str>,
        input: Option<&'a Element>,
        v: &'a Validation,
        diag: &'a mut Diags,
    ) -> Ctx<'a> {
        Ctx {
            op,
            options,
            section,
            input,
            schema_max: None,
            validation: v,
            upgrader: &NoTransforms,
            diag,
        }
    }

    #[test]
    fn xpath_queries_collect_matches() {
        let cib = pcmk_xml::parse(
            r#"<cib><configuration><resources><primitive id="a"/><primitive id="b"/></resources></configuration></cib>"#,
        )
        .unwrap();
        let v = Validation::default();
        let mut err = Diags::default();
        let mut c = ctx(
            Op::Query,
            CallOptions::XPATH,
            Some("//primitive"),
            None,
            &v,
            &mut err,
        );
        let (rc, out) = query(&mut c, &cib);
        assert_eq!(rc, 0);
        assert_eq!(out.unwrap().name(), "xpath-query");
        let mut c = ctx(
            Op::Query,
            CallOptions::XPATH | CallOptions::XPATH_ADDRESS,
            Some("//primitive[@id='b']"),
            None,
            &v,
            &mut err,
        );
        let (_, out) = query(&mut c, &cib);
        assert_eq!(
            out.unwrap().to_unformatted(),
            r#"<xpath-query><xpath-query-path id="/cib/configuration/resources/primitive[@id=&apos;b&apos;]"/></xpath-query>"#
        );
        let mut c = ctx(
            Op::Query,
            CallOptions::NONE,
            Some("alerts"),
            None,
            &v,
            &mut err,
        );
        assert_eq!(query(&mut c, &cib).0, -ENXIO);
    }
}
