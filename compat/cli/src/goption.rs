//! Command-line parsing with GLib GOption semantics, as Pacemaker's tools
//! parse (no I/O).
//!
//! Two passes, like the reference:
//! 1. [`preprocess`] (`pcmk__cmdline_preproc()`): splits short-option
//!    clusters (`-VVn` becomes `-V -V -n`), lets listed options take a glued
//!    value (`-xFILE`), and leaves negative numbers (`-5`) alone.
//! 2. [`parse`] (`g_option_context_parse_strv()`): long options as `--name`,
//!    `--name=value` or `--name value`; `--<group>-<name>` aliases; short
//!    options taking their value from the next argument; `--` ends options;
//!    `-h`/`-?`/`--help`/`--help-all`/`--help-<group>` produce help; errors
//!    carry GLib's wording (`Unknown option -z`, `Missing argument for -x`).
//!
//! The result lists every option occurrence in command-line order (what
//! GOption callbacks would see), and the arguments GLib leaves in `argv`.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::help;
use crate::options::{Arg, CommandSpec, OptionEntry, ResolvedGroup};
use crate::scan::strtoll;

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// The option takes no value, or an optional value was omitted.
    None,
    /// Text ([`Arg::String`], [`Arg::OptionalString`]).
    Str(String),
    /// A file name ([`Arg::Filename`]), bytes as given.
    Path(OsString),
    /// [`Arg::Int`].
    Int(i32),
    /// [`Arg::Int64`].
    Int64(i64),
}

/// One option as it appeared on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The option's long name (the key to look it up by).
    pub long: &'static str,
    /// How GLib names it in messages and callbacks: `-x` or `--long`.
    pub name: String,
    /// Its value.
    pub value: Value,
}

/// A parse failure: GLib's message (bytes, since it may quote raw input).
/// Tools print `<prgname>: <message>` and exit with `CRM_EX_USAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The message without program name or newline.
    pub message: Vec<u8>,
}

impl ParseError {
    fn new(message: impl Into<Vec<u8>>) -> Self {
        ParseError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message))
    }
}

impl std::error::Error for ParseError {}

/// What a callback returns to reject an option: a message, or `None` for
/// GLib's generic `Error parsing option <name>`.
pub type CallbackError = Option<String>;

/// A successful parse.
#[derive(Debug, Clone)]
pub struct Parsed {
    spec_entries: Vec<OptionEntry>,
    /// Every option occurrence, in command-line order.
    pub occurrences: Vec<Occurrence>,
    /// Arguments GLib leaves in argv after parsing (without `argv[0]`):
    /// non-options, plus `--` when something after it starts with `-`.
    pub args: Vec<OsString>,
    /// Arguments collected by a `G_OPTION_REMAINING` entry (see
    /// [`CommandSpec::remaining`]); empty otherwise.
    pub remaining: Vec<OsString>,
}

/// What parsing produced.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Options parsed; run the tool.
    Run(Parsed),
    /// A help option was given: print this on stdout and exit 0.
    Help(String),
}

/// Program name as GLib derives it: the basename of `argv[0]`.
pub fn prgname(argv: &[OsString]) -> String {
    let Some(arg0) = argv.first() else {
        return "<unknown>".to_string();
    };
    let bytes = arg0.as_bytes();
    let trimmed = {
        let mut end = bytes.len();
        while end > 1 && bytes[end - 1] == b'/' {
            end -= 1;
        }
        &bytes[..end]
    };
    let base = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(pos) if trimmed.len() > 1 => &trimmed[pos + 1..],
        _ => trimmed,
    };
    if base.is_empty() {
        ".".to_string()
    } else {
        String::from_utf8_lossy(base).into_owned()
    }
}

