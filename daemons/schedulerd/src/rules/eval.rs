//! Rule evaluation (`pe_eval_rules` and friends).

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::iso8601::CrmTime;
use crate::util::{self, Role};
use crate::xml::{XmlDoc, XmlId};

/// Regular-expression submatches of an `rsc-pattern` (`pe_re_match_data_t`).
#[derive(Clone, Debug)]
pub struct MatchData<'a> {
    pub string: &'a str,
    /// Byte ranges of each group (index 0 is the whole match).
    pub groups: Vec<Option<(usize, usize)>>,
    pub params: Option<&'a HashMap<String, String>>,
    pub meta: Option<&'a HashMap<String, String>>,
}

/// Agent of the resource whose attributes are evaluated (`pe_rsc_eval_data_t`).
#[derive(Clone, Debug, Default)]
pub struct RscData<'a> {
    pub standard: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub agent: Option<&'a str>,
}

/// Operation whose attributes are evaluated (`pe_op_eval_data_t`).
#[derive(Clone, Debug)]
pub struct OpData<'a> {
    pub name: &'a str,
    pub interval_ms: u32,
}

/// What an expression is evaluated against (`pe_rule_eval_data_t`).
#[derive(Clone, Debug)]
pub struct RuleData<'a> {
    pub node_attrs: Option<&'a HashMap<String, String>>,
    pub role: Role,
    pub now: &'a CrmTime,
    pub match_data: Option<MatchData<'a>>,
    pub rsc: Option<RscData<'a>>,
    pub op: Option<OpData<'a>>,
}

impl<'a> RuleData<'a> {
    pub fn new(now: &'a CrmTime) -> Self {
        RuleData {
            node_attrs: None,
            role: Role::Unknown,
            now,
            match_data: None,
            rsc: None,
            op: None,
        }
    }
}

/// Set `next_change` to `t` if that is earlier (`crm_time_set_if_earlier`).
fn set_if_earlier(next_change: &mut Option<&mut CrmTime>, t: &CrmTime) {
    if let Some(nc) = next_change.as_deref_mut() {
        if !nc.is_defined() || t.compare(nc) == Ordering::Less {
            *nc = *t;
        }
    }
}

/// `pe_eval_rules`: true if any `<rule>` child passes, or if there is none.
#[doc(alias = "pe_eval_rules")]
pub fn eval_rules(
    doc: &XmlDoc,
    ruleset: XmlId,
    data: &RuleData,
    mut next_change: Option<&mut CrmTime>,
) -> bool {
    let rules: Vec<XmlId> = doc.children_named(ruleset, "rule").collect();
    let mut default = true;
    for rule in rules {
        default = false;
        if eval_expr(doc, rule, data, next_change.as_deref_mut()) {
            return true;
        }
    }
    default
}

/// `pe_eval_expr`: a `<rule>` (after id-ref expansion).
#[doc(alias = "pe_eval_expr")]
pub fn eval_expr(
    doc: &XmlDoc,
    rule: XmlId,
    data: &RuleData,
    mut next_change: Option<&mut CrmTime>,
) -> bool {
    let Some(rule) = doc.expand_idref(rule, rule_top(doc, rule)) else {
        return false;
    };
    let do_and = !util::eq_casei(doc.attr(rule, "boolean-op"), "or");
    let passed = do_and;
    let kids: Vec<XmlId> = doc.children(rule).to_vec();
    for expr in kids {
        let test = eval_subexpr(doc, expr, data, next_change.as_deref_mut());
        if test && !do_and {
            return true;
        } else if !test && do_and {
            return false;
        }
    }
    passed
}

/// id-refs in rules are resolved within the rule itself in the reference
/// (`expand_idref(rule, NULL)` searches the document of the rule), i.e. the
/// whole CIB.
fn rule_top(doc: &XmlDoc, mut id: XmlId) -> XmlId {
    while let Some(p) = doc.parent(id) {
        id = p;
    }
    id
}

enum ExprType {
    NotExpr,
    Nested,
    Attr,
    Loc,
    Role,
    Time,
    Rsc,
    Op,
}

