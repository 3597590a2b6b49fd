//! The log lines Pacemaker writes about patches and tracked changes
//! (`xml_log_patchset`, `xml_log_changes`). Operators read these in
//! pacemaker.log and tools grep them, so the text is the reference's.
//!
//! The functions return the message part of each line; the caller logs
//! them at its level under its function name (libqb's `(function)` prefix
//! is the logger's business).

use crate::text::escape_value;
use crate::tree::{Element, Node};

use super::arena::{flag, Arena, Id, Kind};
use super::changes::Changes;
use super::versions::{element_int, patch_versions};

/// What `xml_log_patchset(level, function, patch)` logs.
///
/// `function` is the caller's name (it appears in the "Local-only Change"
/// line). `detailed` is true when the level is debug or finer and a
/// function is given: format-1 patches are then logged whole, otherwise
/// only their changed parts.
#[doc(alias = "xml_log_patchset")]
pub fn patchset_lines(patch: &Element, function: Option<&str>, detailed: bool) -> Vec<String> {
    let mut out = Vec::new();
    let (mut add, mut del) = ([0; 3], [0; 3]);
    patch_versions(patch, &mut add, &mut del);
    let fmt = patch.attr("format").unwrap_or("(null)");
    let digest = patch.attr("digest").unwrap_or("(null)");
    if add != del {
        out.push(format!("Diff: --- {}.{}.{} {fmt}", del[0], del[1], del[2]));
        out.push(format!(
            "Diff: +++ {}.{}.{} {digest}",
            add[0], add[1], add[2]
        ));
    } else if add.iter().any(|&v| v != 0) {
        out.push(format!(
            "{}: Local-only Change: {}.{}.{}",
            function.unwrap_or(""),
            add[0],
            add[1],
            add[2]
        ));
    }

    if element_int(patch, "format").unwrap_or(1) == 2 {
        for change in patch.elements() {
            v2_change_lines(change, &mut out);
        }
        return out;
    }

    let short = !detailed;
    for (section, prefix, separator) in [
        ("diff-removed", "- ", " --- "),
        ("diff-added", "+ ", " +++ "),
    ] {
        let Some(section) = patch.first_element(section) else {
            continue;
        };
        let mut first = true;
        for child in section.children.iter().filter(|c| visible(c)) {
            data_element(&mut out, prefix, child, 0, short, prefix == "+ ");
            if first {
                first = false;
            } else {
                out.push(separator.to_owned());
            }
        }
    }
    out
}

fn visible(n: &Node) -> bool {
    !matches!(n, Node::Text(_))
}

/// `pcmk__g_strcat`: arguments up to the first missing one.
fn strcat(out: &mut String, parts: &[Option<&str>]) {
    for p in parts {
        match p {
            Some(p) => out.push_str(p),
            None => return,
        }
    }
}

fn v2_change_lines(change: &Element, out: &mut Vec<String>) {
    let Some(op) = change.attr("operation") else {
        return;
    };
    let xpath = change.attr("path").unwrap_or("(null)");
    match op {
        "create" => {
            let prefix = format!("++ {xpath}: ");
            let Some(node) = change.children.first() else {
                return;
            };
            node_lines(out, &prefix, node, 0, Opts::OPEN);
            // The C code blanks bytes, not characters.
            let blank = format!("++{}", " ".repeat(prefix.len() - 2));
            node_lines(out, &blank, node, 0, Opts::CLOSE_CHILDREN);
        }
        "move" => out.push(format!(
            "+~ {xpath} moved to offset {}",
            change.attr("position").unwrap_or("(null)")
        )),
        "modify" => {
            let (mut set, mut unset): (Option<String>, Option<String>) = (None, None);
            let list = change.first_element("change-list");
            for c in list.iter().flat_map(|l| l.elements()) {
                let name = c.attr("name");
                match c.attr("operation") {
                    Some("set") => {
                        let buf = separated(&mut set);
                        strcat(buf, &[name, Some("="), c.attr("value")]);
                    }
                    Some("unset") => {
                        let buf = separated(&mut unset);
                        strcat(buf, &[name]);
                    }
                    _ => {}
                }
            }
            if let Some(set) = set {
                out.push(format!("+  {xpath}:  {set}"));
            }
            if let Some(unset) = unset {
                out.push(format!("-- {xpath}:  {unset}"));
            }
        }
        "delete" => match element_int(change, "position") {
            Some(p) if p >= 0 => out.push(format!("-- {xpath} ({p})")),
            _ => out.push(format!("-- {xpath}")),
        },
        _ => {}
    }
}