/// `pcmk__cmdline_preproc()`: split short-option clusters; options listed in
/// `attached` take the rest of their cluster, or the next argument, as value.
#[doc(alias = "pcmk__cmdline_preproc")]
pub fn preprocess(argv: &[OsString], attached: Option<&str>) -> Vec<Vec<u8>> {
    let special = attached.unwrap_or("").as_bytes();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(argv.len());
    let mut saw_dash_dash = false;
    let mut copy_option = false;
    for arg in argv.iter().map(|a| a.as_bytes()) {
        if !saw_dash_dash && arg == b"--" {
            saw_dash_dash = true;
        }
        if saw_dash_dash || copy_option || arg == b"-" {
            copy_option = false;
            out.push(arg.to_vec());
            continue;
        }
        if arg.len() > 1 && arg[0] == b'-' && arg[1] != b'-' {
            let rest = &arg[1..];
            if (b'1'..=b'9').contains(&rest[0]) && rest.iter().all(u8::is_ascii_digit) {
                // A negative number: leave it for whatever consumes it.
                out.push(arg.to_vec());
                continue;
            }
            for (k, &ch) in rest.iter().enumerate() {
                out.push(vec![b'-', ch]);
                if special.contains(&ch) {
                    if k + 1 < rest.len() {
                        out.push(rest[k + 1..].to_vec());
                        break;
                    }
                    copy_option = true;
                }
            }
        } else {
            out.push(arg.to_vec());
        }
    }
    out
}

/// Parse `argv` (including `argv[0]`) against `spec`.
pub fn parse(spec: &CommandSpec, argv: &[OsString]) -> Result<Outcome, ParseError> {
    parse_with(spec, argv, |_| Ok(()))
}

/// [`parse`], calling `callback` for each option as it is parsed (GOption
/// callbacks run in command-line order and can stop parsing with an error).
pub fn parse_with(
    spec: &CommandSpec,
    argv: &[OsString],
    callback: impl FnMut(&Occurrence) -> Result<(), CallbackError>,
) -> Result<Outcome, ParseError> {
    let prg = prgname(argv);
    let args = preprocess(argv, spec.attached_values);
    let main = spec.main_group();
    let groups = spec.other_groups();
    let mut parser = Parser {
        spec,
        prg: &prg,
        args: &args,
        removed: vec![false; args.len()],
        main: &main,
        groups: &groups,
        occurrences: Vec::new(),
        callback,
    };
    parser.run()
}

struct Parser<'a, F> {
    spec: &'a CommandSpec,
    prg: &'a str,
    args: &'a [Vec<u8>],
    /// GLib's "pending nulls": arguments consumed by parsing.
    removed: Vec<bool>,
    main: &'a ResolvedGroup,
    groups: &'a [ResolvedGroup],
    occurrences: Vec<Occurrence>,
    callback: F,
}

/// Result of trying one group: parsed or not, or stop with help.
enum Step {
    NotFound,
    Parsed,
}

