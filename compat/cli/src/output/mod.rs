//! Pacemaker's formatted output (`pcmk__output_t`): one object per run that
//! prints in the format chosen with `--output-as` (does I/O).
//!
//! - text: messages printed as they come; errors on stderr; lists optionally
//!   indented with `--text-fancy`.
//! - xml: a tree built as messages come, printed at [`Output::finish`] inside
//!   `<pacemaker-result api-version=".." request="..">` with a closing
//!   `<status code=".." message=".."/>` (and `<errors>` if any).
//! - none: nothing.
//!
//! A tool's own messages (the reference's `PCMK__OUTPUT_ARGS` functions) are
//! plain functions that look at [`Output::format`] and use the text or XML
//! helpers here.

mod dest;
mod text;
pub mod xml;

use std::ffi::{OsStr, OsString};
use std::fmt::Display;
use std::io::Write;

use pcmk_results::{CrmExit, Rc};

pub use dest::Dest;
use text::TextState;
pub use xml::{XmlElement, XmlNode};

use crate::goption::Parsed;
use crate::options::CommandSpec;
use crate::version;

/// The output formats the generic machinery implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Plain text.
    Text,
    /// `<pacemaker-result>` XML.
    Xml,
    /// No output at all.
    None,
}

impl Format {
    /// The name used with `--output-as`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Xml => "xml",
            Format::None => "none",
        }
    }
}

/// Format-specific settings from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// `--text-fancy`.
    pub text_fancy: bool,
    /// `--xml-legacy`: old `<crm_mon version="...">` root, errors on stderr.
    pub xml_legacy: bool,
    /// `--xml-simple-list`: lists as `<name>` instead of `<list name=..>`.
    pub xml_simple_list: bool,
    /// `--xml-substitute`: list names from a fixed table (crm_mon headings).
    pub xml_substitute: bool,
}

impl FormatOptions {
    /// Read the format options out of a parse result.
    pub fn from_parsed(parsed: &Parsed) -> Self {
        let has = |long: &str| parsed.occurrences.iter().any(|o| o.long == long);
        FormatOptions {
            text_fancy: has("text-fancy"),
            xml_legacy: has("xml-legacy"),
            xml_simple_list: has("xml-simple-list"),
            xml_substitute: has("xml-substitute"),
        }
    }
}

/// Why an output object could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutputError {
    /// The tool does not support this format (`pcmk_rc_unknown_format`).
    UnknownFormat(String),
    /// The tool lists the format but this crate does not implement it yet.
    Unimplemented(String),
    /// `--output-to` could not be opened.
    Open(std::io::Error),
}

impl OutputError {
    /// The standard return code the reference reports.
    pub fn rc(&self) -> Rc {
        match self {
            OutputError::UnknownFormat(_) | OutputError::Unimplemented(_) => Rc::UNKNOWN_FORMAT,
            OutputError::Open(e) => e.raw_os_error().map_or(Rc::ERROR, Rc::from_errno),
        }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rc().description())
    }
}

impl std::error::Error for OutputError {}

/// `pcmk__quote_cmdline()`: argv joined with spaces; arguments containing a
/// space are single-quoted (inner single quotes become `\'`).
#[doc(alias = "pcmk__quote_cmdline")]
pub fn quote_cmdline(argv: &[OsString]) -> String {
    let mut s = String::new();
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let arg = arg.to_string_lossy();
        if !arg.contains(' ') {
            s.push_str(&arg);
        } else if !arg.contains('\'') {
            s.push('\'');
            s.push_str(&arg);
            s.push('\'');
        } else {
            s.push('\'');
            s.push_str(&arg.replace('\'', "\\'"));
            s.push('\'');
        }
    }
    s
}

struct XmlState {
    /// `stack[0]` is the root; the last element is the current parent.
    stack: Vec<XmlElement>,
    errors: Vec<String>,
    legacy: bool,
    simple_list: bool,
    substitute: bool,
}

enum State {
    Text(TextState),
    Xml(XmlState),
    None,
}

