//! Shared memory primitives: file mappings, the doubled data mapping,
//! glibc process-shared semaphores living inside a mapping, and the SIGBUS
//! guard. One of the two modules of this crate with `unsafe` (the other is
//! `sock`).
//!
//! # SIGBUS strategy
//!
//! A peer that can write the ring files can also truncate them (the C client
//! `ftruncate()`s every file it opens, and a hostile one may cut them to 0);
//! touching a mapped page beyond the end of its file raises SIGBUS. libqb's
//! server traps SIGBUS with `setjmp`/`longjmp` around teardown only. We do
//! neither: every mapping this module makes is registered in a fixed,
//! lock-free table, and a process-wide SIGBUS handler (installed once,
//! chaining to the previous one) that sees a fault inside a registered
//! region replaces the faulting page with a private zero page
//! (`mmap(MAP_FIXED|MAP_ANONYMOUS)`), marks the region poisoned and returns,
//! so the faulting instruction completes on harmless memory. The ring code
//! checks [`Region::poisoned`] after each operation and reports
//! [`crate::Error::Truncated`], which ends that connection only. Faults
//! outside our regions go to the previous handler (Rust's stack-overflow
//! handler, or the default action). `mmap` is not on POSIX's list of
//! async-signal-safe functions but is a plain system call on Linux/glibc.
//! If the table (16,384 regions, six per connection) is full, a mapping is
//! left unregistered and behaves like libqb's outside teardown.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The runtime page size (`sysconf(_SC_PAGESIZE)`).
pub fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    let p = PAGE.load(Ordering::Relaxed);
    if p != 0 {
        return p;
    }
    // SAFETY: sysconf has no memory-safety preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let v = if v > 0 { v as usize } else { 4096 };
    PAGE.store(v, Ordering::Relaxed);
    v
}

/// Reserve the file's blocks now (`posix_fallocate`), so that a full
/// `/dev/shm` is an error at setup rather than a SIGBUS later.
pub fn fallocate(file: &File, len: usize) -> io::Result<()> {
    loop {
        // SAFETY: plain system call on a valid open descriptor.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len as libc::off_t) };
        match rc {
            0 => return Ok(()),
            libc::EINTR => continue,
            e => return Err(io::Error::from_raw_os_error(e)),
        }
    }
}

// ---------------------------------------------------------------------------
// SIGBUS guard

const MAX_REGIONS: usize = 16384;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    poisoned: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)] // used only as an array initialiser
const EMPTY_SLOT: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    poisoned: AtomicBool::new(false),
};

static SLOTS: [Slot; MAX_REGIONS] = [EMPTY_SLOT; MAX_REGIONS];
static GUARD_PAGE: AtomicUsize = AtomicUsize::new(4096);
static FAULTS: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();
static mut OLD_ACTION: Option<libc::sigaction> = None;

/// How many SIGBUS faults the guard has absorbed in this process.
pub fn sigbus_faults() -> usize {
    FAULTS.load(Ordering::Relaxed)
}

/// A registration of one mapped range with the SIGBUS guard.
#[derive(Debug)]
pub struct Region {
    slot: Option<usize>,
}

impl Region {
    fn register(start: usize, len: usize) -> Region {
        install_guard();
        for (i, s) in SLOTS.iter().enumerate() {
            if s.len
                .compare_exchange(0, len, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                s.poisoned.store(false, Ordering::Relaxed);
                s.start.store(start, Ordering::Release);
                return Region { slot: Some(i) };
            }
        }
        tracing::warn!("SIGBUS guard table full; a shared-memory mapping is unguarded");
        Region { slot: None }
    }

    /// True once a SIGBUS inside this range was absorbed (the peer truncated
    /// the file under us).
    pub fn poisoned(&self) -> bool {
        self.slot
            .is_some_and(|i| SLOTS[i].poisoned.load(Ordering::Acquire))
    }
}

impl Region {
    /// Forget the range; must happen before it is unmapped, or the address
    /// range could be reused by a new mapping while still listed here.
    fn unregister(&mut self) {
        if let Some(i) = self.slot.take() {
            SLOTS[i].start.store(0, Ordering::Release);
            SLOTS[i].len.store(0, Ordering::Release);
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        self.unregister();
    }
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = GUARD_PAGE.load(Ordering::Relaxed);
    for s in SLOTS.iter() {
        let start = s.start.load(Ordering::Acquire);
        if start == 0 {
            continue;
        }
        let len = s.len.load(Ordering::Acquire);
        if addr >= start && addr < start + len {
            let base = addr & !(page - 1);
            // SAFETY: the page lies inside a mapping we own (registered
            // range); replacing it with private zeroed memory keeps the
            // address range valid for the code that faulted.
            let p = unsafe {
                libc::mmap(
                    base as *mut libc::c_void,
                    page,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                s.poisoned.store(true, Ordering::Release);
                FAULTS.fetch_add(1, Ordering::Relaxed);
                return;
            }
            break;
        }
    }
    // Not ours: hand over to whoever was installed before us.
    // SAFETY: OLD_ACTION is written once, before this handler is installed.
    let old = unsafe { ptr::addr_of!(OLD_ACTION).read() };
    match old {
        Some(old) if old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN => {
            if old.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed with SA_SIGINFO.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(old.sa_sigaction) };
                f(sig, info, ctx);
            } else {
                // SAFETY: the previous handler was a plain one-argument handler.
                let f: extern "C" fn(libc::c_int) =
                    unsafe { std::mem::transmute(old.sa_sigaction) };
                f(sig);
            }
        }
        _ => {
            // Restore the default action; returning re-runs the faulting
            // instruction, which then terminates the process as usual.
            // SAFETY: resetting a signal disposition to SIG_DFL.
            unsafe {
                libc::signal(libc::SIGBUS, libc::SIG_DFL);
            }
        }
    }
}

