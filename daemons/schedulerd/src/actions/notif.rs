//! Clone notifications (lib/pengine/pe_notif.c).

use crate::model::{ActionId, RscId, WorkingSet};

/// `pe__order_notifs_after_fencing`.
pub fn order_notifs_after_fencing(
    _ws: &mut WorkingSet,
    _stop: ActionId,
    _rsc: RscId,
    _stonith_op: ActionId,
) {
}

/// `pe__clone_notif_pseudo_ops`: notification pseudo-actions around a
/// clone action (not yet implemented).
pub fn clone_notif_pseudo_ops(
    _ws: &mut WorkingSet,
    _rsc: RscId,
    _task: &str,
    _action: ActionId,
    _complete: ActionId,
) {
}

/// `pcmk__order_stop_notify_before_start` (not yet implemented).
pub fn order_stop_notify_before_start(_ws: &mut WorkingSet, _rsc: RscId) {}

/// `pe__create_notifications` for all of a clone's notification data
/// (not yet implemented).
pub fn create_clone_notifications(_ws: &mut WorkingSet, _rsc: RscId) {}
