//! The setup socket: abstract AF_UNIX addresses padded to the full
//! `sockaddr_un` (addrlen 110, as libqb's `QB_SUN_LEN`), SO_PASSCRED and
//! SCM_CREDENTIALS, non-blocking send/recv of wake-up bytes, poll. One of
//! the two modules of this crate with `unsafe` (the other is `shm`).

#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Peer process credentials, as the kernel reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Process id (in our pid namespace).
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl Credentials {
    /// Our own process's credentials.
    pub fn current() -> Credentials {
        // SAFETY: getpid/geteuid/getegid cannot fail and touch no memory.
        unsafe {
            Credentials {
                pid: libc::getpid(),
                uid: libc::geteuid(),
                gid: libc::getegid(),
            }
        }
    }
}

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn cvt_size(rc: libc::ssize_t) -> io::Result<usize> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc as usize)
    }
}

/// `sun_path = "\0" + name`, NUL-padded, with the full structure length.
fn abstract_addr(name: &str) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain old data; all-zero is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = name.as_bytes();
    // libqb writes the name with snprintf(sun_path + 1, 107, ..): at most 106 bytes.
    if bytes.is_empty() || bytes.len() > addr.sun_path.len() - 2 || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid IPC service name {name:?}"),
        ));
    }
    for (dst, &b) in addr.sun_path[1..].iter_mut().zip(bytes) {
        *dst = b as libc::c_char;
    }
    Ok((addr, mem::size_of::<libc::sockaddr_un>() as libc::socklen_t))
}

fn new_socket(nonblock: bool) -> io::Result<OwnedFd> {
    let mut ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    if nonblock {
        ty |= libc::SOCK_NONBLOCK;
    }
    // SAFETY: plain system call; the result is a fresh descriptor we own.
    let fd = cvt(unsafe { libc::socket(libc::AF_UNIX, ty, 0) })?;
    // SAFETY: fd was just returned by socket() and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn set_int_opt(fd: RawFd, level: libc::c_int, opt: libc::c_int, v: libc::c_int) -> io::Result<()> {
    // SAFETY: the option value is a live c_int of the given length.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (&v as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

fn set_send_timeout(fd: RawFd, t: Duration) -> io::Result<()> {
    let tv = libc::timeval {
        tv_sec: t.as_secs() as libc::time_t,
        tv_usec: t.subsec_micros() as libc::suseconds_t,
    };
    // SAFETY: tv is a live timeval of the given length.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&tv as *const libc::timeval).cast(),
            mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

/// Enable or disable SO_PASSCRED.
pub fn set_passcred(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    set_int_opt(
        fd.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_PASSCRED,
        on as libc::c_int,
    )
}

/// Make a descriptor non-blocking.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: fcntl on a valid descriptor.
    let fl = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    // SAFETY: as above.
    cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK) })?;
    Ok(())
}

/// Connect to the abstract socket `name`. A full listen backlog is waited
/// for up to `timeout` (SO_SNDTIMEO applies to AF_UNIX connect). The
/// returned socket is non-blocking with SO_PASSCRED on.
pub fn connect(name: &str, timeout: Duration) -> io::Result<OwnedFd> {
    let (addr, len) = abstract_addr(name)?;
    let fd = new_socket(false)?;
    set_send_timeout(fd.as_raw_fd(), timeout)?;
    loop {
        // SAFETY: addr is a valid sockaddr_un of `len` bytes.
        let rc = unsafe {
            libc::connect(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_un).cast(),
                len,
            )
        };
        if rc == 0 {
            break;
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
    set_send_timeout(fd.as_raw_fd(), Duration::ZERO)?;
    set_passcred(fd.as_fd_ref(), true)?;
    set_nonblocking(fd.as_fd_ref())?;
    Ok(fd)
}

trait AsFdRef {
    fn as_fd_ref(&self) -> BorrowedFd<'_>;
}

impl AsFdRef for OwnedFd {
    fn as_fd_ref(&self) -> BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(self)
    }
}

#[cfg(feature = "tokio")]
/// Bind and listen on the abstract socket `name` (non-blocking, SO_PASSCRED,
/// backlog as given; libqb uses 128).
pub fn listen(name: &str, backlog: i32) -> io::Result<OwnedFd> {
    let (addr, len) = abstract_addr(name)?;
    let fd = new_socket(true)?;
    // SAFETY: addr is a valid sockaddr_un of `len` bytes.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            len,
        )
    })?;
    set_passcred(fd.as_fd_ref(), true)?;
    // SAFETY: listen on a bound socket.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) })?;
    Ok(fd)
}

