//! Resource definitions (lib/pengine/complex.c, native.c, group.c,
//! clone.c unpacking).

use std::collections::HashMap;

use crate::glib;
use crate::iso8601::CrmTime;
use crate::model::{
    rflags, wsflags, CloneData, GroupData, NodeScore, NodeTable, Recovery, Resource, RscId,
    Variant, WorkingSet,
};
use crate::rules::{unpack_nvpairs, RscData, RuleData};
use crate::util::{self, char2score, is_true, ra_caps, Role, INFINITY};
use crate::xml::{XmlDoc, XmlId};

/// `pe_find_resource_with_flags` search modes (`enum pe_find`).
pub mod find {
    pub const RENAMED: u32 = 0x001;
    pub const ANON: u32 = 0x002;
    pub const CLONE: u32 = 0x004;
    pub const CURRENT: u32 = 0x008;
    pub const INACTIVE: u32 = 0x010;
    pub const ANY: u32 = 0x020;
}

/// `pe_base_name_end`: index of the last character of the id without a
/// `:N` clone suffix.
pub fn base_name_end(id: &str) -> usize {
    let b = id.as_bytes();
    if b.is_empty() {
        return 0;
    }
    let end = b.len() - 1;
    let mut s = end;
    while s > 0 {
        match b[s] {
            b'0'..=b'9' => {}
            b':' => return if s == end { s } else { s - 1 },
            _ => return end,
        }
        s -= 1;
    }
    end
}

/// `clone_strip`: the id without its clone suffix.
pub fn clone_strip(id: &str) -> String {
    if id.is_empty() {
        return String::new();
    }
    id[..=base_name_end(id)].to_owned()
}

/// `clone_zero`: the id of instance 0.
pub fn clone_zero(id: &str) -> String {
    if id.is_empty() {
        return ":0".into();
    }
    format!("{}:0", &id[..=base_name_end(id)])
}

fn base_name_eq(rsc_id: &str, id: &str) -> bool {
    if rsc_id.is_empty() {
        return false;
    }
    let base_len = base_name_end(rsc_id) + 1;
    id.len() == base_len && rsc_id.as_bytes()[..base_len] == *id.as_bytes()
}

impl WorkingSet {
    /// `uber_parent`: the top-most ancestor below any bundle.
    pub fn uber_parent(&self, mut r: RscId) -> RscId {
        while let Some(p) = self.resources[r].parent {
            if self.resources[p].variant == Variant::Container {
                break;
            }
            r = p;
        }
        r
    }

    /// `pe_rsc_is_clone`.
    pub fn is_clone(&self, r: RscId) -> bool {
        self.resources[r].variant == Variant::Clone
    }

    /// `pe_rsc_is_anon_clone`.
    pub fn is_anon_clone(&self, r: RscId) -> bool {
        self.is_clone(r) && !self.resources[r].is_set(rflags::UNIQUE)
    }

    /// `pe_rsc_is_unique_clone`.
    pub fn is_unique_clone(&self, r: Option<RscId>) -> bool {
        r.is_some_and(|r| self.is_clone(r) && self.resources[r].is_set(rflags::UNIQUE))
    }

    /// `pe_rsc_is_bundled`.
    pub fn is_bundled(&self, r: RscId) -> bool {
        let top = self.uber_parent(r);
        self.resources[top]
            .parent
            .is_some_and(|p| self.resources[p].variant == Variant::Container)
    }

    /// `is_parent(child, rsc)`: whether `rsc` is an ancestor of `child`.
    pub fn is_parent(&self, child: RscId, rsc: RscId) -> bool {
        let mut p = child;
        while let Some(pp) = self.resources[p].parent {
            if pp == rsc {
                return true;
            }
            p = pp;
        }
        false
    }

    /// `native_find_rsc` and friends.
    #[doc(alias = "native_find_rsc")]
    pub fn find_rsc_in(
        &self,
        r: RscId,
        id: &str,
        on_node: Option<usize>,
        flags: u32,
    ) -> Option<RscId> {
        let rsc = &self.resources[r];
        let mut matched = false;
        if flags & find::CLONE != 0 {
            let rid = self.doc.id(rsc.xml);
            if !self.is_clone(self.uber_parent(r)) {
                matched = false;
            } else if id == rsc.id || rid == Some(id) {
                matched = true;
            }
        } else if id == rsc.id {
            matched = true;
        } else if flags & find::RENAMED != 0 && rsc.clone_name.as_deref() == Some(id) {
            matched = true;
        } else if flags & find::ANY != 0 || (flags & find::ANON != 0 && !rsc.is_set(rflags::UNIQUE))
        {
            matched = base_name_eq(&rsc.id, id);
        }
        if matched {
            if let Some(n) = on_node {
                if !self.rsc_is_on_node(r, n, flags) {
                    matched = false;
                }
            }
        }
        if matched {
            return Some(r);
        }
        for &c in &rsc.children {
            if let Some(found) = self.find_rsc_in(c, id, on_node, flags) {
                return Some(found);
            }
        }
        None
    }