/// `pcmk__add_separated_word(&buf, 256, "@", ", ")`.
fn separated(buf: &mut Option<String>) -> &mut String {
    let b = buf.get_or_insert_with(String::new);
    if !b.is_empty() {
        b.push_str(", ");
    }
    b.push('@');
    b
}

/// `xml_log_option_*` flags that matter here.
#[derive(Clone, Copy)]
struct Opts {
    open: bool,
    close: bool,
    children: bool,
    /// diff_plus or diff_minus: the diff marker attribute is left out.
    diff: bool,
}

impl Opts {
    const OPEN: Opts = Opts {
        open: true,
        close: false,
        children: false,
        diff: false,
    };
    const CLOSE_CHILDREN: Opts = Opts {
        open: false,
        close: true,
        children: true,
        diff: false,
    };
    const ALL: Opts = Opts {
        open: true,
        close: true,
        children: true,
        diff: false,
    };
}

/// An open tag as `log_xml_node_and_children` writes it.
fn open_tag(
    name: &str,
    attrs: &mut dyn Iterator<Item = (&str, &str)>,
    hidden: Option<&str>,
    has_children: bool,
    opts: Opts,
) -> String {
    let mut buf = format!("<{name}");
    for (n, v) in attrs {
        if opts.diff && n == super::DIFF_MARKER {
            continue;
        }
        let shown = if hidden.is_some_and(|h| !n.is_empty() && h.contains(n)) {
            "*****".to_owned()
        } else {
            escape_value(v)
        };
        buf.push_str(&format!(" {n}=\"{shown}\""));
    }
    buf.push_str(if has_children && opts.children {
        ">"
    } else {
        "/>"
    });
    buf
}

/// `log_xml_node_and_children` for a plain tree node.
fn node_lines(out: &mut Vec<String>, prefix: &str, node: &Node, depth: usize, opts: Opts) {
    let indent = " ".repeat(2 * depth);
    match node {
        Node::Comment(text) if opts.open => {
            out.push(format!("{prefix} {indent}<!--{text}-->"));
        }
        Node::Element(e) => {
            if opts.open {
                let mut attrs = e
                    .attrs()
                    .iter()
                    .map(|a| (a.name.as_str(), a.value.as_str()));
                let tag = open_tag(
                    e.name(),
                    &mut attrs,
                    e.attr("hidden"),
                    e.has_children(),
                    opts,
                );
                out.push(format!("{prefix} {indent}{tag}"));
            }
            if !e.has_children() {
                return;
            }
            if opts.children {
                let inner = Opts {
                    open: true,
                    close: true,
                    ..opts
                };
                for c in e.children.iter().filter(|c| visible(c)) {
                    node_lines(out, prefix, c, depth + 1, inner);
                }
            }
            if opts.close {
                out.push(format!("{prefix} {indent}</{}>", e.name()));
            }
        }
        _ => {}
    }
}

/// `log_data_element` with the diff options of a format-1 section.
fn data_element(
    out: &mut Vec<String>,
    prefix: &str,
    node: &Node,
    depth: usize,
    short: bool,
    plus: bool,
) {
    // Leaves (comments included) and marked subtrees are logged whole.
    let all = match node {
        Node::Element(e) => !e.has_children() || e.attr(super::DIFF_MARKER).is_some(),
        _ => true,
    };
    let prefix = if all {
        with_second(prefix, if plus { '+' } else { '-' })
    } else {
        prefix.to_owned()
    };
    if short && !all {
        if let Node::Element(e) = node {
            for c in e.children.iter().filter(|c| visible(c)) {
                data_element(out, &prefix, c, depth + 1, short, plus);
            }
        }
    } else {
        node_lines(
            out,
            &prefix,
            node,
            depth,
            Opts {
                diff: true,
                ..Opts::ALL
            },
        );
    }
}

