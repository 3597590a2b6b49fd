//! Validation of XML documents against the CIB grammars (does I/O: reads
//! grammar files when the source is a directory).
//!
//! - [`GrammarSource`]: where grammars come from (embedded copy of
//!   `schemas/`, or a directory such as `$ATRIUM_SCHEMA_DIR`).
//! - [`Document`]: a document parsed by libxml2, ready to be validated.
//! - [`Validator`]: compiles grammars once, keeps them in a pool shared by
//!   threads, validates documents, and returns a [`Verdict`] with libxml2's
//!   messages as [`Message`]s that print like the reference prints them.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::ffi::{self, RawMessage};
use crate::versions::{Schema, Validator as Kind};

/// Environment variable naming a directory of grammars to use instead of
/// the copy embedded in the binary.
pub const SCHEMA_DIR_ENV: &str = "ATRIUM_SCHEMA_DIR";

/// Where grammar files are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrammarSource {
    /// The repository's `schemas/` directory as it was when the crate was
    /// built, embedded in the binary (relocatable; the default).
    Embedded,
    /// A directory holding `pacemaker-X.Y.rng` entry files and whatever they
    /// include (e.g. `$ATRIUM_SCHEMA_DIR`, or the reference's
    /// `/usr/share/pacemaker` for comparisons).
    Dir(PathBuf),
}

impl GrammarSource {
    /// `$ATRIUM_SCHEMA_DIR` when set and not empty, else [`GrammarSource::Embedded`].
    pub fn from_env() -> GrammarSource {
        match std::env::var_os(SCHEMA_DIR_ENV) {
            Some(dir) if !dir.is_empty() => GrammarSource::Dir(PathBuf::from(dir)),
            _ => GrammarSource::Embedded,
        }
    }

    /// The URL libxml2 loads for grammar file `file` (relative to the source).
    fn url(&self, file: &str) -> String {
        match self {
            GrammarSource::Embedded => format!("{}{file}", ffi::EMBEDDED_PREFIX),
            GrammarSource::Dir(dir) => dir.join(file).to_string_lossy().into_owned(),
        }
    }

    /// Whether grammar file `file` exists in this source.
    pub fn has(&self, file: &str) -> bool {
        match self {
            GrammarSource::Embedded => crate::embedded::file(file).is_some(),
            GrammarSource::Dir(dir) => Path::new(dir).join(file).is_file(),
        }
    }
}

/// Which part of libxml2 reported a message (`xmlErrorDomain`), for the
/// domains that occur here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// The XML parser (`XML_FROM_PARSER`).
    Parser,
    /// RelaxNG grammar parsing (`XML_FROM_RELAXNGP`).
    RelaxNgParser,
    /// RelaxNG validation (`XML_FROM_RELAXNGV`).
    RelaxNgValidity,
    /// ID/IDREF checks at the end of validation (`XML_FROM_VALID`).
    Validity,
    /// DTD validation with a parser context (`XML_FROM_DTD`).
    Dtd,
    /// Anything else, with libxml2's number.
    Other(i32),
}

impl Domain {
    fn from_raw(d: i32) -> Domain {
        match d {
            1 => Domain::Parser,
            18 => Domain::RelaxNgParser,
            19 => Domain::RelaxNgValidity,
            4 => Domain::Dtd,
            23 => Domain::Validity,
            other => Domain::Other(other),
        }
    }

    /// The word `xmlReportError` prints for the domain.
    fn label(self) -> &'static str {
        match self {
            Domain::Parser => "parser ",
            Domain::RelaxNgParser => "Relax-NG parser ",
            Domain::RelaxNgValidity => "Relax-NG validity ",
            Domain::Validity | Domain::Dtd => "validity ",
            Domain::Other(8) => "I/O ",
            Domain::Other(_) => "",
        }
    }
}

/// One libxml2 diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Which part of libxml2 reported it.
    pub domain: Domain,
    /// libxml2's error code.
    pub code: i32,
    /// Whether it is a warning (libxml2 level 1) rather than an error.
    pub warning: bool,
    /// The document (URL) it refers to, if it has one.
    pub file: Option<String>,
    /// Line number, 0 when unknown.
    pub line: i32,
    /// Element it is about, if any.
    pub element: Option<String>,
    /// The message proper, e.g. "Invalid attribute bogus for element primitive".
    pub text: String,
}

