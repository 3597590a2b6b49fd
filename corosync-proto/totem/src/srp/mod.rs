//! Totem SRP (totemsrp.c) as a sans-IO state machine.
//!
//! Packets and timeouts go in ([`Srp::handle_packet`], [`Srp::handle_timeout`]);
//! datagrams ([`Srp::poll_transmit`]) and events ([`Srp::poll_event`]) come out.
//! Membership (gather, commit, recovery, operational entry) is in
//! [`memb`]; token handling, multicast, retransmission, flow control and
//! delivery are here.

mod memb;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use corosync_config::Timers;
use totem_wire::srp::{
    self, Header, Mcast, MembJoin, MergeDetect, OrfToken, RtrItem, TokenHoldCancel,
    MESSAGE_ENCAPSULATED, MESSAGE_NOT_ENCAPSULATED, RETRANSMIT_ENTRIES_MAX,
};
use totem_wire::{CommitToken, Endian, RingId, SrpMessage, WireError};

use crate::sq::{self, SortQueue};
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
        match SrpMessage::decode(bytes)? {
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

    // ---- token ----------------------------------------------------------

    fn token_send(&mut self, token: &OrfToken, forward: bool) {
        let mut t = token.clone();
        t.header.nodeid = self.my_id;
        let tx = Transmit {
            dest: Destination::Node(self.token_target),
            bytes: SrpMessage::OrfToken(t).encode(),
        };
        self.orf_token_retransmit = Some(tx.clone());
        if forward {
            self.out.push_back(tx);
        }
    }

    fn token_hold_cancel_send(&mut self) {
        if !self.my_token_held {
            return;
        }
        self.my_token_held = false;
        let m = TokenHoldCancel {
            header: header(self.my_id, 0),
            ring_id: self.my_ring_id,
        };
        self.send_all(SrpMessage::TokenHoldCancel(m));
    }

    fn orf_token_send_initial(&mut self) {
        let retrans = !self.retrans_message_queue.is_empty();
        self.my_set_retrans_flg = retrans;
        let t = OrfToken {
            header: header(self.my_id, 0),
            seq: SEQNO_START_MSG,
            token_seq: 0,
            aru: SEQNO_START_MSG.wrapping_sub(1),
            aru_addr: self.my_id,
            ring_id: self.my_ring_id,
            backlog: 0,
            fcc: 0,
            retrans_flg: retrans as i32,
            rtr_list: Vec::new(),
        };
        self.token_send(&t, true);
    }

    fn backlog_get(&self) -> u32 {
        match self.state {
            MembState::Operational => {
                if self.waiting_trans_ack {
                    self.new_message_queue_trans.len() as u32
                } else {
                    self.new_message_queue.len() as u32
                }
            }
            MembState::Recovery => self.retrans_message_queue.len() as u32,
            _ => 0,
        }
    }

    fn fcc_calculate(&mut self, token: &OrfToken) -> u32 {
        let t = &self.cfg.timers;
        let mut allowed = t.max_messages;
        let room = t.window_size.wrapping_sub(token.fcc);
        if allowed > room {
            allowed = room;
        }
        self.my_cbl = self.backlog_get();
        let total = token
            .backlog
            .wrapping_add(self.my_cbl)
            .wrapping_sub(self.my_pbl);
        if let Some(calc) = t.window_size.wrapping_mul(self.my_pbl).checked_div(total) {
            if calc > 0 && allowed > calc {
                allowed = calc;
            }
        }
        allowed
    }

    fn fcc_rtr_limit(&self, token: &OrfToken, allowed: &mut u32) {
        let limit = self
            .last_released
            .wrapping_add(sq::QUEUE_SIZE)
            .wrapping_sub(*allowed)
            .wrapping_sub(self.cfg.timers.window_size);
        if sq::lt(limit, token.seq) {
            *allowed = 0;
        }
    }

    fn fcc_token_update(&mut self, token: &mut OrfToken, transmitted: u32) {
        token.fcc = token
            .fcc
            .wrapping_add(transmitted)
            .wrapping_sub(self.my_trc);
        token.backlog = token
            .backlog
            .wrapping_add(self.my_cbl)
            .wrapping_sub(self.my_pbl);
        self.my_trc = transmitted;
        self.my_pbl = self.my_cbl;
    }

    fn in_recovery(&self) -> bool {
        matches!(self.state, MembState::Recovery)
    }

    fn sort_queue(&mut self) -> &mut SortQueue<Stored> {
        if self.in_recovery() {
            &mut self.recovery_sort_queue
        } else {
            &mut self.regular_sort_queue
        }
    }

    fn orf_token_remcast(&mut self, seq: u32) -> bool {
        let q = self.sort_queue();
        if !q.in_range(seq) {
            return false;
        }
        let Some(item) = q.get(seq).cloned() else {
            return false;
        };
        self.send_all(SrpMessage::Mcast(item.msg));
        true
    }

    fn orf_token_rtr(&mut self, token: &mut OrfToken, allowed: u32) -> u32 {
        let mut done = 0;
        let mut i = 0;
        while done < allowed && i < token.rtr_list.len() {
            if token.rtr_list[i].ring_id != self.my_ring_id {
                i += 1;
                continue;
            }
            if self.orf_token_remcast(token.rtr_list[i].seq) {
                token.rtr_list.remove(i);
                done += 1;
            } else {
                i += 1;
            }
        }
        let range = token.seq.wrapping_sub(self.my_aru);
        let mut i = 1u32;
        while token.rtr_list.len() < RETRANSMIT_ENTRIES_MAX && i <= range.min(sq::QUEUE_SIZE) {
            let seq = self.my_aru.wrapping_add(i);
            let miss_const = self.cfg.timers.miss_count_const;
            let ring = self.my_ring_id;
            let q = self.sort_queue();
            if !q.in_range(seq) {
                break;
            }
            if !q.in_use(seq)
                && q.miss_count(seq) >= miss_const
                && !token.rtr_list.iter().any(|r| r.seq == seq)
            {
                token.rtr_list.push(RtrItem { ring_id: ring, seq });
            }
            i += 1;
        }
        done
    }

    fn update_aru(&mut self) {
        let range = self.my_high_seq_received.wrapping_sub(self.my_aru);
        let base = self.my_aru;
        let q = if self.in_recovery() {
            &self.recovery_sort_queue
        } else {
            &self.regular_sort_queue
        };
        let mut i = 1u32;
        while i <= range {
            if q.get(base.wrapping_add(i)).is_none() {
                break;
            }
            i += 1;
        }
        self.my_aru = base.wrapping_add(i - 1);
    }

    fn orf_token_mcast(&mut self, now: Instant, token: &mut OrfToken, allowed: u32) -> u32 {
        let recovery = self.in_recovery();
        if recovery {
            self.reset_token_retransmit_timeout(now);
        }
        let mut sent = 0;
        while sent < allowed {
            let item = if recovery {
                self.retrans_message_queue.pop_front()
            } else if self.waiting_trans_ack {
                self.new_message_queue_trans.pop_front()
            } else {
                self.new_message_queue.pop_front()
            };
            let Some(mut m) = item else {
                break;
            };
            token.seq = token.seq.wrapping_add(1);
            m.seq = token.seq;
            m.this_seqno = self.global_seqno;
            self.global_seqno = self.global_seqno.wrapping_add(1);
            m.ring_id = self.my_ring_id;
            self.sort_queue().add(m.seq, Stored { msg: m.clone() });
            self.send_all(SrpMessage::Mcast(m));
            self.my_high_seq_received = token.seq;
            sent += 1;
        }
        self.update_aru();
        sent
    }

    fn messages_free(&mut self, token_aru: u32) {
        let mut release_to = token_aru;
        if sq::lt(self.my_last_aru, release_to) {
            release_to = self.my_last_aru;
        }
        if sq::lt(self.my_high_delivered, release_to) {
            release_to = self.my_high_delivered;
        }
        if sq::lt(release_to, self.last_released) {
            return;
        }
        if release_to != self.last_released {
            self.regular_sort_queue.release(release_to);
        }
        self.last_released = release_to;
    }

    fn message_handler_orf_token(&mut self, now: Instant, mut token: OrfToken) {
        if self.orf_token_discard {
            return;
        }
        token.rtr_list.truncate(RETRANSMIT_ENTRIES_MAX);
        if token.seq == self.my_last_seq {
            self.start_merge_detect_timeout(now);
            self.my_seq_unchanged += 1;
        } else {
            self.cancel_merge_detect_timeout();
            self.timers.stop(Timer::TokenHoldRetransmit);
            self.my_seq_unchanged = 0;
        }
        self.my_last_seq = token.seq;
        self.my_token_held = false;
        let is_rep = self.my_ring_id.rep == self.my_id;
        let unchanged = self.cfg.timers.seqno_unchanged_const;
        if (is_rep && self.my_seq_unchanged > unchanged)
            || (!is_rep && self.my_seq_unchanged >= unchanged)
        {
            self.my_token_held = true;
        }
        let mut forward = !(is_rep && self.my_token_held);
        match self.state {
            MembState::Commit => return,
            MembState::Operational => self.messages_free(token.aru),
            _ => {}
        }
        if token.ring_id != self.my_ring_id {
            return;
        }
        if sq::lte(token.token_seq, self.my_token_seq) {
            return;
        }
        // Token callbacks (callback_token_received_fn): totempg queues its
        // packed frame before the token takes messages from the queue.
        let avail = self.avail();
        if let Some(frame) = self.packer.flush(avail) {
            let _ = self.mcast(frame);
        }
        let last_aru = self.my_last_aru;
        self.my_last_aru = token.aru;
        let mut allowed = self.fcc_calculate(&token);
        let retransmitted = self.orf_token_rtr(&mut token, allowed);
        if self.cfg.timers.cancel_token_hold_on_retransmit != 0
            && self.my_token_held
            && (!token.rtr_list.is_empty() || retransmitted > 0)
        {
            self.my_token_held = false;
            forward = true;
        }
        self.fcc_rtr_limit(&token, &mut allowed);
        let regular = self.orf_token_mcast(now, &mut token, allowed);
        self.fcc_token_update(&mut token, retransmitted + regular);
        if sq::lt(self.my_aru, token.aru) || self.my_id == token.aru_addr || token.aru_addr == 0 {
            token.aru = self.my_aru;
            token.aru_addr = if token.aru == token.seq {
                0
            } else {
                self.my_id
            };
        }
        if token.aru == last_aru && token.aru_addr != 0 {
            self.my_aru_count += 1;
        } else {
            self.my_aru_count = 0;
        }
        if self.my_aru_count > self.cfg.timers.fail_recv_const && token.aru_addr == self.my_id {
            self.failed_to_recv = true;
            set_merge(&mut self.my_failed_list, &[self.my_id]);
            self.gather_enter(now, GatherFrom::FailedToReceive);
            return;
        }
        self.my_token_seq = token.token_seq;
        token.token_seq = token.token_seq.wrapping_add(1);
        if self.in_recovery() {
            if !self.retrans_message_queue.is_empty() {
                if token.retrans_flg == 0 {
                    token.retrans_flg = 1;
                    self.my_set_retrans_flg = true;
                }
            } else if token.retrans_flg == 1 && self.my_set_retrans_flg {
                token.retrans_flg = 0;
                self.my_set_retrans_flg = false;
            }
            if token.retrans_flg == 0 {
                self.my_retrans_flg_count += 1;
            } else {
                self.my_retrans_flg_count = 0;
            }
            if self.my_retrans_flg_count == 2 {
                self.my_install_seq = token.seq;
            }
            if self.my_retrans_flg_count >= 2
                && !self.my_received_flg
                && sq::lte(self.my_install_seq, self.my_aru)
            {
                self.my_received_flg = true;
                self.my_deliver_memb_list = self.my_trans_memb_list.clone();
            }
            if self.my_retrans_flg_count >= 3 && sq::lte(self.my_install_seq, token.aru) {
                self.my_rotation_counter += 1;
            } else {
                self.my_rotation_counter = 0;
            }
            if self.my_rotation_counter == 2 {
                self.memb_state_operational_enter(now);
                self.my_rotation_counter = 0;
                self.my_retrans_flg_count = 0;
            }
        }
        self.token_send(&token, forward);
        if matches!(self.state, MembState::Operational) {
            let end = self.my_high_seq_received;
            self.messages_deliver_to_app(false, end);
        }
        self.reset_token_timeout(now);
        self.reset_token_retransmit_timeout(now);
        if self.my_id == self.my_ring_id.rep && self.my_token_held {
            self.timers
                .set(Timer::TokenHoldRetransmit, now, ms(self.cfg.timers.hold));
        }
    }

    fn messages_deliver_to_app(&mut self, skip: bool, end_point: u32) {
        let range = end_point.wrapping_sub(self.my_high_delivered);
        let stored = self.my_high_delivered;
        let mut i = 1u32;
        while i <= range && i < sq::QUEUE_SIZE {
            let seq = stored.wrapping_add(i);
            if !self.regular_sort_queue.in_range(seq) {
                break;
            }
            let item = self.regular_sort_queue.get(seq).cloned();
            if item.is_none() && !skip {
                break;
            }
            self.my_high_delivered = seq;
            i += 1;
            let Some(item) = item else {
                continue;
            };
            if skip && !self.my_deliver_memb_list.contains(&item.msg.system_from) {
                continue;
            }
            self.events.push_back(SrpEvent::Deliver {
                nodeid: item.msg.header.nodeid,
                payload: item.msg.payload.clone(),
                endian: item.msg.header.endian,
            });
        }
    }

    fn message_handler_mcast(&mut self, now: Instant, m: Mcast) {
        let recovery_queue = m.header.encapsulated == MESSAGE_ENCAPSULATED;
        if m.ring_id != self.my_ring_id {
            let from = m.system_from;
            match self.state {
                MembState::Operational => {
                    set_merge(&mut self.my_proc_list, &[from]);
                    self.gather_enter(now, GatherFrom::ForeignMessageInOperational);
                }
                MembState::Gather if !self.my_proc_list.contains(&from) => {
                    set_merge(&mut self.my_proc_list, &[from]);
                    self.gather_enter(now, GatherFrom::ForeignMessageInGather);
                }
                _ => {}
            }
            return;
        }
        let seq = m.seq;
        let q = if recovery_queue {
            &mut self.recovery_sort_queue
        } else {
            &mut self.regular_sort_queue
        };
        if q.in_range(seq) && !q.in_use(seq) {
            q.add(seq, Stored { msg: m });
            if sq::lt(self.my_high_seq_received, seq) {
                self.my_high_seq_received = seq;
            }
        }
        self.update_aru();
        if matches!(self.state, MembState::Operational) {
            let end = self.my_high_seq_received;
            self.messages_deliver_to_app(false, end);
        }
    }

    fn message_handler_memb_merge_detect(&mut self, now: Instant, m: MergeDetect) {
        if m.ring_id == self.my_ring_id {
            return;
        }
        let from = m.system_from;
        match self.state {
            MembState::Operational => {
                set_merge(&mut self.my_proc_list, &[from]);
                self.gather_enter(now, GatherFrom::MergeDuringOperational);
            }
            MembState::Gather if !self.my_proc_list.contains(&from) => {
                set_merge(&mut self.my_proc_list, &[from]);
                self.gather_enter(now, GatherFrom::MergeDuringGather);
            }
            _ => {}
        }
    }

    fn message_handler_token_hold_cancel(&mut self, now: Instant, m: TokenHoldCancel) {
        if m.ring_id == self.my_ring_id {
            self.my_seq_unchanged = 0;
            if self.my_ring_id.rep == self.my_id {
                self.timer_function_token_retransmit_timeout(now);
            }
        }
    }

    fn memb_merge_detect_transmit(&mut self) {
        let m = MergeDetect {
            header: header(self.my_id, 0),
            system_from: self.my_id,
            ring_id: self.my_ring_id,
        };
        self.send_all(SrpMessage::MergeDetect(m));
    }

    fn memb_join_message_send(&mut self) {
        let j = MembJoin {
            header: header(self.my_id, 0),
            system_from: self.my_id,
            proc_list: self.my_proc_list.clone(),
            failed_list: self.my_failed_list.clone(),
            ring_seq: self.my_ring_id.seq,
        };
        self.send_all(SrpMessage::MembJoin(j));
    }

    fn encapsulate(&self, old: &Mcast) -> Mcast {
        Mcast {
            header: header(self.my_id, MESSAGE_ENCAPSULATED),
            system_from: self.my_id,
            seq: 0,
            this_seqno: 0,
            ring_id: self.my_ring_id,
            node_id: 0,
            guarantee: 0,
            payload: SrpMessage::Mcast(old.clone()).encode(),
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
