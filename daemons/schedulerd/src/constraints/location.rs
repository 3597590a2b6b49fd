//! Location constraints (lib/pacemaker/pcmk_sched_location.c).

use crate::constraints::{
    expand_tags_in_sets, find_constraint_resource, tag_to_set, valid_resource_or_tag, RscOrTag,
};
use crate::iso8601::CrmTime;
use crate::model::{Discover, LocId, Location, NodeId, NodeScore, RscId, WorkingSet};
use crate::rules::{eval_expr, MatchData, RuleData};
use crate::util::{self, add_scores, char2score, Role, INFINITY};
use crate::xml::XmlId;

/// `pcmk__new_location`.
#[doc(alias = "pcmk__new_location")]
pub fn new_location(
    ws: &mut WorkingSet,
    id: &str,
    rsc: RscId,
    node_weight: i32,
    discover_mode: Option<&str>,
    node: Option<NodeId>,
) -> Option<LocId> {
    if node.is_none() && node_weight != 0 {
        return None;
    }
    let mode = match discover_mode {
        None => Discover::Always,
        Some(m) if m.eq_ignore_ascii_case("always") => Discover::Always,
        Some(m) if m.eq_ignore_ascii_case("never") => Discover::Never,
        Some(m) if m.eq_ignore_ascii_case("exclusive") => {
            ws.resources[rsc].exclusive_discover = true;
            Discover::Exclusive
        }
        Some(m) => {
            crate::config_err!(
                "pcmk__new_location",
                "Invalid resource-discovery value {m} in location constraint"
            );
            Discover::Always
        }
    };
    let mut nodes = Vec::new();
    if let Some(n) = node {
        let mut copy = ws.nodes[n].score(n);
        copy.weight = node_weight;
        nodes.push(copy);
    }
    let l = ws.locations.len();
    ws.locations.push(Location {
        id: id.to_owned(),
        rsc,
        role_filter: Role::Unknown,
        discover_mode: mode,
        nodes,
    });
    ws.resources[rsc].rsc_location.insert(0, l);
    Some(l)
}

fn get_node_score(
    ws: &WorkingSet,
    rule: &str,
    score: Option<&str>,
    raw: bool,
    n: NodeId,
    rsc: RscId,
) -> i32 {
    match score {
        None => {
            crate::config_err!(
                "get_node_score",
                "Rule {rule}: no score specified.  Assuming 0."
            );
            0
        }
        Some(s) if raw => char2score(Some(s)),
        Some(s) => match node_attribute_calculated(ws, n, s, rsc) {
            None => -INFINITY,
            Some(v) => char2score(Some(v)),
        },
    }
}

/// `pe_node_attribute_calculated`.
pub fn node_attribute_calculated<'a>(
    ws: &'a WorkingSet,
    n: NodeId,
    name: &str,
    rsc: RscId,
) -> Option<&'a str> {
    let source = ws.resources[rsc].meta.get("container-attribute-target");
    if !source.is_some_and(|s| s.eq_ignore_ascii_case("host")) {
        return ws.node_attr(n, name);
    }
    let remote = ws.nodes[n].remote_rsc?;
    let container = ws.resources[remote].container?;
    let host = *ws.resources[container].running_on.first()?;
    ws.node_attr(host, name)
}