/// The output object.
pub struct Output {
    format: Format,
    dest: Dest,
    quiet: bool,
    request: String,
    state: State,
    /// Where XML helpers put elements when the format is not XML.
    scratch: XmlElement,
}

/// crm_mon headings that `--xml-substitute` turns into list names.
const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("Active Resources", "resources"),
    ("Allocation Scores", "allocations"),
    (
        "Allocation Scores and Utilization Information",
        "allocations_utilizations",
    ),
    ("Cluster Summary", "summary"),
    ("Current cluster status", "cluster_status"),
    ("Executing Cluster Transition", "transition"),
    ("Failed Resource Actions", "failures"),
    ("Fencing History", "fence_history"),
    ("Full List of Resources", "resources"),
    ("Inactive Resources", "resources"),
    ("Migration Summary", "node_history"),
    ("Negative Location Constraints", "bans"),
    ("Node Attributes", "node_attributes"),
    ("Operations", "node_history"),
    ("Resource Config", "resource_config"),
    ("Resource Operations", "operations"),
    ("Revised Cluster Status", "revised_cluster_status"),
    ("Transition Summary", "actions"),
    ("Utilization Information", "utilizations"),
];

impl Output {
    /// `pcmk__output_new()`: `format` is the `--output-as` value (`None`
    /// means text) and must be one of `supported`; `dest` the `--output-to`
    /// value; `argv` the command line (for the XML `request`).
    #[doc(alias = "pcmk__output_new")]
    pub fn new(
        format: Option<&str>,
        supported: &[&str],
        dest: Option<&OsStr>,
        argv: &[OsString],
        options: &FormatOptions,
    ) -> Result<Output, OutputError> {
        let name = format.unwrap_or("text");
        if !supported.contains(&name) {
            return Err(OutputError::UnknownFormat(name.to_string()));
        }
        let format = match name {
            "text" => Format::Text,
            "xml" => Format::Xml,
            "none" => Format::None,
            other => return Err(OutputError::Unimplemented(other.to_string())),
        };
        let dest = Dest::open(dest).map_err(OutputError::Open)?;
        Ok(Output::with_dest(
            format,
            dest,
            quote_cmdline(argv),
            options,
        ))
    }

    /// [`Output::new`] for a parsed command line of `spec`.
    pub fn from_command_line(
        spec: &CommandSpec,
        parsed: &Parsed,
        argv: &[OsString],
    ) -> Result<Output, OutputError> {
        let supported = spec.output.map_or(&["text"][..], |o| o.formats);
        let format = parsed
            .occurrences
            .iter()
            .rev()
            .find(|o| o.long == "output-as")
            .and_then(|o| match &o.value {
                crate::goption::Value::Str(s) => Some(s.as_str()),
                _ => None,
            });
        let dest = parsed
            .occurrences
            .iter()
            .rev()
            .find(|o| o.long == "output-to")
            .and_then(|o| match &o.value {
                crate::goption::Value::Str(s) => Some(OsStr::new(s.as_str())),
                _ => None,
            });
        Output::new(
            format,
            supported,
            dest,
            argv,
            &FormatOptions::from_parsed(parsed),
        )
    }

    /// An output object writing to `dest` (tests use [`Dest::memory`]).
    pub fn with_dest(format: Format, dest: Dest, request: String, options: &FormatOptions) -> Self {
        let state = match format {
            Format::Text => State::Text(TextState::new(options.text_fancy)),
            Format::None => State::None,
            Format::Xml => {
                let root = if options.xml_legacy {
                    let mut r = XmlElement::new("crm_mon");
                    r.set_attr("version", version::PACEMAKER_VERSION);
                    r
                } else {
                    let mut r = XmlElement::new("pacemaker-result");
                    r.set_attr("api-version", version::API_VERSION);
                    r.set_attr("request", request.as_str());
                    r
                };
                State::Xml(XmlState {
                    stack: vec![root],
                    errors: Vec::new(),
                    legacy: options.xml_legacy,
                    simple_list: options.xml_simple_list,
                    substitute: options.xml_substitute,
                })
            }
        };
        Output {
            format,
            dest,
            quiet: false,
            request,
            state,
            scratch: XmlElement::default(),
        }
    }

