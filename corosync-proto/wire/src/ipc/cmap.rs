//! cmap IPC (`ipc_cmap.h`): requests, responses and the notify event.

use super::layout as l;
use super::{
    check_req, check_res, mar_key, put_name, put_req, put_res, rd, read_name, wr, CsError,
};
use crate::codec::WireError;

/// `MESSAGE_REQ_CMAP_*` / `MESSAGE_RES_CMAP_*` ids.
#[allow(missing_docs)]
pub mod id {
    pub const SET: i32 = 0;
    pub const DELETE: i32 = 1;
    pub const GET: i32 = 2;
    pub const ADJUST_INT: i32 = 3;
    pub const ITER_INIT: i32 = 4;
    pub const ITER_NEXT: i32 = 5;
    pub const ITER_FINALIZE: i32 = 6;
    pub const TRACK_ADD: i32 = 7;
    pub const TRACK_DELETE: i32 = 8;
    pub const SET_CURRENT_MAP: i32 = 9;
    /// Responses only.
    pub const RES_NOTIFY_CALLBACK: i32 = 9;
    /// Responses only.
    pub const RES_SET_CURRENT_MAP: i32 = 10;
}

/// `CMAP_SETMAP_DEFAULT`.
pub const SETMAP_DEFAULT: i32 = 0;
/// `CMAP_SETMAP_STATS`.
pub const SETMAP_STATS: i32 = 1;

/// A cmap request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CmapRequest {
    Set {
        key: Vec<u8>,
        value_type: u8,
        value: Vec<u8>,
    },
    Delete {
        key: Vec<u8>,
    },
    Get {
        key: Vec<u8>,
        /// Room the caller has for the value (0: only the length is wanted).
        value_len: u64,
    },
    AdjustInt {
        key: Vec<u8>,
        step: i32,
    },
    IterInit {
        prefix: Vec<u8>,
    },
    IterNext {
        handle: u64,
    },
    IterFinalize {
        handle: u64,
    },
    TrackAdd {
        key: Vec<u8>,
        track_type: i32,
        track_inst_handle: u64,
    },
    TrackDelete {
        handle: u64,
    },
    SetCurrentMap {
        map: i32,
    },
}

fn key_field(bytes: &[u8], what: &'static str) -> Result<Vec<u8>, WireError> {
    let mut r = rd(bytes);
    r.skip_to(l::REQ_HEADER_SIZE, what)?;
    let (_len, value) = read_name(&mut r, true, l::MAR_NAME_VALUE, what)?;
    Ok(mar_key(&value))
}

fn u64_at(bytes: &[u8], off: usize, what: &'static str) -> Result<u64, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    r.u64(what)
}

fn i32_at(bytes: &[u8], off: usize, what: &'static str) -> Result<i32, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    r.i32(what)
}

fn u8_at(bytes: &[u8], off: usize, what: &'static str) -> Result<u8, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    r.u8(what)
}

