//! Differential test of Atrium's CIB grammars (schemas/) against the
//! reference's (/usr/share/pacemaker): the same documents, validated by
//! libxml2 against "pacemaker-X.Y" from both sources, must get the same
//! verdict.
//!
//! Documents: every CIB of the scheduler corpus (against every known
//! schema version) and mutants of them generated here from a fixed seed
//! (attributes and elements dropped, renamed, added, duplicated, moved;
//! values made out of range or ill-typed; subtrees grafted from other
//! CIBs, which brings features newer than the version under test).
//!
//! Messages are compared too (as multisets: libxml2 prints IDREF
//! failures in hash order); differences in messages are counted and
//! printed, differences in verdicts fail the test.
//!
//! Knobs: ATRIUM_SCHEMA_MUTANTS (number of mutants, default 4000),
//! ATRIUM_SCHEMA_SEED (default 1), ATRIUM_SCHEMA_SHOW (print up to N
//! disagreements in full).
//!
//! Ref: /usr/share/pacemaker/pacemaker-*.rng, cts/scheduler/xml/*.xml

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use atrium_tests::{conformance_dir, skip};
use pcmk_schema::{known, Document, GrammarSource, Schema, Validator};

const REFERENCE_DIR: &str = "/usr/share/pacemaker";

// ---------------------------------------------------------------------
// A minimal XML model, enough to mutate well-formed CIBs.

#[derive(Clone, Debug)]
enum Node {
    El(El),
    Text(String),
}

#[derive(Clone, Debug)]
struct El {
    name: String,
    /// (name, raw escaped value)
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn starts(&self, p: &str) -> bool {
        self.s[self.i..].starts_with(p.as_bytes())
    }

    fn skip_past(&mut self, end: &str) -> Option<()> {
        let pos = self.s[self.i..]
            .windows(end.len())
            .position(|w| w == end.as_bytes())?;
        self.i += pos + end.len();
        Some(())
    }

    fn name(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c.is_ascii_whitespace() || matches!(c, b'=' | b'/' | b'>') {
                break;
            }
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// Skip prolog items (declaration, comments, PIs, doctype).
    fn misc(&mut self) -> Option<()> {
        loop {
            self.skip_ws();
            if self.starts("<?") {
                self.skip_past("?>")?;
            } else if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<!") {
                self.skip_past(">")?;
            } else {
                return Some(());
            }
        }
    }

    fn element(&mut self) -> Option<El> {
        if !self.starts("<") {
            return None;
        }
        self.i += 1;
        let name = self.name()?;
        let mut attrs = Vec::new();
        loop {
            self.skip_ws();
            if self.starts("/>") {
                self.i += 2;
                return Some(El {
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            if self.starts(">") {
                self.i += 1;
                break;
            }
            let an = self.name()?;
            self.skip_ws();
            if !self.starts("=") {
                return None;
            }
            self.i += 1;
            self.skip_ws();
            let q = *self.s.get(self.i)?;
            if q != b'"' && q != b'\'' {
                return None;
            }
            self.i += 1;
            let start = self.i;
            while *self.s.get(self.i)? != q {
                self.i += 1;
            }
            let raw = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
            self.i += 1;
            attrs.push((an, raw));
        }
        let mut children = Vec::new();
        loop {
            if self.starts("</") {
                self.skip_past(">")?;
                return Some(El {
                    name,
                    attrs,
                    children,
                });
            } else if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<?") {
                self.skip_past("?>")?;
            } else if self.starts("<![CDATA[") {
                let start = self.i;
                self.skip_past("]]>")?;
                children.push(Node::Text(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ));
            } else if self.starts("<") {
                children.push(Node::El(self.element()?));
            } else {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != b'<' {
                    self.i += 1;
                }
                if self.i >= self.s.len() {
                    return None;
                }
                let t = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                if !t.trim().is_empty() {
                    children.push(Node::Text(t));
                }
            }
        }
    }
}

fn parse_xml(text: &str) -> Option<El> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.misc()?;
    p.element()
}

fn write_el(e: &El, depth: usize, out: &mut String) {
    out.push_str(&"  ".repeat(depth));
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}=\"{v}\""));
    }
    if e.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for c in &e.children {
        match c {
            Node::El(ch) => write_el(ch, depth + 1, out),
            Node::Text(t) => {
                out.push_str(t);
                out.push('\n');
            }
        }
    }
    out.push_str(&"  ".repeat(depth));
    out.push_str(&format!("</{}>\n", e.name));
}

