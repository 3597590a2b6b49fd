//! Formatted output of the scheduler's results (lib/pengine/pe_output.c,
//! lib/pacemaker/pcmk_output.c): cluster status, transition summary,
//! simulation events.
//!
//! [`Out`] is a `pcmk__output_t` that writes into memory: text (plain or
//! `--text-fancy`) or an XML tree. The caller decides where the text goes.
//!
//! - [`status`]: the cluster status (node list, resources, attributes,
//!   fail counts, failed actions).
//! - [`resources`]: one resource (primitive, group, clone, bundle).
//! - [`summary`]: the transition summary (`pcmk__output_actions`).

pub mod events;
pub mod resources;
pub mod status;
pub mod summary;

use pcmk_xml::Element;

/// Which stream a piece of text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Text; `fancy` is `--text-fancy` (indented lists with titles).
    Text { fancy: bool },
    /// `--output-as=xml` with `--xml-simple-list --xml-substitute`.
    Xml,
    /// `--output-as=none`.
    None,
}

struct TextList {
    len: usize,
    nouns: Option<(String, String)>,
}

/// An output object writing into memory.
pub struct Out {
    pub format: Format,
    pub quiet: bool,
    chunks: Vec<(Stream, String)>,
    lists: Vec<TextList>,
    /// XML: the stack of open elements; `xml[0]` is the root.
    xml: Vec<Element>,
    /// Column widths of the transition summary (static in the reference).
    pub rsc_width: usize,
    pub detail_width: usize,
}

/// `--xml-substitute` list names.
const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("Active Resources", "resources"),
    ("Allocation Scores", "allocations"),
    (
        "Allocation Scores and Utilization Information",
        "allocations_utilizations",
    ),
    ("Cluster Summary", "summary"),
    ("Current cluster status", "cluster_status"),
    ("Executing Cluster Transition", "transition"),
    ("Failed Resource Actions", "failures"),
    ("Fencing History", "fence_history"),
    ("Full List of Resources", "resources"),
    ("Inactive Resources", "resources"),
    ("Migration Summary", "node_history"),
    ("Negative Location Constraints", "bans"),
    ("Node Attributes", "node_attributes"),
    ("Operations", "node_history"),
    ("Resource Config", "resource_config"),
    ("Resource Operations", "operations"),
    ("Revised Cluster Status", "revised_cluster_status"),
    ("Timings", "timings"),
    ("Transition Summary", "actions"),
    ("Utilization Information", "utilizations"),
];

fn build(name: &str, attrs: &[(&str, Option<&str>)]) -> Element {
    let mut e = Element::new(name);
    for (k, v) in attrs {
        if let Some(v) = v {
            e.set_attr(k, *v);
        }
    }
    e
}

impl Out {
    pub fn new(format: Format) -> Out {
        Out {
            format,
            quiet: false,
            chunks: Vec::new(),
            lists: Vec::new(),
            xml: vec![Element::new("pacemaker-result")],
            rsc_width: 5,
            detail_width: 5,
        }
    }

    pub fn is_text(&self) -> bool {
        matches!(self.format, Format::Text { .. })
    }

    pub fn is_xml(&self) -> bool {
        self.format == Format::Xml
    }

    fn fancy(&self) -> bool {
        matches!(self.format, Format::Text { fancy: true })
    }

    fn write(&mut self, stream: Stream, s: &str) {
        if let Some((st, last)) = self.chunks.last_mut() {
            if *st == stream {
                last.push_str(s);
                return;
            }
        }
        self.chunks.push((stream, s.to_owned()));
    }

    /// Everything written so far, in order, by stream.
    pub fn take_chunks(&mut self) -> Vec<(Stream, String)> {
        std::mem::take(&mut self.chunks)
    }

    /// `out->is_quiet()`.
    pub fn is_quiet(&self) -> bool {
        match self.format {
            Format::Xml => false,
            _ => self.quiet,
        }
    }

    fn prefix(&self) -> String {
        if !self.fancy() {
            return String::new();
        }
        let level = self.lists.len();
        let mut s = "  ".repeat(level);
        if level > 0 {
            s.push_str("* ");
        }
        s
    }

    /// `pcmk__formatted_printf` (text only).
    pub fn printf(&mut self, s: &str) {
        if self.is_text() {
            self.write(Stream::Stdout, s);
        }
    }

    /// `out->info()`; false when nothing was printed.
    pub fn info(&mut self, s: &str) -> bool {
        if self.is_text() && !self.quiet {
            self.write(Stream::Stdout, &format!("{s}\n"));
            true
        } else {
            false
        }
    }

    /// `out->err()`.
    pub fn err(&mut self, s: &str) {
        match self.format {
            Format::Text { .. } => self.write(Stream::Stderr, &format!("{s}\n")),
            Format::Xml => {
                // collected in the status element by the caller
                self.write(Stream::Stderr, &format!("{s}\n"));
            }
            Format::None => {}
        }
    }

    /// `out->spacer()`.
    pub fn spacer(&mut self) {
        if self.is_text() {
            self.write(Stream::Stdout, "\n");
        }
    }

