//! Byte-level reading and writing with a chosen byte order, and the
//! [`Codec`] trait every message implements.
//!
//! Corosync writes its structures in the sender's host order and lets the
//! receiver detect and convert (Totem via the header magic, everything inside
//! an MCAST via the `endian_conversion_required` flag handed down from SRP).
//! So every read and write here is done in an explicit [`Endian`].

use std::fmt;

/// Byte order of a message as it was (or will be) put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Endian {
    /// Little-endian; what x86 and most corosync nodes send.
    #[default]
    Little,
    /// Big-endian (s390x, ppc64 nodes).
    Big,
}

impl Endian {
    /// The byte order of the machine running this code.
    pub const NATIVE: Endian = if cfg!(target_endian = "big") {
        Endian::Big
    } else {
        Endian::Little
    };
}

/// Why bytes could not be decoded. Each variant says what was wrong; none of
/// them is ever produced by a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended before a field of `what` could be read.
    Truncated {
        /// The structure or field being read.
        what: &'static str,
        /// Bytes needed from the current position.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes were left over after a fixed-size message.
    TrailingBytes {
        /// The structure being read.
        what: &'static str,
        /// Number of unread bytes.
        extra: usize,
    },
    /// The Totem header magic is neither 0xC070 nor its byte swap.
    BadMagic(u16),
    /// The Totem header version is not 3.
    BadVersion(u8),
    /// The Totem message type byte is not one of the six known types.
    UnknownMessageType(u8),
    /// A count field is larger than the data that follows could hold, or
    /// larger than the reference accepts.
    BadCount {
        /// The count field.
        what: &'static str,
        /// Its value.
        count: u64,
    },
    /// A length field disagrees with the bytes present.
    LengthMismatch {
        /// The structure being read.
        what: &'static str,
        /// Length announced by the message.
        declared: u64,
        /// Length actually present.
        actual: u64,
    },
    /// The message id does not belong to the expected service or function.
    UnexpectedId {
        /// The structure expected.
        what: &'static str,
        /// The id found.
        id: i32,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated {
                what,
                needed,
                available,
            } => write!(
                f,
                "truncated {what}: needed {needed} bytes, {available} available"
            ),
            WireError::TrailingBytes { what, extra } => {
                write!(f, "{extra} unexpected bytes after {what}")
            }
            WireError::BadMagic(m) => write!(f, "bad totem header magic 0x{m:04x}"),
            WireError::BadVersion(v) => write!(f, "unsupported totem header version {v}"),
            WireError::UnknownMessageType(t) => write!(f, "unknown totem message type {t}"),
            WireError::BadCount { what, count } => write!(f, "impossible {what} count {count}"),
            WireError::LengthMismatch {
                what,
                declared,
                actual,
            } => write!(f, "{what}: declared length {declared}, actual {actual}"),
            WireError::UnexpectedId { what, id } => {
                write!(f, "{what}: unexpected message id 0x{id:08x}")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// A cursor over received bytes that reads integers in a fixed [`Endian`].
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    endian: Endian,
}

impl<'a> Reader<'a> {
    /// Start reading `buf` in byte order `endian`.
    pub fn new(buf: &'a [u8], endian: Endian) -> Self {
        Reader {
            buf,
            pos: 0,
            endian,
        }
    }

    /// Byte order used for integers.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Change the byte order (after a header told us what it is).
    pub fn set_endian(&mut self, endian: Endian) {
        self.endian = endian;
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Current offset from the start of the buffer.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Take the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated {
                what,
                needed: n,
                available: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Take everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Skip `n` bytes (padding).
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), WireError> {
        self.take(n, what).map(|_| ())
    }

    /// Skip to the absolute offset `off` (padding up to an aligned field).
    pub fn skip_to(&mut self, off: usize, what: &'static str) -> Result<(), WireError> {
        if off < self.pos {
            return Ok(());
        }
        self.skip(off - self.pos, what)
    }

    /// Fail unless every byte was consumed.
    pub fn expect_end(&self, what: &'static str) -> Result<(), WireError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(WireError::TrailingBytes { what, extra }),
        }
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], WireError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    /// Read one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Read a u16 in the reader's byte order.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        let a = self.array::<2>(what)?;
        Ok(match self.endian {
            Endian::Little => u16::from_le_bytes(a),
            Endian::Big => u16::from_be_bytes(a),
        })
    }

    /// Read a u32 in the reader's byte order.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let a = self.array::<4>(what)?;
        Ok(match self.endian {
            Endian::Little => u32::from_le_bytes(a),
            Endian::Big => u32::from_be_bytes(a),
        })
    }

    /// Read an i32 in the reader's byte order.
    pub fn i32(&mut self, what: &'static str) -> Result<i32, WireError> {
        self.u32(what).map(|v| v as i32)
    }

    /// Read a u64 in the reader's byte order.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, WireError> {
        let a = self.array::<8>(what)?;
        Ok(match self.endian {
            Endian::Little => u64::from_le_bytes(a),
            Endian::Big => u64::from_be_bytes(a),
        })
    }

    /// Read `count` u32 values, refusing counts the remaining bytes cannot hold
    /// (so a hostile count never makes us allocate).
    pub fn u32_list(&mut self, count: u64, what: &'static str) -> Result<Vec<u32>, WireError> {
        let need = count.saturating_mul(4);
        if need > self.remaining() as u64 {
            return Err(WireError::BadCount { what, count });
        }
        (0..count).map(|_| self.u32(what)).collect()
    }
}

