//! The only unsafe code of the crate: a minimal binding to libxml2's parser
//! and RelaxNG API, wrapped in owning types that free what they hold.
//!
//! What is bound (libxml2 2.9, `libxml-2.0`):
//! - `xmlInitParser`, `xmlReadMemory`, `xmlFreeDoc`
//! - `xmlRelaxNGNewParserCtxt`, `xmlRelaxNGSetParserStructuredErrors`,
//!   `xmlRelaxNGParse`, `xmlRelaxNGFreeParserCtxt`, `xmlRelaxNGFree`
//! - `xmlRelaxNGNewValidCtxt`, `xmlRelaxNGSetValidStructuredErrors`,
//!   `xmlRelaxNGValidateDoc`, `xmlRelaxNGFreeValidCtxt`
//! - `xmlSetStructuredErrorFunc` (the calling thread's catch-all handler: the
//!   IDREF checks that end a RelaxNG validation report through it)
//! - `xmlRegisterInputCallbacks`, so grammars embedded in the binary can be
//!   read through URLs of the form `atrium-schema:///<path>`.
//!
//! Every libxml2 diagnostic is captured as a [`RawMessage`] through
//! structured error handlers; nothing is printed by libxml2 itself.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr;
use std::sync::Once;

/// Opaque libxml2 types, only ever handled through pointers.
#[repr(C)]
struct XmlDoc {
    _opaque: [u8; 0],
}
#[repr(C)]
struct RngParserCtxt {
    _opaque: [u8; 0],
}
#[repr(C)]
struct Rng {
    _opaque: [u8; 0],
}
#[repr(C)]
struct RngValidCtxt {
    _opaque: [u8; 0],
}

/// The leading fields of libxml2's `struct _xmlNode` (identical for every
/// node type), enough to read the kind and name of the node an error names.
#[repr(C)]
struct XmlNodeHead {
    private: *mut c_void,
    kind: c_int,
    name: *const c_char,
}

/// `struct _xmlError` from `<libxml/xmlerror.h>`.
#[repr(C)]
struct XmlError {
    domain: c_int,
    code: c_int,
    message: *const c_char,
    level: c_int,
    file: *const c_char,
    line: c_int,
    str1: *const c_char,
    str2: *const c_char,
    str3: *const c_char,
    int1: c_int,
    int2: c_int,
    ctxt: *mut c_void,
    node: *mut c_void,
}

type StructuredErrorFunc = unsafe extern "C" fn(user: *mut c_void, error: *mut XmlError);
type InputMatch = unsafe extern "C" fn(filename: *const c_char) -> c_int;
type InputOpen = unsafe extern "C" fn(filename: *const c_char) -> *mut c_void;
type InputRead = unsafe extern "C" fn(ctx: *mut c_void, buf: *mut c_char, len: c_int) -> c_int;
type InputClose = unsafe extern "C" fn(ctx: *mut c_void) -> c_int;

pcmk_xml::libxml2_fns! {
    fn xmlInitParser();
    fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut XmlDoc;
    fn xmlFreeDoc(doc: *mut XmlDoc);
    fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: Option<StructuredErrorFunc>);

    fn xmlRelaxNGNewParserCtxt(url: *const c_char) -> *mut RngParserCtxt;
    fn xmlRelaxNGSetParserStructuredErrors(
        ctxt: *mut RngParserCtxt,
        handler: Option<StructuredErrorFunc>,
        ctx: *mut c_void,
    );
    fn xmlRelaxNGParse(ctxt: *mut RngParserCtxt) -> *mut Rng;
    fn xmlRelaxNGFreeParserCtxt(ctxt: *mut RngParserCtxt);
    fn xmlRelaxNGFree(schema: *mut Rng);
    fn xmlRelaxNGNewValidCtxt(schema: *mut Rng) -> *mut RngValidCtxt;
    fn xmlRelaxNGSetValidStructuredErrors(
        ctxt: *mut RngValidCtxt,
        handler: Option<StructuredErrorFunc>,
        ctx: *mut c_void,
    );
    fn xmlRelaxNGValidateDoc(ctxt: *mut RngValidCtxt, doc: *mut XmlDoc) -> c_int;
    fn xmlRelaxNGFreeValidCtxt(ctxt: *mut RngValidCtxt);

    fn xmlRegisterInputCallbacks(
        matcher: Option<InputMatch>,
        open: Option<InputOpen>,
        read: Option<InputRead>,
        close: Option<InputClose>,
    ) -> c_int;
}

/// `XML_PARSE_NOBLANKS`: drop whitespace-only text nodes, as Pacemaker does.
pub const PARSE_NOBLANKS: i32 = 1 << 8;
/// `XML_PARSE_NONET`: never fetch anything from the network.
pub const PARSE_NONET: i32 = 1 << 11;

/// `XML_ELEMENT_NODE`.
const ELEMENT_NODE: c_int = 1;