    /// `out->begin_list()`.
    pub fn begin_list(&mut self, singular: Option<&str>, plural: Option<&str>, title: &str) {
        match self.format {
            Format::Text { fancy } => {
                if fancy {
                    let s = format!("{}{title}:\n", self.prefix());
                    self.write(Stream::Stdout, &s);
                }
                self.lists.push(TextList {
                    len: 0,
                    nouns: singular
                        .zip(plural)
                        .map(|(a, b)| (a.to_owned(), b.to_owned())),
                });
            }
            Format::Xml => {
                let name = SUBSTITUTIONS
                    .iter()
                    .find(|(from, _)| *from == title)
                    .map_or_else(|| title.to_ascii_lowercase(), |(_, to)| (*to).to_owned());
                self.xml.push(Element::new(name));
            }
            Format::None => {}
        }
    }

    /// `out->list_item()`.
    pub fn list_item(&mut self, name: Option<&str>, content: &str) {
        match self.format {
            Format::Text { fancy } => {
                let mut s = self.prefix();
                if let (true, Some(n)) = (fancy, name) {
                    s.push_str(n);
                    s.push_str(": ");
                }
                s.push_str(content);
                s.push('\n');
                self.write(Stream::Stdout, &s);
                if let Some(l) = self.lists.last_mut() {
                    l.len += 1;
                }
            }
            Format::Xml => {
                let mut item = Element::new("item");
                item.children.push(pcmk_xml::Node::Text(content.to_owned()));
                if let Some(n) = name {
                    item.set_attr("name", n);
                }
                self.xml_add(item);
            }
            Format::None => {}
        }
    }

    /// `out->end_list()`.
    pub fn end_list(&mut self) {
        match self.format {
            Format::Text { .. } => {
                if let Some(l) = self.lists.pop() {
                    if let Some((one, many)) = l.nouns {
                        let noun = if l.len == 1 { one } else { many };
                        let s = format!("{}{} {noun} found\n", self.prefix(), l.len);
                        self.write(Stream::Stdout, &s);
                    }
                }
            }
            Format::Xml => {
                if self.xml.len() > 1 {
                    let e = self.xml.pop().expect("open list");
                    self.xml_add(e);
                }
            }
            Format::None => {}
        }
    }

    /// XML: a leaf element under the current parent; attributes whose value
    /// is `None` are left out (`pcmk__output_create_xml_node`).
    pub fn xml_leaf(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        if self.is_xml() {
            let e = build(name, attrs);
            self.xml_add(e);
        }
    }

    /// XML: an element that becomes the parent of what follows
    /// (`pcmk__output_xml_create_parent`), until [`Out::xml_close`].
    pub fn xml_open(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        if self.is_xml() {
            let e = build(name, attrs);
            self.xml.push(e);
        }
    }

    /// XML: close the element opened last.
    pub fn xml_close(&mut self) {
        if self.is_xml() && self.xml.len() > 1 {
            let e = self.xml.pop().expect("open element");
            self.xml_add(e);
        }
    }

    /// Add a finished element under the current XML parent.
    pub fn xml_add(&mut self, e: Element) {
        if let Some(p) = self.xml.last_mut() {
            p.push_element(e);
        }
    }

    /// Open an XML parent element (`pcmk__output_xml_create_parent`).
    pub fn xml_push(&mut self, e: Element) {
        self.xml.push(e);
    }

    /// Close the innermost XML parent.
    pub fn xml_pop(&mut self) {
        self.end_list();
    }

    /// The XML document built so far (root `pacemaker-result`).
    pub fn xml_root(&mut self) -> Element {
        while self.xml.len() > 1 {
            self.end_list();
        }
        self.xml[0].clone()
    }
}

/// Print one line the scheduler produced while scheduling
/// (`node-weight`, `promotion-score`, other list items, `out->info`).
pub fn print_message(out: &mut Out, m: &crate::model::Msg) {
    use crate::model::Msg;
    match m {
        Msg::Score {
            function,
            rsc,
            node,
            score,
        } => {
            if out.is_xml() {
                out.xml_leaf(
                    "node_weight",
                    &[
                        ("function", Some(function)),
                        ("node", Some(node)),
                        ("score", Some(score)),
                        ("id", Some(rsc)),
                    ],
                );
            } else {
                out.list_item(
                    None,
                    &format!("{function}: {rsc} allocation score on {node}: {score}"),
                );
            }
        }
        Msg::Promotion { rsc, node, score } => {
            if out.is_xml() {
                out.xml_leaf(
                    "promotion_score",
                    &[
                        ("id", Some(rsc)),
                        ("score", Some(score)),
                        ("node", node.as_deref()),
                    ],
                );
            } else {
                out.list_item(
                    None,
                    &format!(
                        "{rsc} promotion score on {}: {score}",
                        node.as_deref().unwrap_or("none")
                    ),
                );
            }
        }
        Msg::Item(line) => out.list_item(None, line),
        Msg::Info(line) => {
            out.info(line);
        }
    }
}
