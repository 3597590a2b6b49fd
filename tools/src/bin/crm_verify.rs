//! `crm_verify`: check a complete CIB for well-formedness, conformance to
//! its schema, and the misconfigurations the scheduler notices.
//!
//! The input (a file, a string, standard input or the live cluster's CIB)
//! is parsed, given a status section if it has none, validated against the
//! schema it names (libxml2 messages on stderr), upgraded in memory when
//! it claims an old schema, and run through the scheduler with its
//! diagnostics collected (`pcmk_scheduler::diag`). Configuration errors or
//! warnings end in exit status 78 (`CRM_EX_CONFIG`); `-V` shows the errors
//! as log lines, `-VV` the warnings too.
//!
//! Exit status: 0 clean, 78 errors or warnings, 1 unparsable input, 76 not
//! a `<cib>`, 66 no live CIB, 64 bad usage. Ref: tools/crm_verify.c.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use pcmk_results::CrmExit;
use pcmk_scheduler::diag::{self, Level as DiagLevel};
use pcmk_scheduler::iso8601::CrmTime;
use pcmk_tools::app::{self, Tool};
use pcmk_tools::log::{self, Level};
use pcmk_tools::options::{Arg, CommandSpec, OptionEntry, OptionGroup, OutputSpec};
use pcmk_xml::Element;

const SUMMARY: &str = "Look for problems in a Pacemaker configuration

Reads a whole CIB and checks that it is well-formed XML, that it is valid
against the schema it names, and that the scheduler finds nothing wrong in
it. Errors must be corrected before a cluster can run this configuration;
warnings point at settings that are probably not what was meant, and are
left to the administrator's judgement.";

const DATA: &[OptionEntry] = &[
    OptionEntry::flag(
        "live-check",
        Some('L'),
        "Check the CIB of the running cluster",
    ),
    OptionEntry::with_value(
        "xml-file",
        Some('x'),
        Arg::Filename,
        "FILE",
        "Check the CIB in this file",
    ),
    OptionEntry::flag(
        "xml-pipe",
        Some('p'),
        "Check the CIB read from standard input",
    ),
    OptionEntry::with_value(
        "xml-text",
        Some('X'),
        Arg::String,
        "XML",
        "Check the CIB given as this string",
    ),
];

const ADDITIONAL: &[OptionEntry] = &[OptionEntry::with_value(
    "save-xml",
    Some('S'),
    Arg::Filename,
    "FILE",
    "Also write the checked XML to this file (handy with -L)",
)];

const DESCRIPTION: &str = "Examples:

Look for problems in the configuration the cluster is running:

\tcrm_verify --live-check

Look for problems in a saved CIB, showing each error found:

\tcrm_verify --xml-file file.xml --verbose

";

const SPEC: CommandSpec = CommandSpec {
    description: DESCRIPTION,
    output: Some(OutputSpec {
        formats: &["none", "text", "xml"],
        help_list: "text (default), xml",
    }),
    groups: &[
        OptionGroup {
            name: "data",
            header: "Data sources:",
            help: "Show data options",
            entries: DATA,
        },
        OptionGroup {
            name: "additional",
            header: "Additional options:",
            help: "Show additional options",
            entries: ADDITIONAL,
        },
    ],
    attached_values: Some("xSX"),
    ..CommandSpec::new("crm_verify", SUMMARY)
};

fn main() -> ExitCode {
    app::main(&SPEC, run)
}

/// A parsed input and the text it came from (for libxml2's line numbers).
struct Input {
    cib: Element,
    /// The text, when the tree is exactly what it says.
    source: Option<String>,
    /// Attributes a recovered parse kept twice: (line, parent element,
    /// element, attribute). The reference's tree keeps both copies, which
    /// its schema validation then rejects.
    duplicates: Vec<Duplicate>,
}

struct Duplicate {
    line: i32,
    parent: String,
    element: String,
    attr: String,
}

fn run(tool: &mut Tool<'_>) -> CrmExit {
    let live = tool.parsed.is_set("live-check");
    let file = tool.parsed.path("xml-file").map(OsStr::to_owned);
    let text = tool.parsed.str("xml-text").map(str::to_owned);
    let pipe = tool.parsed.is_set("xml-pipe");

    let input = if live {
        match live_cib() {
            Some(i) => i,
            None => {
                tool.set_error("CIB query failed: Input file not available");
                return CrmExit::NOINPUT;
            }
        }
    } else if let Some(file) = &file {
        match read_path(Path::new(file)) {
            Some(i) => i,
            None => {
                tool.set_error(format!(
                    "Couldn't parse input file: {}",
                    Path::new(file).display()
                ));
                return CrmExit::ERROR;
            }
        }
    } else if let Some(text) = &text {
        match parse_text(text.as_bytes()) {
            Some(i) => i,
            None => {
                tool.set_error(format!("Couldn't parse input string: {text}"));
                return CrmExit::ERROR;
            }
        }
    } else if pipe {
        let mut buf = Vec::new();
        let read = std::io::stdin().read_to_end(&mut buf);
        match read.ok().and_then(|_| parse_text(&buf)) {
            Some(i) => i,
            None => {
                tool.set_error("Couldn't parse input from STDIN.");
                return CrmExit::ERROR;
            }
        }
    } else {
        tool.set_error("No configuration source specified.  Use --help for usage information.");
        return CrmExit::ERROR;
    };
    // libxml2 names a file it read in its messages ("unknown.xml" for
    // standard input read as a file); text parsed from memory (-X, -p) has
    // no name, and its messages say "Entity: line N" or nothing.
    let cib_file = std::env::var_os("CIB_file").filter(|_| live);
    let url = cib_file.as_ref().or(file.as_ref()).map(|f| {
        if f == "-" {
            "unknown.xml".to_owned()
        } else {
            Path::new(f).display().to_string()
        }
    });
    verify(tool, input, live, url.as_deref())
}

