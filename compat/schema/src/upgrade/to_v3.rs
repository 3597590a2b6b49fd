//! The 2.x → 3.0 upgrade proper (the reference's `upgrade-2.10.xsl`),
//! over a [`pcmk_xml::Element`] tree (pure).
//!
//! What it does, in short (the details are in [`super::tables`]):
//! - cluster properties: legacy names renamed, obsolete ones dropped,
//!   defaults moved to `op_defaults`/`rsc_defaults` (created if missing);
//! - nodes of type "normal" become "member";
//! - primitives and templates: isolation meta-attributes become
//!   `target-role=Stopped`, fence-device parameters renamed; operation
//!   `requires` moves to the resource's meta-attributes (start/promote
//!   only), operation attributes given as instance attributes move to the
//!   operation's meta-attributes;
//! - colocations lose `score-attribute` and `score-attribute-mangle`;
//! - `validate-with` becomes "pacemaker-3.0".
//!
//! The port follows the stylesheet template by template, including its
//! two-pass style (a simulation deciding whether anything would be
//! emitted, then the real pass) and its corner cases: sets left empty are
//! removed, comments right before a kept name/value pair travel with it,
//! and where several renamed pairs would clash only the one the
//! stylesheet's bookkeeping selects survives. Input is expected to be
//! valid against pacemaker-2.10 (the reference only transforms such
//! documents) and free of whitespace text (it parses without blanks).

use pcmk_xml::{Element, Node};

use super::tables::{
    Rule, Table, CLUSTER_NODE, CLUSTER_PROPERTIES, CONSTRAINTS_COLOCATION,
    RESOURCE_INSTANCE_ATTRIBUTES, RESOURCE_META_ATTRIBUTES,
};
use super::xslt::{
    denormalized_space, generate_id, has_child, marked, normalize_space, shallow, substring_before,
    Prod,
};

/// Value the stylesheets pass to ask a template to log what it changes.
const TRIGGER_MSG: &str = "TRIGGER-MSG";
/// Value marking a nested look-ahead simulation (no further look-ahead).
const TRIGGER_RECURSION: &str = "TRIGGER-RECURSION";

/// Apply the transformation to a whole CIB; returns the new root and the
/// messages the reference would log.
pub(crate) fn upgrade(cib: &Element) -> (Element, Vec<String>) {
    let mut t = Main::default();
    let mut out = t.element(cib);
    let root = match out.pop() {
        Some(Node::Element(e)) if out.is_empty() => e,
        // Invariant: only cluster_property_set elements can vanish, and a
        // document root never is one after validation against 2.10; keep
        // the input rather than lose it.
        _ => cib.clone(),
    };
    (root, t.messages)
}

/// Where the "inverse mode" of cluster property processing sends moved
/// properties.
#[derive(Clone, Copy)]
enum Inverse<'a> {
    /// Not inverse: process the set in place.
    No,
    /// Properties moving to the given defaults section, to be created.
    Variant(&'a str),
    /// Properties moving into these existing (rule-less) meta-attribute
    /// sets of the defaults section `parent`.
    Sets(&'a [&'a Element], &'a str),
}

impl Inverse<'_> {
    fn active(&self) -> bool {
        !matches!(self, Inverse::No)
    }
}

/// A primitive or template and its `<operations>` element.
#[derive(Clone, Copy)]
struct Rsc<'a> {
    rsc: &'a Element,
    ops: &'a Element,
}

impl<'a> Rsc<'a> {
    fn op(&self, index: usize) -> &'a Element {
        element_at(self.ops, index)
    }

    fn op_indexes(&self) -> Vec<usize> {
        child_indexes(self.ops, |e| e.name() == "op")
    }

    /// Whether a rule-less meta-attribute set of the resource already
    /// defines `name`.
    fn meta_defines(&self, name: &str) -> bool {
        self.rsc.elements_named("meta_attributes").any(|m| {
            !has_child(m, "rule")
                && m.elements_named("nvpair")
                    .any(|p| p.attr("name") == Some(name))
        })
    }
}

fn element_at(parent: &Element, index: usize) -> &Element {
    match &parent.children[index] {
        Node::Element(e) => e,
        // Invariant: indexes come from child_indexes / enumerate over
        // element children of the same parent.
        _ => unreachable!("index {index} of <{}> is not an element", parent.name()),
    }
}

