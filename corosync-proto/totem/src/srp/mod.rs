//! Totem SRP (totemsrp.c) as a sans-IO state machine.
//!
//! Packets and timeouts go in ([`Srp::handle_packet`], [`Srp::handle_timeout`]);
//! datagrams ([`Srp::poll_transmit`]) and events ([`Srp::poll_event`]) come out.
//! Membership (gather, commit, recovery, operational entry) is in
//! [`memb`]; token handling, multicast, retransmission, flow control and
//! delivery are here.

mod memb;
mod stats;
mod token;

pub use stats::SrpStats;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use corosync_config::Timers;
use totem_wire::srp::{self, Header, Mcast, MembJoin, MESSAGE_NOT_ENCAPSULATED};
use totem_wire::{CommitToken, Endian, RingId, SrpMessage, WireError};

use crate::sq::SortQueue;
use crate::timer::{Timer, TimerTable};

pub use memb::GatherFrom;

/// SEQNO_START_MSG.
const SEQNO_START_MSG: u32 = 0;
/// RETRANS_MESSAGE_QUEUE_SIZE_MAX.
const RETRANS_QUEUE_MAX: usize = 16384;

/// A node id.
pub type NodeId = u32;

/// Where a datagram goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Every member (udpu: one copy to each nodelist member, itself included).
    All,
    /// One node (the token's successor).
    Node(NodeId),
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub dest: Destination,
    /// Encoded Totem message.
    pub bytes: Vec<u8>,
}

/// Kind of configuration change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfChgKind {
    /// Members that move together from the old ring.
    Transitional,
    /// The new ring.
    Regular,
}

/// What SRP reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SrpEvent {
    /// A message in agreed order (its payload is a totempg frame).
    Deliver {
        /// Sender (header nodeid).
        nodeid: NodeId,
        /// Payload after the 45-byte MCAST header.
        payload: Vec<u8>,
        /// Sender's byte order.
        endian: Endian,
    },
    /// A configuration change.
    ConfChg {
        /// Transitional or regular.
        kind: ConfChgKind,
        /// Members.
        members: Vec<NodeId>,
        /// Left (transitional only).
        left: Vec<NodeId>,
        /// Joined (regular only).
        joined: Vec<NodeId>,
        /// Ring.
        ring_id: RingId,
    },
    /// Persist this ring sequence (ringid_<nodeid>, 8 bytes host order).
    StoreRingId(RingId),
    /// waiting_trans_ack changed (totempg keeps two assembly lists).
    WaitingTransAck(bool),
    /// Entered GATHER, with the reason the reference logs.
    GatherEntered(GatherFrom),
    /// OPERATIONAL entered on a new ring ("A new membership (..) was
    /// formed."), after both configuration changes.
    Operational {
        /// The new ring.
        ring_id: RingId,
        /// Nodes that joined.
        joined: Vec<NodeId>,
        /// Nodes that left.
        left: Vec<NodeId>,
        /// Left nodes whose LEAVE was not seen.
        failed: Vec<NodeId>,
    },
}

/// Static parameters of a node.
#[derive(Debug, Clone)]
pub struct SrpConfig {
    /// This node.
    pub nodeid: NodeId,
    /// Timers (from corosync-config).
    pub timers: Timers,
    /// Queue capacity (MESSAGE_QUEUE_MAX = 4 MiB / netmtu).
    pub message_queue_max: usize,
    /// totem.netmtu (1500 for udp/udpu).
    pub netmtu: usize,
}

impl SrpConfig {
    /// Defaults for `nodeid` with the reference's default timers for a
    /// ring of `members` nodes and netmtu 1500.
    pub fn with_defaults(nodeid: NodeId, members: usize) -> Self {
        SrpConfig {
            nodeid,
            timers: corosync_config::totem::volatile_config(&Default::default(), members),
            message_queue_max: (4 * 1024 * 1024) / 1500,
            netmtu: 1500,
        }
    }
}

/// Membership state with the data only that phase has.
#[derive(Debug, Clone)]
pub enum MembState {
    /// Ring installed; token circulating.
    #[doc(alias = "MEMB_STATE_OPERATIONAL")]
    Operational,
    /// Exchanging JOINs.
    #[doc(alias = "MEMB_STATE_GATHER")]
    Gather,
    /// Commit token going round.
    #[doc(alias = "MEMB_STATE_COMMIT")]
    Commit,
    /// Old-ring messages being recovered.
    #[doc(alias = "MEMB_STATE_RECOVERY")]
    Recovery,
}

