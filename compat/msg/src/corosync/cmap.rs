//! libcmap: corosync's configuration and runtime map (corosync 3.1.7
//! `ipc_cmap.h`, lib/cmap.c): get, set, delete, increment, iterate by
//! prefix, track changes. Codecs are pure; [`CmapClient`] blocks,
//! [`AsyncCmapClient`] (feature `tokio`) does not.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::bytes::{put_u32, put_u64, u32_at, u64_at};
use super::{request, Conn, CsError, ResHeader, RES_HEADER_SIZE};

/// `CS_MAX_NAME_LENGTH`: key names are shorter than this.
pub const MAX_NAME_LENGTH: usize = 256;
/// `sizeof(mar_name_t)`: u16 length (8-aligned), then 256 bytes.
pub const NAME_SIZE: usize = 264;

/// Sizes and offsets (checked against gcc in tests/tests/msg_layout.rs).
pub mod layout {
    /// `req_lib_cmap_set`: key @16, value_len @280, type @288, value @296.
    pub const SET_REQ_SIZE: usize = 296;
    /// `req_lib_cmap_delete`: key @16.
    pub const DELETE_REQ_SIZE: usize = 280;
    /// `req_lib_cmap_get`: key @16, value_len @280.
    pub const GET_REQ_SIZE: usize = 288;
    /// `res_lib_cmap_get`: value_len @24, type @32, value @40.
    pub const GET_RES_SIZE: usize = 40;
    /// `req_lib_cmap_adjust_int`: key @16, step @280.
    pub const ADJUST_INT_REQ_SIZE: usize = 288;
    /// `req_lib_cmap_iter_init`: prefix @16.
    pub const ITER_INIT_REQ_SIZE: usize = 280;
    /// `res_lib_cmap_iter_init`: iter_handle @24.
    pub const ITER_INIT_RES_SIZE: usize = 32;
    /// `req_lib_cmap_iter_next` / `_finalize`, `req_lib_cmap_track_delete`: handle @16.
    pub const HANDLE_REQ_SIZE: usize = 24;
    /// `res_lib_cmap_iter_next`: key @24, value_len @288, type @296.
    pub const ITER_NEXT_RES_SIZE: usize = 304;
    /// `req_lib_cmap_track_add`: key @16, track_type @280, track_inst_handle @288.
    pub const TRACK_ADD_REQ_SIZE: usize = 296;
    /// `res_lib_cmap_track_add`: track_handle @24;
    /// `res_lib_cmap_track_delete`: track_inst_handle @24.
    pub const HANDLE_RES_SIZE: usize = 32;
    /// `res_lib_cmap_notify_callback`: track_inst_handle @24, key @32,
    /// event @296, new_value_type @304, old_value_type @312,
    /// new_value_len @320, old_value_len @328, values @336.
    pub const NOTIFY_SIZE: usize = 336;
    /// `req_lib_cmap_set_current_map`: map @16.
    pub const SET_CURRENT_MAP_REQ_SIZE: usize = 24;
}

/// `enum req_cmap_types`.
#[allow(missing_docs)]
pub mod req {
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
}

/// `MESSAGE_RES_CMAP_NOTIFY_CALLBACK`.
pub const RES_NOTIFY_CALLBACK: i32 = 9;

/// `CMAP_TRACK_*` flags.
#[allow(missing_docs)]
pub mod track {
    pub const DELETE: i32 = 1;
    pub const MODIFY: i32 = 2;
    pub const ADD: i32 = 4;
    pub const PREFIX: i32 = 8;
}

/// `cmap_map_t`: which map a connection reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Map {
    /// The configuration and runtime map (`CMAP_MAP_ICMAP`).
    Icmap = 0,
    /// Statistics (`CMAP_MAP_STATS`).
    Stats = 1,
}

/// A typed value (`cmap_value_types_t` + data).
#[derive(Clone, Debug, PartialEq)]
pub enum CmapValue {
    I8(i8),
    U8(u8),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    Float(f32),
    Double(f64),
    /// A string (stored with a NUL, which is not part of the value).
    Str(String),
    Binary(Vec<u8>),
}

