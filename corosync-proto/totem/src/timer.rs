//! Totem's timers, one variant per C timer callback, and a table of
//! deadlines.

use std::time::{Duration, Instant};

/// A Totem timer. Each names the C callback it replaces and the
/// corosync.conf key that sets its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// Token loss: `timer_function_orf_token_timeout`, `totem.token`.
    #[doc(alias = "timer_function_orf_token_timeout")]
    OrfToken,
    /// Resend the last token or commit token:
    /// `timer_function_token_retransmit_timeout`, `totem.token_retransmit`.
    #[doc(alias = "timer_function_token_retransmit_timeout")]
    TokenRetransmit,
    /// Resend a held token: `timer_function_token_hold_retransmit_timeout`,
    /// `totem.hold`.
    #[doc(alias = "timer_function_token_hold_retransmit_timeout")]
    TokenHoldRetransmit,
    /// Representative's MERGE_DETECT: `timer_function_merge_detect_timeout`,
    /// `totem.merge`.
    #[doc(alias = "timer_function_merge_detect_timeout")]
    MergeDetect,
    /// Resend JOIN while gathering: `memb_timer_function_state_gather`,
    /// `totem.join`.
    #[doc(alias = "memb_timer_function_state_gather")]
    Join,
    /// Give up waiting for agreement: `memb_timer_function_gather_consensus_timeout`,
    /// `totem.consensus`.
    #[doc(alias = "memb_timer_function_gather_consensus_timeout")]
    Consensus,
}

impl Timer {
    /// Every timer, in the order expired timers fire at the same instant.
    pub const ALL: [Timer; 6] = [
        Timer::OrfToken,
        Timer::TokenRetransmit,
        Timer::TokenHoldRetransmit,
        Timer::MergeDetect,
        Timer::Join,
        Timer::Consensus,
    ];
}

/// Armed deadlines.
#[derive(Debug, Clone, Default)]
pub struct TimerTable {
    at: [Option<Instant>; 6],
}

impl TimerTable {
    /// Arm `t` to fire `after` from `now` (replacing a pending deadline).
    pub fn set(&mut self, t: Timer, now: Instant, after: Duration) {
        self.at[t as usize] = Some(now + after);
    }
    /// Disarm `t`.
    pub fn stop(&mut self, t: Timer) {
        self.at[t as usize] = None;
    }
    /// Whether `t` is armed.
    pub fn is_set(&self, t: Timer) -> bool {
        self.at[t as usize].is_some()
    }
    /// Earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }
    /// Disarm and return the earliest timer due at `now`, if any.
    pub fn pop_expired(&mut self, now: Instant) -> Option<Timer> {
        let t = Timer::ALL
            .iter()
            .copied()
            .filter(|t| self.at[*t as usize].is_some_and(|d| d <= now))
            .min_by_key(|t| (self.at[*t as usize], *t))?;
        self.at[t as usize] = None;
        Some(t)
    }
}