/// Everything after the input is read: the checks and the verdict.
fn verify(tool: &mut Tool<'_>, input: Input, live: bool, url: Option<&str>) -> CrmExit {
    let Input {
        mut cib,
        mut source,
        duplicates,
    } = input;
    if !cib.name().eq_ignore_ascii_case("cib") {
        tool.set_error(
            "This tool can only check complete configurations (i.e. those starting with <cib>).",
        );
        return CrmExit::PROTOCOL;
    }
    if let Some(save) = tool.parsed.path("save-xml").map(OsStr::to_owned) {
        // As write_xml_file: a failure is only logged.
        if std::fs::write(&save, cib.to_formatted()).is_err() {
            log::log(
                Level::Error,
                "write_xml_file",
                format_args!("Cannot open {} for writing", Path::new(&save).display()),
            );
        }
    }
    let had_status = cib.first_element("status").is_some();
    if !had_status {
        cib.push_element(Element::new("status"));
        source = source.and_then(|s| insert_status(&s, cib.name()));
    }

    let mut config_error = false;
    let mut config_warning = false;
    let validator = pcmk_schema::Validator::global();
    let check = pcmk_schema::validate_xml(validator, &mut cib, source.as_deref(), None, url);
    for m in &check.messages {
        if !had_status && m.element.as_deref() == Some("status") {
            // The reference's added status node has no line number.
            let mut m = m.clone();
            m.line = 0;
            eprintln!("{m}");
        } else {
            eprintln!("{m}");
        }
    }
    let mut valid = check.valid;
    let claimed = cib.attr("validate-with").unwrap_or("none");
    if valid && !duplicates.is_empty() && claimed != "none" {
        for d in &duplicates {
            let (line, el) = (d.line, &d.element);
            let at = match url {
                Some(doc) => format!("{doc}:{line}: "),
                None => format!("Entity: line {line}: "),
            };
            eprintln!(
                "{at}element {el}: Relax-NG validity error : Invalid attribute {} for element {el}",
                d.attr
            );
            eprintln!(
                "{at}element {el}: Relax-NG validity error : Element {} has extra content: {el}",
                d.parent
            );
        }
        valid = false;
    }
    let mut usable = None;
    if !valid {
        config_error = true;
        log::log(
            Level::Error,
            "main",
            format_args!("CIB did not pass schema validation"),
        );
    } else {
        let update = pcmk_schema::cli_config_update(validator, &cib);
        for line in &update.log {
            if line.contains("Relax-NG") || line.contains("parser error") {
                eprintln!("{line}");
            }
        }
        if let Some(w) = &update.warning {
            if !w.starts_with("Configuration with schema") {
                eprintln!("{w}");
            }
        }
        if update.usable {
            usable = Some(update.cib);
        } else {
            if let Some(e) = &update.error {
                eprintln!("{e}");
            }
            config_error = true;
            tool.out.err(format!(
                "The cluster will NOT be able to use this configuration.\nPlease manually update the configuration to conform to the {} syntax.",
                pcmk_schema::latest().name
            ));
        }
    }

    if let Some(cib) = usable {
        let opts = pcmk_scheduler::Options {
            check_config: !had_status && !live,
            ..Default::default()
        };
        let now = CrmTime::from_epoch(now_epoch());
        let (messages, diags) = diag::collect(|| {
            let t = pcmk_scheduler::schedule(&cib, now, &opts);
            t.ws.messages
        });
        for d in &diags.entries {
            let level = match d.level {
                DiagLevel::Crit => Level::Crit,
                DiagLevel::Error => Level::Error,
                DiagLevel::Warning => Level::Warning,
                DiagLevel::Assert => {
                    // Failed checks reach stderr whatever the verbosity.
                    eprintln!("({}) \terror: {}", d.func, d.message);
                    continue;
                }
            };
            log::log(level, d.func, format_args!("{}", d.message));
        }
        for m in messages {
            if let pcmk_scheduler::model::Msg::Info(text) = m {
                tool.out.info(text);
            }
        }
        if let Some(assertion) = &diags.fatal {
            // Pacemaker 2.1.5 aborts (SIGABRT) on this configuration; say
            // why and call it a configuration error instead.
            eprintln!("(log_assertion_as) \terror: {assertion}");
            eprintln!(
                "error: Pacemaker would abort on this configuration; it cannot be used as is"
            );
            config_error = true;
        }
        config_error |= diags.config_error;
        config_warning |= diags.config_warning;
    }

    let hint = if tool.verbosity > 0 {
        ""
    } else {
        "\n-V may provide more details"
    };
    let verdict = if config_error {
        "Errors found during check: config not valid"
    } else if config_warning {
        "Warnings found during check: config may not be valid"
    } else {
        return CrmExit::OK;
    };
    // pcmk__output_and_clear_error() without an output object: stderr.
    eprintln!("{}: {verdict}{hint}", tool.prgname);
    CrmExit::CONFIG
}