impl CmapValue {
    /// `CMAP_VALUETYPE_*` code.
    pub fn type_code(&self) -> u8 {
        match self {
            CmapValue::I8(_) => 1,
            CmapValue::U8(_) => 2,
            CmapValue::I16(_) => 3,
            CmapValue::U16(_) => 4,
            CmapValue::I32(_) => 5,
            CmapValue::U32(_) => 6,
            CmapValue::I64(_) => 7,
            CmapValue::U64(_) => 8,
            CmapValue::Float(_) => 9,
            CmapValue::Double(_) => 10,
            CmapValue::Str(_) => 11,
            CmapValue::Binary(_) => 12,
        }
    }

    /// The type as `corosync-cmapctl` prints it.
    pub fn type_name(&self) -> &'static str {
        type_name(self.type_code())
    }

    /// The bytes sent by `cmap_set` (strings without their NUL, as
    /// `cmap_set_string` sends them).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            CmapValue::I8(v) => v.to_ne_bytes().to_vec(),
            CmapValue::U8(v) => v.to_ne_bytes().to_vec(),
            CmapValue::I16(v) => v.to_ne_bytes().to_vec(),
            CmapValue::U16(v) => v.to_ne_bytes().to_vec(),
            CmapValue::I32(v) => v.to_ne_bytes().to_vec(),
            CmapValue::U32(v) => v.to_ne_bytes().to_vec(),
            CmapValue::I64(v) => v.to_ne_bytes().to_vec(),
            CmapValue::U64(v) => v.to_ne_bytes().to_vec(),
            CmapValue::Float(v) => v.to_ne_bytes().to_vec(),
            CmapValue::Double(v) => v.to_ne_bytes().to_vec(),
            CmapValue::Str(s) => s.as_bytes().to_vec(),
            CmapValue::Binary(b) => b.clone(),
        }
    }

    /// Decode a value of type `code`.
    pub fn from_bytes(code: u8, b: &[u8]) -> Result<CmapValue, CsError> {
        fn arr<const N: usize>(b: &[u8]) -> Result<[u8; N], CsError> {
            b.get(..N)
                .and_then(|s| s.try_into().ok())
                .ok_or(CsError::MESSAGE_ERROR)
        }
        Ok(match code {
            1 => CmapValue::I8(i8::from_ne_bytes(arr(b)?)),
            2 => CmapValue::U8(u8::from_ne_bytes(arr(b)?)),
            3 => CmapValue::I16(i16::from_ne_bytes(arr(b)?)),
            4 => CmapValue::U16(u16::from_ne_bytes(arr(b)?)),
            5 => CmapValue::I32(i32::from_ne_bytes(arr(b)?)),
            6 => CmapValue::U32(u32::from_ne_bytes(arr(b)?)),
            7 => CmapValue::I64(i64::from_ne_bytes(arr(b)?)),
            8 => CmapValue::U64(u64::from_ne_bytes(arr(b)?)),
            9 => CmapValue::Float(f32::from_ne_bytes(arr(b)?)),
            10 => CmapValue::Double(f64::from_ne_bytes(arr(b)?)),
            11 => {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                CmapValue::Str(String::from_utf8_lossy(&b[..end]).into_owned())
            }
            12 => CmapValue::Binary(b.to_vec()),
            _ => return Err(CsError::INVALID_PARAM),
        })
    }

    /// The value as u64 when it is an unsigned or non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            CmapValue::U8(v) => Some(v.into()),
            CmapValue::U16(v) => Some(v.into()),
            CmapValue::U32(v) => Some(v.into()),
            CmapValue::U64(v) => Some(v),
            CmapValue::I8(v) => u64::try_from(v).ok(),
            CmapValue::I16(v) => u64::try_from(v).ok(),
            CmapValue::I32(v) => u64::try_from(v).ok(),
            CmapValue::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CmapValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// `corosync-cmapctl`'s name for a type code.
pub fn type_name(code: u8) -> &'static str {
    match code {
        1 => "i8",
        2 => "u8",
        3 => "i16",
        4 => "u16",
        5 => "i32",
        6 => "u32",
        7 => "i64",
        8 => "u64",
        9 => "flt",
        10 => "dbl",
        11 => "str",
        12 => "bin",
        _ => "unknown",
    }
}

