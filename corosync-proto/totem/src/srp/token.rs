//! Token handling, multicast, retransmission, flow control and delivery
//! (totemsrp.c message_handler_orf_token, orf_token_mcast, orf_token_rtr,
//! fcc_*, messages_deliver_to_app, message_handler_mcast).

use std::time::Instant;

use totem_wire::srp::{
    Mcast, MergeDetect, OrfToken, RtrItem, TokenHoldCancel, MESSAGE_ENCAPSULATED,
    RETRANSMIT_ENTRIES_MAX,
};
use totem_wire::{MembJoin, SrpMessage};

use super::{
    header, ms, set_merge, Destination, GatherFrom, MembState, Srp, SrpEvent, Stored, Transmit,
    SEQNO_START_MSG,
};
use crate::sq::{self, SortQueue};
use crate::timer::Timer;

impl Srp {
    pub(super) fn token_send(&mut self, token: &OrfToken, forward: bool) {
        let mut t = token.clone();
        t.header.nodeid = self.my_id;
        let tx = Transmit {
            dest: Destination::Node(self.token_target),
            bytes: SrpMessage::OrfToken(t).encode(),
        };
        self.orf_token_retransmit = Some(tx.clone());
        if forward {
            self.stats.orf_token_tx += 1;
            self.out.push_back(tx);
        }
    }

    pub(super) fn token_hold_cancel_send(&mut self) {
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

    pub(super) fn orf_token_send_initial(&mut self) {
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

    pub(super) fn backlog_get(&self) -> u32 {
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

    pub(super) fn fcc_calculate(&mut self, token: &OrfToken) -> u32 {
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

    pub(super) fn fcc_rtr_limit(&self, token: &OrfToken, allowed: &mut u32) {
        let limit = self
            .last_released
            .wrapping_add(sq::QUEUE_SIZE)
            .wrapping_sub(*allowed)
            .wrapping_sub(self.cfg.timers.window_size);
        if sq::lt(limit, token.seq) {
            *allowed = 0;
        }
    }

    pub(super) fn fcc_token_update(&mut self, token: &mut OrfToken, transmitted: u32) {
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

    pub(super) fn in_recovery(&self) -> bool {
        matches!(self.state, MembState::Recovery)
    }

    pub(super) fn sort_queue(&mut self) -> &mut SortQueue<Stored> {
        if self.in_recovery() {
            &mut self.recovery_sort_queue
        } else {
            &mut self.regular_sort_queue
        }
    }

    pub(super) fn orf_token_remcast(&mut self, seq: u32) -> bool {
        let q = self.sort_queue();
        if !q.in_range(seq) {
            return false;
        }
        let Some(item) = q.get(seq).cloned() else {
            return false;
        };
        self.stats.mcast_retx += 1;
        self.send_all(SrpMessage::Mcast(item.msg));
        true
    }

    pub(super) fn orf_token_rtr(&mut self, token: &mut OrfToken, allowed: u32) -> u32 {
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

    pub(super) fn update_aru(&mut self) {
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

    pub(super) fn orf_token_mcast(
        &mut self,
        now: Instant,
        token: &mut OrfToken,
        allowed: u32,
    ) -> u32 {
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
            self.stats.mcast_tx += 1;
            self.send_all(SrpMessage::Mcast(m));
            self.my_high_seq_received = token.seq;
            sent += 1;
        }
        self.update_aru();
        sent
    }

    pub(super) fn messages_free(&mut self, token_aru: u32) {
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

    pub(super) fn message_handler_orf_token(&mut self, now: Instant, mut token: OrfToken) {
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

    pub(super) fn messages_deliver_to_app(&mut self, skip: bool, end_point: u32) {
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

    pub(super) fn message_handler_mcast(&mut self, now: Instant, m: Mcast) {
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

    pub(super) fn message_handler_memb_merge_detect(&mut self, now: Instant, m: MergeDetect) {
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

    pub(super) fn message_handler_token_hold_cancel(&mut self, now: Instant, m: TokenHoldCancel) {
        if m.ring_id == self.my_ring_id {
            self.my_seq_unchanged = 0;
            if self.my_ring_id.rep == self.my_id {
                self.timer_function_token_retransmit_timeout(now);
            }
        }
    }

    pub(super) fn memb_merge_detect_transmit(&mut self) {
        let m = MergeDetect {
            header: header(self.my_id, 0),
            system_from: self.my_id,
            ring_id: self.my_ring_id,
        };
        self.send_all(SrpMessage::MergeDetect(m));
    }

    pub(super) fn memb_join_message_send(&mut self) {
        let j = MembJoin {
            header: header(self.my_id, 0),
            system_from: self.my_id,
            proc_list: self.my_proc_list.clone(),
            failed_list: self.my_failed_list.clone(),
            ring_seq: self.my_ring_id.seq,
        };
        self.send_all(SrpMessage::MembJoin(j));
    }

    pub(super) fn encapsulate(&self, old: &Mcast) -> Mcast {
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