#[cfg(feature = "tokio")]
/// Accept one connection, non-blocking and close-on-exec.
pub fn accept(listener: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    loop {
        // SAFETY: accept4 with null address pointers is allowed.
        let rc = unsafe {
            libc::accept4(
                listener.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            )
        };
        if rc >= 0 {
            // SAFETY: rc is a fresh descriptor we own.
            return Ok(unsafe { OwnedFd::from_raw_fd(rc) });
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// `recvmsg` into `buf`, returning the byte count and the SCM_CREDENTIALS
/// attached to this segment, if any. Never blocks on a non-blocking fd.
pub fn recv_with_creds(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
) -> io::Result<(usize, Option<Credentials>)> {
    // Room for one ucred control message, 8-aligned.
    let mut cbuf = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; zero is valid before we fill it.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE is a pure size computation.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(mem::size_of::<libc::ucred>() as u32) } as _;
    let n = loop {
        // SAFETY: msg points at live iovec and control buffers.
        match cvt_size(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_NOSIGNAL) }) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => break r?,
        }
    };
    let mut creds = None;
    // SAFETY: the CMSG_* macros walk the control buffer the kernel filled,
    // bounded by msg_controllen; ucred is read unaligned.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_CREDENTIALS {
                let u: libc::ucred = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                creds = Some(Credentials {
                    pid: u.pid,
                    uid: u.uid,
                    gid: u.gid,
                });
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok((n, creds))
}

/// SO_PEERCRED: the peer's credentials at connect time.
pub fn peer_credentials(fd: BorrowedFd<'_>) -> io::Result<Credentials> {
    // SAFETY: ucred is plain old data.
    let mut u: libc::ucred = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: u and len are live and sized for SO_PEERCRED.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut u as *mut libc::ucred).cast(),
            &mut len,
        )
    })?;
    Ok(Credentials {
        pid: u.pid,
        uid: u.uid,
        gid: u.gid,
    })
}

/// Non-blocking `send` with MSG_NOSIGNAL (a vanished peer gives EPIPE, not SIGPIPE).
pub fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    loop {
        // SAFETY: buf is a live slice.
        let rc = unsafe {
            libc::send(
                fd.as_raw_fd(),
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            )
        };
        match cvt_size(rc) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

/// Non-blocking `recv`; `Ok(0)` means the peer closed.
pub fn recv(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: buf is a live mutable slice.
        let rc = unsafe {
            libc::recv(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        match cvt_size(rc) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

/// `poll` one descriptor; returns revents (0 on timeout). `None` waits forever.
pub fn poll(fd: BorrowedFd<'_>, events: i16, timeout: Option<Duration>) -> io::Result<i16> {
    let ms = match timeout {
        None => -1,
        Some(t) => t.as_millis().min(i32::MAX as u128) as libc::c_int,
    };
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    };
    loop {
        // SAFETY: one live pollfd.
        match cvt(unsafe { libc::poll(&mut p, 1, ms) }) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(0) => return Ok(0),
            Ok(_) => return Ok(p.revents),
        }
    }
}

/// `shutdown(SHUT_RDWR)`: the peer sees POLLHUP / end of file at once.
pub fn shutdown(fd: BorrowedFd<'_>) {
    // SAFETY: shutdown on a valid descriptor; errors (ENOTCONN) are irrelevant.
    unsafe {
        libc::shutdown(fd.as_raw_fd(), libc::SHUT_RDWR);
    }
}

/// True when process `pid` no longer exists (`kill(pid, 0)` gives ESRCH).
pub fn process_gone(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Types whose `as_raw_fd()` names one descriptor that stays open, unchanged,
/// for the value's whole life (an `OwnedFd`, or an `Arc` of something owning
/// one that is never replaced). Crate-private: only such types implement it.
#[cfg(feature = "tokio")]
pub(crate) trait StableFd: AsRawFd {}

#[cfg(feature = "tokio")]
impl StableFd for OwnedFd {}

/// Register a descriptor with the tokio reactor (inside a runtime).
#[cfg(feature = "tokio")]
pub(crate) fn register<T: StableFd>(inner: T) -> io::Result<tokio::io::unix::AsyncFd<T>> {
    // SAFETY: StableFd guarantees the descriptor stays open and the same
    // for as long as the AsyncFd owns `inner`.
    unsafe { tokio::io::unix::AsyncFd::register(inner) }.map_err(|e| e.into_parts().1)
}
