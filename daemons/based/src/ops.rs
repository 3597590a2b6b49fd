//! The CIB manager's operation table (`cib_server_ops[]` in
//! daemons/based/based_common.c): which requests it knows, which modify the
//! CIB (and so travel through the cluster), which need a privileged (read-
//! write) connection, and how each one's input and section are taken from
//! the request (`cib_prepare_*`). Pure.

use pcmk_msg::cib::{field, message};
use pcmk_xml::Element;

/// A request the CIB manager serves (its wire name in [`ServerOp::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerOp {
    Query,
    Modify,
    ApplyPatch,
    Replace,
    Create,
    Delete,
    /// `cib_sync`: send our CIB to every node.
    SyncToAll,
    Bump,
    Erase,
    Noop,
    /// `cib_delete_alt`: refused (`-EINVAL`).
    AbsDelete,
    Upgrade,
    /// `cib_slave`.
    Secondary,
    /// `cib_slave_all`.
    AllSecondary,
    /// `cib_sync_one`: send our CIB to the requester.
    SyncToOne,
    /// `cib_master`.
    Primary,
    /// `cib_ismaster`.
    IsPrimary,
    /// `cib_shutdown_req`.
    Shutdown,
    /// `ping`: report our digest.
    Ping,
}

/// How an operation takes its input (`cib_prepare_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prepare {
    None,
    Data,
    Diff,
}

struct Entry {
    op: ServerOp,
    name: &'static str,
    modifies: bool,
    privileged: bool,
    prepare: Prepare,
}

const fn e(
    op: ServerOp,
    name: &'static str,
    modifies: bool,
    privileged: bool,
    prepare: Prepare,
) -> Entry {
    Entry {
        op,
        name,
        modifies,
        privileged,
        prepare,
    }
}

/// The table, in the reference's order.
const TABLE: &[Entry] = &[
    e(ServerOp::Query, "cib_query", false, false, Prepare::None),
    e(ServerOp::Modify, "cib_modify", true, true, Prepare::Data),
    e(
        ServerOp::ApplyPatch,
        "cib_apply_diff",
        true,
        true,
        Prepare::Diff,
    ),
    e(ServerOp::Replace, "cib_replace", true, true, Prepare::Data),
    e(ServerOp::Create, "cib_create", true, true, Prepare::Data),
    e(ServerOp::Delete, "cib_delete", true, true, Prepare::Data),
    e(ServerOp::SyncToAll, "cib_sync", false, true, Prepare::None),
    e(ServerOp::Bump, "cib_bump", true, true, Prepare::None),
    e(ServerOp::Erase, "cib_erase", true, true, Prepare::None),
    e(ServerOp::Noop, "noop", false, false, Prepare::None),
    e(
        ServerOp::AbsDelete,
        "cib_delete_alt",
        true,
        true,
        Prepare::Data,
    ),
    e(ServerOp::Upgrade, "cib_upgrade", true, true, Prepare::None),
    e(ServerOp::Secondary, "cib_slave", false, true, Prepare::None),
    e(
        ServerOp::AllSecondary,
        "cib_slave_all",
        false,
        true,
        Prepare::None,
    ),
    e(
        ServerOp::SyncToOne,
        "cib_sync_one",
        false,
        true,
        Prepare::None,
    ),
    e(ServerOp::Primary, "cib_master", true, true, Prepare::Data),
    e(
        ServerOp::IsPrimary,
        "cib_ismaster",
        false,
        true,
        Prepare::None,
    ),
    e(
        ServerOp::Shutdown,
        "cib_shutdown_req",
        false,
        true,
        Prepare::None,
    ),
    e(ServerOp::Ping, "ping", false, false, Prepare::None),
];