/// `filename2xml`: a file (`-` is standard input; `.bz2` decompressed).
fn read_path(path: &Path) -> Option<Input> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).ok()?;
        return parse_text(&buf);
    }
    if path.extension().is_some_and(|e| e == "bz2") {
        let parsed = pcmk_xml::read_file(path).ok()?;
        let mut cib = parsed.root?;
        cib.strip_text();
        let duplicates = duplicates_of(&cib, &parsed.errors);
        drop_duplicate_attrs(&mut cib);
        return Some(Input {
            cib,
            source: None,
            duplicates,
        });
    }
    let buf = std::fs::read(path).ok()?;
    parse_text(&buf)
}

/// `string2xml` / `stdin2xml`: parse text (libxml2's recover mode for
/// malformed input, as the reference).
fn parse_text(buf: &[u8]) -> Option<Input> {
    let parsed = pcmk_xml::read_string(buf);
    let clean = parsed.errors.is_empty();
    let mut cib = parsed.root?;
    cib.strip_text();
    let mut duplicates = Vec::new();
    let source = if clean {
        String::from_utf8(buf.to_vec()).ok()
    } else {
        duplicates = duplicates_of(&cib, &parsed.errors);
        drop_duplicate_attrs(&mut cib);
        None
    };
    Some(Input {
        cib,
        source,
        duplicates,
    })
}

/// `cib__signon_query`: the live CIB. With `CIB_file` set the "live" CIB
/// is that file, as `cib_new()` decides.
fn live_cib() -> Option<Input> {
    if let Some(file) = std::env::var_os("CIB_file") {
        return read_path(Path::new(&file));
    }
    use pcmk_msg::cib::{call_options, CibClient, CibRequest, ConnType};
    let client = CibClient::signon("crm_verify", ConnType::Command).ok()?;
    let req = CibRequest {
        options: call_options::SYNC_CALL | call_options::SCOPE_LOCAL,
        ..CibRequest::new("cib_query")
    };
    let reply = client.call(&req).ok()?;
    let mut cib = reply.output?;
    cib.strip_text();
    Some(Input {
        cib,
        source: None,
        duplicates: Vec::new(),
    })
}

/// The attributes a recovered parse kept twice, in document order, with
/// the lines libxml2 reported them on ("Attribute x redefined").
fn duplicates_of(cib: &Element, errors: &[pcmk_xml::libxml2::LibxmlError]) -> Vec<Duplicate> {
    fn walk(e: &Element, parent: &str, out: &mut Vec<Duplicate>) {
        let attrs = e.attrs();
        for (i, a) in attrs.iter().enumerate() {
            if attrs[..i].iter().any(|b| b.name == a.name) {
                out.push(Duplicate {
                    line: 0,
                    parent: parent.to_owned(),
                    element: e.name().to_owned(),
                    attr: a.name.clone(),
                });
            }
        }
        for c in e.elements() {
            walk(c, e.name(), out);
        }
    }
    let mut out = Vec::new();
    walk(cib, "", &mut out);
    let mut lines = errors
        .iter()
        .filter(|e| e.message.contains("redefined"))
        .map(|e| e.line);
    for d in &mut out {
        d.line = lines.next().unwrap_or(0);
    }
    out
}

/// A recovered parse can keep an attribute twice; the reference's lookups
/// (and its validation of the in-memory tree) see the first.
fn drop_duplicate_attrs(e: &mut Element) {
    let attrs = e.attrs_mut();
    let mut i = 1;
    while i < attrs.len() {
        if attrs[..i].iter().any(|a| a.name == attrs[i].name) {
            attrs.remove(i);
        } else {
            i += 1;
        }
    }
    for c in e.elements_mut() {
        drop_duplicate_attrs(c);
    }
}

/// `source` with an empty status section added as the last child of its
/// root element `root`, or `None` when the closing tag is not found.
fn insert_status(source: &str, root: &str) -> Option<String> {
    let close = format!("</{root}");
    let at = source.rfind(&close)?;
    let mut s = String::with_capacity(source.len() + 9);
    s.push_str(&source[..at]);
    s.push_str("<status/>");
    s.push_str(&source[at..]);
    Some(s)
}

fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
