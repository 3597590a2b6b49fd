//! Pacemaker's XML patchsets (lib/common/patchset.c and the change
//! tracking of xml.c). Pure: no I/O.
//!
//! Module map:
//! - `arena`: an index-linked working copy of a tree with libxml2-style
//!   private flags on nodes and attributes.
//! - [`changes`]: [`calculate_changes`] marks what changed from an old tree
//!   to a new one ([`Changes`]).
//! - [`tracked`]: [`Changes::from_tracked`] takes changes recorded by a
//!   caller that tracks its own mutations (the CIB manager's operations).
//! - `create_v1` / `create_v2`: patchset formats 1 and 2 from marked
//!   changes; [`create_patchset`] picks one (`xml_create_patchset`),
//!   [`add_digest`] adds the digest (`patchset_process_digest`).
//! - `apply_v1` / `apply_v2`: the two appliers; [`apply_patchset`] checks
//!   versions, dispatches and verifies the digest (`xml_apply_patchset`).
//! - [`versions`]: patch versions and the version check.
//! - [`log`]: the log lines of `xml_log_patchset` and `xml_log_changes`.
//! - [`tool`]: what `crm_diff` does with these (shared by the tool and
//!   tests).
//!
//! Known differences from the reference (all in inputs where it crashes or
//! reads freed memory; crm_diff's differential test skips those):
//! - text, CDATA or processing instructions beside elements (possible in
//!   `-O`/`-N` strings): the reference dereferences their missing private
//!   data; here they take no part in matching and positions.
//! - an element named `comment` without id: the reference may match it
//!   with a comment node; here elements only match elements.
//! - patches that delete the root or the document node, `create` changes
//!   with nothing to create, `move` of the document: the reference crashes;
//!   here they fail with [`PatchError::Unsupported`] (`pcmk_rc_diff_failed`).
//! - log lines: only the `CRM_CHECK` lines `crm_diff` users see (roots
//!   that differ, format-1 sections with several trees) are reproduced, by
//!   the tool.
//!
//! Typical use by a CIB manager:
//! ```
//! use pcmk_xml::patchset::{self, CalcOptions};
//! let old = pcmk_xml::parse(r#"<cib crm_feature_set="3.16.1" epoch="1" num_updates="0" admin_epoch="0"><configuration/></cib>"#).unwrap();
//! let new = pcmk_xml::parse(r#"<cib crm_feature_set="3.16.1" epoch="1" num_updates="0" admin_epoch="0"><configuration><nodes/></configuration></cib>"#).unwrap();
//! let mut changes = patchset::calculate_changes(&old, &new, CalcOptions { significant_only: true });
//! let created = patchset::create_patchset(2, &old, &mut changes, true).unwrap().unwrap();
//! assert!(created.config_changed);
//! let target = changes.accept(); // epoch bumped to 2, num_updates 0
//! let applied = patchset::apply_patchset(&old, &created.patch, true).unwrap();
//! assert_eq!(applied, target);
//! ```

mod apply_v1;
mod apply_v2;
mod arena;
pub mod changes;
mod create_v1;
mod create_v2;
mod index;
pub mod log;
pub mod tool;
pub mod tracked;
pub mod versions;

use std::fmt;

use pcmk_results::Rc;

use crate::digest;
use crate::tree::Element;
use crate::version::compare_version;

pub use changes::{calculate_changes, CalcOptions, Changes, Deleted};
pub use tracked::{TrackedAttr, TrackedElement, TrackedNode};
pub use versions::{patch_version_check, patch_versions, Version};

/// The feature set this implementation speaks (`CRM_FEATURE_SET`), which
/// format-1 patches carry.
pub const CRM_FEATURE_SET: &str = "3.16.1";

/// The attribute format-1 patches tag whole added or removed subtrees with
/// (`XML_DIFF_MARKER`).
#[doc(alias = "XML_DIFF_MARKER")]
pub const DIFF_MARKER: &str = "__crm_diff_marker__";

/// The CIB version attributes, most significant first.
pub const VERSION_FIELDS: [&str; 3] = ["admin_epoch", "epoch", "num_updates"];

