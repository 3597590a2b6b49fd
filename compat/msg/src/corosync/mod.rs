//! Corosync's client libraries over libqb IPC, as Pacemaker uses them:
//! [`cpg`] (libcpg), [`cmap`] (libcmap), [`quorum`] (libquorum),
//! [`votequorum`] (libvotequorum) and [`cfg`](mod@cfg) (libcfg, for
//! pacemakerd). Each module has the request, response and notification
//! structures of corosync 3.1.7's `ipc_*.h` as pure codecs and a blocking
//! client; cpg, cmap and quorum also have an async client (feature `tokio`).
//!
//! This module: [`CsError`] (`cs_error_t`), the shared header helpers and
//! the two transports ([`Conn`], [`AsyncConn`]) every service client uses.
//! Layouts are x86_64/LP64, native byte order; every field of these
//! structs is 8-aligned.

pub mod cfg;
pub mod cmap;
pub mod cpg;
pub mod quorum;
pub mod votequorum;

use std::fmt;
use std::time::Duration;

/// `IPC_REQUEST_SIZE`: the buffer size corosync's libraries ask for (1 MiB).
pub const IPC_REQUEST_SIZE: usize = 8192 * 128;

/// `struct qb_ipc_request_header` size.
pub const REQ_HEADER_SIZE: usize = 16;
/// `struct qb_ipc_response_header` size.
pub const RES_HEADER_SIZE: usize = 24;

/// `cs_error_t`.
#[doc(alias = "cs_error_t")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CsError(pub i32);

impl CsError {
    /// `CS_OK`.
    pub const OK: CsError = CsError(1);
    /// `CS_ERR_LIBRARY`.
    pub const LIBRARY: CsError = CsError(2);
    /// `CS_ERR_VERSION`.
    pub const VERSION: CsError = CsError(3);
    /// `CS_ERR_INIT`.
    pub const INIT: CsError = CsError(4);
    /// `CS_ERR_TIMEOUT`.
    pub const TIMEOUT: CsError = CsError(5);
    /// `CS_ERR_TRY_AGAIN`.
    pub const TRY_AGAIN: CsError = CsError(6);
    /// `CS_ERR_INVALID_PARAM`.
    pub const INVALID_PARAM: CsError = CsError(7);
    /// `CS_ERR_NO_MEMORY`.
    pub const NO_MEMORY: CsError = CsError(8);
    /// `CS_ERR_BAD_HANDLE`.
    pub const BAD_HANDLE: CsError = CsError(9);
    /// `CS_ERR_BUSY`.
    pub const BUSY: CsError = CsError(10);
    /// `CS_ERR_ACCESS`.
    pub const ACCESS: CsError = CsError(11);
    /// `CS_ERR_NOT_EXIST`.
    pub const NOT_EXIST: CsError = CsError(12);
    /// `CS_ERR_NAME_TOO_LONG`.
    pub const NAME_TOO_LONG: CsError = CsError(13);
    /// `CS_ERR_EXIST`.
    pub const EXIST: CsError = CsError(14);
    /// `CS_ERR_NO_SPACE`.
    pub const NO_SPACE: CsError = CsError(15);
    /// `CS_ERR_INTERRUPT`.
    pub const INTERRUPT: CsError = CsError(16);
    /// `CS_ERR_NAME_NOT_FOUND`.
    pub const NAME_NOT_FOUND: CsError = CsError(17);
    /// `CS_ERR_NO_RESOURCES`.
    pub const NO_RESOURCES: CsError = CsError(18);
    /// `CS_ERR_NOT_SUPPORTED`.
    pub const NOT_SUPPORTED: CsError = CsError(19);
    /// `CS_ERR_BAD_OPERATION`.
    pub const BAD_OPERATION: CsError = CsError(20);
    /// `CS_ERR_FAILED_OPERATION`.
    pub const FAILED_OPERATION: CsError = CsError(21);
    /// `CS_ERR_MESSAGE_ERROR`.
    pub const MESSAGE_ERROR: CsError = CsError(22);
    /// `CS_ERR_QUEUE_FULL`.
    pub const QUEUE_FULL: CsError = CsError(23);
    /// `CS_ERR_QUEUE_NOT_AVAILABLE`.
    pub const QUEUE_NOT_AVAILABLE: CsError = CsError(24);
    /// `CS_ERR_BAD_FLAGS`.
    pub const BAD_FLAGS: CsError = CsError(25);
    /// `CS_ERR_TOO_BIG`.
    pub const TOO_BIG: CsError = CsError(26);
    /// `CS_ERR_NO_SECTIONS`.
    pub const NO_SECTIONS: CsError = CsError(27);
    /// `CS_ERR_CONTEXT_NOT_FOUND`.
    pub const CONTEXT_NOT_FOUND: CsError = CsError(28);
    /// `CS_ERR_TOO_MANY_GROUPS`.
    pub const TOO_MANY_GROUPS: CsError = CsError(30);
    /// `CS_ERR_SECURITY`.
    pub const SECURITY: CsError = CsError(100);

