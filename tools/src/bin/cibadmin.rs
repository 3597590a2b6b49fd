//! `cibadmin`: query and edit the CIB, compute CIB digests.
//!
//! Pacemaker 2.1.5's cibadmin still parses its command line with the
//! old getopt tables; options are handled one by one in command-line order
//! (`--empty` prints and exits on the spot). The CIB is reached through a
//! [`CibBackend`]: the file backend for `CIB_file` / `CIB_shadow`, and, for
//! the live cluster, the CIB manager over IPC (`live`), with the reference's
//! synchronous (`-s`) and asynchronous (callback) reporting. A remote CIB
//! (`CIB_port`) is not supported and fails to connect like an absent one.
//! Ref: tools/cibadmin.c.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;
use std::time::Duration;

use pcmk_cib::acl::Identity;
use pcmk_cib::client::{target_from_env, Target, Unconnected};
use pcmk_cib::file::FileBackend;
use pcmk_cib::system::EtcGroup;
use pcmk_cib::trace::{Diag, Diags, Event, Level};
use pcmk_cib::{CallOptions, Op, Request, SchemaTransforms, Services, Validation};
use pcmk_cli::getopt::{Event as OptEvent, Getopt, HasArg};
use pcmk_cli::legacy::{LegacyOption, LegacySpec, Show};
use pcmk_results::{CrmExit, Rc};
use pcmk_xml::tree::{Element, Node};

#[path = "../cibadmin/digest.rs"]
mod digest;
#[path = "../cibadmin/live.rs"]
mod live;
#[path = "../cibadmin/mmap.rs"]
mod mmap;
#[path = "../cibadmin/render.rs"]
mod render;