impl From<RawMessage> for Message {
    fn from(m: RawMessage) -> Message {
        Message {
            domain: Domain::from_raw(m.domain),
            code: m.code,
            warning: m.level == 1,
            file: m.file,
            line: m.line,
            element: m.element,
            text: m.text,
        }
    }
}

/// The form libxml2's default reporter (`xmlReportError`) gives a message
/// when no parser context is attached, which is how `crm_verify` and
/// `cibadmin` print schema errors, e.g.
/// `cib.xml:16: element primitive: Relax-NG validity error : Invalid attribute bogus for element primitive`
/// (without the final newline).
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}:{}: ", self.line)?,
            None if self.line != 0
                && matches!(
                    self.domain,
                    Domain::Parser
                        | Domain::Dtd
                        | Domain::RelaxNgParser
                        | Domain::RelaxNgValidity
                        | Domain::Other(16 | 17)
                ) =>
            {
                write!(f, "Entity: line {}: ", self.line)?
            }
            None => {}
        }
        if let Some(element) = &self.element {
            write!(f, "element {element}: ")?;
        }
        let level = if self.warning {
            "warning : "
        } else {
            "error : "
        };
        write!(f, "{}{level}{}", self.domain.label(), self.text)
    }
}

/// Result of validating one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the document is valid.
    pub valid: bool,
    /// Everything libxml2 reported, in order (may be non-empty for a valid
    /// document only in exotic cases; empty for schema "none").
    pub messages: Vec<Message>,
}

