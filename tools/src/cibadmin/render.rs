//! `cibadmin --show-access`: render a CIB annotated with a user's access
//! (`pcmk__acl_evaled_render`), in colour, as text markers, or with the
//! access as XML namespaces.
//!
//! The reference dumps the annotated document with libxml2's formatting,
//! parses it again keeping blanks, and runs a stylesheet over it. The
//! rendering below walks the annotated tree and reproduces that output:
//! the indentation text nodes of the formatted dump (newline plus two
//! spaces per level, at most 30 levels), the raw attribute values, and
//! the stylesheet's rules for when an element's access is announced.

use pcmk_cib::access::{Access, Annotated, AnnotatedElement, AnnotatedNode};

use super::AclEval;

const NS_PREFIX: &str = "http://clusterlabs.org/ns/pacemaker/access/";

/// The strings a rendering mode uses (the stylesheet's parameters).
struct Style {
    writable: &'static str,
    readable: &'static str,
    denied: &'static str,
    reset: &'static str,
    extra_spacing: bool,
    /// Namespace mode: annotations are element prefixes.
    prefixes: bool,
}

const COLOR: Style = Style {
    writable: "\x1b[32m",
    readable: "\x1b[34m",
    denied: "\x1b[31m",
    reset: "\x1b[0m",
    extra_spacing: false,
    prefixes: false,
};

const TEXT: Style = Style {
    writable: "vvv---[ WRITABLE ]---vvv",
    readable: "vvv---[ READABLE ]---vvv",
    denied: "vvv---[ ~DENIED~ ]---vvv",
    reset: "",
    extra_spacing: true,
    prefixes: false,
};

const NAMESPACE: Style = Style {
    writable: "pcmk-access-writable:",
    readable: "pcmk-access-readable:",
    denied: "pcmk-access-denied:",
    reset: "",
    extra_spacing: false,
    prefixes: true,
};

impl Style {
    fn mark(&self, a: Access) -> &'static str {
        match a {
            Access::Writable => self.writable,
            Access::Readable => self.readable,
            Access::Denied => self.denied,
        }
    }
}

/// Whether stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// Indentation text of the formatted dump at `level`.
fn indent(level: usize) -> String {
    let mut s = String::from("\n");
    s.extend(std::iter::repeat_n(' ', 2 * level.min(30)));
    s
}

fn any_access(e: &AnnotatedElement, a: Access) -> bool {
    e.access == a
        || e.attrs.iter().any(|(_, _, x)| *x == a)
        || e.children.iter().any(|c| match c {
            AnnotatedNode::Element(c) => any_access(c, a),
            _ => false,
        })
}

struct Renderer<'a> {
    style: &'a Style,
    root: &'a AnnotatedElement,
    out: String,
}

impl Renderer<'_> {
    /// Whether formatting put indentation around the children (only
    /// elements, comments and PIs inside).
    fn formatted(e: &AnnotatedElement) -> bool {
        !e.children.is_empty()
            && !e
                .children
                .iter()
                .any(|c| matches!(c, AnnotatedNode::Text(_) | AnnotatedNode::CData(_)))
    }

    fn element(
        &mut self,
        e: &AnnotatedElement,
        parent: Option<Access>,
        level: usize,
        before: Option<&str>,
    ) {
        let st = self.style;
        let whitespace_before = before.filter(|t| !t.is_empty()).unwrap_or("\n");
        let annotation = if parent != Some(e.access) || !st.reset.is_empty() {
            st.mark(e.access)
        } else {
            ""
        };
        if st.prefixes && !annotation.is_empty() {
            self.out.push('<');
            self.out.push_str(annotation);
            self.out.push_str(&e.name);
        } else if st.extra_spacing && !annotation.is_empty() {
            self.out.push_str(before.unwrap_or(""));
            self.out.push_str(annotation);
            self.out.push_str(whitespace_before);
            self.out.push('<');
            self.out.push_str(&e.name);
        } else {
            self.out.push_str(annotation);
            self.out.push('<');
            self.out.push_str(&e.name);
        }
        for (name, value, a) in &e.attrs {
            if *a != e.access && st.prefixes {
                self.out.push(' ');
                self.out.push_str(st.mark(*a).trim_end_matches(':'));
                self.out.push(':');
            } else {
                self.out.push(' ');
            }
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(value);
            self.out.push('"');
        }
        if std::ptr::eq(e, self.root) && st.prefixes {
            for a in [Access::Writable, Access::Readable, Access::Denied] {
                if any_access(e, a) {
                    let kind = match a {
                        Access::Writable => "writable",
                        Access::Readable => "readable",
                        Access::Denied => "denied",
                    };
                    self.out.push_str(&format!(
                        " xmlns:{}=\"{NS_PREFIX}{kind}\"",
                        st.mark(a).trim_end_matches(':')
                    ));
                }
            }
        }
        let has_markup = e.children.iter().any(|c| {
            matches!(
                c,
                AnnotatedNode::Element(_)
                    | AnnotatedNode::Comment { .. }
                    | AnnotatedNode::Pi { .. }
            )
        });
        if has_markup {
            self.out.push('>');
            self.children(e, level);
            if st.prefixes && !annotation.is_empty() {
                self.out.push_str("</");
                self.out.push_str(annotation);
                self.out.push_str(&e.name);
                self.out.push('>');
            } else {
                if !st.extra_spacing {
                    self.out.push_str(annotation);
                }
                self.out.push_str("</");
                self.out.push_str(&e.name);
                self.out.push('>');
            }
        } else {
            self.out.push_str("/>");
            self.children(e, level);
        }
        self.out.push_str(st.reset);
    }

    fn children(&mut self, e: &AnnotatedElement, level: usize) {
        if Self::formatted(e) {
            let inner = indent(level + 1);
            let first = inner.clone();
            for c in &e.children {
                self.out.push_str(&inner);
                self.node(c, e.access, level + 1, Some(&first));
            }
            self.out.push_str(&indent(level));
        } else {
            // Mixed content stays as it was: no indentation text nodes.
            let first_text = e.children.iter().find_map(|c| match c {
                AnnotatedNode::Text(t) => Some(t.clone()),
                _ => None,
            });
            for c in &e.children {
                self.node(c, e.access, level + 1, first_text.as_deref());
            }
        }
    }

    fn node(&mut self, n: &AnnotatedNode, parent: Access, level: usize, before: Option<&str>) {
        match n {
            AnnotatedNode::Element(c) => self.element(c, Some(parent), level, before),
            AnnotatedNode::Comment { text, .. } => {
                self.out.push_str("<!-- ");
                self.out.push_str(text);
                self.out.push_str(" -->\n");
            }
            AnnotatedNode::Text(t) | AnnotatedNode::CData(t) => self.out.push_str(t),
            AnnotatedNode::Pi { data, .. } => {
                self.out.push_str("<? ");
                self.out.push_str(data);
            }
        }
    }
}

/// Render an annotated CIB (without the final newline cibadmin adds).
pub fn render(doc: &Annotated, how: AclEval) -> String {
    let style = match how {
        AclEval::Text => &TEXT,
        AclEval::Namespace => &NAMESPACE,
        _ => &COLOR,
    };
    let mut r = Renderer {
        style,
        root: &doc.root,
        out: format!("<!-- ACLs as evaluated for user {} -->\n", doc.user),
    };
    r.element(&doc.root, None, 0, None);
    r.out
}
