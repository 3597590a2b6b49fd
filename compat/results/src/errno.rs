//! Linux errno numbers as Pacemaker names them, and glibc's `strerror()` texts.
//!
//! Pacemaker's standard return codes use positive values for system errno
//! numbers, so `crm_error` prints errno names (`pcmk_rc_name()`) and the C
//! library's descriptions (`strerror()`). This table holds both for Linux on
//! the architectures Debian ships (asm-generic numbering) and glibc 2.36's
//! English texts; it is checked against the installed reference by
//! `tests/tests/crm_error.rs`.

use std::borrow::Cow;

/// One errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno {
    /// The number (positive).
    pub code: i32,
    /// Its symbolic name. Where Pacemaker knows the number this is the name
    /// `pcmk_rc_name()` returns (so 35 is `EDEADLOCK`, 95 `EOPNOTSUPP`).
    pub name: &'static str,
    /// Whether `pcmk_rc_name()` knows this number (otherwise it says `Unknown`).
    pub pcmk_named: bool,
    /// glibc's `strerror()` text.
    pub text: &'static str,
}

/// Every errno number Linux defines, in increasing order (41 and 58 are unused).
pub static ERRNOS: &[Errno] = &[
    Errno {
        code: 1,
        name: "EPERM",
        pcmk_named: true,
        text: "Operation not permitted",
    },
    Errno {
        code: 2,
        name: "ENOENT",
        pcmk_named: true,
        text: "No such file or directory",
    },
    Errno {
        code: 3,
        name: "ESRCH",
        pcmk_named: true,
        text: "No such process",
    },
    Errno {
        code: 4,
        name: "EINTR",
        pcmk_named: true,
        text: "Interrupted system call",
    },
    Errno {
        code: 5,
        name: "EIO",
        pcmk_named: true,
        text: "Input/output error",
    },
    Errno {
        code: 6,
        name: "ENXIO",
        pcmk_named: true,
        text: "No such device or address",
    },
    Errno {
        code: 7,
        name: "E2BIG",
        pcmk_named: true,
        text: "Argument list too long",
    },
    Errno {
        code: 8,
        name: "ENOEXEC",
        pcmk_named: true,
        text: "Exec format error",
    },
    Errno {
        code: 9,
        name: "EBADF",
        pcmk_named: true,
        text: "Bad file descriptor",
    },
    Errno {
        code: 10,
        name: "ECHILD",
        pcmk_named: true,
        text: "No child processes",
    },
    Errno {
        code: 11,
        name: "EAGAIN",
        pcmk_named: true,
        text: "Resource temporarily unavailable",
    },
    Errno {
        code: 12,
        name: "ENOMEM",
        pcmk_named: true,
        text: "Cannot allocate memory",
    },
    Errno {
        code: 13,
        name: "EACCES",
        pcmk_named: true,
        text: "Permission denied",
    },
    Errno {
        code: 14,
        name: "EFAULT",
        pcmk_named: true,
        text: "Bad address",
    },
    Errno {
        code: 15,
        name: "ENOTBLK",
        pcmk_named: true,
        text: "Block device required",
    },
    Errno {
        code: 16,
        name: "EBUSY",
        pcmk_named: true,
        text: "Device or resource busy",
    },
    Errno {
        code: 17,
        name: "EEXIST",
        pcmk_named: true,
        text: "File exists",
    },
    Errno {
        code: 18,
        name: "EXDEV",
        pcmk_named: true,
        text: "Invalid cross-device link",
    },
    Errno {
        code: 19,
        name: "ENODEV",
        pcmk_named: true,
        text: "No such device",
    },
    Errno {
        code: 20,
        name: "ENOTDIR",
        pcmk_named: true,
        text: "Not a directory",
    },
    Errno {
        code: 21,
        name: "EISDIR",
        pcmk_named: true,
        text: "Is a directory",
    },
    Errno {
        code: 22,
        name: "EINVAL",
        pcmk_named: true,
        text: "Invalid argument",
    },
    Errno {
        code: 23,
        name: "ENFILE",
        pcmk_named: true,
        text: "Too many open files in system",
    },
    Errno {
        code: 24,
        name: "EMFILE",
        pcmk_named: true,
        text: "Too many open files",
    },
    Errno {
        code: 25,
        name: "ENOTTY",
        pcmk_named: true,
        text: "Inappropriate ioctl for device",
    },
    Errno {
        code: 26,
        name: "ETXTBSY",
        pcmk_named: true,
        text: "Text file busy",
    },
    Errno {
        code: 27,
        name: "EFBIG",
        pcmk_named: true,
        text: "File too large",
    },
    Errno {
        code: 28,
        name: "ENOSPC",
        pcmk_named: true,
        text: "No space left on device",
    },
    Errno {
        code: 29,
        name: "ESPIPE",
        pcmk_named: true,
        text: "Illegal seek",
    },
    Errno {
        code: 30,
        name: "EROFS",
        pcmk_named: true,
        text: "Read-only file system",
    },
    Errno {
        code: 31,
        name: "EMLINK",
        pcmk_named: true,
        text: "Too many links",
    },
    Errno {
        code: 32,
        name: "EPIPE",
        pcmk_named: true,
        text: "Broken pipe",
    },
    Errno {
        code: 33,
        name: "EDOM",
        pcmk_named: true,
        text: "Numerical argument out of domain",
    },
    Errno {
        code: 34,
        name: "ERANGE",
        pcmk_named: true,
        text: "Numerical result out of range",
    },
    Errno {
        code: 35,
        name: "EDEADLOCK",
        pcmk_named: true,
        text: "Resource deadlock avoided",
    },
    Errno {
        code: 36,
        name: "ENAMETOOLONG",
        pcmk_named: true,
        text: "File name too long",
    },
    Errno {
        code: 37,
        name: "ENOLCK",
        pcmk_named: true,
        text: "No locks available",
    },
    Errno {
        code: 38,
        name: "ENOSYS",
        pcmk_named: true,
        text: "Function not implemented",
    },
    Errno {
        code: 39,
        name: "ENOTEMPTY",
        pcmk_named: true,
        text: "Directory not empty",
    },
    Errno {
        code: 40,
        name: "ELOOP",
        pcmk_named: true,
        text: "Too many levels of symbolic links",
    },
    Errno {
        code: 42,
        name: "ENOMSG",
        pcmk_named: true,
        text: "No message of desired type",
    },
    Errno {
        code: 43,
        name: "EIDRM",
        pcmk_named: true,
        text: "Identifier removed",
    },
    Errno {
        code: 44,
        name: "ECHRNG",
        pcmk_named: true,
        text: "Channel number out of range",
    },
    Errno {
        code: 45,
        name: "EL2NSYNC",
        pcmk_named: true,
        text: "Level 2 not synchronized",
    },
    Errno {
        code: 46,
        name: "EL3HLT",
        pcmk_named: true,
        text: "Level 3 halted",
    },
    Errno {
        code: 47,
        name: "EL3RST",
        pcmk_named: true,
        text: "Level 3 reset",
    },
    Errno {
        code: 48,
        name: "ELNRNG",
        pcmk_named: false,
        text: "Link number out of range",
    },
    Errno {
        code: 49,
        name: "EUNATCH",
        pcmk_named: true,
        text: "Protocol driver not attached",
    },
    Errno {
        code: 50,
        name: "ENOCSI",
        pcmk_named: false,
        text: "No CSI structure available",
    },
    Errno {
        code: 51,
        name: "EL2HLT",
        pcmk_named: true,
        text: "Level 2 halted",
    },
    Errno {
        code: 52,
        name: "EBADE",
        pcmk_named: true,
        text: "Invalid exchange",
    },
    Errno {
        code: 53,
        name: "EBADR",
        pcmk_named: true,
        text: "Invalid request descriptor",
    },
    Errno {
        code: 54,
        name: "EXFULL",
        pcmk_named: true,
        text: "Exchange full",
    },
    Errno {
        code: 55,
        name: "ENOANO",
        pcmk_named: false,
        text: "No anode",
    },
    Errno {
        code: 56,
        name: "EBADRQC",
        pcmk_named: true,
        text: "Invalid request code",
    },
    Errno {
        code: 57,
        name: "EBADSLT",
        pcmk_named: true,
        text: "Invalid slot",
    },
    Errno {
        code: 59,
        name: "EBFONT",
        pcmk_named: false,
        text: "Bad font file format",
    },
    Errno {
        code: 60,
        name: "ENOSTR",
        pcmk_named: true,
        text: "Device not a stream",
    },
    Errno {
        code: 61,
        name: "ENODATA",
        pcmk_named: true,
        text: "No data available",
    },
    Errno {
        code: 62,
        name: "ETIME",
        pcmk_named: true,
        text: "Timer expired",
    },
    Errno {
        code: 63,
        name: "ENOSR",
        pcmk_named: true,
        text: "Out of streams resources",
    },
    Errno {
        code: 64,
        name: "ENONET",
        pcmk_named: true,
        text: "Machine is not on the network",
    },
    Errno {
        code: 65,
        name: "ENOPKG",
        pcmk_named: true,
        text: "Package not installed",
    },
    Errno {
        code: 66,
        name: "EREMOTE",
        pcmk_named: true,
        text: "Object is remote",
    },
    Errno {
        code: 67,
        name: "ENOLINK",
        pcmk_named: true,
        text: "Link has been severed",
    },
    Errno {
        code: 68,
        name: "EADV",
        pcmk_named: false,
        text: "Advertise error",
    },
    Errno {
        code: 69,
        name: "ESRMNT",
        pcmk_named: false,
        text: "Srmount error",
    },
    Errno {
        code: 70,
        name: "ECOMM",
        pcmk_named: true,
        text: "Communication error on send",
    },
    Errno {
        code: 71,
        name: "EPROTO",
        pcmk_named: true,
        text: "Protocol error",
    },
    Errno {
        code: 72,
        name: "EMULTIHOP",
        pcmk_named: true,
        text: "Multihop attempted",
    },
    Errno {
        code: 73,
        name: "EDOTDOT",
        pcmk_named: false,
        text: "RFS specific error",
    },
    Errno {
        code: 74,
        name: "EBADMSG",
        pcmk_named: true,
        text: "Bad message",
    },
    Errno {
        code: 75,
        name: "EOVERFLOW",
        pcmk_named: true,
        text: "Value too large for defined data type",
    },
    Errno {
        code: 76,
        name: "ENOTUNIQ",
        pcmk_named: true,
        text: "Name not unique on network",
    },
    Errno {
        code: 77,
        name: "EBADFD",
        pcmk_named: true,
        text: "File descriptor in bad state",
    },
    Errno {
        code: 78,
        name: "EREMCHG",
        pcmk_named: true,
        text: "Remote address changed",
    },
    Errno {
        code: 79,
        name: "ELIBACC",
        pcmk_named: true,
        text: "Can not access a needed shared library",
    },
    Errno {
        code: 80,
        name: "ELIBBAD",
        pcmk_named: true,
        text: "Accessing a corrupted shared library",
    },
    Errno {
        code: 81,
        name: "ELIBSCN",
        pcmk_named: true,
        text: ".lib section in a.out corrupted",
    },
    Errno {
        code: 82,
        name: "ELIBMAX",
        pcmk_named: true,
        text: "Attempting to link in too many shared libraries",
    },
    Errno {
        code: 83,
        name: "ELIBEXEC",
        pcmk_named: true,
        text: "Cannot exec a shared library directly",
    },
    Errno {
        code: 84,
        name: "EILSEQ",
        pcmk_named: true,
        text: "Invalid or incomplete multibyte or wide character",
    },
    Errno {
        code: 85,
        name: "ERESTART",
        pcmk_named: true,
        text: "Interrupted system call should be restarted",
    },
    Errno {
        code: 86,
        name: "ESTRPIPE",
        pcmk_named: true,
        text: "Streams pipe error",
    },
    Errno {
        code: 87,
        name: "EUSERS",
        pcmk_named: true,
        text: "Too many users",
    },
    Errno {
        code: 88,
        name: "ENOTSOCK",
        pcmk_named: true,
        text: "Socket operation on non-socket",
    },
    Errno {
        code: 89,
        name: "EDESTADDRREQ",
        pcmk_named: true,
        text: "Destination address required",
    },
    Errno {
        code: 90,
        name: "EMSGSIZE",
        pcmk_named: true,
        text: "Message too long",
    },
    Errno {
        code: 91,
        name: "EPROTOTYPE",
        pcmk_named: true,
        text: "Protocol wrong type for socket",
    },
    Errno {
        code: 92,
        name: "ENOPROTOOPT",
        pcmk_named: true,
        text: "Protocol not available",
    },
    Errno {
        code: 93,
        name: "EPROTONOSUPPORT",
        pcmk_named: true,
        text: "Protocol not supported",
    },
    Errno {
        code: 94,
        name: "ESOCKTNOSUPPORT",
        pcmk_named: true,
        text: "Socket type not supported",
    },
    Errno {
        code: 95,
        name: "EOPNOTSUPP",
        pcmk_named: true,
        text: "Operation not supported",
    },
    Errno {
        code: 96,
        name: "EPFNOSUPPORT",
        pcmk_named: true,
        text: "Protocol family not supported",
    },
    Errno {
        code: 97,
        name: "EAFNOSUPPORT",
        pcmk_named: true,
        text: "Address family not supported by protocol",
    },
    Errno {
        code: 98,
        name: "EADDRINUSE",
        pcmk_named: true,
        text: "Address already in use",
    },
    Errno {
        code: 99,
        name: "EADDRNOTAVAIL",
        pcmk_named: true,
        text: "Cannot assign requested address",
    },
    Errno {
        code: 100,
        name: "ENETDOWN",
        pcmk_named: true,
        text: "Network is down",
    },
    Errno {
        code: 101,
        name: "ENETUNREACH",
        pcmk_named: true,
        text: "Network is unreachable",
    },
    Errno {
        code: 102,
        name: "ENETRESET",
        pcmk_named: true,
        text: "Network dropped connection on reset",
    },
    Errno {
        code: 103,
        name: "ECONNABORTED",
        pcmk_named: true,
        text: "Software caused connection abort",
    },
    Errno {
        code: 104,
        name: "ECONNRESET",
        pcmk_named: true,
        text: "Connection reset by peer",
    },
    Errno {
        code: 105,
        name: "ENOBUFS",
        pcmk_named: true,
        text: "No buffer space available",
    },
    Errno {
        code: 106,
        name: "EISCONN",
        pcmk_named: true,
        text: "Transport endpoint is already connected",
    },
    Errno {
        code: 107,
        name: "ENOTCONN",
        pcmk_named: true,
        text: "Transport endpoint is not connected",
    },
    Errno {
        code: 108,
        name: "ESHUTDOWN",
        pcmk_named: true,
        text: "Cannot send after transport endpoint shutdown",
    },
    Errno {
        code: 109,
        name: "ETOOMANYREFS",
        pcmk_named: false,
        text: "Too many references: cannot splice",
    },
    Errno {
        code: 110,
        name: "ETIMEDOUT",
        pcmk_named: true,
        text: "Connection timed out",
    },
    Errno {
        code: 111,
        name: "ECONNREFUSED",
        pcmk_named: true,
        text: "Connection refused",
    },
    Errno {
        code: 112,
        name: "EHOSTDOWN",
        pcmk_named: true,
        text: "Host is down",
    },
    Errno {
        code: 113,
        name: "EHOSTUNREACH",
        pcmk_named: true,
        text: "No route to host",
    },
    Errno {
        code: 114,
        name: "EALREADY",
        pcmk_named: true,
        text: "Operation already in progress",
    },
    Errno {
        code: 115,
        name: "EINPROGRESS",
        pcmk_named: true,
        text: "Operation now in progress",
    },
    Errno {
        code: 116,
        name: "ESTALE",
        pcmk_named: true,
        text: "Stale file handle",
    },
    Errno {
        code: 117,
        name: "EUCLEAN",
        pcmk_named: true,
        text: "Structure needs cleaning",
    },
    Errno {
        code: 118,
        name: "ENOTNAM",
        pcmk_named: false,
        text: "Not a XENIX named type file",
    },
    Errno {
        code: 119,
        name: "ENAVAIL",
        pcmk_named: false,
        text: "No XENIX semaphores available",
    },
    Errno {
        code: 120,
        name: "EISNAM",
        pcmk_named: true,
        text: "Is a named type file",
    },
    Errno {
        code: 121,
        name: "EREMOTEIO",
        pcmk_named: true,
        text: "Remote I/O error",
    },
    Errno {
        code: 122,
        name: "EDQUOT",
        pcmk_named: true,
        text: "Disk quota exceeded",
    },
    Errno {
        code: 123,
        name: "ENOMEDIUM",
        pcmk_named: true,
        text: "No medium found",
    },
    Errno {
        code: 124,
        name: "EMEDIUMTYPE",
        pcmk_named: true,
        text: "Wrong medium type",
    },
    Errno {
        code: 125,
        name: "ECANCELED",
        pcmk_named: true,
        text: "Operation canceled",
    },
    Errno {
        code: 126,
        name: "ENOKEY",
        pcmk_named: true,
        text: "Required key not available",
    },
    Errno {
        code: 127,
        name: "EKEYEXPIRED",
        pcmk_named: true,
        text: "Key has expired",
    },
    Errno {
        code: 128,
        name: "EKEYREVOKED",
        pcmk_named: true,
        text: "Key has been revoked",
    },
    Errno {
        code: 129,
        name: "EKEYREJECTED",
        pcmk_named: true,
        text: "Key was rejected by service",
    },
    Errno {
        code: 130,
        name: "EOWNERDEAD",
        pcmk_named: false,
        text: "Owner died",
    },
    Errno {
        code: 131,
        name: "ENOTRECOVERABLE",
        pcmk_named: false,
        text: "State not recoverable",
    },
    Errno {
        code: 132,
        name: "ERFKILL",
        pcmk_named: false,
        text: "Operation not possible due to RF-kill",
    },
    Errno {
        code: 133,
        name: "EHWPOISON",
        pcmk_named: false,
        text: "Memory page has hardware error",
    },
];

