//! Membership: GATHER, COMMIT, RECOVERY and entry into OPERATIONAL
//! (totemsrp.c memb_state_*_enter, memb_join_process and the handlers of
//! JOIN and the commit token).

use std::time::Instant;

use totem_wire::srp::{CommitMembEntry, MembJoin, MESSAGE_ENCAPSULATED};
use totem_wire::{CommitToken, SrpMessage};

use super::{
    header, ms, set_equal, set_merge, set_subset, set_subtract, ConfChgKind, Destination,
    MembState, NodeId, Srp, SrpEvent, Stored, Transmit, SEQNO_START_MSG,
};
use crate::sq;
use crate::timer::Timer;

/// Why GATHER was entered (enum gather_state_from); the texts are those the
/// reference logs after "entering GATHER state from".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum GatherFrom {
    ConsensusTimeout,
    TokenLostInOperational,
    ConsensusTimeoutExpired,
    TokenLostInCommit,
    TokenLostInRecovery,
    FailedToReceive,
    ForeignMessageInOperational,
    ForeignMessageInGather,
    MergeDuringOperational,
    MergeDuringGather,
    MergeDuringJoin,
    JoinDuringOperational,
    JoinDuringCommit,
    JoinDuringRecovery,
    InterfaceChange,
}

impl GatherFrom {
    /// The reference's number and text for it.
    pub fn describe(self) -> (u32, &'static str) {
        match self {
            GatherFrom::ConsensusTimeout => (0, "consensus timeout"),
            GatherFrom::TokenLostInOperational => {
                (2, "The token was lost in the OPERATIONAL state.")
            }
            GatherFrom::ConsensusTimeoutExpired => (3, "The consensus timeout expired."),
            GatherFrom::TokenLostInCommit => (4, "The token was lost in the COMMIT state."),
            GatherFrom::TokenLostInRecovery => (5, "The token was lost in the RECOVERY state."),
            GatherFrom::FailedToReceive => (6, "failed to receive"),
            GatherFrom::ForeignMessageInOperational => (7, "foreign message in operational state"),
            GatherFrom::ForeignMessageInGather => (8, "foreign message in gather state"),
            GatherFrom::MergeDuringOperational => (9, "merge during operational state"),
            GatherFrom::MergeDuringGather => (10, "merge during gather state"),
            GatherFrom::MergeDuringJoin => (11, "merge during join"),
            GatherFrom::JoinDuringOperational => (12, "join during operational state"),
            GatherFrom::JoinDuringCommit => (13, "join during commit state"),
            GatherFrom::JoinDuringRecovery => (14, "join during recovery"),
            GatherFrom::InterfaceChange => (15, "interface change"),
        }
    }
}

impl Srp {
    fn consensus_reset(&mut self) {
        self.consensus.clear();
    }

    fn consensus_set(&mut self, n: NodeId) {
        match self.consensus.iter_mut().find(|(id, _)| *id == n) {
            Some(e) => e.1 = true,
            None => self.consensus.push((n, true)),
        }
    }

    fn consensus_isset(&self, n: NodeId) -> bool {
        self.consensus.iter().any(|&(id, set)| id == n && set)
    }

    fn consensus_agreed(&self) -> bool {
        let token_memb = set_subtract(&self.my_proc_list, &self.my_failed_list);
        token_memb.iter().all(|&n| self.consensus_isset(n))
    }

    fn lowest_in_config(&self) -> bool {
        let token_memb = set_subtract(&self.my_proc_list, &self.my_failed_list);
        token_memb.iter().min() == Some(&self.my_id)
    }

    pub(super) fn memb_state_consensus_timeout_expired(&mut self, now: Instant) {
        self.stats.consensus_timeouts += 1;
        if self.consensus_agreed() {
            self.consensus_reset();
            self.consensus_set(self.my_id);
            self.reset_token_timeout(now);
        } else {
            let no_consensus: Vec<NodeId> = self
                .my_proc_list
                .iter()
                .copied()
                .filter(|&n| !self.consensus_isset(n))
                .collect();
            set_merge(&mut self.my_failed_list, &no_consensus);
            self.gather_enter(now, GatherFrom::ConsensusTimeout);
        }
    }

