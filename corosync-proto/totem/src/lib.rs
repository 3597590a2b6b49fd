//! Totem as corosync 3.1.7 runs it, with no I/O: the SRP membership and
//! ordering protocol, totempg's packing and fragmentation, and the sync
//! engine. Time, packets and application messages come in as arguments;
//! datagrams, timers and events are polled, in the quinn-proto style.
//!
//! Module map:
//! - [`srp`]: Totem SRP ([`srp::Srp`]) — totemsrp.c.
//! - [`pg`]: totempg packing, fragmentation and reassembly — totempg.c.
//! - [`sync`]: the service synchronisation engine — sync.c.
//! - [`node`]: [`node::Totem`], SRP + totempg + sync behind one API.
//! - [`timer`]: [`timer::Timer`], one variant per C timer.
//! - [`sq`]: the sort queue and sequence comparisons (sq.h).
#![forbid(unsafe_code)]

pub mod node;
pub mod pg;
pub mod sq;
pub mod srp;
pub mod sync;
pub mod timer;

pub use node::{Totem, TotemEvent};
pub use srp::{
    ConfChgKind, Destination, GatherFrom, MembState, NodeId, Srp, SrpConfig, SrpEvent, SrpStats,
    Transmit,
};
pub use timer::Timer;