impl CmapRequest {
    /// Decode a request (the whole chunk, header included).
    pub fn decode(bytes: &[u8]) -> Result<CmapRequest, WireError> {
        let h = super::req_head(bytes)?;
        Ok(match h.id {
            id::SET => {
                check_req(bytes, "cmap set", l::CMAP_SET_SIZE)?;
                let len = u64_at(bytes, l::CMAP_SET_VALUE_LEN, "cmap set")?;
                let avail = (bytes.len() - l::CMAP_SET_VALUE) as u64;
                if len > avail {
                    return Err(WireError::LengthMismatch {
                        what: "cmap set value",
                        declared: len,
                        actual: avail,
                    });
                }
                CmapRequest::Set {
                    key: key_field(bytes, "cmap set")?,
                    value_type: u8_at(bytes, l::CMAP_SET_TYPE, "cmap set")?,
                    value: bytes[l::CMAP_SET_VALUE..l::CMAP_SET_VALUE + len as usize].to_vec(),
                }
            }
            id::DELETE => {
                check_req(bytes, "cmap delete", l::CMAP_DELETE_SIZE)?;
                CmapRequest::Delete {
                    key: key_field(bytes, "cmap delete")?,
                }
            }
            id::GET => {
                check_req(bytes, "cmap get", l::CMAP_GET_SIZE)?;
                CmapRequest::Get {
                    key: key_field(bytes, "cmap get")?,
                    value_len: u64_at(bytes, l::CMAP_GET_VALUE_LEN, "cmap get")?,
                }
            }
            id::ADJUST_INT => {
                check_req(bytes, "cmap adjust_int", l::CMAP_ADJUST_INT_SIZE)?;
                CmapRequest::AdjustInt {
                    key: key_field(bytes, "cmap adjust_int")?,
                    step: i32_at(bytes, l::CMAP_ADJUST_INT_STEP, "cmap adjust_int")?,
                }
            }
            id::ITER_INIT => {
                check_req(bytes, "cmap iter_init", l::CMAP_ITER_INIT_SIZE)?;
                let mut r = rd(bytes);
                r.skip_to(l::REQ_HEADER_SIZE, "cmap iter_init")?;
                let (len, value) = read_name(&mut r, true, l::MAR_NAME_VALUE, "cmap iter_init")?;
                CmapRequest::IterInit {
                    prefix: if len > 0 { mar_key(&value) } else { Vec::new() },
                }
            }
            id::ITER_NEXT => {
                check_req(bytes, "cmap iter_next", l::CMAP_ITER_NEXT_SIZE)?;
                CmapRequest::IterNext {
                    handle: u64_at(bytes, l::REQ_HEADER_SIZE, "cmap iter_next")?,
                }
            }
            id::ITER_FINALIZE => {
                check_req(bytes, "cmap iter_finalize", l::CMAP_ITER_FINALIZE_SIZE)?;
                CmapRequest::IterFinalize {
                    handle: u64_at(bytes, l::REQ_HEADER_SIZE, "cmap iter_finalize")?,
                }
            }
            id::TRACK_ADD => {
                check_req(bytes, "cmap track_add", l::CMAP_TRACK_ADD_SIZE)?;
                let mut r = rd(bytes);
                r.skip_to(l::REQ_HEADER_SIZE, "cmap track_add")?;
                let (len, value) = read_name(&mut r, true, l::MAR_NAME_VALUE, "cmap track_add")?;
                CmapRequest::TrackAdd {
                    key: if len > 0 { mar_key(&value) } else { Vec::new() },
                    track_type: i32_at(bytes, l::CMAP_TRACK_ADD_TYPE, "cmap track_add")?,
                    track_inst_handle: u64_at(bytes, l::CMAP_TRACK_ADD_INST, "cmap track_add")?,
                }
            }
            id::TRACK_DELETE => {
                check_req(bytes, "cmap track_delete", l::CMAP_TRACK_DELETE_SIZE)?;
                CmapRequest::TrackDelete {
                    handle: u64_at(bytes, l::REQ_HEADER_SIZE, "cmap track_delete")?,
                }
            }
            id::SET_CURRENT_MAP => {
                check_req(bytes, "cmap set_current_map", l::CMAP_SET_CURRENT_MAP_SIZE)?;
                CmapRequest::SetCurrentMap {
                    map: i32_at(bytes, l::REQ_HEADER_SIZE, "cmap set_current_map")?,
                }
            }
            other => {
                return Err(WireError::UnexpectedId {
                    what: "cmap request",
                    id: other,
                })
            }
        })
    }

    /// Encode the request the way libcmap builds it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            CmapRequest::Set {
                key,
                value_type,
                value,
            } => {
                put_req(&mut w, id::SET, l::CMAP_SET_SIZE + value.len());
                put_name(&mut w, true, l::MAR_NAME_VALUE, key);
                w.u64(value.len() as u64);
                w.u8(*value_type);
                w.zeros(7);
                w.bytes(value);
            }
            CmapRequest::Delete { key } => {
                put_req(&mut w, id::DELETE, l::CMAP_DELETE_SIZE);
                put_name(&mut w, true, l::MAR_NAME_VALUE, key);
            }
            CmapRequest::Get { key, value_len } => {
                put_req(&mut w, id::GET, l::CMAP_GET_SIZE);
                put_name(&mut w, true, l::MAR_NAME_VALUE, key);
                w.u64(*value_len);
            }
            CmapRequest::AdjustInt { key, step } => {
                put_req(&mut w, id::ADJUST_INT, l::CMAP_ADJUST_INT_SIZE);
                put_name(&mut w, true, l::MAR_NAME_VALUE, key);
                w.i32(*step);
                w.zeros(4);
            }
            CmapRequest::IterInit { prefix } => {
                put_req(&mut w, id::ITER_INIT, l::CMAP_ITER_INIT_SIZE);
                put_name(&mut w, true, l::MAR_NAME_VALUE, prefix);
            }
            CmapRequest::IterNext { handle } => {
                put_req(&mut w, id::ITER_NEXT, l::CMAP_ITER_NEXT_SIZE);
                w.u64(*handle);
            }
            CmapRequest::IterFinalize { handle } => {
                put_req(&mut w, id::ITER_FINALIZE, l::CMAP_ITER_FINALIZE_SIZE);
                w.u64(*handle);
            }
            CmapRequest::TrackAdd {
                key,
                track_type,
                track_inst_handle,
            } => {
                put_req(&mut w, id::TRACK_ADD, l::CMAP_TRACK_ADD_SIZE);
                put_name(&mut w, true, l::MAR_NAME_VALUE, key);
                w.i32(*track_type);
                w.zeros(4);
                w.u64(*track_inst_handle);
            }
            CmapRequest::TrackDelete { handle } => {
                put_req(&mut w, id::TRACK_DELETE, l::CMAP_TRACK_DELETE_SIZE);
                w.u64(*handle);
            }
            CmapRequest::SetCurrentMap { map } => {
                put_req(&mut w, id::SET_CURRENT_MAP, l::CMAP_SET_CURRENT_MAP_SIZE);
                w.i32(*map);
                w.zeros(4);
            }
        }
        w.into_bytes()
    }
}