    pub(super) fn memb_recovery_state_token_loss(&mut self, now: Instant) {
        self.my_aru = self.old_ring_state_aru;
        self.my_high_seq_received = self.old_ring_state_high_seq_received;
        self.gather_enter(now, GatherFrom::TokenLostInRecovery);
    }

    #[doc(alias = "memb_state_gather_enter")]
    pub(super) fn gather_enter(&mut self, now: Instant, from: GatherFrom) {
        self.orf_token_discard = true;
        self.originated_orf_token = false;
        set_merge(&mut self.my_proc_list, &[self.my_id]);
        self.memb_join_message_send();
        let t = &self.cfg.timers;
        let (join, consensus) = (t.join, t.consensus);
        self.timers.set(Timer::Join, now, ms(join));
        self.timers.set(Timer::Consensus, now, ms(consensus));
        self.timers.stop(Timer::TokenRetransmit);
        self.timers.stop(Timer::OrfToken);
        self.cancel_merge_detect_timeout();
        self.consensus_reset();
        self.consensus_set(self.my_id);
        self.state = MembState::Gather;
        self.stats.gather_entered += 1;
        self.stats.continuous_gather += 1;
        self.events.push_back(SrpEvent::GatherEntered(from));
    }

    fn old_ring_state_save(&mut self) {
        if !self.old_ring_state_saved {
            self.old_ring_state_saved = true;
            self.my_old_ring_id = self.my_ring_id;
            self.old_ring_state_aru = self.my_aru;
            self.old_ring_state_high_seq_received = self.my_high_seq_received;
        }
    }

    fn commit_token_create(&mut self) {
        let mut memb = set_subtract(&self.my_proc_list, &self.my_failed_list);
        memb.sort_unstable();
        let n = memb.len();
        self.commit_token = Some(CommitToken {
            header: header(self.my_id, 0),
            token_seq: 0,
            ring_id: totem_wire::RingId {
                rep: self.my_id,
                seq: self.token_ring_id_seq + 4,
            },
            retrans_flg: 0,
            memb_index: 0,
            addr: memb,
            memb_list: vec![CommitMembEntry::default(); n],
        });
    }

    fn commit_token_update(&mut self) {
        let Some(mut ct) = self.commit_token.take() else {
            return;
        };
        self.my_new_memb_list = ct.addr.clone();
        let idx = ct.memb_index.max(0) as usize;
        if idx < ct.memb_list.len() {
            self.my_received_flg = self.my_aru == self.my_high_seq_received;
            let e = &mut ct.memb_list[idx];
            e.ring_id = self.my_old_ring_id;
            e.aru = self.old_ring_state_aru;
            e.received_flg = self.my_received_flg as u32;
            e.high_delivered = self.my_high_delivered;
            let mine = *e;
            let mut high_aru = mine.aru;
            for m in &ct.memb_list[..=idx] {
                if m.ring_id == mine.ring_id && sq::lt(high_aru, m.aru) {
                    high_aru = m.aru;
                }
            }
            for (i, m) in ct.memb_list[..=idx].iter_mut().enumerate() {
                if m.ring_id == mine.ring_id && sq::lt(m.aru, high_aru) {
                    m.received_flg = 0;
                    if i == idx {
                        self.my_received_flg = false;
                    }
                }
            }
        }
        ct.header.nodeid = self.my_id;
        ct.memb_index += 1;
        self.commit_token = Some(ct);
    }

    fn commit_token_send(&mut self, now: Instant, ct: &mut CommitToken) {
        ct.token_seq = ct.token_seq.wrapping_add(1);
        ct.header.nodeid = self.my_id;
        let tx = Transmit {
            dest: Destination::Node(self.token_target),
            bytes: SrpMessage::CommitToken(ct.clone()).encode(),
        };
        self.orf_token_retransmit = Some(tx.clone());
        self.stats.memb_commit_token_tx += 1;
        self.out.push_back(tx);
        self.reset_token_retransmit_timeout(now);
    }

