//! The sync engine (sync.c): after each regular configuration change every
//! node multicasts its service list, then for each service in id order the
//! services synchronise and every node sends a barrier; the service is
//! activated when all barriers are in.

use totem_wire::{RingId, SyncMessage};

use crate::srp::NodeId;

/// What the engine asks of its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncAction {
    /// Multicast this message to the "sync" group.
    Send(SyncMessage),
    /// Call the service's sync_init.
    Init {
        /// Service id.
        service: i32,
        /// Members of the transitional configuration still present.
        trans: Vec<NodeId>,
        /// Members of the new ring.
        members: Vec<NodeId>,
        /// New ring.
        ring_id: RingId,
    },
    /// Run the service's sync_process until it reports done
    /// ([`SyncEngine::process_done`]).
    Process(i32),
    /// Call the service's sync_activate.
    Activate(i32),
    /// Call the service's sync_abort.
    Abort(i32),
    /// "Completed service synchronization, ready to provide service."
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ServicelistBuild,
    Process,
    Barrier,
}

#[derive(Debug, Clone)]
struct Service {
    id: i32,
    local: bool,
}

/// The engine.
#[derive(Debug, Clone)]
pub struct SyncEngine {
    local_services: Vec<i32>,
    state: State,
    ring_id: RingId,
    processors: Vec<(NodeId, bool)>,
    services: Vec<Service>,
    idx: usize,
    members: Vec<NodeId>,
    trans: Vec<NodeId>,
    actions: Vec<SyncAction>,
}

impl SyncEngine {
    /// An engine for the services this node runs that have sync callbacks
    /// (corosync: cmap 0, cpg 2, quorum 3, votequorum 5).
    pub fn new(mut local_services: Vec<i32>) -> Self {
        local_services.sort_unstable();
        local_services.dedup();
        SyncEngine {
            local_services,
            state: State::Barrier,
            ring_id: RingId::default(),
            processors: Vec::new(),
            services: Vec::new(),
            idx: 0,
            members: Vec::new(),
            trans: Vec::new(),
            actions: Vec::new(),
        }
    }

    /// Take the pending actions.
    pub fn take_actions(&mut self) -> Vec<SyncAction> {
        std::mem::take(&mut self.actions)
    }

    /// True while synchronising.
    pub fn in_progress(&self) -> bool {
        self.state != State::ServicelistBuild && !self.services.is_empty()
    }

    /// sync_save_transitional.
    #[doc(alias = "sync_save_transitional")]
    pub fn save_transitional(&mut self, members: &[NodeId]) {
        self.trans = members.to_vec();
    }

    /// sync_abort.
    #[doc(alias = "sync_abort")]
    pub fn abort(&mut self) {
        if self.state == State::Process {
            if let Some(s) = self.services.get(self.idx) {
                if s.local {
                    self.actions.push(SyncAction::Abort(s.id));
                }
            }
        }
        self.ring_id = RingId::default();
    }

    /// sync_start, on a regular configuration change.
    #[doc(alias = "sync_start")]
    pub fn start(&mut self, members: &[NodeId], ring_id: RingId) {
        self.ring_id = ring_id;
        self.state = State::ServicelistBuild;
        self.processors = members.iter().map(|&n| (n, false)).collect();
        self.members = members.to_vec();
        self.idx = 0;
        self.services = self
            .local_services
            .iter()
            .map(|&id| Service { id, local: true })
            .collect();
        self.actions
            .push(SyncAction::Send(SyncMessage::ServiceBuild {
                ring_id,
                services: self.local_services.clone(),
            }));
        self.trans.retain(|t| members.contains(t));
        for s in &self.services {
            self.actions.push(SyncAction::Init {
                service: s.id,
                trans: self.trans.clone(),
                members: self.members.clone(),
                ring_id,
            });
        }
    }

    /// A message of the "sync" group, in agreed order.
    #[doc(alias = "sync_deliver_fn")]
    pub fn deliver(&mut self, nodeid: NodeId, msg: &SyncMessage) {
        match msg {
            SyncMessage::Barrier { ring_id } => {
                if *ring_id != self.ring_id {
                    return;
                }
                self.mark(nodeid);
                if self.all_received() {
                    if let Some(s) = self.services.get(self.idx) {
                        if s.local {
                            self.actions.push(SyncAction::Activate(s.id));
                        }
                    }
                    self.idx += 1;
                    if self.idx >= self.services.len() {
                        self.actions.push(SyncAction::Completed);
                    } else {
                        self.process_enter();
                    }
                }
            }
            SyncMessage::ServiceBuild { ring_id, services } => {
                if *ring_id != self.ring_id {
                    return;
                }
                let mut added = false;
                for &id in services {
                    if !self.services.iter().any(|s| s.id == id) {
                        self.services.push(Service { id, local: false });
                        added = true;
                    }
                }
                if added {
                    self.services.sort_by_key(|s| s.id);
                }
                self.mark(nodeid);
                if self.all_received() {
                    self.process_enter();
                }
            }
        }
    }

    fn mark(&mut self, nodeid: NodeId) {
        for p in &mut self.processors {
            if p.0 == nodeid {
                p.1 = true;
            }
        }
    }

    fn all_received(&self) -> bool {
        self.processors.iter().all(|p| p.1)
    }

    fn process_enter(&mut self) {
        self.state = State::Process;
        if self.services.is_empty() {
            self.state = State::ServicelistBuild;
            self.actions.push(SyncAction::Completed);
            return;
        }
        for p in &mut self.processors {
            p.1 = false;
        }
        match self.services.get(self.idx) {
            Some(s) if s.local => self.actions.push(SyncAction::Process(s.id)),
            _ => self.barrier_enter(),
        }
    }

    /// The current service's sync_process reported completion.
    pub fn process_done(&mut self, service: i32) {
        if self.state == State::Process
            && self.services.get(self.idx).is_some_and(|s| s.id == service)
        {
            self.barrier_enter();
        }
    }

    fn barrier_enter(&mut self) {
        self.state = State::Barrier;
        self.actions.push(SyncAction::Send(SyncMessage::Barrier {
            ring_id: self.ring_id,
        }));
    }
}
