//! The working set: nodes, resources, actions and constraints of one
//! scheduler run (`pe_working_set_t` and the structures it owns).
//!
//! Everything lives in arenas indexed by [`NodeId`], [`RscId`], [`ActionId`];
//! the reference's `GList`s become `Vec`s of ids kept in the reference's
//! iteration order (documented per field where it differs from creation
//! order).

use std::collections::HashMap;

use crate::iso8601::CrmTime;
use crate::util::Role;
use crate::xml::{XmlDoc, XmlId};

pub type NodeId = usize;
pub type RscId = usize;
pub type ActionId = usize;
pub type ColocId = usize;
pub type LocId = usize;

/// Working-set flags (`pe_flag_*`).
pub mod wsflags {
    pub const HAVE_QUORUM: u64 = 0x1;
    pub const SYMMETRIC_CLUSTER: u64 = 0x2;
    pub const MAINTENANCE_MODE: u64 = 0x8;
    pub const STONITH_ENABLED: u64 = 0x10;
    pub const HAVE_STONITH_RESOURCE: u64 = 0x20;
    pub const ENABLE_UNFENCING: u64 = 0x40;
    pub const CONCURRENT_FENCING: u64 = 0x80;
    pub const STOP_RSC_ORPHANS: u64 = 0x100;
    pub const STOP_ACTION_ORPHANS: u64 = 0x200;
    pub const STOP_EVERYTHING: u64 = 0x400;
    pub const START_FAILURE_FATAL: u64 = 0x1000;
    pub const REMOVE_AFTER_STOP: u64 = 0x2000;
    pub const STARTUP_FENCING: u64 = 0x4000;
    pub const SHUTDOWN_LOCK: u64 = 0x8000;
    pub const STARTUP_PROBES: u64 = 0x10000;
    pub const HAVE_STATUS: u64 = 0x20000;
    pub const HAVE_REMOTE_NODES: u64 = 0x40000;
    pub const QUICK_LOCATION: u64 = 0x100000;
    pub const SANITIZED: u64 = 0x200000;
    pub const NO_COUNTS: u64 = 0x800000;
    pub const NO_COMPAT: u64 = 0x1000000;
    pub const SHOW_SCORES: u64 = 0x2000000;
    pub const SHOW_UTILIZATION: u64 = 0x4000000;
    pub const CHECK_CONFIG: u64 = 0x8000000;
}

/// Resource flags (`pe_rsc_*`).
pub mod rflags {
    pub const ORPHAN: u64 = 0x1;
    pub const MANAGED: u64 = 0x2;
    pub const BLOCK: u64 = 0x4;
    pub const ORPHAN_CONTAINER_FILLER: u64 = 0x8;
    pub const NOTIFY: u64 = 0x10;
    pub const UNIQUE: u64 = 0x20;
    pub const FENCE_DEVICE: u64 = 0x40;
    pub const PROMOTABLE: u64 = 0x80;
    pub const PROVISIONAL: u64 = 0x100;
    pub const ALLOCATING: u64 = 0x200;
    pub const MERGING: u64 = 0x400;
    pub const RESTARTING: u64 = 0x800;
    pub const STOP: u64 = 0x1000;
    pub const RELOAD: u64 = 0x2000;
    pub const ALLOW_REMOTE_REMOTES: u64 = 0x4000;
    pub const CRITICAL: u64 = 0x8000;
    pub const FAILED: u64 = 0x10000;
    pub const RUNNABLE: u64 = 0x40000;
    pub const START_PENDING: u64 = 0x80000;
    pub const STARTING: u64 = 0x100000;
    pub const STOPPING: u64 = 0x200000;
    pub const STOP_UNEXPECTED: u64 = 0x400000;
    pub const ALLOW_MIGRATE: u64 = 0x800000;
    pub const FAILURE_IGNORED: u64 = 0x1000000;
    pub const MAINTENANCE: u64 = 0x4000000;
    pub const IS_CONTAINER: u64 = 0x8000000;
    pub const NEEDS_QUORUM: u64 = 0x10000000;
    pub const NEEDS_FENCING: u64 = 0x20000000;
    pub const NEEDS_UNFENCING: u64 = 0x40000000;
}

