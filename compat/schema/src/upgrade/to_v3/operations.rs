//! Operations in the 2.x → 3.0 upgrade: the stylesheet templates
//! `ProcessAttrOpMetaAttributes`, `ProcessOpInstanceAttributes` and
//! `ProcessNonattrOpMetaAttributes` (pure).
//!
//! An operation loses its `requires` attribute (kept, for start and
//! promote, as a meta-attribute of the resource unless already set there),
//! its instance attributes naming operation options (timeout, on-fail,
//! ...) move to its meta-attributes, and `requires` given as an operation
//! meta- or instance attribute moves up to the resource too.

use pcmk_xml::{Element, Node};

use super::{child_indexes, element_at, is_set, text_node, Main, Rsc, TRIGGER_MSG};
use crate::upgrade::tables::{OPERATION_INSTANCE_ATTRIBUTES, RESOURCES_OPERATION};
use crate::upgrade::xslt::{denormalized_space, marked, shallow, substring_after, Prod};

/// `substring-after(concat(string($InnerSimulation), 'TRIGGER-MSG'), 'true')`:
/// log only from the simulation.
fn msg_if(sim: bool) -> &'static str {
    let s = if sim {
        "trueTRIGGER-MSG"
    } else {
        "falseTRIGGER-MSG"
    };
    substring_after(s, "true")
}

impl Main {
    /// `ProcessAttrOpMetaAttributes` for operation `op` of `r`: in normal
    /// mode the rewritten operation; in inverse mode an `<nvpair>` carrying
    /// what moves to the resource's meta-attributes.
    pub(super) fn op_attributes(
        &mut self,
        r: Rsc<'_>,
        op: usize,
        inverse: bool,
        sim: bool,
        inner_pass: Option<&str>,
    ) -> Prod {
        let inner_pass = match inner_pass {
            Some(p) => p.to_owned(),
            None if sim => String::new(),
            None => self.op_attributes(r, op, inverse, true, None).text,
        };
        let mut out = Prod::new();
        if inverse && !sim && !marked(&inner_pass) {
            return out;
        }
        if inverse && sim && marked(&inner_pass) {
            out.mark(" ");
        }
        let o = r.op(op);
        let mut body = Prod::new();
        let mut element = Element::new(if inverse { "nvpair" } else { o.name() });
        let context = format!(
            "{} (rsc={})",
            o.id().unwrap_or(""),
            r.rsc.id().unwrap_or("")
        );
        for a in o.attrs() {
            let rule = RESOURCES_OPERATION.find(Some(&a.name), o.attr("name"));
            if inner_pass == TRIGGER_MSG {
                self.log(&RESOURCES_OPERATION, rule, &context);
            }
            match rule {
                Some(rule)
                    if inverse
                        && rule.place == Some("meta_attributes")
                        && !r.meta_defines(rule.with) =>
                {
                    // later operations' values win
                    let mut ahead = String::new();
                    for later in r.op_indexes().into_iter().filter(|&j| j > op) {
                        ahead.push_str(&self.op_attributes(r, later, true, true, None).text);
                    }
                    if !ahead.contains(&format!("{} ", a.name)) {
                        if sim {
                            body.mark(&format!("{} ", a.name));
                        } else {
                            element.set_attr(
                                "id",
                                format!("_2TO3_{}-meta-{}", o.id().unwrap_or(""), rule.with),
                            );
                            element.set_attr("name", rule.with);
                            element.set_attr("value", a.value.clone());
                        }
                    }
                }
                _ if inverse => {}
                Some(rule) if rule.drops() => {}
                // (every rule of this table drops; a rename would be an
                // error in the stylesheet)
                Some(_) => {}
                None => element.set_attr(&a.name, a.value.clone()),
            }
        }
        if !inverse {
            self.op_children(r, op, sim, &inner_pass, &mut body);
        }
        out.extend(body.into_element(element));
        out
    }

