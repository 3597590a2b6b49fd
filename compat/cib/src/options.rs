//! The CIB manager's own cluster options (`cib_read_config`, `cib_pref`):
//! `enable-acl` and `cluster-ipc-limit`, read from the
//! `cluster_property_set`s of `crm_config` the way `pe_unpack_nvpairs()`
//! reads them. Pure.
//!
//! Known difference: sets guarded by `<rule>`s are not evaluated (the rules
//! engine lives with the scheduler); such sets are skipped.

use pcmk_xml::tree::Element;

/// Defaults of the options the CIB manager knows (`cib_opts`).
const DEFAULTS: &[(&str, &str)] = &[("enable-acl", "false"), ("cluster-ipc-limit", "500")];

/// `crm_str_to_boolean()`: `Some` for a recognised spelling.
pub fn str_to_boolean(s: &str) -> Option<bool> {
    const TRUE: [&str; 5] = ["true", "on", "yes", "y", "1"];
    const FALSE: [&str; 5] = ["false", "off", "no", "n", "0"];
    if TRUE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// `crm_is_true()`.
pub fn is_true(s: Option<&str>) -> bool {
    s.and_then(str_to_boolean).unwrap_or(false)
}

/// Decimal prefix of `s` like `strtoll` (sign, digits; 0 when none),
/// saturating.
pub(crate) fn parse_ll_prefix(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits[..n].bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if neg { v.saturating_neg() } else { v })
}

/// `char2score()`.
pub fn char2score(s: Option<&str>) -> i32 {
    const INFINITY: i64 = 1_000_000;
    match s {
        None => 0,
        Some("-INFINITY") => -(INFINITY as i32),
        Some("INFINITY") | Some("+INFINITY") => INFINITY as i32,
        Some(c)
            if c.eq_ignore_ascii_case("red")
                || c.eq_ignore_ascii_case("yellow")
                || c.eq_ignore_ascii_case("green") =>
        {
            0
        }
        Some(v) => parse_ll_prefix(v).unwrap_or(0).clamp(-INFINITY, INFINITY) as i32,
    }
}

/// `expand_idref()`: the element an `id-ref` points to (same name, any
/// depth in `top`), or the element itself.
fn expand_idref<'a>(e: &'a Element, top: &'a Element) -> Option<&'a Element> {
    match e.attr("id-ref") {
        None => Some(e),
        Some(r) => top
            .descendants()
            .find(|c| c.name() == e.name() && c.id() == Some(r)),
    }
}

/// `populate_hash()`.
fn populate(set: &Element, top: &Element, out: &mut Vec<(String, String)>) {
    let list = match set.elements().next() {
        Some(first) if first.name().eq_ignore_ascii_case("attributes") => first,
        _ => set,
    };
    for nv in list.elements().filter(|e| e.name() == "nvpair") {
        let reference = expand_idref(nv, top);
        let name = nv
            .attr("name")
            .or_else(|| reference.and_then(|r| r.attr("name")));
        let value = nv
            .attr("value")
            .or_else(|| reference.and_then(|r| r.attr("value")));
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        let pos = out.iter().position(|(n, _)| n == name);
        if value.eq_ignore_ascii_case("#default") {
            if let Some(p) = pos {
                out.remove(p);
            }
        } else {
            match pos {
                // Overwriting (cib_read_config passes overwrite=TRUE).
                Some(p) => out[p].1 = value.to_owned(),
                None => out.push((name.to_owned(), value.to_owned())),
            }
        }
    }
}

/// The cluster options as the CIB manager reads them, before defaults.
pub fn read_config(cib: &Element) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(crm_config) = crate::sections::find_element(cib, Some("crm_config")) else {
        return out;
    };
    // make_pairs(): prepended, then a stable sort (special set first, then
    // higher scores first), so equal scores come in reverse document order.
    let mut sets: Vec<(&Element, bool, i32)> = Vec::new();
    for set in crm_config
        .elements()
        .filter(|e| e.name() == "cluster_property_set")
    {
        let Some(expanded) = expand_idref(set, cib) else {
            continue;
        };
        let special = expanded
            .id()
            .is_some_and(|i| i.eq_ignore_ascii_case("cib-bootstrap-options"));
        sets.insert(0, (expanded, special, char2score(expanded.attr("score"))));
    }
    sets.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    for (set, _, _) in sets {
        if set.elements().any(|e| e.name() == "rule") {
            continue;
        }
        populate(set, cib, &mut out);
    }
    out
}

/// `cib_pref()`: an option's value after validation (invalid booleans fall
/// back to the default).
pub fn cib_pref(cib: &Element, name: &str) -> Option<String> {
    let default = DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)?;
    let value = read_config(cib)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v);
    Some(match (name, value) {
        ("enable-acl", Some(v)) if str_to_boolean(&v).is_some() => v,
        ("cluster-ipc-limit", Some(v)) if parse_ll_prefix(&v).is_some_and(|n| n > 0) => v,
        _ => default.to_owned(),
    })
}

/// Whether the `enable-acl` option is true.
pub fn enable_acl(cib: &Element) -> bool {
    is_true(cib_pref(cib, "enable-acl").as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_and_lower_sets_override() {
        let cib = pcmk_xml::parse(
            r#"<cib><configuration><crm_config>
            <cluster_property_set id="cib-bootstrap-options"><nvpair id="a" name="enable-acl" value="true"/></cluster_property_set>
            <cluster_property_set id="other"><nvpair id="b" name="enable-acl" value="false"/></cluster_property_set>
            </crm_config></configuration></cib>"#,
        )
        .unwrap();
        assert!(!enable_acl(&cib));
        let cib = pcmk_xml::parse(
            r#"<cib><configuration><crm_config>
            <cluster_property_set id="x"><nvpair id="a" name="enable-acl" value="bogus"/></cluster_property_set>
            </crm_config></configuration></cib>"#,
        )
        .unwrap();
        assert!(!enable_acl(&cib));
        let cib = pcmk_xml::parse(
            r#"<cib><configuration><crm_config>
            <cluster_property_set id="x"><nvpair id="a" name="enable-acl" value="YES"/></cluster_property_set>
            </crm_config></configuration></cib>"#,
        )
        .unwrap();
        assert!(enable_acl(&cib));
    }

    #[test]
    fn scores() {
        assert_eq!(char2score(Some("+INFINITY")), 1_000_000);
        assert_eq!(char2score(Some("12abc")), 12);
        assert_eq!(char2score(Some("-99999999")), -1_000_000);
        assert_eq!(char2score(Some("x")), 0);
    }
}