    #[doc(alias = "memb_state_commit_enter")]
    fn commit_enter(&mut self, now: Instant) {
        self.old_ring_state_save();
        self.commit_token_update();
        let Some(mut ct) = self.commit_token.take() else {
            return;
        };
        if !ct.addr.is_empty() {
            self.token_target = ct.addr[ct.memb_index.max(0) as usize % ct.addr.len()];
        }
        self.timers.stop(Timer::Join);
        self.timers.stop(Timer::Consensus);
        self.my_ring_id = ct.ring_id;
        self.events
            .push_back(SrpEvent::StoreRingId(self.my_ring_id));
        self.token_ring_id_seq = self.my_ring_id.seq;
        self.state = MembState::Commit;
        self.stats.commit_entered += 1;
        self.commit_token_send(now, &mut ct);
        self.commit_token = Some(ct);
        self.reset_token_timeout(now);
        self.my_trc = 0;
        self.my_pbl = 0;
        self.my_cbl = 0;
    }

    #[doc(alias = "memb_state_recovery_enter")]
    fn recovery_enter(&mut self, now: Instant, mut ct: CommitToken) {
        self.orf_token_discard = false;
        self.my_high_ring_delivered = 0;
        self.recovery_sort_queue.reinit(SEQNO_START_MSG);
        self.retrans_message_queue.clear();
        let mut low_ring_aru = self.old_ring_state_high_seq_received;
        self.commit_token_send(now, &mut ct);
        self.my_token_seq = SEQNO_START_MSG.wrapping_sub(1);
        // Transitional members: in my old ring and in the new one with the
        // same old ring id.
        self.my_trans_memb_list = self
            .my_memb_list
            .iter()
            .copied()
            .filter(|m| {
                self.my_new_memb_list
                    .iter()
                    .position(|n| n == m)
                    .and_then(|j| ct.memb_list.get(j))
                    .is_some_and(|e| e.ring_id == self.my_old_ring_id)
            })
            .collect();
        let mut local_received = true;
        for (i, addr) in ct.addr.iter().enumerate() {
            if self.my_trans_memb_list.contains(addr)
                && ct.memb_list.get(i).is_some_and(|e| e.received_flg == 0)
            {
                self.my_deliver_memb_list = self.my_trans_memb_list.clone();
                local_received = false;
                break;
            }
        }
        if !local_received {
            for (i, addr) in ct.addr.iter().enumerate() {
                let Some(e) = ct.memb_list.get(i) else {
                    continue;
                };
                if self.my_deliver_memb_list.contains(addr) && e.ring_id == self.my_old_ring_id {
                    if sq::lt(e.aru, low_ring_aru) {
                        low_ring_aru = e.aru;
                    }
                    if sq::lt(self.my_high_ring_delivered, e.high_delivered) {
                        self.my_high_ring_delivered = e.high_delivered;
                    }
                }
            }
            let range = self
                .old_ring_state_high_seq_received
                .wrapping_sub(low_ring_aru);
            for i in 1..=range.min(sq::QUEUE_SIZE - 1) {
                let seq = low_ring_aru.wrapping_add(i);
                if let Some(item) = self.regular_sort_queue.get(seq).cloned() {
                    let m = self.encapsulate(&item.msg);
                    self.retrans_message_queue.push_back(m);
                }
            }
        }
        self.commit_token = Some(ct);
        self.my_aru = SEQNO_START_MSG;
        self.my_aru_count = 0;
        self.my_seq_unchanged = 0;
        self.my_high_seq_received = SEQNO_START_MSG;
        self.my_install_seq = SEQNO_START_MSG;
        self.last_released = SEQNO_START_MSG;
        self.reset_token_timeout(now);
        self.reset_token_retransmit_timeout(now);
        self.state = MembState::Recovery;
        self.stats.recovery_entered += 1;
    }

