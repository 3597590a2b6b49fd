//! GNU `getopt_long()` (glibc 2.36 behaviour), for the tools that still parse
//! with it: cibadmin and crm_shadow in Pacemaker 2.1.5, the daemons, and
//! Corosync's tools (no I/O; error texts are returned, not printed).
//!
//! - Short options from an optstring (`"a:b::c"`); clusters (`-abc`); a
//!   required value glued (`-xFILE`) or in the next argument; an optional
//!   value only glued.
//! - Long options `--name`, `--name=value`, `--name value` (required values
//!   only); unique abbreviations (`--quer` for `--query`); an exact match
//!   always wins.
//! - Operands are permuted after the options unless the optstring starts
//!   with `+` or `POSIXLY_CORRECT` is set; `--` ends options.
//! - Errors carry glibc's messages, prefixed with `argv[0]` as given.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Whether a long option takes a value (`no_argument`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    /// `no_argument`
    No,
    /// `required_argument`
    Required,
    /// `optional_argument`
    Optional,
}

/// One entry of the long option table (`struct option` without `flag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongOption {
    /// Name without dashes.
    pub name: &'static str,
    /// Whether it takes a value.
    pub has_arg: HasArg,
    /// What the option reports: usually its short letter.
    pub val: i32,
}

/// What [`Getopt`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An option. `val` is the short letter or the long option's `val`;
    /// `long_index` is its index in the long table when given in long form.
    Option {
        /// The value getopt returns.
        val: i32,
        /// Index into the long option table (`*longind`), for long forms.
        long_index: Option<usize>,
        /// The option's argument (`optarg`).
        arg: Option<OsString>,
    },
    /// An error getopt would print (without the trailing newline); getopt
    /// returns `'?'`, with `optopt` set as given here.
    Error {
        /// glibc's message, prefixed with `argv[0]` (bytes: it may quote
        /// a raw byte of the command line).
        message: Vec<u8>,
        /// `optopt`: the offending short letter or long option's `val`, or 0.
        optopt: i32,
        /// Index into the long table when a long option was recognised
        /// (e.g. it lacked its value).
        long_index: Option<usize>,
    },
}

/// A `getopt_long()` run over a command line.
#[derive(Debug)]
pub struct Getopt<'a> {
    args: Vec<Vec<u8>>,
    prog: String,
    shorts: Vec<(u8, HasArg)>,
    longs: &'a [LongOption],
    require_order: bool,
    index: usize,
    /// Position inside a short-option cluster.
    next_char: Option<usize>,
    operands: Vec<OsString>,
    done: bool,
}

fn parse_optstring(optstring: &str) -> (Vec<(u8, HasArg)>, bool) {
    let bytes = optstring.as_bytes();
    let mut require_order = false;
    let mut i = 0;
    if let Some(&first) = bytes.first() {
        if first == b'+' {
            require_order = true;
            i = 1;
        } else if first == b'-' {
            // RETURN_IN_ORDER is not used by the tools we emulate; treat as permute.
            i = 1;
        }
    }
    if bytes.get(i) == Some(&b':') {
        i += 1;
    }
    let mut shorts = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        let mut has = HasArg::No;
        if bytes.get(i + 1) == Some(&b':') {
            has = HasArg::Required;
            i += 1;
            if bytes.get(i + 1) == Some(&b':') {
                has = HasArg::Optional;
                i += 1;
            }
        }
        shorts.push((c, has));
        i += 1;
    }
    (shorts, require_order)
}

/// `"<prog>: <what> -- '<c>'"` with the letter as a raw byte.
fn quoted_letter(prog: &str, what: &str, c: u8) -> Vec<u8> {
    let mut m = format!("{prog}: {what} -- '").into_bytes();
    m.push(c);
    m.push(b'\'');
    m
}

impl<'a> Getopt<'a> {
    /// Start parsing `argv` (with `argv[0]`) against `optstring` and `longs`.
    pub fn new(argv: &[OsString], optstring: &str, longs: &'a [LongOption]) -> Self {
        let (shorts, mut require_order) = parse_optstring(optstring);
        if std::env::var_os("POSIXLY_CORRECT").is_some() {
            require_order = true;
        }
        Getopt {
            args: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
            prog: argv
                .first()
                .map(|a| a.to_string_lossy().into_owned())
                .unwrap_or_default(),
            shorts,
            longs,
            require_order,
            index: 1,
            next_char: None,
            operands: Vec::new(),
            done: false,
        }
    }

    /// The operands (non-option arguments) in the order getopt leaves them
    /// at `argv[optind..]`. Complete once iteration has ended.
    pub fn operands(&self) -> &[OsString] {
        &self.operands
    }