fn child_indexes(parent: &Element, keep: impl Fn(&Element) -> bool) -> Vec<usize> {
    parent
        .children
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Node::Element(e) if keep(e) => Some(i),
            _ => None,
        })
        .collect()
}

fn is_set(e: &Element, name: &str, with_rule: bool) -> bool {
    e.name() == name && has_child(e, "rule") == with_rule
}

/// `<xsl:copy>` of an nvpair with its name (and maybe value) rewritten.
fn renamed(pair: &Element, rule: &Rule) -> Element {
    let mut out = Element::new(pair.name());
    for a in pair.attrs() {
        let value = if a.name == "name" {
            rule.with.to_owned()
        } else if a.name == "value" && rule.redefined_as.is_some_and(|v| !v.is_empty()) {
            rule.redefined_as.unwrap_or_default().to_owned()
        } else if a.name == "value" && rule.droppable_prefix.is_some_and(|p| !p.is_empty()) {
            let prefix = rule.droppable_prefix.unwrap_or_default();
            super::xslt::substring_after(&a.value, prefix).to_owned()
        } else {
            a.value.clone()
        };
        out.set_attr(&a.name, value);
    }
    out
}

/// Text node handling shared by the set-processing templates (only
/// relevant for documents with text between elements).
fn text_node(parent: &Element, index: usize, text: &str, inner_pass: &str, out: &mut Prod) {
    let next_is_pair = parent.children[index + 1..]
        .iter()
        .find_map(|n| match n {
            Node::Element(e) => Some(e.name() == "nvpair"),
            _ => None,
        })
        .unwrap_or(false);
    let kept = if marked(inner_pass) && !next_is_pair {
        text.to_owned()
    } else {
        normalize_space(text)
    };
    if !kept.is_empty() {
        out.push(Node::Text(kept));
    }
}

#[derive(Default)]
struct Main {
    messages: Vec<String>,
}

impl Main {
    fn log(&mut self, table: &Table, rule: Option<&Rule>, context: &str) {
        if let Some(rule) = rule {
            self.messages.extend(table.messages(rule, context));
        }
    }

    /// `apply-templates` in the main mode on one node.
    fn node(&mut self, node: &Node) -> Vec<Node> {
        match node {
            Node::Element(e) => self.element(e),
            other => vec![other.clone()],
        }
    }

    fn element(&mut self, e: &Element) -> Vec<Node> {
        let one = |e: Element| vec![Node::Element(e)];
        match e.name() {
            "cib" => {
                let mut out = shallow(e);
                out.set_attr("validate-with", "pacemaker-3.0");
                out.children = self.children(e);
                one(out)
            }
            "configuration" => one(self.configuration(e)),
            "cluster_property_set" => self.cluster_property_set(e),
            "rsc_colocation" => one(self.colocation(e)),
            "node" => one(self.cluster_node(e)),
            "primitive" | "template" => one(self.resource(e)),
            _ => one(self.identity(e)),
        }
    }

    fn children(&mut self, e: &Element) -> Vec<Node> {
        e.children.iter().flat_map(|c| self.node(c)).collect()
    }

    /// `HelperIdentity`: copy, with the main mode applied below.
    fn identity(&mut self, e: &Element) -> Element {
        let mut out = shallow(e);
        out.children = self.children(e);
        out
    }

    // ---- cluster properties -------------------------------------------

    fn cluster_property_set(&mut self, set: &Element) -> Vec<Node> {
        let sim = self.cluster_properties(&[set], Inverse::No, true, Some(TRIGGER_MSG));
        if !sim.marked() {
            return Vec::new();
        }
        let real = self.cluster_properties(&[set], Inverse::No, false, Some(&sim.text));
        real.into_element(shallow(set)).nodes
    }

