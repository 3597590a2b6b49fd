//! Help screens laid out like GLib's `g_option_context_get_help()` (no I/O).
//!
//! Layout rules that callers (pcs, crmsh) and eyes depend on: one column for
//! all descriptions, computed over every group; `-h, --help` (or `-?` when a
//! tool uses `-h` itself); `--help-all` and `--help-<group>` when there are
//! groups; "Application Options:" last; the command's description at the end.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::options::{CommandSpec, OptionEntry, ResolvedGroup};

/// Display width of a string (GLib counts columns; our texts are ASCII).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// Render help: `main_help` for `--help`, `!main_help` with no group for
/// `--help-all`, or one group for `--help-<group>`.
pub fn render(
    spec: &CommandSpec,
    prgname: &str,
    main_help: bool,
    group: Option<&ResolvedGroup>,
) -> String {
    let main = spec.main_group();
    let groups = spec.other_groups();
    let mut s = String::new();

    let _ = write!(s, "Usage:\n  {prgname} [OPTION?]");
    if let Some(rest) = spec.remaining.filter(|r| !r.is_empty()) {
        let _ = write!(s, " {rest}");
    }
    if let Some(params) = spec.parameters {
        let _ = write!(s, " {params}");
    }
    s.push_str("\n\n");
    if !spec.summary.is_empty() {
        let _ = write!(s, "{}\n\n", spec.summary);
    }

    // Long names repeated from an earlier group print as --<group>-<name>;
    // short letters already used print without their letter.
    let mut shadow: HashSet<&str> = main.entries.iter().map(|e| e.long).collect();
    let mut seen_short: HashSet<Option<char>> = HashSet::new();
    let mut hide_short: HashSet<(usize, usize)> = HashSet::new();
    let mut aliases: HashMap<(usize, usize), String> = HashMap::new();
    for (j, e) in main.entries.iter().enumerate() {
        if !seen_short.insert(e.short) {
            hide_short.insert((0, j));
        }
    }
    for (gi, g) in groups.iter().enumerate() {
        for (j, e) in g.entries.iter().enumerate() {
            if !shadow.insert(e.long) {
                aliases.insert((gi + 1, j), format!("{}-{}", g.name, e.long));
            }
            if !seen_short.insert(e.short) {
                hide_short.insert((gi + 1, j));
            }
        }
    }
    let names = Names {
        aliases: &aliases,
        hide_short: &hide_short,
    };

    let mut max_length = width("-?, --help");
    if !groups.is_empty() {
        max_length = max_length.max(width("--help-all"));
    }
    max_length = max_length.max(names.max_length(0, &main));
    for (gi, g) in groups.iter().enumerate() {
        max_length = max_length.max(width("--help-") + width(g.name));
        max_length = max_length.max(names.max_length(gi + 1, g));
    }
    max_length += 4;

    if group.is_none() {
        let token = if std::iter::once(&main)
            .chain(groups.iter())
            .flat_map(|g| g.entries.iter())
            .any(|e| e.short == Some('h'))
        {
            '?'
        } else {
            'h'
        };
        let _ = writeln!(
            s,
            "Help Options:\n  -{token}, --{:<w$} Show help options",
            "help",
            w = max_length - 4
        );
        if !groups.is_empty() {
            let _ = writeln!(
                s,
                "  --{:<w$} Show all help options",
                "help-all",
                w = max_length
            );
        }
        for g in &groups {
            if has_visible_entries(g) {
                let _ = writeln!(s, "  --help-{:<w$} {}", g.name, g.help, w = max_length - 5);
            }
        }
        s.push('\n');
    }

    let output_list = spec.output.map(|o| o.help_list);
    if let Some(wanted) = group {
        if let Some((gi, g)) = groups
            .iter()
            .enumerate()
            .find(|(_, g)| g.name == wanted.name)
        {
            if has_visible_entries(g) {
                let _ = writeln!(s, "{}", g.header);
                for (j, e) in g.entries.iter().enumerate() {
                    names.print_entry(&mut s, max_length, (gi + 1, j), g, e, output_list);
                }
                s.push('\n');
            }
        }
    } else if !main_help {
        for (gi, g) in groups.iter().enumerate() {
            if has_visible_entries(g) {
                let _ = writeln!(s, "{}", g.header);
                for (j, e) in g.entries.iter().enumerate() {
                    names.print_entry(&mut s, max_length, (gi + 1, j), g, e, output_list);
                }
                s.push('\n');
            }
        }
    }

    if (main_help || group.is_none()) && has_visible_entries(&main) {
        s.push_str("Application Options:\n");
        for (j, e) in main.entries.iter().enumerate() {
            names.print_entry(&mut s, max_length, (0, j), &main, e, output_list);
        }
        s.push('\n');
    }

    let _ = writeln!(s, "{}", spec.description);
    s
}

fn has_visible_entries(g: &ResolvedGroup) -> bool {
    g.entries.iter().any(|e| !e.hidden && !e.long.is_empty())
}

struct Names<'a> {
    aliases: &'a HashMap<(usize, usize), String>,
    hide_short: &'a HashSet<(usize, usize)>,
}

impl Names<'_> {
    fn long<'e>(&'e self, key: (usize, usize), e: &'e OptionEntry) -> &'e str {
        self.aliases.get(&key).map_or(e.long, String::as_str)
    }

    fn short(&self, key: (usize, usize), e: &OptionEntry) -> Option<char> {
        e.short.filter(|_| !self.hide_short.contains(&key))
    }

    /// GLib's `calculate_max_length()`.
    fn max_length(&self, gi: usize, g: &ResolvedGroup) -> usize {
        g.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.hidden)
            .map(|(j, e)| {
                let mut len = width(self.long((gi, j), e));
                if self.short((gi, j), e).is_some() {
                    len += 4;
                }
                if let (false, Some(p)) = (e.arg.takes_no_value(), e.placeholder) {
                    len += 1 + width(p);
                }
                len
            })
            .max()
            .unwrap_or(0)
    }

    /// GLib's `print_entry()`.
    fn print_entry(
        &self,
        s: &mut String,
        max_length: usize,
        key: (usize, usize),
        group: &ResolvedGroup,
        e: &OptionEntry,
        output_list: Option<&str>,
    ) {
        if e.hidden || e.long.is_empty() {
            return;
        }
        let mut head = match self.short(key, e) {
            Some(c) => format!("  -{c}, --{}", self.long(key, e)),
            None => format!("  --{}", self.long(key, e)),
        };
        if let Some(p) = e.placeholder {
            head.push('=');
            head.push_str(p);
        }
        // printf("%*s", n, "") with a negative n pads |n| columns.
        let pad = (max_length + 4).abs_diff(width(&head));
        let _ = write!(s, "{head}{:pad$} {}", "", e.help);
        if let (Some(list), "output", "output-as") = (output_list, group.name, e.long) {
            let _ = write!(s, " {list}");
        }
        s.push('\n');
    }
}