#[derive(Debug, Clone)]
struct Stored {
    msg: Mcast,
}

/// One Totem SRP instance.
pub struct Srp {
    cfg: SrpConfig,
    state: MembState,
    timers: TimerTable,
    out: VecDeque<Transmit>,
    events: VecDeque<SrpEvent>,

    my_id: NodeId,
    consensus: Vec<(NodeId, bool)>,
    failed_to_recv: bool,
    my_proc_list: Vec<NodeId>,
    my_failed_list: Vec<NodeId>,
    my_new_memb_list: Vec<NodeId>,
    my_trans_memb_list: Vec<NodeId>,
    my_memb_list: Vec<NodeId>,
    my_deliver_memb_list: Vec<NodeId>,
    my_left_memb_list: Vec<NodeId>,
    my_leave_memb_list: Vec<NodeId>,
    my_ring_id: RingId,
    my_old_ring_id: RingId,
    my_aru_count: u32,
    my_merge_detect_timeout_outstanding: bool,
    my_last_aru: u32,
    my_seq_unchanged: u32,
    my_received_flg: bool,
    my_high_seq_received: u32,
    my_install_seq: u32,
    my_rotation_counter: u32,
    my_set_retrans_flg: bool,
    my_retrans_flg_count: u32,
    my_high_ring_delivered: u32,
    new_message_queue: VecDeque<Mcast>,
    new_message_queue_trans: VecDeque<Mcast>,
    retrans_message_queue: VecDeque<Mcast>,
    regular_sort_queue: SortQueue<Stored>,
    recovery_sort_queue: SortQueue<Stored>,
    my_aru: u32,
    my_high_delivered: u32,
    orf_token_retransmit: Option<Transmit>,
    my_token_seq: u32,
    token_target: NodeId,
    global_seqno: i32,
    my_token_held: bool,
    token_ring_id_seq: u64,
    last_released: u32,
    old_ring_state_saved: bool,
    old_ring_state_aru: u32,
    old_ring_state_high_seq_received: u32,
    my_last_seq: u32,
    my_trc: u32,
    my_pbl: u32,
    my_cbl: u32,
    commit_token: Option<CommitToken>,
    orf_token_discard: bool,
    originated_orf_token: bool,
    waiting_trans_ack: bool,
    packer: crate::pg::Packer,
    stopped: bool,
    stats: SrpStats,
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(v as u64)
}

fn header(nodeid: NodeId, encapsulated: u8) -> Header {
    Header {
        endian: Endian::NATIVE,
        encapsulated,
        nodeid,
        target_nodeid: 0,
    }
}

