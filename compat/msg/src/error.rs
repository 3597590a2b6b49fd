//! Errors of the message layer: [`MessageError`] for bytes that cannot be
//! decoded or encoded (pure), [`Error`] for everything a connection can
//! report, with the errno the reference would return.

use std::fmt;

use crate::bz2::Bz2Error;

/// A message that cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// Fewer bytes than the fixed header.
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        got: usize,
    },
    /// The Pacemaker IPC header has a version newer than 1
    /// ("Filtering incompatible v%d IPC message").
    Version(u8),
    /// A size field disagrees with the data.
    BadSize(&'static str),
    /// The compressed payload does not decompress to the announced size.
    Decompress(Bz2Error),
    /// The text is not NUL-terminated where its size says.
    NotTerminated,
    /// The text is not XML.
    BadXml(String),
    /// Even compressed, the message exceeds the limit (`EMSGSIZE`; the
    /// reference suggests raising `PCMK_ipc_buffer`).
    TooLarge {
        /// Uncompressed size, NUL included.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A field has a value the protocol does not allow.
    Invalid(String),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::Truncated { what, need, got } => {
                write!(f, "{what} needs {need} bytes, got {got}")
            }
            MessageError::Version(v) => write!(
                f,
                "incompatible v{v} IPC message (only versions <= 1 supported)"
            ),
            MessageError::BadSize(what) => write!(f, "inconsistent size: {what}"),
            MessageError::Decompress(e) => write!(f, "decompression failed: {e}"),
            MessageError::NotTerminated => write!(f, "payload is not NUL-terminated"),
            MessageError::BadXml(why) => write!(f, "payload is not XML: {why}"),
            MessageError::TooLarge { size, max } => write!(
                f,
                "could not compress {size}-byte message into less than the IPC limit of {max} bytes; \
                 set PCMK_ipc_buffer to a higher value"
            ),
            MessageError::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for MessageError {}

impl MessageError {
    /// The errno the reference returns for this failure.
    pub fn errno(&self) -> i32 {
        match self {
            MessageError::TooLarge { .. } => libc::EMSGSIZE,
            MessageError::Decompress(_) => libc::EILSEQ,
            MessageError::Version(_) => libc::EBADMSG,
            _ => libc::EPROTO,
        }
    }
}

/// Anything a client or server connection can report.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The libqb transport failed.
    Ipc(qb_ipc::Error),
    /// A message could not be encoded or decoded.
    Message(MessageError),
    /// No (matching) reply before the deadline (`ETIME` / `ETIMEDOUT`).
    TimedOut,
    /// The connection is closed (`ENOTCONN`).
    NotConnected,
    /// An earlier request still waits for its reply (`EALREADY`: the
    /// reference refuses to send until it arrives).
    ReplyPending,
    /// The peer answered something the protocol does not expect.
    Protocol(String),
}

impl Error {
    /// The positive errno the reference would report.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Ipc(e) => e.errno(),
            Error::Message(e) => e.errno(),
            Error::TimedOut => libc::ETIME,
            Error::NotConnected => libc::ENOTCONN,
            Error::ReplyPending => libc::EALREADY,
            Error::Protocol(_) => libc::EPROTO,
        }
    }

    /// True when the connection cannot be used any more.
    pub fn is_disconnect(&self) -> bool {
        match self {
            Error::Ipc(e) => e.is_disconnect(),
            Error::NotConnected => true,
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Ipc(e) => write!(f, "{e}"),
            Error::Message(e) => write!(f, "{e}"),
            Error::TimedOut => write!(f, "timer expired"),
            Error::NotConnected => write!(f, "transport endpoint is not connected"),
            Error::ReplyPending => write!(f, "a reply to an earlier request is still pending"),
            Error::Protocol(why) => write!(f, "protocol error: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Ipc(e) => Some(e),
            Error::Message(e) => Some(e),
            _ => None,
        }
    }
}

impl From<qb_ipc::Error> for Error {
    fn from(e: qb_ipc::Error) -> Self {
        match e {
            qb_ipc::Error::NotConnected => Error::NotConnected,
            qb_ipc::Error::TimedOut => Error::TimedOut,
            e => Error::Ipc(e),
        }
    }
}

impl From<MessageError> for Error {
    fn from(e: MessageError) -> Self {
        Error::Message(e)
    }
}
