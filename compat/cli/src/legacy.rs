//! Pacemaker's older option machinery (`pcmk__cli_option_t`,
//! `pcmk__next_cli_option()`, `pcmk__cli_help()`), still used in 2.1.5 by
//! cibadmin, crm_shadow and the daemons (no I/O except [`print_help`]).
//!
//! Options are a `getopt_long()` table plus help lines; the short option
//! string is derived from the table unless given. On any parse error glibc's
//! message is printed, then the whole help on stderr, and the tool exits
//! with `CRM_EX_USAGE`. `--help` prints help on stdout and exits 0, but
//! `-?` (getopt's error letter) goes to stderr with 64, as the reference does.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;

use pcmk_results::CrmExit;

use crate::getopt::{Event, Getopt, HasArg, LongOption};
use crate::version;

/// How an entry shows in help (`enum pcmk__cli_option_flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// An option line.
    Option,
    /// Not shown (`pcmk__option_hidden`).
    Hidden,
    /// A paragraph of text (`pcmk__option_paragraph`), the `help` field.
    Paragraph,
    /// An example command (`pcmk__option_example`), the `help` field.
    Example,
}

/// One entry (`pcmk__cli_option_t`). Entries named `"-"` with `short`
/// `Some('-')` are headings; [`Show::Paragraph`]/[`Show::Example`] entries
/// carry text only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyOption {
    /// Long name (`"-spacer-"` style names for text-only entries).
    pub name: &'static str,
    /// Whether it takes a value.
    pub has_arg: HasArg,
    /// Short letter (`'-'` for headings), or `None`.
    pub short: Option<char>,
    /// Help text (our words).
    pub help: &'static str,
    /// How it shows in help.
    pub show: Show,
}

impl LegacyOption {
    /// An option line.
    pub const fn option(
        name: &'static str,
        has_arg: HasArg,
        short: Option<char>,
        help: &'static str,
    ) -> Self {
        LegacyOption {
            name,
            has_arg,
            short,
            help,
            show: Show::Option,
        }
    }

    /// A heading line (`{"-spacer-", 0, 0, '-', "Commands:"}`).
    pub const fn heading(text: &'static str) -> Self {
        LegacyOption {
            name: "-spacer-",
            has_arg: HasArg::No,
            short: Some('-'),
            help: text,
            show: Show::Option,
        }
    }

    /// The same entry with another display mode.
    pub const fn show(mut self, show: Show) -> Self {
        self.show = show;
        self
    }
}

/// A legacy command description (`pcmk__set_cli_options()` arguments).
#[derive(Debug, Clone, Copy)]
pub struct LegacySpec {
    /// `crm_system_name`.
    pub name: &'static str,
    /// One-line description after the name.
    pub description: &'static str,
    /// Usage text after the name, if any.
    pub usage: Option<&'static str>,
    /// Explicit getopt short option string, or `None` to derive it.
    pub short_options: Option<&'static str>,
    /// The table.
    pub options: &'static [LegacyOption],
}

/// What parsing a legacy command line gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyOutcome {
    /// Options (by table entry) and their values in order, then the operands.
    Run {
        /// `(entry, value)` in command-line order.
        options: Vec<(LegacyOption, Option<OsString>)>,
        /// Non-option arguments.
        operands: Vec<OsString>,
    },
    /// Print this on stdout (`to_stderr == false`) or stderr, and exit.
    Exit {
        /// Text to print (getopt's message and/or help).
        text: Vec<u8>,
        /// Where.
        to_stderr: bool,
        /// Exit status.
        status: CrmExit,
    },
}

impl LegacySpec {
    /// The short option string (`pcmk__set_cli_options()` derivation).
    pub fn optstring(&self) -> String {
        if let Some(s) = self.short_options {
            return s.to_string();
        }
        let mut s = String::new();
        for o in self.options {
            if let Some(c) = o.short.filter(|&c| c != '-') {
                s.push(c);
                match o.has_arg {
                    HasArg::No => {}
                    HasArg::Required => s.push(':'),
                    HasArg::Optional => s.push_str("::"),
                }
            }
        }
        s
    }

