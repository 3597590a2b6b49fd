//! Going to the background (corosync_tty_detach): fork, setsid, and
//! stdin/stdout/stderr to /dev/null.
#![allow(unsafe_code)]

use std::os::fd::AsRawFd;

/// Detach from the terminal. Must be called before any thread is started.
/// Returns false when the fork failed.
pub fn detach() -> bool {
    // SAFETY: called from main before the tokio runtime or any other thread
    // exists, so the child is a faithful single-threaded copy.
    match unsafe { nix::unistd::fork() } {
        Err(_) => return false,
        Ok(nix::unistd::ForkResult::Parent { .. }) => std::process::exit(0),
        Ok(nix::unistd::ForkResult::Child) => {}
    }
    let _ = nix::unistd::setsid();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
        }
    }
    true
}