/// `generate_location_rule`.
fn generate_location_rule(
    ws: &mut WorkingSet,
    rsc: RscId,
    rule_xml: XmlId,
    discovery: Option<&str>,
    next_change: &mut CrmTime,
    re_match: Option<&MatchData>,
) {
    let Some(rule_xml) = ws.doc.expand_idref(rule_xml, ws.cib) else {
        return;
    };
    let rule_id = ws.doc.id(rule_xml).map(str::to_owned);
    let boolean = ws.doc.attr(rule_xml, "boolean-op").map(str::to_owned);
    let role = ws.doc.attr(rule_xml, "role").map(str::to_owned);
    if let Some(r) = &role {
        if Role::parse(r) == Role::Unknown {
            crate::config_err!(
                "generate_location_rule",
                "Bad role specified for {}: {r}",
                rule_id.as_deref().unwrap_or("(null)")
            );
            return;
        }
    }
    let mut raw_score = true;
    let mut score = ws.doc.attr(rule_xml, "score").map(str::to_owned);
    if score.is_none() {
        score = ws.doc.attr(rule_xml, "score-attribute").map(str::to_owned);
        if score.is_some() {
            raw_score = false;
        }
    }
    let do_and = !util::eq_casei(boolean.as_deref(), "or");
    let Some(rule_id) = rule_id else { return };
    let Some(loc) = new_location(ws, &rule_id, rsc, 0, discovery, None) else {
        return;
    };
    if let Some(m) = re_match {
        if !m.groups.is_empty() && m.groups[0].is_some() && !raw_score {
            if let Some(s) = score.as_deref() {
                if let Some(res) = crate::rules::eval::expand_re_matches(s, m) {
                    score = Some(res);
                }
            }
        }
    }
    if let Some(r) = &role {
        let mut rf = Role::parse(r);
        if rf == Role::Unpromoted {
            rf = Role::Unknown;
        }
        ws.locations[loc].role_filter = rf;
    }
    let mut match_l: Vec<NodeScore> = Vec::new();
    if do_and {
        // the reference copies with g_list_prepend: reverse list order
        for &n in ws.node_list.iter().rev() {
            let mut s = ws.nodes[n].score(n);
            s.weight = get_node_score(ws, &rule_id, score.as_deref(), raw_score, n, rsc);
            match_l.push(s);
        }
    }
    let nodes = ws.node_list.clone();
    for n in nodes {
        let params = ws.rsc_params(rsc, Some(n));
        let accept = {
            let now = ws.now;
            let mut data = RuleData::new(&now);
            data.node_attrs = Some(&ws.nodes[n].attrs);
            data.match_data = Some(MatchData {
                string: re_match.map_or("", |m| m.string),
                groups: re_match.map(|m| m.groups.clone()).unwrap_or_default(),
                params: Some(&params),
                meta: Some(&ws.resources[rsc].meta),
            });
            eval_expr(&ws.doc, rule_xml, &data, Some(next_change))
        };
        let score_f = get_node_score(ws, &rule_id, score.as_deref(), raw_score, n, rsc);
        let pos = match_l.iter().position(|s| s.node == n);
        if accept {
            match pos {
                None if do_and => continue,
                None => {
                    let mut s = ws.nodes[n].score(n);
                    if !do_and {
                        s.weight = add_scores(s.weight, score_f);
                    }
                    match_l.push(s);
                }
                Some(p) => {
                    if !do_and {
                        match_l[p].weight = add_scores(match_l[p].weight, score_f);
                    }
                }
            }
        } else if do_and {
            if let Some(p) = pos {
                match_l.remove(p);
            }
        }
    }
    ws.locations[loc].nodes = match_l;
}

/// `unpack_rsc_location`.
fn unpack_rsc_location(
    ws: &mut WorkingSet,
    xml_obj: XmlId,
    rsc: Option<RscId>,
    role: Option<&str>,
    score: Option<&str>,
    re_match: Option<&MatchData>,
) {
    let id = ws.doc.id(xml_obj).unwrap_or("").to_owned();
    let Some(rsc) = rsc else {
        crate::config_warn!(
            "unpack_rsc_location",
            "Ignoring constraint '{}' because resource '{}' does not exist",
            ws.doc.id(xml_obj).unwrap_or("(null)"),
            ws.doc.attr(xml_obj, "rsc").unwrap_or("(null)")
        );
        return;
    };
    let node = ws.doc.attr(xml_obj, "node").map(str::to_owned);
    let discovery = ws
        .doc
        .attr(xml_obj, "resource-discovery")
        .map(str::to_owned);
    let score = score
        .map(str::to_owned)
        .or_else(|| ws.doc.attr(xml_obj, "score").map(str::to_owned));
    let location;
    if let (Some(node), Some(score)) = (node.as_deref(), score.as_deref()) {
        let score_i = char2score(Some(score));
        let Some(m) = ws.find_node(node) else { return };
        location = new_location(ws, &id, rsc, score_i, discovery.as_deref(), Some(m));
    } else {
        let mut next_change = CrmTime::undefined();
        let rules: Vec<XmlId> = ws.doc.children_named(xml_obj, "rule").collect();
        if rules.is_empty() {
            crate::config_err!(
                "unpack_rsc_location",
                "Ignoring constraint '{id}' because it contains no rules"
            );
        }
        for rule in rules {
            generate_location_rule(
                ws,
                rsc,
                rule,
                discovery.as_deref(),
                &mut next_change,
                re_match,
            );
        }
        crate::unpack::update_recheck(ws, &next_change);
        return;
    }
    let role = role
        .map(str::to_owned)
        .or_else(|| ws.doc.attr(xml_obj, "role").map(str::to_owned));
    if let (Some(l), Some(role)) = (location, role) {
        let r = Role::parse(&role);
        if r == Role::Unknown {
            crate::config_err!(
                "unpack_rsc_location",
                "Invalid constraint {id}: Bad role {role}"
            );
            return;
        }
        ws.locations[l].role_filter = match r {
            Role::Unknown | Role::Started | Role::Unpromoted => Role::Unknown,
            other => other,
        };
    }
}

