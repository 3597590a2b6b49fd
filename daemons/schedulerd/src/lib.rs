//! Pacemaker's policy engine (the scheduler): from a CIB (configuration and
//! status) and a time, decide where every resource should run and which
//! actions, in which order, get it there. No I/O: the CIB, "now" and the
//! options come in; a transition (graph XML, summary, scores) comes out.
//!
//! Modules, in the order the scheduler runs:
//! - [`unpack`]: CIB → [`model::WorkingSet`] (`cluster_status`).
//! - [`rules`], [`iso8601`]: rule and date evaluation used while unpacking.
//! - [`actions`]: creating actions, fencing.
//! - [`assign`]: placing resources on nodes.
//!
//! Support: [`model`] (the working set), [`xml`] (an arena copy of the
//! CIB), [`util`] (scores and text helpers), [`glib`] (GLib ordering
//! behaviours the reference's output depends on), [`rscfns`] (per-variant
//! resource queries).

// The scheduler mirrors the reference's decision trees branch for branch so
// that each can be checked against it; merging branches that happen to have
// the same body would hide that correspondence.
#![allow(
    clippy::if_same_then_else,
    clippy::collapsible_if,
    clippy::collapsible_else_if,
    clippy::collapsible_match,
    clippy::nonminimal_bool,
    clippy::too_many_arguments,
    clippy::result_unit_err,
    clippy::unnecessary_map_or
)]
#![forbid(unsafe_code)]

pub mod actions;
pub mod assign;
pub mod glib;
pub mod iso8601;
pub mod model;
pub mod rscfns;
pub mod rules;
pub mod unpack;
pub mod util;
pub mod xml;

/// The CRM feature set this scheduler implements (Pacemaker 2.1.5).
pub const CRM_FEATURE_SET: &str = "3.16.1";