fn to_xml(e: &El) -> String {
    let mut s = String::new();
    write_el(e, 0, &mut s);
    s
}

// ---------------------------------------------------------------------
// Deterministic pseudo-random numbers (xorshift64*).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

// ---------------------------------------------------------------------
// Mutation.

/// Names and values the grammars use, gathered from the reference's
/// grammar files at run time, plus hostile values.
struct Vocabulary {
    elements: Vec<String>,
    attributes: Vec<String>,
    values: Vec<String>,
}

fn quoted_after(text: &str, marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find(marker) {
        rest = &rest[p + marker.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].trim().to_owned());
        }
    }
    out
}

fn vocabulary(dir: &Path) -> Vocabulary {
    let mut elements = Vec::new();
    let mut attributes = Vec::new();
    let mut values = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rng") {
                let t = std::fs::read_to_string(&p).unwrap_or_default();
                elements.extend(quoted_after(&t, "<element name=\""));
                attributes.extend(quoted_after(&t, "<attribute name=\""));
                let mut rest = t.as_str();
                while let Some(p) = rest.find("<value") {
                    rest = &rest[p..];
                    let (Some(gt), Some(end)) = (rest.find('>'), rest.find("</value>")) else {
                        break;
                    };
                    if gt < end {
                        values.push(rest[gt + 1..end].to_owned());
                    }
                    rest = &rest[end.max(gt)..];
                }
            }
        }
    }
    for v in [
        "",
        " ",
        "-1",
        "0",
        "1",
        "+1",
        " 7 ",
        "1.5",
        "1e3",
        "abc",
        "x y",
        "INFINITY",
        "+INFINITY",
        "-INFINITY",
        "infinity",
        "true",
        "false",
        "yes",
        "on",
        "1-2",
        "a,b",
        "a,,b",
        "9999999999999999999999",
        "-0",
        "P1D",
        "#bad",
        "12abc",
        "Promoted",
        "Master",
        "ocf",
        "normal",
        "remote",
    ] {
        values.push(v.to_owned());
    }
    for v in [&mut elements, &mut attributes, &mut values] {
        v.sort();
        v.dedup();
    }
    Vocabulary {
        elements,
        attributes,
        values,
    }
}

/// Paths (child indexes) of every element under `root`, root excluded.
fn element_paths(e: &El, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, c) in e.children.iter().enumerate() {
        if let Node::El(ch) = c {
            prefix.push(i);
            out.push(prefix.clone());
            element_paths(ch, prefix, out);
            prefix.pop();
        }
    }
}

fn at_mut<'a>(root: &'a mut El, path: &[usize]) -> &'a mut El {
    let mut cur = root;
    for &i in path {
        cur = match &mut cur.children[i] {
            Node::El(e) => e,
            Node::Text(_) => unreachable!("paths only lead through elements"),
        };
    }
    cur
}

fn any_subtree(rng: &mut Rng, donors: &[El]) -> Option<El> {
    let d = rng.pick(donors);
    let mut paths = Vec::new();
    element_paths(d, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        return None;
    }
    let p = rng.pick(&paths).clone();
    let mut d = d.clone();
    Some(at_mut(&mut d, &p).clone())
}