/// `unpack_simple_location`.
fn unpack_simple_location(ws: &mut WorkingSet, xml_obj: XmlId) {
    if let Some(value) = ws.doc.attr(xml_obj, "rsc").map(str::to_owned) {
        let rsc = find_constraint_resource(ws, &value);
        unpack_rsc_location(ws, xml_obj, rsc, None, None, None);
    }
    if let Some(value) = ws.doc.attr(xml_obj, "rsc-pattern").map(str::to_owned) {
        let (invert, pattern) = match value.strip_prefix('!') {
            Some(p) => (true, p.to_owned()),
            None => (false, value.clone()),
        };
        let Some(re) = crate::posix_re::Regex::new(&pattern) else {
            crate::config_err!(
                "unpack_simple_location",
                "Ignoring constraint '{}' because rsc-pattern has invalid value '{pattern}'",
                ws.doc.id(xml_obj).unwrap_or("(null)")
            );
            return;
        };
        for r in ws.top.clone() {
            let rid = ws.resources[r].id.clone();
            let m = re.exec(&rid);
            match (invert, m) {
                (false, Some(groups)) => {
                    let md = MatchData {
                        string: &rid,
                        groups,
                        params: None,
                        meta: None,
                    };
                    unpack_rsc_location(ws, xml_obj, Some(r), None, None, Some(&md));
                }
                (true, None) => unpack_rsc_location(ws, xml_obj, Some(r), None, None, None),
                _ => {}
            }
        }
    }
}

/// `unpack_location_tags`.
fn unpack_location_tags(ws: &mut WorkingSet, xml_obj: XmlId) -> Result<Option<XmlId>, ()> {
    if let Some(e) = expand_tags_in_sets(ws, xml_obj)? {
        return Ok(Some(e));
    }
    let Some(rsc_id) = ws.doc.attr(xml_obj, "rsc").map(str::to_owned) else {
        return Ok(None);
    };
    match valid_resource_or_tag(ws, &rsc_id) {
        None => {
            crate::config_err!(
                "unpack_location_tags",
                "Ignoring constraint '{}' because '{rsc_id}' is not a valid resource or tag",
                ws.doc.id(xml_obj).unwrap_or("(null)")
            );
            return Err(());
        }
        Some(RscOrTag::Rsc(_)) => return Ok(None),
        Some(RscOrTag::Tag(_)) => {}
    }
    let state = ws.doc.attr(xml_obj, "role").map(str::to_owned);
    let expanded = ws.doc.copy(xml_obj, None);
    let set = tag_to_set(ws, expanded, "rsc", false)?;
    match set {
        Some(set) => {
            if let Some(st) = state {
                ws.doc.set_attr(set, "role", &st);
                ws.doc.remove_attr(expanded, "role");
            }
            Ok(Some(expanded))
        }
        None => Ok(None),
    }
}

/// `unpack_location_set`.
fn unpack_location_set(ws: &mut WorkingSet, location: XmlId, set: XmlId) -> bool {
    let Some(set_id) = ws.doc.id(set).map(str::to_owned) else {
        crate::config_err!(
            "unpack_location_set",
            "Ignoring resource_set without id in constraint '{}'",
            ws.doc.id(location).unwrap_or("(missing ID)")
        );
        return false;
    };
    let role = ws.doc.attr(set, "role").map(str::to_owned);
    let local_score = ws.doc.attr(set, "score").map(str::to_owned);
    let refs: Vec<XmlId> = ws.doc.children_named(set, "resource_ref").collect();
    for r in refs {
        let id = ws.doc.id(r).unwrap_or("").to_owned();
        let Some(resource) = find_constraint_resource(ws, &id) else {
            crate::config_err!(
                "unpack_location_set",
                "{set_id}: No resource found for {}",
                ws.doc.id(r).unwrap_or("(null)")
            );
            return false;
        };
        unpack_rsc_location(
            ws,
            location,
            Some(resource),
            role.as_deref(),
            local_score.as_deref(),
            None,
        );
    }
    true
}

