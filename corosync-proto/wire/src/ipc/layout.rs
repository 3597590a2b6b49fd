//! Sizes and offsets of the IPC structures (gcc, x86_64 and the other LP64
//! targets Debian builds). `tests/tests/totem_layout.rs` compiles
//! corosync 3.1.7's `ipc_*.h` and checks each constant with
//! `sizeof`/`offsetof`.
#![allow(missing_docs)]

/// sizeof(struct qb_ipc_request_header).
pub const REQ_HEADER_SIZE: usize = 16;
/// sizeof(struct qb_ipc_response_header).
pub const RES_HEADER_SIZE: usize = 24;
/// sizeof(mar_name_t) (u16 length @0, value @8).
pub const MAR_NAME_SIZE: usize = 264;
/// Value bytes of mar_name_t (CS_MAX_NAME_LENGTH).
pub const MAR_NAME_VALUE: usize = 256;
/// sizeof(mar_cpg_name_t) (u32 length @0, value @8).
pub const CPG_NAME_SIZE: usize = 136;
/// CPG_MAX_NAME_LENGTH.
pub const CPG_NAME_VALUE: usize = 128;
/// sizeof(mar_cpg_address_t): nodeid @0, pid @8, reason @16.
pub const CPG_ADDRESS_SIZE: usize = 24;
/// PROCESSOR_COUNT_MAX.
pub const PROCESSOR_COUNT_MAX: usize = 384;

// cmap
pub const CMAP_SET_SIZE: usize = 296;
pub const CMAP_SET_VALUE_LEN: usize = 280;
pub const CMAP_SET_TYPE: usize = 288;
pub const CMAP_SET_VALUE: usize = 296;
pub const CMAP_DELETE_SIZE: usize = 280;
pub const CMAP_GET_SIZE: usize = 288;
pub const CMAP_GET_VALUE_LEN: usize = 280;
pub const CMAP_RES_GET_SIZE: usize = 40;
pub const CMAP_RES_GET_VALUE_LEN: usize = 24;
pub const CMAP_RES_GET_TYPE: usize = 32;
pub const CMAP_RES_GET_VALUE: usize = 40;
pub const CMAP_ADJUST_INT_SIZE: usize = 288;
pub const CMAP_ADJUST_INT_STEP: usize = 280;
pub const CMAP_ITER_INIT_SIZE: usize = 280;
pub const CMAP_RES_ITER_INIT_SIZE: usize = 32;
pub const CMAP_ITER_NEXT_SIZE: usize = 24;
pub const CMAP_RES_ITER_NEXT_SIZE: usize = 304;
pub const CMAP_RES_ITER_NEXT_KEY: usize = 24;
pub const CMAP_RES_ITER_NEXT_VALUE_LEN: usize = 288;
pub const CMAP_RES_ITER_NEXT_TYPE: usize = 296;
pub const CMAP_ITER_FINALIZE_SIZE: usize = 24;
pub const CMAP_TRACK_ADD_SIZE: usize = 296;
pub const CMAP_TRACK_ADD_TYPE: usize = 280;
pub const CMAP_TRACK_ADD_INST: usize = 288;
pub const CMAP_RES_TRACK_ADD_SIZE: usize = 32;
pub const CMAP_TRACK_DELETE_SIZE: usize = 24;
pub const CMAP_RES_TRACK_DELETE_SIZE: usize = 32;
pub const CMAP_NOTIFY_SIZE: usize = 336;
pub const CMAP_NOTIFY_INST: usize = 24;
pub const CMAP_NOTIFY_KEY: usize = 32;
pub const CMAP_NOTIFY_EVENT: usize = 296;
pub const CMAP_NOTIFY_NEW_TYPE: usize = 304;
pub const CMAP_NOTIFY_OLD_TYPE: usize = 312;
pub const CMAP_NOTIFY_NEW_LEN: usize = 320;
pub const CMAP_NOTIFY_OLD_LEN: usize = 328;
pub const CMAP_SET_CURRENT_MAP_SIZE: usize = 24;