    fn rsc_is_on_node(&self, r: RscId, n: usize, flags: u32) -> bool {
        let rsc = &self.resources[r];
        if flags & find::CURRENT != 0 && !rsc.running_on.is_empty() {
            rsc.running_on.contains(&n)
        } else if flags & find::INACTIVE != 0 && rsc.running_on.is_empty() {
            true
        } else {
            flags & find::CURRENT == 0 && rsc.allocated_to.is_some_and(|a| a.node == n)
        }
    }

    /// `pe_find_resource_with_flags` over a list of resources.
    pub fn find_resource_in_list(&self, list: &[RscId], id: &str, flags: u32) -> Option<RscId> {
        list.iter()
            .find_map(|&r| self.find_rsc_in(r, id, None, flags))
    }

    /// `pe_find_resource` over the top-level resources (renamed instances
    /// match by their history name).
    #[doc(alias = "pe_find_resource")]
    pub fn find_resource(&self, id: &str) -> Option<RscId> {
        let by_id = self.rsc_by_id.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let by_name = self
            .rsc_by_clone_name
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match (by_id.len(), by_name.len()) {
            (0, 0) => None,
            (1, 0) => Some(by_id[0]),
            (0, 1) => Some(by_name[0]),
            _ => self.find_resource_in_list(&self.top, id, find::RENAMED),
        }
    }

    /// Set a resource's history name, keeping the lookup index current.
    pub fn set_clone_name(&mut self, r: RscId, name: Option<String>) {
        if let Some(old) = self.resources[r].clone_name.take() {
            if let Some(v) = self.rsc_by_clone_name.get_mut(&old) {
                v.retain(|&x| x != r);
            }
        }
        if let Some(n) = &name {
            self.rsc_by_clone_name.entry(n.clone()).or_default().push(r);
        }
        self.resources[r].clone_name = name;
    }

    /// `rsc_printable_id`.
    pub fn printable_id(&self, r: RscId) -> &str {
        let rsc = &self.resources[r];
        if !rsc.is_set(rflags::UNIQUE) {
            self.doc.id(rsc.xml).unwrap_or("")
        } else {
            &rsc.id
        }
    }

    /// `pe__resource_is_disabled`.
    pub fn resource_is_disabled(&self, r: RscId) -> bool {
        if let Some(tr) = self.resources[r].meta.get("target-role") {
            let role = Role::parse(tr);
            if role == Role::Stopped
                || (role == Role::Unpromoted
                    && self.resources[self.uber_parent(r)].is_set(rflags::PROMOTABLE))
            {
                return true;
            }
        }
        false
    }

    /// `pe__current_node`: the node the resource is active on (`pe__find_active_on`).
    pub fn current_node(&self, r: RscId) -> Option<usize> {
        crate::assign::find_active_on(self, r).0
    }

    /// `pe_rsc_params`: instance attributes for a node (cached).
    #[doc(alias = "pe_rsc_params")]
    pub fn rsc_params(&mut self, r: RscId, node: Option<usize>) -> HashMap<String, String> {
        let key = node
            .map(|n| self.nodes[n].uname.to_ascii_lowercase())
            .unwrap_or_default();
        if let Some(p) = self.resources[r].param_cache.get(&key) {
            return p.clone();
        }
        let mut hash = HashMap::new();
        let nc = get_rsc_attributes(self, &mut hash, r, node);
        super::update_recheck(self, &nc);
        self.resources[r].param_cache.insert(key, hash.clone());
        hash
    }
}

/// `get_rsc_attributes`: instance attributes of a resource and its
/// ancestors, then the resource defaults (first value wins).
fn get_rsc_attributes(
    ws: &WorkingSet,
    hash: &mut HashMap<String, String>,
    r: RscId,
    node: Option<usize>,
) -> CrmTime {
    let now = ws.now;
    let mut data = RuleData::new(&now);
    if let Some(n) = node {
        data.node_attrs = Some(&ws.nodes[n].attrs);
    }
    let mut nc = CrmTime::undefined();
    let mut cur = Some(r);
    while let Some(c) = cur {
        unpack_nvpairs(
            &ws.doc,
            ws.cib,
            Some(ws.resources[c].xml),
            Some("instance_attributes"),
            &data,
            hash,
            None,
            false,
            Some(&mut nc),
        );
        cur = ws.resources[c].parent;
    }
    unpack_nvpairs(
        &ws.doc,
        ws.cib,
        ws.rsc_defaults,
        Some("instance_attributes"),
        &data,
        hash,
        None,
        false,
        Some(&mut nc),
    );
    nc
}

/// `add_hash_param`: insert unless present or `#default`.
pub fn add_hash_param(hash: &mut HashMap<String, String>, name: &str, value: &str) {
    if value.eq_ignore_ascii_case("#default") {
        return;
    }
    if !hash.contains_key(name) {
        hash.insert(name.to_owned(), value.to_owned());
    }
}