/// `pcmk__unpack_location`.
pub fn unpack_location(ws: &mut WorkingSet, xml_obj: XmlId) {
    let Ok(expanded) = unpack_location_tags(ws, xml_obj) else {
        return;
    };
    let obj = expanded.unwrap_or(xml_obj);
    let sets: Vec<XmlId> = ws.doc.children_named(obj, "resource_set").collect();
    let any_sets = !sets.is_empty();
    for set in sets {
        let Some(set) = ws.doc.expand_idref(set, ws.cib) else {
            return;
        };
        if !unpack_location_set(ws, obj, set) {
            return;
        }
    }
    if !any_sets {
        unpack_simple_location(ws, xml_obj);
    }
}

/// `pcmk__apply_location` for one resource.
pub fn apply_location_to(ws: &mut WorkingSet, r: RscId, loc: LocId) {
    let location = &ws.locations[loc];
    let need_role = location.role_filter > Role::Unknown;
    if need_role && location.role_filter != ws.resources[r].next_role {
        return;
    }
    if location.nodes.is_empty() {
        return;
    }
    let mode = location.discover_mode;
    let nodes = location.nodes.clone();
    for node in nodes {
        let table = &mut ws.resources[r].allowed_nodes;
        match table.get_mut(node.node) {
            None => table.insert(node),
            Some(w) => w.weight = add_scores(w.weight, node.weight),
        }
        let Some(w) = ws.resources[r].allowed_nodes.get_mut(node.node) else {
            continue;
        };
        if w.discover < mode {
            if mode == Discover::Exclusive {
                ws.resources[r].exclusive_discover = true;
            }
            if let Some(w) = ws.resources[r].allowed_nodes.get_mut(node.node) {
                w.discover = mode;
            }
        }
    }
}

/// `rsc->cmds->apply_location` (primitive, group, clone).
pub fn apply_location(ws: &mut WorkingSet, r: RscId, loc: LocId) {
    match ws.resources[r].variant {
        crate::model::Variant::Group => {
            let orig = ws.locations[loc].nodes.clone();
            let mut copy = orig.clone();
            copy.reverse();
            for c in copy.iter_mut() {
                c.weight = 0;
            }
            let mut reset = ws.resources[r].group.colocated;
            apply_location_to(ws, r, loc);
            for c in ws.resources[r].children.clone() {
                apply_location(ws, c, loc);
                if reset {
                    reset = false;
                    ws.locations[loc].nodes = copy.clone();
                }
            }
            ws.locations[loc].nodes = orig;
        }
        crate::model::Variant::Clone => {
            apply_location_to(ws, r, loc);
            for c in ws.resources[r].children.clone() {
                apply_location(ws, c, loc);
            }
        }
        crate::model::Variant::Container => {
            // pcmk__bundle_rsc_location
            apply_location_to(ws, r, loc);
            for rep in crate::assign::bundle::replicas(ws, r) {
                if let Some(c) = rep.container {
                    apply_location(ws, c, loc);
                }
                if let Some(ip) = rep.ip {
                    apply_location(ws, ip, loc);
                }
            }
            let child = ws.resources[r].bundle.as_ref().and_then(|b| b.child);
            let role = ws.locations[loc].role_filter;
            if let Some(child) = child {
                if role == crate::util::Role::Unpromoted || role == crate::util::Role::Promoted {
                    apply_location(ws, child, loc);
                    ws.resources[child].rsc_location.insert(0, loc);
                }
            }
        }
        _ => apply_location_to(ws, r, loc),
    }
}

/// `pcmk__apply_locations`: every location constraint, newest first.
pub fn apply_locations(ws: &mut WorkingSet) {
    for loc in (0..ws.locations.len()).rev() {
        let r = ws.locations[loc].rsc;
        apply_location(ws, r, loc);
    }
}