    fn deliver_messages_from_recovery_to_regular(&mut self) {
        let range = self.my_aru.wrapping_sub(SEQNO_START_MSG);
        for i in 1..=range.min(sq::QUEUE_SIZE - 1) {
            let Some(item) = self.recovery_sort_queue.get(SEQNO_START_MSG + i).cloned() else {
                continue;
            };
            if item.msg.header.encapsulated != MESSAGE_ENCAPSULATED {
                continue;
            }
            let Ok(inner) = item.msg.inner() else {
                continue;
            };
            if inner.ring_id == self.my_old_ring_id {
                let seq = inner.seq;
                if !self.regular_sort_queue.in_use(seq) {
                    self.regular_sort_queue.add(seq, Stored { msg: inner });
                    if sq::lt(self.old_ring_state_high_seq_received, seq) {
                        self.old_ring_state_high_seq_received = seq;
                    }
                }
            }
        }
    }

    pub(super) fn memb_state_operational_enter(&mut self, _now: Instant) {
        self.originated_orf_token = false;
        self.consensus_reset();
        self.old_ring_state_saved = false;
        self.deliver_messages_from_recovery_to_regular();
        let aru_save = self.my_aru;
        self.my_aru = self.old_ring_state_aru;
        let end = self.old_ring_state_high_seq_received;
        self.messages_deliver_to_app(false, end);
        self.my_left_memb_list = set_subtract(&self.my_memb_list, &self.my_trans_memb_list);
        let joined = set_subtract(&self.my_new_memb_list, &self.my_trans_memb_list);
        self.my_memb_list = self.my_new_memb_list.clone();
        self.last_released = 0;
        self.my_set_retrans_flg = false;
        self.events.push_back(SrpEvent::ConfChg {
            kind: ConfChgKind::Transitional,
            members: self.my_trans_memb_list.clone(),
            left: self.my_left_memb_list.clone(),
            joined: Vec::new(),
            ring_id: self.my_ring_id,
        });
        self.waiting_trans_ack = true;
        self.messages_deliver_to_app(true, end);
        self.events.push_back(SrpEvent::WaitingTransAck(true));
        self.my_aru = aru_save;
        self.events.push_back(SrpEvent::ConfChg {
            kind: ConfChgKind::Regular,
            members: self.my_new_memb_list.clone(),
            left: Vec::new(),
            joined,
            ring_id: self.my_ring_id,
        });
        self.regular_sort_queue.copy_from(&self.recovery_sort_queue);
        self.my_last_aru = SEQNO_START_MSG;
        self.my_proc_list = self.my_new_memb_list.clone();
        self.my_failed_list.clear();
        let mut i = self.my_high_seq_received.wrapping_add(1);
        loop {
            i = i.wrapping_sub(1);
            let present = self.regular_sort_queue.get(i).is_some();
            if i == 0 || present {
                break;
            }
        }
        self.my_high_delivered = i;
        self.regular_sort_queue.release(self.my_high_delivered);
        self.last_released = self.my_high_delivered;
        let failed: Vec<NodeId> = self
            .my_left_memb_list
            .iter()
            .copied()
            .filter(|n| !self.my_leave_memb_list.contains(n))
            .collect();
        self.events.push_back(SrpEvent::Operational {
            ring_id: self.my_ring_id,
            joined: set_subtract(&self.my_new_memb_list, &self.my_trans_memb_list),
            left: self.my_left_memb_list.clone(),
            failed,
        });
        self.my_leave_memb_list.clear();
        self.state = MembState::Operational;
        self.stats.operational_entered += 1;
        self.stats.continuous_gather = 0;
        self.my_received_flg = true;
        self.my_old_ring_id = self.my_ring_id;
    }