    /// The `getopt_long()` table: a dummy first entry (so that a real
    /// `--help` has a nonzero index), then every named option.
    pub fn long_options(&self) -> Vec<LongOption> {
        let mut v = vec![LongOption {
            name: "__dummmy__",
            has_arg: HasArg::No,
            val: i32::from(b'_'),
        }];
        for o in self.options {
            if o.name.starts_with('-') {
                continue;
            }
            v.push(LongOption {
                name: o.name,
                has_arg: o.has_arg,
                val: o.short.map_or(0, |c| c as i32),
            });
        }
        v
    }

    /// `pcmk__cli_help()` text for `cmd` (`'v'`/`'$'` version, `'!'`
    /// extended version, anything else help).
    pub fn help_text(&self, cmd: char) -> String {
        let mut s = String::new();
        if cmd == 'v' || cmd == '$' {
            let _ = writeln!(
                s,
                "Pacemaker {}\nWritten by {}",
                version::PACEMAKER_VERSION,
                version::AUTHORS
            );
            return s;
        }
        if cmd == '!' {
            let _ = writeln!(
                s,
                "Pacemaker {} (Build: {}): {}",
                version::PACEMAKER_VERSION,
                version::BUILD_VERSION,
                version::CRM_FEATURES
            );
            return s;
        }
        let _ = writeln!(s, "{} - {}", self.name, self.description);
        if let Some(usage) = self.usage {
            let _ = writeln!(s, "Usage: {} {usage}", self.name);
        }
        s.push_str("Options:\n");
        for o in self.options {
            match o.show {
                Show::Hidden => {}
                Show::Paragraph => {
                    let _ = write!(s, "{}\n\n", o.help);
                }
                Show::Example => {
                    let _ = write!(s, "\t#{}\n\n", o.help);
                }
                Show::Option if o.short == Some('-') => {
                    if !o.help.is_empty() {
                        let _ = writeln!(s, "{}", o.help);
                    }
                }
                Show::Option => {
                    match o.short {
                        Some(c) => {
                            let _ = write!(s, " -{c},");
                        }
                        None => s.push_str("    "),
                    }
                    let arg = match o.has_arg {
                        HasArg::No => "",
                        HasArg::Required => "=value",
                        HasArg::Optional => "[=value]",
                    };
                    let _ = writeln!(s, " --{}{arg}\t{}", o.name, o.help);
                }
            }
        }
        let _ = write!(s, "\nReport bugs to users@clusterlabs.org\n");
        s
    }

    /// Parse `argv` the way a legacy tool's `pcmk__next_cli_option()` loop
    /// does. `-?`/`--help`, `-$`/`--version` and `-!` are handled here when
    /// the table has them; the tool handles the rest.
    pub fn parse(&self, argv: &[OsString]) -> LegacyOutcome {
        let longs = self.long_options();
        let optstring = self.optstring();
        let mut getopt = Getopt::new(argv, &optstring, &longs);
        let mut options = Vec::new();
        for event in getopt.by_ref() {
            match event {
                Event::Error { mut message, .. } => {
                    message.push(b'\n');
                    message.extend_from_slice(self.help_text('?').as_bytes());
                    return LegacyOutcome::Exit {
                        text: message,
                        to_stderr: true,
                        status: CrmExit::USAGE,
                    };
                }
                Event::Option {
                    val,
                    long_index,
                    arg,
                } => {
                    let letter = u8::try_from(val).ok().map(char::from);
                    if letter == Some('?') {
                        // getopt's error letter doubles as --help: only a
                        // long --help (nonzero index) is a success.
                        let ok = long_index.is_some_and(|i| i > 0);
                        return LegacyOutcome::Exit {
                            text: self.help_text('?').into_bytes(),
                            to_stderr: !ok,
                            status: if ok { CrmExit::OK } else { CrmExit::USAGE },
                        };
                    }
                    let entry = match long_index {
                        Some(i) => self
                            .options
                            .iter()
                            .filter(|o| !o.name.starts_with('-'))
                            .nth(i.wrapping_sub(1)),
                        None => self.options.iter().find(|o| o.short == letter),
                    };
                    if let Some(entry) = entry {
                        options.push((*entry, arg));
                    }
                }
            }
        }
        LegacyOutcome::Run {
            options,
            operands: getopt.operands().to_vec(),
        }
    }
}