    /// `qb_to_cs_error` for a positive errno.
    #[doc(alias = "qb_to_cs_error")]
    pub fn from_errno(errno: i32) -> CsError {
        match errno {
            libc::EBADF => CsError::BAD_HANDLE,
            libc::ENOMEM => CsError::NO_MEMORY,
            libc::ENOMSG | libc::ENOBUFS | libc::ETIMEDOUT | libc::EAGAIN => CsError::TRY_AGAIN,
            libc::EBADE => CsError::FAILED_OPERATION,
            libc::ETIME => CsError::TIMEOUT,
            libc::EINVAL => CsError::INVALID_PARAM,
            libc::EBUSY => CsError::BUSY,
            libc::EACCES => CsError::ACCESS,
            libc::EOVERFLOW => CsError::NAME_TOO_LONG,
            libc::EEXIST => CsError::EXIST,
            libc::ENOSPC => CsError::NO_SPACE,
            libc::EINTR => CsError::INTERRUPT,
            libc::ENOENT | libc::ENODEV => CsError::NOT_EXIST,
            libc::ENOSYS | libc::ENOTSUP => CsError::NOT_SUPPORTED,
            libc::EBADMSG => CsError::MESSAGE_ERROR,
            libc::EMSGSIZE | libc::E2BIG => CsError::TOO_BIG,
            _ => CsError::LIBRARY,
        }
    }

    /// `Ok(())` for `CS_OK`, else `Err(self)`.
    pub fn result(self) -> Result<(), CsError> {
        if self == CsError::OK {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// `cs_strerror`.
    #[doc(alias = "cs_strerror")]
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "success",
            2 => "CS_ERR_LIBRARY",
            3 => "CS_ERR_VERSION",
            4 => "CS_ERR_INIT",
            5 => "CS_ERR_TIMEOUT",
            6 => "CS_ERR_TRY_AGAIN",
            7 => "CS_ERR_INVALID_PARAM",
            8 => "CS_ERR_NO_MEMORY",
            9 => "CS_ERR_BAD_HANDLE",
            10 => "CS_ERR_BUSY",
            11 => "CS_ERR_ACCESS",
            12 => "CS_ERR_NOT_EXIST",
            13 => "CS_ERR_NAME_TOO_LONG",
            14 => "CS_ERR_EXIST",
            15 => "CS_ERR_NO_SPACE",
            16 => "CS_ERR_INTERRUPT",
            17 => "CS_ERR_NAME_NOT_FOUND",
            18 => "CS_ERR_NO_RESOURCES",
            19 => "CS_ERR_NOT_SUPPORTED",
            20 => "CS_ERR_BAD_OPERATION",
            21 => "CS_ERR_FAILED_OPERATION",
            22 => "CS_ERR_MESSAGE_ERROR",
            23 => "CS_ERR_QUEUE_FULL",
            24 => "CS_ERR_QUEUE_NOT_AVAILABLE",
            25 => "CS_ERR_BAD_FLAGS",
            26 => "CS_ERR_TOO_BIG",
            27 => "CS_ERR_NO_SECTIONS",
            28 => "CS_ERR_CONTEXT_NOT_FOUND",
            30 => "CS_ERR_TOO_MANY_GROUPS",
            100 => "CS_ERR_SECURITY",
            _ => "unknown error",
        }
    }
}

impl fmt::Debug for CsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for CsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

impl std::error::Error for CsError {}

impl From<qb_ipc::Error> for CsError {
    fn from(e: qb_ipc::Error) -> Self {
        CsError::from_errno(e.errno())
    }
}

/// Little helpers for the fixed layouts.
pub(crate) mod bytes {
    pub fn u32_at(b: &[u8], off: usize) -> u32 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[off..off + 4]);
        u32::from_ne_bytes(w)
    }
    pub fn u64_at(b: &[u8], off: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[off..off + 8]);
        u64::from_ne_bytes(w)
    }
    pub fn put_u32(b: &mut [u8], off: usize, v: u32) {
        b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    }
    pub fn put_u64(b: &mut [u8], off: usize, v: u64) {
        b[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    }
}

