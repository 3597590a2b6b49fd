//! Promotable clones (lib/pacemaker/pcmk_sched_promotable.c).

use crate::model::{ColocId, RscId, WorkingSet};

/// `pcmk__add_promotion_scores`.
pub fn add_promotion_scores(_ws: &mut WorkingSet, _clone: RscId) {}

/// `pcmk__set_instance_roles`.
pub fn set_instance_roles(_ws: &mut WorkingSet, _clone: RscId) {}

/// `pcmk__update_dependent_with_promotable`.
pub fn update_dependent_with_promotable(_ws: &mut WorkingSet, _primary: RscId, _dependent: RscId, _c: ColocId) {}

/// `pcmk__update_promotable_dependent_priority`.
pub fn update_promotable_dependent_priority(_ws: &mut WorkingSet, _primary: RscId, _dependent: RscId, _c: ColocId) {}

/// `pcmk__create_promotable_actions`.
pub fn create_promotable_actions(_ws: &mut WorkingSet, _clone: RscId) {}

/// `pcmk__order_promotable_instances`.
pub fn order_promotable_instances(_ws: &mut WorkingSet, _clone: RscId) {}
