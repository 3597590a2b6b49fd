//! One libqb ring buffer: a `-header` file (pointers, paths, ref count,
//! semaphore, user data) and a `-data` file mapped twice back to back.
//!
//! Chunk format (ringbuffer.c): word `w` holds the payload length in bytes,
//! word `(w+1) % ws` a magic, the payload starts at word `(w+2) % ws`; the
//! next chunk starts `2 + ceil(len/4)` words later (mod `ws`). Writers of
//! one ring must be serialised by the caller (one reader, one writer side).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use crate::error::Error;
use crate::shm::{self, DataMap, HeaderMap, Sem, Wait};
use crate::wire::{chunk, ring_data_size, ring_header as rh, PATH_MAX};

/// Ownership and mode the server gives the files of a connection
/// (`qb_ipcs_connection_auth_set`). `None` leaves that id unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "qb_ipcs_connection_auth_set")]
pub struct ShmAuth {
    /// Owner given with chown (libqb default: the client's uid).
    pub uid: Option<u32>,
    /// Group given with chown (libqb default: the client's gid).
    pub gid: Option<u32>,
    /// File mode (libqb default 0600; Pacemaker 0660 for non-root clients).
    pub mode: u32,
}

/// A mapped ring.
#[derive(Debug)]
pub struct Ring {
    hdr: HeaderMap,
    data: DataMap,
    words: u32,
    hdr_path: PathBuf,
    data_path: PathBuf,
}

fn chown_ignoring_eperm(path: &Path, auth: &ShmAuth) -> io::Result<()> {
    match std::os::unix::fs::chown(path, auth.uid, auth.gid) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Ok(()),
        r => r,
    }
}

fn create_file(path: &Path, len: usize) -> io::Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let sized = f.set_len(len as u64).and_then(|_| shm::fallocate(&f, len));
    if let Err(e) = sized {
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(f)
}

fn put_path(hdr: &HeaderMap, off: usize, p: &Path) {
    let b = p.as_os_str().as_encoded_bytes();
    let n = b.len().min(PATH_MAX - 1);
    hdr.write(off, &b[..n]);
    hdr.write(off + n, &[0]);
}