/// Prints the value the way `corosync-cmapctl` does after `= `
/// (floats with `%f`, binary as `len:N`).
impl fmt::Display for CmapValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmapValue::I8(v) => write!(f, "{v}"),
            CmapValue::U8(v) => write!(f, "{v}"),
            CmapValue::I16(v) => write!(f, "{v}"),
            CmapValue::U16(v) => write!(f, "{v}"),
            CmapValue::I32(v) => write!(f, "{v}"),
            CmapValue::U32(v) => write!(f, "{v}"),
            CmapValue::I64(v) => write!(f, "{v}"),
            CmapValue::U64(v) => write!(f, "{v}"),
            CmapValue::Float(v) => write!(f, "{v:.6}"),
            CmapValue::Double(v) => write!(f, "{v:.6}"),
            CmapValue::Str(s) => write!(f, "{s}"),
            CmapValue::Binary(b) => write!(f, "len:{}", b.len()),
        }
    }
}

/// Whether a nodelist address can serve as a node name: not an IPv4
/// (`%d.%d.%d.%d`) or IPv6 (contains `:`) address.
pub fn node_name_is_valid(name: &str) -> bool {
    if name.contains(':') {
        return false;
    }
    let mut parts = name.splitn(4, '.');
    let ipv4 = (0..4).all(|i| {
        let Some(p) = parts.next() else { return false };
        // sscanf %d: optional sign then digits; the last one may be followed by junk.
        let p = p.strip_prefix(['-', '+']).unwrap_or(p);
        let digits = p.chars().take_while(|c| c.is_ascii_digit()).count();
        digits > 0 && (i == 3 || digits == p.len())
    });
    !ipv4
}

fn put_key(b: &mut [u8], off: usize, key: &str) -> Result<(), CsError> {
    if key.len() >= MAX_NAME_LENGTH {
        return Err(CsError::NAME_TOO_LONG);
    }
    b[off..off + 2].copy_from_slice(&(key.len() as u16).to_ne_bytes());
    b[off + 8..off + 8 + key.len()].copy_from_slice(key.as_bytes());
    Ok(())
}