    /// The children of an operation in normal mode: its sets, rewritten,
    /// and new meta-attribute sets for moved instance attributes.
    fn op_children(&mut self, r: Rsc<'_>, op: usize, sim: bool, inner_pass: &str, out: &mut Prod) {
        let o = r.op(op);
        let plain_instance = child_indexes(o, |e| is_set(e, "instance_attributes", false));
        let mut moving = Prod::new();
        for &k in &plain_instance {
            moving.extend(self.op_instance(r, op, k, true, true, Some(msg_if(sim))));
        }
        let mut plain_meta_seen = false;
        for (i, child) in o.children.iter().enumerate() {
            match child {
                Node::Text(t) | Node::CData(t) => text_node(o, i, t, inner_pass, out),
                Node::Element(set) if set.name() == "instance_attributes" => {
                    let probe = self.op_instance(r, op, i, false, true, Some(""));
                    if probe.marked() {
                        let real = self.op_instance(r, op, i, false, sim, Some(&probe.text));
                        out.extend(real.into_element(shallow(set)));
                    }
                }
                Node::Element(set) if set.name() == "meta_attributes" => {
                    let probe = self.op_meta(r, op, i, false, true, Some(msg_if(sim)));
                    let first_plain = !super::has_child(set, "rule") && !plain_meta_seen;
                    if !super::has_child(set, "rule") {
                        plain_meta_seen = true;
                    }
                    let take_moved = first_plain && moving.marked();
                    if probe.marked() || take_moved {
                        let mut content = Prod::new();
                        if probe.marked() {
                            content.extend(self.op_meta(r, op, i, false, sim, Some(&probe.text)));
                        }
                        if take_moved {
                            for &k in &plain_instance {
                                content.extend(self.op_instance(r, op, k, true, sim, None));
                            }
                        }
                        out.extend(content.into_element(shallow(set)));
                    }
                }
                other => {
                    for n in self.node(other) {
                        out.push(n);
                    }
                }
            }
        }
        if !plain_meta_seen && moving.marked() {
            let mut content = Prod::new();
            for &k in &plain_instance {
                content.extend(self.op_instance(r, op, k, true, sim, None));
            }
            let set = Element::new("meta_attributes")
                .with_attr("id", format!("_2TO3_{}-meta", o.id().unwrap_or("")));
            out.extend(content.into_element(set));
        }
        for k in child_indexes(o, |e| is_set(e, "instance_attributes", true)) {
            let probe = self.op_instance(r, op, k, true, true, Some(msg_if(sim)));
            if !probe.marked() {
                continue;
            }
            let source = element_at(o, k);
            let mut set = Element::new("meta_attributes");
            for a in source.attrs().iter().filter(|a| a.name != "id") {
                set.set_attr(&a.name, a.value.clone());
            }
            set.set_attr("id", format!("_2TO3_{}", source.id().unwrap_or("")));
            let mut content = Prod::new();
            for c in &source.children {
                if !matches!(c, Node::Element(e) if e.name() == "nvpair") {
                    for n in self.node(c) {
                        content.push(n);
                    }
                }
            }
            content.extend(self.op_instance(r, op, k, true, false, Some(&probe.text)));
            out.extend(content.into_element(set));
        }
    }

    /// Sum of the inverse-mode simulations of every operation of `r`: the
    /// names operation attributes already move to the resource.
    fn attribute_moves(&mut self, r: Rsc<'_>) -> String {
        let mut s = String::new();
        for j in r.op_indexes() {
            s.push_str(&self.op_attributes(r, j, true, true, None).text);
        }
        s
    }

