//! Parsing through libxml2 itself, for input the fast parser declines.
//!
//! Pacemaker parses with `XML_PARSE_NOBLANKS | XML_PARSE_RECOVER`: libxml2
//! recovers from errors and may still return a (partial) tree, which the
//! reference then uses. Calling libxml2 here reproduces that exactly. The
//! parsed document is copied into our own tree and freed at once.
//!
//! This is the only module of the crate with `unsafe` code.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_ushort, c_void, CStr, CString};
use std::path::Path;
use std::sync::Once;

use crate::tree::{Attr, Element, Node};

const XML_PARSE_RECOVER: c_int = 1 << 0;
const XML_PARSE_NOBLANKS: c_int = 1 << 8;
/// Pacemaker's `PCMK__XML_PARSE_OPTS`.
const PCMK_PARSE_OPTIONS: c_int = XML_PARSE_NOBLANKS | XML_PARSE_RECOVER;

const XML_ELEMENT_NODE: c_int = 1;
const XML_TEXT_NODE: c_int = 3;
const XML_CDATA_SECTION_NODE: c_int = 4;
const XML_PI_NODE: c_int = 7;
const XML_COMMENT_NODE: c_int = 8;

/// The leading fields of libxml2's `struct _xmlNode` (tree.h), stable ABI.
#[repr(C)]
struct XmlNode {
    private: *mut c_void,
    kind: c_int,
    name: *const c_char,
    children: *mut XmlNode,
    last: *mut XmlNode,
    parent: *mut XmlNode,
    next: *mut XmlNode,
    prev: *mut XmlNode,
    doc: *mut c_void,
    ns: *mut c_void,
    content: *const c_char,
    properties: *mut XmlAttr,
    ns_def: *mut c_void,
    psvi: *mut c_void,
    line: c_ushort,
    extra: c_ushort,
}

/// The leading fields of libxml2's `struct _xmlAttr` (tree.h).
#[repr(C)]
struct XmlAttr {
    private: *mut c_void,
    kind: c_int,
    name: *const c_char,
    children: *mut XmlNode,
    last: *mut XmlNode,
    parent: *mut XmlNode,
    next: *mut XmlAttr,
}

/// libxml2's `struct _xmlError` (xmlerror.h).
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

type StructuredErrorFn = unsafe extern "C" fn(*mut c_void, *mut XmlError);

crate::libxml2_fns! {
    fn xmlInitParser();
    fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut c_void;
    fn xmlReadFile(filename: *const c_char, encoding: *const c_char, options: c_int)
        -> *mut c_void;
    fn xmlDocGetRootElement(doc: *const c_void) -> *mut XmlNode;
    fn xmlFreeDoc(doc: *mut c_void);
    fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: Option<StructuredErrorFn>);
}

/// One message libxml2 reported while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibxmlError {
    /// libxml2's `xmlParserErrors` code (e.g. 4 = document empty, 5 = extra content).
    pub code: i32,
    /// 1 warning, 2 error, 3 fatal.
    pub level: i32,
    pub line: i32,
    pub message: String,
}

/// What libxml2 made of the input: maybe a (recovered) tree, and its complaints.
#[derive(Debug, Clone, Default)]
pub struct LibxmlParsed {
    pub root: Option<Element>,
    pub errors: Vec<LibxmlError>,
}

unsafe extern "C" fn collect_error(ctx: *mut c_void, err: *mut XmlError) {
    if ctx.is_null() || err.is_null() {
        return;
    }
    // SAFETY: ctx is the Vec we registered for the duration of the parse
    // (see `with_error_collector`), err is a valid xmlError from libxml2.
    let (errors, err) = unsafe { (&mut *(ctx as *mut Vec<LibxmlError>), &*err) };
    let message = if err.message.is_null() {
        String::new()
    } else {
        // SAFETY: libxml2 gives a NUL-terminated message string.
        unsafe { CStr::from_ptr(err.message) }
            .to_string_lossy()
            .trim_end()
            .to_owned()
    };
    errors.push(LibxmlError {
        code: err.code,
        level: err.level,
        line: err.line,
        message,
    });
}

fn init() {
    static INIT: Once = Once::new();
    // SAFETY: xmlInitParser is safe to call; Once makes it happen once.
    INIT.call_once(|| unsafe { xmlInitParser() });
}

