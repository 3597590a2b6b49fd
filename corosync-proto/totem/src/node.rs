//! [`Totem`]: SRP, totempg and the sync engine behind one sans-IO API, the
//! way corosync's main.c wires them (configuration changes start sync; sync
//! completion acknowledges the transitional configuration).

use std::collections::VecDeque;
use std::time::Instant;

use totem_wire::{Codec, Endian, GroupMessage, RingId, SyncMessage, WireError};

use crate::pg::{Assembler, NoRoom};
use crate::srp::{ConfChgKind, GatherFrom, NodeId, Srp, SrpConfig, SrpEvent, Transmit};
use crate::sync::{SyncAction, SyncEngine};

/// What a node reports to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotemEvent {
    /// A message for a group other than "sync", in agreed order.
    Deliver {
        /// Sender.
        nodeid: NodeId,
        /// Group name.
        group: Vec<u8>,
        /// Message body.
        body: Vec<u8>,
        /// Sender's byte order.
        endian: Endian,
    },
    /// A configuration change.
    ConfChg {
        /// Transitional or regular.
        kind: ConfChgKind,
        /// Members.
        members: Vec<NodeId>,
        /// Left.
        left: Vec<NodeId>,
        /// Joined.
        joined: Vec<NodeId>,
        /// Ring.
        ring_id: RingId,
    },
    /// Persist the ring sequence (ringid_<nodeid>).
    StoreRingId(RingId),
    /// A sync step for a local service (init, process, activate, abort) or
    /// the end of synchronisation.
    Sync(SyncAction),
    /// GATHER was entered (the reason is what the reference logs).
    Gather(GatherFrom),
    /// A new ring is operational: "A new membership (..) was formed."
    Formed {
        /// The ring.
        ring_id: RingId,
        /// Nodes that joined.
        joined: Vec<NodeId>,
        /// Nodes that left.
        left: Vec<NodeId>,
        /// Left nodes whose LEAVE was not seen ("Failed to receive the
        /// leave message.").
        failed: Vec<NodeId>,
    },
}

/// One corosync node's Totem stack.
pub struct Totem {
    srp: Srp,
    asm: Assembler,
    sync: SyncEngine,
    waiting_trans: bool,
    events: VecDeque<TotemEvent>,
}

impl Totem {
    /// Start a node; `sync_services` are the local services with sync
    /// callbacks.
    pub fn new(
        cfg: SrpConfig,
        now: Instant,
        stored_ring_seq: Option<u64>,
        sync_services: Vec<i32>,
    ) -> Totem {
        let mut t = Totem {
            srp: Srp::new(cfg, now, stored_ring_seq),
            asm: Assembler::default(),
            sync: SyncEngine::new(sync_services),
            waiting_trans: true,
            events: VecDeque::new(),
        };
        t.pump();
        t
    }

    /// The SRP instance.
    pub fn srp(&self) -> &Srp {
        &self.srp
    }

    /// Handle a datagram.
    pub fn handle_packet(&mut self, now: Instant, bytes: &[u8]) -> Result<(), WireError> {
        let r = self.srp.handle_packet(now, bytes);
        self.pump();
        r
    }

    /// Fire due timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.srp.handle_timeout(now);
        self.pump();
    }

    /// Earliest timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.srp.poll_timeout()
    }

    /// Next datagram.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.srp.poll_transmit()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<TotemEvent> {
        self.events.pop_front()
    }

    /// Multicast `body` to `group` in agreed order.
    pub fn mcast(&mut self, group: &[u8], body: &[&[u8]]) -> Result<(), NoRoom> {
        let e = Endian::NATIVE;
        let mut lens = totem_wire::Writer::new(e);
        lens.u16(1);
        lens.u16(group.len() as u16);
        let lens = lens.into_bytes();
        let mut iov: Vec<&[u8]> = vec![&lens, group];
        iov.extend_from_slice(body);
        self.srp.pg_mcast(&iov)
    }

    /// A local service finished its sync_process.
    pub fn sync_process_done(&mut self, service: i32) {
        self.sync.process_done(service);
        self.pump();
    }

    /// Graceful stop (LEAVE).
    pub fn leave(&mut self) {
        self.srp.leave();
    }

    /// Whether a message of `bytes` fits in totempg's queue now.
    pub fn room_for(&self, bytes: usize) -> bool {
        self.srp.room_for(bytes)
    }

    /// Force GATHER (runtime.force_gather).
    pub fn force_gather(&mut self, now: Instant) {
        self.srp.force_gather(now);
        self.pump();
    }

    /// Whether the sync engine is running.
    pub fn sync_in_progress(&self) -> bool {
        self.sync.in_progress()
    }

    fn pump(&mut self) {
        loop {
            let mut progressed = false;
            // One SRP event at a time, then the sync actions it caused, so
            // that services see sync_init before the ring is announced.
            if let Some(ev) = self.srp.poll_event() {
                progressed = true;
                self.on_srp_event(ev);
            }
            let actions = self.sync.take_actions();
            for a in actions {
                progressed = true;
                match a {
                    SyncAction::Send(m) => {
                        let body = m.to_bytes(Endian::NATIVE);
                        // Sync messages go in the transitional queue; a
                        // full queue is the reference's (ignored) error too.
                        let _ = self.mcast(totem_wire::pg::GROUP_SYNC, &[&body]);
                    }
                    SyncAction::Completed => {
                        self.srp.trans_ack();
                        self.events
                            .push_back(TotemEvent::Sync(SyncAction::Completed));
                    }
                    other => self.events.push_back(TotemEvent::Sync(other)),
                }
            }
            if !progressed {
                break;
            }
        }
    }

    fn on_srp_event(&mut self, ev: SrpEvent) {
        match ev {
            SrpEvent::Deliver {
                nodeid,
                payload,
                endian,
            } => {
                let msgs = self
                    .asm
                    .deliver(nodeid, &payload, endian, self.waiting_trans)
                    .unwrap_or_default();
                for m in msgs {
                    let Ok(g) = GroupMessage::from_bytes(&m, endian) else {
                        continue;
                    };
                    if g.is_for(totem_wire::pg::GROUP_SYNC) {
                        if let Ok(s) = SyncMessage::from_bytes(&g.body, endian) {
                            self.sync.deliver(nodeid, &s);
                        }
                    } else {
                        let group = g.groups.first().cloned().unwrap_or_default();
                        self.events.push_back(TotemEvent::Deliver {
                            nodeid,
                            group,
                            body: g.body,
                            endian,
                        });
                    }
                }
            }
            SrpEvent::ConfChg {
                kind,
                members,
                left,
                joined,
                ring_id,
            } => {
                for n in &left {
                    self.asm.node_left(*n);
                }
                self.sync.abort();
                match kind {
                    ConfChgKind::Transitional => self.sync.save_transitional(&members),
                    ConfChgKind::Regular => self.sync.start(&members, ring_id),
                }
                self.events.push_back(TotemEvent::ConfChg {
                    kind,
                    members,
                    left,
                    joined,
                    ring_id,
                });
            }
            SrpEvent::StoreRingId(r) => self.events.push_back(TotemEvent::StoreRingId(r)),
            SrpEvent::WaitingTransAck(w) => self.waiting_trans = w,
            SrpEvent::GatherEntered(from) => self.events.push_back(TotemEvent::Gather(from)),
            SrpEvent::Operational {
                ring_id,
                joined,
                left,
                failed,
            } => self.events.push_back(TotemEvent::Formed {
                ring_id,
                joined,
                left,
                failed,
            }),
        }
    }
}
