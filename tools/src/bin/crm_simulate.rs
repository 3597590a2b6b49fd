//! `crm_simulate`: run the scheduler on a CIB, show what the cluster would
//! do, and optionally pretend to do it and show the resulting status.
//!
//! Ref: tools/crm_simulate.c, lib/pacemaker/pcmk_simulate.c. The scheduler,
//! the status output and the simulation itself are in pcmk-scheduler; this
//! file is the command line, the files and the order of the steps.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;

use pcmk_results::{CrmExit, Rc};
use pcmk_scheduler::iso8601::{self, CrmTime};
use pcmk_scheduler::model::{wsflags, WorkingSet};
use pcmk_scheduler::output::status::{print_cluster_status, section, show};
use pcmk_scheduler::output::{Format, Out, Stream};
use pcmk_scheduler::simulate::consumer::{run_graph, GraphStatus, SimContext};
use pcmk_scheduler::simulate::{inject_scheduler_input, Injections};
use pcmk_tools::app::{self, Tool};
use pcmk_tools::goption::Value;
use pcmk_tools::options::{Arg, CommandSpec, OptionEntry, OptionGroup, OutputSpec};
use pcmk_tools::output::XmlElement;
use pcmk_xml::Element;

const OPERATIONS: &[OptionEntry] = &[
    OptionEntry::flag(
        "run",
        Some('R'),
        "Run the scheduler on the input and list the actions it would take",
    ),
    OptionEntry::flag(
        "simulate",
        Some('S'),
        "As --run, then pretend the actions succeed and show the cluster status that results",
    ),
    OptionEntry::flag(
        "in-place",
        Some('X'),
        "As --simulate, and write the resulting CIB back over the input file",
    ),
    OptionEntry::flag(
        "show-attrs",
        Some('A'),
        "Include node attributes in the status",
    ),
    OptionEntry::flag(
        "show-failcounts",
        Some('c'),
        "Include resource fail counts in the status",
    ),
    OptionEntry::flag(
        "show-scores",
        Some('s'),
        "Print the placement scores the scheduler computes",
    ),
    OptionEntry::flag(
        "show-utilization",
        Some('U'),
        "Print node capacity and resource utilization as they are used",
    ),
    OptionEntry::with_value(
        "profile",
        Some('P'),
        Arg::Filename,
        "DIR",
        "Time the scheduler on every XML file of a directory",
    ),
    OptionEntry::with_value(
        "repeat",
        Some('N'),
        Arg::Int,
        "N",
        "With --profile, run each file N times",
    ),
    OptionEntry::flag(
        "pending",
        Some('j'),
        "Show pending operations (when record-pending is set)",
    )
    .hidden(),
];

const SYNTHETIC: &[OptionEntry] = &[
    OptionEntry::with_value("node-up", Some('u'), Arg::String, "NODE", "Pretend this node joins the cluster"),
    OptionEntry::with_value("node-down", Some('d'), Arg::String, "NODE", "Pretend this node leaves the cluster cleanly"),
    OptionEntry::with_value("node-fail", Some('f'), Arg::String, "NODE", "Pretend this node fails"),
    OptionEntry::with_value(
        "op-inject",
        Some('i'),
        Arg::String,
        "OPSPEC",
        "Record an operation result for the scheduler to react to.\n\
         \x20                                  The OPSPEC format is described below.",
    ),
    OptionEntry::with_value(
        "op-fail",
        Some('F'),
        Arg::String,
        "OPSPEC",
        "While simulating, make this operation return ${rc} instead of succeeding.\n\
         \x20                                  The simulated transition usually stops at that action;\n\
         \x20                                  keep the result with --save-output and feed it back with --xml-file.\n\
         \x20                                  The OPSPEC format is described below.",
    ),
    OptionEntry::with_value(
        "set-datetime",
        Some('t'),
        Arg::String,
        "DATETIME",
        "Schedule as if it were this date and time (ISO 8601, as in https://en.wikipedia.org/wiki/ISO_8601)",
    ),
    OptionEntry::with_value("quorum", Some('q'), Arg::String, "QUORUM", "Pretend the cluster has quorum ('1' or 'true') or not"),
    OptionEntry::with_value(
        "watchdog",
        Some('w'),
        Arg::String,
        "DEVICE",
        "Pretend a watchdog device is active ('1' or 'true') or not",
    ),
    OptionEntry::with_value("ticket-grant", Some('g'), Arg::String, "TICKET", "Pretend this ticket is granted"),
    OptionEntry::with_value("ticket-revoke", Some('r'), Arg::String, "TICKET", "Pretend this ticket is revoked"),
    OptionEntry::with_value("ticket-standby", Some('b'), Arg::String, "TICKET", "Pretend this ticket is put in standby"),
    OptionEntry::with_value(
        "ticket-activate",
        Some('e'),
        Arg::String,
        "TICKET",
        "Pretend this ticket is taken out of standby",
    ),
];