/// `get_meta_attributes` (for no particular node).
fn get_meta_attributes(ws: &WorkingSet, r: RscId) -> (HashMap<String, String>, CrmTime) {
    let doc = &ws.doc;
    let rsc = &ws.resources[r];
    let xml = rsc.xml;
    let mut meta = HashMap::new();
    let now = ws.now;
    let mut data = RuleData::new(&now);
    data.rsc = Some(RscData {
        standard: doc.attr(xml, "class"),
        provider: doc.attr(xml, "provider"),
        agent: doc.attr(xml, "type"),
    });
    for (k, v) in doc.attrs(xml) {
        add_hash_param(&mut meta, k, v);
    }
    let mut nc = CrmTime::undefined();
    unpack_nvpairs(
        doc,
        ws.cib,
        Some(xml),
        Some("meta_attributes"),
        &data,
        &mut meta,
        None,
        false,
        Some(&mut nc),
    );
    if rsc.parent.is_some() {
        let mut parent_orig = HashMap::new();
        let mut p = rsc.parent;
        while let Some(pp) = p {
            unpack_nvpairs(
                doc,
                ws.cib,
                Some(ws.resources[pp].xml),
                Some("meta_attributes"),
                &data,
                &mut parent_orig,
                None,
                false,
                Some(&mut nc),
            );
            p = ws.resources[pp].parent;
        }
        for (k, v) in &parent_orig {
            add_hash_param(&mut meta, k, v);
        }
    }
    unpack_nvpairs(
        doc,
        ws.cib,
        ws.rsc_defaults,
        Some("meta_attributes"),
        &data,
        &mut meta,
        None,
        false,
        Some(&mut nc),
    );
    if let Some(p) = rsc.parent {
        for (k, v) in &ws.resources[p].meta {
            add_hash_param(&mut meta, k, v);
        }
    }
    (meta, nc)
}

/// `get_target_role`: the configured target role, if meaningful.
pub fn get_target_role(ws: &WorkingSet, r: RscId) -> Option<Role> {
    let value = ws.resources[r].meta.get("target-role")?;
    if value.eq_ignore_ascii_case("started") || value.eq_ignore_ascii_case("default") {
        return None;
    }
    let role = Role::parse(value);
    if role == Role::Unknown {
        crate::config_err!(
            "get_target_role",
            "Ignoring 'target-role' for {} because '{value}' is not valid",
            ws.resources[r].id
        );
        return None;
    }
    if role > Role::Started {
        if ws.resources[ws.uber_parent(r)].is_set(rflags::PROMOTABLE) {
            if role > Role::Unpromoted {
                return None;
            }
        } else {
            crate::config_err!(
                "get_target_role",
                "Ignoring 'target-role' for {} because '{value}' only makes sense for promotable clones",
                ws.resources[r].id
            );
            return None;
        }
    }
    Some(role)
}

fn template_op_key(doc: &XmlDoc, op: XmlId) -> String {
    let name = doc.attr(op, "name").unwrap_or("(null)");
    let role = match doc.attr(op, "role") {
        None => "Unknown",
        Some(r)
            if ["Started", "Unpromoted", "Slave"]
                .iter()
                .any(|x| r.eq_ignore_ascii_case(x)) =>
        {
            "Unknown"
        }
        Some(r) => r,
    };
    format!("{name}-{role}")
}

/// `unpack_template`: `Ok(None)` without a template reference,
/// `Ok(Some(expanded))` with one, `Err` when it cannot be expanded.
fn unpack_template(ws: &mut WorkingSet, xml_obj: XmlId) -> Result<Option<XmlId>, ()> {
    let Some(template_ref) = ws.doc.attr(xml_obj, "template").map(str::to_owned) else {
        return Ok(None);
    };
    let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "unpack_template",
            "'{}' object must have a id",
            ws.doc.name(xml_obj)
        );
        return Err(());
    };
    if template_ref == id {
        crate::config_err!(
            "unpack_template",
            "The resource object '{id}' should not reference itself"
        );
        return Err(());
    }
    let Some(cib_resources) = ws.xpath_single("resources") else {
        crate::config_err!("unpack_template", "No resources configured");
        return Err(());
    };
    let template = ws
        .doc
        .children_named(cib_resources, "template")
        .find(|&t| ws.doc.id(t) == Some(template_ref.as_str()));
    let Some(template) = template else {
        crate::config_err!("unpack_template", "No template named '{template_ref}'");
        return Err(());
    };
    let new_xml = ws.doc.copy(template, None);
    let name = ws.doc.name(xml_obj).to_owned();
    ws.doc.set_name(new_xml, &name);
    ws.doc.set_attr(new_xml, "id", &id);
    if let Some(clone) = ws.doc.attr(xml_obj, "clone").map(str::to_owned) {
        ws.doc.set_attr(new_xml, "clone", &clone);
    }
    let template_ops = ws.doc.first_child(new_xml, "operations");
    let mut rsc_ops = None;
    let kids: Vec<XmlId> = ws.doc.children(xml_obj).to_vec();
    for child in kids {
        let new_child = ws.doc.copy(child, Some(new_xml));
        if ws.doc.name(new_child) == "operations" {
            rsc_ops = Some(new_child);
        }
    }
    if let (Some(tops), Some(rops)) = (template_ops, rsc_ops) {
        let mut keys = std::collections::HashSet::new();
        for &op in ws.doc.children(rops) {
            keys.insert(template_op_key(&ws.doc, op));
        }
        let tkids: Vec<XmlId> = ws.doc.children(tops).to_vec();
        for op in tkids {
            if !keys.contains(&template_op_key(&ws.doc, op)) {
                ws.doc.copy(op, Some(rops));
            }
        }
        ws.doc.unlink(tops);
    }
    Ok(Some(new_xml))
}

