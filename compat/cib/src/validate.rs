//! Schema checks of whole CIBs as Pacemaker makes them
//! (`validate_xml`, `validate_xml_verbose`, `update_validation` in
//! lib/common/schemas.c), over pcmk-schema's RelaxNG validation.
//!
//! The reference compiles each grammar once per process and decides at
//! that moment where its complaints go: to the log (silently, for a tool)
//! or to stderr. [`Validation`] keeps the same per-process memory, so the
//! same messages appear on stderr in the same situations (a CIB without
//! `validate-with`, `cibadmin --upgrade -V`). Pure apart from libxml2.

use std::collections::HashMap;
use std::sync::Mutex;

use pcmk_schema::versions::{Transform, Validator as Kind};
use pcmk_schema::{known, Schema, Validator};
use pcmk_xml::tree::Element;

use crate::trace::{Diag, Diags, Level};

/// Where a compiled grammar sends its complaints (fixed at first use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sink {
    Logs,
    Stderr,
}

/// Converts a CIB across a major schema version (Pacemaker's
/// `upgrade-X.Y.xsl` stylesheets).
pub trait Upgrader {
    /// The CIB after `transform` (enter, main and leave phases), or `None`
    /// when the transformation is unavailable or failed. Messages the
    /// stylesheets emit go to `diag`.
    fn upgrade(
        &self,
        xml: &Element,
        transform: Transform,
        to_logs: bool,
        diag: &mut Diags,
    ) -> Option<Element>;
}

/// An [`Upgrader`] without stylesheets: every transformation fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTransforms;

impl Upgrader for NoTransforms {
    fn upgrade(&self, _: &Element, _: Transform, _: bool, _: &mut Diags) -> Option<Element> {
        None
    }
}

/// The upgrade transformations of pcmk-schema (Rust renderings of
/// Pacemaker's stylesheets). Their notes go to the log (`cib_upgrade_err`),
/// or, for `cibadmin -V` (`to_logs` false), to stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct SchemaTransforms;

impl Upgrader for SchemaTransforms {
    fn upgrade(
        &self,
        xml: &Element,
        transform: Transform,
        to_logs: bool,
        diag: &mut Diags,
    ) -> Option<Element> {
        let done = pcmk_schema::upgrade::apply_transform(xml, transform);
        for msg in done.log {
            let (level, text) = if let Some(t) = msg.strip_prefix("INFO: ") {
                (Level::Info, t)
            } else if let Some(t) = msg.strip_prefix("DEBUG: ") {
                (Level::Debug, t)
            } else {
                (
                    Level::Warning,
                    msg.strip_prefix("WARNING: ").unwrap_or(&msg),
                )
            };
            if to_logs {
                let text = format!("CIB upgrade: {text}");
                diag.log("cib_upgrade_err", "schemas.c", 880, level, text);
            } else {
                // libxslt reports a message, then its newline separately
                // (which carries no level mark, hence a warning).
                let ends = msg.ends_with('\n');
                diag.items.push(Diag::StderrAt(level, msg));
                if !ends {
                    diag.items
                        .push(Diag::StderrAt(Level::Warning, "\n".to_owned()));
                }
            }
        }
        done.cib
    }
}

/// Validation with the reference's per-process grammar cache.
pub struct Validation {
    validator: &'static Validator,
    sinks: Mutex<HashMap<usize, Sink>>,
}

impl Default for Validation {
    fn default() -> Self {
        Validation::new(Validator::global())
    }
}

/// What [`Validation::update_validation`] did.
#[derive(Clone, Debug)]
pub struct Updated {
    /// Legacy return code (0, `-pcmk_err_schema_validation`,
    /// `-pcmk_err_transform_failed`).
    pub rc: i32,
    /// Index of the best schema found.
    pub best: usize,
    /// The transformed CIB, when a stylesheet was applied.
    pub replaced: Option<Element>,
    /// The `validate-with` value to set (on `replaced`, else the input).
    pub set_validate_with: Option<&'static str>,
}

/// `get_schema_version()`: index of a schema name (case-insensitive),
/// `None` when unknown; a missing name means "none".
pub fn schema_index(name: Option<&str>) -> Option<usize> {
    pcmk_schema::by_name(name.unwrap_or("none")).map(|s| s.index)
}

/// `xml_latest_schema_index()`.
fn latest_index() -> usize {
    pcmk_schema::latest().index
}

/// `after_transform`: the schema an upgrade step moves to.
fn after_transform(s: &Schema) -> Option<usize> {
    (s.validator == Kind::RelaxNg && !s.is_next() && s.index < latest_index()).then(|| s.index + 1)
}

impl Validation {
    /// A fresh per-process cache over `validator`.
    pub fn new(validator: &'static Validator) -> Validation {
        Validation {
            validator,
            sinks: Mutex::new(HashMap::new()),
        }
    }

    /// `validate_with()`: validate against schema `index`; complaints go to
    /// stderr when this grammar was first used with `to_logs == false`,
    /// to the log (as `xml_log` errors) otherwise.
    pub fn validate_with(
        &self,
        xml: &Element,
        index: usize,
        to_logs: bool,
        diag: &mut Diags,
    ) -> bool {
        let Some(schema) = known().get(index) else {
            return false;
        };
        if schema.validator == Kind::None {
            return true;
        }
        let sink = *self
            .sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(index)
            .or_insert(if to_logs { Sink::Logs } else { Sink::Stderr });
        let text = pcmk_xml::text::to_libxml_text(xml);
        match self.validator.validate_text(&text, None, schema) {
            Ok(verdict) => {
                for m in &verdict.messages {
                    match sink {
                        Sink::Stderr => diag.stderr(format!("{m}\n")),
                        Sink::Logs => {
                            diag.log("xml_log", "schemas.c", 79, Level::Error, m.text.clone())
                        }
                    }
                }
                verdict.valid
            }
            Err(_) => false,
        }
    }