fn expression_type(doc: &XmlDoc, expr: XmlId) -> ExprType {
    let tag = doc.name(expr);
    let attr = doc.attr(expr, "attribute");
    match tag {
        "date_expression" => ExprType::Time,
        "rsc_expression" => ExprType::Rsc,
        "op_expression" => ExprType::Op,
        "rule" => ExprType::Nested,
        "expression" => match attr {
            Some("#uname") | Some("#kind") | Some("#id") => ExprType::Loc,
            Some("#role") => ExprType::Role,
            _ => ExprType::Attr,
        },
        _ => ExprType::NotExpr,
    }
}

/// `pe_eval_subexpr`.
#[doc(alias = "pe_eval_subexpr")]
pub fn eval_subexpr(
    doc: &XmlDoc,
    expr: XmlId,
    data: &RuleData,
    next_change: Option<&mut CrmTime>,
) -> bool {
    match expression_type(doc, expr) {
        ExprType::Nested => eval_expr(doc, expr, data, next_change),
        ExprType::Attr | ExprType::Loc => {
            if data.node_attrs.is_some() {
                eval_attr_expr(doc, expr, data)
            } else {
                false
            }
        }
        ExprType::Time => matches!(
            eval_date_expr(doc, expr, data, next_change),
            DateResult::Within | DateResult::Ok
        ),
        ExprType::Role => eval_role_expr(doc, expr, data),
        ExprType::Rsc => eval_rsc_expr(doc, expr, data),
        ExprType::Op => eval_op_expr(doc, expr, data),
        ExprType::NotExpr => false,
    }
}

fn compare_attr_vals(l: Option<&str>, r: Option<&str>, ty: Option<&str>, op: Option<&str>) -> i32 {
    let (l, r) = match (l, r) {
        (Some(l), Some(r)) => (l, r),
        (None, None) => return 0,
        (Some(_), None) => return 1,
        (None, Some(_)) => return -1,
    };
    let ty = match ty {
        Some(t) => t.to_ascii_lowercase(),
        None => {
            let numeric = op.is_some_and(|o| {
                ["lt", "lte", "gt", "gte"]
                    .iter()
                    .any(|x| o.eq_ignore_ascii_case(x))
            });
            if numeric {
                if l.contains('.') || r.contains('.') {
                    "number".to_owned()
                } else {
                    "integer".to_owned()
                }
            } else {
                "string".to_owned()
            }
        }
    };
    match ty.as_str() {
        "string" => strcasecmp(l, r),
        "integer" => match (util::scan_ll(l), util::scan_ll(r)) {
            (Ok(a), Ok(b)) => ord_i(a.cmp(&b)),
            _ => compare_attr_vals(Some(l), Some(r), Some("string"), op),
        },
        "number" => match (scan_double(l), scan_double(r)) {
            (Some(a), Some(b)) => {
                if a < b {
                    -1
                } else if a > b {
                    1
                } else {
                    0
                }
            }
            _ => compare_attr_vals(Some(l), Some(r), Some("string"), op),
        },
        "version" => pcmk_xml::version::compare_version(Some(l), Some(r)),
        _ => 0,
    }
}

fn ord_i(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// `strcasecmp` (sign only matters).
pub fn strcasecmp(a: &str, b: &str) -> i32 {
    let a = a.bytes().map(|c| c.to_ascii_lowercase());
    let b = b.bytes().map(|c| c.to_ascii_lowercase());
    ord_i(a.cmp(b))
}

/// `pcmk__scan_double`: `strtod` that must consume at least one character.
pub fn scan_double(text: &str) -> Option<f64> {
    let t = text.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    // hex, inf, nan forms are rare in configurations; decimal only
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        let lower = t.to_ascii_lowercase();
        let body = lower.trim_start_matches(['+', '-']);
        if body.starts_with("inf") || body.starts_with("nan") {
            return t.parse::<f64>().ok().or(Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }));
        }
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let s = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > s {
            i = j;
        }
    }
    t[..i].parse::<f64>().ok()
}

