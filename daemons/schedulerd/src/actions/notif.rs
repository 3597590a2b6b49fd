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
