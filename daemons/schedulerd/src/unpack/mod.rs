//! Unpacking a CIB into a [`WorkingSet`] (`cluster_status`, lib/pengine).
//!
//! - [`config`]: cluster options.
//! - [`nodes`]: node definitions, attributes, online state.
//! - [`resources`]: resource definitions (primitive, group, clone).
//! - [`status`]: the status section: node states and resource histories.
//! - [`history`]: one operation history entry (`unpack_rsc_op`).
//! - [`failcounts`]: fail counts from node attributes.
//! - [`digest`]: operation parameter digests.

pub mod bundle;
pub mod config;
pub mod digest;
pub mod failcounts;
pub mod history;
pub mod nodes;
pub mod resources;
pub mod status;

use std::collections::HashMap;

use pcmk_xml::Element;

use crate::iso8601::CrmTime;
use crate::model::{wsflags, QuorumPolicy, WorkingSet};
use crate::xml::{XmlDoc, XmlId};

impl WorkingSet {
    /// A fresh working set for `cib` (`set_working_set_defaults`).
    pub fn new(cib: &Element, now: CrmTime) -> WorkingSet {
        let mut doc = XmlDoc::new();
        let root = doc.import(cib, None);
        WorkingSet {
            doc,
            cib: root,
            now,
            dc_uuid: None,
            dc_node: None,
            stonith_action: "reboot".into(),
            placement_strategy: "default".into(),
            flags: wsflags::STOP_RSC_ORPHANS
                | wsflags::SYMMETRIC_CLUSTER
                | wsflags::STOP_ACTION_ORPHANS,
            stonith_timeout: 0,
            no_quorum_policy: QuorumPolicy::Stop,
            config: HashMap::new(),
            tickets: HashMap::new(),
            ticket_order: Vec::new(),
            ticket_constraints: Vec::new(),
            singletons: HashMap::new(),
            nodes: Vec::new(),
            node_list: Vec::new(),
            resources: Vec::new(),
            top: Vec::new(),
            locations: Vec::new(),
            orderings: Vec::new(),
            colocations: Vec::new(),
            actions: Vec::new(),
            action_index: HashMap::new(),
            failed: Vec::new(),
            op_defaults: None,
            rsc_defaults: None,
            num_synapse: 0,
            max_valid_nodes: 0,
            order_id: 1,
            template_rsc_sets: HashMap::new(),
            tags: HashMap::new(),
            localhost: None,
            blocked_resources: 0,
            disabled_resources: 0,
            ninstances: 0,
            param_checks: Vec::new(),
            stop_needed: Vec::new(),
            recheck_by: 0,
            shutdown_lock: 0,
            priority_fencing_delay: 0,
            messages: Vec::new(),
            show_scores: false,
            summary_widths: (5, 5),
            rsc_by_id: HashMap::new(),
            rsc_by_clone_name: HashMap::new(),
            digest_cache: HashMap::new(),
        }
    }

    /// `get_effective_time`.
    pub fn effective_time(&self) -> i64 {
        self.now.epoch()
    }

    /// The single descendant of the CIB named `name` (`get_xpath_object`
    /// with `//name`): `None` if there are none or several.
    pub fn xpath_single(&self, name: &str) -> Option<XmlId> {
        let all = self.doc.descendants_named(self.cib, name);
        if all.len() == 1 {
            Some(all[0])
        } else {
            None
        }
    }

    /// `pcmk_find_cib_element`: a configuration section or the status.
    pub fn cib_section(&self, name: &str) -> Option<XmlId> {
        if name == "status" {
            return self.doc.first_child(self.cib, "status");
        }
        let conf = self.doc.first_child(self.cib, "configuration")?;
        self.doc.first_child(conf, name)
    }
}

/// `pe__update_recheck_time` for a rule's next change.
pub fn update_recheck(ws: &mut WorkingSet, next_change: &CrmTime) {
    if next_change.is_defined() {
        update_recheck_time(ws, next_change.epoch());
    }
}

/// `pe__update_recheck_time`.
#[doc(alias = "pe__update_recheck_time")]
pub fn update_recheck_time(ws: &mut WorkingSet, recheck: i64) {
    if recheck > ws.effective_time() && (ws.recheck_by == 0 || ws.recheck_by > recheck) {
        ws.recheck_by = recheck;
    }
}

/// `cluster_status`: unpack configuration and status.
pub fn cluster_status(ws: &mut WorkingSet) {
    let cib = ws.cib;
    ws.dc_uuid = ws.doc.attr(cib, "dc-uuid").map(str::to_owned);
    if crate::util::is_true(ws.doc.attr(cib, "have-quorum")) {
        ws.set(wsflags::HAVE_QUORUM);
    } else {
        ws.clear(wsflags::HAVE_QUORUM);
    }
    ws.op_defaults = ws.xpath_single("op_defaults");
    ws.rsc_defaults = ws.xpath_single("rsc_defaults");
    let section = ws.xpath_single("crm_config");
    config::unpack_config(ws, section);
    if !ws.is_set(wsflags::QUICK_LOCATION)
        && !ws.is_set(wsflags::HAVE_QUORUM)
        && ws.no_quorum_policy != QuorumPolicy::Ignore
    {
        crate::log_warn!(
            "cluster_status",
            "Fencing and resource management disabled due to lack of quorum"
        );
    }

    let section = ws.xpath_single("nodes");
    nodes::unpack_nodes(ws, section);
    let section = ws.xpath_single("resources");
    if !ws.is_set(wsflags::QUICK_LOCATION) {
        nodes::unpack_remote_nodes(ws, section);
    }
    resources::unpack_resources(ws, section);
    let section = ws.xpath_single("tags");
    resources::unpack_tags(ws, section);
    if !ws.is_set(wsflags::QUICK_LOCATION) {
        let section = ws.xpath_single("status");
        status::unpack_status(ws, section);
    }
    if !ws.is_set(wsflags::NO_COUNTS) {
        for i in 0..ws.top.len() {
            let r = ws.top[i];
            resources::count(ws, r);
        }
    }
    ws.set(wsflags::HAVE_STATUS);
}