fn get_key(b: &[u8], off: usize) -> String {
    let len = (u16::from_ne_bytes([b[off], b[off + 1]]) as usize).min(MAX_NAME_LENGTH);
    let raw = &b[off + 8..off + 8 + len];
    let end = raw.iter().position(|&c| c == 0).unwrap_or(len);
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// Encoders and decoders of the requests and notifications.
pub mod codec {
    use super::*;

    /// `req_lib_cmap_set` header (the value follows).
    pub fn set(key: &str, type_code: u8, value_len: usize) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::SET, layout::SET_REQ_SIZE);
        put_u32(&mut b, 8, (layout::SET_REQ_SIZE + value_len) as u32);
        put_key(&mut b, 16, key)?;
        put_u64(&mut b, 280, value_len as u64);
        b[288] = type_code;
        Ok(b)
    }

    /// `req_lib_cmap_delete`.
    pub fn delete(key: &str) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::DELETE, layout::DELETE_REQ_SIZE);
        put_key(&mut b, 16, key)?;
        Ok(b)
    }

    /// `req_lib_cmap_get` offering `value_len` bytes of room (0: just ask
    /// for the type and length).
    pub fn get(key: &str, value_len: usize) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::GET, layout::GET_REQ_SIZE);
        put_key(&mut b, 16, key)?;
        put_u64(&mut b, 280, value_len as u64);
        Ok(b)
    }

    /// `res_lib_cmap_get`: (type code, value length, value bytes present).
    pub fn get_response(b: &[u8]) -> Result<(u8, usize, &[u8]), CsError> {
        if b.len() < layout::GET_RES_SIZE {
            return Err(CsError::MESSAGE_ERROR);
        }
        let len = u64_at(b, 24) as usize;
        let code = b[32];
        let avail = &b[layout::GET_RES_SIZE..];
        Ok((code, len, &avail[..len.min(avail.len())]))
    }

    /// `req_lib_cmap_adjust_int`.
    pub fn adjust_int(key: &str, step: i32) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::ADJUST_INT, layout::ADJUST_INT_REQ_SIZE);
        put_key(&mut b, 16, key)?;
        put_u32(&mut b, 280, step as u32);
        Ok(b)
    }

    /// `req_lib_cmap_iter_init`.
    pub fn iter_init(prefix: &str) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::ITER_INIT, layout::ITER_INIT_REQ_SIZE);
        put_key(&mut b, 16, prefix)?;
        Ok(b)
    }

    /// A request carrying one u64 handle.
    pub fn handle(id: i32, handle: u64) -> Vec<u8> {
        let mut b = request(id, layout::HANDLE_REQ_SIZE);
        put_u64(&mut b, 16, handle);
        b
    }

    /// `res_lib_cmap_iter_next`: (key, value length, type code).
    pub fn iter_next_response(b: &[u8]) -> Result<(String, usize, u8), CsError> {
        if b.len() < layout::ITER_NEXT_RES_SIZE {
            return Err(CsError::MESSAGE_ERROR);
        }
        Ok((get_key(b, 24), u64_at(b, 288) as usize, b[296]))
    }

    /// `req_lib_cmap_track_add`.
    pub fn track_add(key: &str, track_type: i32, inst: u64) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::TRACK_ADD, layout::TRACK_ADD_REQ_SIZE);
        put_key(&mut b, 16, key)?;
        put_u32(&mut b, 280, track_type as u32);
        put_u64(&mut b, 288, inst);
        Ok(b)
    }

    /// `req_lib_cmap_set_current_map`.
    pub fn set_current_map(map: Map) -> Vec<u8> {
        let mut b = request(req::SET_CURRENT_MAP, layout::SET_CURRENT_MAP_REQ_SIZE);
        put_u32(&mut b, 16, map as u32);
        b
    }

    /// `res_lib_cmap_notify_callback` decoded.
    pub fn notification(b: &[u8]) -> Result<CmapEvent, CsError> {
        let h = ResHeader::decode(b, layout::NOTIFY_SIZE)?;
        if h.id != RES_NOTIFY_CALLBACK {
            return Err(CsError::LIBRARY);
        }
        let new_len = u64_at(b, 320) as usize;
        let old_len = u64_at(b, 328) as usize;
        let start = layout::NOTIFY_SIZE;
        let end = start
            .checked_add(new_len)
            .and_then(|e| e.checked_add(old_len))
            .ok_or(CsError::MESSAGE_ERROR)?;
        if b.len() < end {
            return Err(CsError::MESSAGE_ERROR);
        }
        let value = |code: u8, bytes: &[u8]| {
            if code == 0 {
                None
            } else {
                CmapValue::from_bytes(code, bytes).ok()
            }
        };
        Ok(CmapEvent {
            track_inst: u64_at(b, 24),
            key: get_key(b, 32),
            event: u32_at(b, 296) as i32,
            new_value: value(b[304], &b[start..start + new_len]),
            old_value: value(b[312], &b[start + new_len..end]),
        })
    }
}

/// A change of a tracked key (`cmap_notify_fn_t`).
#[derive(Clone, Debug, PartialEq)]
pub struct CmapEvent {
    /// The handle given to [`CmapClient::track_add`]'s caller.
    pub track_inst: u64,
    /// The key.
    pub key: String,
    /// [`track::ADD`], [`track::MODIFY`] or [`track::DELETE`].
    pub event: i32,
    /// Value after the change (none for deletions).
    pub new_value: Option<CmapValue>,
    /// Value before (none for additions).
    pub old_value: Option<CmapValue>,
}

static TRACK_INST: AtomicU64 = AtomicU64::new(1);

/// A blocking cmap connection (`cmap_handle_t`).
pub struct CmapClient {
    conn: Conn,
}

impl CmapClient {
    /// `cmap_initialize`.
    #[doc(alias = "cmap_initialize")]
    pub fn initialize() -> Result<CmapClient, CsError> {
        Ok(CmapClient {
            conn: Conn::connect("cmap")?,
        })
    }