/// One diagnostic as libxml2 reported it (the fields of `xmlError` that
/// `xmlReportError` prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// `xmlErrorDomain` (e.g. 1 parser, 19 RelaxNG validity, 23 DTD-style validity).
    pub domain: i32,
    /// libxml2's error code.
    pub code: i32,
    /// `xmlErrorLevel`: 1 warning, 2 error, 3 fatal.
    pub level: i32,
    /// File (document URL) the error refers to.
    pub file: Option<String>,
    /// Line number, 0 when unknown.
    pub line: i32,
    /// Name of the element the error is about, when it is about an element.
    pub element: Option<String>,
    /// The message, without its trailing newline.
    pub text: String,
    /// Whether libxml2 attached a parser context (parse errors).
    pub from_parser_context: bool,
}

/// Where the structured handlers collect messages.
type Sink = Vec<RawMessage>;

unsafe fn opt_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: libxml2 hands us NUL-terminated strings that live for the
        // duration of the callback; the caller checked for NULL.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// Structured error handler: appends the error to the `Sink` given as user data.
unsafe extern "C" fn collect(user: *mut c_void, error: *mut XmlError) {
    if user.is_null() || error.is_null() {
        return;
    }
    // SAFETY: `user` is always the `&mut Sink` we registered for the duration
    // of the libxml2 call that reports into it (see `with_sink`), and
    // `error` points to a valid xmlError for the duration of this callback.
    let (sink, err) = unsafe { (&mut *(user as *mut Sink), &*error) };
    // SAFETY: a non-NULL `node` is a live xmlNode (or xmlAttr/xmlDoc, which
    // share the same leading fields) of the document being processed.
    let element = unsafe {
        let node = err.node as *const XmlNodeHead;
        if !node.is_null() && (*node).kind == ELEMENT_NODE {
            opt_string((*node).name)
        } else {
            None
        }
    };
    // SAFETY: the string fields are NULL or NUL-terminated, owned by `err`.
    let (file, message) = unsafe { (opt_string(err.file), opt_string(err.message)) };
    let mut text = message.unwrap_or_default();
    while text.ends_with('\n') {
        text.pop();
    }
    sink.push(RawMessage {
        domain: err.domain,
        code: err.code,
        level: err.level,
        file,
        line: err.line,
        element,
        text,
        from_parser_context: !err.ctxt.is_null(),
    });
}

/// Run `f` with this thread's catch-all structured error handler pointed at
/// `sink`, restoring the default (none) afterwards.
fn with_sink<R>(sink: &mut Sink, f: impl FnOnce(*mut c_void) -> R) -> R {
    let user = sink as *mut Sink as *mut c_void;
    // SAFETY: the handler and its context stay registered only while `sink`
    // is borrowed here; both are reset before returning. With a
    // thread-enabled libxml2 (Debian's), the handler is per thread.
    unsafe { xmlSetStructuredErrorFunc(user, Some(collect)) };
    let r = f(user);
    // SAFETY: resetting to no handler is always valid.
    unsafe { xmlSetStructuredErrorFunc(ptr::null_mut(), None) };
    r
}

/// Initialise libxml2 once (required before use from several threads) and
/// register the input callbacks serving embedded grammars.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: called once, before any other libxml2 use by this crate.
        unsafe {
            xmlInitParser();
            xmlRegisterInputCallbacks(
                Some(embedded_match),
                Some(embedded_open),
                Some(embedded_read),
                Some(embedded_close),
            );
        }
    });
}

/// A parsed XML document (`xmlDocPtr`), freed on drop.
///
/// Validation registers ID and IDREF attributes in the document, and that
/// state persists, exactly as in Pacemaker, which validates one document
/// against several schemas in turn when upgrading.
pub struct Doc {
    doc: *mut XmlDoc,
}

impl Doc {
    /// Parse `text` with libxml2 options `options`; `url` names the document
    /// in messages. Returns the messages libxml2 reported either way.
    pub fn parse(text: &str, url: Option<&str>, options: i32) -> (Option<Doc>, Vec<RawMessage>) {
        init();
        let mut sink = Sink::new();
        let Ok(size) = c_int::try_from(text.len()) else {
            sink.push(RawMessage {
                domain: 1,
                code: 1,
                level: 3,
                file: url.map(str::to_owned),
                line: 0,
                element: None,
                text: "document larger than 2 GiB".into(),
                from_parser_context: false,
            });
            return (None, sink);
        };
        let url_c = url.and_then(|u| CString::new(u).ok());
        let url_p = url_c.as_ref().map_or(ptr::null(), |u| u.as_ptr());
        let doc = with_sink(&mut sink, |_| {
            // SAFETY: `text` is valid for `size` bytes; `url_p` is NULL or a
            // NUL-terminated string alive for the call; the encoding is
            // auto-detected (NULL).
            unsafe {
                xmlReadMemory(
                    text.as_ptr() as *const c_char,
                    size,
                    url_p,
                    ptr::null(),
                    options,
                )
            }
        });
        let doc = (!doc.is_null()).then_some(Doc { doc });
        (doc, sink)
    }
}

impl Drop for Doc {
    fn drop(&mut self) {
        // SAFETY: `doc` came from xmlReadMemory and is freed exactly once.
        unsafe { xmlFreeDoc(self.doc) };
    }
}

