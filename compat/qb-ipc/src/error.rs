//! The crate's error type and its mapping to the errno values libqb returns.

use std::fmt;
use std::io;

use crate::wire::WireError;

/// Everything that can go wrong talking libqb IPC.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A system call failed (`what` names it).
    Io {
        /// The operation, e.g. "connect cib_rw" or "open /dev/shm/...".
        what: String,
        /// The OS error.
        source: io::Error,
    },
    /// The server answered the setup request with `-errno`.
    Refused {
        /// Positive errno (EACCES, EAGAIN, ENOSPC, ...).
        errno: i32,
    },
    /// The server chose a transport this crate does not speak.
    UnsupportedType(i32),
    /// A setup message could not be decoded.
    Wire(WireError),
    /// The peer is gone or the connection was closed (`ENOTCONN`).
    NotConnected,
    /// The message is larger than the negotiated maximum (`EMSGSIZE`).
    MessageTooLarge {
        /// Size offered.
        len: usize,
        /// Negotiated maximum.
        max: usize,
    },
    /// The ring is full, or the server asked for flow control (`EAGAIN`).
    WouldBlock,
    /// Nothing arrived before the deadline (`ETIMEDOUT`).
    TimedOut,
    /// Ring contents are inconsistent (bad magic, pointers out of range) (`EBADMSG`).
    BadMessage(&'static str),
    /// The peer truncated a shared-memory file under us (SIGBUS absorbed).
    Truncated,
    /// The server's credentials fail the Pacemaker check (uid 0, the
    /// cluster uid, or the cluster gid) (`pcmk_rc_ipc_unauthorized`).
    Unauthorized {
        /// Server pid.
        pid: i32,
        /// Server uid.
        uid: u32,
        /// Server gid.
        gid: u32,
    },
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// The positive errno libqb would return (as `-errno`) for this error.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Io { source, .. } => source.raw_os_error().unwrap_or(libc::EIO),
            Error::Refused { errno } => *errno,
            Error::UnsupportedType(_) => libc::EINVAL,
            Error::Wire(_) => libc::EPROTO,
            Error::NotConnected => libc::ENOTCONN,
            Error::MessageTooLarge { .. } => libc::EMSGSIZE,
            Error::WouldBlock => libc::EAGAIN,
            Error::TimedOut => libc::ETIMEDOUT,
            Error::BadMessage(_) => libc::EBADMSG,
            Error::Truncated => libc::EBADMSG,
            Error::Unauthorized { .. } => libc::EACCES,
        }
    }

    /// True when the connection cannot be used any more.
    pub fn is_disconnect(&self) -> bool {
        match self {
            Error::NotConnected | Error::Truncated | Error::BadMessage(_) => true,
            Error::Io { source, .. } => !matches!(
                source.raw_os_error(),
                Some(libc::EAGAIN | libc::EINTR | libc::ETIMEDOUT)
            ),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Refused { errno } => write!(
                f,
                "server refused the connection: {}",
                io::Error::from_raw_os_error(*errno)
            ),
            Error::UnsupportedType(t) => write!(f, "unsupported IPC type {t} (only SHM is)"),
            Error::Wire(e) => write!(f, "malformed setup message: {e}"),
            Error::NotConnected => write!(f, "not connected"),
            Error::MessageTooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds the maximum of {max}")
            }
            Error::WouldBlock => write!(
                f,
                "resource temporarily unavailable (ring full or flow control)"
            ),
            Error::TimedOut => write!(f, "timed out"),
            Error::BadMessage(why) => write!(f, "corrupt ring buffer: {why}"),
            Error::Truncated => write!(f, "shared memory truncated by the peer"),
            Error::Unauthorized { pid, uid, gid } => write!(
                f,
                "server process {pid} runs as uid {uid} gid {gid}, not an authorised cluster daemon"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Wire(e) => Some(e),
            _ => None,
        }
    }
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        Error::Wire(e)
    }
}