const ARTIFACTS: &[OptionEntry] = &[
    OptionEntry::with_value(
        "save-input",
        Some('I'),
        Arg::Filename,
        "FILE",
        "Write the input CIB (after any injections) to FILE",
    ),
    OptionEntry::with_value(
        "save-output",
        Some('O'),
        Arg::Filename,
        "FILE",
        "Write the CIB as it is after the simulation to FILE",
    ),
    OptionEntry::with_value(
        "save-graph",
        Some('G'),
        Arg::String,
        "FILE",
        "Write the transition graph as XML to FILE",
    ),
    OptionEntry::with_value(
        "save-dotfile",
        Some('D'),
        Arg::String,
        "FILE",
        "Write the transition graph in DOT format to FILE",
    ),
    OptionEntry::flag(
        "all-actions",
        Some('a'),
        "Put every action in the DOT graph, including those the transition does not need",
    ),
];

const SOURCES: &[OptionEntry] = &[
    OptionEntry::flag(
        "live-check",
        Some('L'),
        "Take the CIB from the running cluster's CIB manager",
    ),
    OptionEntry::with_value(
        "xml-file",
        Some('x'),
        Arg::String,
        "FILE",
        "Take the CIB from FILE",
    ),
    OptionEntry::flag("xml-pipe", Some('p'), "Take the CIB from standard input"),
];

const DESCRIPTION: &str = "Operation Specification:\n\n\
An OPSPEC names an operation result as\n\
${resource}_${task}_${interval_in_ms}@${node}=${rc}\n\
for example memcached_monitor_20000@bart.example.com=7.\n\
${rc} is an OCF exit code, as listed in\n\
https://clusterlabs.org/pacemaker/doc/2.1/Pacemaker_Administration/html/agents.html#ocf-return-codes\n\n\
Examples:\n\n\
Ask what happens if a recurring monitor finds memcached stopped on\n\
bart.example.com and then stopping it on fred.example.com fails:\n\n\
\tcrm_simulate -LS --op-inject memcached:0_monitor_20000@bart.example.com=7 \
--op-fail memcached:0_stop_0@fred.example.com=1 --save-output /tmp/memcached-test.xml\n\n\
Then see how the cluster would react to that failed stop:\n\n\
\tcrm_simulate -S --xml-file /tmp/memcached-test.xml\n\n";

const SPEC: CommandSpec = CommandSpec {
    description: DESCRIPTION,
    output: Some(OutputSpec {
        formats: &["none", "text", "xml"],
        help_list: "text (default), xml",
    }),
    main: &[OptionEntry::flag(
        "quiet",
        Some('Q'),
        "Print only what is essential",
    )],
    groups: &[
        OptionGroup {
            name: "operations",
            header: "Operations:",
            help: "Show operations options",
            entries: OPERATIONS,
        },
        OptionGroup {
            name: "synthetic",
            header: "Synthetic Cluster Events:",
            help: "Show synthetic cluster event options",
            entries: SYNTHETIC,
        },
        OptionGroup {
            name: "artifact",
            header: "Artifact Options:",
            help: "Show artifact options",
            entries: ARTIFACTS,
        },
        OptionGroup {
            name: "source",
            header: "Data Source:",
            help: "Show data source options",
            entries: SOURCES,
        },
    ],
    attached_values: Some("bdefgiqrtuwxDFGINOP"),
    ..CommandSpec::new(
        "crm_simulate",
        "crm_simulate - simulate a Pacemaker cluster's response to events",
    )
};

