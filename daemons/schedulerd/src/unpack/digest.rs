//! Operation parameter digests (lib/pengine/pe_digest.c): whether a
//! resource's configuration changed since an operation ran.

use std::collections::HashMap;

use pcmk_xml::Element;

use crate::actions::create::draft_action;
use crate::model::{wsflags, NodeId, RscId, WorkingSet};
use crate::util::{self, ra_caps};
use crate::xml::XmlId;

/// `enum rsc_digest_cmp_val`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestRc {
    Match,
    All,
    Restart,
    Unknown,
}

/// `op_digest_cache_t`.
#[derive(Clone, Debug)]
pub struct Digests {
    pub rc: DigestRc,
    pub params_all: Element,
    pub params_secure: Option<Element>,
    pub digest_all_calc: String,
    pub digest_secure_calc: Option<String>,
    pub digest_restart_calc: Option<String>,
}

/// `crm_meta_name`: `CRM_meta_` + name with dashes as underscores.
pub fn meta_name(field: &str) -> String {
    format!("CRM_meta_{}", field.replace('-', "_"))
}

/// `pcmk__filter_op_for_digest`.
pub fn filter_op_for_digest(params: &mut Element) {
    let interval = util::value_ms(params.attr("CRM_meta_interval"));
    let timeout = if interval != 0 {
        params.attr("CRM_meta_timeout").map(str::to_owned)
    } else {
        None
    };
    params.attrs_mut().retain(|a| {
        !(a.name.starts_with("CRM_meta_")
            || matches!(
                a.name.as_str(),
                "id" | "crm_feature_set"
                    | "op-digest"
                    | "on_node"
                    | "on_node_uuid"
                    | "pcmk_external_ip"
            ))
    });
    if let Some(t) = timeout {
        params.set_attr("CRM_meta_timeout", t);
    }
}

fn add_fields(e: &mut Element, hash: &HashMap<String, String>) {
    // attribute order is irrelevant: digests sort attributes by name
    let mut keys: Vec<&String> = hash.keys().collect();
    keys.sort();
    for k in keys {
        // hash2field: the first value wins
        if e.attr(k).is_none() {
            e.set_attr(k, hash[k].as_str());
        }
    }
}

fn add_meta_fields(e: &mut Element, hash: &HashMap<String, String>) {
    let mut keys: Vec<&String> = hash.keys().collect();
    keys.sort();
    for k in keys {
        if k.contains('#') || k.contains(':') {
            continue;
        }
        let name = meta_name(k);
        if e.attr(&name).is_none() {
            e.set_attr(&name, hash[k].as_str());
        }
    }
}

/// `pcmk_stonith_param`.
pub fn is_fence_param(name: &str) -> bool {
    if name == "provides" || name == "stonith-timeout" {
        return true;
    }
    let Some(rest) = name.strip_prefix("pcmk_") else {
        return false;
    };
    if matches!(
        name,
        "pcmk_action_limit"
            | "pcmk_delay_base"
            | "pcmk_delay_max"
            | "pcmk_host_argument"
            | "pcmk_host_check"
            | "pcmk_host_list"
            | "pcmk_host_map"
    ) {
        return true;
    }
    match rest.find('_') {
        Some(p) => matches!(&rest[p..], "_action" | "_timeout" | "_retries"),
        None => false,
    }
}

/// `pe__calculate_digests`.
#[doc(alias = "pe__calculate_digests")]
pub fn calculate_digests(
    ws: &mut WorkingSet,
    r: RscId,
    task: &str,
    interval_ms: u32,
    node: Option<NodeId>,
    xml_op: Option<XmlId>,
    calc_secure: bool,
) -> Digests {
    let mut rc = DigestRc::Match;
    let op_version = xml_op
        .and_then(|x| ws.doc.attr(x, "crm_feature_set"))
        .or_else(|| ws.doc.attr(ws.cib, "crm_feature_set"))
        .unwrap_or(crate::CRM_FEATURE_SET)
        .to_owned();
    let params = ws.rsc_params(r, node);
    // main digest
    let mut params_all = Element::new("parameters");
    if let Some(host) = super::bundle::remote_name(ws, r) {
        params_all.set_attr("addr", host);
    }
    let key = util::op_key(&ws.resources[r].id, task, interval_ms);
    let mut act = draft_action(ws, Some(r), key, task, node, true);
    // unpack_action_node_attributes happens in custom_action for node actions
    if let (Some(entry), Some(n)) = (act.op_entry, node) {
        let now = ws.now;
        let mut data = crate::rules::RuleData::new(&now);
        data.node_attrs = Some(&ws.nodes[n].attrs);
        crate::rules::unpack_nvpairs(
            &ws.doc,
            ws.cib,
            Some(entry),
            Some("instance_attributes"),
            &data,
            &mut act.extra,
            None,
            false,
            None,
        );
    }
    add_fields(&mut params_all, &params);
    add_fields(&mut params_all, &act.extra);
    add_meta_fields(&mut params_all, &act.meta);
    filter_op_for_digest(&mut params_all);
    if interval_ms == 0 && !act.extra.is_empty() {
        rc = DigestRc::Restart;
    }
    let digest_all_calc = pcmk_xml::digest::operation(&params_all);

    let mut params_secure = None;
    let mut digest_secure_calc = None;
    if calc_secure {
        let class = ws.doc.attr(ws.resources[r].xml, "class").map(str::to_owned);
        let old_version = pcmk_xml::version::compare_version(Some(&op_version), Some("3.16.0")) < 0;
        let secure_list: Option<String> = match xml_op {
            None => Some(" passwd password user ".into()),
            Some(x) => ws.doc.attr(x, "op-secure-params").map(str::to_owned),
        };
        let mut ps = if old_version {
            let mut e = Element::new("parameters");
            add_fields(&mut e, &params);
            e
        } else {
            params_all.clone()
        };
        if let Some(list) = &secure_list {
            ps.attrs_mut()
                .retain(|a| !list.contains(&format!(" {} ", a.name)));
        }
        if old_version && ra_caps::of(class.as_deref()) & ra_caps::FENCE_PARAMS != 0 {
            ps.attrs_mut().retain(|a| !is_fence_param(&a.name));
        }
        filter_op_for_digest(&mut ps);
        if old_version {
            ps.remove_attr("CRM_meta_timeout");
        }
        digest_secure_calc = Some(pcmk_xml::digest::operation(&ps));
        params_secure = Some(ps);
    }

    let mut digest_restart_calc = None;
    if let Some(x) = xml_op {
        if ws.doc.attr(x, "op-restart-digest").is_some() {
            let mut pr = params_all.clone();
            if let Some(list) = ws.doc.attr(x, "op-force-restart") {
                pr.attrs_mut()
                    .retain(|a| list.contains(&format!(" {} ", a.name)));
            }
            digest_restart_calc = Some(pcmk_xml::digest::operation(&pr));
        }
    }
    Digests {
        rc,
        params_all,
        params_secure,
        digest_all_calc,
        digest_secure_calc,
        digest_restart_calc,
    }
}