    fn memb_join_process(&mut self, now: Instant, j: &MembJoin) {
        let from = j.system_from;
        let mut gather_entered = false;
        if j.is_leave() {
            if let Some(&n) = j.failed_list.last() {
                if !self.my_leave_memb_list.contains(&n) {
                    self.my_leave_memb_list.push(n);
                }
            }
        }
        if set_equal(&j.proc_list, &self.my_proc_list)
            && set_equal(&j.failed_list, &self.my_failed_list)
        {
            if !j.is_leave() {
                self.consensus_set(from);
            }
            if self.consensus_agreed() && self.failed_to_recv {
                self.failed_to_recv = false;
                self.my_proc_list = vec![self.my_id];
                self.my_failed_list.clear();
                self.commit_token_create();
                self.commit_enter(now);
                return;
            }
            if self.consensus_agreed() && self.lowest_in_config() {
                self.commit_token_create();
                self.commit_enter(now);
                return;
            }
        } else if set_subset(&j.proc_list, &self.my_proc_list)
            && set_subset(&j.failed_list, &self.my_failed_list)
        {
            // Nothing new.
        } else if self.my_failed_list.contains(&from) {
            // From a node we consider failed.
        } else {
            set_merge(&mut self.my_proc_list, &j.proc_list);
            if j.failed_list.contains(&self.my_id) {
                set_merge(&mut self.my_failed_list, &[from]);
            } else if self.my_memb_list.contains(&from) {
                if !self.my_failed_list.contains(&from) {
                    let failed = j.failed_list.clone();
                    set_merge(&mut self.my_failed_list, &failed);
                } else {
                    let fail_minus_memb = set_subtract(&j.failed_list, &self.my_memb_list);
                    set_merge(&mut self.my_failed_list, &fail_minus_memb);
                }
            }
            self.gather_enter(now, GatherFrom::MergeDuringJoin);
            gather_entered = true;
        }
        if !gather_entered && matches!(self.state, MembState::Operational) {
            self.gather_enter(now, GatherFrom::JoinDuringOperational);
        }
    }

    pub(super) fn message_handler_memb_join(&mut self, now: Instant, j: MembJoin) {
        if self.token_ring_id_seq < j.ring_seq {
            self.token_ring_id_seq = j.ring_seq;
        }
        let from = j.system_from;
        match self.state {
            MembState::Operational => {
                let ignore = j.failed_list.contains(&self.my_id)
                    || (self.my_memb_list.contains(&from) && j.ring_seq < self.my_ring_id.seq);
                if !ignore {
                    self.memb_join_process(now, &j);
                }
            }
            MembState::Gather => self.memb_join_process(now, &j),
            MembState::Commit => {
                if self.my_new_memb_list.contains(&from) && j.ring_seq >= self.my_ring_id.seq {
                    self.memb_join_process(now, &j);
                    self.gather_enter(now, GatherFrom::JoinDuringCommit);
                }
            }
            MembState::Recovery => {
                if self.my_new_memb_list.contains(&from) && j.ring_seq >= self.my_ring_id.seq {
                    self.memb_join_process(now, &j);
                    self.memb_recovery_state_token_loss(now);
                    self.gather_enter(now, GatherFrom::JoinDuringRecovery);
                }
            }
        }
    }

    pub(super) fn message_handler_memb_commit_token(&mut self, now: Instant, ct: CommitToken) {
        if ct.memb_list.len() != ct.addr.len() {
            return;
        }
        match self.state {
            MembState::Operational => {}
            MembState::Gather => {
                let sub = set_subtract(&self.my_proc_list, &self.my_failed_list);
                if set_equal(&ct.addr, &sub) && ct.ring_id.seq > self.my_ring_id.seq {
                    self.commit_token = Some(ct);
                    self.commit_enter(now);
                }
            }
            MembState::Commit => {
                if ct.ring_id.seq == self.my_ring_id.seq
                    && ct.memb_index as i64 == ct.addr.len() as i64
                {
                    self.recovery_enter(now, ct);
                }
            }
            MembState::Recovery => {
                if self.my_id == self.my_ring_id.rep && !self.originated_orf_token {
                    self.originated_orf_token = true;
                    self.orf_token_send_initial();
                    self.reset_token_timeout(now);
                    self.reset_token_retransmit_timeout(now);
                }
            }
        }
    }
}