    /// `ProcessClusterProperties` over the children of `sets`.
    fn cluster_properties(
        &mut self,
        sets: &[&Element],
        inverse: Inverse<'_>,
        sim: bool,
        inner_pass: Option<&str>,
    ) -> Prod {
        let inner_pass = match inner_pass {
            Some(p) => p.to_owned(),
            None if sim => String::new(),
            None => self.cluster_properties(sets, inverse, true, None).text,
        };
        let mut out = Prod::new();
        for set in sets {
            for (i, child) in set.children.iter().enumerate() {
                match child {
                    Node::Text(t) | Node::CData(t) => text_node(set, i, t, &inner_pass, &mut out),
                    Node::Element(pair) if pair.name() == "nvpair" => {
                        let rule = CLUSTER_PROPERTIES.find(pair.attr("name"), pair.attr("value"));
                        if inner_pass == TRIGGER_MSG {
                            self.log(&CLUSTER_PROPERTIES, rule, pair.id().unwrap_or(""));
                        }
                        match rule {
                            Some(r) if r.drops() => {
                                if r.place.is_some() && moves_into(inverse, r) {
                                    denormalized_space(set, i, sim, &mut out);
                                    out.push(Node::Element(renamed(pair, r)));
                                }
                            }
                            _ if inverse.active() => {}
                            Some(r) => {
                                denormalized_space(set, i, sim, &mut out);
                                out.push(Node::Element(renamed(pair, r)));
                            }
                            None => {
                                denormalized_space(set, i, sim, &mut out);
                                out.push(Node::Element(self.identity(pair)));
                            }
                        }
                    }
                    Node::Comment(_) => {}
                    other if inverse.active() => {
                        let _ = other;
                    }
                    other => {
                        for n in self.node(other) {
                            out.push(n);
                        }
                    }
                }
            }
        }
        out
    }

    /// `ProcessDefaultsNonruleClusterProperties`: the rule-less cluster
    /// properties that move to `variant` (op_defaults or rsc_defaults).
    fn defaults_properties(&mut self, conf: &Element, variant: &str, sim: bool) -> Prod {
        let sources: Vec<&Element> = conf
            .elements_named("crm_config")
            .flat_map(|c| c.elements_named("cluster_property_set"))
            .filter(|s| !has_child(s, "rule"))
            .collect();
        let targets: Vec<&Element> = conf
            .elements_named(variant)
            .flat_map(|d| d.elements_named("meta_attributes"))
            .filter(|m| !has_child(m, "rule"))
            .collect();
        let inverse = if targets.is_empty() {
            Inverse::Variant(variant)
        } else {
            Inverse::Sets(&targets, variant)
        };
        self.cluster_properties(&sources, inverse, sim, None)
    }

    fn configuration(&mut self, conf: &Element) -> Element {
        let op_moves = self.defaults_properties(conf, "op_defaults", true);
        let rsc_moves = self.defaults_properties(conf, "rsc_defaults", true);
        let mut out = shallow(conf);
        for child in &conf.children {
            match child {
                Node::Element(d) if matches!(d.name(), "op_defaults" | "rsc_defaults") => {
                    let mut copy = shallow(d);
                    let mut first_plain_seen = false;
                    for y in &d.children {
                        let Node::Element(set) = y else {
                            copy.children.push(y.clone());
                            continue;
                        };
                        let mut item = self.identity(set);
                        if set.name() == "meta_attributes"
                            && !has_child(set, "rule")
                            && !first_plain_seen
                        {
                            first_plain_seen = true;
                            let moved = self.defaults_properties(conf, d.name(), false);
                            item.children.extend(moved.nodes);
                        }
                        // (The stylesheet also looks for rule-driven cluster
                        // properties here, relative to the wrong node: it
                        // never finds any.)
                        copy.children.push(Node::Element(item));
                    }
                    out.children.push(Node::Element(copy));
                }
                other => {
                    let nodes = self.node(other);
                    out.children.extend(nodes);
                }
            }
        }
        for (variant, moves, set_id) in [
            ("op_defaults", op_moves, "_2TO3_-op-defaults"),
            ("rsc_defaults", rsc_moves, "_2TO3_-rsc-defaults"),
        ] {
            if conf.first_element(variant).is_none() && moves.marked() {
                let moved = self.defaults_properties(conf, variant, false);
                let set =
                    moved.into_element(Element::new("meta_attributes").with_attr("id", set_id));
                let mut defaults = Element::new(variant);
                defaults.children.extend(set.nodes);
                out.children.push(Node::Element(defaults));
            }
        }
        out
    }

    // ---- nodes and colocations ------------------------------------------