fn install_guard() {
    INSTALL.call_once(|| {
        GUARD_PAGE.store(page_size(), Ordering::Relaxed);
        // SAFETY: sigaction with a zeroed, then filled, struct; OLD_ACTION is
        // written before the new handler can run.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGBUS, ptr::null(), &mut old);
            ptr::addr_of_mut!(OLD_ACTION).write(Some(old));
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, ptr::null_mut());
        }
    });
}

// ---------------------------------------------------------------------------
// Mappings

/// A shared read-write mapping of the start of a file (a ring header).
#[derive(Debug)]
pub struct HeaderMap {
    ptr: *mut u8,
    len: usize,
    region: Region,
}

// SAFETY: the mapping is plain shared memory; all accesses go through
// atomics or byte copies, and callers serialise writers.
unsafe impl Send for HeaderMap {}
// SAFETY: as above.
unsafe impl Sync for HeaderMap {}

impl HeaderMap {
    /// Map the first `len` bytes of `file` (which may be shorter: bytes
    /// beyond its end inside the last page read as zero).
    pub fn map(file: &File, len: usize) -> io::Result<HeaderMap> {
        // SAFETY: mapping a valid descriptor; the result is checked.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let region = Region::register(p as usize, len);
        Ok(HeaderMap {
            ptr: p.cast(),
            len,
            region,
        })
    }

    /// The SIGBUS registration of this mapping.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The 32-bit word at `off` (4-aligned, inside the mapping).
    pub fn u32_at(&self, off: usize) -> &AtomicU32 {
        assert!(
            off.is_multiple_of(4) && off + 4 <= self.len,
            "header offset {off}"
        );
        // SAFETY: in bounds (asserted), 4-aligned (mmap is page-aligned), and
        // the mapping lives as long as &self.
        unsafe { &*(self.ptr.add(off) as *const AtomicU32) }
    }

    /// The signed 32-bit word at `off`.
    pub fn i32_at(&self, off: usize) -> &AtomicI32 {
        assert!(
            off.is_multiple_of(4) && off + 4 <= self.len,
            "header offset {off}"
        );
        // SAFETY: as for u32_at.
        unsafe { &*(self.ptr.add(off) as *const AtomicI32) }
    }

    /// Copy bytes out of the mapping.
    pub fn read(&self, off: usize, out: &mut [u8]) {
        assert!(off + out.len() <= self.len, "header read out of bounds");
        // SAFETY: bounds asserted; raw copy, no reference into shared memory.
        unsafe { ptr::copy_nonoverlapping(self.ptr.add(off), out.as_mut_ptr(), out.len()) }
    }

    /// Copy bytes into the mapping.
    pub fn write(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.len, "header write out of bounds");
        // SAFETY: bounds asserted; raw copy.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(off), data.len()) }
    }

    /// The semaphore at `off`.
    pub fn sem(&self, off: usize) -> Sem<'_> {
        assert!(
            off.is_multiple_of(8) && off + std::mem::size_of::<libc::sem_t>() <= self.len,
            "sem offset {off}"
        );
        // SAFETY: in bounds and aligned (asserted); lives as long as &self.
        Sem {
            ptr: unsafe { self.ptr.add(off) as *mut libc::sem_t },
            _map: std::marker::PhantomData,
        }
    }
}

impl Drop for HeaderMap {
    fn drop(&mut self) {
        self.region.unregister();
        // SAFETY: unmapping exactly what map() mapped; no reference outlives &self.
        unsafe {
            libc::munmap(self.ptr.cast(), self.len);
        }
    }
}

/// A ring's data file mapped twice back to back, so that a chunk wrapping
/// past the end is contiguous in memory.
#[derive(Debug)]
pub struct DataMap {
    ptr: *mut u8,
    size: usize,
    region: Region,
}

// SAFETY: as for HeaderMap.
unsafe impl Send for DataMap {}
// SAFETY: as for HeaderMap.
unsafe impl Sync for DataMap {}

