//! A read-only, pre-faulted memory map of a file (`mmap(MAP_POPULATE)`),
//! so large inputs are hashed straight from the page cache without being
//! copied into freshly faulted heap pages. The only unsafe code of
//! cibadmin.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

/// A mapped file; unmapped on drop.
pub struct Mapped {
    ptr: *mut libc::c_void,
    len: usize,
}

impl Mapped {
    /// Map `path`; `None` for empty or unmappable files.
    pub fn open(path: &Path) -> Option<Mapped> {
        let file = File::open(path).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len == 0 {
            return None;
        }
        // SAFETY: a fresh private read-only mapping of an open file
        // descriptor; the kernel validates every argument, failure is
        // reported as MAP_FAILED. The descriptor may be closed afterwards.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_POPULATE,
                file.as_raw_fd(),
                0,
            )
        };
        (ptr != libc::MAP_FAILED).then_some(Mapped { ptr, len })
    }

    /// The file's bytes. A file truncated by someone else while mapped
    /// would raise SIGBUS, as for the reference reading it.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: ptr maps len readable bytes for as long as self lives.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mapped in `open`, once.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}