    fn cluster_node(&mut self, node: &Element) -> Element {
        let mut out = Element::new(node.name());
        let context = format!(
            "{} (id={})",
            node.attr("uname").unwrap_or(""),
            node.id().unwrap_or("")
        );
        for a in node.attrs() {
            let rule = CLUSTER_NODE.find(Some(&a.name), Some(&a.value));
            self.log(&CLUSTER_NODE, rule, &context);
            match rule {
                Some(r) if r.with.is_empty() => {}
                Some(r) => out.set_attr(r.with, r.redefined_as.unwrap_or(&a.value)),
                None => out.set_attr(&a.name, a.value.clone()),
            }
        }
        out.children = self.children(node);
        out
    }

    fn colocation(&mut self, colocation: &Element) -> Element {
        let mut out = Element::new(colocation.name());
        let id = colocation.id().unwrap_or("").to_owned();
        for a in colocation.attrs() {
            let rule = CONSTRAINTS_COLOCATION.find(Some(&a.name), None);
            self.log(&CONSTRAINTS_COLOCATION, rule, &id);
            match rule {
                Some(r) if r.with.is_empty() => {}
                Some(r) => out.set_attr(r.with, a.value.clone()),
                None => out.set_attr(&a.name, a.value.clone()),
            }
        }
        out.children = self.children(colocation);
        out
    }

    // ---- primitives and templates ---------------------------------------