// pcmk_sim_* flags
const ALL_ACTIONS: u32 = 1 << 0;
const SHOW_PENDING: u32 = 1 << 1;
const PROCESS: u32 = 1 << 2;
const SHOW_SCORES: u32 = 1 << 3;
const SHOW_UTILIZATION: u32 = 1 << 4;
const SIMULATE: u32 = 1 << 5;
const SANITIZED: u32 = 1 << 6;
const VERBOSE: u32 = 1 << 7;

/// The options after the reference's callbacks have run.
struct Opts {
    flags: u32,
    section: u32,
    xml_file: Option<String>,
    dot_file: Option<String>,
    graph_file: Option<String>,
    input_file: Option<OsString>,
    output_file: Option<OsString>,
    test_dir: Option<OsString>,
    repeat: i64,
    store: bool,
    use_date: Option<String>,
    inj: Injections,
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Path(p) => p.to_string_lossy().into_owned(),
        Value::Int(i) => i.to_string(),
        Value::Int64(i) => i.to_string(),
        Value::None => String::new(),
    }
}

fn collect_options(tool: &Tool<'_>) -> Opts {
    let mut o = Opts {
        flags: SHOW_PENDING | SANITIZED,
        section: 0,
        xml_file: Some("-".into()),
        dot_file: None,
        graph_file: None,
        input_file: None,
        output_file: None,
        test_dir: None,
        repeat: 1,
        store: false,
        use_date: None,
        inj: Injections::default(),
    };
    for occ in &tool.parsed.occurrences {
        let v = &occ.value;
        match occ.long {
            "all-actions" => o.flags |= ALL_ACTIONS,
            "show-attrs" => o.section |= section::ATTRIBUTES,
            "show-failcounts" => o.section |= section::FAILCOUNTS | section::FAILURES,
            "in-place" => {
                o.store = true;
                o.flags |= PROCESS | SIMULATE;
            }
            "live-check" => {
                o.xml_file = None;
                o.flags &= !SANITIZED;
            }
            "node-down" => o.inj.node_down.push(text(v)),
            "node-fail" => o.inj.node_fail.push(text(v)),
            "node-up" => o.inj.node_up.push(text(v)),
            "op-fail" => {
                o.flags |= PROCESS | SIMULATE;
                o.inj.op_fail.push(text(v));
            }
            "op-inject" => o.inj.op_inject.push(text(v)),
            "pending" => o.flags |= SHOW_PENDING,
            "run" => o.flags |= PROCESS,
            "quorum" => o.inj.quorum = Some(text(v)),
            "save-dotfile" => {
                o.flags |= PROCESS;
                o.dot_file = Some(text(v));
            }
            "save-graph" => {
                o.flags |= PROCESS;
                o.graph_file = Some(text(v));
            }
            "show-scores" => o.flags |= PROCESS | SHOW_SCORES,
            "simulate" => o.flags |= PROCESS | SIMULATE,
            "ticket-activate" => o.inj.ticket_activate.push(text(v)),
            "ticket-grant" => o.inj.ticket_grant.push(text(v)),
            "ticket-revoke" => o.inj.ticket_revoke.push(text(v)),
            "ticket-standby" => o.inj.ticket_standby.push(text(v)),
            "show-utilization" => o.flags |= PROCESS | SHOW_UTILIZATION,
            "watchdog" => o.inj.watchdog = Some(text(v)),
            "xml-file" => {
                o.xml_file = Some(text(v));
                o.flags |= SANITIZED;
            }
            "xml-pipe" => {
                o.xml_file = Some("-".into());
                o.flags |= SANITIZED;
            }
            "profile" => {
                if let Value::Path(p) = v {
                    o.test_dir = Some(p.clone());
                }
            }
            "repeat" => {
                if let Value::Int(i) = v {
                    o.repeat = *i as i64;
                }
            }
            "save-input" => {
                if let Value::Path(p) = v {
                    o.input_file = Some(p.clone());
                }
            }
            "save-output" => {
                if let Value::Path(p) = v {
                    o.output_file = Some(p.clone());
                }
            }
            "set-datetime" => o.use_date = Some(text(v)),
            _ => {}
        }
    }
    o
}

