//! Shared machinery for Atrium's command-line tools: GOption-style option
//! parsing, help screens, Pacemaker's formatted output (text/XML), stderr
//! logging and the standard tool life cycle. Parsing, help and the XML tree
//! do no I/O; [`output`], [`log`] and [`app`] do.
//!
//! # Module map
//! - [`options`]: declarative option tables ([`options::CommandSpec`],
//!   [`options::OptionEntry`], [`options::OptionGroup`]).
//! - [`goption`]: `pcmk__cmdline_preproc()` + GLib `GOption` parsing →
//!   [`goption::Parsed`] (occurrences in order, left-over arguments).
//! - [`help`]: `--help`, `--help-all`, `--help-<group>` screens, GLib layout.
//! - [`output`]: [`output::Output`] (`pcmk__output_t`): text, xml, none;
//!   [`output::XmlElement`] serialized like libxml2.
//! - [`log`]: `-V` verbosity, `PCMK_debug`/`PCMK_stderr`, libqb-style lines.
//! - [`scan`]: `strtoll` and `pcmk__scan_*` number parsing.
//! - [`app`]: [`app::main`] runs a tool the way the reference's tools run.
//! - [`getopt`]: GNU `getopt_long()` for tools that still use it (Corosync's
//!   tools; cibadmin and crm_shadow through [`legacy`]).
//! - [`legacy`]: Pacemaker's pre-GOption tables and help
//!   (`pcmk__cli_option_t`, `pcmk__cli_help()`): cibadmin, crm_shadow, daemons.
//! - [`version`]: the version numbers we report (Pacemaker 2.1.5).
//!
//! # Writing a tool
//!
//! A tool is `src/bin/<name>.rs`. It declares its options as a constant
//! table — long names, short letters, argument kinds, placeholders and group
//! structure copied from the reference's `--help-all`, help prose in our own
//! words — and hands a body to [`app::main`]:
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! use pcmk_results::CrmExit;
//! use pcmk_cli::app::{self, Tool};
//! use pcmk_cli::options::{Arg, CommandSpec, OptionEntry, OptionGroup, OutputSpec};
//! use pcmk_cli::output::Format;
//!
//! const QUERIES: &[OptionEntry] = &[
//!     OptionEntry::flag("list", Some('l'), "List the widgets"),
//!     OptionEntry::with_value("node", Some('N'), Arg::String, "NODE", "Only on this node"),
//! ];
//!
//! const SPEC: CommandSpec = CommandSpec {
//!     parameters: Some("[<widget>...]"),
//!     output: Some(OutputSpec { formats: &["none", "text", "xml"], help_list: "text (default), xml" }),
//!     main: &[OptionEntry::flag("quiet", Some('Q'), "Print less")],
//!     groups: &[OptionGroup { name: "queries", header: "Queries:", help: "Show query help", entries: QUERIES }],
//!     // The `special` string the reference passes to pcmk__cmdline_preproc():
//!     attached_values: Some("N"),
//!     ..CommandSpec::new("crm_widget", "crm_widget - show widgets")
//! };
//!
//! fn main() -> ExitCode {
//!     app::main(&SPEC, run)
//! }
//!
//! fn run(tool: &mut Tool<'_>) -> CrmExit {
//!     tool.out.set_quiet(tool.parsed.is_set("quiet"));
//!     let node = tool.parsed.str("node").map(str::to_owned);
//!     if !tool.parsed.is_set("list") {
//!         tool.set_error("No command given"); // printed as "crm_widget: No command given"
//!         return CrmExit::USAGE;
//!     }
//!     // A "message": one function per kind of output, switching on the format.
//!     match tool.out.format() {
//!         Format::Xml => {
//!             tool.out.xml_push_parent("widgets", &[]);
//!             tool.out.xml_node("widget", &[("id", "w1"), ("node", node.as_deref().unwrap_or(""))]);
//!             tool.out.xml_pop_parent();
//!         }
//!         _ => {
//!             tool.out.info("w1");
//!         }
//!     }
//!     CrmExit::OK
//! }
//! ```
//!
//! [`app::main`] then behaves like the reference:
//! - `-h`/`-?`/`--help`, `--help-all`, `--help-<group>`: help on stdout, exit 0;
//! - bad usage: `<prgname>: <GLib message>` on stderr, exit 64 (`CRM_EX_USAGE`);
//! - `-V` repeated raises stderr logging (see [`log`]);
//! - `--output-as`/`--output-to`: an unsupported format or unopenable file is
//!   `<prgname>: Error creating output format <fmt>: <reason>`, exit 1;
//! - `-$`/`--version`: the version banner in the chosen format;
//! - otherwise the body runs; its exit status goes into XML's
//!   `<status code=".." message=".."/>` and becomes the process status;
//! - a closed stdout pipe ends the tool quietly with status 0.
//!
//! Reading options: [`goption::Parsed::is_set`], [`goption::Parsed::count`],
//! [`goption::Parsed::str`], [`goption::Parsed::strs`] (repeatable options),
//! [`goption::Parsed::path`], [`goption::Parsed::int`]; where order matters
//! (GOption callbacks) walk [`goption::Parsed::occurrences`]. To reject a
//! value while parsing, like a GOption callback returning `FALSE`, use
//! [`app::run`] with a callback. Non-option arguments are in
//! [`goption::Parsed::args`] (GLib keeps a `--` there when something after
//! it starts with `-`) or, for tools with a `G_OPTION_REMAINING` entry
//! ([`options::CommandSpec::remaining`]), in [`goption::Parsed::remaining`].
//!
//! Output: text helpers [`output::Output::info`], [`output::Output::print`],
//! [`output::Output::print_indented`], lists ([`output::Output::begin_list`],
//! [`output::Output::list_item`], [`output::Output::end_list`]); XML helpers
//! [`output::Output::xml_node`], [`output::Output::xml_text_node`],
//! [`output::Output::xml_push_parent`]/[`output::Output::xml_pop_parent`],
//! [`output::Output::xml_add`]; errors with [`output::Output::err`] or
//! [`app::Tool::set_error`]. Log lines that scripts grep keep the reference
//! wording and C function name: `log::log(Level::Warning, "scan_ll", ...)`.
#![forbid(unsafe_code)]

pub mod app;
pub mod getopt;
pub mod goption;
pub mod help;
pub mod legacy;
pub mod log;
pub mod options;
pub mod output;
pub mod scan;
pub mod version;
