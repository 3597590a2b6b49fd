//! bzip2 the way Pacemaker uses it for large IPC and CPG messages
//! (`pcmk__compress`, `BZ2_bzBuffToBuffDecompress`). Pure.
//!
//! Compression uses block size 4 (×100 kB) and work factor 20
//! (`CRM_BZ2_BLOCKS`, `CRM_BZ2_WORK`) and must fit a caller-given output
//! limit; decompression uses the small-memory algorithm and must produce
//! exactly the announced size.

use std::fmt;

use bzip2::{Action, Compress, Compression, Decompress, Status};

/// `CRM_BZ2_BLOCKS`.
pub const BLOCK_SIZE_100K: u32 = 4;
/// `CRM_BZ2_WORK`.
pub const WORK_FACTOR: u32 = 20;

/// libbz2 return values that surface in errors.
const BZ_OUTBUFF_FULL: i32 = -8;
const BZ_DATA_ERROR: i32 = -4;
const BZ_UNEXPECTED_EOF: i32 = -7;

/// A failed (de)compression, with the libbz2 code the reference would log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bz2Error {
    /// libbz2's return value (`BZ_OUTBUFF_FULL`, `BZ_DATA_ERROR`, ...).
    pub code: i32,
}

impl fmt::Display for Bz2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (bzerror={})",
            pcmk_results::bz2::strerror(self.code),
            self.code
        )
    }
}

impl std::error::Error for Bz2Error {}

/// `pcmk__compress`: compress `data` into at most `max` bytes (0 means the
/// size libbz2 guarantees to be enough: `len * 1.01 + 601`).
#[doc(alias = "pcmk__compress")]
pub fn compress(data: &[u8], max: usize) -> Result<Vec<u8>, Bz2Error> {
    let max = if max == 0 {
        // Same arithmetic as the reference (a double, truncated).
        (data.len() as f64 * 1.01) as usize + 601
    } else {
        max
    };
    let mut c = Compress::new(Compression::new(BLOCK_SIZE_100K), WORK_FACTOR);
    let mut out = Vec::with_capacity(max.min(data.len() + data.len() / 100 + 601));
    loop {
        let before_in = c.total_in() as usize;
        let room = max - out.len();
        if out.capacity() - out.len() < room {
            // Grow towards the limit, never beyond it.
            out.reserve_exact((out.capacity().max(4096)).min(room));
        }
        let status = c
            .compress_vec(&data[before_in..], &mut out, Action::Finish)
            .map_err(|_| Bz2Error { code: -1 })?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if out.len() >= max {
            return Err(Bz2Error {
                code: BZ_OUTBUFF_FULL,
            });
        }
    }
}

/// Decompress a message announced as `expected` bytes long (NUL
/// included). Fails on corrupt data, on a stream that ends early, and on
/// output longer or shorter than announced.
#[doc(alias = "BZ2_bzBuffToBuffDecompress")]
pub fn decompress(data: &[u8], expected: usize) -> Result<Vec<u8>, Bz2Error> {
    // The reference offers `expected + 1` bytes of room.
    let limit = expected.saturating_add(1);
    let mut d = Decompress::new(true);
    // Grow on demand: `expected` comes from the peer and may be absurd.
    let mut out: Vec<u8> = Vec::with_capacity(limit.min(1 << 20));
    loop {
        if out.len() == out.capacity() {
            let room = limit - out.len();
            if room == 0 {
                return Err(Bz2Error {
                    code: BZ_OUTBUFF_FULL,
                });
            }
            out.reserve_exact(out.capacity().clamp(4096, room));
        }
        let (in0, out0) = (d.total_in() as usize, out.len());
        let status = d
            .decompress_vec(&data[in0..], &mut out)
            .map_err(|e| Bz2Error {
                code: match e {
                    bzip2::Error::DataMagic => -5,
                    _ => BZ_DATA_ERROR,
                },
            })?;
        if status == Status::StreamEnd {
            break;
        }
        let stuck = d.total_in() as usize == in0 && out.len() == out0;
        if stuck && out.len() < out.capacity() {
            // Room to write and nothing happened: the input ran out.
            return Err(Bz2Error {
                code: BZ_UNEXPECTED_EOF,
            });
        }
    }
    if out.len() != expected {
        return Err(Bz2Error {
            code: if out.len() > expected {
                BZ_OUTBUFF_FULL
            } else {
                BZ_DATA_ERROR
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<u8> {
        let mut v: Vec<u8> = (0..n)
            .map(|i| b"<nvpair id=\"x\" name=\"y\"/>"[i % 25])
            .collect();
        v.push(0);
        v
    }

    #[test]
    fn round_trip() {
        let data = sample(300_000);
        let c = compress(&data, 0).unwrap();
        assert!(c.len() < data.len() / 10);
        assert_eq!(&c[..3], b"BZh");
        assert_eq!(c[3], b'4', "block size 4");
        assert_eq!(decompress(&c, data.len()).unwrap(), data);
    }

    #[test]
    fn output_limit_is_enforced() {
        let data: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(compress(&data, 1000).unwrap_err().code, BZ_OUTBUFF_FULL);
        let c = compress(&data, 0).unwrap();
        assert_eq!(compress(&data, c.len()).unwrap(), c);
        assert!(compress(&data, c.len() - 1).is_err());
    }

    #[test]
    fn wrong_sizes_and_garbage_are_errors() {
        let data = sample(10_000);
        let c = compress(&data, 0).unwrap();
        assert!(decompress(&c, data.len() - 1).is_err());
        assert!(decompress(&c, data.len() + 1).is_err());
        assert!(decompress(&c[..c.len() / 2], data.len()).is_err());
        assert!(decompress(b"not bzip2 at all", 100).is_err());
        assert!(decompress(&c, usize::MAX).is_err());
        assert!(decompress(&[], 0).is_err());
    }
}
