//! corosync.conf and the Totem configuration derived from it, as corosync
//! 3.1.7 reads them. No I/O: text, host facts and id lookups come in as
//! arguments.
//!
//! Module map:
//! - [`parse`]: corosync.conf → [`ConfigMap`] (coroparse.c), reference error texts.
//! - [`value`]: typed map values ([`Value`]).
//! - [`totem`]: transport, crypto, nodelist, local node, every Totem timer
//!   and the `runtime.config.totem.*` keys (totemconfig.c).
#![forbid(unsafe_code)]

pub mod parse;
pub mod totem;
pub mod value;

pub use parse::{parse, ConfigMap, IdResolver, NoIds, ParseError};
pub use totem::{ConfigError, LocalHost, Node, Timers, TotemConfig, Transport};
pub use value::Value;
