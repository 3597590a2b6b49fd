//! Upgrading a CIB to a newer schema: Pacemaker's `update_validation()`
//! with its transformations written as Rust functions over the tree
//! (validation through libxml2; the transformations themselves are pure).
//!
//! - [`update_validation`]: find the newest schema a document validates
//!   against, optionally transforming it across major versions
//!   (what `cibadmin --upgrade` and the CIB manager run).
//! - `acls`: 1.x → 2.0 (`upgrade-1.3.xsl`).
//! - `unfold`, `to_v3`: 2.x → 3.0 (`upgrade-2.10-enter.xsl`,
//!   `upgrade-2.10.xsl`, `upgrade-2.10-leave.xsl`).
//! - `tables`, `xslt`: the rename tables and XSLT helpers they use.

mod acls;
mod tables;
mod to_v3;
mod unfold;
mod xslt;

use pcmk_xml::Element;

use crate::validate::{Document, SchemaError, Validator};
use crate::versions::{by_name, known, latest, Schema, Transform};

/// How [`update_validation`] ended (`pcmk_ok`, `-pcmk_err_schema_validation`,
/// `-pcmk_err_transform_failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStatus {
    /// The walk ended on a schema the document validates against.
    Ok,
    /// The document does not validate against the schema tried last.
    SchemaValidation,
    /// A transformation could not be applied.
    TransformFailed,
}

/// Result of [`update_validation`].
#[derive(Debug, Clone)]
pub struct Update {
    /// The document, transformed if a transformation succeeded, with
    /// `validate-with` set to the best schema when that is newer than the
    /// one it claimed.
    pub cib: Element,
    /// Index (in [`known()`]) of the best schema found; 0 when none
    /// (Pacemaker's `*best`, which cannot tell "none" from pacemaker-1.0).
    pub best: usize,
    /// How the walk ended.
    pub status: UpdateStatus,
    /// What the reference would log along the way (validation errors,
    /// transformation notes), in order.
    pub log: Vec<String>,
}

impl Update {
    /// The best schema found.
    pub fn best_schema(&self) -> &'static Schema {
        &known()[self.best]
    }
}

/// One of the transformations, applied on its own (for tests and tools).
#[derive(Debug, Clone)]
pub struct Transformed {
    /// The transformed document, or `None` when the main phase failed.
    pub cib: Option<Element>,
    /// Messages the stylesheets would emit, warnings about skipped phases.
    pub log: Vec<String>,
}

/// Apply the transformation that leaves `transform`'s major version
/// (Pacemaker's `apply_upgrade()`, enter/leave phases included).
#[doc(alias = "apply_upgrade")]
pub fn apply_transform(cib: &Element, transform: Transform) -> Transformed {
    match transform {
        Transform::From1_3 => {
            let (out, log) = acls::upgrade(cib);
            Transformed {
                cib: Some(out),
                log,
            }
        }
        Transform::From2_10 => {
            let mut log = Vec::new();
            let (entered, leave) = match unfold::enter(cib) {
                Ok(e) => (Some(e), true),
                Err(e) => {
                    log.push(e.0);
                    log.push("Upgrade-enter transformation upgrade-2.10-enter.xsl failed".into());
                    (None, false)
                }
            };
            let (main, main_log) = to_v3::upgrade(entered.as_ref().unwrap_or(cib));
            log.extend(main_log);
            let out = if leave {
                match unfold::leave(&main) {
                    Ok((folded, leave_log)) => {
                        log.extend(leave_log);
                        folded
                    }
                    Err(e) => {
                        log.push(e.0);
                        log.push(
                            "Upgrade-leave transformation upgrade-2.10-leave.xsl failed".into(),
                        );
                        main
                    }
                }
            } else {
                main
            };
            Transformed {
                cib: Some(out),
                log,
            }
        }
    }
}

/// A document being walked through the schemas: the tree and its libxml2
/// form, validated repeatedly like Pacemaker's single `xmlDoc` (ID and
/// IDREF bookkeeping accumulates across validations, as in the reference).
struct Walk<'v> {
    validator: &'v Validator,
    cib: Element,
    doc: Option<Document>,
    log: Vec<String>,
}

impl Walk<'_> {
    fn valid(&mut self, schema: &Schema, log: bool) -> bool {
        if self.doc.is_none() {
            match Document::from_element(&self.cib) {
                Ok(d) => self.doc = Some(d),
                Err(e) => {
                    self.log.push(e.to_string());
                    return false;
                }
            }
        }
        let Some(doc) = self.doc.as_mut() else {
            return false;
        };
        match self.validator.validate(doc, schema) {
            Ok(v) => {
                if log {
                    self.log.extend(v.messages.iter().map(ToString::to_string));
                }
                v.valid
            }
            Err(e) => {
                self.log.push(match e {
                    SchemaError::Grammar { .. } => {
                        format!("Could not find/parse {}: {e}", schema.name)
                    }
                    other => other.to_string(),
                });
                false
            }
        }
    }
}