const OPTIONS: &[LegacyOption] = &[
    LegacyOption::option("help", HasArg::No, Some('?'), "\tShow this help and exit"),
    LegacyOption::option(
        "version",
        HasArg::No,
        Some('$'),
        "\tShow the version and exit",
    ),
    LegacyOption::option(
        "verbose",
        HasArg::No,
        Some('V'),
        "\tLog more to stderr (repeatable)\n",
    ),
    LegacyOption::heading("Commands:"),
    LegacyOption::option(
        "upgrade",
        HasArg::No,
        Some('u'),
        "\tMove the configuration to the newest schema",
    ),
    LegacyOption::option(
        "query",
        HasArg::No,
        Some('Q'),
        "\tPrint the CIB (or a part of it)",
    ),
    LegacyOption::option(
        "erase",
        HasArg::No,
        Some('E'),
        "\tEmpty the whole CIB (configuration and status)",
    ),
    LegacyOption::option(
        "bump",
        HasArg::No,
        Some('B'),
        "\tAdd one to the CIB's epoch",
    ),
    LegacyOption::option(
        "create",
        HasArg::No,
        Some('C'),
        "\tAdd an object to the CIB (an existing one is an error)",
    ),
    LegacyOption::option(
        "modify",
        HasArg::No,
        Some('M'),
        "\tMerge the given object into the first CIB element with its name and id \
         (which must exist, unless -c is also given)",
    ),
    LegacyOption::option(
        "patch",
        HasArg::No,
        Some('P'),
        "\tApply a patch as produced by crm_diff(8)",
    ),
    LegacyOption::option(
        "replace",
        HasArg::No,
        Some('R'),
        "\tReplace an object (and everything below it) in the CIB",
    ),
    LegacyOption::option(
        "delete",
        HasArg::No,
        Some('D'),
        "\tRemove the first object that matches the given one \
         (for example, <op id=\"rsc1_op1\" name=\"monitor\"/>)",
    ),
    LegacyOption::heading(
        "\n\tTo match, an object needs the same element name and every given attribute value.\n",
    ),
    LegacyOption::option(
        "delete-all",
        HasArg::No,
        Some('d'),
        "With --xpath, remove every match instead of only the first",
    ),
    LegacyOption::option("empty", HasArg::No, Some('a'), "\tPrint an empty CIB"),
    LegacyOption::option(
        "md5-sum",
        HasArg::No,
        Some('5'),
        "\tPrint the digest Pacemaker stores next to the CIB on disk",
    ),
    LegacyOption::option(
        "md5-sum-versioned",
        HasArg::No,
        Some('6'),
        "Print the digest cluster nodes compare",
    ),
    LegacyOption::option(
        "show-access",
        HasArg::Optional,
        Some('S'),
        "Mark what the user given with -U may write, read or not see \
         (with -Q/--query and -U/--user)",
    ),
    LegacyOption::heading(
        "\n\tThe value is \"color\" (default on a terminal), \"text\" (otherwise), \
         \"namespace\", or \"auto\".",
    ),
    LegacyOption {
        name: "blank",
        has_arg: HasArg::No,
        short: Some('-'),
        help: "",
        show: Show::Hidden,
    },
    LegacyOption::heading("\nAdditional options:"),
    LegacyOption::option(
        "force",
        HasArg::No,
        Some('f'),
        "Go ahead with commands that can destroy data",
    ),
    LegacyOption::option(
        "timeout",
        HasArg::Required,
        Some('t'),
        "Seconds to wait for the operation to complete",
    ),
    LegacyOption::option(
        "user",
        HasArg::Required,
        Some('U'),
        "Act with the access rights of this user (only root and hacluster may do this)",
    ),
    LegacyOption::option(
        "sync-call",
        HasArg::No,
        Some('s'),
        "Wait until the operation has completed",
    ),
    LegacyOption::option(
        "local",
        HasArg::No,
        Some('l'),
        "\tAct on the local node's copy only (meant for queries)",
    ),
    LegacyOption::option(
        "allow-create",
        HasArg::No,
        Some('c'),
        "(Advanced) Let --modify/-M create the object when it is missing",
    ),
    LegacyOption::option(
        "no-children",
        HasArg::No,
        Some('n'),
        "(Advanced) Print queried objects without their children",
    ),
    LegacyOption::option("no-bcast", HasArg::No, Some('b'), "").show(Show::Hidden),
    LegacyOption::heading("\nData:"),
    LegacyOption::option(
        "xml-text",
        HasArg::Required,
        Some('X'),
        "Take the XML from this string",
    ),
    LegacyOption::option(
        "xml-file",
        HasArg::Required,
        Some('x'),
        "Take the XML from this file",
    ),
    LegacyOption::option(
        "xml-pipe",
        HasArg::No,
        Some('p'),
        "Take the XML from standard input\n",
    ),
    LegacyOption::option(
        "scope",
        HasArg::Required,
        Some('o'),
        "Work on this section of the CIB only",
    ),
    LegacyOption::heading(
        "\tSections: configuration, nodes, resources, constraints, crm_config, \
         rsc_defaults, op_defaults, acls, fencing-topology, tags, alerts",
    ),
    LegacyOption::option(
        "xpath",
        HasArg::Required,
        Some('A'),
        "Select objects with this XPath instead of --scope/-o",
    ),
    LegacyOption::option(
        "node-path",
        HasArg::No,
        Some('e'),
        "With XPath queries, print where the matches are instead of the matches",
    ),
    LegacyOption::heading(
        "\t(such as \"/cib/configuration/resources/clone[@id='ms_RH1_SCS']\
         /primitive[@id='prm_RH1_SCS']\")",
    )
    .show(Show::Paragraph),
    LegacyOption::option(
        "node",
        HasArg::Required,
        Some('N'),
        "(Advanced) Send the command to this node",
    ),
    LegacyOption {
        name: "-spacer-",
        has_arg: HasArg::No,
        short: Some('!'),
        help: "",
        show: Show::Hidden,
    },
    LegacyOption::heading("\n\nExamples:\n"),
    LegacyOption::heading("Print this node's copy of the configuration:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --query --local").show(Show::Example),
    LegacyOption::heading("Print the cluster options only:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --query --scope crm_config").show(Show::Example),
    LegacyOption::heading("Print every 'target-role' setting:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --query --xpath \"//nvpair[@name='target-role']\"")
        .show(Show::Example),
    LegacyOption::heading("Remove every 'is-managed' setting:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --delete-all --xpath \"//nvpair[@name='is-managed']\"")
        .show(Show::Example),
    LegacyOption::heading("Remove the resource called 'old':").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --delete --xml-text '<primitive id=\"old\"/>'")
        .show(Show::Example),
    LegacyOption::heading("Remove every resource:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --replace --scope resources --xml-text '<resources/>'")
        .show(Show::Example),
    LegacyOption::heading("Replace the whole configuration with the file $HOME/pacemaker.xml:")
        .show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --replace --xml-file $HOME/pacemaker.xml").show(Show::Example),
    LegacyOption::heading("Replace the constraints with those in $HOME/constraints.xml:")
        .show(Show::Paragraph),
    LegacyOption::heading(
        " cibadmin --replace --scope constraints --xml-file $HOME/constraints.xml",
    )
    .show(Show::Example),
    LegacyOption::heading("Raise the admin epoch so that older configurations cannot come back:")
        .show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --modify --xml-text '<cib admin_epoch=\"admin_epoch++\"/>'")
        .show(Show::Example),
    LegacyOption::heading("Edit the configuration in $EDITOR:").show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --query > $HOME/local.xml").show(Show::Example),
    LegacyOption::heading(" $EDITOR $HOME/local.xml").show(Show::Example),
    LegacyOption::heading(" cibadmin --replace --xml-file $HOME/local.xml").show(Show::Example),
    LegacyOption::heading(
        "Show, in colour on a terminal (green writable, blue readable, red denied), \
         what user tony may do:",
    )
    .show(Show::Paragraph),
    LegacyOption::heading(" cibadmin --show-access=color --query --user tony | less -r")
        .show(Show::Example),
    LegacyOption::heading("SEE ALSO:"),
    LegacyOption::heading(" crm(8), pcs(8), crm_shadow(8), crm_diff(8)"),
    LegacyOption::option("host", HasArg::Required, Some('h'), "").show(Show::Hidden),
];