/// A request: `qb_ipc_request_header` (id, size) then `len - 16` zeroed bytes.
pub(crate) fn request(id: i32, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    bytes::put_u32(&mut b, 0, id as u32);
    bytes::put_u32(&mut b, 8, len as u32);
    b
}

/// The decoded `qb_ipc_response_header` of a response or notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResHeader {
    /// Message id (`MESSAGE_RES_*`).
    pub id: i32,
    /// Total size.
    pub size: i32,
    /// `cs_error_t` of the operation.
    pub error: CsError,
}

impl ResHeader {
    /// Decode, checking that `b` holds at least `need` bytes.
    pub fn decode(b: &[u8], need: usize) -> Result<ResHeader, CsError> {
        if b.len() < need.max(RES_HEADER_SIZE) {
            return Err(CsError::MESSAGE_ERROR);
        }
        Ok(ResHeader {
            id: bytes::u32_at(b, 0) as i32,
            size: bytes::u32_at(b, 8) as i32,
            error: CsError(bytes::u32_at(b, 16) as i32),
        })
    }

    /// Encode as the first 24 bytes of `b` (for servers and tests).
    pub fn encode_into(&self, b: &mut [u8]) {
        bytes::put_u32(b, 0, self.id as u32);
        bytes::put_u32(b, 8, self.size as u32);
        bytes::put_u32(b, 16, self.error.0 as u32);
    }
}

/// A response of `len` bytes with header (id, size = len, error).
pub(crate) fn response(id: i32, error: CsError, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    ResHeader {
        id,
        size: len as i32,
        error,
    }
    .encode_into(&mut b);
    b
}

/// A blocking connection to one corosync service.
pub struct Conn {
    qb: qb_ipc::Client,
    exchange: std::sync::Mutex<()>,
}

impl Conn {
    /// Connect to `service` (`cpg`, `cmap`, `quorum`, `votequorum`, `cfg`)
    /// asking for [`IPC_REQUEST_SIZE`], as corosync's libraries do.
    pub fn connect(service: &str) -> Result<Conn, CsError> {
        Ok(Conn {
            qb: qb_ipc::Client::connect(service, IPC_REQUEST_SIZE)?,
            exchange: std::sync::Mutex::new(()),
        })
    }

    /// The libqb connection.
    pub fn qb(&self) -> &qb_ipc::Client {
        &self.qb
    }

    /// `qb_ipcc_sendv_recv` with corosync's infinite timeout, then the
    /// response header's error.
    pub fn call(&self, parts: &[&[u8]], need: usize) -> Result<Vec<u8>, CsError> {
        let _g = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        self.qb.sendv(parts)?;
        let r = self.qb.recv(None)?;
        ResHeader::decode(&r, need)?.error.result()?;
        Ok(r)
    }

    /// Send without waiting for a response.
    pub fn send(&self, parts: &[&[u8]]) -> Result<(), CsError> {
        Ok(self.qb.sendv(parts)?)
    }

    /// The next notification (`None` waits forever).
    pub fn recv_event(&self, timeout: Option<Duration>) -> Result<Vec<u8>, CsError> {
        Ok(self.qb.recv_event(timeout)?)
    }
}

/// An async connection to one corosync service.
#[cfg(feature = "tokio")]
pub struct AsyncConn {
    qb: qb_ipc::AsyncClient,
    exchange: tokio::sync::Mutex<()>,
}

#[cfg(feature = "tokio")]
impl AsyncConn {
    /// Like [`Conn::connect`], without blocking the runtime.
    pub async fn connect(service: &str) -> Result<AsyncConn, CsError> {
        Ok(AsyncConn {
            qb: qb_ipc::AsyncClient::connect(service, IPC_REQUEST_SIZE).await?,
            exchange: tokio::sync::Mutex::new(()),
        })
    }

    /// The libqb connection.
    pub fn qb(&self) -> &qb_ipc::AsyncClient {
        &self.qb
    }

    /// Request and response (serialised), then the response's error.
    pub async fn call(&self, parts: &[&[u8]], need: usize) -> Result<Vec<u8>, CsError> {
        let _g = self.exchange.lock().await;
        self.qb.sendv(parts).await?;
        let r = self.qb.recv(None).await?;
        ResHeader::decode(&r, need)?.error.result()?;
        Ok(r)
    }

    /// Send without waiting for a response.
    pub async fn send(&self, parts: &[&[u8]]) -> Result<(), CsError> {
        Ok(self.qb.sendv(parts).await?)
    }

    /// The next notification. Cancel-safe.
    pub async fn recv_event(&self) -> Result<Vec<u8>, CsError> {
        Ok(self.qb.recv_event().await?)
    }
}
