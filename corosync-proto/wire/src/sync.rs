//! The sync engine's messages (sync.c), sent to the "sync" group.

use crate::codec::{Codec, Reader, WireError, Writer};
use crate::layout;
use crate::service::ReqHeader;
use crate::srp::RingId;

/// Header id of a barrier (MESSAGE_REQ_SYNC_BARRIER).
pub const MESSAGE_REQ_SYNC_BARRIER: i32 = 0;
/// Header id of a service list (MESSAGE_REQ_SYNC_SERVICE_BUILD).
pub const MESSAGE_REQ_SYNC_SERVICE_BUILD: i32 = 1;

/// A sync engine message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMessage {
    /// "I finished the current service's sync on this ring."
    #[doc(alias = "req_exec_barrier_message")]
    Barrier {
        /// Ring the barrier belongs to.
        ring_id: RingId,
    },
    /// "These are the services I synchronise, in id order."
    #[doc(alias = "req_exec_service_build_message")]
    ServiceBuild {
        /// Ring the list belongs to.
        ring_id: RingId,
        /// Service ids.
        services: Vec<i32>,
    },
}

impl Codec for SyncMessage {
    fn encode(&self, w: &mut Writer) {
        let start = w.len();
        match self {
            SyncMessage::Barrier { ring_id } => {
                ReqHeader {
                    id: MESSAGE_REQ_SYNC_BARRIER,
                    size: layout::SYNC_BARRIER_SIZE as i32,
                    pad: [0; 8],
                }
                .encode(w);
                ring_id.encode(w);
                w.pad_to(start + layout::SYNC_BARRIER_SIZE);
            }
            SyncMessage::ServiceBuild { ring_id, services } => {
                ReqHeader {
                    id: MESSAGE_REQ_SYNC_SERVICE_BUILD,
                    size: layout::SYNC_SERVICE_BUILD_SIZE as i32,
                    pad: [0; 8],
                }
                .encode(w);
                ring_id.encode(w);
                w.pad_to(start + layout::SYNC_SERVICE_BUILD_COUNT_OFFSET);
                w.i32(services.len() as i32);
                w.pad_to(start + layout::SYNC_SERVICE_BUILD_LIST_OFFSET);
                for s in services.iter().take(layout::SYNC_SERVICE_LIST_MAX) {
                    w.i32(*s);
                }
                w.pad_to(start + layout::SYNC_SERVICE_BUILD_SIZE);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let start = r.position();
        let h = ReqHeader::read(r)?;
        match h.id {
            MESSAGE_REQ_SYNC_BARRIER => {
                h.expect_size(layout::SYNC_BARRIER_SIZE, "sync barrier")?;
                let ring_id = RingId::read(r)?;
                r.skip_to(start + layout::SYNC_BARRIER_SIZE, "sync barrier")?;
                Ok(SyncMessage::Barrier { ring_id })
            }
            MESSAGE_REQ_SYNC_SERVICE_BUILD => {
                h.expect_size(layout::SYNC_SERVICE_BUILD_SIZE, "sync service build")?;
                let ring_id = RingId::read(r)?;
                r.skip_to(
                    start + layout::SYNC_SERVICE_BUILD_COUNT_OFFSET,
                    "service build",
                )?;
                let n = r.i32("service build")?;
                if !(0..=layout::SYNC_SERVICE_LIST_MAX as i32).contains(&n) {
                    return Err(WireError::BadCount {
                        what: "service_list_entries",
                        count: n as u32 as u64,
                    });
                }
                r.skip_to(
                    start + layout::SYNC_SERVICE_BUILD_LIST_OFFSET,
                    "service build",
                )?;
                let services = (0..n)
                    .map(|_| r.i32("service list"))
                    .collect::<Result<Vec<_>, _>>()?;
                r.skip_to(start + layout::SYNC_SERVICE_BUILD_SIZE, "service build")?;
                Ok(SyncMessage::ServiceBuild { ring_id, services })
            }
            id => Err(WireError::UnexpectedId {
                what: "sync message",
                id,
            }),
        }
    }
}
