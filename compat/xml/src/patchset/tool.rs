//! What `crm_diff` does with patchsets (tools/crm_diff.c), kept here so the
//! tool stays a thin layer and tests can call it directly.

use crate::tree::{Element, Node};

use super::{
    add_digest, apply_patchset, calculate_changes, create_patchset, CalcOptions, Changes,
    PatchError, VERSION_FIELDS,
};

/// How `crm_diff` compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// `--cib`: ignore attribute moves and always add a digest.
    pub as_cib: bool,
    /// `--no-version`: leave version details out of the patch.
    pub no_version: bool,
}

/// What `generate_patch` produced: the patch (`None` when the reference
/// prints nothing and exits 0) and the marked changes (for logging).
#[derive(Clone, Debug)]
pub struct Generated {
    pub patch: Option<Element>,
    pub changes: Changes,
}

/// `crm_diff`'s `generate_patch`: the patch from `old` to `new`.
#[doc(alias = "generate_patch")]
pub fn generate(old: &Element, new: &Element, opts: DiffOptions) -> Generated {
    let mut new = new.clone();
    if opts.no_version {
        // Make the versions identical so they do not show as a change.
        for field in VERSION_FIELDS {
            if let Some(v) = old.attr(field) {
                new.set_attr(field, v);
            }
        }
    }
    let mut changes = calculate_changes(
        old,
        &new,
        CalcOptions {
            significant_only: opts.as_cib,
        },
    );
    // Format 0 never fails.
    let created = create_patchset(0, old, &mut changes, false).ok().flatten();
    let patch = created.map(|created| {
        let mut patch = created.patch;
        let target = changes.accept();
        add_digest(&mut patch, old, &target, opts.as_cib);
        if !opts.as_cib && opts.no_version {
            strip_versions(&mut patch);
        }
        patch
    });
    Generated { patch, changes }
}

/// `crm_diff`'s `apply_patch`: the patched copy of `input`; `as_cib` also
/// checks versions.
#[doc(alias = "apply_patch")]
pub fn apply(input: &Element, patch: &Element, as_cib: bool) -> Result<Element, PatchError> {
    apply_patchset(input, patch, as_cib)
}

/// `strip_patch_cib_version`: remove version details from a patch.
fn strip_versions(patch: &mut Element) {
    if super::versions::patch_format(patch) == 2 {
        if let Some(i) = patch
            .children
            .iter()
            .position(|c| matches!(c, Node::Element(e) if e.name() == "version"))
        {
            patch.children.remove(i);
        }
        return;
    }
    for tag in ["diff-removed", "diff-added"] {
        let Some(section) = patch.first_element_mut(tag) else {
            continue;
        };
        for field in VERSION_FIELDS {
            section.remove_attr(field);
        }
        if let Some(cib) = section.first_element_mut("cib") {
            for field in VERSION_FIELDS {
                cib.remove_attr(field);
            }
        }
    }
}