// cpg
pub const CPG_JOIN_SIZE: usize = 168;
pub const CPG_JOIN_PID: usize = 152;
pub const CPG_JOIN_FLAGS: usize = 160;
pub const CPG_LEAVE_SIZE: usize = 160;
pub const CPG_LEAVE_PID: usize = 152;
pub const CPG_MCAST_SIZE: usize = 40;
pub const CPG_MCAST_GUARANTEE: usize = 24;
pub const CPG_MCAST_MSGLEN: usize = 32;
pub const CPG_PARTIAL_MCAST_SIZE: usize = 56;
pub const CPG_PARTIAL_MCAST_MSGLEN: usize = 32;
pub const CPG_PARTIAL_MCAST_FRAGLEN: usize = 40;
pub const CPG_PARTIAL_MCAST_TYPE: usize = 48;
pub const CPG_MEMBERSHIP_GET_SIZE: usize = 152;
pub const CPG_RES_MEMBERSHIP_SIZE: usize = 9248;
pub const CPG_RES_MEMBERSHIP_COUNT: usize = 24;
pub const CPG_RES_MEMBERSHIP_LIST: usize = 32;
pub const CPG_RES_LOCAL_GET_SIZE: usize = 32;
pub const CPG_ITER_INIT_SIZE: usize = 160;
pub const CPG_ITER_INIT_TYPE: usize = 152;
pub const CPG_RES_ITER_INIT_SIZE: usize = 32;
pub const CPG_ITER_NEXT_SIZE: usize = 24;
pub const CPG_RES_ITER_NEXT_SIZE: usize = 168;
pub const CPG_RES_ITER_NEXT_DESC: usize = 24;
/// Offsets inside mar_cpg_iteration_description_t (not aligned(8)).
pub const CPG_ITER_DESC_NODEID: usize = 136;
pub const CPG_ITER_DESC_PID: usize = 140;
pub const CPG_CONFCHG_SIZE: usize = 184;
pub const CPG_CONFCHG_NAME: usize = 24;
pub const CPG_CONFCHG_MEMBERS: usize = 160;
pub const CPG_CONFCHG_JOINED: usize = 168;
pub const CPG_CONFCHG_LEFT: usize = 176;
pub const CPG_DELIVER_SIZE: usize = 184;
pub const CPG_DELIVER_MSGLEN: usize = 160;
pub const CPG_DELIVER_NODEID: usize = 168;
pub const CPG_DELIVER_PID: usize = 176;
pub const CPG_PARTIAL_DELIVER_SIZE: usize = 200;
pub const CPG_PARTIAL_DELIVER_MSGLEN: usize = 160;
pub const CPG_PARTIAL_DELIVER_FRAGLEN: usize = 168;
pub const CPG_PARTIAL_DELIVER_NODEID: usize = 176;
pub const CPG_PARTIAL_DELIVER_PID: usize = 184;
pub const CPG_PARTIAL_DELIVER_TYPE: usize = 192;
pub const CPG_TOTEM_CONFCHG_SIZE: usize = 48;
pub const CPG_TOTEM_CONFCHG_RING: usize = 24;
pub const CPG_TOTEM_CONFCHG_COUNT: usize = 40;
pub const CPG_TOTEM_CONFCHG_LIST: usize = 44;
pub const CPG_FLOWCONTROL_SIZE: usize = 32;

// quorum
pub const QUORUM_TRACKSTART_SIZE: usize = 24;
pub const QUORUM_RES_GETQUORATE_SIZE: usize = 32;
pub const QUORUM_NOTIFICATION_SIZE: usize = 48;
pub const QUORUM_NOTIFICATION_SEQ: usize = 32;
pub const QUORUM_NOTIFICATION_COUNT: usize = 40;
pub const QUORUM_NOTIFICATION_LIST: usize = 44;
pub const QUORUM_V1_NOTIFICATION_SIZE: usize = 56;
pub const QUORUM_V1_NOTIFICATION_RING: usize = 32;
pub const QUORUM_V1_NOTIFICATION_COUNT: usize = 48;
pub const QUORUM_V1_NOTIFICATION_LIST: usize = 52;
pub const QUORUM_V1_NODELIST_SIZE: usize = 64;
pub const QUORUM_V1_NODELIST_RING: usize = 24;
pub const QUORUM_V1_NODELIST_MEMBERS: usize = 40;
pub const QUORUM_V1_NODELIST_JOINED: usize = 48;
pub const QUORUM_V1_NODELIST_LEFT: usize = 56;
pub const QUORUM_V1_NODELIST_LIST: usize = 60;
pub const QUORUM_RES_GETTYPE_SIZE: usize = 32;
pub const QUORUM_MODEL_GETTYPE_SIZE: usize = 24;
pub const QUORUM_RES_MODEL_GETTYPE_SIZE: usize = 32;