/// Action flags (`pe_action_*`).
pub mod aflags {
    pub const PSEUDO: u32 = 0x1;
    pub const RUNNABLE: u32 = 0x2;
    pub const OPTIONAL: u32 = 0x4;
    pub const PRINT_ALWAYS: u32 = 0x8;
    pub const HAVE_NODE_ATTRS: u32 = 0x10;
    pub const IMPLIED_BY_STONITH: u32 = 0x40;
    pub const MIGRATE_RUNNABLE: u32 = 0x80;
    pub const DUMPED: u32 = 0x100;
    pub const PROCESSED: u32 = 0x200;
    pub const DANGLE: u32 = 0x800;
    pub const REQUIRES_ANY: u32 = 0x1000;
    pub const RESCHEDULE: u32 = 0x2000;
    pub const TRACKING: u32 = 0x4000;
    pub const DEDUP: u32 = 0x8000;
    pub const DC: u32 = 0x10000;
}

/// Ordering flags (`enum pe_ordering`).
pub mod oflags {
    pub const NONE: u32 = 0x0;
    pub const OPTIONAL: u32 = 0x1;
    pub const APPLY_FIRST_NON_MIGRATABLE: u32 = 0x2;
    pub const IMPLIES_FIRST: u32 = 0x10;
    pub const IMPLIES_THEN: u32 = 0x20;
    pub const PROMOTED_IMPLIES_FIRST: u32 = 0x40;
    pub const IMPLIES_FIRST_MIGRATABLE: u32 = 0x80;
    pub const RUNNABLE_LEFT: u32 = 0x100;
    pub const PSEUDO_LEFT: u32 = 0x200;
    pub const IMPLIES_THEN_ON_NODE: u32 = 0x400;
    pub const PROBE: u32 = 0x800;
    pub const RESTART: u32 = 0x1000;
    pub const STONITH_STOP: u32 = 0x2000;
    pub const SERIALIZE_ONLY: u32 = 0x4000;
    pub const SAME_NODE: u32 = 0x8000;
    pub const IMPLIES_FIRST_PRINTED: u32 = 0x10000;
    pub const IMPLIES_THEN_PRINTED: u32 = 0x20000;
    pub const ASYMMETRICAL: u32 = 0x100000;
    pub const LOAD: u32 = 0x200000;
    pub const ONE_OR_MORE: u32 = 0x400000;
    pub const ANTI_COLOCATION: u32 = 0x800000;
    pub const PRESERVE: u32 = 0x1000000;
    pub const THEN_CANCELS_FIRST: u32 = 0x2000000;
}

/// `enum pe_quorum_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuorumPolicy {
    Freeze,
    Stop,
    Ignore,
    Suicide,
    Demote,
}

/// `enum node_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Ping,
    Member,
    Remote,
}

/// `enum pe_discover_e`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Discover {
    #[default]
    Always = 0,
    Never = 1,
    Exclusive = 2,
}

/// `enum pe_obj_types`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variant {
    Native = 0,
    Group = 1,
    Clone = 2,
    Container = 3,
}

/// `enum rsc_recovery_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    StopStart,
    StopOnly,
    Block,
    StopUnexpected,
}

/// `enum action_fail_response` (C numbering kept: it is compared).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OnFail {
    Ignore = 0,
    Recover = 1,
    Migrate = 2,
    Block = 3,
    Stop = 4,
    Standby = 5,
    Fence = 6,
    RestartContainer = 7,
    ResetRemote = 8,
    Demote = 9,
}

/// `enum rsc_start_requirement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Needs {
    #[default]
    Nothing,
    Quorum,
    Stonith,
}

/// A node as seen by one resource or constraint (`pe_node_t` copies):
/// the shared node plus a score and allocation counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeScore {
    pub node: NodeId,
    pub weight: i32,
    pub fixed: bool,
    pub count: i32,
    pub discover: Discover,
}