/// `rsc_action_digest`: cached per node and operation key.
fn rsc_action_digest(
    ws: &mut WorkingSet,
    r: RscId,
    task: &str,
    interval_ms: u32,
    n: NodeId,
    xml_op: Option<XmlId>,
    calc_secure: bool,
) -> Digests {
    let key = util::op_key(&ws.resources[r].id, task, interval_ms);
    if let Some(d) = ws.digest_cache.get(&(n, key.clone())) {
        return d.clone();
    }
    let d = calculate_digests(ws, r, task, interval_ms, Some(n), xml_op, calc_secure);
    ws.digest_cache.insert((n, key), d.clone());
    d
}

/// `rsc_action_digest_cmp`.
#[doc(alias = "rsc_action_digest_cmp")]
pub fn digest_cmp(ws: &mut WorkingSet, r: RscId, xml_op: XmlId, n: NodeId) -> Digests {
    let d = &ws.doc;
    let task = d.attr(xml_op, "operation").unwrap_or("").to_owned();
    let digest_all = d.attr(xml_op, "op-digest").map(str::to_owned);
    let digest_restart = d.attr(xml_op, "op-restart-digest").map(str::to_owned);
    let interval = util::value_ms(d.attr(xml_op, "interval"));
    let sanitized = ws.is_set(wsflags::SANITIZED);
    let mut data = rsc_action_digest(ws, r, &task, interval, n, Some(xml_op), sanitized);
    if digest_restart.is_some()
        && data.digest_restart_calc.is_some()
        && data.digest_restart_calc != digest_restart
    {
        data.rc = DigestRc::Restart;
    } else if digest_all.is_none() {
        data.rc = DigestRc::Unknown;
    } else if digest_all.as_deref() != Some(data.digest_all_calc.as_str()) {
        if !(interval == 0 && data.rc == DigestRc::Restart) {
            data.rc = DigestRc::All;
        }
    } else {
        data.rc = DigestRc::Match;
    }
    let key = util::op_key(&ws.resources[r].id, &task, interval);
    ws.digest_cache.insert((n, key), data.clone());
    data
}

/// `pe__compare_fencing_digest`.
pub fn compare_fencing_digest(ws: &mut WorkingSet, r: RscId, agent: &str, n: NodeId) -> Digests {
    let mut data = rsc_action_digest(ws, r, "stonith-on", 0, n, None, true);
    let rid = ws.resources[r].id.clone();
    let Some(summary) = ws.node_attr(n, "#digests-all").map(str::to_owned) else {
        data.rc = DigestRc::Unknown;
        return data;
    };
    if summary.contains(&format!("{rid}:{agent}:{}", data.digest_all_calc)) {
        data.rc = DigestRc::Match;
        return data;
    }
    if let (Some(sec), Some(calc)) = (
        ws.node_attr(n, "#digests-secure").map(str::to_owned),
        data.digest_secure_calc.clone(),
    ) {
        if sec.contains(&format!("{rid}:{agent}:{calc}")) {
            data.rc = DigestRc::Match;
            ws.messages.push(crate::model::Msg::Info(format!(
                "Only 'private' parameters to {rid} for unfencing {} changed",
                ws.nodes[n].uname
            )));
            return data;
        }
    }
    data.rc = DigestRc::All;
    if ws.is_set(wsflags::SANITIZED) {
        if let Some(calc) = &data.digest_secure_calc {
            ws.messages.push(crate::model::Msg::Info(format!(
                "Parameters to {rid} for unfencing {} changed, try '{rid}:{agent}:{calc}'",
                ws.nodes[n].uname
            )));
        }
    }
    data
}
