//! Files in the state directory and the pid lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The reference's lock file.
pub const LOCK_FILE: &str = "/var/run/corosync.pid";

/// `ringid_<nodeid>`: the last ring sequence, 8 bytes in host order.
pub fn ringid_path(dir: &Path, nodeid: u32) -> PathBuf {
    dir.join(format!("ringid_{nodeid}"))
}

/// corosync_ring_id_create_or_load: the stored sequence, or None when the
/// file is missing or short (the caller then stores 0).
pub fn load_ring_seq(dir: &Path, nodeid: u32) -> Option<u64> {
    let mut f = File::open(ringid_path(dir, nodeid)).ok()?;
    let mut b = [0u8; 8];
    f.read_exact(&mut b).ok()?;
    Some(u64::from_ne_bytes(b))
}

/// corosync_ring_id_store.
pub fn store_ring_seq(dir: &Path, nodeid: u32, seq: u64) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(ringid_path(dir, nodeid))?;
    f.write_all(&seq.to_ne_bytes())
}

/// The pid lock (corosync_flock). Held while the value lives.
pub struct PidLock {
    _lock: nix::fcntl::Flock<File>,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// "Another Corosync instance is already running."
    Running,
    /// "Corosync Executive couldn't create lock file."
    Create,
}

impl PidLock {
    /// Take the lock and write our pid.
    pub fn acquire(path: &Path) -> Result<PidLock, LockError> {
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o640)
            .open(path)
            .map_err(|_| LockError::Create)?;
        let mut lock = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|_| LockError::Running)?;
        let _ = lock.set_len(0);
        let _ = writeln!(lock, "{}", std::process::id());
        Ok(PidLock {
            _lock: lock,
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