fn main() -> ExitCode {
    app::main(&SPEC, |tool| {
        // the scheduler recurses as deeply as the reference does
        let argv = tool.argv.clone();
        let opts = collect_options(tool);
        let quiet = tool.parsed.is_set("quiet");
        let verbosity = tool.verbosity;
        let xml = tool.out.format() == pcmk_tools::output::Format::Xml;
        let none = tool.out.format() == pcmk_tools::output::Format::None;
        let handle = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || {
                let _ = argv;
                run_all(opts, quiet, verbosity, xml, none)
            })
            .expect("thread");
        let (status, err, doc, errors) =
            handle
                .join()
                .unwrap_or((CrmExit::SOFTWARE, None, None, Vec::new()));
        if let Some(doc) = doc {
            for child in doc.elements() {
                tool.out.xml_add(to_cli_xml(child));
            }
        }
        for e in errors {
            tool.out.err(e);
        }
        if let Some(e) = err {
            if xml {
                // the reference reports it without its output object
                eprintln!("crm_simulate: {e}");
            } else {
                tool.set_error(e);
            }
        }
        status
    })
}

/// Our XML tree as the CLI machinery's element type.
fn to_cli_xml(e: &Element) -> XmlElement {
    let mut x = XmlElement::new(e.name());
    for a in e.attrs() {
        x.set_attr(&a.name, a.value.clone());
    }
    let text = e.text();
    if !text.is_empty() {
        x.add_text(text);
    }
    for c in e.elements() {
        x.add_child(to_cli_xml(c));
    }
    x
}

