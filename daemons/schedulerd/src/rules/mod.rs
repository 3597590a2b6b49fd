//! Rules, expressions and rule-guarded name/value blocks
//! (lib/pengine/rules.c). Pure functions of the XML, node attributes and
//! "now".
//!
//! - [`eval`]: rule and expression evaluation (`pe_eval_rules`,
//!   `pe_eval_expr`, `pe_eval_subexpr`, date specs).
//! - [`nvpairs`]: `pe_eval_nvpairs`, the ordered, rule-filtered unpacking of
//!   `instance_attributes`/`meta_attributes`/`cluster_property_set` blocks.

pub mod eval;
pub mod nvpairs;

pub use eval::{eval_expr, eval_rules, MatchData, OpData, RscData, RuleData};
pub use nvpairs::unpack_nvpairs;
