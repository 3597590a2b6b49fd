//! `cib_perform_op()` (lib/cib/cib_utils.c): one operation against a CIB,
//! with ACL filtering and enforcement, the generation rules, `name++`
//! expansion, version management and schema validation. Pure apart from
//! libxml2 (validation, XPath).
//!
//! Generation rules, as the reference applies them after the operation:
//! - a change whose new `crm_feature_set` is newer than ours is refused
//!   (`-EPROTONOSUPPORT`);
//! - `admin_epoch` going down, or `epoch` going down with `admin_epoch`
//!   equal, is `-pcmk_err_old_data`;
//! - with managed counters, a change that touched the configuration section
//!   (a dirty `<configuration>` or a deletion below it) sets `num_updates`
//!   to 0 and adds one to `epoch`; any other change adds one to
//!   `num_updates`; no change leaves both alone.

use pcmk_results::errno::{EACCES, EINVAL, EPROTONOSUPPORT};
use pcmk_results::legacy::{PCMK_ERR_OLD_DATA, PCMK_ERR_SCHEMA_VALIDATION};
use pcmk_xml::tree::Element;
use pcmk_xml::version::compare_version;

use crate::acl::{self, Identity};
use crate::api::{CallOptions, Op, Request};
use crate::doc::{flag, Doc};
use crate::ops::{self, element_value_int, Ctx};
use crate::sections::CRM_FEATURE_SET;
use crate::trace::Diags;
use crate::validate::{schema_index, Upgrader, Validation};

/// The process-wide services an operation uses.
pub struct Services<'a> {
    pub validation: &'a Validation,
    pub identity: &'a dyn Identity,
    pub upgrader: &'a dyn Upgrader,
}

/// What `cib_perform_op()` produced.
#[derive(Clone, Debug, Default)]
pub struct Performed {
    /// Legacy return code.
    pub rc: i32,
    /// For writes: the new CIB when `rc == 0`; on failure, what the
    /// reference keeps as the result (filtered for the user when ACLs
    /// apply; `None` when nothing is readable).
    pub result: Option<Element>,
    /// The call's output.
    pub output: Option<Element>,
    /// Whether the configuration section changed (the epoch moved).
    pub config_changed: bool,
    /// Whether anything changed at all (a patch would be non-empty).
    pub changed: bool,
    /// Stderr output and log messages, in order.
    pub diag: Diags,
    /// The changes tracked during the operation, version bump included,
    /// as they stood when the reference builds its patchset
    /// (`xml_create_patchset` before `xml_accept_changes`); `None` when
    /// nothing changed. (Added for the CIB manager, daemons/based: its
    /// diff notifications are built from these.)
    pub changes: Option<pcmk_xml::patchset::Changes>,
}

/// Options of one perform call beyond the request.
#[derive(Clone, Debug, Default)]
pub struct PerformOptions {
    /// Bump `epoch`/`num_updates` (`manage_counters`).
    pub manage_counters: bool,
    /// Value for `cib-last-written` when the configuration changes and the
    /// call does not carry `NO_MTIME` (e.g. "Sat Nov 22 01:32:08 2025").
    pub last_written: Option<String>,
}

/// `is_config_change()`.
fn is_config_change(doc: &Doc) -> bool {
    let conf = doc.root().and_then(|r| {
        doc.xml_children(r)
            .into_iter()
            .find(|&c| doc.is_element(c) && doc.tag(c) == "configuration")
    });
    if conf.is_some_and(|c| doc.node(c).flags & flag::DIRTY != 0) {
        return true;
    }
    doc.deleted()
        .iter()
        .any(|d| d.path.contains("/cib/configuration"))
}

impl Doc {
    /// `xml_track_changes(xml, user, acl_source, enforce_acls)`.
    pub(crate) fn track(
        &mut self,
        user: Option<&str>,
        acl_source: &Element,
        enforce: bool,
        identity: &dyn Identity,
    ) {
        self.accept_changes();
        self.flags |= flag::TRACKING;
        if enforce {
            self.flags |= flag::ACL_ENABLED;
            self.unpack_acl(acl_source, user, identity);
            self.apply_acl();
        }
    }
}

