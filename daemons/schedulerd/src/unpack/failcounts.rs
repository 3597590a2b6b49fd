//! Fail counts from node attributes (lib/pengine/failcounts.c).

use crate::model::{rflags, NodeId, RscId, WorkingSet};
use crate::unpack::resources::clone_strip;
use crate::util::{self, add_scores, char2score};
use crate::xml::XmlId;

/// Count only failures that have not expired (`pe_fc_effective`).
pub const FC_EFFECTIVE: u32 = 0x1;
/// Include the fail counts of container fillers (`pe_fc_fillers`).
pub const FC_FILLERS: u32 = 0x2;

/// Whether `key` is `<prefix>-<rsc>[:N][#op_interval]`, the reference's
/// `^prefix-rsc(:[0-9]+)?(#.+_[0-9]+)?$` (resource name taken literally).
fn matches_fail_attr(key: &str, prefix: &str, rsc_name: &str, legacy: bool, unique: bool) -> bool {
    let Some(rest) = key
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|r| r.strip_prefix(rsc_name))
    else {
        return false;
    };
    let check_op = |s: &str| -> bool {
        if legacy {
            return s.is_empty();
        }
        let Some(op) = s.strip_prefix('#') else {
            return false;
        };
        let digits = op.bytes().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        let head = &op[..op.len() - digits];
        head.len() >= 2 && head.ends_with('_')
    };
    if check_op(rest) {
        return true;
    }
    if !unique {
        if let Some(inst) = rest.strip_prefix(':') {
            let d = inst.bytes().take_while(|b| b.is_ascii_digit()).count();
            if d > 0 && check_op(&inst[d..]) {
                return true;
            }
        }
    }
    false
}

/// `is_matched_failure`.
fn is_matched_failure(ws: &WorkingSet, rsc_id: &str, conf_op: XmlId, lrm_op: XmlId) -> bool {
    let d = &ws.doc;
    let conf_name = d.attr(conf_op, "name");
    let conf_interval = util::interval_ms(d.attr(conf_op, "interval"));
    let lrm_task = d.attr(lrm_op, "operation");
    let lrm_interval = util::value_ms(d.attr(lrm_op, "interval"));
    if conf_interval != lrm_interval || !conf_name.is_some_and(|c| util::eq_casei(lrm_task, c)) {
        return false;
    }
    let lrm_id = d.id(lrm_op);
    let last_failure_key = util::op_key(rsc_id, "last_failure", 0);
    if util::eq_casei(lrm_id, &last_failure_key) {
        return true;
    }
    let expected = util::op_key(rsc_id, conf_name.unwrap_or(""), conf_interval);
    if util::eq_casei(lrm_id, &expected) {
        let rc = util::value_int(d.attr(lrm_op, "rc-code")).unwrap_or(0);
        let target_rc = super::history::target_rc_from_xml(ws, lrm_op);
        if rc != target_rc {
            return true;
        }
    }
    false
}