/// A patch and what it says about the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub patch: Element,
    /// Whether the configuration section changed (then the epoch, not just
    /// `num_updates`, moves when versions are managed).
    pub config_changed: bool,
}

/// Build a patchset from marked changes (`xml_create_patchset`).
///
/// `format` 0 picks 2 when the source's `crm_feature_set` is newer than
/// 3.0.8, else 1. With `manage_version`, the target's version is bumped
/// first (through `changes`, so the bump is part of the patch): a
/// configuration change sets `num_updates` to 0 and increments `epoch`,
/// anything else increments `num_updates`.
///
/// `Ok(None)`: nothing changed (or, in format 1, nothing but order). Errors
/// only for an unknown format.
#[doc(alias = "xml_create_patchset")]
pub fn create_patchset(
    format: i32,
    source: &Element,
    changes: &mut Changes,
    manage_version: bool,
) -> Result<Option<Created>, PatchError> {
    if !changes.is_dirty() {
        return Ok(None);
    }
    let config_changed = changes.config_changed();
    if manage_version {
        if config_changed {
            changes.set_root_attr("num_updates", "0");
            let epoch = changes
                .root_attr("epoch")
                .map_or(0, versions::parse_int)
                .wrapping_add(1);
            changes.set_root_attr("epoch", &epoch.to_string());
        } else {
            let n = changes
                .root_attr("num_updates")
                .map_or(0, versions::parse_int)
                .wrapping_add(1);
            changes.set_root_attr("num_updates", &n.to_string());
        }
    }
    let format = match format {
        0 if compare_version(Some("3.0.8"), source.attr("crm_feature_set")) < 0 => 2,
        0 => 1,
        f => f,
    };
    let patch = match format {
        1 => create_v1::create_v1(source, changes, config_changed),
        2 => Some(create_v2::create_v2(source, changes)),
        f => return Err(PatchError::UnknownFormat(f)),
    };
    Ok(patch.map(|patch| Created {
        patch,
        config_changed,
    }))
}

/// Add the digest of `target` (the accepted new tree) to a patch
/// (`patchset_process_digest`): always for format 1, for format 2 only
/// when `with_digest` (crm_diff `--cib`; the CIB manager always asks).
#[doc(alias = "patchset_process_digest")]
pub fn add_digest(patch: &mut Element, source: &Element, target: &Element, with_digest: bool) {
    if versions::patch_format(patch) > 1 && !with_digest {
        return;
    }
    let d = digest::versioned(target, false, true, source.attr("crm_feature_set"));
    patch.set_attr("digest", d);
}

/// Apply a patchset to a copy of `xml` and return the result
/// (`xml_apply_patchset`). With `check_version`, the patch's source
/// version must match `xml`'s and its target be newer. A `digest` on the
/// patch is checked against the result.
#[doc(alias = "xml_apply_patchset")]
pub fn apply_patchset(
    xml: &Element,
    patch: &Element,
    check_version: bool,
) -> Result<Element, PatchError> {
    apply(xml, patch, check_version, true)
}

/// [`apply_patchset`] with the plain linear searches of the C code instead
/// of indexes: tests check that both give the same answers.
#[doc(hidden)]
pub fn apply_patchset_unindexed(
    xml: &Element,
    patch: &Element,
    check_version: bool,
) -> Result<Element, PatchError> {
    apply(xml, patch, check_version, false)
}

