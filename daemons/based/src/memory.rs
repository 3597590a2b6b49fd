//! Giving freed memory back to the system (glibc's allocator keeps it
//! otherwise). With a large CIB every change and query builds and frees
//! copies of it several megabytes in size; without these calls the
//! daemon's resident size stays at its peak.
#![allow(unsafe_code)]

/// Serve every allocation of 1 MiB or more with its own mapping, returned
/// to the system when freed. glibc raises this threshold on its own after
/// the first large free, after which large buffers (a serialized CIB)
/// land in the heap and stay resident; a fixed value stops that.
pub fn init() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator tuning parameters; it
        // takes no pointers and is safe to call at any time.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

/// Return free pages of every allocator arena to the system
/// (`malloc_trim(0)`), e.g. after a CIB write freed its copies.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes no pointers and only releases memory
        // the allocator already considers free; it is thread-safe.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}