fn accept_attr_expr(l: Option<&str>, r: Option<&str>, ty: Option<&str>, op: Option<&str>) -> bool {
    let is = |x: &str| op.is_some_and(|o| o.eq_ignore_ascii_case(x));
    if is("defined") {
        return l.is_some();
    } else if is("not_defined") {
        return l.is_none();
    }
    let cmp = compare_attr_vals(l, r, ty, op);
    if is("eq") {
        cmp == 0
    } else if is("ne") {
        cmp != 0
    } else if l.is_none() || r.is_none() {
        false
    } else if is("lt") {
        cmp < 0
    } else if is("lte") {
        cmp <= 0
    } else if is("gt") {
        cmp > 0
    } else if is("gte") {
        cmp >= 0
    } else {
        false
    }
}

/// `pe_expand_re_matches`: replace `%N` with regex group N.
pub fn expand_re_matches(s: &str, m: &MatchData) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            let g = (b[i + 1] - b'0') as usize;
            if g < m.groups.len() {
                if let Some((so, eo)) = m.groups[g] {
                    if eo > so {
                        out.push_str(&m.string[so..eo]);
                    }
                }
            }
            i += 2;
        } else {
            let ch = s[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// `pe__eval_attr_expr`.
fn eval_attr_expr(doc: &XmlDoc, expr: XmlId, data: &RuleData) -> bool {
    let Some(attr) = doc.attr(expr, "attribute") else {
        crate::config_err!(
            "pe__eval_attr_expr",
            "Expression {} invalid: attribute not specified",
            doc.id(expr).unwrap_or("without ID")
        );
        return false;
    };
    let op = doc.attr(expr, "operation");
    if op.is_none() {
        crate::config_err!(
            "pe__eval_attr_expr",
            "Expression {} invalid: operation not specified",
            doc.id(expr).unwrap_or("without ID")
        );
    }
    let mut value = doc.attr(expr, "value").map(str::to_owned);
    let ty = doc.attr(expr, "type");
    let value_source = doc.attr(expr, "value-source");
    let mut attr = attr.to_owned();
    if let Some(m) = &data.match_data {
        if !m.groups.is_empty() {
            if let Some(resolved) = expand_re_matches(&attr, m) {
                attr = resolved;
            }
        }
        value = match value.as_deref() {
            None | Some("") => None,
            Some(v) => {
                if util::eq_casei(value_source, "param") {
                    m.params.and_then(|p| p.get(v).cloned())
                } else if util::eq_casei(value_source, "meta") {
                    m.meta.and_then(|p| p.get(v).cloned())
                } else {
                    Some(v.to_owned())
                }
            }
        };
    }
    let h_val = data
        .node_attrs
        .and_then(|n| n.get(&attr))
        .map(String::as_str);
    accept_attr_expr(h_val, value.as_deref(), ty, op)
}

/// Outcome of a date expression (`pcmk_rc_*` range codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateResult {
    Ok,
    Within,
    Before,
    After,
    Undetermined,
    Unsatisfied,
}

fn check_one(doc: &XmlDoc, spec: XmlId, field: &str, value: i64) -> DateResult {
    let Some(v) = doc.attr(spec, field) else {
        return DateResult::Undetermined;
    };
    let Some((low, high)) = parse_ll_range(v) else {
        return DateResult::Undetermined;
    };
    if low == high {
        if value < low {
            DateResult::Before
        } else if value > high {
            DateResult::After
        } else {
            DateResult::Within
        }
    } else if low != -1 && high != -1 {
        if value < low {
            DateResult::Before
        } else if value > high {
            DateResult::After
        } else {
            DateResult::Within
        }
    } else if low == -1 {
        if value <= high {
            DateResult::Within
        } else {
            DateResult::After
        }
    } else if value >= low {
        DateResult::Within
    } else {
        DateResult::Before
    }
}

/// `pcmk__parse_ll_range`: "N", "N-M", "N-", "-M".
pub fn parse_ll_range(s: &str) -> Option<(i64, i64)> {
    if s.is_empty() || s == "-" {
        return None;
    }
    if let Some(rest) = s.strip_prefix('-') {
        let (v, used, ov) = util::strtoll(rest);
        if used == 0 || ov || used != rest.len() {
            return None;
        }
        return Some((-1, v));
    }
    let (start, used, ov) = util::strtoll(s);
    if used == 0 || ov {
        return None;
    }
    let rem = &s[used..];
    if let Some(r2) = rem.strip_prefix('-') {
        if r2.is_empty() {
            return Some((start, -1));
        }
        let (end, used2, ov2) = util::strtoll(r2);
        if used2 == 0 || ov2 || used2 != r2.len() {
            return None;
        }
        Some((start, end))
    } else if !rem.is_empty() {
        None
    } else {
        Some((start, start))
    }
}

fn phase_of_the_moon(now: &CrmTime) -> i64 {
    let y = now.years as u32;
    let diy = now.days as u32;
    let goldn = (y % 19) + 1;
    let mut epact = (11 * goldn + 18) % 30;
    if (epact == 25 && goldn > 11) || epact == 24 {
        epact += 1;
    }
    ((((((diy + epact) * 6) + 11) % 177) / 22) & 7) as i64
}

/// `pe_cron_range_satisfied`.
#[doc(alias = "pe_cron_range_satisfied")]
pub fn cron_range_satisfied(doc: &XmlDoc, now: &CrmTime, spec: XmlId) -> DateResult {
    let (y, m, d) = now.gregorian();
    let (h, mi, s) = now.timeofday();
    let checks: Vec<(&str, i64)> = {
        let mut v = vec![
            ("years", y as i64),
            ("months", m as i64),
            ("monthdays", d as i64),
            ("hours", h as i64),
            ("minutes", mi as i64),
            ("seconds", s as i64),
            ("yeardays", now.days as i64),
        ];
        let (wy, w, wd) = now.isoweek().unwrap_or((0, 0, 0));
        v.push(("weekyears", wy as i64));
        v.push(("weeks", w as i64));
        v.push(("weekdays", wd as i64));
        v.push(("moon", phase_of_the_moon(now)));
        v
    };
    for (field, value) in checks {
        let rc = check_one(doc, spec, field, value);
        if !matches!(rc, DateResult::Within | DateResult::Undetermined) {
            return rc;
        }
    }
    DateResult::Ok
}

fn update_field(doc: &XmlDoc, spec: XmlId, attr: &str) -> Option<i32> {
    let v = util::scan_ll(doc.attr(spec, attr)?).ok()?;
    if v != 0 && v >= i32::MIN as i64 && v <= i32::MAX as i64 {
        Some(v as i32)
    } else {
        None
    }
}

/// `pe_parse_xml_duration`.
pub fn parse_xml_duration(doc: &XmlDoc, start: &CrmTime, spec: XmlId) -> CrmTime {
    let mut end = *start;
    if let Some(v) = update_field(doc, spec, "years") {
        end.add_years(v);
    }
    if let Some(v) = update_field(doc, spec, "months") {
        end.add_months(v);
    }
    if let Some(v) = update_field(doc, spec, "weeks") {
        end.add_days(v * 7);
    }
    if let Some(v) = update_field(doc, spec, "days") {
        end.add_days(v);
    }
    if let Some(v) = update_field(doc, spec, "hours") {
        end.add_seconds(v * 3600);
    }
    if let Some(v) = update_field(doc, spec, "minutes") {
        end.add_seconds(v * 60);
    }
    if let Some(v) = update_field(doc, spec, "seconds") {
        end.add_seconds(v);
    }
    end
}

/// `pe__eval_date_expr`.
#[doc(alias = "pe__eval_date_expr")]
pub fn eval_date_expr(
    doc: &XmlDoc,
    expr: XmlId,
    data: &RuleData,
    mut next_change: Option<&mut CrmTime>,
) -> DateResult {
    let op = doc.attr(expr, "operation");
    let duration_spec = doc.first_child(expr, "duration");
    let date_spec = doc.first_child(expr, "date_spec");
    let start = doc
        .attr(expr, "start")
        .and_then(|v| CrmTime::parse(v, data.now));
    let mut end = doc
        .attr(expr, "end")
        .and_then(|v| CrmTime::parse(v, data.now));
    if let (Some(s), None, Some(d)) = (start.as_ref(), end.as_ref(), duration_spec) {
        end = Some(parse_xml_duration(doc, s, d));
    }
    let now = data.now;
    let is = |x: &str| op.is_some_and(|o| o.eq_ignore_ascii_case(x));
    if op.is_none() || is("in_range") {
        if start.is_none() && end.is_none() {
            DateResult::Undetermined
        } else if start.is_some_and(|s| now.compare(&s) == Ordering::Less) {
            if let Some(s) = &start {
                set_if_earlier(&mut next_change, s);
            }
            DateResult::Before
        } else if end.is_some_and(|e| now.compare(&e) == Ordering::Greater) {
            DateResult::After
        } else {
            if let Some(mut e) = end {
                if next_change.is_some() {
                    e.add_seconds(1);
                    set_if_earlier(&mut next_change, &e);
                }
            }
            DateResult::Within
        }
    } else if is("date_spec") {
        match date_spec {
            Some(spec) => cron_range_satisfied(doc, now, spec),
            // the reference dereferences a NULL spec: every field is
            // undetermined, so the expression is satisfied
            None => DateResult::Ok,
        }
    } else if is("gt") {
        match start {
            None => DateResult::Undetermined,
            Some(s) if now.compare(&s) == Ordering::Greater => DateResult::Within,
            Some(mut s) => {
                s.add_seconds(1);
                set_if_earlier(&mut next_change, &s);
                DateResult::Before
            }
        }
    } else if is("lt") {
        match end {
            None => DateResult::Undetermined,
            Some(e) if now.compare(&e) == Ordering::Less => {
                set_if_earlier(&mut next_change, &e);
                DateResult::Within
            }
            Some(_) => DateResult::After,
        }
    } else {
        DateResult::Undetermined
    }
}

/// `pe__eval_op_expr`.
fn eval_op_expr(doc: &XmlDoc, expr: XmlId, data: &RuleData) -> bool {
    let Some(op) = &data.op else { return false };
    let name = doc.attr(expr, "name");
    let interval_s = doc.attr(expr, "interval");
    let (interval, valid) = util::parse_interval_spec(interval_s);
    if interval == 0 && !valid {
        return false;
    }
    if interval_s.is_some() && interval != op.interval_ms {
        return false;
    }
    name == Some(op.name)
}

/// `pe__eval_role_expr`.
fn eval_role_expr(doc: &XmlDoc, expr: XmlId, data: &RuleData) -> bool {
    if data.role == Role::Unknown {
        return false;
    }
    let value = doc.attr(expr, "value");
    let op = doc.attr(expr, "operation");
    let is = |x: &str| op.is_some_and(|o| o.eq_ignore_ascii_case(x));
    let role = data.role;
    if is("defined") {
        role > Role::Started
    } else if is("not_defined") {
        role > Role::Unknown && role < Role::Unpromoted
    } else if is("eq") {
        value.map(Role::parse) == Some(role)
    } else if is("ne") {
        if role > Role::Unknown && role < Role::Unpromoted {
            false
        } else {
            value.map(Role::parse) != Some(role)
        }
    } else {
        false
    }
}

/// `pe__eval_rsc_expr`.
fn eval_rsc_expr(doc: &XmlDoc, expr: XmlId, data: &RuleData) -> bool {
    let Some(rsc) = &data.rsc else { return false };
    let class = doc.attr(expr, "class");
    let provider = doc.attr(expr, "provider");
    let ty = doc.attr(expr, "type");
    if class.is_some() && class != rsc.standard {
        return false;
    }
    if provider != rsc.provider {
        return false;
    }
    if ty.is_some() && ty != rsc.agent {
        return false;
    }
    true
}
