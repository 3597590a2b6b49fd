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
//! Support: [`diag`] (configuration errors and warnings for crm_verify),
//! [`model`] (the working set), [`xml`] (an arena copy of the
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
    clippy::unnecessary_map_or,
    clippy::only_used_in_recursion
)]
#![forbid(unsafe_code)]

pub mod actions;
pub mod assign;
pub mod constraints;
pub mod diag;
pub mod glib;
pub mod graph;
pub mod internal;
pub mod iso8601;
pub mod model;
pub mod ordering;
pub mod output;
pub mod posix_re;
pub mod promotable;
pub mod rscfns;
pub mod rules;
pub mod schedule;
pub mod simulate;
pub mod unpack;
pub mod util;
pub mod xml;

use pcmk_xml::Element;

use crate::iso8601::CrmTime;
use crate::model::{wsflags, WorkingSet};

/// What a scheduler run is asked to do besides scheduling.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Record allocation scores in [`WorkingSet::messages`] (`-s`).
    pub show_scores: bool,
    /// Record utilization information (`-U`).
    pub show_utilization: bool,
    /// Stop after unpacking constraints (`pe_flag_check_config`).
    pub check_config: bool,
}

/// The outcome of a scheduler run: the working set it computed (for
/// status and summary output) and the transition graph.
pub struct Transition {
    pub ws: WorkingSet,
    pub graph: Element,
}

/// Unpack a CIB into a working set (`cluster_status` with the flags the
/// scheduler uses).
pub fn unpack(cib: &Element, now: CrmTime, opts: &Options) -> WorkingSet {
    let mut ws = WorkingSet::new(cib, now);
    ws.show_scores = opts.show_scores;
    if opts.show_scores {
        ws.set(wsflags::SHOW_SCORES);
    }
    if opts.show_utilization {
        ws.set(wsflags::SHOW_UTILIZATION);
    }
    if opts.check_config {
        ws.set(wsflags::CHECK_CONFIG);
    }
    unpack::cluster_status(&mut ws);
    ws
}

/// Run the scheduler on an unpacked working set (`pcmk__schedule_actions`
/// after `unpack_cib`).
#[doc(alias = "pcmk__schedule_actions")]
pub fn schedule_unpacked(ws: &mut WorkingSet) -> Element {
    assign::apply_node_health(ws);
    constraints::unpack_constraints(ws);
    if ws.is_set(wsflags::CHECK_CONFIG) {
        return Element::new("transition_graph");
    }
    assign::apply_node_criteria(ws);
    constraints::create_internal_constraints(ws);
    schedule::handle_rsc_config_changes(ws);
    assign::allocate_resources(ws);
    schedule::schedule_resource_actions(ws);
    ordering::remote::order_remote_connection_actions(ws);
    ordering::fencing::schedule_fencing_and_shutdowns(ws);
    ordering::apply_orderings(ws);
    log_all_actions(ws);
    graph::create_graph(ws).xml
}

/// `log_all_actions`: the reference logs the transition summary before
/// building the graph; the lookups it makes have side effects (node-less
/// actions get a node, running resources a started role) that the graph
/// depends on.
fn log_all_actions(ws: &mut WorkingSet) {
    let mut out = output::Out::new(output::Format::None);
    (out.rsc_width, out.detail_width) = ws.summary_widths;
    output::summary::output_actions(ws, &mut out);
    ws.summary_widths = (out.rsc_width, out.detail_width);
}

/// From a CIB and a time, the transition that brings the cluster to its
/// desired state.
#[doc(alias = "pcmk__schedule_actions")]
pub fn schedule(cib: &Element, now: CrmTime, opts: &Options) -> Transition {
    let mut ws = unpack(cib, now, opts);
    let graph = schedule_unpacked(&mut ws);
    Transition { ws, graph }
}

/// The CRM feature set this scheduler implements (Pacemaker 2.1.5).
pub const CRM_FEATURE_SET: &str = "3.16.1";