/// Perform `op` on `current` (`cib_perform_op`).
pub fn perform(
    services: &Services<'_>,
    op: Op,
    req: &Request<'_>,
    current: &Element,
    opts: &PerformOptions,
) -> Performed {
    let mut out = Performed::default();
    let mut diag = Diags::default();
    let user = req.user;
    let mut ctx = Ctx {
        op,
        options: req.options,
        section: req.section,
        input: req.data,
        schema_max: req.schema_max,
        validation: services.validation,
        upgrader: services.upgrader,
        diag: &mut diag,
    };

    if op.is_query() {
        let mut filtered = None;
        if acl::enabled_for(current, user) {
            match acl::filtered_copy(user, current, current, services.identity) {
                Some(None) => {
                    out.rc = -EACCES;
                    out.diag = diag;
                    return out;
                }
                Some(Some(f)) => filtered = Some(f),
                None => {}
            }
        }
        let ro = filtered.as_ref().unwrap_or(current);
        let (rc, output) = ops::query(&mut ctx, ro);
        out.rc = rc;
        out.output = output;
        out.diag = diag;
        return out;
    }

    let acl_on = acl::enabled_for(current, user);
    let mut scratch = Doc::from_element(current);
    scratch.track(user, current, acl_on, services.identity);
    let mut result = Some(scratch);
    let mut answer = None;
    let mut rc = ops::write(&mut ctx, current, &mut result, &mut answer);
    out.output = answer;

    let mut trace = diag;
    let finish = |scratch: Option<Doc>, rc: i32, mut out: Performed, mut trace: Diags| {
        let mut scratch = scratch;
        if let Some(s) = scratch.as_mut() {
            trace.append(s.take_trace());
        }
        let result = scratch.and_then(|s| s.to_element());
        out.rc = rc;
        out.result = result;
        if rc != 0 && acl::enabled_for(current, user) {
            if let Some(r) = out.result.take() {
                out.result =
                    acl::filtered_copy(user, current, &r, services.identity).unwrap_or(Some(r));
            }
        }
        out.diag = trace;
        out
    };

    let Some(mut scratch) = result else {
        if rc == 0 {
            rc = -EINVAL;
        }
        return finish(None, rc, out, trace);
    };
    if !scratch.tracking(false) {
        // The operation replaced the document: infer what changed.
        trace.append(scratch.take_trace());
        scratch.track(user, current, acl_on, services.identity);
        let mut old = Doc::from_element(current);
        scratch.calculate_changes(&mut old);
    }
    scratch.acl_disable();

    if rc == 0 && scratch.root().is_none() {
        return finish(Some(scratch), -EINVAL, out, trace);
    } else if rc == 0 && scratch.acl_denied() {
        return finish(Some(scratch), -EACCES, out, trace);
    } else if rc != 0 {
        return finish(Some(scratch), rc, out, trace);
    }
    let Some(root) = scratch.root() else {
        return finish(Some(scratch), -EINVAL, out, trace);
    };

    if let Some(v) = scratch.attr(root, "crm_feature_set") {
        if compare_version(Some(v), Some(CRM_FEATURE_SET)) > 0 {
            return finish(Some(scratch), -EPROTONOSUPPORT, out, trace);
        }
    }

    // Generation checks (missing values count as 0 here).
    let gen = |e: Option<&str>| {
        let v = element_value_int(e);
        if e.is_none() {
            0
        } else {
            v
        }
    };
    let old_admin = gen(current.attr("admin_epoch"));
    let new_admin = gen(scratch.attr(root, "admin_epoch"));
    if old_admin > new_admin {
        rc = -PCMK_ERR_OLD_DATA;
    } else if old_admin == new_admin {
        let old_epoch = gen(current.attr("epoch"));
        let new_epoch = gen(scratch.attr(root, "epoch"));
        if old_epoch > new_epoch {
            rc = -PCMK_ERR_OLD_DATA;
        }
    }

    scratch.strip_text(root);
    scratch.fix_plus_plus(root);

    // xml_create_patchset(): decide and apply the version bump.
    scratch.acl_disable();
    if scratch.is_dirty() {
        out.changed = true;
        out.config_changed = is_config_change(&scratch);
        if opts.manage_counters {
            if out.config_changed {
                scratch.set_attr(root, "num_updates", "0");
                let epoch = element_value_int(scratch.attr(root, "epoch")).max(-1);
                let epoch = if scratch.attr(root, "epoch").is_none() {
                    0
                } else {
                    epoch
                };
                scratch.set_attr(root, "epoch", &(epoch as i32).wrapping_add(1).to_string());
            } else {
                let n = element_value_int(scratch.attr(root, "num_updates"));
                let n = if scratch.attr(root, "num_updates").is_none() {
                    0
                } else {
                    n
                };
                scratch.set_attr(root, "num_updates", &(n as i32).wrapping_add(1).to_string());
            }
        }
    }
    trace.append(scratch.take_trace());
    out.changes = scratch.is_dirty().then(|| tracked_changes(&scratch));
    scratch.accept_changes();

    let check_schema = !req
        .section
        .is_some_and(|s| s.eq_ignore_ascii_case("status"));

    if out.config_changed && !req.options.has(CallOptions::NO_MTIME) {
        let written = opts
            .last_written
            .clone()
            .unwrap_or_else(|| "Could not determine current time".to_owned());
        scratch.set_attr(root, "cib-last-written", &written);
        let schema = scratch.attr(root, "validate-with").map(str::to_owned);
        let minimum = schema_index(Some("pacemaker-1.2"));
        if let (Some(s), Some(min)) = (schema, minimum) {
            if schema_index(Some(&s)).is_some_and(|c| c >= min) {
                for (name, value) in [
                    ("update-origin", req.origin),
                    ("update-client", req.client_name),
                    ("update-user", req.user),
                ] {
                    match value {
                        Some(v) => {
                            scratch.set_attr(root, name, v);
                        }
                        None if scratch.attr(root, name).is_some() => {
                            scratch.unset_attr(root, name);
                        }
                        None => {
                            scratch.set_attr(root, name, "");
                        }
                    }
                }
            }
        }
    }

    if rc == 0 && check_schema {
        let Some(xml) = scratch.to_element() else {
            return finish(Some(scratch), -EINVAL, out, trace);
        };
        let (valid, set) = services.validation.validate_xml(&xml, true, &mut trace);
        if let Some(name) = set {
            scratch.set_attr(root, "validate-with", name);
        }
        if !valid {
            rc = -PCMK_ERR_SCHEMA_VALIDATION;
        }
    }
    finish(Some(scratch), rc, out, trace)
}