const SPEC: LegacySpec = LegacySpec {
    name: "cibadmin",
    description: "query and edit the Pacemaker configuration",
    usage: Some("<command> [options]"),
    short_options: None,
    options: OPTIONS,
};

/// How `--show-access` renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclEval {
    Auto,
    Namespace,
    Text,
    Color,
}

/// What the command line asked for.
#[derive(Default)]
struct Args {
    action: Option<&'static str>,
    options: CallOptions,
    obj_type: Option<String>,
    user: Option<String>,
    host: Option<String>,
    xml_text: Option<OsString>,
    xml_file: Option<OsString>,
    xml_stdin: bool,
    dangerous: bool,
    force: bool,
    verbose: u32,
    acl_eval: Option<AclEval>,
    /// `-t`: seconds calls wait (`message_timeout_ms`, despite its name).
    timeout: u32,
    argerr: u32,
}

fn out(bytes: &[u8]) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(bytes);
    let _ = o.flush();
}

fn err(bytes: &[u8]) {
    let _ = std::io::stderr().write_all(bytes);
}

/// `pcmk__cli_help('?', code)`: the help on stdout (success) or stderr.
fn help_exit(code: CrmExit) -> ExitCode {
    let text = SPEC.help_text('?');
    if code == CrmExit::OK {
        out(text.as_bytes());
    } else {
        err(text.as_bytes());
    }
    exit(code)
}

/// `crm_exit()`: once the command line is read (and the log level set),
/// every exit is logged at info level.
fn exit(code: CrmExit) -> ExitCode {
    if let Some(l) = LOGGING.get() {
        let mut d = Diags::default();
        d.log(
            "crm_exit",
            "results.c",
            871,
            Level::Info,
            format!("Exiting cibadmin | with status {}", code.raw()),
        );
        l.print(&d);
    }
    ExitCode::from(code.process_status())
}

/// The log settings, fixed after the command line is parsed.
static LOGGING: std::sync::OnceLock<Logging> = std::sync::OnceLock::new();

/// The `--empty` output: an empty CIB, with `validate-with` taken from the
/// argument after the option when there is one.
fn empty(argv: &[OsString]) -> ExitCode {
    let mut cib = pcmk_cib::sections::empty_cib(1);
    if let Some(v) = empty_arg(argv) {
        cib.set_attr("validate-with", v);
    }
    out(cib.to_formatted().as_bytes());
    exit(CrmExit::OK)
}