fn apply(
    xml: &Element,
    patch: &Element,
    check_version: bool,
    indexed: bool,
) -> Result<Element, PatchError> {
    let format = versions::patch_format(patch);
    if check_version {
        patch_version_check(xml, patch).map_err(|rc| {
            if rc == Rc::DIFF_RESYNC {
                PatchError::DiffResync
            } else {
                PatchError::OldData
            }
        })?;
    }
    let mut doc = arena::Arena::from_root(xml);
    match format {
        1 => apply_v1::apply_v1(&mut doc, patch)?,
        2 => apply_v2::apply_v2(&mut doc, patch, indexed)?,
        f => return Err(PatchError::UnknownFormat(f)),
    }
    let result = doc
        .root()
        .map(|r| doc.to_element(r, 0))
        .ok_or(PatchError::Unsupported("removing the document root"))?;
    if let Some(expected) = patch.attr("digest") {
        let calculated = digest::versioned(&result, false, true, result.attr("crm_feature_set"));
        if !calculated.eq_ignore_ascii_case(expected) {
            return Err(PatchError::DigestMismatch {
                format,
                expected: expected.to_owned(),
                calculated,
            });
        }
    }
    Ok(result)
}

/// Why a patch did not apply. [`PatchError::rc`] gives the reference's
/// return code (what `crm_diff` reports and exits with).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchError {
    /// The CIB is newer than the patch's source, or the patch changes no
    /// version (`pcmk_rc_old_data`).
    OldData,
    /// The CIB is older than the patch's source (`pcmk_rc_diff_resync`).
    DiffResync,
    /// The `format` attribute is neither 1 nor 2 (`EINVAL`).
    UnknownFormat(i32),
    /// A change's path names no node (`pcmk_rc_diff_failed`).
    NoMatch { operation: String, path: String },
    /// A `modify` change without a `change-result` (`ENOMSG`).
    NoResult,
    /// A change with an unknown `operation` (`pcmk_rc_diff_failed`).
    UnknownOperation(String),
    /// A `move` did not end at its position (`pcmk_rc_diff_failed`).
    MoveFailed { path: String, position: i32 },
    /// A format-1 section (`diff-added` when `added`, else
    /// `diff-removed`) holds `count` trees instead of one (`ENOTUNIQ`).
    NotUnique { added: bool, count: usize },
    /// The result's digest differs from the patch's (`pcmk_rc_diff_failed`).
    DigestMismatch {
        format: i32,
        expected: String,
        calculated: String,
    },
    /// A patch the reference cannot apply either (it crashes): deleting the
    /// root, creating nothing (`pcmk_rc_diff_failed`).
    Unsupported(&'static str),
}

impl PatchError {
    /// The standard return code the reference gives for this failure.
    pub fn rc(&self) -> Rc {
        use pcmk_results::errno::{EINVAL, ENOMSG, ENOTUNIQ};
        match self {
            PatchError::OldData => Rc::OLD_DATA,
            PatchError::DiffResync => Rc::DIFF_RESYNC,
            PatchError::UnknownFormat(_) => Rc::from_legacy(-EINVAL),
            PatchError::NoResult => Rc::from_legacy(-ENOMSG),
            PatchError::NotUnique { .. } => Rc::from_legacy(-ENOTUNIQ),
            PatchError::NoMatch { .. }
            | PatchError::UnknownOperation(_)
            | PatchError::MoveFailed { .. }
            | PatchError::DigestMismatch { .. }
            | PatchError::Unsupported(_) => Rc::DIFF_FAILED,
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::OldData => write!(f, "patch is older than the configuration"),
            PatchError::DiffResync => write!(f, "configuration is older than the patch's source"),
            PatchError::UnknownFormat(n) => write!(f, "unknown patch format {n}"),
            PatchError::NoMatch { operation, path } => {
                write!(f, "no {operation} match for {path}")
            }
            PatchError::NoResult => write!(f, "modify change without change-result"),
            PatchError::UnknownOperation(op) => write!(f, "unknown operation: {op}"),
            PatchError::MoveFailed { path, position } => {
                write!(f, "could not move {path} to position {position}")
            }
            PatchError::NotUnique { added, count } => write!(
                f,
                "({}) Diffs cannot contain more than one change set... saw {count}",
                if *added { '+' } else { '-' }
            ),
            PatchError::DigestMismatch {
                format,
                expected,
                calculated,
            } => write!(
                f,
                "v{format} digest mis-match: expected {expected}, calculated {calculated}"
            ),
            PatchError::Unsupported(what) => write!(f, "unsupported patch: {what}"),
        }
    }
}

impl std::error::Error for PatchError {}