fn add_template_rsc(ws: &mut WorkingSet, xml_obj: XmlId) -> bool {
    let Some(template_ref) = ws.doc.attr(xml_obj, "template").map(str::to_owned) else {
        return true;
    };
    let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "add_template_rsc",
            "'{}' object must have a id",
            ws.doc.name(xml_obj)
        );
        return false;
    };
    if template_ref == id {
        crate::config_err!(
            "add_template_rsc",
            "The resource object '{id}' should not reference itself"
        );
        return false;
    }
    let entry = ws.template_rsc_sets.entry(template_ref).or_insert(None);
    let refs = entry.get_or_insert_with(Vec::new);
    if !refs.contains(&id) {
        refs.push(id);
    }
    true
}

/// `unpack_requires`.
fn unpack_requires(ws: &mut WorkingSet, r: RscId, value: Option<&str>) {
    let is = |x: &str| value.is_some_and(|v| v.eq_ignore_ascii_case(x));
    if is("nothing") {
    } else if is("quorum") {
        ws.resources[r].set(rflags::NEEDS_QUORUM);
    } else if is("fencing") {
        ws.resources[r].set(rflags::NEEDS_FENCING);
        if !ws.is_set(wsflags::STONITH_ENABLED) {
            crate::config_warn!(
                "unpack_requires",
                "{} requires fencing but fencing is disabled",
                ws.resources[r].id
            );
        }
    } else if is("unfencing") {
        if ws.resources[r].is_set(rflags::FENCE_DEVICE) {
            crate::config_warn!(
                "unpack_requires",
                "Resetting \"requires\" for {} to \"quorum\" because fencing devices cannot require unfencing",
                ws.resources[r].id
            );
            unpack_requires(ws, r, Some("quorum"));
        } else if !ws.is_set(wsflags::STONITH_ENABLED) {
            crate::config_warn!(
                "unpack_requires",
                "Resetting \"requires\" for {} to \"quorum\" because fencing is disabled",
                ws.resources[r].id
            );
            unpack_requires(ws, r, Some("quorum"));
        } else {
            ws.resources[r].set(rflags::NEEDS_FENCING | rflags::NEEDS_UNFENCING);
        }
    } else {
        let v = if ws.resources[r].is_set(rflags::FENCE_DEVICE) {
            "quorum"
        } else if ws.resources[r].variant == Variant::Native
            && super::nodes::xml_contains_remote_node(ws, ws.resources[r].xml)
        {
            "quorum"
        } else if ws.is_set(wsflags::ENABLE_UNFENCING) {
            "unfencing"
        } else if ws.is_set(wsflags::STONITH_ENABLED) {
            "fencing"
        } else if ws.no_quorum_policy == crate::model::QuorumPolicy::Ignore {
            "nothing"
        } else {
            "quorum"
        };
        if let Some(orig) = value {
            crate::config_err!(
                "unpack_requires",
                "Resetting 'requires' for {} to '{v}' because '{orig}' is not valid",
                ws.resources[r].id
            );
        }
        unpack_requires(ws, r, Some(v));
    }
}

fn variant_of(name: &str) -> Option<Variant> {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "primitive" => Some(Variant::Native),
        "group" => Some(Variant::Group),
        "clone" | "master" => Some(Variant::Clone),
        "bundle" => Some(Variant::Container),
        _ => None,
    }
}