impl ServerOp {
    fn entry(self) -> &'static Entry {
        // Invariant: every variant has exactly one table entry (checked by
        // the unit test below).
        TABLE.iter().find(|e| e.op == self).unwrap_or(&TABLE[0])
    }

    /// `cib_get_operation_id()`: the operation with this exact wire name.
    #[doc(alias = "cib_get_operation_id")]
    pub fn from_name(name: &str) -> Option<ServerOp> {
        TABLE.iter().find(|e| e.name == name).map(|e| e.op)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// `cib_op_modifies()`.
    pub fn modifies(self) -> bool {
        self.entry().modifies
    }

    /// Whether read-only (`cib_ro`) clients are refused (`-EACCES`).
    pub fn needs_privileges(self) -> bool {
        self.entry().privileged
    }

    /// The CIB operation of pcmk-cib that does the work, for the
    /// operations that read or change the CIB itself.
    pub fn cib_op(self) -> Option<pcmk_cib::Op> {
        use pcmk_cib::Op;
        Some(match self {
            ServerOp::Query => Op::Query,
            ServerOp::Modify => Op::Modify,
            ServerOp::ApplyPatch => Op::ApplyPatch,
            ServerOp::Replace => Op::Replace,
            ServerOp::Create => Op::Create,
            ServerOp::Delete => Op::Delete,
            ServerOp::Bump => Op::Bump,
            ServerOp::Erase => Op::Erase,
            ServerOp::Upgrade => Op::Upgrade,
            _ => return None,
        })
    }
}

/// `cib_prepare_common()`: the data itself, unwrapped from a fragment, and
/// narrowed to `section` when it is a whole CIB.
fn prepare_common<'a>(root: Option<&'a Element>, section: Option<&str>) -> Option<&'a Element> {
    let root = root?;
    let name = root.name();
    let data = if ["cib_fragment", "crm_xml", field::CALLDATA]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        root.first_element("cib")
    } else {
        Some(root)
    };
    match (section, data) {
        (Some(s), Some(d)) if d.name() == "cib" => pcmk_cib::sections::find_element(d, Some(s)),
        (_, d) => d,
    }
}

/// `cib_op_prepare()`: the operation's input and section.
#[doc(alias = "cib_op_prepare")]
pub fn prepare(op: ServerOp, request: &Element) -> (Option<&Element>, Option<&str>) {
    let section = request.attr(field::SECTION);
    match op.entry().prepare {
        Prepare::None => (None, section),
        Prepare::Data => (
            prepare_common(message::get_message_xml(request, field::CALLDATA), section),
            section,
        ),
        Prepare::Diff => {
            let holder = if is_true(request.attr(field::GLOBAL_UPDATE)) {
                field::UPDATE_DIFF
            } else {
                field::CALLDATA
            };
            (
                prepare_common(message::get_message_xml(request, holder), None),
                None,
            )
        }
    }
}

/// `crm_is_true()` of an attribute value.
pub fn is_true(v: Option<&str>) -> bool {
    pcmk_cib::options::is_true(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_entry() {
        for (i, a) in TABLE.iter().enumerate() {
            assert_eq!(TABLE.iter().filter(|b| b.op == a.op).count(), 1);
            assert_eq!(ServerOp::from_name(a.name), Some(a.op), "{i}");
        }
        assert_eq!(ServerOp::from_name("CIB_QUERY"), None);
        assert!(ServerOp::Primary.modifies());
        assert!(!ServerOp::Query.needs_privileges());
    }

    #[test]
    fn input_is_unwrapped_and_narrowed() {
        let req = pcmk_xml::parse(
            r#"<cib_command cib_op="cib_replace" cib_section="nodes"><cib_calldata><cib><configuration><nodes><node id="1"/></nodes></configuration></cib></cib_calldata></cib_command>"#,
        )
        .unwrap();
        let (input, section) = prepare(ServerOp::Replace, &req);
        assert_eq!(section, Some("nodes"));
        assert_eq!(input.map(|i| i.name()), Some("nodes"));
        let (input, _) = prepare(ServerOp::Bump, &req);
        assert!(input.is_none());
    }
}