    fn resource(&mut self, rsc: &Element) -> Element {
        let mut out = shallow(rsc);
        for (i, child) in rsc.children.iter().enumerate() {
            let Node::Element(c) = child else {
                out.children.push(child.clone());
                continue;
            };
            match c.name() {
                "operations" => {
                    let r = Rsc { rsc, ops: c };
                    let mut ops = shallow(c);
                    for (j, o) in c.children.iter().enumerate() {
                        match o {
                            Node::Element(op) if op.name() == "op" => {
                                ops.children
                                    .extend(self.op_attributes(r, j, false, false, None).nodes);
                            }
                            other => {
                                let nodes = self.node(other);
                                ops.children.extend(nodes);
                            }
                        }
                    }
                    out.children.push(Node::Element(ops));
                }
                "instance_attributes" => {
                    let sim = self.resource_instance(c, true, TRIGGER_MSG);
                    if sim.marked() {
                        let real = self.resource_instance(c, false, &sim.text);
                        out.children.extend(real.into_element(shallow(c)).nodes);
                    }
                }
                "meta_attributes" => {
                    let sim = self.resource_meta(rsc, i, true, TRIGGER_MSG);
                    if sim.marked() {
                        let real = self.resource_meta(rsc, i, false, &sim.text);
                        out.children.extend(real.into_element(shallow(c)).nodes);
                    }
                }
                _ => {
                    let nodes = self.node(child);
                    out.children.extend(nodes);
                }
            }
        }

        // Operation attributes that become resource meta-attributes.
        let all_ops: Vec<(Rsc<'_>, usize)> = rsc
            .elements_named("operations")
            .flat_map(|ops| {
                let r = Rsc { rsc, ops };
                r.op_indexes().into_iter().map(move |j| (r, j))
            })
            .collect();
        let mut propagated = Prod::new();
        for &(r, j) in &all_ops {
            propagated.extend(self.op_attributes(r, j, true, true, Some(TRIGGER_MSG)));
        }
        if propagated.marked() {
            let mut set = Element::new("meta_attributes")
                .with_attr("id", format!("_2TO3_{}-meta", rsc.id().unwrap_or("")));
            for &(r, j) in &all_ops {
                set.children
                    .extend(self.op_attributes(r, j, true, false, None).nodes);
            }
            out.push_element(set);
        }

        // Operation meta-attributes (and instance attributes) that become
        // resource meta-attributes.
        for &(r, j) in &all_ops {
            let op = r.op(j);
            for k in child_indexes(op, |e| {
                matches!(e.name(), "meta_attributes" | "instance_attributes")
            }) {
                let sim = self.op_meta(r, j, k, true, true, None);
                if !sim.marked() {
                    continue;
                }
                let source = element_at(op, k);
                let mut set = Element::new("meta_attributes");
                for a in source.attrs().iter().filter(|a| a.name != "id") {
                    set.set_attr(&a.name, a.value.clone());
                }
                set.set_attr("id", format!("_2TO3_{}", source.id().unwrap_or("")));
                for c in &source.children {
                    if !matches!(c, Node::Element(e) if e.name() == "nvpair") {
                        let nodes = self.node(c);
                        set.children.extend(nodes);
                    }
                }
                set.children
                    .extend(self.op_meta(r, j, k, true, false, Some(&sim.text)).nodes);
                out.push_element(set);
            }
        }
        out
    }

    /// `ProcessRscInstanceAttributes`.
    fn resource_instance(&mut self, set: &Element, sim: bool, inner_pass: &str) -> Prod {
        let mut out = Prod::new();
        for (i, child) in set.children.iter().enumerate() {
            match child {
                Node::Text(t) | Node::CData(t) => text_node(set, i, t, inner_pass, &mut out),
                Node::Element(pair) if pair.name() == "nvpair" => {
                    let rule =
                        RESOURCE_INSTANCE_ATTRIBUTES.find(pair.attr("name"), pair.attr("value"));
                    if inner_pass == TRIGGER_MSG {
                        self.log(&RESOURCE_INSTANCE_ATTRIBUTES, rule, pair.id().unwrap_or(""));
                    }
                    match rule {
                        Some(r) if r.with.is_empty() => {}
                        Some(r) => {
                            denormalized_space(set, i, sim, &mut out);
                            out.push(Node::Element(renamed(pair, r)));
                        }
                        None => {
                            denormalized_space(set, i, sim, &mut out);
                            out.push(Node::Element(self.identity(pair)));
                        }
                    }
                }
                other => {
                    for n in self.node(other) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }

    /// `ProcessRscMetaAttributes` for the set at child `index` of `rsc`.
    fn resource_meta(&mut self, rsc: &Element, index: usize, sim: bool, inner_pass: &str) -> Prod {
        let set = element_at(rsc, index);
        let mut out = Prod::new();
        for (i, child) in set.children.iter().enumerate() {
            match child {
                Node::Text(t) | Node::CData(t) => text_node(set, i, t, inner_pass, &mut out),
                Node::Element(pair) if pair.name() == "nvpair" => {
                    let rule = RESOURCE_META_ATTRIBUTES.find(pair.attr("name"), pair.attr("value"));
                    if inner_pass == TRIGGER_MSG {
                        let context = format!(
                            "{} (meta={})",
                            rsc.id().unwrap_or(""),
                            set.id().unwrap_or("")
                        );
                        self.log(&RESOURCE_META_ATTRIBUTES, rule, &context);
                    }
                    match rule {
                        Some(r) if r.with.is_empty() => {}
                        Some(r) if sim => {
                            out.mark(&format!("{}@{} ", generate_id(pair), r.with));
                        }
                        Some(r) => {
                            // Which pair wins when several would take the same
                            // name: the stylesheet's look-ahead over this and
                            // the following rule-less sets.
                            let mut ahead = String::new();
                            if inner_pass != TRIGGER_RECURSION {
                                for k in child_indexes(rsc, |e| is_set(e, "meta_attributes", false))
                                {
                                    if k >= index {
                                        ahead.push_str(
                                            &self
                                                .resource_meta(rsc, k, true, TRIGGER_RECURSION)
                                                .text,
                                        );
                                    }
                                }
                            }
                            let first = substring_before(&ahead, &format!("@{}", r.with));
                            if !ahead.contains(&format!("{} ", r.with))
                                || generate_id(pair) == first
                            {
                                denormalized_space(set, i, sim, &mut out);
                                out.push(Node::Element(renamed(pair, r)));
                            }
                        }
                        None => {
                            denormalized_space(set, i, sim, &mut out);
                            out.push(Node::Element(self.identity(pair)));
                        }
                    }
                }
                other => {
                    for n in self.node(other) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }
}

/// Whether a property moved by `rule` lands in the inverse-mode target.
fn moves_into(inverse: Inverse<'_>, rule: &Rule) -> bool {
    match inverse {
        Inverse::No => false,
        Inverse::Variant(v) => rule.place == Some(v),
        Inverse::Sets(sets, parent) => {
            let defined = sets.iter().any(|s| {
                s.elements_named("nvpair")
                    .any(|p| p.attr("name") == Some(rule.with))
            });
            !defined && rule.place == Some(parent)
        }
    }
}

mod operations;