/// [`run`] with its output object; for XML, the document body and the
/// error messages are handed back for the CLI machinery to print.
fn run_all(
    o: Opts,
    quiet: bool,
    verbosity: u32,
    xml: bool,
    none: bool,
) -> (CrmExit, Option<String>, Option<Element>, Vec<String>) {
    let format = if xml {
        Format::Xml
    } else if none {
        Format::None
    } else {
        Format::Text {
            fancy: o.flags & (SHOW_SCORES | SHOW_UTILIZATION) == 0,
        }
    };
    let mut out = Out::new(format);
    out.quiet = quiet;
    let (status, err) = run(o, verbosity, &mut out);
    if xml {
        let errors: Vec<String> = out
            .take_chunks()
            .into_iter()
            .filter(|(s, _)| *s == Stream::Stderr)
            .flat_map(|(_, t)| t.lines().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        (status, err, Some(out.xml_root()), errors)
    } else {
        flush(&mut out);
        (status, err, None, Vec::new())
    }
}

/// Write what the output object collected to the real streams.
fn flush(out: &mut Out) {
    if out.is_xml() {
        return;
    }
    for (stream, text) in out.take_chunks() {
        match stream {
            Stream::Stdout => {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(text.as_bytes());
                let _ = o.flush();
            }
            Stream::Stderr => {
                let mut e = std::io::stderr().lock();
                let _ = e.write_all(text.as_bytes());
            }
        }
    }
}

fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Why the input CIB cannot be used.
enum InputError {
    /// Reported through the output object.
    Message(CrmExit, String),
    /// Already reported on stderr (schema messages); only the exit code.
    Reported(CrmExit),
}

/// Read the input CIB the way `setup_input` does: parse (libxml2's
/// recover mode), add a status section, upgrade an old schema in memory
/// (`cli_config_update`), validate (`validate_xml`), then the shadow-file
/// round trip.
fn read_input(path: &str, target: &str) -> Result<Element, InputError> {
    read_input_from(path, None, target)
}

/// The CIB of the local CIB manager (`cib__signon_query`: a local,
/// synchronous query), as text; `None` when there is none to be had.
#[doc(alias = "cib__signon_query")]
fn query_live_cib() -> Result<Vec<u8>, InputError> {
    use pcmk_msg::cib::{call_options, CibClient, ConnType};
    let no_input = || {
        InputError::Message(
            Rc::NO_INPUT.to_exit(),
            format!("CIB query failed: {}", Rc::NO_INPUT.description()),
        )
    };
    let client = CibClient::signon("crm_simulate", ConnType::Command).map_err(|_| no_input())?;
    let reply = client.query(None, call_options::SCOPE_LOCAL | call_options::SYNC_CALL);
    client.signoff();
    let reply = reply.map_err(|_| no_input())?;
    let cib = reply.output.ok_or_else(no_input)?;
    if reply.rc != 0 {
        let rc = Rc::from_legacy(reply.rc);
        return Err(InputError::Message(
            rc.to_exit(),
            format!("CIB query failed: {}", rc.description()),
        ));
    }
    Ok(cib.to_formatted().into_bytes())
}

/// [`read_input`] of `path`, or of `live` (a CIB the CIB manager gave)
/// when there is one.
fn read_input_from(path: &str, live: Option<Vec<u8>>, target: &str) -> Result<Element, InputError> {
    let (parsed, source, url) = if let Some(buf) = live {
        let parsed = pcmk_xml::read_string(&buf);
        (parsed, String::from_utf8(buf).ok(), "unknown.xml")
    } else if path == "-" {
        let mut buf = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut buf);
        let parsed = pcmk_xml::read_string(&buf);
        (parsed, String::from_utf8(buf).ok(), "unknown.xml")
    } else if path.ends_with(".bz2") {
        match pcmk_xml::read_file(std::path::Path::new(path)) {
            Ok(p) => (p, None, path),
            Err(_) => return Err(no_document(target)),
        }
    } else {
        match std::fs::read(path) {
            Ok(buf) => {
                let parsed = pcmk_xml::read_string(&buf);
                (parsed, String::from_utf8(buf).ok(), path)
            }
            Err(_) => return Err(no_document(target)),
        }
    };
    let Some(mut cib) = parsed.root else {
        return Err(no_document(target));
    };
    cib.strip_text();
    // libxml2 reports line numbers of the file: validate its text when the
    // tree still matches it (a missing status section inserted textually)
    let mut source = source.filter(|_| parsed.errors.is_empty());
    if source.is_none() {
        drop_duplicate_attrs(&mut cib);
    }
    if cib.first_element("status").is_none() {
        cib.push_element(Element::new("status"));
        source = source.and_then(|s| insert_status(&s, cib.name()));
    }

    let validator = pcmk_schema::Validator::global();
    let update = pcmk_schema::cli_config_update(validator, &cib);
    for line in &update.log {
        if line.contains("Relax-NG") || line.contains("parser error") {
            eprintln!("{line}");
        }
    }
    if let Some(w) = &update.warning {
        eprintln!("{w}");
    }
    if !update.usable {
        if let Some(e) = &update.error {
            eprintln!("{e}");
        }
        return Err(InputError::Reported(CrmExit::CONFIG));
    }
    if update.cib != cib {
        source = None;
    }
    let mut cib = update.cib;
    let check = pcmk_schema::validate_xml(validator, &mut cib, source.as_deref(), None, Some(url));
    for m in &check.messages {
        eprintln!("{m}");
    }
    if !check.valid {
        return Err(InputError::Reported(CrmExit::CONFIG));
    }
    shadow_round_trip(&mut cib);
    Ok(cib)
}