/// Apply one random mutation to `doc` (a <cib> without status).
fn mutate(doc: &mut El, rng: &mut Rng, voc: &Vocabulary, donors: &[El]) {
    let mut paths = Vec::new();
    element_paths(doc, &mut Vec::new(), &mut paths);
    paths.push(Vec::new()); // the root itself
    let path = rng.pick(&paths).clone();
    match rng.below(14) {
        12 => {
            // rename an nvpair (names some versions refuse are in the vocabulary)
            let nvpairs: Vec<&Vec<usize>> = paths
                .iter()
                .filter(|p| at_mut(doc, p).name == "nvpair")
                .collect();
            if !nvpairs.is_empty() {
                let p = rng.pick(&nvpairs).to_vec();
                let name = rng.pick(&voc.values).clone();
                let e = at_mut(doc, &p);
                match e.attrs.iter_mut().find(|(k, _)| k == "name") {
                    Some(slot) => slot.1 = name,
                    None => e.attrs.push(("name".into(), name)),
                }
            }
        }
        13 => {
            // swap two children (order matters in some content models)
            let e = at_mut(doc, &path);
            if e.children.len() >= 2 {
                let a = rng.below(e.children.len());
                let b = rng.below(e.children.len());
                e.children.swap(a, b);
            }
        }
        0 => {
            let e = at_mut(doc, &path);
            if !e.attrs.is_empty() {
                let i = rng.below(e.attrs.len());
                e.attrs.remove(i);
            }
        }
        1 => {
            let e = at_mut(doc, &path);
            if !e.attrs.is_empty() {
                let i = rng.below(e.attrs.len());
                let new = rng.pick(&voc.attributes).clone();
                if !e.attrs.iter().any(|(k, _)| *k == new) {
                    e.attrs[i].0 = new;
                }
            }
        }
        2 => {
            let name = rng.pick(&voc.attributes).clone();
            let value = rng.pick(&voc.values).clone();
            let e = at_mut(doc, &path);
            if !e.attrs.iter().any(|(k, _)| *k == name) {
                e.attrs.push((name, value));
            }
        }
        3 | 4 => {
            let value = rng.pick(&voc.values).clone();
            let e = at_mut(doc, &path);
            if !e.attrs.is_empty() {
                let i = rng.below(e.attrs.len());
                e.attrs[i].1 = value;
            }
        }
        5 => {
            if let Some((&last, parent)) = path.split_last() {
                at_mut(doc, parent).children.remove(last);
            }
        }
        6 => {
            let name = rng.pick(&voc.elements).clone();
            at_mut(doc, &path).name = name;
        }
        7 => {
            if let Some((&last, parent)) = path.split_last() {
                let p = at_mut(doc, parent);
                let copy = p.children[last].clone();
                p.children.insert(last + 1, copy);
            }
        }
        8 => {
            // move an element under another (possibly wrong) parent
            if let Some((&last, parent)) = path.split_last() {
                let moved = at_mut(doc, parent).children.remove(last);
                let mut targets = Vec::new();
                element_paths(doc, &mut Vec::new(), &mut targets);
                targets.push(Vec::new());
                let t = rng.pick(&targets).clone();
                at_mut(doc, &t).children.push(moved);
            }
        }
        9 | 10 => {
            // graft a subtree from another CIB (often a newer feature)
            if let Some(sub) = any_subtree(rng, donors) {
                let e = at_mut(doc, &path);
                let at = rng.below(e.children.len() + 1);
                e.children.insert(at, Node::El(sub));
            }
        }
        _ => {
            // replace a subtree with one of the same name from another CIB
            if let Some(sub) = any_subtree(rng, donors) {
                let mut same = Vec::new();
                for p in &paths {
                    if !p.is_empty() && at_mut(doc, p).name == sub.name {
                        same.push(p.clone());
                    }
                }
                if !same.is_empty() {
                    let p = rng.pick(&same).clone();
                    *at_mut(doc, &p) = sub;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------
// Comparison.

#[derive(Debug)]
struct Outcome {
    valid: bool,
    messages: Vec<String>,
}

fn check(validator: &Validator, text: &str, schema: &Schema) -> Outcome {
    match Document::parse(text, Some("doc.xml")) {
        Err(e) => Outcome {
            valid: false,
            messages: vec![format!("parse: {e}")],
        },
        Ok(mut doc) => match validator.validate(&mut doc, schema) {
            Ok(v) => {
                let mut messages: Vec<String> = v.messages.iter().map(|m| m.to_string()).collect();
                messages.sort();
                Outcome {
                    valid: v.valid,
                    messages,
                }
            }
            Err(e) => panic!("{} cannot be used: {e}", schema.name),
        },
    }
}

#[derive(Default)]
struct Tally {
    compared: AtomicUsize,
    verdict_diffs: AtomicUsize,
    message_diffs: AtomicUsize,
    valid_ref: AtomicUsize,
    shown: Mutex<Vec<String>>,
}

impl Tally {
    fn compare(
        &self,
        ours: &Validator,
        reference: &Validator,
        label: &str,
        text: &str,
        schema: &Schema,
        show: usize,
    ) {
        let a = check(ours, text, schema);
        let b = check(reference, text, schema);
        self.compared.fetch_add(1, Ordering::Relaxed);
        if b.valid {
            self.valid_ref.fetch_add(1, Ordering::Relaxed);
        }
        let verdict_differs = a.valid != b.valid;
        if verdict_differs {
            self.verdict_diffs.fetch_add(1, Ordering::Relaxed);
        } else if a.messages != b.messages {
            self.message_diffs.fetch_add(1, Ordering::Relaxed);
        } else {
            return;
        }
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if shown.len() < show || (verdict_differs && shown.len() < show + 5) {
            shown.push(format!(
                "== {label} against {}: ours {} / reference {}\n-- ours:\n{}\n-- reference:\n{}\n-- document:\n{}",
                schema.name,
                a.valid,
                b.valid,
                a.messages.join("\n"),
                b.messages.join("\n"),
                if verdict_differs { text } else { "(omitted)" },
            ));
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
}

/// Strip the status section (unconstrained by every grammar) to keep mutants small.
fn without_status(mut cib: El) -> El {
    cib.children
        .retain(|c| !matches!(c, Node::El(e) if e.name == "status"));
    cib
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = conformance_dir()?.join("scheduler/xml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    (!files.is_empty()).then_some(files)
}

fn rng_schemas() -> Vec<&'static Schema> {
    known()
        .iter()
        .filter(|s| s.grammar_file().is_some())
        .collect()
}

#[test]
fn schema_corpus_matches_reference() {
    if !Path::new(REFERENCE_DIR).join("pacemaker-3.9.rng").is_file() {
        skip!("{REFERENCE_DIR} has no pacemaker-3.9.rng (reference Pacemaker not installed)");
    }
    let Some(files) = corpus_files() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let ours = Validator::new(GrammarSource::Embedded);
    let reference = Validator::new(GrammarSource::Dir(REFERENCE_DIR.into()));
    let schemas = rng_schemas();
    let show = env_usize("ATRIUM_SCHEMA_SHOW", 3);
    let tally = Tally::default();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads() {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let text = std::fs::read_to_string(f).expect("corpus file is readable");
                let label = f
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                for schema in &schemas {
                    tally.compare(&ours, &reference, &label, &text, schema, show);
                }
            });
        }
    });
    report("corpus", &tally);
}

#[test]
fn schema_mutants_match_reference() {
    if !Path::new(REFERENCE_DIR).join("pacemaker-3.9.rng").is_file() {
        skip!("{REFERENCE_DIR} has no pacemaker-3.9.rng (reference Pacemaker not installed)");
    }
    let Some(files) = corpus_files() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let count = env_usize("ATRIUM_SCHEMA_MUTANTS", 4000);
    let seed = env_usize("ATRIUM_SCHEMA_SEED", 1) as u64;
    let show = env_usize("ATRIUM_SCHEMA_SHOW", 3);
    let voc = vocabulary(Path::new(REFERENCE_DIR));
    let bases: Vec<El> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|t| parse_xml(&t))
        .map(without_status)
        .collect();
    assert!(!bases.is_empty(), "no corpus CIB could be parsed");
    let ours = Validator::new(GrammarSource::Embedded);
    let reference = Validator::new(GrammarSource::Dir(REFERENCE_DIR.into()));
    let schemas = rng_schemas();
    let tally = Tally::default();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads() {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let mut rng =
                    Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64 + 1)).max(1));
                for _ in 0..4 {
                    rng.next();
                }
                let mut doc = rng.pick(&bases).clone();
                let rounds = 1 + rng.below(3);
                for _ in 0..rounds {
                    mutate(&mut doc, &mut rng, &voc, &bases);
                }
                let text = to_xml(&doc);
                // Four versions per mutant, spread over the whole range.
                for k in 0..4 {
                    let band = schemas.len() / 4;
                    let schema = schemas[(k * band + rng.below(band)).min(schemas.len() - 1)];
                    tally.compare(
                        &ours,
                        &reference,
                        &format!("mutant {i} (seed {seed})"),
                        &text,
                        schema,
                        show,
                    );
                }
            });
        }
    });
    report("mutants", &tally);
}