/// `res_lib_cmap_get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetResponse {
    /// Result.
    pub error: CsError,
    /// Value type (0 on error).
    pub value_type: u8,
    /// Length of the value held by the daemon.
    pub value_len: u64,
    /// The value bytes sent (the caller's room; may be empty).
    pub value: Vec<u8>,
}

impl GetResponse {
    /// Encode (size = 40 + value bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        put_res(
            &mut w,
            id::GET,
            l::CMAP_RES_GET_SIZE + self.value.len(),
            self.error,
        );
        w.u64(self.value_len);
        w.u8(self.value_type);
        w.zeros(7);
        w.bytes(&self.value);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<GetResponse, WireError> {
        let h = check_res(bytes, "cmap get response", l::CMAP_RES_GET_SIZE)?;
        let value_len = u64_at(bytes, l::CMAP_RES_GET_VALUE_LEN, "cmap get response")?;
        let value_type = u8_at(bytes, l::CMAP_RES_GET_TYPE, "cmap get response")?;
        Ok(GetResponse {
            error: h.error,
            value_type,
            value_len,
            value: bytes[l::CMAP_RES_GET_VALUE..].to_vec(),
        })
    }
}

/// A response carrying one u64 after the header (iter_init: iter handle,
/// track_add: track handle, track_delete: track_inst_handle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandleResponse {
    /// Response id.
    pub id: i32,
    /// Result.
    pub error: CsError,
    /// The handle.
    pub handle: u64,
}

impl HandleResponse {
    /// Encode (32 bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        put_res(&mut w, self.id, 32, self.error);
        w.u64(self.handle);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<HandleResponse, WireError> {
        let h = check_res(bytes, "cmap handle response", 32)?;
        Ok(HandleResponse {
            id: h.id,
            error: h.error,
            handle: u64_at(bytes, l::RES_HEADER_SIZE, "cmap handle response")?,
        })
    }
}

/// `res_lib_cmap_iter_next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IterNextResponse {
    /// Result (`CS_ERR_NO_SECTIONS` at the end).
    pub error: CsError,
    /// Key.
    pub key: Vec<u8>,
    /// Value length.
    pub value_len: u64,
    /// Value type.
    pub value_type: u8,
}

impl IterNextResponse {
    /// Encode (304 bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        put_res(
            &mut w,
            id::ITER_NEXT,
            l::CMAP_RES_ITER_NEXT_SIZE,
            self.error,
        );
        put_name(&mut w, true, l::MAR_NAME_VALUE, &self.key);
        w.u64(self.value_len);
        w.u8(self.value_type);
        w.zeros(7);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<IterNextResponse, WireError> {
        let h = check_res(bytes, "cmap iter_next response", l::CMAP_RES_ITER_NEXT_SIZE)?;
        let mut r = rd(bytes);
        r.skip_to(l::CMAP_RES_ITER_NEXT_KEY, "cmap iter_next response")?;
        let (len, value) = read_name(&mut r, true, l::MAR_NAME_VALUE, "iter_next key")?;
        Ok(IterNextResponse {
            error: h.error,
            key: super::cpg_name_bytes(len, &value),
            value_len: u64_at(bytes, l::CMAP_RES_ITER_NEXT_VALUE_LEN, "iter_next")?,
            value_type: u8_at(bytes, l::CMAP_RES_ITER_NEXT_TYPE, "iter_next")?,
        })
    }
}

/// `res_lib_cmap_notify_callback` (an event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyEvent {
    /// The tracker's `track_inst_handle`.
    pub track_inst_handle: u64,
    /// Key that changed.
    pub key: Vec<u8>,
    /// CMAP_TRACK_ADD / DELETE / MODIFY.
    pub event: i32,
    /// New value type (0 when deleted).
    pub new_type: u8,
    /// Old value type (0 when added).
    pub old_type: u8,
    /// New value.
    pub new_value: Vec<u8>,
    /// Old value.
    pub old_value: Vec<u8>,
}