impl DataMap {
    /// Map `size` bytes of `file` (a multiple of the page size) twice.
    pub fn map(file: &File, size: usize) -> io::Result<DataMap> {
        if size == 0 || !size.is_multiple_of(page_size()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("ring data size {size} is not a positive multiple of the page size"),
            ));
        }
        let fd = file.as_raw_fd();
        // SAFETY: reserve 2*size of address space, then replace each half
        // with a MAP_FIXED shared mapping of the file; every result is
        // checked and the reservation released on failure.
        unsafe {
            let base = libc::mmap(
                ptr::null_mut(),
                size * 2,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            for half in 0..2 {
                let want = (base as *mut u8).add(half * size).cast();
                let p = libc::mmap(
                    want,
                    size,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_FIXED | libc::MAP_SHARED,
                    fd,
                    0,
                );
                if p != want {
                    let e = io::Error::last_os_error();
                    libc::munmap(base, size * 2);
                    return Err(e);
                }
            }
            let region = Region::register(base as usize, size * 2);
            Ok(DataMap {
                ptr: base.cast(),
                size,
                region,
            })
        }
    }

    /// The SIGBUS registration of this mapping.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// Word `i` (`i < 2 * size / 4`).
    pub fn word(&self, i: usize) -> &AtomicU32 {
        assert!(i * 4 + 4 <= self.size * 2, "ring word {i} out of bounds");
        // SAFETY: in bounds of the double mapping (asserted), 4-aligned.
        unsafe { &*(self.ptr.add(i * 4) as *const AtomicU32) }
    }

    /// Copy `data` to byte offset `off`; `off + len` may run into the second copy.
    pub fn copy_in(&self, off: usize, data: &[u8]) {
        assert!(
            off + data.len() <= self.size * 2,
            "ring write out of bounds"
        );
        // SAFETY: bounds asserted; raw copy.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(off), data.len()) }
    }

    /// Copy `out.len()` bytes from byte offset `off`.
    pub fn copy_out(&self, off: usize, out: &mut [u8]) {
        assert!(off + out.len() <= self.size * 2, "ring read out of bounds");
        // SAFETY: bounds asserted; raw copy.
        unsafe { ptr::copy_nonoverlapping(self.ptr.add(off), out.as_mut_ptr(), out.len()) }
    }
}

impl Drop for DataMap {
    fn drop(&mut self) {
        self.region.unregister();
        // SAFETY: unmapping the whole double mapping made by map().
        unsafe {
            libc::munmap(self.ptr.cast(), self.size * 2);
        }
    }
}

// ---------------------------------------------------------------------------
// Semaphores

/// A glibc `sem_t` inside a shared mapping, operated with libc's `sem_*`.
pub struct Sem<'a> {
    ptr: *mut libc::sem_t,
    _map: std::marker::PhantomData<&'a HeaderMap>,
}

/// Outcome of waiting on a semaphore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Decremented: a message is ready.
    Ready,
    /// Nothing before the deadline (or nothing at all for a try).
    TimedOut,
}

impl Sem<'_> {
    /// `sem_init(sem, pshared = 1, 0)`.
    pub fn init(&self) -> io::Result<()> {
        // SAFETY: ptr points at 32 writable, aligned bytes in the mapping.
        if unsafe { libc::sem_init(self.ptr, 1, 0) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `sem_post`.
    pub fn post(&self) -> io::Result<()> {
        // SAFETY: as above; glibc's sem_post only touches the sem_t words.
        if unsafe { libc::sem_post(self.ptr) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `sem_getvalue`.
    pub fn value(&self) -> io::Result<i32> {
        let mut v: libc::c_int = 0;
        // SAFETY: as above.
        if unsafe { libc::sem_getvalue(self.ptr, &mut v) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(v)
    }

    /// `sem_trywait`.
    pub fn try_wait(&self) -> io::Result<Wait> {
        loop {
            // SAFETY: as above.
            if unsafe { libc::sem_trywait(self.ptr) } == 0 {
                return Ok(Wait::Ready);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) => return Ok(Wait::TimedOut),
                _ => return Err(e),
            }
        }
    }

    /// `sem_timedwait` until `timeout` from now (CLOCK_REALTIME, as libqb).
    pub fn wait(&self, timeout: Duration) -> io::Result<Wait> {
        if timeout.is_zero() {
            return self.try_wait();
        }
        let deadline = SystemTime::now() + timeout;
        let since = deadline.duration_since(UNIX_EPOCH).unwrap_or_default();
        let ts = libc::timespec {
            tv_sec: since.as_secs() as libc::time_t,
            tv_nsec: since.subsec_nanos() as libc::c_long,
        };
        loop {
            // SAFETY: as above; ts is a valid timespec.
            if unsafe { libc::sem_timedwait(self.ptr, &ts) } == 0 {
                return Ok(Wait::Ready);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ETIMEDOUT) | Some(libc::EAGAIN) => return Ok(Wait::TimedOut),
                _ => return Err(e),
            }
        }
    }
}

#[cfg(feature = "tokio")]
/// `mkdtemp(template)`: create a fresh directory (mode 0700) whose name ends
/// the template's trailing `XXXXXX` with random characters.
pub fn mkdtemp(template: &str) -> io::Result<std::path::PathBuf> {
    let mut buf = std::ffi::CString::new(template)
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?
        .into_bytes_with_nul();
    // SAFETY: buf is a writable NUL-terminated buffer that mkdtemp edits in place.
    let p = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(io::Error::last_os_error());
    }
    buf.pop();
    let s = String::from_utf8(buf).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(std::path::PathBuf::from(s))
}