fn report(what: &str, tally: &Tally) {
    let shown = tally.shown.lock().unwrap_or_else(|p| p.into_inner());
    for s in shown.iter() {
        eprintln!("{s}");
    }
    let compared = tally.compared.load(Ordering::Relaxed);
    let verdicts = tally.verdict_diffs.load(Ordering::Relaxed);
    eprintln!(
        "schema differential ({what}): {compared} validations compared, {} valid for the reference, \
         {verdicts} verdict disagreements, {} message-only disagreements",
        tally.valid_ref.load(Ordering::Relaxed),
        tally.message_diffs.load(Ordering::Relaxed),
    );
    assert!(compared > 0, "nothing was compared");
    assert_eq!(
        verdicts, 0,
        "{verdicts} documents got a different verdict from our grammars"
    );
}

/// One feature per document, each checked against every version: every
/// point where the grammars change between versions is exercised at least
/// once, whatever the mutants happen to hit.
#[test]
fn schema_features_match_reference() {
    if !Path::new(REFERENCE_DIR).join("pacemaker-3.9.rng").is_file() {
        skip!("{REFERENCE_DIR} has no pacemaker-3.9.rng (reference Pacemaker not installed)");
    }
    const PRIM: &str = r#"<primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/>"#;
    // (section, content): content is placed inside <section>…</section>
    let features: &[(&str, &str)] = &[
        (
            "crm_config",
            r#"<cluster_property_set id="c"><nvpair id="c1" name="cluster-infrastructure" value="cman"/></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c"><nvpair id="c1" name="cluster-infrastructure" value="corosync"/></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c"><nvpair id="c1" name=" dc_deadtime " value="5s"/></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c"><nvpair id="c1" name="stonith-enabled" value="false"/><nvpair id-ref="c1"/></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c" score="10"><rule id="cr" score="0"><expression id="ce" attribute="site" operation="eq" value="n1" type="integer"/></rule></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c"><rule id="cr" boolean-op="and"><date_expression id="cd" operation="in_range" start="2020-01-01"><duration id="cdu" days="1"/></date_expression></rule></cluster_property_set>"#,
        ),
        (
            "crm_config",
            r#"<cluster_property_set id="c"><rule id="cr" score="1"><date_expression id="cd" operation="date_spec"><date_spec id="cds" hours="9-17" minutes="5"/></date_expression></rule></cluster_property_set>"#,
        ),
        (
            "rsc_defaults",
            r#"<meta_attributes id="m"><rule id="mr" score="0"><rsc_expression id="mre" class="ocf" type="Dummy"/></rule><nvpair id="m1" name="target-role" value="Started"/></meta_attributes>"#,
        ),
        (
            "op_defaults",
            r#"<meta_attributes id="m"><rule id="mr" score="0"><op_expression id="moe" name="monitor" interval="10s"/></rule><nvpair id="m1" name="timeout" value="20s"/></meta_attributes>"#,
        ),
        ("nodes", r#"<node id="1" uname="n1" type="normal"/>"#),
        ("nodes", r#"<node id="1" uname="n1" type="remote"/>"#),
        (
            "nodes",
            r#"<node id="1" uname="n1" score="5"><utilization id="u"><nvpair id="u1" name="cpu" value="2"/></utilization></node>"#,
        ),
        (
            "nodes",
            r#"<node id="1" uname="n1" type="member"><instance_attributes id="i"><rule id="ir" score="0"><expression id="ie" attribute="a" operation="eq" value="1" value-source="param"/></rule></instance_attributes></node>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="m"><nvpair id="m1" name="isolation" value="x"/></meta_attributes></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="stonith" type="fence_x"><instance_attributes id="i"><nvpair id="i1" name="pcmk_arg_map" value="x"/></instance_attributes></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="systemd" type="x"><operations><op id="o" name="monitor" interval="10s" requires="unfencing"/></operations></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="lsb" type="x"><operations><op id="o" name="monitor" interval="10s" on-fail="demote" role="Promoted"/></operations></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="lsb" type="x"><operations><op id="o" name="monitor" interval="10s"><meta_attributes id="om"><nvpair id="om1" name="requires" value="quorum"/></meta_attributes></op></operations></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="lsb" type="x"><operations><op id="o" name="monitor" interval="10s"><instance_attributes id="oi"><nvpair id="oi1" name="timeout" value="1"/></instance_attributes></op></operations></primitive>"#,
        ),
        (
            "resources",
            r#"<primitive id="r1" class="ocf" provider="p" type="x"><operations><op id="o" name="start" interval="0" on-fail="restart-container"/></operations><utilization id="u"><nvpair id="u1" name="cpu" value="1"/></utilization></primitive>"#,
        ),
        (
            "resources",
            r#"<template id="t" class="service" type="x"/><primitive id="r1" template="t"/>"#,
        ),
        (
            "resources",
            r#"<bundle id="b"><docker image="i" promoted-max="1"/><network add-host="true" control-port="3121"><port-mapping id="pm" range="1-5"/></network><storage><storage-mapping id="s" source-dir="/a" target-dir="/b"/></storage></bundle>"#,
        ),
        (
            "resources",
            r#"<bundle id="b"><podman image="i" masters="1"/></bundle>"#,
        ),
        (
            "resources",
            r#"<bundle id="b"><rkt image="i" replicas="2"/></bundle>"#,
        ),
        (
            "resources",
            r#"<clone id="c"><primitive id="r1" class="ocf" provider="p" type="x"/><meta_attributes id="cm"><nvpair id="cm1" name="promotable" value="true"/></meta_attributes></clone><master id="ms"><group id="g"><primitive id="r2" class="heartbeat" type="x"/></group></master>"#,
        ),
        (
            "constraints",
            r#"<rsc_location id="l" rsc-pattern="r.*" node="n1" score="INFINITY" resource-discovery="never"/>"#,
        ),
        (
            "constraints",
            r#"<rsc_location id="l" rsc="r1" role="Promoted"><rule id="lr" score="-INFINITY"><expression id="le" attribute="a" operation="defined"/></rule><lifetime><rule id="ltr" score="0"><date_expression id="ld" operation="lt" end="2030-01-01"/></rule></lifetime></rsc_location>"#,
        ),
        (
            "constraints",
            r#"<rsc_location id="l" node="n1" score="5"><resource_set id="s" ordering="listed" require-all="false" kind="Optional"><resource_ref id="r1"/></resource_set></rsc_location>"#,
        ),
        (
            "constraints",
            r#"<rsc_colocation id="c" rsc="r1" with-rsc="r1" score-attribute="a"/>"#,
        ),
        (
            "constraints",
            r#"<rsc_colocation id="c" rsc="r1" with-rsc="r1" score="10" influence="false" rsc-role="Unpromoted" rsc-instance="1"/>"#,
        ),
        (
            "constraints",
            r#"<rsc_order id="o" first="r1" then="r1" kind="Serialize" require-all="true" symmetrical="false" first-instance="2"/>"#,
        ),
        (
            "constraints",
            r#"<rsc_ticket id="t" rsc="r1" ticket="tk" loss-policy="fence"/>"#,
        ),
        (
            "fencing-topology",
            r#"<fencing-level id="f" target-attribute="a" target-value="v" index="1" devices="d1,d2"/>"#,
        ),
        (
            "fencing-topology",
            r#"<fencing-level id="f" target-pattern="n.*" index="0" devices="d1"/>"#,
        ),
        (
            "fencing-topology",
            r#"<fencing-level id="f" target="n1" index="2" devices="d1,,d2"/>"#,
        ),
        ("acls", r#"<acl_user id="u"><role_ref id="r1"/></acl_user>"#),
        (
            "acls",
            r#"<acl_target id="u" name="user"><role id="ar"/></acl_target><acl_group id="g" name="grp"/><acl_role id="ar"><acl_permission id="p" kind="read" object-type="primitive" attribute="x"/></acl_role>"#,
        ),
        ("tags", r#"<tag id="t"><obj_ref id="nothing-here"/></tag>"#),
        ("tags", r#"<tag id="t"><obj_ref id="r1"/></tag>"#),
        (
            "alerts",
            r#"<alert id="a" path="/x"><select><select_attributes><attribute id="sa" name="standby"/></select_attributes><select_fencing/></select><recipient id="ar" value="v"/></alert>"#,
        ),
        (
            "alerts",
            r#"<alert id="a" path="/x"><meta_attributes id="am"><rule id="amr" score="0"><rsc_expression id="amre" type="x"/></rule><nvpair id="am1" name="timeout" value="1"/></meta_attributes></alert>"#,
        ),
    ];
    let ours = Validator::new(GrammarSource::Embedded);
    let reference = Validator::new(GrammarSource::Dir(REFERENCE_DIR.into()));
    let show = env_usize("ATRIUM_SCHEMA_SHOW", 3);
    let tally = Tally::default();
    let mut differently_judged = 0;
    for (i, (section, content)) in features.iter().enumerate() {
        let mut sections = vec![
            ("crm_config", String::new()),
            ("rsc_defaults", String::new()),
            ("op_defaults", String::new()),
            ("nodes", String::new()),
            ("resources", PRIM.to_owned()),
            ("constraints", String::new()),
            ("fencing-topology", String::new()),
            ("acls", String::new()),
            ("tags", String::new()),
            ("alerts", String::new()),
        ];
        for (name, body) in &mut sections {
            if name == section {
                if *name == "resources" && content.contains("id=\"r1\"") {
                    body.clear();
                }
                body.push_str(content);
            }
        }
        let mut doc =
            String::from(r#"<cib admin_epoch="0" epoch="1" num_updates="0"><configuration>"#);
        for (name, body) in &sections {
            // optional sections appear only when used (they do not exist in old versions)
            let always = matches!(*name, "crm_config" | "nodes" | "resources" | "constraints");
            if always || !body.is_empty() {
                doc.push_str(&format!("<{name}>{body}</{name}>"));
            }
        }
        doc.push_str("</configuration></cib>");
        let verdicts: Vec<bool> = rng_schemas()
            .iter()
            .map(|schema| {
                tally.compare(
                    &ours,
                    &reference,
                    &format!("feature {i}"),
                    &doc,
                    schema,
                    show,
                );
                check(&reference, &doc, schema).valid
            })
            .collect();
        let profile: String = verdicts
            .iter()
            .map(|v| if *v { '+' } else { '.' })
            .collect();
        eprintln!("feature {i:2} {profile} {section}");
        if verdicts.iter().any(|v| *v) && verdicts.iter().any(|v| !*v) {
            differently_judged += 1;
        }
    }
    report("features", &tally);
    // The features must discriminate between versions, or they test nothing.
    assert!(
        differently_judged * 2 >= features.len(),
        "only {differently_judged} of {} features are valid for some versions and not others",
        features.len()
    );
}

/// Our libxml2 binding gives the verdicts `xmllint --relaxng` gives (the
/// other tests compare grammars through the binding only).
#[test]
fn schema_binding_matches_xmllint() {
    let Some(xmllint) = ["/usr/bin/xmllint", "/bin/xmllint"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        skip!("xmllint is not installed");
    };
    if !Path::new(REFERENCE_DIR).join("pacemaker-3.9.rng").is_file() {
        skip!("{REFERENCE_DIR} has no pacemaker-3.9.rng (reference Pacemaker not installed)");
    }
    let Some(files) = corpus_files() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let sample: Vec<&PathBuf> = files.iter().step_by(files.len() / 24 + 1).collect();
    let reference = Validator::new(GrammarSource::Dir(REFERENCE_DIR.into()));
    let mut compared = 0;
    let mut invalid = 0;
    for name in [
        "pacemaker-1.2",
        "pacemaker-2.10",
        "pacemaker-3.0",
        "pacemaker-3.9",
    ] {
        let schema = pcmk_schema::by_name(name).expect("known schema");
        let grammar = Path::new(REFERENCE_DIR).join(format!("{name}.rng"));
        let mut args = vec![
            "--noout".to_owned(),
            "--relaxng".to_owned(),
            grammar.display().to_string(),
        ];
        args.extend(sample.iter().map(|p| p.display().to_string()));
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = atrium_tests::run(xmllint, &arg_refs, None);
        for file in &sample {
            let shown = file.display().to_string();
            let by_xmllint = if out.stderr.contains(&format!("{shown} validates")) {
                true
            } else if out.stderr.contains(&format!("{shown} fails to validate")) {
                false
            } else {
                panic!("xmllint said nothing about {shown}: {}", out.stderr);
            };
            let text = std::fs::read_to_string(file).expect("corpus file is readable");
            let ours = check(&reference, &text, schema).valid;
            assert_eq!(ours, by_xmllint, "{shown} against {name}");
            compared += 1;
            invalid += usize::from(!ours);
        }
    }
    eprintln!("schema binding vs xmllint: {compared} verdicts agree ({invalid} invalid)");
    assert!(
        invalid > 0 && invalid < compared,
        "the sample must hold valid and invalid cases"
    );
}
