//! What command-line tools do with a CIB's schema before using it
//! (Pacemaker's `validate_xml()` and `cli_config_update()`), for
//! `crm_verify`, `cibadmin`, `crm_simulate`... Validation goes through
//! libxml2; nothing is printed here: messages are returned for the caller
//! to print (to stderr) or log, as the reference does.

use pcmk_xml::Element;

use crate::upgrade::update_validation;
use crate::validate::{Document, Message, Validator};
use crate::versions::{by_name, known, latest, minimum, none, Schema, Validator as Kind};

/// Result of [`validate_xml`].
#[derive(Debug, Clone)]
pub struct XmlValidation {
    /// Whether the document is valid.
    pub valid: bool,
    /// libxml2's messages, in the order the reference prints them.
    pub messages: Vec<Message>,
}

/// Pacemaker's `validate_xml()`: validate against `validation`, or the
/// document's `validate-with`. A document naming no schema at all is tried
/// against every known schema in turn (messages of each failure included),
/// and gets `validate-with` set to the last one it validates against
/// (which is always "none"). An unknown schema name makes the document
/// invalid without any message.
///
/// `source` is the text the tree was read from, when the tree is unchanged
/// since: libxml2 then reports the file's line numbers, as the reference
/// does (otherwise the tree is serialised on one line). `url` names the
/// document in messages (the file name given to the tool).
pub fn validate_xml(
    validator: &Validator,
    cib: &mut Element,
    source: Option<&str>,
    validation: Option<&str>,
    url: Option<&str>,
) -> XmlValidation {
    let text = source.map_or_else(|| crate::validate::exact_text(cib), str::to_owned);
    let mut messages = Vec::new();
    let check = |schema: &Schema, messages: &mut Vec<Message>| -> bool {
        if schema.validator == Kind::None {
            return true;
        }
        let verdict =
            Document::parse(&text, url).and_then(|mut d| validator.validate(&mut d, schema));
        match verdict {
            Ok(v) => {
                messages.extend(v.messages);
                v.valid
            }
            Err(
                crate::SchemaError::Parse { messages: m }
                | crate::SchemaError::Grammar { messages: m, .. },
            ) => {
                messages.extend(m);
                false
            }
        }
    };
    let claimed = validation
        .map(str::to_owned)
        .or_else(|| cib.attr("validate-with").map(str::to_owned));
    let Some(claimed) = claimed else {
        let mut valid = false;
        let mut last = None;
        for schema in known() {
            if check(schema, &mut messages) {
                valid = true;
                last = Some(schema.name);
            }
        }
        if let Some(name) = last {
            cib.set_attr("validate-with", name);
        }
        return XmlValidation { valid, messages };
    };
    if claimed == "none" {
        return XmlValidation {
            valid: true,
            messages,
        };
    }
    let valid = match by_name(&claimed) {
        Some(schema) => check(schema, &mut messages),
        None => false,
    };
    XmlValidation { valid, messages }
}

/// What [`cli_config_update`] decided.
#[derive(Debug, Clone)]
pub struct ConfigUpdate {
    /// Whether the configuration can be used (`cli_config_update()`'s
    /// return value).
    pub usable: bool,
    /// The document to use: upgraded when an upgrade was needed and
    /// worked, else the input.
    pub cib: Element,
    /// The schema the document ends up claiming (`*best_version`); `None`
    /// for an unknown one.
    pub version: Option<&'static Schema>,
    /// Error to report (`pcmk__config_err` / stderr) when not usable.
    pub error: Option<String>,
    /// Warning to report: validation disabled, or upgraded to an older
    /// than latest schema (the latter only worth logging).
    pub warning: Option<String>,
    /// Everything the reference would log on the way.
    pub log: Vec<String>,
}

