//! Actions: creating them (`custom_action`), fencing, notifications, and the
//! per-variant action scheduling.
//!
//! - [`create`]: `custom_action`, `unpack_operation`, lookups, `order_actions`.
//! - [`fencing`]: fencing and unfencing actions and their orderings.
//! - [`notif`]: clone notifications.

pub mod create;
pub mod fencing;
pub mod notif;