    /// `cmap_initialize_map`.
    #[doc(alias = "cmap_initialize_map")]
    pub fn initialize_map(map: Map) -> Result<CmapClient, CsError> {
        let c = Self::initialize()?;
        c.conn
            .call(&[&codec::set_current_map(map)], RES_HEADER_SIZE)?;
        Ok(c)
    }

    /// The connection.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// `cmap_get`: the typed value of `key` (`CS_ERR_NOT_EXIST` if absent).
    #[doc(alias = "cmap_get")]
    pub fn get(&self, key: &str) -> Result<CmapValue, CsError> {
        // One round trip for anything that fits 256 bytes, a second with
        // the exact size otherwise.
        let first = self
            .conn
            .call(&[&codec::get(key, 0)?], layout::GET_RES_SIZE)?;
        let (code, len, _) = codec::get_response(&first)?;
        if len == 0 {
            return CmapValue::from_bytes(code, &[]);
        }
        let r = self
            .conn
            .call(&[&codec::get(key, len)?], layout::GET_RES_SIZE)?;
        let (code, _, value) = codec::get_response(&r)?;
        CmapValue::from_bytes(code, value)
    }

    /// `cmap_get_uint32` (type must match).
    pub fn get_u32(&self, key: &str) -> Result<u32, CsError> {
        match self.get(key)? {
            CmapValue::U32(v) => Ok(v),
            _ => Err(CsError::INVALID_PARAM),
        }
    }

    /// `cmap_get_uint8` (type must match).
    pub fn get_u8(&self, key: &str) -> Result<u8, CsError> {
        match self.get(key)? {
            CmapValue::U8(v) => Ok(v),
            _ => Err(CsError::INVALID_PARAM),
        }
    }

    /// `cmap_get_string` (type must match).
    pub fn get_string(&self, key: &str) -> Result<String, CsError> {
        match self.get(key)? {
            CmapValue::Str(v) => Ok(v),
            _ => Err(CsError::INVALID_PARAM),
        }
    }

    /// `cmap_set`.
    #[doc(alias = "cmap_set")]
    pub fn set(&self, key: &str, value: &CmapValue) -> Result<(), CsError> {
        let data = value.to_bytes();
        let hdr = codec::set(key, value.type_code(), data.len())?;
        self.conn.call(&[&hdr, &data], RES_HEADER_SIZE).map(|_| ())
    }

