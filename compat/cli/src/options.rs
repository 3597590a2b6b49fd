//! Declarative option tables: what a tool accepts and how `--help` shows it.
//!
//! The model is GLib's `GOptionEntry` / `GOptionGroup` as Pacemaker uses
//! them: each option has a long name, an optional short letter, an argument
//! kind, a placeholder for the argument (`FILE`, `FORMAT`) and help prose;
//! options sit in the main group ("Application Options") or in named groups
//! that get their own `--help-<name>`. Names, letters, placeholders and group
//! structure must match the reference; the prose is ours.

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// No value (`G_OPTION_ARG_NONE`, or a callback with `G_OPTION_FLAG_NO_ARG`).
    /// `--name=value` is accepted and the value ignored, like GLib.
    None,
    /// A text value (`G_OPTION_ARG_STRING`, or a callback taking a value).
    /// Must be convertible from the locale: in the C locale, ASCII only.
    String,
    /// A file name (`G_OPTION_ARG_FILENAME`, or a callback with
    /// `G_OPTION_FLAG_FILENAME`): bytes are kept as given.
    Filename,
    /// A C `int` (`G_OPTION_ARG_INT`): `strtol` base 0, must fit in 32 bits.
    Int,
    /// A 64-bit integer (`G_OPTION_ARG_INT64`).
    Int64,
    /// A text value that may be omitted (a callback with
    /// `G_OPTION_FLAG_OPTIONAL_ARG`): `--opt=value` or `--opt value` where
    /// the value does not start with `-`; `-o value` likewise.
    OptionalString,
}

impl Arg {
    /// Whether the option never consumes a following argument (GLib's `NO_ARG`).
    pub fn takes_no_value(self) -> bool {
        matches!(self, Arg::None)
    }
}

/// One option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionEntry {
    /// Long name without dashes (`"output-as"`).
    pub long: &'static str,
    /// Short letter, if any (`'X'`; `'$'` for `--version`).
    pub short: Option<char>,
    /// Argument kind.
    pub arg: Arg,
    /// Placeholder shown as `--long=PLACEHOLDER` in help (GLib's
    /// `arg_description`), exactly as the reference spells it.
    pub placeholder: Option<&'static str>,
    /// Help text (our own words).
    pub help: &'static str,
    /// Accepted but not listed in help (`G_OPTION_FLAG_HIDDEN`).
    pub hidden: bool,
}

impl OptionEntry {
    /// An option without a value.
    pub const fn flag(long: &'static str, short: Option<char>, help: &'static str) -> Self {
        OptionEntry {
            long,
            short,
            arg: Arg::None,
            placeholder: None,
            help,
            hidden: false,
        }
    }

    /// An option taking a value of kind `arg`, shown as `--long=placeholder`.
    pub const fn with_value(
        long: &'static str,
        short: Option<char>,
        arg: Arg,
        placeholder: &'static str,
        help: &'static str,
    ) -> Self {
        OptionEntry {
            long,
            short,
            arg,
            placeholder: Some(placeholder),
            help,
            hidden: false,
        }
    }

    /// The same option, hidden from help.
    pub const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    /// The same option with a different placeholder (or none: some reference
    /// options take a value but show no placeholder).
    pub const fn placeholder(mut self, placeholder: Option<&'static str>) -> Self {
        self.placeholder = placeholder;
        self
    }
}

/// A named group of options with its own `--help-<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionGroup {
    /// Name used in `--help-<name>` and in `--<name>-<option>` aliases.
    pub name: &'static str,
    /// Heading printed above the group's options (`"Output Options:"`).
    pub header: &'static str,
    /// Text beside `--help-<name>` in the help overview.
    pub help: &'static str,
    /// The options, in display order.
    pub entries: &'static [OptionEntry],
}

/// Output formats a tool supports, for the standard "output" group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSpec {
    /// Format names in the order the reference registers them (this order
    /// decides where each format's own options appear), e.g.
    /// `&["none", "text", "xml"]`.
    pub formats: &'static [&'static str],
    /// The list shown after `--output-as`, e.g. `"text (default), xml"`.
    pub help_list: &'static str,
}

/// The footer GLib prints last in every help screen, unless a tool has its
/// own description.
pub const BUG_REPORT_FOOTER: &str = "Report bugs to users@clusterlabs.org\n";

/// Everything the parser and the help printer need to know about a command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Name the tool logs under (`crm_system_name`), e.g. `"crm_error"`.
    /// Help and error messages use the program name from `argv[0]` instead.
    pub name: &'static str,
    /// Summary paragraph printed under the usage line.
    pub summary: &'static str,
    /// Text after `[OPTION?]` on the usage line, e.g. `"[-- <rc> [<rc>...]]"`.
    pub parameters: Option<&'static str>,
    /// Text printed at the very end of help (examples, notes, then the bug
    /// report line).
    pub description: &'static str,
    /// Whether the main group starts with Pacemaker's common options
    /// (`-$, --version` and `-V, --verbose`), as `pcmk__build_arg_context()` does.
    pub common: bool,
    /// Output formats; `None` when the tool has no `--output-as`.
    pub output: Option<OutputSpec>,
    /// The tool's own main-group options (after the common ones).
    pub main: &'static [OptionEntry],
    /// Further groups, in the order the reference adds them (after "output").
    pub groups: &'static [OptionGroup],
    /// Short options whose value may be glued to them (`-xFILE`) or follow a
    /// cluster: the `special` argument the reference passes to
    /// `pcmk__cmdline_preproc()` (e.g. `"xSX"` for crm_verify). `None` for
    /// tools that pass `NULL`.
    pub attached_values: Option<&'static str>,
    /// Set when the tool collects non-option arguments with a
    /// `G_OPTION_REMAINING` entry: its placeholder for the usage line, or
    /// `""` when the reference gives none (crm_resource, schedulerd).
    pub remaining: Option<&'static str>,
}

