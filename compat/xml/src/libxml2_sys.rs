//! libxml2, loaded when first needed instead of linked.
//!
//! Linking libxml2 makes every process that uses this crate pay for loading
//! it and what it pulls in (ICU, libstdc++, liblzma: thousands of
//! relocations, a few milliseconds) even when it never parses through
//! libxml2 — `cibadmin --md5-sum` never does. So the bindings of this crate
//! ([`crate::libxml2`], [`crate::xpath`]) and of pcmk-schema are declared
//! with [`libxml2_fns!`](crate::libxml2_fns): each function resolves its
//! symbol from `libxml2.so.2` (dlopen) on its first call.
//!
//! A process without libxml2 installed works until it needs it, then panics
//! with a message naming the library (libxml2 is a dependency of the
//! package, like it is of Pacemaker's).
#![allow(unsafe_code)]

use std::ffi::{c_void, CStr};
use std::sync::OnceLock;

/// The shared object the symbols come from (libxml2 2.9's soname).
const LIBRARY: &CStr = c"libxml2.so.2";

/// dlopen's handle of libxml2, as an address (handles are process-wide).
fn handle() -> usize {
    static HANDLE: OnceLock<usize> = OnceLock::new();
    *HANDLE.get_or_init(|| {
        // SAFETY: dlopen with a NUL-terminated name; libxml2's initialisers
        // have no preconditions. The handle is never closed.
        let h = unsafe { libc::dlopen(LIBRARY.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        if h.is_null() {
            panic!(
                "cannot load libxml2 ({}): {}",
                LIBRARY.to_string_lossy(),
                dl_error()
            );
        }
        h as usize
    })
}

/// The last dlopen/dlsym error, as text.
fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until
    // the next dl* call on this thread; it is copied at once.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: checked non-NULL above.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// The address of libxml2's `name` (a NUL-terminated symbol name).
///
/// Panics when libxml2 cannot be loaded or lacks the symbol: every symbol
/// asked for exists in every libxml2 2.9 and later.
#[doc(hidden)]
pub fn symbol(name: &str) -> usize {
    let c = CStr::from_bytes_with_nul(name.as_bytes()).expect("symbol names end with one NUL");
    // SAFETY: a valid handle from dlopen and a NUL-terminated name.
    let p: *mut c_void = unsafe { libc::dlsym(handle() as *mut c_void, c.as_ptr()) };
    if p.is_null() {
        panic!("libxml2 has no {}: {}", c.to_string_lossy(), dl_error());
    }
    p as usize
}

/// Declares libxml2 functions like an `extern "C"` block would, each an
/// `unsafe fn` of the same name and signature that resolves its symbol
/// from libxml2 on first use (see the module documentation).
///
/// ```ignore
/// pcmk_xml::libxml2_fns! {
///     fn xmlInitParser();
///     fn xmlFreeDoc(doc: *mut c_void);
/// }
/// ```
#[macro_export]
macro_rules! libxml2_fns {
    ($( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? ; )*) => {
        $(
            #[allow(non_snake_case)]
            unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
                type Signature = unsafe extern "C" fn($($ty),*) $(-> $ret)?;
                static ADDRESS: ::std::sync::OnceLock<usize> = ::std::sync::OnceLock::new();
                let address = *ADDRESS.get_or_init(|| {
                    $crate::libxml2_sys::symbol(concat!(stringify!($name), "\0"))
                });
                // SAFETY: `address` is libxml2's non-NULL `$name`, whose C
                // prototype this declaration mirrors.
                let f = unsafe { ::std::mem::transmute::<usize, Signature>(address) };
                // SAFETY: the caller upholds the C function's contract, as
                // for any extern function.
                unsafe { f($($arg),*) }
            }
        )*
    };
}