/// `argv[optind]` when `-a`/`--empty` is processed: the element following
/// the one that held the option (the cluster itself when the option is not
/// its last letter).
fn empty_arg(argv: &[OsString]) -> Option<String> {
    for (i, a) in argv.iter().enumerate().skip(1) {
        let b = a.as_bytes();
        if b == b"--" {
            return None;
        }
        let is_long = b.starts_with(b"--")
            && b.len() > 2
            && b"--empty".starts_with(b.split(|&c| c == b'=').next().unwrap_or(b));
        let in_cluster = b.len() > 1 && b[0] == b'-' && b[1] != b'-' && b[1..].contains(&b'a');
        if is_long || in_cluster {
            if in_cluster && b.last() != Some(&b'a') {
                return Some(a.to_string_lossy().into_owned());
            }
            return argv.get(i + 1).map(|s| s.to_string_lossy().into_owned());
        }
    }
    None
}

/// Parse the command line like the reference's option loop.
fn parse(argv: &[OsString]) -> Result<(Args, Vec<OsString>), ExitCode> {
    let longs = SPEC.long_options();
    let optstring = SPEC.optstring();
    let mut g = Getopt::new(argv, &optstring, &longs);
    let mut a = Args {
        timeout: live::DEFAULT_TIMEOUT,
        ..Args::default()
    };
    for ev in g.by_ref() {
        let (val, long_index, arg) = match ev {
            OptEvent::Error { mut message, .. } => {
                message.push(b'\n');
                err(&message);
                return Err(help_exit(CrmExit::USAGE));
            }
            OptEvent::Option {
                val,
                long_index,
                arg,
            } => (val, long_index, arg),
        };
        let letter = u8::try_from(val).map(char::from).unwrap_or('\0');
        let arg_s = arg.as_ref().map(|s| s.to_string_lossy().into_owned());
        match letter {
            '?' => {
                let ok = long_index.is_some_and(|i| i > 0);
                return Err(help_exit(if ok { CrmExit::OK } else { CrmExit::USAGE }));
            }
            '$' | '!' => {
                out(SPEC.help_text(letter).as_bytes());
                return Err(exit(CrmExit::OK));
            }
            't' => a.timeout = live::timeout_arg(arg_s.as_deref().unwrap_or("")),
            'A' => {
                a.obj_type = arg_s;
                a.options |= CallOptions::XPATH;
            }
            'e' => a.options |= CallOptions::XPATH_ADDRESS,
            'u' => {
                a.action = Some("cib_upgrade");
                a.dangerous = true;
            }
            'E' => {
                a.action = Some("cib_erase");
                a.dangerous = true;
            }
            'S' => {
                match arg_s.as_deref() {
                    None | Some("auto") => a.acl_eval = Some(AclEval::Auto),
                    Some("namespace") => a.acl_eval = Some(AclEval::Namespace),
                    Some("text") => a.acl_eval = Some(AclEval::Text),
                    Some("color") => a.acl_eval = Some(AclEval::Color),
                    Some(other) => {
                        err(
                            format!("Unrecognized value for --show-access: \"{other}\"\n")
                                .as_bytes(),
                        );
                        a.argerr += 1;
                    }
                }
                a.options |= CallOptions::SYNC_CALL;
            }
            'Q' => a.action = Some("cib_query"),
            'P' => a.action = Some("cib_apply_diff"),
            'U' => a.user = arg_s,
            'M' => a.action = Some("cib_modify"),
            'R' => a.action = Some("cib_replace"),
            'C' => a.action = Some("cib_create"),
            'D' => a.action = Some("cib_delete"),
            '5' => a.action = Some("md5-sum"),
            '6' => a.action = Some("md5-sum-versioned"),
            'c' => a.options |= CallOptions::CAN_CREATE,
            'n' => a.options |= CallOptions::NO_CHILDREN,
            'B' => a.action = Some("cib_bump"),
            'V' => {
                a.options |= CallOptions::VERBOSE;
                a.verbose += 1;
            }
            'o' => a.obj_type = arg_s,
            'X' => a.xml_text = arg,
            'x' => a.xml_file = arg,
            'p' => a.xml_stdin = true,
            'N' | 'h' => a.host = arg_s,
            'l' => a.options |= CallOptions::SCOPE_LOCAL,
            'd' => {
                a.action = Some("cib_delete");
                a.options |= CallOptions::MULTIPLE;
                a.dangerous = true;
            }
            'b' => {
                a.dangerous = true;
                a.options |= CallOptions::INHIBIT_BCAST | CallOptions::SCOPE_LOCAL;
            }
            's' => a.options |= CallOptions::SYNC_CALL,
            'f' => {
                a.force = true;
                a.options |= CallOptions::QUORUM_OVERRIDE;
            }
            'a' => return Err(empty(argv)),
            _ => {
                out(
                    format!("Argument code 0{val:o} ({letter}) is not (?yet?) supported\n")
                        .as_bytes(),
                );
                a.argerr += 1;
            }
        }
    }
    Ok((a, g.operands().to_vec()))
}