/// A table of node scores keyed by node (`GHashTable` of `pe_node_t`).
/// Iteration is in insertion order.
#[derive(Clone, Debug, Default)]
pub struct NodeTable {
    entries: Vec<NodeScore>,
    pos: Vec<u32>,
}

const ABSENT: u32 = u32::MAX;

impl NodeTable {
    pub fn new() -> Self {
        NodeTable::default()
    }

    pub fn get(&self, node: NodeId) -> Option<&NodeScore> {
        match self.pos.get(node) {
            Some(&p) if p != ABSENT => Some(&self.entries[p as usize]),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, node: NodeId) -> Option<&mut NodeScore> {
        match self.pos.get(node) {
            Some(&p) if p != ABSENT => Some(&mut self.entries[p as usize]),
            _ => None,
        }
    }

    pub fn contains(&self, node: NodeId) -> bool {
        self.get(node).is_some()
    }

    /// Insert or replace (`g_hash_table_insert`).
    pub fn insert(&mut self, ns: NodeScore) {
        if self.pos.len() <= ns.node {
            self.pos.resize(ns.node + 1, ABSENT);
        }
        match self.pos[ns.node] {
            ABSENT => {
                self.pos[ns.node] = self.entries.len() as u32;
                self.entries.push(ns);
            }
            p => self.entries[p as usize] = ns,
        }
    }

    pub fn remove(&mut self, node: NodeId) {
        if let Some(&p) = self.pos.get(node) {
            if p != ABSENT {
                self.entries.remove(p as usize);
                self.pos[node] = ABSENT;
                for e in &self.entries[p as usize..] {
                    self.pos[e.node] -= 1;
                }
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &NodeScore> {
        self.entries.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut NodeScore> {
        self.entries.iter_mut()
    }

    pub fn values(&self) -> Vec<NodeScore> {
        self.entries.clone()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.pos.clear();
    }
}

/// A cluster node (`pe_node_t` in `data_set->nodes` with its shared
/// `pe_node_shared_s` details).
#[derive(Clone, Debug)]
pub struct Node {
    pub weight: i32,
    pub fixed: bool,
    pub count: i32,
    pub discover: Discover,
    pub id: String,
    pub uname: String,
    pub kind: NodeType,
    pub online: bool,
    pub standby: bool,
    pub standby_onfail: bool,
    pub pending: bool,
    pub unclean: bool,
    pub unseen: bool,
    pub shutdown: bool,
    pub expected_up: bool,
    pub is_dc: bool,
    pub maintenance: bool,
    pub rsc_discovery_enabled: bool,
    pub remote_requires_reset: bool,
    pub remote_was_fenced: bool,
    pub remote_maintenance: bool,
    pub unpacked: bool,
    pub num_resources: i32,
    pub remote_rsc: Option<RscId>,
    pub running_rsc: Vec<RscId>,
    pub allocated_rsc: Vec<RscId>,
    pub attrs: HashMap<String, String>,
    pub utilization: HashMap<String, String>,
    pub priority: i32,
}

impl Node {
    pub fn score(&self, id: NodeId) -> NodeScore {
        NodeScore {
            node: id,
            weight: self.weight,
            fixed: self.fixed,
            count: self.count,
            discover: self.discover,
        }
    }
}

/// Group variant data.
#[derive(Clone, Debug, Default)]
pub struct GroupData {
    pub last_child: Option<RscId>,
    pub ordered: bool,
    pub colocated: bool,
}

/// Clone variant data (`clone_variant_data_t`).
#[derive(Clone, Debug, Default)]
pub struct CloneData {
    pub clone_max: i32,
    pub clone_node_max: i32,
    pub promoted_max: i32,
    pub promoted_node_max: i32,
    pub total_clones: i32,
    pub ordered: bool,
    pub interleave: bool,
    pub xml_obj_child: Option<XmlId>,
    pub notify_confirm: bool,
    pub flags: u32,
    pub start_notify: Option<crate::actions::notif::NotifyData>,
    pub stop_notify: Option<crate::actions::notif::NotifyData>,
    pub promote_notify: Option<crate::actions::notif::NotifyData>,
    pub demote_notify: Option<crate::actions::notif::NotifyData>,
}

/// The container technology of a bundle (`enum pe__container_agent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ContainerAgent {
    #[default]
    Docker,
    Rkt,
    Podman,
}

impl ContainerAgent {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerAgent::Docker => "docker",
            ContainerAgent::Rkt => "rkt",
            ContainerAgent::Podman => "podman",
        }
    }
}

/// One replica of a bundle (`pe__bundle_replica_t`).
#[derive(Clone, Debug, Default)]
pub struct Replica {
    pub offset: i32,
    pub ipaddr: Option<String>,
    /// The instance of the bundled resource (a clone instance).
    pub child: Option<RscId>,
    pub ip: Option<RscId>,
    pub container: Option<RscId>,
    pub remote: Option<RscId>,
    /// The replica's guest node (a copy with score 500).
    pub node: Option<NodeScore>,
}

/// Bundle variant data (`pe__bundle_variant_data_t`).
#[derive(Clone, Debug, Default)]
pub struct BundleData {
    pub prefix: String,
    pub agent_type: ContainerAgent,
    pub image: Option<String>,
    pub nreplicas: i32,
    pub nreplicas_per_host: i32,
    pub promoted_max: i32,
    pub ip_range_start: Option<String>,
    pub ip_last: Option<String>,
    pub host_netmask: Option<String>,
    pub host_network: Option<String>,
    pub control_port: Option<String>,
    pub add_host: bool,
    pub container_network: Option<String>,
    pub container_command: Option<String>,
    pub launcher_options: Option<String>,
    pub container_host_options: String,
    /// (source, target)
    pub ports: Vec<(String, String)>,
    /// (source, target, options, subdir)
    pub mounts: Vec<(String, String, Option<String>, bool)>,
    pub attribute_target: Option<String>,
    /// The clone wrapping the bundled resource.
    pub child: Option<RscId>,
    pub replicas: Vec<Replica>,
}

/// A resource (`pe_resource_t`).
#[derive(Clone, Debug)]
pub struct Resource {
    pub id: String,
    pub clone_name: Option<String>,
    pub xml: XmlId,
    pub orig_xml: Option<XmlId>,
    pub ops_xml: Option<XmlId>,
    pub parent: Option<RscId>,
    pub variant: Variant,
    pub group: GroupData,
    pub clone: CloneData,
    pub bundle: Option<Box<BundleData>>,
    pub recovery_type: Recovery,
    pub restart_restart: bool,
    pub priority: i32,
    pub stickiness: i32,
    pub sort_index: i32,
    pub failure_timeout: i32,
    pub migration_threshold: i32,
    pub remote_reconnect_ms: u32,
    pub pending_task: Option<String>,
    pub flags: u64,
    pub is_remote_node: bool,
    pub exclusive_discover: bool,
    /// Colocations where this is the primary ("with this").
    pub rsc_cons_lhs: Vec<ColocId>,
    /// Colocations where this is the dependent ("this with").
    pub rsc_cons: Vec<ColocId>,
    pub rsc_location: Vec<LocId>,
    /// Actions in creation order (the reference's list is newest first).
    pub actions: Vec<ActionId>,
    pub rsc_tickets: Vec<usize>,
    pub allocated_to: Option<NodeScore>,
    pub partial_migration_target: Option<NodeId>,
    pub partial_migration_source: Option<NodeId>,
    pub running_on: Vec<NodeId>,
    pub known_on: NodeTable,
    pub allowed_nodes: NodeTable,
    pub role: Role,
    pub next_role: Role,
    pub meta: HashMap<String, String>,
    pub parameters: HashMap<String, String>,
    pub param_cache: HashMap<String, HashMap<String, String>>,
    pub utilization: HashMap<String, String>,
    pub children: Vec<RscId>,
    pub dangling_migrations: Vec<NodeId>,
    pub container: Option<RscId>,
    pub fillers: Vec<RscId>,
    pub pending_node: Option<NodeId>,
    pub lock_node: Option<NodeId>,
    pub lock_time: i64,
    /// Index of `actions` by lower-cased uuid.
    pub action_index: HashMap<String, Vec<ActionId>>,
}

impl Resource {
    pub fn is_set(&self, f: u64) -> bool {
        self.flags & f == f
    }
    pub fn set(&mut self, f: u64) {
        self.flags |= f;
    }
    pub fn clear(&mut self, f: u64) {
        self.flags &= !f;
    }
}

/// One end of an ordering between two actions (`pe_action_wrapper_t`).
#[derive(Clone, Copy, Debug)]
pub struct Wrapper {
    pub action: ActionId,
    pub kind: u32,
    /// `pe_link_dumped` once the input was written to the graph.
    pub dumped: bool,
}

/// An action (`pe_action_t`). Only actions meant for the graph are stored;
/// ids are the reference's (creation order from 1).
#[derive(Clone, Debug)]
pub struct Action {
    pub id: i32,
    pub priority: i32,
    pub rsc: Option<RscId>,
    pub node: Option<NodeId>,
    pub op_entry: Option<XmlId>,
    pub task: String,
    pub uuid: String,
    pub cancel_task: Option<String>,
    pub reason: Option<String>,
    pub flags: u32,
    pub needs: Needs,
    pub on_fail: OnFail,
    pub fail_role: Role,
    pub meta: HashMap<String, String>,
    pub extra: HashMap<String, String>,
    pub runnable_before: i32,
    pub required_runnable_before: i32,
    /// Inputs, stored reversed: the reference prepends, so its list order
    /// is this vector read from the end.
    pub before: Vec<Wrapper>,
    /// Outputs, stored reversed like `before`.
    pub after: Vec<Wrapper>,
}

impl Action {
    pub fn is_set(&self, f: u32) -> bool {
        self.flags & f == f
    }
    pub fn set(&mut self, f: u32) {
        self.flags |= f;
    }
    pub fn clear(&mut self, f: u32) {
        self.flags &= !f;
    }
}

/// A location constraint (`pe__location_t`).
#[derive(Clone, Debug)]
pub struct Location {
    pub id: String,
    pub rsc: RscId,
    pub role_filter: Role,
    pub discover_mode: Discover,
    pub nodes: Vec<NodeScore>,
}

/// A colocation constraint (`pcmk__colocation_t`).
#[derive(Clone, Debug)]
pub struct Colocation {
    pub id: String,
    pub dependent: RscId,
    pub primary: RscId,
    pub dependent_role: Role,
    pub primary_role: Role,
    pub score: i32,
    pub influence: bool,
    pub node_attribute: Option<String>,
}

/// An ordering constraint before it is applied (`pe__ordering_t`).
#[derive(Clone, Debug)]
pub struct Ordering {
    pub id: i32,
    pub flags: u32,
    pub lh_rsc: Option<RscId>,
    pub lh_action: Option<ActionId>,
    pub lh_task: Option<String>,
    pub rh_rsc: Option<RscId>,
    pub rh_action: Option<ActionId>,
    pub rh_task: Option<String>,
}

/// A ticket (`pe_ticket_t`).
#[derive(Clone, Debug, Default)]
pub struct Ticket {
    pub id: String,
    pub granted: bool,
    pub last_granted: i64,
    pub standby: bool,
    pub state: HashMap<String, String>,
}

/// What happens to a resource when its ticket is revoked
/// (`enum loss_ticket_policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossPolicy {
    Stop,
    Demote,
    Fence,
    Freeze,
}

/// A resource's dependency on a ticket (`rsc_ticket_t`).
#[derive(Clone, Debug)]
pub struct RscTicket {
    pub id: String,
    pub rsc: RscId,
    pub ticket: String,
    pub loss_policy: LossPolicy,
    pub role: Role,
}

/// One line of scheduler output: a list item (scores, utilization) or an
/// informational line (`out->info`, hidden by `--quiet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `node-weight`: a placement score (`function: rsc allocation score
    /// on node: score`).
    Score {
        function: String,
        rsc: String,
        node: String,
        score: String,
    },
    /// `promotion-score`.
    Promotion {
        rsc: String,
        node: Option<String>,
        score: String,
    },
    Item(String),
    Info(String),
}