/// A recovered parse can keep an attribute twice; lookups see the first,
/// and so does validation of the reference's in-memory tree.
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

/// What the reference does with input that yields no document at all: every
/// step of `setup_input` trips over the missing tree (each logging a failed
/// assertion), validation is "disabled", and writing the shadow copy fails.
fn no_document(target: &str) -> InputError {
    const ASSERT: &str = "(log_assertion_as) \terror:";
    const NO_VALIDATE_WITH: &str =
        "(crm_element_value) \terror: Couldn't find validate-with in NULL";
    let value_assert = format!(
        "{ASSERT} crm_element_value: Triggered fatal assertion at nvpair.c:523 : data != NULL"
    );
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "{ASSERT} xpath_search: Triggered fatal assertion at xpath.c:147 : xml_top != NULL"
    );
    let _ = writeln!(e, "{NO_VALIDATE_WITH}\n{value_assert}");
    let _ = writeln!(
        e,
        "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)"
    );
    let _ = writeln!(e, "{NO_VALIDATE_WITH}\n{value_assert}");
    for _ in pcmk_schema::known()
        .iter()
        .filter(|s| s.validator != pcmk_schema::versions::Validator::None)
    {
        let _ = writeln!(
            e,
            "{ASSERT} validate_with: Triggered fatal assertion at schemas.c:607 : xml != NULL"
        );
    }
    let _ = writeln!(
        e,
        "{ASSERT} crm_xml_add: Triggered fatal assertion at nvpair.c:328 : node != NULL"
    );
    let _ = writeln!(
        e,
        "{ASSERT} write_xml_file: Triggered fatal assertion at xml.c:1367 : xml_node && filename"
    );
    InputError::Message(
        Rc::from_errno(22).to_exit(),
        format!("Could not create '{target}': Invalid argument"),
    )
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

/// The reference writes the input to a shadow file and reads it back
/// (`write_xml_file`, then the file-based CIB): text nodes are lost and
/// attribute values pass through `crm_xml_escape`, so control characters
/// come back as their visible forms (`\n`, four spaces for a tab, `\ooo`).
fn shadow_round_trip(e: &mut Element) {
    for a in e.attrs_mut().iter_mut() {
        if a.value.bytes().any(|b| b < 0x20 || b == 0x7f) {
            a.value = unescape_entities(&pcmk_xml::text::escape_value(&a.value));
        }
    }
    for c in e.elements_mut() {
        shadow_round_trip(c);
    }
}

/// Undo the five entities `crm_xml_escape` produces.
fn unescape_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `set_effective_date`.
fn effective_date(cib: &Element, use_date: Option<&str>, print: bool, out: &mut Out) -> CrmTime {
    let real_now = CrmTime::from_epoch(now_epoch());
    if let Some(d) = use_date {
        out.info(&format!("Setting effective cluster time: {d}"));
        return CrmTime::parse(d, &real_now).unwrap_or(real_now);
    }
    let original = cib
        .attr("execution-date")
        .and_then(|v| pcmk_scheduler::util::scan_ll(v).ok())
        .unwrap_or(0);
    if original != 0 {
        let t = CrmTime::from_epoch(original);
        if print {
            out.info(&format!(
                "Using the original execution date of: {}",
                t.to_string_flags(iso8601::fmt::DATE | iso8601::fmt::TIMEOFDAY)
            ));
        }
        return t;
    }
    real_now
}