// ---- Added for the CIB manager (daemons/based) -----------------------------

/// The changes tracked in `doc`, as pcmk-xml's patch builders take them
/// (`Changes::from_tracked`).
fn tracked_changes(doc: &Doc) -> pcmk_xml::patchset::Changes {
    use crate::doc::{Kind, NodeId};
    use pcmk_xml::patchset::{Changes, Deleted, TrackedAttr, TrackedElement, TrackedNode};
    use pcmk_xml::tree::Node;

    fn node(doc: &Doc, id: NodeId) -> TrackedNode {
        let n = doc.node(id);
        let has = |f: u32| n.flags & f != 0;
        match &n.kind {
            Kind::Element(name) => TrackedNode::Element(TrackedElement {
                name: name.clone(),
                attrs: n
                    .attrs
                    .iter()
                    .map(|a| TrackedAttr {
                        name: a.name.clone(),
                        value: a.value.clone(),
                        dirty: a.flags & flag::DIRTY != 0,
                        deleted: a.flags & flag::DELETED != 0,
                    })
                    .collect(),
                children: n.children.iter().map(|&c| node(doc, c)).collect(),
                created: has(flag::CREATED),
                moved: has(flag::MOVED),
                dirty: has(flag::DIRTY),
            }),
            Kind::Comment(text) => TrackedNode::Comment {
                text: text.clone(),
                created: has(flag::CREATED),
                moved: has(flag::MOVED),
            },
            Kind::Text(t) => TrackedNode::Other(Node::Text(t.clone())),
            Kind::CData(t) => TrackedNode::Other(Node::CData(t.clone())),
            Kind::Pi { target, data } => TrackedNode::Other(Node::Pi {
                target: target.clone(),
                data: data.clone(),
            }),
        }
    }

    let root = match doc.root().map(|r| node(doc, r)) {
        Some(TrackedNode::Element(e)) => e,
        _ => TrackedElement::default(),
    };
    let deleted = doc
        .deleted()
        .iter()
        .map(|d| Deleted {
            path: d.path.clone(),
            position: d.position,
        })
        .collect();
    Changes::from_tracked(root, deleted, doc.is_dirty())
}

// ---------------------------------------------------------------------------