/// `pe__unpack_resource`: create a resource (and its children) from XML.
#[doc(alias = "pe__unpack_resource")]
pub fn unpack_resource(
    ws: &mut WorkingSet,
    xml_obj: XmlId,
    parent: Option<RscId>,
) -> Result<RscId, ()> {
    let Some(id) = ws.doc.id(xml_obj).map(str::to_owned) else {
        crate::config_err!(
            "pe__unpack_resource",
            "Ignoring <{}> configuration without id",
            ws.doc.name(xml_obj)
        );
        return Err(());
    };
    let expanded = unpack_template(ws, xml_obj)?;
    let (xml, orig_xml) = match expanded {
        Some(e) => (e, Some(xml_obj)),
        None => (xml_obj, None),
    };
    let ops = ws.doc.first_child(xml, "operations");
    let ops_xml = ops.and_then(|o| ws.doc.expand_idref(o, ws.cib));
    let Some(variant) = variant_of(ws.doc.name(xml)) else {
        crate::config_err!(
            "pe__unpack_resource",
            "Ignoring resource '{id}' of unknown type '{}'",
            ws.doc.name(xml)
        );
        return Err(());
    };
    let rid = match ws.doc.attr(xml, "clone") {
        Some(v) => format!("{id}:{v}"),
        None => id.clone(),
    };
    let mut meta = HashMap::new();
    if let Some(v) = ws.doc.attr(xml, "clone") {
        meta.insert("clone".to_owned(), v.to_owned());
    }
    let r = ws.resources.len();
    ws.resources.push(Resource {
        id: rid,
        clone_name: None,
        xml,
        orig_xml,
        ops_xml,
        parent,
        variant,
        group: GroupData::default(),
        clone: CloneData::default(),
        bundle: None,
        recovery_type: Recovery::StopStart,
        restart_restart: false,
        priority: 0,
        stickiness: 0,
        sort_index: 0,
        failure_timeout: 0,
        migration_threshold: INFINITY,
        remote_reconnect_ms: 0,
        pending_task: None,
        flags: 0,
        is_remote_node: false,
        exclusive_discover: false,
        rsc_cons_lhs: Vec::new(),
        rsc_cons: Vec::new(),
        rsc_location: Vec::new(),
        actions: Vec::new(),
        rsc_tickets: Vec::new(),
        allocated_to: None,
        partial_migration_target: None,
        partial_migration_source: None,
        running_on: Vec::new(),
        known_on: NodeTable::new(),
        allowed_nodes: NodeTable::new(),
        role: Role::Stopped,
        next_role: Role::Unknown,
        meta,
        parameters: HashMap::new(),
        param_cache: HashMap::new(),
        utilization: HashMap::new(),
        children: Vec::new(),
        dangling_migrations: Vec::new(),
        container: None,
        fillers: Vec::new(),
        pending_node: None,
        lock_node: None,
        lock_time: 0,
        action_index: HashMap::new(),
    });
    let (meta_more, nc) = get_meta_attributes(ws, r);
    super::update_recheck(ws, &nc);
    for (k, v) in meta_more {
        ws.resources[r].meta.entry(k).or_insert(v);
    }
    let params = ws.rsc_params(r, None);
    ws.resources[r].parameters = params;

    let mut flags = rflags::RUNNABLE | rflags::PROVISIONAL;
    if !ws.is_set(wsflags::MAINTENANCE_MODE) {
        flags |= rflags::MANAGED;
    }
    ws.resources[r].flags = flags;

    let meta = ws.resources[r].meta.clone();
    let get = |k: &str| meta.get(k).map(String::as_str);
    ws.resources[r].priority = char2score(get("priority"));
    if get("critical").map_or(true, |v| is_true(Some(v))) {
        ws.resources[r].set(rflags::CRITICAL);
    }
    if is_true(get("notify")) {
        ws.resources[r].set(rflags::NOTIFY);
    }
    let mut guest_node = false;
    let mut remote_node = false;
    if super::nodes::xml_contains_remote_node(ws, xml) {
        ws.resources[r].is_remote_node = true;
        if get("container").is_some() {
            guest_node = true;
        } else {
            remote_node = true;
        }
    }
    let am = get("allow-migrate");
    if is_true(am) || (am.is_none() && remote_node) {
        ws.resources[r].set(rflags::ALLOW_MIGRATE);
    }
    if let Some(v) = get("is-managed") {
        if !v.eq_ignore_ascii_case("default") {
            if is_true(Some(v)) {
                ws.resources[r].set(rflags::MANAGED);
            } else {
                ws.resources[r].clear(rflags::MANAGED);
            }
        }
    }
    if is_true(get("maintenance")) {
        ws.resources[r].clear(rflags::MANAGED);
        ws.resources[r].set(rflags::MAINTENANCE);
    }
    if ws.is_set(wsflags::MAINTENANCE_MODE) {
        ws.resources[r].clear(rflags::MANAGED);
        ws.resources[r].set(rflags::MAINTENANCE);
    }
    let top = ws.uber_parent(r);
    if ws.is_clone(top) {
        if is_true(get("globally-unique")) {
            ws.resources[r].set(rflags::UNIQUE);
        }
        // detect_promotable
        if is_true(get("promotable")) {
            ws.resources[r].set(rflags::PROMOTABLE);
        } else if ws.doc.name(xml).eq_ignore_ascii_case("master") {
            ws.resources[r]
                .meta
                .insert("promotable".into(), "true".into());
            ws.resources[r].set(rflags::PROMOTABLE);
        }
    } else {
        ws.resources[r].set(rflags::UNIQUE);
    }
    ws.resources[r].restart_restart = util::eq_casei(get("restart-type"), "restart");
    if ws.resources[r].restart_restart {
        crate::warn_once!(
            crate::diag::once::RESTART_TYPE,
            "pe__unpack_resource",
            "Support for restart-type is deprecated and will be removed in a future release"
        );
    }
    let mv = get("multiple-active");
    ws.resources[r].recovery_type = if util::eq_casei(mv, "stop_only") {
        Recovery::StopOnly
    } else if util::eq_casei(mv, "block") {
        Recovery::Block
    } else if util::eq_casei(mv, "stop_unexpected") {
        Recovery::StopUnexpected
    } else {
        if let Some(v) = mv.filter(|v| !v.eq_ignore_ascii_case("stop_start")) {
            crate::config_warn!(
                "pe__unpack_resource",
                "{v} is not a valid value for multiple-active, using default of \"stop_start\""
            );
        }
        Recovery::StopStart
    };
    if let Some(v) = get("resource-stickiness") {
        if !v.eq_ignore_ascii_case("default") {
            ws.resources[r].stickiness = char2score(Some(v));
        }
    }
    if let Some(v) = get("migration-threshold") {
        if !v.eq_ignore_ascii_case("default") {
            let t = char2score(Some(v));
            if t < 0 {
                crate::warn_once!(
                    crate::diag::once::NEG_THRESHOLD,
                    "pe__unpack_resource",
                    "migration-threshold must be non-negative, using 1 instead"
                );
            }
            ws.resources[r].migration_threshold = if t < 0 { 1 } else { t };
        }
    }
    if util::eq_casei(ws.doc.attr(xml, "class"), "stonith") {
        ws.set(wsflags::HAVE_STONITH_RESOURCE);
        ws.resources[r].set(rflags::FENCE_DEVICE);
    }
    unpack_requires(ws, r, get("requires"));
    if let Some(v) = get("failure-timeout") {
        ws.resources[r].failure_timeout = (util::interval_ms(Some(v)) / 1000) as i32;
    }
    if remote_node {
        let params = ws.rsc_params(r, None);
        if let Some(v) = params.get("reconnect_interval") {
            let ms = util::interval_ms(Some(v));
            ws.resources[r].remote_reconnect_ms = ms;
            ws.resources[r].failure_timeout = (ms / 1000) as i32;
        }
    }
    ws.resources[r].next_role = get_target_role(ws, r).unwrap_or(Role::Unknown);

    let ok = match variant {
        Variant::Native => native_unpack(ws, r),
        Variant::Group => group_unpack(ws, r),
        Variant::Clone => clone_unpack(ws, r),
        Variant::Container => super::bundle::unpack_bundle(ws, r),
    };
    if !ok {
        return Err(());
    }
    if ws.is_set(wsflags::SYMMETRIC_CLUSTER) {
        resource_location(ws, r, None, 0, "symmetric_default");
    } else if guest_node {
        resource_location(ws, r, None, 0, "remote_connection_default");
    }
    let now = ws.now;
    let data = RuleData::new(&now);
    let mut util_hash = HashMap::new();
    let mut nc = CrmTime::undefined();
    unpack_nvpairs(
        &ws.doc,
        ws.cib,
        Some(xml),
        Some("utilization"),
        &data,
        &mut util_hash,
        None,
        false,
        Some(&mut nc),
    );
    super::update_recheck(ws, &nc);
    ws.resources[r].utilization = util_hash;
    if expanded.is_some() && !add_template_rsc(ws, xml_obj) {
        return Err(());
    }
    Ok(r)
}