/// Pacemaker's `update_validation()`: starting from the schema the document
/// claims (the first schema if it claims none or an unknown one), find the
/// newest schema it validates against, up to `max` (if given) and never
/// beyond the latest numbered schema. With `transform`, cross major
/// versions by applying the upgrade transformations (when the document does
/// not already validate against the next major version); without, only
/// report.
pub fn update_validation(
    validator: &Validator,
    cib: &Element,
    max: Option<&Schema>,
    transform: bool,
) -> Update {
    let max_stable = latest().index;
    let max = max.map_or(0, |s| s.index);
    let claimed = cib
        .attr("validate-with")
        .map(|v| by_name(v).map(|s| s.index));
    let mut best = 0usize;
    let mut lpc = 0usize;
    let matched: Option<usize> = claimed.flatten();
    if let Some(m) = matched {
        lpc = m;
        if !transform {
            best = lpc;
            lpc += 1;
        }
    }
    if matched.is_some_and(|m| m >= max_stable) {
        return Update {
            cib: cib.clone(),
            best: matched.unwrap_or(0),
            status: UpdateStatus::Ok,
            log: Vec::new(),
        };
    }

    let mut walk = Walk {
        validator,
        cib: cib.clone(),
        doc: None,
        log: Vec::new(),
    };
    let mut status = UpdateStatus::Ok;
    while lpc <= max_stable {
        let schema = &known()[lpc];
        if walk.valid(schema, true) {
            status = UpdateStatus::Ok;
            best = lpc;
        } else {
            if best != 0 {
                break;
            }
            status = UpdateStatus::SchemaValidation;
        }
        if status == UpdateStatus::Ok && transform {
            let Some(next) = schema.upgrades_to() else {
                break;
            };
            if max > 0 && (lpc == max || next.index > max) {
                break;
            }
            match schema.transform {
                Some(t) if !walk.valid(next, false) => {
                    walk.log.push(format!(
                        "Upgrading {}-style configuration to {} with {}.xsl",
                        schema.name,
                        next.name,
                        t.name()
                    ));
                    let out = apply_transform(&walk.cib, t);
                    walk.log.extend(out.log);
                    match out.cib {
                        None => status = UpdateStatus::TransformFailed,
                        Some(upgraded) => {
                            let mut candidate = Walk {
                                validator,
                                cib: upgraded,
                                doc: None,
                                log: Vec::new(),
                            };
                            if candidate.valid(next, true) {
                                walk.log.append(&mut candidate.log);
                                walk.cib = candidate.cib;
                                walk.doc = candidate.doc;
                                lpc = next.index;
                                best = next.index;
                                status = UpdateStatus::Ok;
                            } else {
                                walk.log.append(&mut candidate.log);
                                walk.log.push(format!(
                                    "Transformation {}.xsl did not produce a valid configuration",
                                    t.name()
                                ));
                                status = UpdateStatus::SchemaValidation;
                            }
                        }
                    }
                }
                _ => lpc = next.index,
            }
        }
        if !transform || status != UpdateStatus::Ok {
            lpc += 1;
        }
    }

    let mut out = walk.cib;
    let newer = match matched {
        Some(m) => best > m,
        None => true,
    };
    if best != 0 && newer {
        out.set_attr("validate-with", known()[best].name);
    }
    Update {
        cib: out,
        best,
        status,
        log: walk.log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::GrammarSource;

    fn parse(s: &str) -> Element {
        pcmk_xml::parse(s).expect("test XML parses")
    }

    const OLD: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-1.0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="no_quorum_policy" value="ignore"/></cluster_property_set></crm_config><nodes><node id="1" uname="n1" type="normal"/></nodes><resources/><constraints/></configuration></cib>"#;

    #[test]
    fn walks_and_transforms_to_the_latest_schema() {
        let v = Validator::new(GrammarSource::Embedded);
        let u = update_validation(&v, &parse(OLD), None, true);
        assert_eq!(u.status, UpdateStatus::Ok);
        assert_eq!(u.best_schema().name, "pacemaker-3.9");
        assert_eq!(u.cib.attr("validate-with"), Some("pacemaker-3.9"));
        let text = u.cib.to_unformatted();
        assert!(text.contains(r#"name="no-quorum-policy""#), "{text}");
        assert!(text.contains(r#"type="member""#), "{text}");
    }

    #[test]
    fn without_transform_only_reports() {
        let v = Validator::new(GrammarSource::Embedded);
        let u = update_validation(&v, &parse(OLD), None, false);
        assert_eq!(u.best_schema().name, "pacemaker-2.10");
        assert_eq!(u.cib.attr("validate-with"), Some("pacemaker-2.10"));
        assert!(u.cib.to_unformatted().contains("no_quorum_policy"));
    }

    #[test]
    fn stops_at_the_given_maximum() {
        let v = Validator::new(GrammarSource::Embedded);
        let max = by_name("pacemaker-2.5");
        let u = update_validation(&v, &parse(OLD), max, true);
        assert_eq!(u.best_schema().name, "pacemaker-2.5");
    }

    #[test]
    fn latest_next_and_none_are_left_alone() {
        let v = Validator::new(GrammarSource::Embedded);
        for name in ["pacemaker-3.9", "pacemaker-next", "none"] {
            let cib = parse(&OLD.replace("pacemaker-1.0", name));
            let u = update_validation(&v, &cib, None, true);
            assert_eq!(u.best_schema().name, name);
            assert_eq!(u.cib, cib);
            assert!(u.log.is_empty());
        }
    }

    #[test]
    fn invalid_documents_are_not_upgraded() {
        let v = Validator::new(GrammarSource::Embedded);
        let cib = parse(&OLD.replace("<resources/>", "<resources><bogus/></resources>"));
        let u = update_validation(&v, &cib, None, true);
        assert_eq!(u.status, UpdateStatus::SchemaValidation);
        assert_eq!(u.best, 0);
        assert_eq!(u.cib.attr("validate-with"), Some("pacemaker-1.0"));
        assert!(!u.log.is_empty());
    }
}