/// Read the input XML the way the reference does (`filename2xml`,
/// `string2xml`, `stdin2xml`): recovered partial trees count as input.
fn read_input(a: &Args) -> Option<(Option<Element>, String)> {
    if let Some(f) = &a.xml_file {
        let root = pcmk_xml::read_file(std::path::Path::new(f))
            .ok()
            .and_then(|p| p.root);
        return Some((root, f.to_string_lossy().into_owned()));
    }
    if let Some(t) = &a.xml_text {
        let root = pcmk_xml::read_string(t.as_bytes()).root;
        return Some((root, "input string".to_owned()));
    }
    if a.xml_stdin {
        let mut buf = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut buf);
        let root = if buf.is_empty() {
            None
        } else {
            pcmk_xml::read_string(&buf).root
        };
        return Some((root, "STDIN".to_owned()));
    }
    None
}

/// `print_xml_output()`.
fn print_output(xml: &Element, options: CallOptions) {
    if options.has(CallOptions::XPATH_ADDRESS) {
        if xml.name().eq_ignore_ascii_case("xpath-query") {
            for c in &xml.children {
                if let Node::Element(e) = c {
                    print_output(e, options);
                }
            }
        } else if let Some(id) = xml.id() {
            out(format!("{id}\n").as_bytes());
        }
    } else {
        out(xml.to_formatted().as_bytes());
    }
}

/// Which log messages reach stderr. cibadmin logs at `LOG_CRIT` until
/// `-V` (or `PCMK_stderr`) turns stderr on; each further `-V` lowers the
/// threshold by one level. Functions named in `PCMK_trace_functions` log
/// everything, and any tracing setting adds `@file:line` to every line.
struct Logging {
    stderr_on: bool,
    level: Level,
    traced: Vec<String>,
    location: bool,
}