/// `native_unpack`.
fn native_unpack(ws: &mut WorkingSet, r: RscId) -> bool {
    let parent = ws.uber_parent(r);
    let standard = ws.doc.attr(ws.resources[r].xml, "class").map(str::to_owned);
    let caps = ra_caps::of(standard.as_deref());
    if caps & ra_caps::UNIQUE == 0 && ws.resources[r].is_set(rflags::UNIQUE) && ws.is_clone(parent)
    {
        // pe__force_anon
        crate::config_warn!(
            "pe__force_anon",
            "Ignoring globally-unique for {} because {} resources such as {} can be used only as anonymous clones",
            ws.resources[parent].id,
            standard.as_deref().unwrap_or("(null)"),
            ws.resources[r].id
        );
        let n = ws.node_list.len() as i32;
        let cd = &mut ws.resources[parent].clone;
        cd.clone_node_max = 1;
        cd.clone_max = cd.clone_max.min(n);
        recursive_clear_unique(ws, parent);
        recursive_clear_unique(ws, r);
    }
    if caps & ra_caps::PROMOTABLE == 0 && ws.resources[parent].is_set(rflags::PROMOTABLE) {
        crate::config_err!(
            "native_unpack",
            "Resource {} is of type {} and therefore cannot be used as a promotable clone resource",
            ws.resources[r].id,
            standard.as_deref().unwrap_or("(null)")
        );
        return false;
    }
    true
}

fn recursive_clear_unique(ws: &mut WorkingSet, r: RscId) {
    ws.resources[r].clear(rflags::UNIQUE);
    add_hash_param(&mut ws.resources[r].meta, "globally-unique", "false");
    for c in ws.resources[r].children.clone() {
        recursive_clear_unique(ws, c);
    }
}

/// `group_unpack`.
fn group_unpack(ws: &mut WorkingSet, r: RscId) -> bool {
    let flag = |ws: &WorkingSet, opt: &str, bit: u32| match ws.resources[r].meta.get(opt) {
        None => true,
        Some(v) => {
            let set = !matches!(util::str_to_boolean(v), Some(false));
            if !set {
                crate::warn_once!(
                    bit,
                    "set_group_flag",
                    "Support for the '{opt}' group meta-attribute is deprecated and will be removed in a future release (use a resource set instead)"
                );
            }
            set
        }
    };
    let ordered = flag(ws, "ordered", crate::diag::once::GROUP_ORDER);
    let colocated = flag(ws, "collocated", crate::diag::once::GROUP_COLO);
    ws.resources[r].group.ordered = ordered;
    ws.resources[r].group.colocated = colocated;
    let xml = ws.resources[r].xml;
    let clone_id = ws.doc.attr(xml, "clone").map(str::to_owned);
    let kids: Vec<XmlId> = ws.doc.children_named(xml, "primitive").collect();
    for k in kids {
        if let Some(c) = &clone_id {
            ws.doc.set_attr(k, "clone", c);
        }
        if let Ok(child) = unpack_resource(ws, k, Some(r)) {
            ws.resources[r].children.push(child);
            ws.resources[r].group.last_child = Some(child);
        }
    }
    if ws.resources[r].children.is_empty() {
        crate::config_warn!(
            "group_unpack",
            "Group {} will be ignored because it does not have any members",
            ws.resources[r].id
        );
    }
    true
}