/// Print an [`LegacyOutcome::Exit`]'s text where it belongs.
pub fn print_help(text: &[u8], to_stderr: bool) {
    if to_stderr {
        let _ = std::io::stderr().write_all(text);
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text);
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[LegacyOption] = &[
        LegacyOption::option("help", HasArg::No, Some('?'), "\tShow this text"),
        LegacyOption::option("version", HasArg::No, Some('$'), "\tShow the version"),
        LegacyOption::heading("\nCommands:"),
        LegacyOption::option("query", HasArg::No, Some('Q'), "\tQuery"),
        LegacyOption::option("show-access", HasArg::Optional, Some('S'), "Colours"),
        LegacyOption::option("xpath", HasArg::Required, Some('A'), "An XPath"),
        LegacyOption::option("secret", HasArg::No, None, "").show(Show::Hidden),
        LegacyOption::heading("Examples:").show(Show::Paragraph),
        LegacyOption::heading("tool --query").show(Show::Example),
    ];
    const SPEC: LegacySpec = LegacySpec {
        name: "tool",
        description: "do things",
        usage: Some("<command> [options]"),
        short_options: None,
        options: OPTIONS,
    };

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("/usr/sbin/tool")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn derived_optstring_and_help_layout() {
        assert_eq!(SPEC.optstring(), "?$QS::A:");
        assert_eq!(
            SPEC.help_text('?'),
            "tool - do things\nUsage: tool <command> [options]\nOptions:\n \
             -?, --help\t\tShow this text\n -$, --version\t\tShow the version\n\nCommands:\n \
             -Q, --query\t\tQuery\n -S, --show-access[=value]\tColours\n \
             -A, --xpath=value\tAn XPath\nExamples:\n\n\t#tool --query\n\n\
             \nReport bugs to users@clusterlabs.org\n"
        );
        assert!(SPEC.help_text('$').starts_with("Pacemaker 2.1.5\n"));
    }

    #[test]
    fn help_exit_codes_differ_by_form() {
        for (args, stderr, status) in [
            (&["--help"][..], false, CrmExit::OK),
            (&["-?"], true, CrmExit::USAGE),
            (&["--bogus"], true, CrmExit::USAGE),
        ] {
            match SPEC.parse(&argv(args)) {
                LegacyOutcome::Exit {
                    to_stderr,
                    status: s,
                    text,
                } => {
                    assert_eq!((to_stderr, s), (stderr, status), "{args:?}");
                    assert!(String::from_utf8_lossy(&text).contains("Usage: tool"));
                }
                other => panic!("{args:?}: {other:?}"),
            }
        }
        match SPEC.parse(&argv(&["--bogus"])) {
            LegacyOutcome::Exit { text, .. } => {
                assert!(text.starts_with(b"/usr/sbin/tool: unrecognized option '--bogus'\n"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn options_map_back_to_entries() {
        match SPEC.parse(&argv(&["x", "-Q", "--xpath", "/a", "--secret", "-Sc"])) {
            LegacyOutcome::Run { options, operands } => {
                let names: Vec<_> = options
                    .iter()
                    .map(|(o, v)| (o.name, v.as_ref().map(|v| v.to_string_lossy().into_owned())))
                    .collect();
                assert_eq!(
                    names,
                    vec![
                        ("query", None),
                        ("xpath", Some("/a".to_string())),
                        ("secret", None),
                        ("show-access", Some("c".to_string()))
                    ]
                );
                assert_eq!(operands, vec![OsString::from("x")]);
            }
            other => panic!("{other:?}"),
        }
    }
}