    /// `validate_xml(xml, NULL, to_logs)`: validate against the schema the
    /// CIB names. Without `validate-with`, every schema is tried and the
    /// last that accepts the CIB is returned for the caller to record
    /// (always "none", which accepts anything).
    pub fn validate_xml(
        &self,
        xml: &Element,
        to_logs: bool,
        diag: &mut Diags,
    ) -> (bool, Option<&'static str>) {
        match xml.attr("validate-with") {
            None => {
                let mut valid = false;
                let mut name = None;
                for s in known() {
                    if self.validate_with(xml, s.index, false, diag) {
                        valid = true;
                        name = Some(s.name);
                    }
                }
                (valid, name)
            }
            Some("none") => (true, None),
            Some(v) => match schema_index(Some(v)) {
                Some(i) => (self.validate_with(xml, i, to_logs, diag), None),
                None => (false, None),
            },
        }
    }

    /// `update_validation(xml, &best, max, transform, to_logs)`: find the
    /// newest schema the CIB validates against (up to `max`, 0 = no limit),
    /// transforming across major versions when `transform`.
    pub fn update_validation(
        &self,
        xml: &Element,
        max: usize,
        transform: bool,
        to_logs: bool,
        upgrader: &dyn Upgrader,
        diag: &mut Diags,
    ) -> Updated {
        let max_stable = latest_index();
        let value = xml.attr("validate-with");
        let mut best = 0usize;
        let mut lpc = 0usize;
        let mut matched: Option<usize> = None;
        if let Some(v) = value {
            matched = schema_index(Some(v));
            match matched {
                Some(m) if !transform => {
                    best = m;
                    lpc = m + 1;
                }
                Some(m) => lpc = m,
                None => lpc = 0,
            }
        }
        if matched.is_some_and(|m| m >= max_stable) {
            return Updated {
                rc: 0,
                best: matched.unwrap_or(0),
                replaced: None,
                set_validate_with: None,
            };
        }
        let mut current = xml.clone();
        let mut replaced = false;
        let mut rc = 0;
        while lpc <= max_stable {
            if !self.validate_with(&current, lpc, to_logs, diag) {
                if best != 0 {
                    break;
                }
                rc = -pcmk_results::legacy::PCMK_ERR_SCHEMA_VALIDATION;
            } else {
                rc = 0;
            }
            if rc == 0 {
                best = lpc;
            }
            if rc == 0 && transform {
                let schema = &known()[lpc];
                let Some(next) = after_transform(schema) else {
                    break;
                };
                if max > 0 && (lpc == max || next > max) {
                    break;
                }
                match schema.transform {
                    None => lpc = next,
                    Some(_) if self.validate_with(&current, next, true, &mut Diags::default()) => {
                        lpc = next
                    }
                    Some(t) => match upgrader.upgrade(&current, t, to_logs, diag) {
                        None => rc = -pcmk_results::legacy::PCMK_ERR_TRANSFORM_FAILED,
                        Some(up) => {
                            if self.validate_with(&up, next, to_logs, diag) {
                                lpc = next;
                                best = next;
                                current = up;
                                replaced = true;
                                rc = 0;
                            } else {
                                rc = -pcmk_results::legacy::PCMK_ERR_SCHEMA_VALIDATION;
                            }
                        }
                    },
                }
            }
            if !transform || rc != 0 {
                lpc += 1;
            }
        }
        let set = (best != 0 && matched.is_none_or(|m| best > m)).then(|| known()[best].name);
        Updated {
            rc,
            best,
            replaced: replaced.then_some(current),
            set_validate_with: set,
        }
    }

    /// `validate_xml_verbose()`: the numbered dump of `xml` the reference
    /// prints on stderr when an update does not validate (the second
    /// validation it runs only repeats the first, silently).
    pub fn verbose_dump(xml: Option<&Element>) -> String {
        let text = xml.map(|x| x.to_formatted()).unwrap_or_default();
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        let mut line = 1;
        out.push_str(&format!("{line:4} "));
        for ch in text.chars() {
            if ch == '\n' {
                line += 1;
                out.push_str(&format!("\n{line:4} "));
            } else {
                out.push(ch);
            }
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_are_numbered_like_the_reference() {
        let e = pcmk_xml::parse("<cib><a/></cib>").unwrap();
        assert_eq!(
            Validation::verbose_dump(Some(&e)),
            "   1 <cib>\n   2   <a/>\n   3 </cib>\n   4 \n"
        );
    }

    #[test]
    fn upgrades_within_a_major_version() {
        let v = Validation::default();
        let mut cib = crate::sections::empty_cib(1);
        cib.set_attr("validate-with", "pacemaker-3.0");
        let up = v.update_validation(&cib, 0, true, true, &NoTransforms, &mut Diags::default());
        assert_eq!(up.rc, 0);
        assert_eq!(up.set_validate_with, Some("pacemaker-3.9"));
        // An empty 2.x configuration is readily valid for 3.0: no stylesheet needed.
        cib.set_attr("validate-with", "pacemaker-2.5");
        let up = v.update_validation(&cib, 0, true, true, &NoTransforms, &mut Diags::default());
        assert_eq!((up.rc, up.set_validate_with), (0, Some("pacemaker-3.9")));
        cib.set_attr("validate-with", "pacemaker-9.9");
        let (valid, _) = v.validate_xml(&cib, true, &mut Diags::default());
        assert!(!valid);
    }
}