/// `block_failure`: whether a failure is of an operation with
/// `on-fail=block` (so a failure timeout cannot apply).
fn block_failure(ws: &WorkingSet, n: NodeId, r: RscId, xml_op: Option<XmlId>) -> bool {
    let xml_name = clone_strip(&ws.resources[r].id);
    let d = &ws.doc;
    // the primitive named xml_name within the resource's own document
    let rxml = ws.resources[r].xml;
    let mut prims = Vec::new();
    let mut root = rxml;
    while let Some(p) = d.parent(root) {
        root = p;
    }
    for p in d.descendants_named(root, "primitive") {
        if d.id(p) == Some(xml_name.as_str()) {
            prims.push(p);
        }
    }
    for prim in prims {
        for op in d.descendants_named(prim, "op") {
            if d.attr(op, "on-fail") != Some("block") {
                continue;
            }
            match xml_op {
                Some(x) => {
                    if is_matched_failure(ws, &xml_name, op, x) {
                        return true;
                    }
                }
                None => {
                    let conf_name = d.attr(op, "name").unwrap_or("");
                    let conf_interval = util::interval_ms(d.attr(op, "interval")).to_string();
                    let uname = &ws.nodes[n].uname;
                    for ns in d.descendants_named(ws.cib, "node_state") {
                        if d.attr(ns, "uname") != Some(uname.as_str()) {
                            continue;
                        }
                        for lr in d.descendants_named(ns, "lrm_resource") {
                            if d.id(lr) != Some(xml_name.as_str()) {
                                continue;
                            }
                            for lo in d.children_named(lr, "lrm_rsc_op") {
                                if d.attr(lo, "operation") == Some(conf_name)
                                    && d.attr(lo, "interval") == Some(conf_interval.as_str())
                                    && is_matched_failure(ws, &xml_name, op, lo)
                                {
                                    return true;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

/// `pe_get_failcount`: (fail count, last failure time).
#[doc(alias = "pe_get_failcount")]
pub fn get_failcount(
    ws: &mut WorkingSet,
    n: NodeId,
    r: RscId,
    flags: u32,
    xml_op: Option<XmlId>,
) -> (i32, i64) {
    let rsc = &ws.resources[r];
    let name = rsc.clone_name.as_deref().unwrap_or(&rsc.id);
    let unique = rsc.is_set(rflags::UNIQUE);
    let rsc_name = if unique {
        name.to_owned()
    } else {
        clone_strip(name)
    };
    let version = ws.doc.attr(ws.cib, "crm_feature_set");
    let legacy = pcmk_xml::version::compare_version(version, Some("3.0.13")) < 0;
    let mut failcount = 0;
    let mut last: i64 = 0;
    for (key, value) in &ws.nodes[n].attrs {
        if matches_fail_attr(key, "fail-count", &rsc_name, legacy, unique) {
            failcount = add_scores(failcount, char2score(Some(value)));
        } else if matches_fail_attr(key, "last-failure", &rsc_name, legacy, unique) {
            if let Ok(v) = util::scan_ll(value) {
                last = last.max(v);
            }
        }
    }
    let mut last_failure = 0;
    if failcount > 0 && last > 0 {
        last_failure = last;
    }
    if failcount > 0 && ws.resources[r].failure_timeout != 0 && block_failure(ws, n, r, xml_op) {
        crate::config_warn!(
            "pe_get_failcount",
            "Ignoring failure timeout {} for {} because it conflicts with on-fail=block",
            ws.resources[r].failure_timeout,
            ws.resources[r].id
        );
        ws.resources[r].failure_timeout = 0;
    }
    if flags & FC_EFFECTIVE != 0
        && failcount > 0
        && last > 0
        && ws.resources[r].failure_timeout != 0
    {
        let now = ws.effective_time();
        if now > last + ws.resources[r].failure_timeout as i64 {
            failcount = 0;
        }
    }
    if flags & FC_FILLERS != 0 && !ws.resources[r].fillers.is_empty() && !ws.is_bundled(r) {
        for f in ws.resources[r].fillers.clone() {
            let (fc, fl) = get_failcount(ws, n, f, flags, xml_op);
            failcount += fc;
            if fl > last_failure {
                last_failure = fl;
            }
        }
    }
    (failcount, last_failure)
}

#[cfg(test)]
mod tests {
    use super::matches_fail_attr;

    #[test]
    fn fail_attr_names() {
        assert!(matches_fail_attr(
            "fail-count-rsc1#monitor_10000",
            "fail-count",
            "rsc1",
            false,
            true
        ));
        assert!(!matches_fail_attr(
            "fail-count-rsc1:0#monitor_10000",
            "fail-count",
            "rsc1",
            false,
            true
        ));
        assert!(matches_fail_attr(
            "fail-count-rsc1:0#monitor_10000",
            "fail-count",
            "rsc1",
            false,
            false
        ));
        assert!(matches_fail_attr(
            "fail-count-rsc1",
            "fail-count",
            "rsc1",
            true,
            true
        ));
        assert!(!matches_fail_attr(
            "fail-count-rsc10#start_0",
            "fail-count",
            "rsc1",
            false,
            true
        ));
    }
}