/// `clone_unpack`.
fn clone_unpack(ws: &mut WorkingSet, r: RscId) -> bool {
    let meta = ws.resources[r].meta.clone();
    let get = |k: &str| meta.get(k).map(String::as_str);
    let mut cd = CloneData::default();
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        let pm = get("promoted-max").or_else(|| get("master-max"));
        let pnm = get("promoted-node-max").or_else(|| get("master-node-max"));
        cd.promoted_max = match pm {
            None => 1,
            Some(v) => util::scan_min_int(Some(v), 0),
        };
        cd.promoted_node_max = match pnm {
            None => 1,
            Some(v) => util::scan_min_int(Some(v), 0),
        };
    }
    cd.clone_node_max = match get("clone-node-max") {
        None => 1,
        Some(v) => util::scan_min_int(Some(v), 0),
    };
    cd.clone_max = match get("clone-max") {
        None => (ws.node_list.len() as i32).max(1),
        Some(v) => util::scan_min_int(Some(v), 0),
    };
    cd.ordered = is_true(get("ordered"));
    cd.interleave = is_true(get("interleave"));
    if !ws.resources[r].is_set(rflags::UNIQUE) && cd.clone_node_max > 1 {
        crate::config_err!(
            "clone_unpack",
            "Ignoring promoted-max for {} because anonymous clones support only one instance per node",
            ws.resources[r].id
        );
        cd.clone_node_max = 1;
    }
    let xml = ws.resources[r].xml;
    cd.xml_obj_child = ws
        .doc
        .children(xml)
        .iter()
        .copied()
        .find(|&c| matches!(ws.doc.name(c), "primitive" | "group"));
    ws.resources[r].clone = cd;
    if ws.resources[r].clone.xml_obj_child.is_none() {
        crate::config_err!(
            "clone_unpack",
            "{} has nothing to clone",
            ws.resources[r].id
        );
        return false;
    }
    if !ws.resources[r].meta.contains_key("resource-stickiness") {
        add_hash_param(&mut ws.resources[r].meta, "resource-stickiness", "1");
    }
    let unique = if ws.resources[r].is_set(rflags::UNIQUE) {
        "true"
    } else {
        "false"
    };
    add_hash_param(&mut ws.resources[r].meta, "globally-unique", unique);
    if ws.resources[r].clone.clone_max <= 0 {
        return create_clone_child(ws, r).is_some();
    }
    // the bound is read again each time: unpacking the first instance of a
    // forced-anonymous clone lowers clone-max to the number of nodes
    let mut lpc = 0;
    while lpc < ws.resources[r].clone.clone_max {
        if create_clone_child(ws, r).is_none() {
            return false;
        }
        lpc += 1;
    }
    true
}

/// `pe__create_clone_child`.
#[doc(alias = "pe__create_clone_child")]
pub fn create_clone_child(ws: &mut WorkingSet, r: RscId) -> Option<RscId> {
    let cd = &ws.resources[r].clone;
    let child_xml = cd.xml_obj_child?;
    let as_orphan = cd.total_clones >= cd.clone_max;
    let inc_num = cd.total_clones.to_string();
    let inc_max = cd.clone_max.to_string();
    let copy = ws.doc.copy(child_xml, None);
    ws.doc.set_attr(copy, "clone", &inc_num);
    let child = unpack_resource(ws, copy, Some(r)).ok()?;
    ws.resources[r].clone.total_clones += 1;
    ws.resources[r].children.push(child);
    if as_orphan {
        set_flags_recursive(ws, child, rflags::ORPHAN);
    }
    add_hash_param(&mut ws.resources[child].meta, "clone-max", &inc_max);
    Some(child)
}

/// `pe__set_resource_flags_recursive`.
pub fn set_flags_recursive(ws: &mut WorkingSet, r: RscId, f: u64) {
    ws.resources[r].set(f);
    for c in ws.resources[r].children.clone() {
        set_flags_recursive(ws, c, f);
    }
}

/// `pe__clear_resource_flags_recursive`.
pub fn clear_flags_recursive(ws: &mut WorkingSet, r: RscId, f: u64) {
    ws.resources[r].clear(f);
    for c in ws.resources[r].children.clone() {
        clear_flags_recursive(ws, c, f);
    }
}

/// `resource_location`: add `score` for a node (or all nodes) to a
/// resource and its descendants.
pub fn resource_location(
    ws: &mut WorkingSet,
    r: RscId,
    node: Option<usize>,
    score: i32,
    tag: &str,
) {
    match node {
        Some(n) => resource_node_score(ws, r, n, score, tag),
        None => {
            for i in 0..ws.node_list.len() {
                let n = ws.node_list[i];
                resource_node_score(ws, r, n, score, tag);
            }
        }
    }
    if node.is_none() && score == -INFINITY {
        ws.resources[r].allocated_to = None;
    }
}

fn resource_node_score(ws: &mut WorkingSet, r: RscId, n: usize, score: i32, tag: &str) {
    if (ws.resources[r].exclusive_discover || ws.nodes[n].discover == crate::model::Discover::Never)
        && tag.eq_ignore_ascii_case("symmetric_default")
    {
        return;
    }
    for c in ws.resources[r].children.clone() {
        resource_node_score(ws, c, n, score, tag);
    }
    let base: NodeScore = ws.nodes[n].score(n);
    let table = &mut ws.resources[r].allowed_nodes;
    if table.get(n).is_none() {
        table.insert(base);
    }
    if let Some(m) = table.get_mut(n) {
        m.weight = util::add_scores(m.weight, score);
    }
}