impl Logging {
    fn new(verbose: u32) -> Logging {
        let env = |k: &str| {
            std::env::var(format!("PCMK_{k}"))
                .or_else(|_| std::env::var(format!("HA_{k}")))
                .ok()
        };
        let is_true = |v: &str| {
            ["true", "on", "yes", "y", "1"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        };
        let stderr_env = env("stderr").is_some_and(|v| is_true(&v) || v.contains("cibadmin"));
        const LEVELS: [Level; 7] = [
            Level::Crit,
            Level::Error,
            Level::Warning,
            Level::Notice,
            Level::Info,
            Level::Debug,
            Level::Trace,
        ];
        let steps = verbose.saturating_sub(if stderr_env { 0 } else { 1 }) as usize;
        let traced: Vec<String> = env("trace_functions")
            .unwrap_or_default()
            .split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        let location = [
            "trace_functions",
            "trace_files",
            "trace_formats",
            "trace_tags",
        ]
        .iter()
        // Set at all, even empty, a tracing variable switches the format.
        .any(|k| env(k).is_some());
        Logging {
            stderr_on: stderr_env || verbose > 0,
            level: LEVELS[steps.min(LEVELS.len() - 1)],
            traced,
            location,
        }
    }

    fn shows(&self, e: &Event) -> bool {
        self.stderr_on && (e.level <= self.level || self.traced.iter().any(|f| f == e.function))
    }

    fn print(&self, diag: &Diags) {
        for d in &diag.items {
            match d {
                Diag::Stderr(text) => err(text.as_bytes()),
                Diag::Log(e) if self.shows(e) => {
                    err(format!("{}\n", e.stderr_line(self.location)).as_bytes())
                }
                Diag::Log(_) => {}
                Diag::StderrAt(level, text) if (*level as usize) <= self.level as usize + 4 => {
                    err(text.as_bytes())
                }
                Diag::StderrAt(..) => {}
            }
        }
    }

    /// Log one of cibadmin's own messages.
    fn log(&self, function: &'static str, line: u32, level: Level, message: String) {
        let mut d = Diags::default();
        d.log(function, "cibadmin.c", line, level, message);
        self.print(&d);
    }
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    if argv.len() < 2 {
        return help_exit(CrmExit::USAGE);
    }
    let (mut a, operands) = match parse(&argv) {
        Ok(v) => v,
        Err(code) => return code,
    };
    // crm_bump_log_level(), once per -V, after the option loop.
    let _ = LOGGING.set(Logging::new(a.verbose));
    if !operands.is_empty() {
        let mut line = b"non-option ARGV-elements: ".to_vec();
        for o in &operands {
            line.extend_from_slice(o.as_bytes());
            line.push(b' ');
        }
        line.push(b'\n');
        out(&line);
        return help_exit(CrmExit::USAGE);
    }
    if a.action.is_none() {
        a.argerr += 1;
    }
    if a.argerr > 0 {
        return help_exit(CrmExit::USAGE);
    }
    if a.dangerous && !a.force {
        err(
            b"The supplied command is considered dangerous.  To prevent accidental \
destruction of the cluster, the --force flag is required in order to proceed.\n",
        );
        return exit(CrmExit::UNSAFE);
    }

    if let (Some(action @ ("md5-sum" | "md5-sum-versioned")), Some(file)) = (a.action, &a.xml_file)
    {
        if let Some(code) = fast_md5(action, std::path::Path::new(file)) {
            return code;
        }
    }

    let mut acl_cred = None;
    let input = match read_input(&a) {
        Some((root, source)) => match root {
            Some(r) => Some(r),
            None => {
                err(format!("Couldn't parse input from {source}.\n").as_bytes());
                return exit(CrmExit::CONFIG);
            }
        },
        None => {
            if a.acl_eval.is_some() {
                let me = pcmk_cib::system::effective_user_name();
                if pcmk_cib::acl::acl_required(me.as_deref()) {
                    if a.force {
                        err(
                            b"The supplied command can provide skewed result since it is run \
under user that also gets guarded per ACLs on their own right. Continuing since --force flag \
was provided.\n",
                        );
                    } else {
                        err(
                            b"The supplied command can provide skewed result since it is run \
under user that also gets guarded per ACLs in their own right. To accept the risk of such a \
possible distortion (without even knowing it at this time), use the --force flag.\n",
                        );
                        return exit(CrmExit::UNSAFE);
                    }
                }
                let Some(user) = a.user.take() else {
                    err(b"The supplied command requires -U user specified.\n");
                    return exit(CrmExit::USAGE);
                };
                acl_cred = Some(user);
            }
            None
        }
    };

    let action = a.action.unwrap_or_default();
    if action == "md5-sum" || action == "md5-sum-versioned" {
        let Some(input) = input else {
            err(b"Please supply XML to process with -X, -x or -p\n");
            return exit(CrmExit::USAGE);
        };
        if action == "md5-sum" {
            let digest = pcmk_xml::digest::on_disk(&input);
            err(b"Digest: ");
            out(format!("{digest}\n").as_bytes());
        } else {
            let version = input.attr("crm_feature_set");
            let digest = pcmk_xml::digest::versioned(&input, false, true, version);
            err(format!("Versioned ({}) digest: ", version.unwrap_or("(null)")).as_bytes());
            out(format!("{digest}\n").as_bytes());
        }
        // The tree is not needed any more: exit without freeing it.
        std::mem::forget(input);
        return exit(CrmExit::OK);
    }

    run(a, input, acl_cred)
}

/// `--md5-sum[-versioned] -x FILE` without building a tree, when the
/// file is plain enough (see `digest`).
fn fast_md5(action: &str, file: &std::path::Path) -> Option<ExitCode> {
    if file.as_os_str() == "-" || file.extension().is_some_and(|e| e == "bz2") {
        return None;
    }
    let map = mmap::Mapped::open(file)?;
    let bytes = map.bytes();
    let kind = if action == "md5-sum" {
        digest::Kind::OnDisk
    } else {
        digest::Kind::Versioned
    };
    let (sum, version) = digest::fast_digest(bytes, kind)?;
    if kind == digest::Kind::OnDisk {
        err(b"Digest: ");
    } else {
        err(format!(
            "Versioned ({}) digest: ",
            version.as_deref().unwrap_or("(null)")
        )
        .as_bytes());
    }
    out(format!("{sum}\n").as_bytes());
    Some(exit(CrmExit::OK))
}

/// `report_schema_unchanged()`: an upgrade with nothing to do.
fn report_schema_unchanged(logging: &Logging) -> CrmExit {
    let why = Rc::SCHEMA_UNCHANGED.description();
    logging.log(
        "report_schema_unchanged",
        414,
        Level::Info,
        // The log drops the message's trailing newline.
        format!("Upgrade unnecessary: {why}"),
    );
    out(format!("Upgrade unnecessary: {why}\n").as_bytes());
    CrmExit::OK
}

/// `cibadmin_op_callback()`: report the result of an asynchronous call.
fn op_callback(
    logging: &Logging,
    action: &str,
    reply: &pcmk_cib::Reply,
    options: CallOptions,
) -> CrmExit {
    let rc = Rc::from_legacy(reply.rc);
    if rc == Rc::SCHEMA_UNCHANGED {
        return report_schema_unchanged(logging);
    }
    if rc != Rc::OK {
        logging.log(
            "cibadmin_op_callback",
            895,
            Level::Warning,
            format!(
                "Call {action} failed: {} | rc={}",
                rc.description(),
                rc.raw()
            ),
        );
        err(format!("Call {action} failed: {}\n", rc.description()).as_bytes());
        if let Some(o) = reply.output.as_ref() {
            print_output(o, options);
        }
    } else if action == "cib_query" && reply.output.is_none() {
        logging.log(
            "cibadmin_op_callback",
            902,
            Level::Error,
            "Query returned no output".to_owned(),
        );
    } else {
        let line = if reply.output.is_some() { 909 } else { 906 };
        logging.log(
            "cibadmin_op_callback",
            line,
            Level::Info,
            "Call passed".to_owned(),
        );
        if let Some(o) = reply.output.as_ref() {
            print_output(o, options);
        }
    }
    rc.to_exit()
}

/// Everything after argument handling: connect, perform, print, sign off.
fn run(a: Args, mut input: Option<Element>, acl_cred: Option<String>) -> ExitCode {
    let fallback;
    let logging = match LOGGING.get() {
        Some(l) => l,
        None => {
            fallback = Logging::new(a.verbose);
            &fallback
        }
    };
    let validation = Validation::default();
    let identity = EtcGroup;
    let services = || Services {
        validation: &validation,
        identity: &identity,
        upgrader: &SchemaTransforms,
    };
    let mut backend: live::Backend<'_> = match target_from_env() {
        Target::File(path) => live::Backend::Dyn(Box::new(FileBackend::new(&path, services()))),
        Target::Remote { .. } => live::Backend::Dyn(Box::new(Unconnected)),
        Target::Native => live::Backend::Live(live::Live::new(
            Duration::from_secs(u64::from(a.timeout)),
            a.host.clone(),
        )),
    };
    let signon = backend.as_dyn().signon("cibadmin");
    logging.print(&signon.diag);
    if signon.rc != 0 {
        let rc = Rc::from_legacy(signon.rc);
        let why = pcmk_results::legacy::description(signon.rc);
        logging.log(
            "do_init",
            877,
            Level::Error,
            format!("Could not connect to the CIB: {why}"),
        );
        err(format!("Could not connect to the CIB: {why}\n").as_bytes());
        let init = "Init failed, could not perform requested operations";
        logging.log("main", 736, Level::Error, init.to_owned());
        err(format!("{init}\n").as_bytes());
        return exit(rc.to_exit());
    }