fn write_file(path: &str, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

fn unpack(cib: &Element, now: CrmTime, o: &Opts) -> WorkingSet {
    let sopts = pcmk_scheduler::Options {
        show_scores: o.flags & SHOW_SCORES != 0,
        show_utilization: o.flags & SHOW_UTILIZATION != 0,
        check_config: false,
    };
    let mut ws = pcmk_scheduler::unpack(cib, now, &sopts);
    if o.flags & SANITIZED != 0 {
        ws.set(wsflags::SANITIZED);
    }
    ws
}

/// `pcmk__simulate` and the rest of `main`.
fn run(o: Opts, verbosity: u32, out: &mut Out) -> (CrmExit, Option<String>) {
    let mut o = o;
    if verbosity > 0 {
        o.flags |= VERBOSE;
    }

    if let Some(dir) = o.test_dir.clone() {
        profile_dir(&dir, o.repeat, &o, out);
        flush(out);
        return (CrmExit::OK, None);
    }
    // -L: the live CIB, queried before anything else is set up
    let live = match o.xml_file {
        Some(_) => None,
        None => match query_live_cib() {
            Ok(buf) => Some(buf),
            Err(InputError::Message(code, msg)) => return (code, Some(msg)),
            Err(InputError::Reported(code)) => return (code, None),
        },
    };
    let xml_file = o.xml_file.clone().unwrap_or_default();
    let target = if o.store && o.xml_file.is_some() {
        xml_file.clone()
    } else if let Some(f) = &o.output_file {
        f.to_string_lossy().into_owned()
    } else {
        pcmk_cib::system::shadow_file(&std::process::id().to_string())
            .to_string_lossy()
            .into_owned()
    };
    let mut cib = match read_input_from(&xml_file, live, &target) {
        Ok(c) => c,
        Err(InputError::Message(code, msg)) => return (code, Some(msg)),
        Err(InputError::Reported(code)) => return (code, None),
    };
    let output_file: Option<OsString> = if o.store && o.xml_file.is_some() {
        Some(OsString::from(&xml_file))
    } else {
        o.output_file.clone()
    };
    // setup_input() writes the copy the simulation works on
    if let Some(f) = &output_file {
        if let Err(e) = std::fs::write(f, cib.to_formatted()) {
            let rc = Rc::from_errno(e.raw_os_error().unwrap_or(5));
            return (
                rc.to_exit(),
                Some(format!(
                    "Could not create '{}': {}",
                    f.to_string_lossy(),
                    rc.description()
                )),
            );
        }
    }
    // the file-based CIB finds no configuration under another root
    if cib.name() != "cib" {
        return (Rc::NO_INPUT.to_exit(), None);
    }

    // Current cluster status
    let now = effective_date(&cib, o.use_date.as_deref(), true, out);
    let mut ws = unpack(&cib, now, &o);
    let mut printed = false;
    if !out.is_quiet() {
        if ws.is_set(wsflags::MAINTENANCE_MODE) {
            printed = pcmk_scheduler::output::status::maint_mode(&ws, out);
        }
        if ws.disabled_resources != 0 || ws.blocked_resources != 0 {
            if printed {
                out.spacer();
            }
            printed = out.info(&format!(
                "{} of {} resource instances DISABLED and {} BLOCKED from further action due to failure",
                ws.disabled_resources, ws.ninstances, ws.blocked_resources
            ));
        }
        let show = if o.flags & SHOW_PENDING != 0 {
            show::PENDING
        } else {
            0
        };
        print_cluster_status(
            &mut ws,
            out,
            show,
            o.section,
            "Current cluster status",
            printed,
        );
        printed = true;
    }
    flush(out);

    if o.inj.any() {
        if printed {
            out.spacer();
        }
        inject_scheduler_input(&ws, &mut cib, out, &o.inj, now_epoch());
        printed = true;
        flush(out);
        let now = effective_date(&cib, o.use_date.as_deref(), true, out);
        ws = unpack(&cib, now, &o);
    }

    if let Some(f) = &o.input_file {
        if std::fs::write(f, cib.to_formatted()).is_err() {
            return (CrmExit::CANTCREAT, None);
        }
    }

    let mut status = CrmExit::OK;
    if o.flags & (PROCESS | SIMULATE) != 0 {
        let scores = o.flags & SHOW_SCORES != 0;
        let util = o.flags & SHOW_UTILIZATION != 0;
        let title = match (scores, util) {
            (true, true) => Some("Allocation Scores and Utilization Information"),
            (true, false) => Some("Allocation Scores"),
            (false, true) => Some("Utilization Information"),
            _ => None,
        };
        if let Some(t) = title {
            if printed {
                out.spacer();
            }
            out.begin_list(None, None, t);
            printed = true;
        }
        let graph = pcmk_scheduler::schedule_unpacked(&mut ws);
        if title.is_some() {
            for m in std::mem::take(&mut ws.messages) {
                pcmk_scheduler::output::print_message(out, &m);
            }
            out.end_list();
        }
        flush(out);
        if let Some(f) = &o.graph_file {
            if write_file(f, &graph.to_formatted()).is_err() {
                return (Rc::GRAPH_ERROR.to_exit(), None);
            }
        }
        if let Some(f) = &o.dot_file {
            let dot = pcmk_scheduler::graph::dot::write_dot(
                &mut ws,
                o.flags & ALL_ACTIONS != 0,
                o.flags & VERBOSE != 0,
            );
            if write_file(f, &dot).is_err() {
                return (Rc::DOT_ERROR.to_exit(), None);
            }
        }
        if !out.is_quiet() {
            if printed {
                out.spacer();
            }
            out.begin_list(None, None, "Transition Summary");
            (out.rsc_width, out.detail_width) = ws.summary_widths;
            pcmk_scheduler::output::summary::output_actions(&mut ws, out);
            ws.summary_widths = (out.rsc_width, out.detail_width);
            out.end_list();
        }
        flush(out);

        if o.flags & SIMULATE != 0 {
            if printed {
                out.spacer();
            }
            if !out.is_quiet() {
                out.begin_list(None, None, "Executing Cluster Transition");
            }
            let node_config = !o.inj.node_up.is_empty();
            let rc = {
                let mut ctx = SimContext {
                    ws: &ws,
                    cib: &mut cib,
                    out,
                    op_fail: &o.inj.op_fail,
                    now: now_epoch(),
                    node_config,
                };
                run_graph(&mut ctx, &graph)
            };
            if rc != GraphStatus::Complete {
                out.err(&format!("Transition failed: {}", rc.as_str()));
                out.err("An invalid transition was produced");
                status = Rc::INVALID_TRANSITION.to_exit();
            }
            if !out.is_quiet() {
                out.end_list();
            }
            flush(out);
            if !out.is_quiet() {
                let now = effective_date(&cib, o.use_date.as_deref(), true, out);
                let mut ws2 = unpack(&cib, now, &o);
                print_cluster_status(&mut ws2, out, 0, o.section, "Revised Cluster Status", true);
            }
        }
    }
    flush(out);
    if let Some(f) = &output_file {
        // written back when the simulation changed it; failures only logged
        let _ = std::fs::write(f, cib.to_formatted());
    }
    (status, None)
}

/// `pcmk__profile_dir`.
fn profile_dir(dir: &OsString, repeat: i64, o: &Opts, out: &mut Out) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return;
    }
    names.sort();
    out.begin_list(None, None, "Timings");
    for name in names.iter().rev() {
        if name.starts_with('.') || !name.ends_with(".xml") {
            continue;
        }
        let path = format!("{}/{name}", dir.to_string_lossy());
        if !std::path::Path::new(&path).is_file() {
            continue;
        }
        let Ok(cib) = read_input(&path, "") else {
            continue;
        };
        let start = std::time::Instant::now();
        for _ in 0..repeat.max(1) {
            let mut scratch = Out::new(Format::None);
            let now = effective_date(&cib, o.use_date.as_deref(), false, &mut scratch);
            let mut ws = unpack(&cib, now, o);
            let _ = pcmk_scheduler::schedule_unpacked(&mut ws);
        }
        let secs = start.elapsed().as_secs_f64();
        out.list_item(None, &format!("Testing {path} ... {secs:.2} secs"));
    }
    out.end_list();
}