/// `unpack_resources`.
pub fn unpack_resources(ws: &mut WorkingSet, xml_resources: Option<XmlId>) {
    if let Some(xml_resources) = xml_resources {
        let kids: Vec<XmlId> = ws.doc.children(xml_resources).to_vec();
        for xml_obj in kids {
            let Some(id) = ws
                .doc
                .id(xml_obj)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
            else {
                crate::config_err!(
                    "unpack_resources",
                    "Ignoring <{}> resource without ID",
                    ws.doc.name(xml_obj)
                );
                continue;
            };
            if ws.doc.name(xml_obj) == "template" {
                ws.template_rsc_sets.entry(id).or_insert(None);
                continue;
            }
            if let Ok(r) = unpack_resource(ws, xml_obj, None) {
                ws.top.push(r);
                index_resource(ws, r);
            } else {
                crate::config_err!(
                    "unpack_resources",
                    "Ignoring <{}> resource '{id}' because configuration is invalid",
                    ws.doc.name(xml_obj)
                );
            }
        }
    }
    for i in 0..ws.top.len() {
        let r = ws.top[i];
        setup_container(ws, r);
        link_rsc2remotenode(ws, r);
    }
    let mut top = std::mem::take(&mut ws.top);
    glib::list_sort(&mut top, &mut |&a, &b| {
        ws.resources[b].priority.cmp(&ws.resources[a].priority)
    });
    ws.top = top;
    if ws.is_set(wsflags::STONITH_ENABLED) && !ws.is_set(wsflags::HAVE_STONITH_RESOURCE) {
        crate::config_err!(
            "unpack_resources",
            "Resource start-up disabled since no STONITH resources have been defined"
        );
        crate::config_err!(
            "unpack_resources",
            "Either configure some or disable STONITH with the stonith-enabled option"
        );
        crate::config_err!(
            "unpack_resources",
            "NOTE: Clusters with shared data need STONITH to ensure data integrity"
        );
    }
}

/// Record a resource and its descendants in the id index.
pub fn index_resource(ws: &mut WorkingSet, r: RscId) {
    let id = ws.resources[r].id.clone();
    let v = ws.rsc_by_id.entry(id).or_default();
    if !v.contains(&r) {
        v.push(r);
    }
    for c in ws.resources[r].children.clone() {
        index_resource(ws, c);
    }
}

fn setup_container(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            setup_container(ws, c);
        }
        return;
    }
    let Some(cid) = ws.resources[r].meta.get("container").cloned() else {
        return;
    };
    if cid.eq_ignore_ascii_case(&ws.resources[r].id) {
        return;
    }
    if let Some(c) = ws.find_resource(&cid) {
        ws.resources[r].container = Some(c);
        ws.resources[c].set(rflags::IS_CONTAINER);
        ws.resources[c].fillers.push(r);
    } else {
        crate::config_err!(
            "setup_container",
            "Resource {}: Unknown resource container ({cid})",
            ws.resources[r].id
        );
    }
}

/// `link_rsc2remotenode`.
pub fn link_rsc2remotenode(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].is_remote_node || ws.is_set(wsflags::QUICK_LOCATION) {
        return;
    }
    let Some(n) = ws.find_node(&ws.resources[r].id.clone()) else {
        return;
    };
    ws.nodes[n].remote_rsc = Some(r);
    if ws.resources[r].container.is_none() {
        super::nodes::handle_startup_fencing(ws, n);
    } else {
        ws.nodes[n].attrs.insert("#kind".into(), "container".into());
    }
}

/// `unpack_tags`.
pub fn unpack_tags(ws: &mut WorkingSet, xml_tags: Option<XmlId>) {
    let Some(xml_tags) = xml_tags else { return };
    let tags: Vec<XmlId> = ws.doc.children_named(xml_tags, "tag").collect();
    for t in tags {
        let Some(tag_id) = ws.doc.id(t).map(str::to_owned) else {
            crate::config_err!("unpack_tags", "Ignoring <tag> without id");
            continue;
        };
        let refs: Vec<String> = ws
            .doc
            .children_named(t, "obj_ref")
            .filter_map(|o| {
                let id = ws.doc.id(o).map(str::to_owned);
                if id.is_none() {
                    crate::config_err!(
                        "unpack_tags",
                        "Ignoring <obj_ref> for tag '{tag_id}' without id"
                    );
                }
                id
            })
            .collect();
        let entry = ws.tags.entry(tag_id).or_default();
        for r in refs {
            if !entry.contains(&r) {
                entry.push(r);
            }
        }
    }
}

/// `pe__count_common`.
pub fn count(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].children.is_empty() {
        for c in ws.resources[r].children.clone() {
            count(ws, c);
        }
    } else if !ws.resources[r].is_set(rflags::ORPHAN) || ws.resources[r].role > Role::Stopped {
        ws.ninstances += 1;
        if ws.resource_is_disabled(r) {
            ws.disabled_resources += 1;
        }
        if ws.resources[r].is_set(rflags::BLOCK) {
            ws.blocked_resources += 1;
        }
    }
}