/// The scheduler's working set (`pe_working_set_t`).
pub struct WorkingSet {
    pub doc: XmlDoc,
    pub cib: XmlId,
    pub now: CrmTime,
    pub dc_uuid: Option<String>,
    pub dc_node: Option<NodeId>,
    pub stonith_action: String,
    pub placement_strategy: String,
    pub flags: u64,
    pub stonith_timeout: i32,
    pub no_quorum_policy: QuorumPolicy,
    pub config: HashMap<String, String>,
    pub tickets: HashMap<String, Ticket>,
    pub ticket_order: Vec<String>,
    /// `data_set->ticket_constraints`; `Resource::rsc_tickets` indexes it.
    pub ticket_constraints: Vec<RscTicket>,
    pub singletons: HashMap<String, ActionId>,
    /// All nodes (arena).
    pub nodes: Vec<Node>,
    /// `data_set->nodes`: node ids sorted by name.
    pub node_list: Vec<NodeId>,
    /// All resources (arena, children included).
    pub resources: Vec<Resource>,
    /// `data_set->resources`: the top-level resources.
    pub top: Vec<RscId>,
    /// Location constraints in creation order (the reference's list is
    /// newest first).
    pub locations: Vec<Location>,
    /// Ordering constraints in creation order.
    pub orderings: Vec<Ordering>,
    pub colocations: Vec<Colocation>,
    /// Graph actions in creation order (action id = index + 1).
    pub actions: Vec<Action>,
    /// Index of resource-less actions by lower-cased uuid.
    pub action_index: HashMap<String, Vec<ActionId>>,
    /// `data_set->failed`: copies of failed history entries.
    pub failed: Vec<XmlId>,
    pub op_defaults: Option<XmlId>,
    pub rsc_defaults: Option<XmlId>,
    pub num_synapse: i32,
    pub max_valid_nodes: i32,
    pub order_id: i32,
    pub template_rsc_sets: HashMap<String, Option<Vec<String>>>,
    pub tags: HashMap<String, Vec<String>>,
    pub localhost: Option<String>,
    pub blocked_resources: i32,
    pub disabled_resources: i32,
    pub ninstances: i32,
    pub param_checks: Vec<(XmlId, RscId, NodeId, bool)>,
    pub stop_needed: Vec<RscId>,
    pub recheck_by: i64,
    pub shutdown_lock: u32,
    pub priority_fencing_delay: i32,
    /// What the scheduler printed (scores, notices), in order.
    pub messages: Vec<Msg>,
    /// Show allocation scores as they are computed.
    pub show_scores: bool,
    /// Column widths of the transition summary, which the reference keeps
    /// in static variables across its log and screen passes.
    pub summary_widths: (usize, usize),
    /// Index of resources by id (`pe_find_resource` fast path).
    pub rsc_by_id: HashMap<String, Vec<RscId>>,
    /// Operation digests by node and operation key.
    pub digest_cache: HashMap<(NodeId, String), crate::unpack::digest::Digests>,
    /// Index of resources by history name (`clone_name`).
    pub rsc_by_clone_name: HashMap<String, Vec<RscId>>,
}

impl WorkingSet {
    pub fn is_set(&self, f: u64) -> bool {
        self.flags & f == f
    }
    pub fn set(&mut self, f: u64) {
        self.flags |= f;
    }
    pub fn clear(&mut self, f: u64) {
        self.flags &= !f;
    }
    pub fn rsc(&self, id: RscId) -> &Resource {
        &self.resources[id]
    }
    pub fn rsc_mut(&mut self, id: RscId) -> &mut Resource {
        &mut self.resources[id]
    }
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }
    pub fn action(&self, id: ActionId) -> &Action {
        &self.actions[id]
    }
    pub fn action_mut(&mut self, id: ActionId) -> &mut Action {
        &mut self.actions[id]
    }
    pub fn uname(&self, id: NodeId) -> &str {
        &self.nodes[id].uname
    }
}