    /// The format in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The command line as quoted for the XML `request` attribute.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// The destination (tests read a memory destination back).
    pub fn dest(&self) -> &Dest {
        &self.dest
    }

    /// `out->is_quiet()`: text and none honour [`Output::set_quiet`]; XML is never quiet.
    pub fn is_quiet(&self) -> bool {
        match self.state {
            State::Xml(_) => false,
            _ => self.quiet,
        }
    }

    /// Set the quiet flag (`out->quiet`), e.g. from `-Q`.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// Write text to the destination as is (`pcmk__formatted_printf()`; text only).
    pub fn print(&mut self, text: impl Display) {
        if let State::Text(_) = self.state {
            self.dest.write(text.to_string().as_bytes());
        }
    }

    /// Write text prefixed with the list indentation of `--text-fancy`
    /// (`pcmk__indented_printf()`; text only).
    pub fn print_indented(&mut self, text: impl Display) {
        if let State::Text(t) = &self.state {
            let prefix = t.prefix();
            self.dest.write(prefix.as_bytes());
            self.dest.write(text.to_string().as_bytes());
        }
    }

    /// `out->info()`: an informational line (text, unless quiet). Returns
    /// [`Rc::NO_OUTPUT`] when nothing was printed.
    pub fn info(&mut self, line: impl Display) -> Rc {
        match self.state {
            State::Text(_) if !self.quiet => {
                let mut s = line.to_string();
                s.push('\n');
                self.dest.write(s.as_bytes());
                Rc::OK
            }
            _ => Rc::NO_OUTPUT,
        }
    }

    /// `out->err()`: an error message (text: stderr; xml: `<errors>` in the status).
    pub fn err(&mut self, message: impl Display) {
        match &mut self.state {
            State::Text(_) => {
                let mut s = message.to_string();
                s.push('\n');
                let _ = std::io::stderr().write_all(s.as_bytes());
            }
            State::Xml(x) => x.errors.push(message.to_string()),
            State::None => {}
        }
    }

    /// `out->version()`: the version banner (`extended` adds build and features).
    pub fn version(&mut self, extended: bool) {
        match self.format {
            Format::Text => {
                let text = if extended {
                    format!(
                        "Pacemaker {} (Build: {}): {}\n",
                        version::PACEMAKER_VERSION,
                        version::BUILD_VERSION,
                        version::CRM_FEATURES
                    )
                } else {
                    format!(
                        "Pacemaker {}\nWritten by {}\n",
                        version::PACEMAKER_VERSION,
                        version::AUTHORS
                    )
                };
                self.dest.write(text.as_bytes());
            }
            Format::Xml => {
                self.xml_node(
                    "version",
                    &[
                        ("program", "Pacemaker"),
                        ("version", version::PACEMAKER_VERSION),
                        ("author", version::AUTHORS),
                        ("build", version::BUILD_VERSION),
                        ("features", version::CRM_FEATURES),
                    ],
                );
            }
            Format::None => {}
        }
    }

    /// `out->begin_list()`: start a list titled `title`; text prints
    /// "N singular/plural found" at the end when both nouns are given.
    pub fn begin_list(
        &mut self,
        singular: Option<&str>,
        plural: Option<&str>,
        title: Option<&str>,
    ) {
        match &mut self.state {
            State::Text(t) => {
                if let (true, Some(title)) = (t.fancy, title) {
                    let s = format!("{}{title}:\n", t.prefix());
                    self.dest.write(s.as_bytes());
                }
                t.begin(singular, plural);
            }
            State::Xml(x) => {
                let title = title.unwrap_or("");
                let name = x
                    .substitute
                    .then(|| SUBSTITUTIONS.iter().find(|(from, _)| *from == title))
                    .flatten()
                    .map_or_else(|| title.to_ascii_lowercase(), |(_, to)| to.to_string());
                if x.legacy || x.simple_list {
                    self.xml_push_parent(&name, &[]);
                } else {
                    self.xml_push_parent("list", &[("name", &name)]);
                }
            }
            State::None => {}
        }
    }