impl<F> Parser<'_, F>
where
    F: FnMut(&Occurrence) -> Result<(), CallbackError>,
{
    fn run(&mut self) -> Result<Outcome, ParseError> {
        let has_h_entry = std::iter::once(self.main)
            .chain(self.groups.iter())
            .flat_map(|g| g.entries.iter())
            .any(|e| e.short == Some('h'));
        let mut stop_parsing = false;
        let mut separator_pos = 0;
        let mut remaining = Vec::new();
        let mut i = 1;
        while i < self.args.len() {
            let arg = &self.args[i];
            if arg.len() > 1 && arg[0] == b'-' && !stop_parsing {
                let mut parsed = false;
                if arg[1] == b'-' {
                    let name = &arg[2..];
                    if name.is_empty() {
                        separator_pos = i;
                        stop_parsing = true;
                        i += 1;
                        continue;
                    }
                    if let Some(text) = self.help_request(name) {
                        return Ok(Outcome::Help(text));
                    }
                    parsed = self.long_everywhere(&mut i, name)?;
                } else {
                    let mut new_i = i;
                    for &ch in &arg[1..] {
                        if ch == b'?' || (ch == b'h' && !has_h_entry) {
                            return Ok(Outcome::Help(help::render(
                                self.spec, self.prg, true, None,
                            )));
                        }
                        parsed = false;
                        for group in std::iter::once(self.main).chain(self.groups.iter()) {
                            if let Step::Parsed = self.short(group, i, &mut new_i, ch)? {
                                parsed = true;
                                break;
                            }
                        }
                        if !parsed {
                            break;
                        }
                    }
                    if parsed {
                        self.removed[i] = true;
                        i = new_i;
                    }
                }
                if !parsed {
                    let mut message = b"Unknown option ".to_vec();
                    message.extend_from_slice(&self.args[i]);
                    return Err(ParseError::new(message));
                }
            } else {
                let mut parsed = false;
                if self.spec.remaining.is_some() {
                    remaining.push(OsString::from_vec(arg.clone()));
                    self.removed[i] = true;
                    parsed = true;
                }
                if !parsed && arg.first() == Some(&b'-') {
                    separator_pos = 0;
                }
            }
            i += 1;
        }
        if separator_pos > 0 {
            self.removed[separator_pos] = true;
        }
        let args = self
            .args
            .iter()
            .zip(&self.removed)
            .skip(1)
            .filter(|(_, removed)| !**removed)
            .map(|(a, _)| OsString::from_vec(a.clone()))
            .collect();
        Ok(Outcome::Run(Parsed {
            spec_entries: self.spec.all_entries(),
            occurrences: std::mem::take(&mut self.occurrences),
            args,
            remaining,
        }))
    }

    /// `--help`, `--help-all`, `--help-<group>`.
    fn help_request(&self, name: &[u8]) -> Option<String> {
        match name {
            b"help" => Some(help::render(self.spec, self.prg, true, None)),
            b"help-all" => Some(help::render(self.spec, self.prg, false, None)),
            _ => {
                let group = name.strip_prefix(b"help-")?;
                self.groups
                    .iter()
                    .find(|g| g.name.as_bytes() == group)
                    .map(|g| help::render(self.spec, self.prg, false, Some(g)))
            }
        }
    }

    /// A long option: main group, other groups, then `--<group>-<option>`.
    fn long_everywhere(&mut self, i: &mut usize, name: &[u8]) -> Result<bool, ParseError> {
        for group in std::iter::once(self.main).chain(self.groups.iter()) {
            if let Step::Parsed = self.long(group, i, name)? {
                return Ok(true);
            }
        }
        if let Some(dash) = name.iter().position(|&b| b == b'-').filter(|&d| d > 0) {
            for group in self.groups {
                if group.name.as_bytes().starts_with(&name[..dash]) {
                    if let Step::Parsed = self.long(group, i, &name[dash + 1..])? {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    fn long(
        &mut self,
        group: &ResolvedGroup,
        i: &mut usize,
        name: &[u8],
    ) -> Result<Step, ParseError> {
        for entry in &group.entries {
            let long = entry.long.as_bytes();
            if entry.arg.takes_no_value() && name == long {
                self.removed[*i] = true;
                self.record(entry, format!("--{}", entry.long), None)?;
                return Ok(Step::Parsed);
            }
            if !(name.starts_with(long) && matches!(name.get(long.len()), None | Some(b'='))) {
                continue;
            }
            self.removed[*i] = true;
            let option_name = format!("--{}", entry.long);
            let value: Option<Vec<u8>> = if name.len() > long.len() {
                Some(name[long.len() + 1..].to_vec())
            } else if *i + 1 < self.args.len() {
                let next = &self.args[*i + 1];
                if entry.arg == Arg::OptionalString && next.first() == Some(&b'-') {
                    None
                } else {
                    self.removed[*i + 1] = true;
                    *i += 1;
                    Some(next.clone())
                }
            } else if entry.arg == Arg::OptionalString {
                None
            } else {
                return Err(missing(&option_name));
            };
            self.record(entry, option_name, value)?;
            return Ok(Step::Parsed);
        }
        Ok(Step::NotFound)
    }

    fn short(
        &mut self,
        group: &ResolvedGroup,
        i: usize,
        new_i: &mut usize,
        ch: u8,
    ) -> Result<Step, ParseError> {
        let mut step = Step::NotFound;
        for entry in &group.entries {
            if entry.short.map(|c| c as u32) != Some(u32::from(ch)) {
                continue;
            }
            let option_name = format!("-{}", char::from(ch));
            let value = if entry.arg.takes_no_value() {
                None
            } else {
                if *new_i > i {
                    return Err(ParseError::new(format!(
                        "Error parsing option {option_name}"
                    )));
                }
                if i + 1 < self.args.len() {
                    let next = &self.args[i + 1];
                    if entry.arg == Arg::OptionalString && next.first() == Some(&b'-') {
                        None
                    } else {
                        self.removed[i + 1] = true;
                        *new_i = i + 1;
                        Some(next.clone())
                    }
                } else if entry.arg == Arg::OptionalString {
                    None
                } else {
                    return Err(missing(&option_name));
                }
            };
            self.record(entry, option_name, value)?;
            step = Step::Parsed;
        }
        Ok(step)
    }

    /// Convert the value (GLib's `parse_arg()`), run the callback, record.
    fn record(
        &mut self,
        entry: &OptionEntry,
        name: String,
        raw: Option<Vec<u8>>,
    ) -> Result<(), ParseError> {
        let value = match (entry.arg, raw) {
            (Arg::None, _) | (Arg::OptionalString, None) => Value::None,
            (_, None) => return Err(missing(&name)),
            (Arg::String | Arg::OptionalString, Some(v)) => Value::Str(locale_to_utf8(v)?),
            (Arg::Filename, Some(v)) => Value::Path(OsString::from_vec(v)),
            (Arg::Int, Some(v)) => Value::Int(parse_int(&name, &v)?),
            (Arg::Int64, Some(v)) => Value::Int64(parse_int64(&name, &v)?),
        };
        let occurrence = Occurrence {
            long: entry.long,
            name,
            value,
        };
        if let Err(message) = (self.callback)(&occurrence) {
            return Err(ParseError::new(message.unwrap_or_else(|| {
                format!("Error parsing option {}", occurrence.name)
            })));
        }
        self.occurrences.push(occurrence);
        Ok(())
    }
}

fn missing(option_name: &str) -> ParseError {
    ParseError::new(format!("Missing argument for {option_name}"))
}

/// `g_locale_to_utf8()` in the C locale the tools run in: ASCII only.
fn locale_to_utf8(value: Vec<u8>) -> Result<String, ParseError> {
    if value.is_ascii() {
        // ASCII is valid UTF-8.
        Ok(String::from_utf8(value).unwrap_or_default())
    } else {
        Err(ParseError::new("Invalid byte sequence in conversion input"))
    }
}

fn int_message(template: &str, value: &[u8], option: &str) -> ParseError {
    // GLib quotes with U+201C/U+201D.
    let mut m = template.as_bytes().to_vec();
    m.extend_from_slice("\u{201c}".as_bytes());
    m.extend_from_slice(value);
    m.extend_from_slice("\u{201d}".as_bytes());
    m.extend_from_slice(b" for ");
    m.extend_from_slice(option.as_bytes());
    ParseError::new(m)
}

fn parse_int64(option: &str, value: &[u8]) -> Result<i64, ParseError> {
    let r = strtoll(value, 0);
    if value.is_empty() || r.consumed != value.len() {
        return Err(int_message("Cannot parse integer value ", value, option));
    }
    if r.overflow {
        let mut e = int_message("Integer value ", value, option);
        e.message.extend_from_slice(b" out of range");
        return Err(e);
    }
    Ok(r.value)
}

fn parse_int(option: &str, value: &[u8]) -> Result<i32, ParseError> {
    let v = parse_int64(option, value)?;
    i32::try_from(v).map_err(|_| {
        let mut e = int_message("Integer value ", value, option);
        e.message.extend_from_slice(b" out of range");
        e
    })
}

impl Parsed {
    fn check(&self, long: &str) {
        debug_assert!(
            self.spec_entries.iter().any(|e| e.long == long),
            "option --{long} is not in this command's table"
        );
    }

    /// Every occurrence of option `long`, in order.
    pub fn all<'s>(&'s self, long: &'s str) -> impl Iterator<Item = &'s Occurrence> + 's {
        self.check(long);
        self.occurrences.iter().filter(move |o| o.long == long)
    }

    /// Whether option `long` was given at least once.
    pub fn is_set(&self, long: &str) -> bool {
        self.check(long);
        self.occurrences.iter().any(|o| o.long == long)
    }

    /// How many times option `long` was given (`-VVV` counts 3).
    pub fn count(&self, long: &str) -> usize {
        self.check(long);
        self.occurrences.iter().filter(|o| o.long == long).count()
    }

    /// The value of the last occurrence (GLib: the last one wins).
    pub fn last(&self, long: &str) -> Option<&Value> {
        self.check(long);
        self.occurrences
            .iter()
            .rev()
            .find(|o| o.long == long)
            .map(|o| &o.value)
    }

    /// The last text value of option `long`.
    pub fn str(&self, long: &str) -> Option<&str> {
        match self.last(long)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Every text value of option `long` (a `G_OPTION_ARG_STRING_ARRAY`).
    pub fn strs<'s>(&'s self, long: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.all(long).filter_map(|o| match &o.value {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The last file name given to option `long`.
    pub fn path(&self, long: &str) -> Option<&OsStr> {
        match self.last(long)? {
            Value::Path(p) => Some(p),
            _ => None,
        }
    }

    /// The last integer given to option `long`.
    pub fn int(&self, long: &str) -> Option<i64> {
        match self.last(long)? {
            Value::Int(v) => Some(i64::from(*v)),
            Value::Int64(v) => Some(*v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{OptionGroup, OutputSpec};

    const MAIN: &[OptionEntry] = &[
        OptionEntry::flag("quiet", Some('Q'), "Print less"),
        OptionEntry::with_value("xml-file", Some('x'), Arg::Filename, "FILE", "Read XML"),
        OptionEntry::with_value("save", Some('S'), Arg::Filename, "FILE", "Save"),
        OptionEntry::with_value("node", Some('N'), Arg::String, "NODE", "Node"),
    ];
    const EXTRA: &[OptionEntry] = &[
        OptionEntry::with_value("repeat", Some('R'), Arg::Int, "N", "Repeat"),
        OptionEntry::with_value("big", None, Arg::Int64, "N", "Big"),
        OptionEntry::with_value(
            "history",
            Some('m'),
            Arg::OptionalString,
            "LEVEL",
            "History",
        ),
        OptionEntry::flag("secret", Some('s'), "Hidden").hidden(),
        OptionEntry::flag("quiet", None, "Same long name as a main option"),
    ];
    const SPEC: CommandSpec = CommandSpec {
        parameters: Some("[FILE...]"),
        output: Some(OutputSpec {
            formats: &["none", "text", "xml"],
            help_list: "text (default), xml",
        }),
        main: MAIN,
        groups: &[OptionGroup {
            name: "extra",
            header: "Extra Options:",
            help: "Show extra help",
            entries: EXTRA,
        }],
        attached_values: Some("xN"),
        ..CommandSpec::new("tester", "tester - exercise the parser")
    };

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("/usr/sbin/tester")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn ok(args: &[&str]) -> Parsed {
        match parse(&SPEC, &argv(args)) {
            Ok(Outcome::Run(p)) => p,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        match parse(&SPEC, &argv(args)) {
            Err(e) => e.to_string(),
            other => panic!("{args:?} should fail: {other:?}"),
        }
    }

    fn help(args: &[&str]) -> String {
        match parse(&SPEC, &argv(args)) {
            Ok(Outcome::Help(h)) => h,
            other => panic!("{args:?} should give help: {other:?}"),
        }
    }

    fn names(p: &Parsed) -> Vec<(String, Value)> {
        p.occurrences
            .iter()
            .map(|o| (o.name.clone(), o.value.clone()))
            .collect()
    }

    fn args(p: &Parsed) -> Vec<String> {
        p.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn clusters_and_repeats() {
        let p = ok(&["-VVQ", "-V"]);
        assert_eq!(p.count("verbose"), 3);
        assert!(p.is_set("quiet"));
        assert_eq!(
            names(&p),
            vec![
                ("-V".into(), Value::None),
                ("-V".into(), Value::None),
                ("-Q".into(), Value::None),
                ("-V".into(), Value::None)
            ]
        );
    }

    #[test]
    fn attached_and_separate_values() {
        // Listed in `attached_values`: the rest of the cluster is the value.
        let p = ok(&["-xin.xml", "-VN", "node1"]);
        assert_eq!(p.path("xml-file"), Some(OsStr::new("in.xml")));
        assert_eq!(p.str("node"), Some("node1"));
        assert_eq!(p.count("verbose"), 1);
        // Not listed: the cluster is split and -S takes the next argument.
        let p = ok(&["-SQ", "x"]);
        assert_eq!(p.path("save"), Some(OsStr::new("-Q")));
        assert_eq!(args(&p), vec!["x"]);
        assert!(!p.is_set("quiet"));
        assert_eq!(err(&["-Sout"]), "Unknown option -u");
        // A value may start with a dash.
        assert_eq!(ok(&["-S", "-V"]).path("save"), Some(OsStr::new("-V")));
        // Last one wins.
        assert_eq!(ok(&["-N", "a", "--node=b"]).str("node"), Some("b"));
    }

    #[test]
    fn long_forms() {
        let p = ok(&[
            "--node=a",
            "--xml-file",
            "f",
            "--quiet=ignored",
            "--output-as",
            "xml",
        ]);
        assert_eq!(p.str("node"), Some("a"));
        assert_eq!(p.path("xml-file"), Some(OsStr::new("f")));
        assert!(p.is_set("quiet"));
        assert_eq!(p.str("output-as"), Some("xml"));
        assert_eq!(ok(&["--node="]).str("node"), Some(""));
        // --<group>-<option> aliases, group named by any prefix.
        assert_eq!(ok(&["--extra-repeat=3"]).int("repeat"), Some(3));
        assert_eq!(ok(&["--o-output-to", "f"]).str("output-to"), Some("f"));
        // The main group wins for a shared long name.
        assert_eq!(names(&ok(&["--quiet"]))[0].0, "--quiet");
        assert_eq!(ok(&["--extra-quiet"]).count("quiet"), 1);
    }

    #[test]
    fn dash_dash_and_leftovers() {
        assert_eq!(args(&ok(&["a", "--", "b"])), vec!["a", "b"]);
        assert_eq!(args(&ok(&["--", "-5"])), vec!["--", "-5"]);
        assert_eq!(args(&ok(&["--", "--quiet"])), vec!["--", "--quiet"]);
        assert!(!ok(&["--", "--quiet"]).is_set("quiet"));
        assert_eq!(args(&ok(&["-"])), vec!["-"]);
        assert_eq!(args(&ok(&["--"])), Vec::<String>::new());
        assert_eq!(err(&["-5"]), "Unknown option -5");
    }

    #[test]
    fn missing_arguments() {
        assert_eq!(err(&["--node"]), "Missing argument for --node");
        assert_eq!(err(&["-S"]), "Missing argument for -S");
        assert_eq!(err(&["-x"]), "Missing argument for -x");
        assert_eq!(err(&["--extra-repeat"]), "Missing argument for --repeat");
    }

    #[test]
    fn optional_values() {
        assert_eq!(ok(&["-m"]).last("history"), Some(&Value::None));
        assert_eq!(ok(&["-m", "2"]).str("history"), Some("2"));
        let p = ok(&["-m", "-V"]);
        assert_eq!(p.last("history"), Some(&Value::None));
        assert_eq!(p.count("verbose"), 1);
        assert_eq!(ok(&["--history=3"]).str("history"), Some("3"));
        assert_eq!(ok(&["--history", "-Q"]).last("history"), Some(&Value::None));
    }

    #[test]
    fn unknown_options() {
        assert_eq!(err(&["--bogus"]), "Unknown option --bogus");
        assert_eq!(err(&["-Vz"]), "Unknown option -z");
        assert_eq!(err(&["--help-bogus"]), "Unknown option --help-bogus");
        assert_eq!(err(&["--quietx"]), "Unknown option --quietx");
        // Parsing stops at the first error, so later help is not reached.
        assert_eq!(err(&["--bogus", "--help"]), "Unknown option --bogus");
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(ok(&["-R", "0x10"]).int("repeat"), Some(16));
        assert_eq!(ok(&["-R", "010"]).int("repeat"), Some(8));
        assert_eq!(ok(&["--repeat=-010"]).int("repeat"), Some(-8));
        // "-010" is not a plain negative number: it is split into options.
        assert_eq!(err(&["-R", "-010"]), "Unknown option -1");
        assert_eq!(
            err(&["-R", "x"]),
            "Cannot parse integer value \u{201c}x\u{201d} for -R"
        );
        assert_eq!(
            err(&["--repeat=3000000000"]),
            "Integer value \u{201c}3000000000\u{201d} for --repeat out of range"
        );
        assert_eq!(
            err(&["--repeat="]),
            "Cannot parse integer value \u{201c}\u{201d} for --repeat"
        );
        assert_eq!(ok(&["--big=3000000000"]).int("big"), Some(3_000_000_000));
        assert_eq!(
            err(&["--node=\u{e9}"]),
            "Invalid byte sequence in conversion input"
        );
        // File names keep any bytes.
        assert_eq!(
            ok(&["--save=\u{e9}"]).path("save"),
            Some(OsStr::new("\u{e9}"))
        );
    }

    #[test]
    fn callbacks_run_in_order_and_can_reject() {
        let mut seen = Vec::new();
        let r = parse_with(&SPEC, &argv(&["-Q", "--node=n1", "-V"]), |o| {
            seen.push(o.name.clone());
            Ok(())
        });
        assert!(matches!(r, Ok(Outcome::Run(_))));
        assert_eq!(seen, vec!["-Q", "--node", "-V"]);
        let r = parse_with(&SPEC, &argv(&["--node=bad", "--bogus"]), |o| {
            if o.long == "node" {
                Err(Some("no such node".into()))
            } else {
                Ok(())
            }
        });
        assert_eq!(r.map(|_| ()).unwrap_err().to_string(), "no such node");
        let r = parse_with(&SPEC, &argv(&["-Q"]), |_| Err(None));
        assert_eq!(
            r.map(|_| ()).unwrap_err().to_string(),
            "Error parsing option -Q"
        );
    }

    #[test]
    fn help_requests() {
        assert!(help(&["-h"]).starts_with("Usage:\n  tester [OPTION?] [FILE...]\n\n"));
        assert_eq!(help(&["-?"]), help(&["--help"]));
        assert_eq!(help(&["-Vh"]), help(&["-h"]));
        assert!(help(&["--help-extra"]).contains("Extra Options:"));
        assert!(!help(&["--help-extra"]).contains("Application Options:"));
        assert!(!help(&["--help"]).contains("Extra Options:"));
    }

    #[test]
    fn help_all_lists_every_visible_option() {
        let text = help(&["--help-all"]);
        for entry in SPEC.all_entries() {
            let shown = text.contains(&format!("--{}", entry.long))
                || text.contains(&format!("--extra-{}", entry.long));
            assert_eq!(shown, !entry.hidden, "--{} in\n{text}", entry.long);
            if let (Some(c), false) = (entry.short, entry.hidden) {
                assert!(text.contains(&format!("-{c}, --")), "-{c} in\n{text}");
            }
            if let (Some(p), false) = (entry.placeholder, entry.hidden) {
                assert!(text.contains(&format!("={p}")), "={p} in\n{text}");
            }
        }
        assert!(text.contains("--help-output "));
        assert!(text.contains("--help-extra "));
        // One description column for every option line.
        let columns: Vec<usize> = text
            .lines()
            .filter(|l| l.starts_with("  -"))
            .map(|l| {
                let head = l[2..].find("  ").map_or(l.len(), |p| p + 2);
                head + l[head..].find(|c: char| c != ' ').unwrap_or(0)
            })
            .collect();
        assert!(
            columns.windows(2).all(|w| w[0] == w[1]),
            "{columns:?}\n{text}"
        );
    }

    #[test]
    fn preprocess_like_pacemaker() {
        let pre = |args: &[&str], special| {
            preprocess(&argv(args), special)
                .into_iter()
                .skip(1)
                .map(|a| String::from_utf8(a).unwrap())
                .collect::<Vec<_>>()
        };
        // Ref: lib/common/tests/cmdline/pcmk__cmdline_preproc_test.c
        assert_eq!(pre(&["-abc"], None), vec!["-a", "-b", "-c"]);
        assert_eq!(pre(&["-aFbc"], Some("aF")), vec!["-a", "Fbc"]);
        // A listed option ending its cluster takes the next argument whole.
        assert_eq!(pre(&["-a", "-Fbc"], Some("aF")), vec!["-a", "-Fbc"]);
        assert_eq!(pre(&["-Q", "-Fbc"], Some("aF")), vec!["-Q", "-F", "bc"]);
        assert_eq!(pre(&["-ab", "x"], Some("b")), vec!["-a", "-b", "x"]);
        assert_eq!(pre(&["-b", "-c"], Some("b")), vec!["-b", "-c"]);
        assert_eq!(pre(&["-123", "-1a"], None), vec!["-123", "-1", "-a"]);
        assert_eq!(pre(&["--", "-ab"], None), vec!["--", "-ab"]);
        assert_eq!(pre(&["--long", "-", "x"], None), vec!["--long", "-", "x"]);
    }

    #[test]
    fn remaining_entry_collects_operands() {
        let spec = CommandSpec {
            remaining: Some(""),
            ..CommandSpec::new("rest", "rest - collect")
        };
        let p = match parse(&spec, &argv(&["a", "-V", "--", "-b", "-"])) {
            Ok(Outcome::Run(p)) => p,
            other => panic!("{other:?}"),
        };
        let rest: Vec<_> = p.remaining.iter().map(|a| a.to_string_lossy()).collect();
        assert_eq!(rest, ["a", "-b", "-"]);
        assert!(p.args.is_empty());
        assert_eq!(p.count("verbose"), 1);
        match parse(&spec, &argv(&["--help"])) {
            Ok(Outcome::Help(h)) => assert!(h.starts_with("Usage:\n  tester [OPTION?]\n\n")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prgname_is_the_basename() {
        assert_eq!(
            prgname(&[OsString::from("/usr/sbin/crm_error")]),
            "crm_error"
        );
        assert_eq!(prgname(&[OsString::from("crm_error")]), "crm_error");
        assert_eq!(prgname(&[OsString::from("dir/")]), "dir");
        assert_eq!(prgname(&[]), "<unknown>");
    }
}