impl Ring {
    /// Create a ring as a server does: `<base>-header` (8,252 bytes) and
    /// `<base>-data` sized for `max_msg_size`, semaphore initialised,
    /// ref count 1, then chown/chmod per `auth`. On error nothing is left behind.
    pub fn create(base: &str, max_msg_size: usize, auth: &ShmAuth) -> io::Result<Ring> {
        let hdr_path = PathBuf::from(format!("{base}-header"));
        let data_path = PathBuf::from(format!("{base}-data"));
        let size = ring_data_size(max_msg_size, shm::page_size());
        let words = u32::try_from(size / 4)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "ring too large"))?;
        let (h2, d2) = (hdr_path.clone(), data_path.clone());
        let cleanup = move |e: io::Error| {
            let _ = fs::remove_file(&h2);
            let _ = fs::remove_file(&d2);
            e
        };
        let hf = create_file(&hdr_path, rh::FILE_SIZE_WITH_USER_DATA)?;
        let hdr = HeaderMap::map(&hf, rh::FILE_SIZE_WITH_USER_DATA).map_err(&cleanup)?;
        hdr.u32_at(rh::WORD_SIZE).store(words, Ordering::Relaxed);
        hdr.u32_at(rh::WRITE_PT).store(0, Ordering::Relaxed);
        hdr.u32_at(rh::READ_PT).store(0, Ordering::Relaxed);
        put_path(&hdr, rh::HDR_PATH, &hdr_path);
        hdr.sem(rh::SEM).init().map_err(&cleanup)?;
        let df = create_file(&data_path, size).map_err(&cleanup)?;
        put_path(&hdr, rh::DATA_PATH, &data_path);
        let data = DataMap::map(&df, size).map_err(&cleanup)?;
        hdr.i32_at(rh::REF_COUNT).store(1, Ordering::Release);
        let ring = Ring {
            hdr,
            data,
            words,
            hdr_path,
            data_path,
        };
        for p in [&ring.data_path, &ring.hdr_path] {
            chown_ignoring_eperm(p, auth).map_err(&cleanup)?;
            fs::set_permissions(p, fs::Permissions::from_mode(auth.mode)).map_err(&cleanup)?;
        }
        Ok(ring)
    }

    /// Open a ring a server created (client side). Never truncates or
    /// resizes anything; sizes are taken from the files and the header,
    /// and checked before mapping. Increments the ref count.
    pub fn open(base: &str) -> Result<Ring, Error> {
        let hdr_path = PathBuf::from(format!("{base}-header"));
        let open = |p: &Path| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(p)
                .map_err(|e| Error::io(format!("open {}", p.display()), e))
        };
        let hf = open(&hdr_path)?;
        let hlen = hf
            .metadata()
            .map_err(|e| Error::io(format!("stat {}", hdr_path.display()), e))?
            .size();
        if hlen < rh::STRUCT_SIZE as u64 {
            return Err(Error::BadMessage("ring header file too short"));
        }
        let hdr = HeaderMap::map(&hf, rh::FILE_SIZE_WITH_USER_DATA)
            .map_err(|e| Error::io(format!("mmap {}", hdr_path.display()), e))?;
        let words = hdr.u32_at(rh::WORD_SIZE).load(Ordering::Acquire);
        let size = words as usize * 4;
        if words < 16 || !size.is_multiple_of(shm::page_size()) {
            return Err(Error::BadMessage("ring word_size not a page multiple"));
        }
        let mut raw = vec![0u8; PATH_MAX];
        hdr.read(rh::DATA_PATH, &mut raw);
        let end = raw
            .iter()
            .position(|&c| c == 0)
            .ok_or(Error::BadMessage("ring data_path not terminated"))?;
        let data_path = PathBuf::from(
            String::from_utf8(raw[..end].to_vec())
                .map_err(|_| Error::BadMessage("ring data_path not UTF-8"))?,
        );
        if !data_path.is_absolute() {
            return Err(Error::BadMessage("ring data_path not absolute"));
        }
        let df = open(&data_path)?;
        let dlen = df
            .metadata()
            .map_err(|e| Error::io(format!("stat {}", data_path.display()), e))?
            .size();
        if dlen < size as u64 {
            return Err(Error::BadMessage("ring data file shorter than word_size"));
        }
        let data = DataMap::map(&df, size)
            .map_err(|e| Error::io(format!("mmap {}", data_path.display()), e))?;
        hdr.i32_at(rh::REF_COUNT).fetch_add(1, Ordering::AcqRel);
        let ring = Ring {
            hdr,
            data,
            words,
            hdr_path,
            data_path,
        };
        ring.check_poison()?;
        Ok(ring)
    }

    /// Path of the header file.
    pub fn header_path(&self) -> &Path {
        &self.hdr_path
    }

    /// Path of the data file.
    pub fn data_path(&self) -> &Path {
        &self.data_path
    }

    /// Data size in bytes.
    pub fn data_size(&self) -> usize {
        self.words as usize * 4
    }

    /// The ring's semaphore (one post per committed chunk).
    pub fn sem(&self) -> Sem<'_> {
        self.hdr.sem(rh::SEM)
    }

    /// `ref_count`: 1 after creation, 2 once the client attached, 0 after a close.
    pub fn ref_count(&self) -> i32 {
        self.hdr.i32_at(rh::REF_COUNT).load(Ordering::Acquire)
    }

    /// Mark this ring closed for the peer (libqb stores 1, then decrements).
    pub fn mark_closed(&self) {
        self.hdr.i32_at(rh::REF_COUNT).store(0, Ordering::Release);
    }

    /// The first user-data word (the flow-control flag on the request ring).
    pub fn user_word(&self) -> &AtomicI32 {
        self.hdr.i32_at(rh::USER_DATA)
    }

    /// Remove both files (the mappings stay valid until drop).
    pub fn unlink(&self) {
        for p in [&self.data_path, &self.hdr_path] {
            if let Err(e) = fs::remove_file(p) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(path = %p.display(), error = %e, "cannot unlink ring file");
                }
            }
        }
    }

    fn check_poison(&self) -> Result<(), Error> {
        if self.hdr.region().poisoned() || self.data.region().poisoned() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    fn pointers(&self) -> Result<(u32, u32), Error> {
        let w = self.hdr.u32_at(rh::WRITE_PT).load(Ordering::Acquire);
        let r = self.hdr.u32_at(rh::READ_PT).load(Ordering::Acquire);
        if w >= self.words || r >= self.words {
            self.check_poison()?;
            return Err(Error::BadMessage("ring pointer beyond the data"));
        }
        Ok((w, r))
    }

    fn step(&self, p: u32, len: u32) -> u32 {
        let next = p as u64 + chunk::HEADER_WORDS as u64 + (len as u64).div_ceil(4);
        (next % self.words as u64) as u32
    }

    /// Free bytes, as `qb_rb_space_free` computes them.
    pub fn space_free(&self) -> Result<usize, Error> {
        let (w, r) = self.pointers()?;
        let ws = self.words;
        let words = if w > r {
            r + ws - w - 1
        } else if w < r {
            r - w - 1
        } else if self.sem().value().unwrap_or(0) > 0 {
            0
        } else {
            ws
        };
        Ok(words as usize * 4)
    }

    /// Write one chunk made of `parts` and post the semaphore.
    /// `Error::WouldBlock` when it does not fit now.
    pub fn write(&self, parts: &[&[u8]]) -> Result<(), Error> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len + chunk::MARGIN > self.data_size() {
            return Err(Error::MessageTooLarge {
                len,
                max: self.data_size() - chunk::MARGIN - 1,
            });
        }
        if self.space_free()? < len + chunk::MARGIN {
            return Err(Error::WouldBlock);
        }
        let (w, _) = self.pointers()?;
        let ws = self.words as usize;
        let w_us = w as usize;
        self.data.word(w_us).store(0, Ordering::Relaxed);
        self.data
            .word((w_us + 1) % ws)
            .store(chunk::MAGIC_ALLOC, Ordering::Release);
        let mut off = ((w_us + 2) % ws) * 4;
        for p in parts {
            self.data.copy_in(off, p);
            off += p.len();
        }
        // len fits in u32: it is below the data size, itself a u32 word count * 4.
        self.data.word(w_us).store(len as u32, Ordering::Relaxed);
        self.hdr
            .u32_at(rh::WRITE_PT)
            .store(self.step(w, len as u32), Ordering::Release);
        self.data
            .word((w_us + 1) % ws)
            .store(chunk::MAGIC_COMMITTED, Ordering::Release);
        self.check_poison()?;
        self.sem().post().map_err(|e| Error::io("sem_post", e))?;
        Ok(())
    }

    /// Read the chunk at the read pointer; the caller has already taken
    /// one count from the semaphore. On a bad magic the count is given back.
    pub fn read(&self) -> Result<Vec<u8>, Error> {
        let (_, r) = self.pointers()?;
        let ws = self.words as usize;
        let r_us = r as usize;
        let magic = self.data.word((r_us + 1) % ws).load(Ordering::Acquire);
        if magic != chunk::MAGIC_COMMITTED {
            self.check_poison()?;
            let _ = self.sem().post();
            return Err(Error::BadMessage("chunk magic is not COMMITTED"));
        }
        let len = self.data.word(r_us).load(Ordering::Relaxed) as usize;
        if len + chunk::MARGIN > self.data_size() {
            return Err(Error::BadMessage("chunk length beyond the ring"));
        }
        let mut out = vec![0u8; len];
        self.data.copy_out(((r_us + 2) % ws) * 4, &mut out);
        self.data.word(r_us).store(0, Ordering::Relaxed);
        self.data
            .word((r_us + 1) % ws)
            .store(chunk::MAGIC_DEAD, Ordering::Release);
        self.hdr
            .u32_at(rh::READ_PT)
            .store(self.step(r, len as u32), Ordering::Release);
        self.check_poison()?;
        Ok(out)
    }

    /// Wait up to `timeout` for a chunk and read it.
    pub fn wait_read(&self, timeout: Duration) -> Result<Option<Vec<u8>>, Error> {
        match self.sem().wait(timeout) {
            Ok(Wait::Ready) => self.read().map(Some),
            Ok(Wait::TimedOut) => {
                self.check_poison()?;
                Ok(None)
            }
            Err(e) => Err(Error::io("sem_timedwait", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("qb-ipc-ring-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    const AUTH: ShmAuth = ShmAuth {
        uid: None,
        gid: None,
        mode: 0o600,
    };

    #[test]
    fn create_open_write_read_wrap() {
        let d = tmpdir("wrap");
        let base = d.join("qb-request-test").display().to_string();
        let server = Ring::create(&base, 1000, &AUTH).unwrap();
        assert_eq!(server.ref_count(), 1);
        assert_eq!(fs::metadata(server.header_path()).unwrap().len(), 8252);
        assert_eq!(fs::metadata(server.data_path()).unwrap().len(), 4096);
        let client = Ring::open(&base).unwrap();
        assert_eq!(server.ref_count(), 2);
        // Many odd-sized messages force the chunks to wrap around the end.
        for i in 0..500u32 {
            let msg: Vec<u8> = (0..(i % 997)).map(|b| (b ^ i) as u8).collect();
            client
                .write(&[&msg[..msg.len() / 2], &msg[msg.len() / 2..]])
                .unwrap();
            let got = server
                .wait_read(Duration::from_millis(100))
                .unwrap()
                .unwrap();
            assert_eq!(got, msg, "message {i}");
        }
        assert_eq!(server.wait_read(Duration::ZERO).unwrap(), None);
        server.unlink();
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn full_ring_would_block_then_drains() {
        let d = tmpdir("full");
        let base = d.join("qb-event-test").display().to_string();
        let server = Ring::create(&base, 1000, &AUTH).unwrap();
        let client = Ring::open(&base).unwrap();
        let msg = [7u8; 1000];
        let mut n = 0;
        loop {
            match server.write(&[&msg]) {
                Ok(()) => n += 1,
                Err(Error::WouldBlock) => break,
                Err(e) => panic!("{e}"),
            }
        }
        // 4096-byte ring: 1012 bytes per chunk plus the margin.
        assert_eq!(n, 4);
        assert_eq!(client.wait_read(Duration::ZERO).unwrap().unwrap(), msg);
        server.write(&[&msg]).unwrap();
        assert!(matches!(
            server.write(&[&[0u8; 5000]]),
            Err(Error::MessageTooLarge { .. })
        ));
        server.unlink();
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn corrupt_pointers_are_errors_not_crashes() {
        let d = tmpdir("corrupt");
        let base = d.join("qb-response-test").display().to_string();
        let server = Ring::create(&base, 1000, &AUTH).unwrap();
        let client = Ring::open(&base).unwrap();
        server
            .hdr
            .u32_at(rh::READ_PT)
            .store(999_999, Ordering::Relaxed);
        assert!(matches!(client.write(&[b"x"]), Err(Error::BadMessage(_))));
        server.hdr.u32_at(rh::READ_PT).store(0, Ordering::Relaxed);
        server.sem().post().unwrap();
        assert!(matches!(
            client.wait_read(Duration::ZERO),
            Err(Error::BadMessage(_))
        ));
        server.unlink();
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn truncation_by_the_peer_is_absorbed() {
        let d = tmpdir("trunc");
        let base = d.join("qb-request-test").display().to_string();
        let server = Ring::create(&base, 1000, &AUTH).unwrap();
        let client = Ring::open(&base).unwrap();
        client.write(&[b"hello"]).unwrap();
        // A hostile peer cuts the data file to nothing.
        File::options()
            .write(true)
            .open(server.data_path())
            .unwrap()
            .set_len(0)
            .unwrap();
        let before = shm::sigbus_faults();
        let got = server.wait_read(Duration::ZERO);
        assert!(matches!(got, Err(Error::Truncated)), "{got:?}");
        assert!(shm::sigbus_faults() > before);
        server.unlink();
        fs::remove_dir_all(&d).unwrap();
    }
}