impl Srp {
    /// Start a node. `stored_ring_seq` is the content of ringid_<nodeid>
    /// (None when absent: then 0 is stored, as the reference creates it).
    #[doc(alias = "totemsrp_initialize")]
    #[doc(alias = "main_iface_change_fn")]
    pub fn new(cfg: SrpConfig, now: Instant, stored_ring_seq: Option<u64>) -> Srp {
        let my_id = cfg.nodeid;
        let mut s = Srp {
            state: MembState::Operational,
            timers: TimerTable::default(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            my_id,
            consensus: Vec::new(),
            failed_to_recv: false,
            my_proc_list: Vec::new(),
            my_failed_list: Vec::new(),
            my_new_memb_list: Vec::new(),
            my_trans_memb_list: Vec::new(),
            my_memb_list: Vec::new(),
            my_deliver_memb_list: Vec::new(),
            my_left_memb_list: Vec::new(),
            my_leave_memb_list: Vec::new(),
            my_ring_id: RingId::default(),
            my_old_ring_id: RingId::default(),
            my_aru_count: 0,
            my_merge_detect_timeout_outstanding: false,
            my_last_aru: 0,
            my_seq_unchanged: 0,
            my_received_flg: true,
            my_high_seq_received: SEQNO_START_MSG,
            my_install_seq: 0,
            my_rotation_counter: 0,
            my_set_retrans_flg: false,
            my_retrans_flg_count: 0,
            my_high_ring_delivered: 0,
            new_message_queue: VecDeque::new(),
            new_message_queue_trans: VecDeque::new(),
            retrans_message_queue: VecDeque::new(),
            regular_sort_queue: SortQueue::new(0),
            recovery_sort_queue: SortQueue::new(0),
            my_aru: SEQNO_START_MSG,
            my_high_delivered: SEQNO_START_MSG,
            orf_token_retransmit: None,
            my_token_seq: 0u32.wrapping_sub(1),
            token_target: my_id,
            global_seqno: 0,
            my_token_held: false,
            token_ring_id_seq: 0,
            last_released: 0,
            old_ring_state_saved: false,
            old_ring_state_aru: 0,
            old_ring_state_high_seq_received: 0,
            my_last_seq: 0,
            my_trc: 0,
            my_pbl: 0,
            my_cbl: 0,
            commit_token: None,
            orf_token_discard: false,
            originated_orf_token: false,
            waiting_trans_ack: true,
            packer: crate::pg::Packer::new(cfg.netmtu),
            stopped: false,
            stats: SrpStats::default(),
            cfg,
        };
        s.events.push_back(SrpEvent::WaitingTransAck(true));
        let seq = match stored_ring_seq {
            Some(seq) => seq,
            None => {
                s.events
                    .push_back(SrpEvent::StoreRingId(RingId { rep: my_id, seq: 0 }));
                0
            }
        };
        s.my_ring_id = RingId {
            rep: my_id,
            seq: seq + 1,
        };
        s.token_ring_id_seq = s.my_ring_id.seq;
        s.gather_enter(now, GatherFrom::InterfaceChange);
        s
    }

    /// This node's id.
    pub fn nodeid(&self) -> NodeId {
        self.my_id
    }

    /// Current membership state.
    pub fn state(&self) -> &MembState {
        &self.state
    }

    /// Current ring.
    pub fn ring_id(&self) -> RingId {
        self.my_ring_id
    }

    /// Members of the current ring.
    pub fn members(&self) -> &[NodeId] {
        &self.my_memb_list
    }

    /// Counters (`stats.srp.*`).
    pub fn stats(&self) -> &SrpStats {
        &self.stats
    }

    /// Frames the queue can still take (new_message_queue or the
    /// transitional one).
    pub fn queue_max(&self) -> usize {
        self.cfg.message_queue_max
    }

    /// Whether a message of `bytes` fits in the queue now
    /// (totempg_groups_joined_reserve).
    pub fn room_for(&self, bytes: usize) -> bool {
        self.packer
            .byte_count_send_ok(bytes + 2 * self.packer.packed(), self.avail())
    }

    /// runtime.force_gather: act as if the token was lost
    /// (totemsrp_force_gather).
    #[doc(alias = "totemsrp_force_gather")]
    pub fn force_gather(&mut self, now: Instant) {
        if !self.stopped {
            self.timer_function_orf_token_timeout(now);
        }
    }

    /// Timer configuration.
    pub fn timers(&self) -> &Timers {
        &self.cfg.timers
    }

    /// Earliest armed timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        self.timers.next()
    }

