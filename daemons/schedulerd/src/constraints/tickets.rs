//! Ticket constraints (lib/pacemaker/pcmk_sched_tickets.c).

use crate::model::{RscId, WorkingSet};

/// `pcmk__require_promotion_tickets`: a promotable clone whose promoted
/// role depends on a missing ticket cannot be promoted anywhere.
#[doc(alias = "pcmk__require_promotion_tickets")]
pub fn require_promotion_tickets(_ws: &mut WorkingSet, _rsc: RscId) {}