/// A compiled RelaxNG grammar (`xmlRelaxNGPtr`), freed on drop.
pub struct Grammar {
    rng: *mut Rng,
}

// SAFETY: a compiled grammar is plain heap data owned by this value; it is
// moved between threads (through the crate's grammar pool) but never used by
// two threads at once, since validation takes `&mut self`.
unsafe impl Send for Grammar {}

impl Grammar {
    /// Load and compile the grammar at `url` (a file path, or an
    /// `atrium-schema:///` URL for an embedded grammar).
    pub fn load(url: &str) -> Result<Grammar, Vec<RawMessage>> {
        init();
        let mut sink = Sink::new();
        let Ok(url_c) = CString::new(url) else {
            return Err(vec![RawMessage {
                domain: 18,
                code: 1,
                level: 3,
                file: None,
                line: 0,
                element: None,
                text: format!("invalid grammar location {url:?}"),
                from_parser_context: false,
            }]);
        };
        let rng = with_sink(&mut sink, |user| {
            // SAFETY: `url_c` outlives the parser context, which is freed
            // before returning; the handler's context is the live `sink`.
            unsafe {
                let pctxt = xmlRelaxNGNewParserCtxt(url_c.as_ptr());
                if pctxt.is_null() {
                    return ptr::null_mut();
                }
                xmlRelaxNGSetParserStructuredErrors(pctxt, Some(collect), user);
                let rng = xmlRelaxNGParse(pctxt);
                xmlRelaxNGFreeParserCtxt(pctxt);
                rng
            }
        });
        if rng.is_null() {
            Err(sink)
        } else {
            Ok(Grammar { rng })
        }
    }

    /// Validate `doc`; returns whether it is valid and every message.
    pub fn validate(&mut self, doc: &mut Doc) -> (bool, Vec<RawMessage>) {
        let mut sink = Sink::new();
        let rc = with_sink(&mut sink, |user| {
            // SAFETY: `self.rng` and `doc.doc` are live; the validation
            // context is created and freed here; the handler's context is
            // the live `sink`.
            unsafe {
                let vctxt = xmlRelaxNGNewValidCtxt(self.rng);
                if vctxt.is_null() {
                    return -1;
                }
                xmlRelaxNGSetValidStructuredErrors(vctxt, Some(collect), user);
                let rc = xmlRelaxNGValidateDoc(vctxt, doc.doc);
                xmlRelaxNGFreeValidCtxt(vctxt);
                rc
            }
        });
        (rc == 0, sink)
    }
}

impl Drop for Grammar {
    fn drop(&mut self) {
        // SAFETY: `rng` came from xmlRelaxNGParse and is freed exactly once.
        unsafe { xmlRelaxNGFree(self.rng) };
    }
}

// ---- embedded grammars served to libxml2 through input callbacks ----

/// URL prefix under which [`crate::embedded`] files are served.
pub const EMBEDDED_PREFIX: &str = "atrium-schema:///";

/// An open embedded file: the remaining bytes.
struct Cursor {
    rest: &'static [u8],
}

fn embedded_path(filename: *const c_char) -> Option<&'static str> {
    if filename.is_null() {
        return None;
    }
    // SAFETY: libxml2 passes a NUL-terminated file name.
    let name = unsafe { CStr::from_ptr(filename) }.to_str().ok()?;
    let rest = name.strip_prefix("atrium-schema:")?;
    crate::embedded::file(rest.trim_start_matches('/')).map(|(path, _)| path)
}

unsafe extern "C" fn embedded_match(filename: *const c_char) -> c_int {
    c_int::from(embedded_path(filename).is_some())
}

unsafe extern "C" fn embedded_open(filename: *const c_char) -> *mut c_void {
    match embedded_path(filename).and_then(crate::embedded::file) {
        Some((_, text)) => Box::into_raw(Box::new(Cursor {
            rest: text.as_bytes(),
        })) as *mut c_void,
        None => ptr::null_mut(),
    }
}

unsafe extern "C" fn embedded_read(ctx: *mut c_void, buf: *mut c_char, len: c_int) -> c_int {
    if ctx.is_null() || buf.is_null() || len < 0 {
        return -1;
    }
    // SAFETY: `ctx` is a Cursor created by `embedded_open` and not yet
    // closed; `buf` has room for `len` bytes.
    let cursor = unsafe { &mut *(ctx as *mut Cursor) };
    let n = cursor.rest.len().min(len as usize);
    // SAFETY: source and destination are valid for `n` bytes and distinct.
    unsafe { ptr::copy_nonoverlapping(cursor.rest.as_ptr(), buf as *mut u8, n) };
    cursor.rest = &cursor.rest[n..];
    n as c_int
}

unsafe extern "C" fn embedded_close(ctx: *mut c_void) -> c_int {
    if !ctx.is_null() {
        // SAFETY: `ctx` came from Box::into_raw in `embedded_open` and libxml2
        // closes each input exactly once.
        drop(unsafe { Box::from_raw(ctx as *mut Cursor) });
    }
    0
}