    /// `out->list_item()`: one item, optionally named.
    pub fn list_item(&mut self, name: Option<&str>, content: impl Display) {
        match &mut self.state {
            State::Text(t) => {
                let mut s = t.prefix();
                if let (true, Some(name)) = (t.fancy, name) {
                    s.push_str(name);
                    s.push_str(": ");
                }
                s.push_str(&content.to_string());
                s.push('\n');
                t.increment();
                self.dest.write(s.as_bytes());
                self.dest.flush();
            }
            State::Xml(_) => {
                let item = self.xml_text_node("item", &content.to_string());
                if let Some(name) = name {
                    item.set_attr("name", name);
                }
            }
            State::None => {}
        }
    }

    /// `out->increment_list()`: count an item printed by other means.
    pub fn increment_list(&mut self) {
        if let State::Text(t) = &mut self.state {
            t.increment();
        }
    }

    /// `out->end_list()`.
    pub fn end_list(&mut self) {
        match &mut self.state {
            State::Text(t) => {
                if let Some(line) = t.end() {
                    self.dest.write(line.as_bytes());
                }
            }
            State::Xml(x) => {
                let counted = !(x.legacy || x.simple_list);
                if x.stack.len() > 1 {
                    if let Some(mut node) = x.stack.pop() {
                        if counted {
                            let count = node.element_count().to_string();
                            node.set_attr("count", count);
                        }
                        if let Some(parent) = x.stack.last_mut() {
                            parent.add_child(node);
                        }
                    }
                }
            }
            State::None => {}
        }
    }

    /// `out->spacer()`: an empty line (text only).
    pub fn spacer(&mut self) {
        if let State::Text(_) = self.state {
            self.dest.write(b"\n");
        }
    }

    /// `out->progress()`: a dot on stdout (text only), newline at the end.
    pub fn progress(&mut self, end: bool) {
        if let (State::Text(_), true) = (&self.state, self.dest.is_stdout()) {
            self.dest.write(if end { b".\n" } else { b"." });
        }
    }

    /// `out->output_xml()`: a block of XML text (text: printed indented;
    /// xml: a `<name>` element holding it as CDATA).
    pub fn output_xml(&mut self, name: &str, buf: &str) {
        match self.state {
            State::Text(_) => self.print_indented(buf),
            State::Xml(_) => {
                self.xml_node(name, &[])
                    .children
                    .push(XmlNode::CData(buf.to_string()));
            }
            State::None => {}
        }
    }

    /// `out->subprocess_output()`: a child process's result.
    pub fn subprocess_output(
        &mut self,
        exit_status: i32,
        stdout: Option<&str>,
        stderr: Option<&str>,
    ) {
        match self.state {
            State::Text(_) => {
                for text in [stdout, stderr].into_iter().flatten() {
                    self.dest.write(format!("{text}\n").as_bytes());
                }
            }
            State::Xml(_) => {
                let code = exit_status.to_string();
                let mut node = XmlElement::new("command");
                node.set_attr("code", code);
                for (text, source) in [(stdout, "stdout"), (stderr, "stderr")] {
                    if let Some(text) = text {
                        let child = node.add_child(XmlElement::new("output"));
                        child.add_text(text);
                        child.set_attr("source", source);
                    }
                }
                self.xml_add(node);
            }
            State::None => {}
        }
    }