/// The patchset a CIB manager sends peers after a change from `old` to
/// `new` (`xml_create_patchset(0, …)` + `patchset_process_digest`): format
/// 2 for feature sets newer than 3.0.8, else 1; the versions in `new` are
/// taken as they are (the caller already managed them). `None` when
/// nothing changed.
///
/// The reference builds the patch from the changes it tracked during the
/// operation; this computes them by comparing the trees, which gives a
/// patch that turns `old` into `new` exactly (a peer applying it ends with
/// the same CIB and digest).
pub fn patchset(old: &Element, new: &Element, with_digest: bool) -> Option<Element> {
    use pcmk_xml::patchset::{add_digest, calculate_changes, create_patchset, CalcOptions};
    let mut changes = calculate_changes(old, new, CalcOptions::default());
    let created = create_patchset(0, old, &mut changes, false).ok()??;
    let mut patch = created.patch;
    add_digest(&mut patch, old, new, with_digest);
    Some(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::NoGroups;
    use crate::validate::NoTransforms;

    fn services(v: &Validation) -> Services<'_> {
        Services {
            validation: v,
            identity: &NoGroups,
            upgrader: &NoTransforms,
        }
    }

    #[test]
    fn configuration_changes_bump_the_epoch_and_patch_back() {
        let v = Validation::default();
        let old = crate::sections::empty_cib(4);
        let data =
            pcmk_xml::parse(r#"<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>"#)
                .unwrap();
        let req = Request {
            section: Some("resources"),
            data: Some(&data),
            ..Request::default()
        };
        let opts = PerformOptions {
            manage_counters: true,
            last_written: Some("Thu Jan  1 00:00:00 1970".into()),
        };
        let done = perform(&services(&v), Op::Create, &req, &old, &opts);
        assert_eq!(done.rc, 0);
        assert!(done.config_changed);
        let new = done.result.expect("a new CIB");
        assert_eq!(new.attr("epoch"), Some("5"));
        assert_eq!(new.attr("num_updates"), Some("0"));
        assert_eq!(
            new.attr("cib-last-written"),
            Some("Thu Jan  1 00:00:00 1970")
        );
        let patch = patchset(&old, &new, true).expect("something changed");
        let applied = pcmk_xml::patchset::apply_patchset(&old, &patch, true).expect("applies");
        assert_eq!(applied, new);
    }

    #[test]
    fn status_changes_bump_num_updates_only() {
        let v = Validation::default();
        let old = crate::sections::empty_cib(4);
        let data = pcmk_xml::parse(r#"<node_state id="1" uname="n1"/>"#).unwrap();
        let req = Request {
            section: Some("status"),
            data: Some(&data),
            options: CallOptions::CAN_CREATE | CallOptions::NO_MTIME,
            ..Request::default()
        };
        let opts = PerformOptions {
            manage_counters: true,
            last_written: None,
        };
        let done = perform(&services(&v), Op::Modify, &req, &old, &opts);
        assert_eq!(done.rc, 0);
        assert!(!done.config_changed);
        let new = done.result.expect("a new CIB");
        assert_eq!(
            (new.attr("epoch"), new.attr("num_updates")),
            (Some("4"), Some("1"))
        );
    }

    #[test]
    fn older_replacements_are_refused() {
        let v = Validation::default();
        let old = crate::sections::empty_cib(4);
        let older = crate::sections::empty_cib(3);
        let req = Request {
            data: Some(&older),
            ..Request::default()
        };
        let done = perform(
            &services(&v),
            Op::Replace,
            &req,
            &old,
            &PerformOptions::default(),
        );
        assert_eq!(done.rc, -pcmk_results::legacy::PCMK_ERR_OLD_DATA);
    }

    /// (atrium-based) An erase reports only the root attributes whose value
    /// or position differs (measured with the reference's
    /// `cibadmin -VVVVV -E --force` on a file CIB): those copied over from
    /// the old root in the same place are not changes.
    #[test]
    fn erase_reports_moved_and_changed_root_attributes_only() {
        let v = Validation::default();
        let old = pcmk_xml::parse(
            r#"<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="29" num_updates="3" update-origin="a" update-client="b" update-user="c" crm_feature_set="3.16.1"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#,
        )
        .unwrap();
        let req = Request::default();
        let opts = PerformOptions {
            manage_counters: true,
            last_written: None,
        };
        let mut done = perform(&services(&v), Op::Erase, &req, &old, &opts);
        assert_eq!(done.rc, 0);
        let mut changes = done.changes.take().expect("changes");
        let created = pcmk_xml::patchset::create_patchset(0, &old, &mut changes, false)
            .unwrap()
            .unwrap();
        let set: Vec<String> = created
            .patch
            .elements()
            .filter(|c| c.attr("path") == Some("/cib"))
            .flat_map(|c| c.elements().filter(|l| l.name() == "change-list"))
            .flat_map(|l| {
                l.elements()
                    .filter_map(|a| a.attr("name"))
                    .map(String::from)
            })
            .collect();
        // crm_feature_set, validate-with, epoch and update-origin moved,
        // admin_epoch and num_updates changed; update-client and
        // update-user kept their places.
        assert_eq!(
            set,
            [
                "crm_feature_set",
                "validate-with",
                "epoch",
                "num_updates",
                "admin_epoch",
                "update-origin"
            ]
        );
    }
}