impl CommandSpec {
    /// A spec with no options, the common ones included; fill in the rest
    /// with struct update syntax.
    pub const fn new(name: &'static str, summary: &'static str) -> Self {
        CommandSpec {
            name,
            summary,
            parameters: None,
            description: BUG_REPORT_FOOTER,
            common: true,
            output: None,
            main: &[],
            groups: &[],
            attached_values: None,
            remaining: None,
        }
    }
}

/// `-$, --version` (common).
pub const VERSION: OptionEntry =
    OptionEntry::flag("version", Some('$'), "Print the Pacemaker version and exit");

/// `-V, --verbose` (common, repeatable).
pub const VERBOSE: OptionEntry = OptionEntry::flag(
    "verbose",
    Some('V'),
    "Log more to stderr (repeat for more detail)",
);

/// `--output-as=FORMAT`; help adds the tool's [`OutputSpec::help_list`].
pub const OUTPUT_AS: OptionEntry = OptionEntry::with_value(
    "output-as",
    None,
    Arg::String,
    "FORMAT",
    "Output format, one of:",
);

/// `--output-to=DEST`.
pub const OUTPUT_TO: OptionEntry = OptionEntry::with_value(
    "output-to",
    None,
    Arg::String,
    "DEST",
    "Write output to this file (\"-\" means stdout)",
);

/// `--text-fancy` (registered by the text format).
pub const TEXT_FANCY: OptionEntry = OptionEntry::flag(
    "text-fancy",
    None,
    "Indent lists and mark their items (needs --output-as=text)",
);

/// Hidden options registered by the xml format.
pub const XML_OPTIONS: &[OptionEntry] = &[
    OptionEntry::flag("xml-legacy", None, "").hidden(),
    OptionEntry::flag("xml-simple-list", None, "").hidden(),
    OptionEntry::flag("xml-substitute", None, "").hidden(),
];

/// Options registered by the html format.
pub const HTML_OPTIONS: &[OptionEntry] = &[
    OptionEntry::flag(
        "html-cgi",
        None,
        "Start with CGI headers (needs --output-as=html)",
    ),
    OptionEntry::with_value(
        "html-stylesheet",
        None,
        Arg::String,
        "URI",
        "Link this external stylesheet (needs --output-as=html)",
    ),
    OptionEntry::with_value(
        "html-title",
        None,
        Arg::String,
        "TITLE",
        "Page title (needs --output-as=html)",
    ),
];

/// The options a format adds to the output group (`pcmk__*_output_entries`).
pub fn format_options(format: &str) -> &'static [OptionEntry] {
    match format {
        "text" => std::slice::from_ref(&TEXT_FANCY),
        "xml" => XML_OPTIONS,
        "html" => HTML_OPTIONS,
        _ => &[],
    }
}

/// A group as the parser and help printer see it (tables resolved at run
/// time, since the output group depends on the formats).
#[derive(Debug, Clone)]
pub struct ResolvedGroup {
    /// Group name (`""` for the main group).
    pub name: &'static str,
    /// Heading.
    pub header: &'static str,
    /// Text beside `--help-<name>`.
    pub help: &'static str,
    /// Options in display order.
    pub entries: Vec<OptionEntry>,
}

impl CommandSpec {
    /// The main group: common options first, then the tool's.
    pub fn main_group(&self) -> ResolvedGroup {
        let mut entries = Vec::new();
        if self.common {
            entries.push(VERSION);
            entries.push(VERBOSE);
        }
        entries.extend_from_slice(self.main);
        ResolvedGroup {
            name: "",
            header: "Application Options:",
            help: "",
            entries,
        }
    }

    /// The other groups in GLib's order: "output" first, then the tool's.
    pub fn other_groups(&self) -> Vec<ResolvedGroup> {
        let mut groups = Vec::new();
        if let Some(output) = &self.output {
            let mut entries = vec![OUTPUT_AS, OUTPUT_TO];
            for format in output.formats {
                entries.extend_from_slice(format_options(format));
            }
            groups.push(ResolvedGroup {
                name: "output",
                header: "Output Options:",
                help: "Show output help",
                entries,
            });
        }
        groups.extend(self.groups.iter().map(|g| ResolvedGroup {
            name: g.name,
            header: g.header,
            help: g.help,
            entries: g.entries.to_vec(),
        }));
        groups
    }

    /// Every option of the command, main group first.
    pub fn all_entries(&self) -> Vec<OptionEntry> {
        let mut all = self.main_group().entries;
        for g in self.other_groups() {
            all.extend(g.entries);
        }
        all
    }
}
