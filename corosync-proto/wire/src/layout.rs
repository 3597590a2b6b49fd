//! Sizes and offsets of the reference's wire structures, as gcc lays them
//! out for corosync 3.1.7 on Linux (x86_64 and the other 64-bit targets
//! Debian builds; the service structures use `aligned(8)` on every field, so
//! the layout does not depend on the ABI's natural alignment).
//!
//! `tests/tests/totem_layout.rs` compiles the reference definitions with gcc
//! and checks every constant here with `sizeof`/`offsetof`.

/// sizeof(struct totem_message_header): packed.
pub const TOTEM_HEADER_SIZE: usize = 13;
/// sizeof(struct memb_ring_id): packed u32 + u64.
pub const RING_ID_SIZE: usize = 12;
/// sizeof(struct orf_token) without its retransmit list.
pub const ORF_TOKEN_SIZE: usize = 57;
/// sizeof(struct rtr_item).
pub const RTR_ITEM_SIZE: usize = 16;
/// sizeof(struct mcast).
pub const MCAST_SIZE: usize = 45;
/// sizeof(struct memb_merge_detect).
pub const MERGE_DETECT_SIZE: usize = 29;
/// sizeof(struct memb_join) without its lists.
pub const MEMB_JOIN_SIZE: usize = 33;
/// sizeof(struct memb_commit_token) without its lists.
pub const COMMIT_TOKEN_SIZE: usize = 41;
/// sizeof(struct memb_commit_token_memb_entry).
pub const COMMIT_MEMB_ENTRY_SIZE: usize = 24;
/// sizeof(struct token_hold_cancel).
pub const TOKEN_HOLD_CANCEL_SIZE: usize = 25;

/// sizeof(struct totempg_mcast): version, type, fragmented, continuation, msg_count.
pub const TOTEMPG_MCAST_SIZE: usize = 8;

/// sizeof(struct qb_ipc_request_header): i32 id @0, i32 size @8.
pub const REQ_HEADER_SIZE: usize = 16;
/// sizeof(struct qb_ipc_response_header): id @0, size @8, error @16.
pub const RES_HEADER_SIZE: usize = 24;

/// sizeof(struct req_exec_barrier_message).
pub const SYNC_BARRIER_SIZE: usize = 32;
/// sizeof(struct req_exec_service_build_message).
pub const SYNC_SERVICE_BUILD_SIZE: usize = 552;
/// offsetof(req_exec_service_build_message, service_list_entries).
pub const SYNC_SERVICE_BUILD_COUNT_OFFSET: usize = 32;
/// offsetof(req_exec_service_build_message, service_list).
pub const SYNC_SERVICE_BUILD_LIST_OFFSET: usize = 40;
/// Entries of req_exec_service_build_message.service_list.
pub const SYNC_SERVICE_LIST_MAX: usize = 128;

/// CPG_MAX_NAME_LENGTH.
pub const CPG_MAX_NAME_LENGTH: usize = 128;
/// sizeof(mar_cpg_name_t): u32 length @0, value @8.
pub const CPG_NAME_SIZE: usize = 136;
/// sizeof(mar_message_source_t): nodeid @0, conn pointer @8.
pub const MESSAGE_SOURCE_SIZE: usize = 16;
/// sizeof(struct req_exec_cpg_procjoin).
pub const CPG_PROCJOIN_SIZE: usize = 168;
/// offsetof(req_exec_cpg_procjoin, pid).
pub const CPG_PROCJOIN_PID_OFFSET: usize = 152;
/// offsetof(req_exec_cpg_procjoin, reason).
pub const CPG_PROCJOIN_REASON_OFFSET: usize = 160;
/// sizeof(struct req_exec_cpg_mcast) (the data follows).
pub const CPG_MCAST_SIZE: usize = 184;
/// offsetof(req_exec_cpg_mcast, msglen).
pub const CPG_MCAST_MSGLEN_OFFSET: usize = 152;
/// offsetof(req_exec_cpg_mcast, pid).
pub const CPG_MCAST_PID_OFFSET: usize = 160;
/// offsetof(req_exec_cpg_mcast, source).
pub const CPG_MCAST_SOURCE_OFFSET: usize = 168;
/// sizeof(struct req_exec_cpg_partial_mcast).
pub const CPG_PARTIAL_MCAST_SIZE: usize = 200;
/// PROCESSOR_COUNT_MAX: entries of the downlist arrays.
pub const PROCESSOR_COUNT_MAX: usize = 384;
/// sizeof(struct req_exec_cpg_downlist).
pub const CPG_DOWNLIST_SIZE: usize = 1568;
/// sizeof(struct req_exec_cpg_downlist_old).
pub const CPG_DOWNLIST_OLD_SIZE: usize = 1560;
/// sizeof(struct join_list_entry): pid @0, group_name @8.
pub const CPG_JOINLIST_ENTRY_SIZE: usize = 144;

/// sizeof(struct req_exec_quorum_nodeinfo) (packed after the header).
pub const VQ_NODEINFO_SIZE: usize = 32;
/// sizeof(struct req_exec_quorum_reconfigure): packed, but the aligned(8)
/// header rounds the size up to 32.
pub const VQ_RECONFIGURE_SIZE: usize = 32;
/// VOTEQUORUM_QDEVICE_MAX_NAME_LEN.
pub const VQ_QDEVICE_NAME_LEN: usize = 255;
/// sizeof(struct req_exec_quorum_qdevice_reg).
pub const VQ_QDEVICE_REG_SIZE: usize = 280;
/// sizeof(struct req_exec_quorum_qdevice_reconfigure).
pub const VQ_QDEVICE_RECONFIGURE_SIZE: usize = 528;

/// CS_MAX_NAME_LENGTH.
pub const CS_MAX_NAME_LENGTH: usize = 256;
/// sizeof(mar_name_t): u16 length @0, value @8.
pub const MAR_NAME_SIZE: usize = 264;
/// sizeof(struct req_exec_cmap_mcast).
pub const CMAP_MCAST_SIZE: usize = 48;
/// sizeof(struct req_exec_cmap_mcast_item) (the value follows).
pub const CMAP_MCAST_ITEM_SIZE: usize = 280;
/// offsetof(req_exec_cmap_mcast_item, value_type).
pub const CMAP_ITEM_TYPE_OFFSET: usize = 264;
/// offsetof(req_exec_cmap_mcast_item, value_len).
pub const CMAP_ITEM_LEN_OFFSET: usize = 272;

/// sizeof(struct req_exec_cfg_ringreenable) and req_exec_cfg_reload_config.
pub const CFG_SOURCE_MSG_SIZE: usize = 32;
/// sizeof(struct req_exec_cfg_crypto_reconfig).
pub const CFG_CRYPTO_RECONFIG_SIZE: usize = 24;
/// sizeof(struct req_exec_cfg_killnode).
pub const CFG_KILLNODE_SIZE: usize = 288;
/// sizeof(struct req_exec_cfg_shutdown).
pub const CFG_SHUTDOWN_SIZE: usize = 16;