/// `prefix` with its second character replaced.
fn with_second(prefix: &str, c: char) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    if chars.len() > 1 {
        chars[1] = c;
    }
    chars.into_iter().collect()
}

/// What `xml_log_changes(level, function, tracked)` logs: deleted paths,
/// then the tracked tree's changed parts (created subtrees whole, changed
/// elements with their changed attributes).
#[doc(alias = "xml_log_changes")]
pub fn changes_lines(changes: &Changes) -> Vec<String> {
    let mut out = Vec::new();
    if !changes.is_dirty() {
        return out;
    }
    for d in changes.deleted() {
        match d.position {
            Some(p) => out.push(format!("-- {} ({p})", d.path)),
            None => out.push(format!("-- {}", d.path)),
        }
    }
    let a = changes.tracked();
    if let Some(root) = a.root() {
        tracked_lines(&mut out, a, "+ ", root, 0);
    }
    out
}

/// `log_xml_changes`.
fn tracked_lines(out: &mut Vec<String>, a: &Arena, prefix: &str, id: Id, depth: usize) {
    let node = &a.nodes[id];
    let prefix_m = with_second(prefix, '+');
    if node.flags & (flag::DIRTY | flag::CREATED) == flag::DIRTY | flag::CREATED {
        arena_lines(out, a, &prefix_m, id, depth, Opts::ALL);
    } else if node.flags & flag::DIRTY != 0 {
        let prefix_del = format!("--{}", prefix.get(2..).unwrap_or(""));
        let prefix_moved = with_second(prefix, '~');
        let open_prefix = if node.flags & flag::MOVED != 0 {
            &prefix_moved
        } else {
            prefix
        };
        arena_lines(out, a, open_prefix, id, depth, Opts::OPEN);
        let spaces = " ".repeat(2 * depth);
        for attr in &node.attrs {
            let p = if attr.flags & flag::DELETED != 0 {
                &prefix_del
            } else if attr.flags & flag::DIRTY != 0 {
                if attr.flags & flag::CREATED != 0 {
                    &prefix_m
                } else if attr.flags & flag::MODIFIED != 0 {
                    prefix
                } else if attr.flags & flag::MOVED != 0 {
                    &prefix_moved
                } else {
                    prefix
                }
            } else {
                continue;
            };
            out.push(format!("{p} {spaces} @{}={}", attr.name, attr.value));
        }
        for c in a.visible_children(id) {
            tracked_lines(out, a, prefix, c, depth + 1);
        }
        arena_lines(
            out,
            a,
            prefix,
            id,
            depth,
            Opts {
                open: false,
                close: true,
                children: false,
                diff: false,
            },
        );
    } else {
        for c in a.visible_children(id) {
            tracked_lines(out, a, prefix, c, depth + 1);
        }
    }
}

/// `log_xml_node_and_children` for a tracked node (deleted attributes are
/// left out).
fn arena_lines(out: &mut Vec<String>, a: &Arena, prefix: &str, id: Id, depth: usize, opts: Opts) {
    let node = &a.nodes[id];
    let indent = " ".repeat(2 * depth);
    match &node.kind {
        Kind::Comment(text) if opts.open => {
            out.push(format!("{prefix} {indent}<!--{text}-->"));
        }
        Kind::Element(name) => {
            let has_children = !node.children.is_empty();
            if opts.open {
                let mut attrs = node
                    .attrs
                    .iter()
                    .filter(|at| at.flags & flag::DELETED == 0)
                    .map(|at| (at.name.as_str(), at.value.as_str()));
                let tag = open_tag(name, &mut attrs, a.attr(id, "hidden"), has_children, opts);
                out.push(format!("{prefix} {indent}{tag}"));
            }
            if !has_children {
                return;
            }
            if opts.children {
                let inner = Opts {
                    open: true,
                    close: true,
                    ..opts
                };
                for c in a.visible_children(id) {
                    arena_lines(out, a, prefix, c, depth + 1, inner);
                }
            }
            if opts.close {
                out.push(format!("{prefix} {indent}</{name}>"));
            }
        }
        Kind::Comment(_) | Kind::Document | Kind::Other(_) => {}
    }
}
