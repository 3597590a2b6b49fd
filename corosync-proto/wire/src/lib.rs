//! Codecs for the messages corosync 3.1.7 exchanges between nodes. No I/O.
//!
//! Module map:
//! - [`codec`]: [`Endian`], [`Reader`], [`Writer`], the [`Codec`] trait and [`WireError`].
//! - [`srp`]: Totem SRP messages (ORF token, MCAST, MERGE_DETECT, JOIN/LEAVE,
//!   commit token, TOKEN_HOLD_CANCEL) — totemsrp.c.
//! - [`pg`]: totempg frames (packing, fragment flags) and group headers — totempg.c.
//! - [`sync`]: the sync engine's barrier and service-list messages — sync.c.
//! - [`service`]: cluster messages of cpg, votequorum, cmap and cfg.
//! - [`ipc`]: the local IPC structures of cmap, cpg, quorum, votequorum, cfg.
//! - [`layout`]: sizes and offsets of the C structures (checked against the
//!   reference headers with gcc in `tests/tests/totem_layout.rs`).
//!
//! Byte order: corosync sends host order and marks it with the Totem header
//! magic; decoding keeps the order found so that re-encoding reproduces the
//! received bytes exactly.
#![forbid(unsafe_code)]

pub mod codec;
pub mod ipc;
pub mod layout;
pub mod pg;
pub mod service;
pub mod srp;
pub mod sync;

pub use codec::{Codec, Endian, PadSource, Reader, WireError, Writer};
pub use pg::{GroupMessage, PgFrame};
pub use service::{ReqHeader, ServiceFrame, ServiceId, ServiceMessage};
pub use srp::{
    CommitMembEntry, CommitToken, Header, MembJoin, MergeDetect, MessageType, OrfToken, RingId,
    RtrItem, SrpMessage, TokenHoldCancel,
};
pub use sync::SyncMessage;