/// A growing buffer that writes integers in a fixed [`Endian`].
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buf: Vec<u8>,
    endian: Endian,
}

impl Writer {
    /// An empty buffer writing in byte order `endian`.
    pub fn new(endian: Endian) -> Self {
        Writer {
            buf: Vec::new(),
            endian,
        }
    }

    /// Byte order used for integers.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Change the byte order.
    pub fn set_endian(&mut self, endian: Endian) {
        self.endian = endian;
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The written bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Append raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Append `n` zero bytes.
    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Zero-pad up to the absolute offset `off`.
    pub fn pad_to(&mut self, off: usize) {
        if self.buf.len() < off {
            self.buf.resize(off, 0);
        }
    }

    /// Append one byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Append a u16.
    pub fn u16(&mut self, v: u16) {
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }

    /// Append a u32.
    pub fn u32(&mut self, v: u32) {
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }

    /// Append an i32.
    pub fn i32(&mut self, v: i32) {
        self.u32(v as u32);
    }

    /// Append a u64.
    pub fn u64(&mut self, v: u64) {
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }
}

/// A message or structure with a wire form.
///
/// `read` consumes exactly the structure's bytes from the reader (fixed-size
/// structures do not check for trailing data: the enclosing message does);
/// `encode` appends them. For every value `x`, reading what `encode(x)` wrote,
/// in the same byte order, gives back `x`.
pub trait Codec: Sized {
    /// Append the wire form of `self` to `w`, in `w`'s byte order.
    fn encode(&self, w: &mut Writer);

    /// Read one value from `r`, in `r`'s byte order.
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError>;

    /// Encode into a fresh buffer.
    fn to_bytes(&self, endian: Endian) -> Vec<u8> {
        let mut w = Writer::new(endian);
        self.encode(&mut w);
        w.into_bytes()
    }

    /// Decode a whole buffer, failing on trailing bytes.
    fn from_bytes(bytes: &[u8], endian: Endian) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes, endian);
        let v = Self::read(&mut r)?;
        r.expect_end(std::any::type_name::<Self>())?;
        Ok(v)
    }
}

/// Padding bytes saved while reading, replayed while writing.
///
/// The C senders do not always clear the padding of `aligned(8)` structures
/// (a CPG join can carry stack garbage after the name length), so exact
/// re-encoding needs the bytes. Writing past the saved bytes gives zeros.
#[derive(Debug, Clone, Default)]
pub struct PadSource<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> PadSource<'a> {
    /// Replay `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        PadSource { bytes, pos: 0 }
    }

    fn next(&mut self) -> u8 {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
}

impl Reader<'_> {
    /// Read `n` padding bytes, appending them to `out`.
    pub fn pad(
        &mut self,
        n: usize,
        what: &'static str,
        out: &mut Vec<u8>,
    ) -> Result<(), WireError> {
        out.extend_from_slice(self.take(n, what)?);
        Ok(())
    }

    /// Read padding up to absolute offset `off`, appending it to `out`.
    pub fn pad_to(
        &mut self,
        off: usize,
        what: &'static str,
        out: &mut Vec<u8>,
    ) -> Result<(), WireError> {
        if off > self.pos {
            self.pad(off - self.pos, what, out)?;
        }
        Ok(())
    }
}

impl Writer {
    /// Write `n` padding bytes from `src`.
    pub fn pad(&mut self, n: usize, src: &mut PadSource<'_>) {
        for _ in 0..n {
            let b = src.next();
            self.buf.push(b);
        }
    }

    /// Write padding from `src` up to absolute offset `off`.
    pub fn pad_to_from(&mut self, off: usize, src: &mut PadSource<'_>) {
        if off > self.buf.len() {
            let n = off - self.buf.len();
            self.pad(n, src);
        }
    }
}