    let action = a.action.unwrap_or_default();
    let op = Op::from_name(action).unwrap_or(Op::Query);
    if op == Op::Replace {
        if let Some(inp) = input.as_mut() {
            if inp.name().eq_ignore_ascii_case("cib")
                && pcmk_cib::sections::find_element(inp, Some("status")).is_none()
            {
                inp.push_element(Element::new("status"));
            }
        }
    }
    let env_user = std::env::var("CIB_user").ok();
    let user = a.user.as_deref().or(env_user.as_deref());
    let req = Request {
        section: a.obj_type.as_deref(),
        data: input.as_ref(),
        options: a.options,
        user,
        ..Request::default()
    };
    let reply = match backend.call(op, &req) {
        live::Outcome::Returned(r) => r,
        live::Outcome::Callback(r) => {
            logging.log("main", 756, Level::Info, "Starting mainloop".to_owned());
            let exit_code = op_callback(logging, action, &r, a.options);
            // Replies nobody waits for that arrived with this one.
            logging.print(&r.diag);
            let rc = backend.as_dyn().signoff();
            return exit(if exit_code == CrmExit::OK {
                Rc::from_legacy(rc).to_exit()
            } else {
                exit_code
            });
        }
    };
    logging.print(&reply.diag);

    let mut exit_code = CrmExit::OK;
    if reply.rc == -pcmk_results::legacy::PCMK_ERR_SCHEMA_UNCHANGED && op == Op::Upgrade {
        exit_code = report_schema_unchanged(logging);
    } else if reply.rc < 0 {
        let rc = Rc::from_legacy(reply.rc);
        logging.log(
            "main",
            766,
            Level::Error,
            format!("Call failed: {}", rc.description()),
        );
        err(format!("Call failed: {}\n", rc.description()).as_bytes());
        if rc == Rc::SCHEMA_VALIDATION && op == Op::Upgrade {
            let q = backend.as_dyn().perform(
                Op::Query,
                &Request {
                    options: a.options,
                    ..Request::default()
                },
            );
            if let (0, Some(cib)) = (q.rc, q.output.as_ref()) {
                let mut msgs = Diags::default();
                validation.update_validation(cib, 0, true, false, &SchemaTransforms, &mut msgs);
                logging.print(&msgs);
            }
        } else if rc == Rc::SCHEMA_VALIDATION && matches!(backend, live::Backend::Live(_)) {
            // validate_xml_verbose(output); the file backend has already
            // done it while performing.
            if let Some(o) = reply.output.as_ref() {
                logging.print(&live::validate_verbose(o, &validation));
            }
        }
        exit_code = rc.to_exit();
    }

    let mut output = reply.output;
    if let (Some(o), Some(how)) = (output.as_ref(), a.acl_eval) {
        let cred = acl_cred.unwrap_or_default();
        match pcmk_cib::access::annotate(&cred, o, &identity as &dyn Identity) {
            Ok((doc, trace)) => {
                logging.print(&trace);
                let how = match how {
                    AclEval::Auto if render::stdout_is_tty() => AclEval::Color,
                    AclEval::Auto => AclEval::Text,
                    other => other,
                };
                out(format!("{}\n", render::render(&doc, how)).as_bytes());
                output = None;
            }
            Err(rc) => {
                err(format!(
                    "Could not evaluate access per request ({cred}, error: {})\n",
                    rc.description()
                )
                .as_bytes());
                return exit(CrmExit::CONFIG);
            }
        }
    }
    if let Some(o) = output.as_ref() {
        print_output(o, a.options);
    }
    let rc = backend.as_dyn().signoff();
    if exit_code == CrmExit::OK {
        exit_code = Rc::from_legacy(rc).to_exit();
    }
    exit(exit_code)
}