impl NotifyEvent {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        let size = l::CMAP_NOTIFY_SIZE + self.new_value.len() + self.old_value.len();
        put_res(&mut w, id::RES_NOTIFY_CALLBACK, size, CsError::OK);
        w.u64(self.track_inst_handle);
        put_name(&mut w, true, l::MAR_NAME_VALUE, &self.key);
        w.i32(self.event);
        w.zeros(4);
        w.u8(self.new_type);
        w.zeros(7);
        w.u8(self.old_type);
        w.zeros(7);
        w.u64(self.new_value.len() as u64);
        w.u64(self.old_value.len() as u64);
        w.bytes(&self.new_value);
        w.bytes(&self.old_value);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<NotifyEvent, WireError> {
        check_res(bytes, "cmap notify", l::CMAP_NOTIFY_SIZE)?;
        let mut r = rd(bytes);
        r.skip_to(l::CMAP_NOTIFY_KEY, "cmap notify")?;
        let (len, value) = read_name(&mut r, true, l::MAR_NAME_VALUE, "cmap notify key")?;
        let new_len = u64_at(bytes, l::CMAP_NOTIFY_NEW_LEN, "cmap notify")?;
        let old_len = u64_at(bytes, l::CMAP_NOTIFY_OLD_LEN, "cmap notify")?;
        let rest = &bytes[l::CMAP_NOTIFY_SIZE..];
        if new_len.saturating_add(old_len) > rest.len() as u64 {
            return Err(WireError::LengthMismatch {
                what: "cmap notify values",
                declared: new_len.saturating_add(old_len),
                actual: rest.len() as u64,
            });
        }
        let (n, o) = rest.split_at(new_len as usize);
        Ok(NotifyEvent {
            track_inst_handle: u64_at(bytes, l::CMAP_NOTIFY_INST, "cmap notify")?,
            key: super::cpg_name_bytes(len, &value),
            event: i32_at(bytes, l::CMAP_NOTIFY_EVENT, "cmap notify")?,
            new_type: u8_at(bytes, l::CMAP_NOTIFY_NEW_TYPE, "cmap notify")?,
            old_type: u8_at(bytes, l::CMAP_NOTIFY_OLD_TYPE, "cmap notify")?,
            new_value: n.to_vec(),
            old_value: o[..old_len as usize].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let reqs = vec![
            CmapRequest::Set {
                key: b"a.b".to_vec(),
                value_type: 6,
                value: 5u32.to_ne_bytes().to_vec(),
            },
            CmapRequest::Delete { key: b"x".to_vec() },
            CmapRequest::Get {
                key: b"totem.cluster_name".to_vec(),
                value_len: 256,
            },
            CmapRequest::AdjustInt {
                key: b"k".to_vec(),
                step: -3,
            },
            CmapRequest::IterInit {
                prefix: b"runtime.".to_vec(),
            },
            CmapRequest::IterNext { handle: 77 },
            CmapRequest::IterFinalize { handle: 77 },
            CmapRequest::TrackAdd {
                key: b"quorum.".to_vec(),
                track_type: 15,
                track_inst_handle: 9,
            },
            CmapRequest::TrackDelete { handle: 4 },
            CmapRequest::SetCurrentMap { map: 1 },
        ];
        for q in reqs {
            let b = q.encode();
            assert_eq!(CmapRequest::decode(&b).unwrap(), q);
            assert!(CmapRequest::decode(&b[..b.len() - 1]).is_err() || b.len() > 300);
        }
    }

    #[test]
    fn responses_round_trip() {
        let g = GetResponse {
            error: CsError::OK,
            value_type: 11,
            value_len: 6,
            value: b"atlab\0".to_vec(),
        };
        assert_eq!(GetResponse::decode(&g.encode()).unwrap(), g);
        let n = IterNextResponse {
            error: CsError::OK,
            key: b"totem.version".to_vec(),
            value_len: 4,
            value_type: 6,
        };
        assert_eq!(n.encode().len(), l::CMAP_RES_ITER_NEXT_SIZE);
        assert_eq!(IterNextResponse::decode(&n.encode()).unwrap(), n);
        let e = NotifyEvent {
            track_inst_handle: 1,
            key: b"k".to_vec(),
            event: 2,
            new_type: 6,
            old_type: 6,
            new_value: vec![1, 0, 0, 0],
            old_value: vec![0, 0, 0, 0],
        };
        assert_eq!(NotifyEvent::decode(&e.encode()).unwrap(), e);
    }
}