// votequorum
pub const VQ_QDEVICE_NAME_LEN: usize = 255;
pub const VQ_QDEVICE_REGISTER_SIZE: usize = 272;
pub const VQ_QDEVICE_UPDATE_SIZE: usize = 528;
pub const VQ_QDEVICE_POLL_SIZE: usize = 296;
pub const VQ_QDEVICE_POLL_CAST: usize = 272;
pub const VQ_QDEVICE_POLL_RING: usize = 280;
pub const VQ_QDEVICE_MASTER_WINS_SIZE: usize = 280;
pub const VQ_QDEVICE_MASTER_WINS_ALLOW: usize = 272;
pub const VQ_SETVOTES_SIZE: usize = 24;
pub const VQ_SETEXPECTED_SIZE: usize = 24;
pub const VQ_TRACKSTART_SIZE: usize = 32;
pub const VQ_TRACKSTART_CONTEXT: usize = 16;
pub const VQ_TRACKSTART_FLAGS: usize = 24;
pub const VQ_GETINFO_SIZE: usize = 24;
pub const VQ_RES_GETINFO_SIZE: usize = 320;
pub const VQ_RES_GETINFO_QDEVICE_NAME: usize = 60;
pub const VQ_QUORUM_NOTIFICATION_SIZE: usize = 48;
pub const VQ_QUORUM_NOTIFICATION_QUORATE: usize = 24;
pub const VQ_QUORUM_NOTIFICATION_CONTEXT: usize = 32;
pub const VQ_QUORUM_NOTIFICATION_COUNT: usize = 40;
pub const VQ_QUORUM_NOTIFICATION_LIST: usize = 48;
pub const VQ_NODELIST_NOTIFICATION_SIZE: usize = 56;
pub const VQ_NODELIST_NOTIFICATION_CONTEXT: usize = 24;
pub const VQ_NODELIST_NOTIFICATION_RING: usize = 32;
pub const VQ_NODELIST_NOTIFICATION_COUNT: usize = 48;
pub const VQ_NODELIST_NOTIFICATION_LIST: usize = 56;
pub const VQ_EXPECTEDVOTES_NOTIFICATION_SIZE: usize = 40;
pub const VQ_EXPECTEDVOTES_NOTIFICATION_VALUE: usize = 32;

// cfg
pub const CFG_MAX_INTERFACES: usize = 16;
pub const CFG_INTERFACE_NAME_MAX_LEN: usize = 128;
pub const CFG_INTERFACE_STATUS_MAX_LEN: usize = 512;
pub const CFG_RES_RINGSTATUSGET_SIZE: usize = 10272;
pub const CFG_RES_RINGSTATUSGET_COUNT: usize = 24;
pub const CFG_RES_RINGSTATUSGET_NAMES: usize = 32;
pub const CFG_RES_RINGSTATUSGET_STATUS: usize = 2080;
pub const CFG_NODESTATUSGET_SIZE: usize = 32;
pub const CFG_NODESTATUSGET_VERSION: usize = 24;
pub const CFG_RES_NODESTATUSGET_VERSION_SIZE: usize = 32;
pub const CFG_RES_NODESTATUSGET_V1_SIZE: usize = 4200;
pub const CFG_RES_NODESTATUSGET_V1_STATUS: usize = 24;
pub const CFG_NODE_STATUS_V1_SIZE: usize = 4176;
pub const CFG_NODE_STATUS_V1_LINKS: usize = 16;
pub const CFG_LINK_STATUS_V1_SIZE: usize = 520;
pub const CFG_LINK_STATUS_V1_MTU: usize = 4;
pub const CFG_LINK_STATUS_V1_SRC: usize = 8;
pub const CFG_LINK_STATUS_V1_DST: usize = 264;
pub const CFG_MAX_HOST_LEN: usize = 256;
pub const CFG_MAX_LINKS: usize = 8;
pub const CFG_KILLNODE_SIZE: usize = 288;
pub const CFG_KILLNODE_REASON: usize = 24;
/// sizeof(cs_name_t): u16 length + 256 bytes, packed.
pub const CS_NAME_SIZE: usize = 258;
pub const CFG_TRYSHUTDOWN_SIZE: usize = 24;
pub const CFG_REPLYTOSHUTDOWN_SIZE: usize = 24;
pub const CFG_RES_TESTSHUTDOWN_SIZE: usize = 32;
pub const CFG_GET_NODE_ADDRS_SIZE: usize = 24;
pub const CFG_RES_GET_NODE_ADDRS_SIZE: usize = 32;
pub const CFG_RES_GET_NODE_ADDRS_FAMILY: usize = 24;
pub const CFG_RES_GET_NODE_ADDRS_NUM: usize = 28;
/// TOTEMIP_ADDRLEN: bytes per address in get_node_addrs.
pub const TOTEMIP_ADDRLEN: usize = 16;
pub const CFG_RES_LOCAL_GET_SIZE: usize = 32;
pub const CFG_TRACKSTART_SIZE: usize = 24;