    /// `cmap_delete`.
    #[doc(alias = "cmap_delete")]
    pub fn delete(&self, key: &str) -> Result<(), CsError> {
        self.conn
            .call(&[&codec::delete(key)?], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `cmap_inc` (`step` 1) / `cmap_dec` (`step` -1).
    #[doc(alias = "cmap_inc")]
    pub fn adjust(&self, key: &str, step: i32) -> Result<(), CsError> {
        self.conn
            .call(&[&codec::adjust_int(key, step)?], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `cmap_iter_init` / `_next` / `_finalize`: every key starting with
    /// `prefix`, with its value length and type code, in corosync's order.
    #[doc(alias = "cmap_iter_next")]
    pub fn keys(&self, prefix: &str) -> Result<Vec<(String, usize, u8)>, CsError> {
        let r = self
            .conn
            .call(&[&codec::iter_init(prefix)?], layout::ITER_INIT_RES_SIZE)?;
        let handle = u64_at(&r, 24);
        let mut out = Vec::new();
        let result = loop {
            match self.conn.call(
                &[&codec::handle(req::ITER_NEXT, handle)],
                layout::ITER_NEXT_RES_SIZE,
            ) {
                Ok(r) => out.push(codec::iter_next_response(&r)?),
                Err(CsError::NO_SECTIONS) => break Ok(out),
                Err(e) => break Err(e),
            }
        };
        let _ = self.conn.call(
            &[&codec::handle(req::ITER_FINALIZE, handle)],
            RES_HEADER_SIZE,
        );
        result
    }

    /// Every key under `prefix` with its value (what `corosync-cmapctl
    /// <prefix>` prints). Keys deleted meanwhile are skipped.
    pub fn values(&self, prefix: &str) -> Result<Vec<(String, CmapValue)>, CsError> {
        let mut out = Vec::new();
        for (k, _, _) in self.keys(prefix)? {
            match self.get(&k) {
                Ok(v) => out.push((k, v)),
                Err(CsError::NOT_EXIST) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `cmap_track_add`: returns (corosync's track handle, the instance
    /// handle that will appear in [`CmapEvent::track_inst`]).
    #[doc(alias = "cmap_track_add")]
    pub fn track_add(&self, key: &str, track_type: i32) -> Result<(u64, u64), CsError> {
        let inst = TRACK_INST.fetch_add(1, Ordering::Relaxed);
        let r = self.conn.call(
            &[&codec::track_add(key, track_type, inst)?],
            layout::HANDLE_RES_SIZE,
        )?;
        Ok((u64_at(&r, 24), inst))
    }

    /// `cmap_track_delete`.
    #[doc(alias = "cmap_track_delete")]
    pub fn track_delete(&self, track_handle: u64) -> Result<(), CsError> {
        self.conn
            .call(
                &[&codec::handle(req::TRACK_DELETE, track_handle)],
                layout::HANDLE_RES_SIZE,
            )
            .map(|_| ())
    }

    /// `pcmk__corosync_name`: the name of node `nodeid` from the nodelist
    /// (`name`, else a `ring0_addr` that is not an IP address).
    #[doc(alias = "pcmk__corosync_name")]
    pub fn node_name(&self, nodeid: u32) -> Option<String> {
        for i in 0.. {
            let id = self.get_u32(&format!("nodelist.node.{i}.nodeid")).ok()?;
            if id != nodeid {
                continue;
            }
            if let Ok(n) = self.get_string(&format!("nodelist.node.{i}.name")) {
                return Some(n);
            }
            return self
                .get_string(&format!("nodelist.node.{i}.ring0_addr"))
                .ok()
                .filter(|a| node_name_is_valid(a));
        }
        None
    }

    /// `cmap_dispatch(CS_DISPATCH_ONE)` with a deadline: `Ok(None)` on timeout.
    #[doc(alias = "cmap_dispatch")]
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<Option<CmapEvent>, CsError> {
        match self.conn.recv_event(timeout) {
            Ok(b) => codec::notification(&b).map(Some),
            Err(CsError::TRY_AGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// An async cmap connection.
#[cfg(feature = "tokio")]
pub struct AsyncCmapClient {
    conn: super::AsyncConn,
}

#[cfg(feature = "tokio")]
impl AsyncCmapClient {
    /// `cmap_initialize`.
    pub async fn initialize() -> Result<AsyncCmapClient, CsError> {
        Ok(AsyncCmapClient {
            conn: super::AsyncConn::connect("cmap").await?,
        })
    }

    /// `cmap_get`.
    pub async fn get(&self, key: &str) -> Result<CmapValue, CsError> {
        let first = self
            .conn
            .call(&[&codec::get(key, 0)?], layout::GET_RES_SIZE)
            .await?;
        let (code, len, _) = codec::get_response(&first)?;
        if len == 0 {
            return CmapValue::from_bytes(code, &[]);
        }
        let r = self
            .conn
            .call(&[&codec::get(key, len)?], layout::GET_RES_SIZE)
            .await?;
        let (code, _, value) = codec::get_response(&r)?;
        CmapValue::from_bytes(code, value)
    }

    /// `cmap_set`.
    pub async fn set(&self, key: &str, value: &CmapValue) -> Result<(), CsError> {
        let data = value.to_bytes();
        let hdr = codec::set(key, value.type_code(), data.len())?;
        self.conn
            .call(&[&hdr, &data], RES_HEADER_SIZE)
            .await
            .map(|_| ())
    }

    /// `cmap_delete`.
    pub async fn delete(&self, key: &str) -> Result<(), CsError> {
        self.conn
            .call(&[&codec::delete(key)?], RES_HEADER_SIZE)
            .await
            .map(|_| ())
    }

    /// Keys under `prefix` (see [`CmapClient::keys`]).
    pub async fn keys(&self, prefix: &str) -> Result<Vec<(String, usize, u8)>, CsError> {
        let r = self
            .conn
            .call(&[&codec::iter_init(prefix)?], layout::ITER_INIT_RES_SIZE)
            .await?;
        let handle = u64_at(&r, 24);
        let mut out = Vec::new();
        let result = loop {
            match self
                .conn
                .call(
                    &[&codec::handle(req::ITER_NEXT, handle)],
                    layout::ITER_NEXT_RES_SIZE,
                )
                .await
            {
                Ok(r) => out.push(codec::iter_next_response(&r)?),
                Err(CsError::NO_SECTIONS) => break Ok(out),
                Err(e) => break Err(e),
            }
        };
        let _ = self
            .conn
            .call(
                &[&codec::handle(req::ITER_FINALIZE, handle)],
                RES_HEADER_SIZE,
            )
            .await;
        result
    }

    /// `cmap_track_add` (see [`CmapClient::track_add`]).
    pub async fn track_add(&self, key: &str, track_type: i32) -> Result<(u64, u64), CsError> {
        let inst = TRACK_INST.fetch_add(1, Ordering::Relaxed);
        let r = self
            .conn
            .call(
                &[&codec::track_add(key, track_type, inst)?],
                layout::HANDLE_RES_SIZE,
            )
            .await?;
        Ok((u64_at(&r, 24), inst))
    }

    /// The next notification. Cancel-safe.
    pub async fn dispatch(&self) -> Result<CmapEvent, CsError> {
        codec::notification(&self.conn.recv_event().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for v in [
            CmapValue::I8(-3),
            CmapValue::U16(65000),
            CmapValue::U32(7),
            CmapValue::I64(-1),
            CmapValue::Double(0.5),
            CmapValue::Binary(vec![1, 2, 3]),
        ] {
            assert_eq!(
                CmapValue::from_bytes(v.type_code(), &v.to_bytes()).unwrap(),
                v
            );
        }
        assert_eq!(
            CmapValue::from_bytes(11, b"node1\0").unwrap(),
            CmapValue::Str("node1".into())
        );
        assert!(CmapValue::from_bytes(6, &[1, 2]).is_err());
        assert!(CmapValue::from_bytes(99, &[]).is_err());
        assert_eq!(CmapValue::U32(1).type_name(), "u32");
        assert_eq!(CmapValue::Float(1.5).to_string(), "1.500000");
    }

    #[test]
    fn request_layouts() {
        let b = codec::get("totem.cluster_name", 0).unwrap();
        assert_eq!(b.len(), 288);
        assert_eq!(u32_at(&b, 0), 2);
        assert_eq!(u32_at(&b, 8), 288);
        assert_eq!(u16::from_ne_bytes([b[16], b[17]]), 18);
        assert_eq!(&b[24..42], b"totem.cluster_name");
        let s = codec::set("a.b", 11, 5).unwrap();
        assert_eq!(u32_at(&s, 8), 301);
        assert_eq!(s[288], 11);
        assert!(codec::get(&"k".repeat(256), 0).is_err());
    }

    #[test]
    fn node_names() {
        assert!(!node_name_is_valid("10.0.0.1"));
        assert!(!node_name_is_valid("fe80::1"));
        assert!(node_name_is_valid("node1"));
        assert!(node_name_is_valid("10.0.0"));
        assert!(node_name_is_valid("node1.example.com"));
    }

    #[test]
    fn notification_decoding() {
        let mut b = vec![0u8; layout::NOTIFY_SIZE];
        ResHeader {
            id: RES_NOTIFY_CALLBACK,
            size: 0,
            error: CsError::OK,
        }
        .encode_into(&mut b);
        put_u64(&mut b, 24, 42);
        put_key(&mut b, 32, "x.y").unwrap();
        put_u32(&mut b, 296, track::MODIFY as u32);
        b[304] = 6;
        b[312] = 6;
        put_u64(&mut b, 320, 4);
        put_u64(&mut b, 328, 4);
        b.extend_from_slice(&2u32.to_ne_bytes());
        b.extend_from_slice(&1u32.to_ne_bytes());
        let e = codec::notification(&b).unwrap();
        assert_eq!(e.track_inst, 42);
        assert_eq!(e.key, "x.y");
        assert_eq!(e.new_value, Some(CmapValue::U32(2)));
        assert_eq!(e.old_value, Some(CmapValue::U32(1)));
        assert!(codec::notification(&b[..b.len() - 1]).is_err());
    }
}