    /// Next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<SrpEvent> {
        self.events.pop_front()
    }

    /// Send one application message through totempg: `iovecs` are the
    /// pieces the reference would pass (group header pieces, then data);
    /// small messages are packed and go out with the next token, large ones
    /// are fragmented into frames queued now (totempg mcast_msg).
    #[doc(alias = "totempg_groups_mcast_joined")]
    pub fn pg_mcast(&mut self, iovecs: &[&[u8]]) -> Result<(), crate::pg::NoRoom> {
        self.token_hold_cancel_send();
        let avail = self.avail();
        for f in self.packer.pack(iovecs, avail)? {
            self.mcast(f).map_err(|_| crate::pg::NoRoom)?;
        }
        Ok(())
    }

    fn send_all(&mut self, m: SrpMessage) {
        let st = &mut self.stats;
        match &m {
            SrpMessage::MergeDetect(_) => st.memb_merge_detect_tx += 1,
            SrpMessage::MembJoin(_) => st.memb_join_tx += 1,
            SrpMessage::TokenHoldCancel(_) => st.token_hold_cancel_tx += 1,
            _ => {}
        }
        self.out.push_back(Transmit {
            dest: Destination::All,
            bytes: m.encode(),
        });
    }

    /// Queue one message (totempg frame) for ordered delivery. Fails when
    /// the queue is full (totemsrp_mcast returns -1).
    #[doc(alias = "totemsrp_mcast")]
    pub fn mcast(&mut self, payload: Vec<u8>) -> Result<(), QueueFull> {
        let max = self.cfg.message_queue_max;
        let q = if self.waiting_trans_ack {
            &mut self.new_message_queue_trans
        } else {
            &mut self.new_message_queue
        };
        if q.len() >= max {
            return Err(QueueFull);
        }
        q.push_back(Mcast {
            header: header(self.my_id, MESSAGE_NOT_ENCAPSULATED),
            system_from: self.my_id,
            seq: 0,
            this_seqno: 0,
            ring_id: RingId::default(),
            node_id: 0,
            guarantee: 0,
            payload,
        });
        Ok(())
    }

    /// Free queue slots (totemsrp_avail).
    #[doc(alias = "totemsrp_avail")]
    pub fn avail(&self) -> usize {
        let q = if self.waiting_trans_ack {
            &self.new_message_queue_trans
        } else {
            &self.new_message_queue
        };
        self.cfg.message_queue_max.saturating_sub(q.len())
    }

    /// The application finished sync: use the normal queue again.
    #[doc(alias = "totemsrp_trans_ack")]
    pub fn trans_ack(&mut self) {
        self.waiting_trans_ack = false;
        self.events.push_back(SrpEvent::WaitingTransAck(false));
    }

    /// Ask a representative holding the token to release it (new message).
    #[doc(alias = "totemsrp_event_signal")]
    pub fn signal_new_message(&mut self) {
        self.token_hold_cancel_send();
    }

    /// Graceful stop: send LEAVE and stop all timers.
    #[doc(alias = "totemsrp_finalize")]
    #[doc(alias = "memb_leave_message_send")]
    pub fn leave(&mut self) {
        set_merge(&mut self.my_failed_list, &[self.my_id]);
        let active: Vec<NodeId> = self
            .my_proc_list
            .iter()
            .copied()
            .filter(|&n| n != self.my_id)
            .collect();
        let j = MembJoin {
            header: header(srp::LEAVE_DUMMY_NODEID, 0),
            system_from: self.my_id,
            proc_list: active,
            failed_list: self.my_failed_list.clone(),
            ring_seq: self.my_ring_id.seq,
        };
        self.send_all(SrpMessage::MembJoin(j));
        self.stopped = true;
        for t in Timer::ALL {
            self.timers.stop(t);
        }
    }

    /// Handle one received datagram. Undecodable datagrams are reported and
    /// ignored, like the reference drops them.
    #[doc(alias = "main_deliver_fn")]
    pub fn handle_packet(&mut self, now: Instant, bytes: &[u8]) -> Result<(), WireError> {
        if self.stopped {
            return Ok(());
        }
        let m = SrpMessage::decode(bytes)?;
        let st = &mut self.stats;
        match &m {
            SrpMessage::OrfToken(_) => {
                st.orf_token_rx += 1;
                st.last_token_rx = Some(now);
            }
            SrpMessage::Mcast(_) => st.mcast_rx += 1,
            SrpMessage::MergeDetect(_) => st.memb_merge_detect_rx += 1,
            SrpMessage::MembJoin(_) => st.memb_join_rx += 1,
            SrpMessage::CommitToken(_) => st.memb_commit_token_rx += 1,
            SrpMessage::TokenHoldCancel(_) => st.token_hold_cancel_rx += 1,
        }
        match m {
            SrpMessage::OrfToken(t) => self.message_handler_orf_token(now, t),
            SrpMessage::Mcast(m) => self.message_handler_mcast(now, m),
            SrpMessage::MergeDetect(m) => self.message_handler_memb_merge_detect(now, m),
            SrpMessage::MembJoin(j) => self.message_handler_memb_join(now, j),
            SrpMessage::CommitToken(c) => self.message_handler_memb_commit_token(now, c),
            SrpMessage::TokenHoldCancel(c) => self.message_handler_token_hold_cancel(now, c),
        }
        Ok(())
    }

    /// Fire every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(t) = self.timers.pop_expired(now) {
            if self.stopped {
                return;
            }
            match t {
                Timer::OrfToken => self.timer_function_orf_token_timeout(now),
                Timer::TokenRetransmit => self.timer_function_token_retransmit_timeout(now),
                Timer::TokenHoldRetransmit => {
                    if matches!(self.state, MembState::Operational | MembState::Recovery) {
                        self.token_retransmit();
                    }
                }
                Timer::MergeDetect => {
                    self.my_merge_detect_timeout_outstanding = false;
                    if matches!(self.state, MembState::Operational)
                        && self.my_ring_id.rep == self.my_id
                    {
                        self.memb_merge_detect_transmit();
                    }
                }
                Timer::Join => {
                    if matches!(self.state, MembState::Gather | MembState::Commit) {
                        self.memb_join_message_send();
                        self.timers.set(Timer::Join, now, ms(self.cfg.timers.join));
                    }
                }
                Timer::Consensus => self.memb_state_consensus_timeout_expired(now),
            }
        }
    }

    // ---- timers -------------------------------------------------------

    fn reset_token_retransmit_timeout(&mut self, now: Instant) {
        self.timers.set(
            Timer::TokenRetransmit,
            now,
            ms(self.cfg.timers.token_retransmit),
        );
    }

    fn reset_token_timeout(&mut self, now: Instant) {
        self.timers
            .set(Timer::OrfToken, now, ms(self.cfg.timers.token));
    }

    fn start_merge_detect_timeout(&mut self, now: Instant) {
        if !self.my_merge_detect_timeout_outstanding {
            self.timers
                .set(Timer::MergeDetect, now, ms(self.cfg.timers.merge));
            self.my_merge_detect_timeout_outstanding = true;
        }
    }

    fn cancel_merge_detect_timeout(&mut self) {
        self.timers.stop(Timer::MergeDetect);
        self.my_merge_detect_timeout_outstanding = false;
    }

    fn timer_function_orf_token_timeout(&mut self, now: Instant) {
        let st = &mut self.stats;
        match self.state {
            MembState::Operational => st.operational_token_lost += 1,
            MembState::Gather => st.gather_token_lost += 1,
            MembState::Commit => st.commit_token_lost += 1,
            MembState::Recovery => st.recovery_token_lost += 1,
        }
        match self.state {
            MembState::Operational => self.gather_enter(now, GatherFrom::TokenLostInOperational),
            MembState::Gather => {
                self.memb_state_consensus_timeout_expired(now);
                self.gather_enter(now, GatherFrom::ConsensusTimeoutExpired);
            }
            MembState::Commit => self.gather_enter(now, GatherFrom::TokenLostInCommit),
            MembState::Recovery => {
                self.memb_recovery_state_token_loss(now);
                self.orf_token_discard = true;
            }
        }
    }

    fn timer_function_token_retransmit_timeout(&mut self, now: Instant) {
        match self.state {
            MembState::Gather => {}
            _ => {
                self.token_retransmit();
                self.reset_token_retransmit_timeout(now);
            }
        }
    }

    fn token_retransmit(&mut self) {
        if let Some(t) = self.orf_token_retransmit.clone() {
            self.out.push_back(t);
        }
    }
}

/// The message queue is full (TRY_AGAIN for the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

/// memb_set_merge: append what `add` has and `set` lacks.
fn set_merge(set: &mut Vec<NodeId>, add: &[NodeId]) {
    for n in add {
        if !set.contains(n) {
            set.push(*n);
        }
    }
}

/// memb_set_subtract.
fn set_subtract(a: &[NodeId], b: &[NodeId]) -> Vec<NodeId> {
    a.iter().copied().filter(|n| !b.contains(n)).collect()
}

/// memb_set_equal.
fn set_equal(a: &[NodeId], b: &[NodeId]) -> bool {
    a.len() == b.len() && b.iter().all(|n| a.contains(n))
}

/// memb_set_subset.
fn set_subset(sub: &[NodeId], full: &[NodeId]) -> bool {
    sub.len() <= full.len() && sub.iter().all(|n| full.contains(n))
}

const _: usize = RETRANS_QUEUE_MAX;