/// Why validation could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaError {
    /// The document is not well-formed XML.
    Parse {
        /// libxml2's parser messages.
        messages: Vec<Message>,
    },
    /// A grammar could not be loaded or compiled.
    Grammar {
        /// Grammar file that failed, relative to its source.
        file: String,
        /// libxml2's messages.
        messages: Vec<Message>,
    },
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, messages) = match self {
            SchemaError::Parse { messages } => {
                ("document is not well-formed XML".to_owned(), messages)
            }
            SchemaError::Grammar { file, messages } => {
                (format!("cannot load grammar {file}"), messages)
            }
        };
        f.write_str(&head)?;
        for m in messages {
            write!(f, "\n{m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaError {}

/// A document parsed by libxml2.
///
/// Validating it records its ID/IDREF attributes inside it, and that state
/// stays for later validations of the same document, exactly like in
/// Pacemaker (which validates one document against successive schemas
/// while upgrading). Parse the text again for an independent verdict.
pub struct Document {
    doc: ffi::Doc,
}

impl Document {
    /// Parse `text`. `url` is the name messages give the document (the file
    /// name, as `crm_verify -x FILE` shows it); `None` gives "Entity: line N"
    /// prefixes instead. Whitespace-only text nodes are dropped, as Pacemaker
    /// parses; the network is never used.
    pub fn parse(text: &str, url: Option<&str>) -> Result<Document, SchemaError> {
        let (doc, messages) = ffi::Doc::parse(text, url, ffi::PARSE_NOBLANKS | ffi::PARSE_NONET);
        let fatal = messages.iter().any(|m| m.level >= 2);
        match doc {
            Some(doc) if !fatal => Ok(Document { doc }),
            _ => Err(SchemaError::Parse {
                messages: messages.into_iter().map(Message::from).collect(),
            }),
        }
    }
}

impl Document {
    /// The libxml2 form of a tree (as Pacemaker validates its in-memory
    /// documents): serialised with exact escaping and parsed again, without
    /// a document name.
    pub fn from_element(e: &pcmk_xml::Element) -> Result<Document, SchemaError> {
        Document::parse(&exact_text(e), None)
    }
}

/// A tree as XML text libxml2 reads back exactly.
pub(crate) fn exact_text(e: &pcmk_xml::Element) -> String {
    let mut text = String::with_capacity(4096);
    write_exact(e, &mut text);
    text
}

/// Serialise a tree so that libxml2 reads back exactly the same values
/// (unlike Pacemaker's text form, which rewrites tabs and newlines).
fn write_exact(e: &pcmk_xml::Element, out: &mut String) {
    use pcmk_xml::Node;
    out.push('<');
    out.push_str(e.name());
    for a in e.attrs() {
        out.push(' ');
        out.push_str(&a.name);
        out.push_str("=\"");
        for c in a.value.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\t' => out.push_str("&#9;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &e.children {
        match c {
            Node::Element(child) => write_exact(child, out),
            Node::Text(t) => {
                for ch in t.chars() {
                    match ch {
                        '&' => out.push_str("&amp;"),
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        '\r' => out.push_str("&#13;"),
                        ch => out.push(ch),
                    }
                }
            }
            Node::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
            Node::CData(t) => {
                out.push_str("<![CDATA[");
                out.push_str(t);
                out.push_str("]]>");
            }
            Node::Pi { target, data } => {
                out.push_str("<?");
                out.push_str(target);
                if !data.is_empty() {
                    out.push(' ');
                    out.push_str(data);
                }
                out.push_str("?>");
            }
        }
    }
    out.push_str("</");
    out.push_str(e.name());
    out.push('>');
}

/// Validates documents against grammars from one [`GrammarSource`], keeping
/// compiled grammars for reuse (each used by one thread at a time).
pub struct Validator {
    source: GrammarSource,
    pool: Mutex<HashMap<String, Vec<ffi::Grammar>>>,
}

impl Validator {
    /// A validator reading grammars from `source`.
    pub fn new(source: GrammarSource) -> Validator {
        Validator {
            source,
            pool: Mutex::new(HashMap::new()),
        }
    }

    /// The process-wide validator over [`GrammarSource::from_env`].
    pub fn global() -> &'static Validator {
        static GLOBAL: OnceLock<Validator> = OnceLock::new();
        GLOBAL.get_or_init(|| Validator::new(GrammarSource::from_env()))
    }

    /// Where this validator reads grammars from.
    pub fn source(&self) -> &GrammarSource {
        &self.source
    }

    /// Validate `doc` against `schema` (always valid for "none").
    #[doc(alias = "validate_with")]
    pub fn validate(&self, doc: &mut Document, schema: &Schema) -> Result<Verdict, SchemaError> {
        match (schema.validator, schema.grammar_file()) {
            (Kind::RelaxNg, Some(file)) => self.validate_with_file(doc, &file),
            _ => Ok(Verdict {
                valid: true,
                messages: Vec::new(),
            }),
        }
    }

    /// Parse `text` (named `url` in messages) and validate it against `schema`.
    pub fn validate_text(
        &self,
        text: &str,
        url: Option<&str>,
        schema: &Schema,
    ) -> Result<Verdict, SchemaError> {
        let mut doc = Document::parse(text, url)?;
        self.validate(&mut doc, schema)
    }

    /// Validate `doc` against an arbitrary grammar file of the source
    /// (e.g. "pacemaker-3.9.rng").
    pub fn validate_with_file(
        &self,
        doc: &mut Document,
        file: &str,
    ) -> Result<Verdict, SchemaError> {
        let mut grammar = self.take(file)?;
        let (valid, raw) = grammar.validate(&mut doc.doc);
        self.give_back(file, grammar);
        Ok(Verdict {
            valid,
            messages: raw.into_iter().map(Message::from).collect(),
        })
    }

    /// Compile grammar `file` now (to fail early or to time compilation).
    pub fn preload(&self, file: &str) -> Result<(), SchemaError> {
        let grammar = self.take(file)?;
        self.give_back(file, grammar);
        Ok(())
    }

    fn take(&self, file: &str) -> Result<ffi::Grammar, SchemaError> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get_mut(file)
            .and_then(Vec::pop);
        match pooled {
            Some(g) => Ok(g),
            None => {
                ffi::Grammar::load(&self.source.url(file)).map_err(|raw| SchemaError::Grammar {
                    file: file.to_owned(),
                    messages: raw.into_iter().map(Message::from).collect(),
                })
            }
        }
    }

    fn give_back(&self, file: &str, grammar: ffi::Grammar) {
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(file.to_owned())
            .or_default()
            .push(grammar);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::{by_name, known, latest, none};

    const EMPTY_CIB: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
</cib>"#;

    fn embedded() -> Validator {
        Validator::new(GrammarSource::Embedded)
    }

    #[test]
    fn every_known_schema_has_an_embedded_grammar() {
        for s in known() {
            if let Some(file) = s.grammar_file() {
                assert!(GrammarSource::Embedded.has(&file), "{file} is not embedded");
            }
        }
    }

    #[test]
    fn grammar_files_open_with_their_grammar_element() {
        // libxml2 only applies <include> overrides to included grammars
        // whose first document node is the <grammar> element: a comment
        // before it silently breaks overriding (see schemas/README.md).
        for path in crate::embedded::paths() {
            let (_, text) = crate::embedded::file(path).expect("listed files exist");
            let body = text.trim_start();
            let body = body
                .strip_prefix("<?xml")
                .and_then(|rest| rest.split_once("?>"))
                .map_or(body, |(_, rest)| rest)
                .trim_start();
            assert!(
                body.starts_with("<grammar"),
                "{path}: something precedes <grammar>"
            );
        }
    }

    #[test]
    fn empty_configuration_is_valid_for_every_version() {
        let v = embedded();
        for s in known() {
            let verdict = v.validate_text(EMPTY_CIB, None, s).expect("grammar loads");
            assert!(verdict.valid, "{}: {:?}", s.name, verdict.messages);
            assert!(verdict.messages.is_empty());
        }
    }

    #[test]
    fn invalid_documents_are_reported_like_libxml2_does() {
        let text = EMPTY_CIB.replace(
            "<resources/>",
            "<resources><primitive id=\"p\" bogus=\"1\"/></resources>",
        );
        let verdict = embedded()
            .validate_text(&text, Some("cib.xml"), latest())
            .expect("grammar loads");
        assert!(!verdict.valid);
        let shown: Vec<String> = verdict.messages.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .iter()
                .any(|m| m.starts_with("cib.xml:5: element primitive: Relax-NG validity error : ")),
            "{shown:?}"
        );
    }

    #[test]
    fn dangling_references_make_a_document_invalid() {
        let text = EMPTY_CIB.replace(
            "<constraints/>",
            r#"<constraints><rsc_order id="o" first="a" then="b"/></constraints>"#,
        );
        let verdict = embedded()
            .validate_text(&text, None, latest())
            .expect("grammar loads");
        assert!(!verdict.valid);
        assert!(verdict
            .messages
            .iter()
            .any(|m| m.domain == Domain::Validity
                && m.text.contains("references an unknown ID \"a\"")));
    }

    #[test]
    fn version_differences_are_enforced() {
        // node type "normal" disappears in 3.0
        let text = EMPTY_CIB.replace(
            "<nodes/>",
            r#"<nodes><node id="1" uname="n1" type="normal"/></nodes>"#,
        );
        let v = embedded();
        let check = |name: &str| {
            let s = by_name(name).expect("known");
            v.validate_text(&text, None, s)
                .expect("grammar loads")
                .valid
        };
        assert!(check("pacemaker-2.10"));
        assert!(!check("pacemaker-3.0"));
        assert!(!check("pacemaker-3.9"));
    }

    #[test]
    fn none_accepts_anything_well_formed() {
        let verdict = embedded()
            .validate_text("<anything/>", None, none())
            .expect("no grammar needed");
        assert!(verdict.valid);
    }

    #[test]
    fn malformed_documents_are_parse_errors() {
        match Document::parse("<cib><configuration></cib>", Some("x.xml")) {
            Err(SchemaError::Parse { messages }) => {
                assert!(!messages.is_empty());
                assert_eq!(messages[0].domain, Domain::Parser);
            }
            _ => panic!("malformed XML must not parse"),
        }
    }

    #[test]
    fn missing_grammars_are_reported() {
        let v = Validator::new(GrammarSource::Dir("/nonexistent-atrium-schemas".into()));
        let err = v
            .validate_text(EMPTY_CIB, None, latest())
            .expect_err("no grammar there");
        assert!(matches!(err, SchemaError::Grammar { .. }), "{err}");
    }

    #[test]
    fn validators_are_shared_between_threads() {
        let v = embedded();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for schema in known().iter().rev().take(6) {
                        assert!(
                            v.validate_text(EMPTY_CIB, None, schema)
                                .expect("loads")
                                .valid
                        );
                    }
                });
            }
        });
    }
}