    fn is_option(arg: &[u8]) -> bool {
        arg.len() > 1 && arg[0] == b'-'
    }

    fn long(&mut self) -> Event {
        let arg = self.args[self.index].clone();
        self.index += 1;
        let text = &arg[2..];
        let name_end = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
        let name = &text[..name_end];
        let shown = String::from_utf8_lossy(text).into_owned();

        let exact = self.longs.iter().position(|o| o.name.as_bytes() == name);
        let found = match exact {
            Some(i) => i,
            None => {
                let mut first: Option<usize> = None;
                let mut ambiguous: Vec<usize> = Vec::new();
                for (i, o) in self.longs.iter().enumerate() {
                    if !o.name.as_bytes().starts_with(name) {
                        continue;
                    }
                    match first {
                        None => first = Some(i),
                        Some(f) => {
                            let p = &self.longs[f];
                            if p.has_arg != o.has_arg || p.val != o.val {
                                if ambiguous.is_empty() {
                                    ambiguous.push(f);
                                }
                                ambiguous.push(i);
                            }
                        }
                    }
                }
                if !ambiguous.is_empty() {
                    let mut message = format!(
                        "{}: option '--{shown}' is ambiguous; possibilities:",
                        self.prog
                    );
                    for i in ambiguous {
                        message.push_str(&format!(" '--{}'", self.longs[i].name));
                    }
                    return Event::Error {
                        message: message.into_bytes(),
                        optopt: 0,
                        long_index: None,
                    };
                }
                match first {
                    Some(i) => i,
                    None => {
                        return Event::Error {
                            message: format!("{}: unrecognized option '--{shown}'", self.prog)
                                .into_bytes(),
                            optopt: 0,
                            long_index: None,
                        }
                    }
                }
            }
        };
        let option = self.longs[found];
        let mut value = None;
        if name_end < text.len() {
            if option.has_arg == HasArg::No {
                return Event::Error {
                    message: format!(
                        "{}: option '--{}' doesn't allow an argument",
                        self.prog, option.name
                    )
                    .into_bytes(),
                    optopt: option.val,
                    long_index: Some(found),
                };
            }
            value = Some(OsString::from_vec(text[name_end + 1..].to_vec()));
        } else if option.has_arg == HasArg::Required {
            if self.index < self.args.len() {
                value = Some(OsString::from_vec(self.args[self.index].clone()));
                self.index += 1;
            } else {
                return Event::Error {
                    message: format!(
                        "{}: option '--{}' requires an argument",
                        self.prog, option.name
                    )
                    .into_bytes(),
                    optopt: option.val,
                    long_index: Some(found),
                };
            }
        }
        Event::Option {
            val: option.val,
            long_index: Some(found),
            arg: value,
        }
    }

    fn short(&mut self, pos: usize) -> Event {
        let arg = self.args[self.index].clone();
        let c = arg[pos];
        let last = pos + 1 >= arg.len();
        self.next_char = if last { None } else { Some(pos + 1) };
        if last {
            self.index += 1;
        }
        let spec = self
            .shorts
            .iter()
            .find(|(s, _)| *s == c && c != b':' && c != b';');
        let Some(&(_, has)) = spec else {
            return Event::Error {
                message: quoted_letter(&self.prog, "invalid option", c),
                optopt: i32::from(c),
                long_index: None,
            };
        };
        let value = match has {
            HasArg::No => None,
            HasArg::Optional => {
                if last {
                    None
                } else {
                    self.next_char = None;
                    self.index += 1;
                    Some(arg[pos + 1..].to_vec())
                }
            }
            HasArg::Required => {
                if !last {
                    self.next_char = None;
                    self.index += 1;
                    Some(arg[pos + 1..].to_vec())
                } else if self.index < self.args.len() {
                    self.index += 1;
                    Some(self.args[self.index - 1].clone())
                } else {
                    return Event::Error {
                        message: quoted_letter(&self.prog, "option requires an argument", c),
                        optopt: i32::from(c),
                        long_index: None,
                    };
                }
            }
        };
        Event::Option {
            val: i32::from(c),
            long_index: None,
            arg: value.map(OsString::from_vec),
        }
    }
}