    /// `pcmk__output_create_xml_node()`: a child of the current parent.
    /// Outside XML output the element is built and dropped.
    pub fn xml_node(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut XmlElement {
        let mut node = XmlElement::new(name);
        for (k, v) in attrs {
            node.set_attr(k, *v);
        }
        self.xml_add(node)
    }

    /// `pcmk__output_create_xml_text_node()`: a child element holding text.
    pub fn xml_text_node(&mut self, name: &str, content: &str) -> &mut XmlElement {
        let node = self.xml_node(name, &[]);
        node.add_text(content);
        node
    }

    /// `pcmk__output_xml_add_node()`: append a ready-made element to the
    /// current parent. Outside XML output the element is kept aside and dropped.
    pub fn xml_add(&mut self, node: XmlElement) -> &mut XmlElement {
        match &mut self.state {
            State::Xml(x) => match x.stack.last_mut() {
                Some(parent) => parent.add_child(node),
                None => {
                    self.scratch = node;
                    &mut self.scratch
                }
            },
            _ => {
                self.scratch = node;
                &mut self.scratch
            }
        }
    }

    /// `pcmk__output_xml_create_parent()`: add an element and make it the
    /// parent of what follows, until [`Output::xml_pop_parent`].
    pub fn xml_push_parent(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut XmlElement {
        let mut node = XmlElement::new(name);
        for (k, v) in attrs {
            node.set_attr(k, *v);
        }
        match &mut self.state {
            State::Xml(x) => {
                x.stack.push(node);
                x.stack.last_mut().expect("just pushed")
            }
            _ => {
                self.scratch = node;
                &mut self.scratch
            }
        }
    }

    /// `pcmk__output_xml_pop_parent()`: the parent's parent becomes current
    /// again (the root is never popped).
    pub fn xml_pop_parent(&mut self) {
        if let State::Xml(x) = &mut self.state {
            if x.stack.len() > 1 {
                if let Some(node) = x.stack.pop() {
                    if let Some(parent) = x.stack.last_mut() {
                        parent.add_child(node);
                    }
                }
            }
        }
    }

    /// `pcmk__output_xml_peek_parent()`: the current parent, in XML output.
    pub fn xml_peek_parent(&mut self) -> Option<&mut XmlElement> {
        match &mut self.state {
            State::Xml(x) => x.stack.last_mut(),
            _ => None,
        }
    }

    /// `out->finish()`: complete the output (XML: add the status, print the
    /// document if `print`) and flush. Returns what happened to the writes.
    pub fn finish(&mut self, exit_status: CrmExit, print: bool) -> Finish {
        if let State::Xml(x) = &mut self.state {
            while x.stack.len() > 1 {
                if let Some(node) = x.stack.pop() {
                    if let Some(parent) = x.stack.last_mut() {
                        parent.add_child(node);
                    }
                }
            }
            let errors = std::mem::take(&mut x.errors);
            let legacy = x.legacy;
            if let Some(root) = x.stack.first_mut() {
                if legacy {
                    let mut text = String::new();
                    if exit_status != CrmExit::OK {
                        text.push_str(exit_status.description());
                        text.push('\n');
                    }
                    for e in &errors {
                        text.push_str(e);
                        text.push('\n');
                    }
                    let _ = std::io::stderr().write_all(text.as_bytes());
                } else {
                    let status = root.add_child(XmlElement::new("status"));
                    status.set_attr("code", exit_status.raw().to_string());
                    status.set_attr("message", exit_status.description());
                    if !errors.is_empty() {
                        let list = status.add_child(XmlElement::new("errors"));
                        for e in errors {
                            list.add_child(XmlElement::new("error")).add_text(e);
                        }
                    }
                }
                if print {
                    let mut doc = root.to_formatted_string();
                    doc.push('\n');
                    self.dest.write(doc.as_bytes());
                }
            }
        }
        self.dest.flush();
        match self.dest.error() {
            None => Finish::Ok,
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Finish::BrokenPipe,
            Some(_) => Finish::WriteFailed,
        }
    }
}

/// How the writes of an [`Output`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Everything was written.
    Ok,
    /// The reader went away (closed pipe): exit quietly.
    BrokenPipe,
    /// Some other write error (disk full...): the reference ignores it.
    WriteFailed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(format: Format, options: &FormatOptions) -> Output {
        Output::with_dest(format, Dest::memory(), "tool -x".into(), options)
    }

    fn text(out: &Output) -> String {
        String::from_utf8(out.dest().contents().to_vec()).expect("utf-8")
    }

    #[test]
    fn quoting_the_command_line() {
        let argv: Vec<OsString> = ["crm_x", "a b", "it's x", "x'y", "p\tq"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(quote_cmdline(&argv), "crm_x 'a b' 'it\\'s x' x'y p\tq");
    }

    #[test]
    fn text_lists_plain_and_fancy() {
        for (fancy, want) in [
            (false, "a\nb\n2 nodes found\nsolo\n"),
            (true, "Nodes:\n  * a\n  * n: b\n2 nodes found\nsolo\n"),
        ] {
            let mut out = output(
                Format::Text,
                &FormatOptions {
                    text_fancy: fancy,
                    ..FormatOptions::default()
                },
            );
            out.begin_list(Some("node"), Some("nodes"), Some("Nodes"));
            out.list_item(None, "a");
            out.list_item(Some("n"), "b");
            out.end_list();
            out.info("solo");
            assert_eq!(out.finish(CrmExit::OK, true), Finish::Ok);
            assert_eq!(text(&out), want);
        }
    }

    #[test]
    fn quiet_text_skips_info() {
        let mut out = output(Format::Text, &FormatOptions::default());
        out.set_quiet(true);
        assert_eq!(out.info("x"), Rc::NO_OUTPUT);
        out.print("y\n");
        out.finish(CrmExit::OK, true);
        assert_eq!(text(&out), "y\n");
    }

    #[test]
    fn xml_document_with_lists_status_and_errors() {
        let mut out = output(Format::Xml, &FormatOptions::default());
        assert_eq!(out.info("ignored"), Rc::NO_OUTPUT);
        out.begin_list(None, None, Some("Node List"));
        out.list_item(Some("n1"), "online");
        out.xml_node("extra", &[("k", "v")]);
        out.end_list();
        out.err("something failed");
        out.finish(CrmExit::NOSUCH, true);
        assert_eq!(
            text(&out),
            "<pacemaker-result api-version=\"2.25\" request=\"tool -x\">\n  \
             <list name=\"node list\" count=\"2\">\n    <item name=\"n1\">online</item>\n    \
             <extra k=\"v\"/>\n  </list>\n  <status code=\"105\" message=\"No such object\">\n    \
             <errors>\n      <error>something failed</error>\n    </errors>\n  </status>\n\
             </pacemaker-result>\n"
        );
    }

    #[test]
    fn xml_options_change_the_shape() {
        let mut out = output(
            Format::Xml,
            &FormatOptions {
                xml_legacy: true,
                xml_substitute: true,
                ..FormatOptions::default()
            },
        );
        out.begin_list(None, None, Some("Node Attributes"));
        out.end_list();
        out.finish(CrmExit::OK, true);
        assert_eq!(
            text(&out),
            "<crm_mon version=\"2.1.5\">\n  <node_attributes/>\n</crm_mon>\n"
        );
    }

    #[test]
    fn none_prints_nothing_and_xml_helpers_are_harmless() {
        let mut out = output(Format::None, &FormatOptions::default());
        out.info("x");
        out.xml_node("a", &[("b", "c")]).set_attr("d", "e");
        out.xml_push_parent("p", &[]);
        out.xml_pop_parent();
        out.version(true);
        out.finish(CrmExit::ERROR, true);
        assert_eq!(text(&out), "");
    }

    #[test]
    fn unknown_and_unimplemented_formats() {
        let argv = [OsString::from("t")];
        let opts = FormatOptions::default();
        let e = Output::new(Some("json"), &["text"], None, &argv, &opts).err();
        assert!(matches!(e, Some(OutputError::UnknownFormat(_))));
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("Unknown output format")
        );
        let e = Output::new(Some("html"), &["html", "text"], None, &argv, &opts).err();
        assert!(matches!(e, Some(OutputError::Unimplemented(_))));
    }
}