    /// `ProcessOpInstanceAttributes` for the set at child `set` of operation
    /// `op`.
    pub(super) fn op_instance(
        &mut self,
        r: Rsc<'_>,
        op: usize,
        set: usize,
        inverse: bool,
        sim: bool,
        inner_pass: Option<&str>,
    ) -> Prod {
        let inner_pass = match inner_pass {
            Some(p) => p.to_owned(),
            None if sim => String::new(),
            None => self.op_instance(r, op, set, false, true, None).text,
        };
        let o = r.op(op);
        let s = element_at(o, set);
        let mut out = Prod::new();
        for (i, child) in s.children.iter().enumerate() {
            match child {
                Node::Text(t) | Node::CData(t) => text_node(s, i, t, &inner_pass, &mut out),
                Node::Element(pair) if pair.name() == "nvpair" => {
                    let rule =
                        OPERATION_INSTANCE_ATTRIBUTES.find(pair.attr("name"), o.attr("name"));
                    if inner_pass == TRIGGER_MSG {
                        let context = format!(
                            "{} (rsc={}, meta={})",
                            o.id().unwrap_or(""),
                            r.rsc.id().unwrap_or(""),
                            s.id().unwrap_or("")
                        );
                        self.log(&OPERATION_INSTANCE_ATTRIBUTES, rule, &context);
                    }
                    let name = pair.attr("name").unwrap_or("");
                    match rule {
                        Some(rule) if rule.drops() => {
                            if !inverse || self.attribute_moves(r).contains(&format!("{name} ")) {
                                continue;
                            }
                            let mut ahead = String::new();
                            for k in child_indexes(o, |e| is_set(e, "instance_attributes", false)) {
                                if k > set {
                                    ahead.push_str(
                                        &self.op_instance(r, op, k, true, true, None).text,
                                    );
                                }
                            }
                            if rule.place == Some("meta_attributes")
                                && !r.meta_defines(rule.with)
                                && !ahead.contains(&format!("{name} "))
                            {
                                if sim {
                                    out.mark(&format!("{name} "));
                                } else {
                                    denormalized_space(s, i, sim, &mut out);
                                    out.push(Node::Element(shallow(pair)));
                                }
                            }
                        }
                        Some(_) | None if inverse => {}
                        // (every rule of this table drops or moves)
                        Some(_) => {}
                        None => {
                            denormalized_space(s, i, sim, &mut out);
                            out.push(Node::Element(self.identity(pair)));
                        }
                    }
                }
                Node::Comment(_) => {}
                _ if inverse => {}
                other => {
                    for n in self.node(other) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }

    /// `ProcessNonattrOpMetaAttributes` for the set at child `set` of
    /// operation `op` (a meta-attribute set, or in inverse mode also an
    /// instance attribute set): `requires` is dropped, and in inverse mode
    /// re-emitted for the resource's meta-attributes.
    pub(super) fn op_meta(
        &mut self,
        r: Rsc<'_>,
        op: usize,
        set: usize,
        inverse: bool,
        sim: bool,
        inner_pass: Option<&str>,
    ) -> Prod {
        let inner_pass = match inner_pass {
            Some(p) => p.to_owned(),
            None if sim => String::new(),
            None => self.op_meta(r, op, set, false, true, None).text,
        };
        let o = r.op(op);
        let s = element_at(o, set);
        let mut out = Prod::new();
        for (i, child) in s.children.iter().enumerate() {
            match child {
                Node::Text(t) | Node::CData(t) if !inverse => {
                    text_node(s, i, t, &inner_pass, &mut out)
                }
                Node::Element(pair) if pair.name() == "nvpair" => {
                    let rule = RESOURCES_OPERATION.find(pair.attr("name"), o.attr("name"));
                    if inner_pass == TRIGGER_MSG {
                        let context = format!(
                            "{} (rsc={}, meta={})",
                            o.id().unwrap_or(""),
                            r.rsc.id().unwrap_or(""),
                            s.id().unwrap_or("")
                        );
                        self.log(&RESOURCES_OPERATION, rule, &context);
                    }
                    let name = pair.attr("name").unwrap_or("");
                    match rule {
                        Some(rule) if rule.drops() => {
                            if !inverse || self.attribute_moves(r).contains(&format!("{name} ")) {
                                continue;
                            }
                            let ahead = self.later_sets(r, op, set, s.name());
                            if rule.place == Some("meta_attributes")
                                && !r.meta_defines(rule.with)
                                && !ahead.contains(&format!("{name} "))
                            {
                                if sim {
                                    out.mark(&format!("{name} "));
                                } else {
                                    out.push(Node::Element(shallow(pair)));
                                }
                            }
                        }
                        Some(_) | None if inverse => {}
                        // (every rule of this table drops or moves)
                        Some(_) => {}
                        None => {
                            denormalized_space(s, i, sim, &mut out);
                            out.push(Node::Element(self.identity(pair)));
                        }
                    }
                }
                Node::Comment(_) => {}
                _ if inverse => {}
                other => {
                    for n in self.node(other) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }

    /// The inverse-mode simulations of the sets that take precedence over
    /// set `set` of operation `op` for moving `requires` up: for a
    /// meta-attribute set, the later meta-attribute sets (of this and later
    /// operations); for an instance attribute set, the later instance
    /// attribute sets and every meta-attribute set of the operations.
    fn later_sets(&mut self, r: Rsc<'_>, op: usize, set: usize, kind: &str) -> String {
        let mut ahead = String::new();
        for j in r.op_indexes() {
            let o = r.op(j);
            for k in child_indexes(o, |e| {
                matches!(e.name(), "meta_attributes" | "instance_attributes")
            }) {
                let t = element_at(o, k);
                if super::has_child(t, "rule") {
                    continue;
                }
                let later = j > op || (j == op && k > set);
                let selected = match kind {
                    "meta_attributes" => t.name() == "meta_attributes" && later,
                    _ => {
                        t.name() == "meta_attributes"
                            || (t.name() == "instance_attributes" && later)
                    }
                };
                if selected {
                    ahead.push_str(&self.op_meta(r, j, k, true, true, None).text);
                }
            }
        }
        ahead
    }
}
