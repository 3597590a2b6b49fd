//! Utilization constraints (lib/pacemaker/pcmk_sched_utilization.c).

use crate::model::{NodeId, RscId, WorkingSet};

/// `pcmk__create_utilization_constraints` (not yet implemented).
pub fn create_utilization_constraints(_ws: &mut WorkingSet, _rsc: RscId, _allowed: &[NodeId]) {}