fn with_error_collector(parse: impl FnOnce() -> *mut c_void) -> LibxmlParsed {
    init();
    let mut errors: Vec<LibxmlError> = Vec::new();
    // SAFETY: the handler and its context are thread-local in libxml2; the
    // context pointer stays valid until we unregister it below.
    unsafe {
        xmlSetStructuredErrorFunc(
            &mut errors as *mut Vec<LibxmlError> as *mut c_void,
            Some(collect_error),
        );
    }
    let doc = parse();
    // SAFETY: unregister before `errors` can move or drop.
    unsafe { xmlSetStructuredErrorFunc(std::ptr::null_mut(), None) };
    let mut root = None;
    if !doc.is_null() {
        // SAFETY: doc is a live document returned by libxml2; we only read it
        // and free it exactly once.
        unsafe {
            let node = xmlDocGetRootElement(doc);
            if !node.is_null() {
                root = Some(convert_element(&*node));
            }
            xmlFreeDoc(doc);
        }
    }
    LibxmlParsed { root, errors }
}

/// Parse bytes held in memory (`xmlCtxtReadDoc`/`xmlReadMemory` path).
pub fn parse_memory(input: &[u8]) -> LibxmlParsed {
    let Ok(len) = c_int::try_from(input.len()) else {
        return LibxmlParsed {
            root: None,
            errors: vec![LibxmlError {
                code: 1,
                level: 3,
                line: 0,
                message: "input larger than 2 GiB".into(),
            }],
        };
    };
    with_error_collector(|| {
        // SAFETY: the buffer is valid for `len` bytes for the whole call.
        unsafe {
            xmlReadMemory(
                input.as_ptr() as *const c_char,
                len,
                c"noname.xml".as_ptr(),
                std::ptr::null(),
                PCMK_PARSE_OPTIONS,
            )
        }
    })
}

/// Parse a file by name (`xmlCtxtReadFile` path: libxml2 also reads
/// gzip-compressed files and detects encodings).
pub fn parse_file(path: &Path) -> LibxmlParsed {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return LibxmlParsed::default();
    };
    with_error_collector(|| {
        // SAFETY: c_path is a valid NUL-terminated string for the call.
        unsafe { xmlReadFile(c_path.as_ptr(), std::ptr::null(), PCMK_PARSE_OPTIONS) }
    })
}

/// # Safety
/// `p` is null or a NUL-terminated string owned by libxml2.
unsafe fn string(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: per the function contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// Copy one libxml2 element (recursively) into our tree. libxml2 caps the
/// depth at 256 without XML_PARSE_HUGE, which bounds the recursion.
///
/// # Safety
/// `node` is a live element node of a live document.
unsafe fn convert_element(node: &XmlNode) -> Element {
    // SAFETY (whole function): every pointer followed is either null or a
    // live node/attribute of the same document, per libxml2's tree invariants.
    unsafe {
        let mut e = Element::new(string(node.name));
        let mut attr = node.properties;
        while !attr.is_null() {
            let a = &*attr;
            let value = if a.children.is_null() {
                String::new()
            } else {
                string((*a.children).content)
            };
            e.attrs_mut().push(Attr {
                name: string(a.name),
                value,
            });
            attr = a.next;
        }
        let mut child = node.children;
        while !child.is_null() {
            let c = &*child;
            let converted = match c.kind {
                XML_ELEMENT_NODE => Some(Node::Element(convert_element(c))),
                XML_TEXT_NODE => Some(Node::Text(string(c.content))),
                XML_CDATA_SECTION_NODE => Some(Node::CData(string(c.content))),
                XML_COMMENT_NODE => Some(Node::Comment(string(c.content))),
                XML_PI_NODE => Some(Node::Pi {
                    target: string(c.name),
                    data: string(c.content),
                }),
                // Entity references and other node kinds: Pacemaker prints
                // nothing for them, but they make the parent non-empty.
                _ => Some(Node::Pi {
                    target: String::new(),
                    data: String::new(),
                }),
            };
            e.children.extend(converted);
            child = c.next;
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_truncated_input_like_pacemaker() {
        let parsed = parse_memory(b"<a x=\"1\"><b/><c");
        let root = parsed.root.expect("recover mode gives a partial tree");
        assert_eq!(root.name(), "a");
        assert!(!parsed.errors.is_empty());
    }

    #[test]
    fn garbage_gives_no_tree() {
        let parsed = parse_memory(b"garbage");
        assert!(parsed.root.is_none());
        assert!(!parsed.errors.is_empty());
    }

    #[test]
    fn namespaces_are_dropped_from_names() {
        let parsed = parse_memory(b"<cib xmlns:x=\"u\" x:a=\"1\"/>");
        let root = parsed.root.unwrap();
        assert_eq!(
            root.attrs(),
            &[Attr {
                name: "a".into(),
                value: "1".into()
            }]
        );
    }
}