/// Pacemaker's `cli_config_update()`: a CIB claiming a schema older than
/// [`minimum()`] (pacemaker-3.0) is upgraded in memory (with
/// transformations) before use; refusing it when that fails.
pub fn cli_config_update(validator: &Validator, cib: &Element) -> ConfigUpdate {
    let value = cib.attr("validate-with");
    let orig_value = value.unwrap_or("(none)").to_owned();
    let schema_index =
        |v: Option<&str>| -> i32 { by_name(v.unwrap_or("none")).map_or(-1, |s| s.index as i32) };
    let name_of = |i: i32| -> &'static str {
        usize::try_from(i)
            .ok()
            .and_then(|i| known().get(i))
            .map_or("unknown", |s| s.name)
    };
    let orig_version = schema_index(value);
    let min_version = minimum().index as i32;
    let mut out = ConfigUpdate {
        usable: true,
        cib: cib.clone(),
        version: None,
        error: None,
        warning: None,
        log: Vec::new(),
    };
    let mut version = orig_version;
    if version < min_version {
        let update = update_validation(validator, cib, None, true);
        out.log.extend(update.log.iter().cloned());
        version = update.best as i32;
        if version < min_version {
            out.usable = false;
            out.error = Some(if version < orig_version || orig_version == -1 {
                format!(
                    "Cannot upgrade configuration (claiming schema {orig_value}) to at least {} because it does not validate with any schema from {} to {}",
                    name_of(min_version),
                    name_of(orig_version),
                    latest().name
                )
            } else {
                format!(
                    "Cannot upgrade configuration (claiming schema {orig_value}) to at least {} because it would not upgrade past {}",
                    name_of(min_version),
                    update.cib.attr("validate-with").unwrap_or("unspecified version")
                )
            });
        } else {
            out.cib = update.cib;
            if version < latest().index as i32 {
                out.warning = Some(format!(
                    "Configuration with schema {orig_value} was internally upgraded to acceptable (but not most recent) {}",
                    name_of(version)
                ));
            } else {
                out.log.push(format!(
                    "Configuration with schema {orig_value} was internally upgraded to latest version {}",
                    name_of(version)
                ));
            }
        }
    } else if version >= none().index as i32 {
        out.warning = Some(
            "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)"
                .into(),
        );
    }
    out.version = usize::try_from(version).ok().and_then(|i| known().get(i));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::GrammarSource;

    const CIB: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="VERSION"><configuration><crm_config/><nodes><node id="1" uname="n1" type="normal"/></nodes><resources/><constraints/></configuration></cib>"#;

    fn cib(version: &str) -> Element {
        pcmk_xml::parse(&CIB.replace("VERSION", version)).expect("test XML parses")
    }

    #[test]
    fn old_schemas_are_upgraded_in_memory() {
        let v = Validator::new(GrammarSource::Embedded);
        let u = cli_config_update(&v, &cib("pacemaker-2.0"));
        assert!(u.usable);
        assert_eq!(u.version.map(|s| s.name), Some("pacemaker-3.9"));
        assert_eq!(u.cib.attr("validate-with"), Some("pacemaker-3.9"));
        assert!(u.error.is_none() && u.warning.is_none());
    }

    #[test]
    fn unknown_schemas_are_upgraded_when_possible() {
        let v = Validator::new(GrammarSource::Embedded);
        let u = cli_config_update(&v, &cib("pacemaker-1.1"));
        assert!(u.usable);
        assert_eq!(u.version.map(|s| s.name), Some("pacemaker-3.9"));
    }

    #[test]
    fn documents_valid_for_no_schema_are_refused() {
        let v = Validator::new(GrammarSource::Embedded);
        let bad = pcmk_xml::parse(
            &CIB.replace("VERSION", "pacemaker-1.1")
                .replace("<resources/>", "<resources><x/></resources>"),
        )
        .expect("test XML parses");
        let u = cli_config_update(&v, &bad);
        assert!(!u.usable);
        let error = u.error.expect("an error");
        assert!(error.contains("claiming schema pacemaker-1.1"), "{error}");
        assert!(error.contains("from unknown to pacemaker-3.9"), "{error}");
        let u = cli_config_update(
            &v,
            &cib("pacemaker-2.0").with_attr("validate-with", "pacemaker-2.0"),
        );
        assert!(u.usable);
    }

    #[test]
    fn disabled_validation_is_a_warning() {
        let v = Validator::new(GrammarSource::Embedded);
        let u = cli_config_update(&v, &cib("none"));
        assert!(u.usable);
        assert!(u
            .warning
            .expect("a warning")
            .starts_with("Schema validation of configuration is disabled"));
    }

    #[test]
    fn validate_xml_follows_the_claimed_schema() {
        let v = Validator::new(GrammarSource::Embedded);
        assert!(validate_xml(&v, &mut cib("pacemaker-2.10"), None, None, None).valid);
        let r = validate_xml(&v, &mut cib("pacemaker-3.0"), None, None, Some("cib.xml"));
        assert!(!r.valid);
        assert!(r
            .messages
            .iter()
            .any(|m| m.to_string().starts_with("cib.xml:1: element node: ")));
        let text = CIB
            .replace("VERSION", "pacemaker-3.0")
            .replace("<nodes>", "\n<nodes>\n");
        let mut tree = pcmk_xml::parse(&text).expect("test XML parses");
        let r = validate_xml(&v, &mut tree, Some(&text), None, Some("cib.xml"));
        assert!(r
            .messages
            .iter()
            .any(|m| m.to_string().starts_with("cib.xml:3: element node: ")));
        let r = validate_xml(&v, &mut cib("pacemaker-1.1"), None, None, None);
        assert!(!r.valid && r.messages.is_empty());
        assert!(validate_xml(&v, &mut cib("pacemaker-3.0"), None, Some("none"), None).valid);
    }

    #[test]
    fn documents_naming_no_schema_end_up_with_none() {
        let v = Validator::new(GrammarSource::Embedded);
        let mut c = cib("x");
        c.remove_attr("validate-with");
        let r = validate_xml(&v, &mut c, None, None, None);
        assert!(r.valid);
        assert_eq!(c.attr("validate-with"), Some("none"));
    }
}
