//! Counters corosync publishes as `stats.srp.*` (totemsrp.c's
//! totemsrp_stats_t).

use std::time::Instant;

/// totemsrp_stats_t (the counters; the token timing ring is summarised in
/// `last_token_rx`).
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct SrpStats {
    pub orf_token_tx: u64,
    pub orf_token_rx: u64,
    pub memb_merge_detect_tx: u64,
    pub memb_merge_detect_rx: u64,
    pub memb_join_tx: u64,
    pub memb_join_rx: u64,
    pub mcast_tx: u64,
    pub mcast_retx: u64,
    pub mcast_rx: u64,
    pub memb_commit_token_tx: u64,
    pub memb_commit_token_rx: u64,
    pub token_hold_cancel_tx: u64,
    pub token_hold_cancel_rx: u64,
    pub operational_entered: u64,
    pub operational_token_lost: u64,
    pub gather_entered: u64,
    pub gather_token_lost: u64,
    pub commit_entered: u64,
    pub commit_token_lost: u64,
    pub recovery_entered: u64,
    pub recovery_token_lost: u64,
    pub consensus_timeouts: u64,
    pub rx_msg_dropped: u64,
    pub continuous_gather: u32,
    pub continuous_sendmsg_failures: u32,
    /// When the last ORF token arrived.
    pub last_token_rx: Option<Instant>,
}