/// The table entry for `code`, if Linux defines that errno number.
pub fn lookup(code: i32) -> Option<&'static Errno> {
    ERRNOS
        .binary_search_by_key(&code, |e| e.code)
        .ok()
        .map(|i| &ERRNOS[i])
}

/// The name `pcmk_rc_name()` gives a positive errno value, if it knows one.
#[doc(alias = "pcmk_rc_name")]
pub fn pcmk_name(code: i32) -> Option<&'static str> {
    lookup(code).filter(|e| e.pcmk_named).map(|e| e.name)
}

/// glibc's `strerror()` text for any integer (`Success` for 0,
/// `Unknown error N` for numbers Linux does not define).
pub fn strerror(code: i32) -> Cow<'static, str> {
    if code == 0 {
        return Cow::Borrowed("Success");
    }
    match lookup(code) {
        Some(e) => Cow::Borrowed(e.text),
        None => Cow::Owned(format!("Unknown error {code}")),
    }
}

/// The errno value for an [`std::io::Error`], when it carries one.
pub fn from_io_error(err: &std::io::Error) -> Option<i32> {
    err.raw_os_error()
}

// Errno numbers (Linux, asm-generic).
#[allow(missing_docs)]
pub mod consts {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const ESRCH: i32 = 3;
    pub const EINTR: i32 = 4;
    pub const EIO: i32 = 5;
    pub const ENXIO: i32 = 6;
    pub const E2BIG: i32 = 7;
    pub const ENOEXEC: i32 = 8;
    pub const EBADF: i32 = 9;
    pub const ECHILD: i32 = 10;
    pub const EAGAIN: i32 = 11;
    /// Alias (same number).
    pub const EWOULDBLOCK: i32 = EAGAIN;
    pub const ENOMEM: i32 = 12;
    pub const EACCES: i32 = 13;
    pub const EFAULT: i32 = 14;
    pub const ENOTBLK: i32 = 15;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENODEV: i32 = 19;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const ENFILE: i32 = 23;
    pub const EMFILE: i32 = 24;
    pub const ENOTTY: i32 = 25;
    pub const ETXTBSY: i32 = 26;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const ESPIPE: i32 = 29;
    pub const EROFS: i32 = 30;
    pub const EMLINK: i32 = 31;
    pub const EPIPE: i32 = 32;
    pub const EDOM: i32 = 33;
    pub const ERANGE: i32 = 34;
    pub const EDEADLOCK: i32 = 35;
    /// Alias (same number).
    pub const EDEADLK: i32 = EDEADLOCK;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOLCK: i32 = 37;
    pub const ENOSYS: i32 = 38;
    pub const ENOTEMPTY: i32 = 39;
    pub const ELOOP: i32 = 40;
    pub const ENOMSG: i32 = 42;
    pub const EIDRM: i32 = 43;
    pub const ECHRNG: i32 = 44;
    pub const EL2NSYNC: i32 = 45;
    pub const EL3HLT: i32 = 46;
    pub const EL3RST: i32 = 47;
    pub const ELNRNG: i32 = 48;
    pub const EUNATCH: i32 = 49;
    pub const ENOCSI: i32 = 50;
    pub const EL2HLT: i32 = 51;
    pub const EBADE: i32 = 52;
    pub const EBADR: i32 = 53;
    pub const EXFULL: i32 = 54;
    pub const ENOANO: i32 = 55;
    pub const EBADRQC: i32 = 56;
    pub const EBADSLT: i32 = 57;
    pub const EBFONT: i32 = 59;
    pub const ENOSTR: i32 = 60;
    pub const ENODATA: i32 = 61;
    pub const ETIME: i32 = 62;
    pub const ENOSR: i32 = 63;
    pub const ENONET: i32 = 64;
    pub const ENOPKG: i32 = 65;
    pub const EREMOTE: i32 = 66;
    pub const ENOLINK: i32 = 67;
    pub const EADV: i32 = 68;
    pub const ESRMNT: i32 = 69;
    pub const ECOMM: i32 = 70;
    pub const EPROTO: i32 = 71;
    pub const EMULTIHOP: i32 = 72;
    pub const EDOTDOT: i32 = 73;
    pub const EBADMSG: i32 = 74;
    pub const EOVERFLOW: i32 = 75;
    pub const ENOTUNIQ: i32 = 76;
    pub const EBADFD: i32 = 77;
    pub const EREMCHG: i32 = 78;
    pub const ELIBACC: i32 = 79;
    pub const ELIBBAD: i32 = 80;
    pub const ELIBSCN: i32 = 81;
    pub const ELIBMAX: i32 = 82;
    pub const ELIBEXEC: i32 = 83;
    pub const EILSEQ: i32 = 84;
    pub const ERESTART: i32 = 85;
    pub const ESTRPIPE: i32 = 86;
    pub const EUSERS: i32 = 87;
    pub const ENOTSOCK: i32 = 88;
    pub const EDESTADDRREQ: i32 = 89;
    pub const EMSGSIZE: i32 = 90;
    pub const EPROTOTYPE: i32 = 91;
    pub const ENOPROTOOPT: i32 = 92;
    pub const EPROTONOSUPPORT: i32 = 93;
    pub const ESOCKTNOSUPPORT: i32 = 94;
    pub const EOPNOTSUPP: i32 = 95;
    /// Alias (same number).
    pub const ENOTSUP: i32 = EOPNOTSUPP;
    pub const EPFNOSUPPORT: i32 = 96;
    pub const EAFNOSUPPORT: i32 = 97;
    pub const EADDRINUSE: i32 = 98;
    pub const EADDRNOTAVAIL: i32 = 99;
    pub const ENETDOWN: i32 = 100;
    pub const ENETUNREACH: i32 = 101;
    pub const ENETRESET: i32 = 102;
    pub const ECONNABORTED: i32 = 103;
    pub const ECONNRESET: i32 = 104;
    pub const ENOBUFS: i32 = 105;
    pub const EISCONN: i32 = 106;
    pub const ENOTCONN: i32 = 107;
    pub const ESHUTDOWN: i32 = 108;
    pub const ETOOMANYREFS: i32 = 109;
    pub const ETIMEDOUT: i32 = 110;
    pub const ECONNREFUSED: i32 = 111;
    pub const EHOSTDOWN: i32 = 112;
    pub const EHOSTUNREACH: i32 = 113;
    pub const EALREADY: i32 = 114;
    pub const EINPROGRESS: i32 = 115;
    pub const ESTALE: i32 = 116;
    pub const EUCLEAN: i32 = 117;
    pub const ENOTNAM: i32 = 118;
    pub const ENAVAIL: i32 = 119;
    pub const EISNAM: i32 = 120;
    pub const EREMOTEIO: i32 = 121;
    pub const EDQUOT: i32 = 122;
    pub const ENOMEDIUM: i32 = 123;
    pub const EMEDIUMTYPE: i32 = 124;
    pub const ECANCELED: i32 = 125;
    pub const ENOKEY: i32 = 126;
    pub const EKEYEXPIRED: i32 = 127;
    pub const EKEYREVOKED: i32 = 128;
    pub const EKEYREJECTED: i32 = 129;
    pub const EOWNERDEAD: i32 = 130;
    pub const ENOTRECOVERABLE: i32 = 131;
    pub const ERFKILL: i32 = 132;
    pub const EHWPOISON: i32 = 133;
}
pub use consts::*;