impl Iterator for Getopt<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        if let Some(pos) = self.next_char {
            return Some(self.short(pos));
        }
        loop {
            let Some(arg) = self.args.get(self.index) else {
                self.done = true;
                return None;
            };
            if arg == b"--" {
                self.index += 1;
                let rest: Vec<OsString> = self.args[self.index..]
                    .iter()
                    .map(|a| OsString::from_vec(a.clone()))
                    .collect();
                self.operands.extend(rest);
                self.done = true;
                return None;
            }
            if !Self::is_option(arg) {
                if self.require_order {
                    let rest: Vec<OsString> = self.args[self.index..]
                        .iter()
                        .map(|a| OsString::from_vec(a.clone()))
                        .collect();
                    self.operands.extend(rest);
                    self.done = true;
                    return None;
                }
                self.operands.push(OsString::from_vec(arg.clone()));
                self.index += 1;
                continue;
            }
            if arg[1] == b'-' && !self.longs.is_empty() {
                return Some(self.long());
            }
            return Some(self.short(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONGS: &[LongOption] = &[
        LongOption {
            name: "query",
            has_arg: HasArg::No,
            val: b'Q' as i32,
        },
        LongOption {
            name: "xml-text",
            has_arg: HasArg::Required,
            val: b'X' as i32,
        },
        LongOption {
            name: "xml-file",
            has_arg: HasArg::Required,
            val: b'x' as i32,
        },
        LongOption {
            name: "xpath",
            has_arg: HasArg::Required,
            val: b'A' as i32,
        },
        LongOption {
            name: "show-access",
            has_arg: HasArg::Optional,
            val: b'S' as i32,
        },
        LongOption {
            name: "verbose",
            has_arg: HasArg::No,
            val: b'V' as i32,
        },
        LongOption {
            name: "verbosity",
            has_arg: HasArg::No,
            val: b'V' as i32,
        },
    ];
    const SHORTS: &str = "QX:x:A:S::Vt:";

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("prog")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn run(args: &[&str]) -> (Vec<String>, Vec<String>) {
        let argv = argv(args);
        let mut g = Getopt::new(&argv, SHORTS, LONGS);
        let events = g
            .by_ref()
            .map(|e| match e {
                Event::Option { val, arg, .. } => format!(
                    "{}{}",
                    char::from(u8::try_from(val).unwrap_or(b'#')),
                    arg.map(|a| format!("={}", a.to_string_lossy()))
                        .unwrap_or_default()
                ),
                Event::Error { message, .. } => {
                    format!("ERR {}", String::from_utf8_lossy(&message))
                }
            })
            .collect();
        let ops = g
            .operands()
            .iter()
            .map(|o| o.to_string_lossy().into_owned())
            .collect();
        (events, ops)
    }

    #[test]
    fn shorts_clusters_and_values() {
        assert_eq!(
            run(&["-QV", "-xf", "-X", "-Q"]).0,
            ["Q", "V", "x=f", "X=-Q"]
        );
        assert_eq!(run(&["-S", "-Sval"]).0, ["S", "S=val"]);
        assert_eq!(
            run(&["-Qz", "-t"]).0,
            [
                "Q",
                "ERR prog: invalid option -- 'z'",
                "ERR prog: option requires an argument -- 't'"
            ]
        );
    }

    #[test]
    fn longs_and_abbreviations() {
        assert_eq!(
            run(&["--query", "--xpath=/a", "--xml-file", "f", "--quer"]).0,
            ["Q", "A=/a", "x=f", "Q"]
        );
        assert_eq!(
            run(&["--show-access", "x"]),
            (vec!["S".into()], vec!["x".into()])
        );
        assert_eq!(run(&["--show-access=c"]).0, ["S=c"]);
        // Same has_arg and val: not ambiguous.
        assert_eq!(run(&["--verb"]).0, ["V"]);
        assert_eq!(
            run(&["--x=1"]).0,
            ["ERR prog: option '--x=1' is ambiguous; possibilities: '--xml-text' '--xml-file' '--xpath'"]
        );
        assert_eq!(
            run(&["--bogus=1"]).0,
            ["ERR prog: unrecognized option '--bogus=1'"]
        );
        assert_eq!(
            run(&["--que=1"]).0,
            ["ERR prog: option '--query' doesn't allow an argument"]
        );
        assert_eq!(
            run(&["--xpath"]).0,
            ["ERR prog: option '--xpath' requires an argument"]
        );
    }

    #[test]
    fn operands_are_permuted_after_options() {
        assert_eq!(
            run(&["a", "-Q", "b", "--", "-V", "c"]),
            (
                vec!["Q".into()],
                vec!["a".into(), "b".into(), "-V".into(), "c".into()]
            )
        );
        assert_eq!(run(&["-", "-Q"]), (vec!["Q".into()], vec!["-".into()]));
        let argv = argv(&["a", "-Q"]);
        let mut g = Getopt::new(&argv, "+Q", &[]);
        assert_eq!(g.next(), None);
        assert_eq!(g.operands(), &[OsString::from("a"), OsString::from("-Q")]);
    }
}
