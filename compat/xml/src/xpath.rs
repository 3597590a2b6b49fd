//! XPath evaluated by libxml2 itself, as Pacemaker evaluates it
//! (`xpath_search`, `getXpathResult`, lib/common/xpath.c).
//!
//! Front-ends send arbitrary XPath (pcs, crmsh, ACL rules), so the
//! expression language is libxml2's own: a copy of the caller's tree is
//! built as a libxml2 document, the expression is evaluated there, and every
//! node of the result is mapped back to the caller's node by a key the
//! caller gave when building. Nothing of libxml2 escapes this module.
//!
//! - [`Builder`] / [`XPathDoc`]: build a document from any tree (each node
//!   carries a caller key), then evaluate expressions on it ([`XPathDoc::eval`]).
//! - [`XPathDoc::from_element`] and [`select`]: the same for an [`Element`],
//!   keys being positions ([`NodePath`]: child indexes from the root).
//! - [`element_xpath`]: the `pcmk__element_xpath()` form of an element's path
//!   (`/cib/configuration/resources/primitive[@id='x']`).
//!
//! This module holds unsafe code (FFI); each block has its SAFETY comment.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_ushort, c_void, CStr, CString};
use std::fmt;

use crate::libxml2::LibxmlError;
use crate::tree::{Element, Node};

/// The leading fields of libxml2's `struct _xmlNode` (tree.h, stable ABI).
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
    properties: *mut c_void,
    ns_def: *mut c_void,
    psvi: *mut c_void,
    line: c_ushort,
    extra: c_ushort,
}

/// `struct _xmlNodeSet` (xpath.h).
#[repr(C)]
struct XmlNodeSet {
    node_nr: c_int,
    node_max: c_int,
    node_tab: *mut *mut XmlNode,
}

/// `struct _xmlXPathObject` (xpath.h).
#[repr(C)]
struct XmlXPathObject {
    kind: c_int,
    nodesetval: *mut XmlNodeSet,
    boolval: c_int,
    floatval: f64,
    stringval: *mut c_char,
    user: *mut c_void,
    index: c_int,
    user2: *mut c_void,
    index2: c_int,
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

const XML_ELEMENT_NODE: c_int = 1;
const XML_ATTRIBUTE_NODE: c_int = 2;
const XML_TEXT_NODE: c_int = 3;
const XML_CDATA_SECTION_NODE: c_int = 4;
const XML_PI_NODE: c_int = 7;
const XML_COMMENT_NODE: c_int = 8;
const XML_DOCUMENT_NODE: c_int = 9;
const XPATH_NODESET: c_int = 1;

type StructuredErrorFn = unsafe extern "C" fn(*mut c_void, *mut XmlError);

// libxml2's functions, resolved on first use (`crate::libxml2_sys`).
crate::libxml2_fns! {
    fn xmlInitParser();
    fn xmlNewDoc(version: *const c_char) -> *mut c_void;
    fn xmlFreeDoc(doc: *mut c_void);
    fn xmlNewDocNode(
        doc: *mut c_void,
        ns: *mut c_void,
        name: *const c_char,
        content: *const c_char,
    ) -> *mut XmlNode;
    fn xmlDocSetRootElement(doc: *mut c_void, root: *mut XmlNode) -> *mut XmlNode;
    fn xmlAddChild(parent: *mut XmlNode, child: *mut XmlNode) -> *mut XmlNode;
    fn xmlNewProp(node: *mut XmlNode, name: *const c_char, value: *const c_char) -> *mut XmlNode;
    fn xmlNewDocText(doc: *mut c_void, content: *const c_char) -> *mut XmlNode;
    fn xmlNewDocComment(doc: *mut c_void, content: *const c_char) -> *mut XmlNode;
    fn xmlNewCDataBlock(doc: *mut c_void, content: *const c_char, len: c_int) -> *mut XmlNode;
    fn xmlNewDocPI(doc: *mut c_void, name: *const c_char, content: *const c_char) -> *mut XmlNode;
    fn xmlFreeNode(node: *mut XmlNode);
    fn xmlXPathNewContext(doc: *mut c_void) -> *mut c_void;
    fn xmlXPathFreeContext(ctx: *mut c_void);
    fn xmlXPathEvalExpression(expr: *const c_char, ctx: *mut c_void) -> *mut XmlXPathObject;
    fn xmlXPathFreeObject(obj: *mut XmlXPathObject);
    fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: Option<StructuredErrorFn>);
}

/// A string as C sees it: cut at its first NUL byte.
fn c_string(s: &str) -> CString {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    // Invariant: the slice holds no NUL byte.
    CString::new(&bytes[..end]).unwrap_or_default()
}

/// What one result node of an expression is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// The document node itself (e.g. for `/`).
    Document,
    /// An element, by its key.
    Element(usize),
    /// An attribute of the element `element`.
    Attribute { element: usize, name: String },
    /// A text, CDATA, comment or processing-instruction node, by its key,
    /// with its parent element's key (`None` under the document node).
    Other { key: usize, parent: Option<usize> },
    /// A namespace node (only the implicit `xml` namespace can occur).
    Namespace,
}

/// Why an expression gave no node set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XPathError {
    /// libxml2 could not compile or evaluate the expression (its messages).
    Invalid(Vec<LibxmlError>),
    /// The expression evaluated to a number, string or boolean.
    NotNodeSet,
}

impl fmt::Display for XPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XPathError::Invalid(errors) => {
                f.write_str("invalid XPath expression")?;
                if let Some(e) = errors.first() {
                    write!(f, ": {}", e.message)?;
                }
                Ok(())
            }
            XPathError::NotNodeSet => f.write_str("XPath result is not a node set"),
        }
    }
}

impl std::error::Error for XPathError {}

/// A libxml2 document built for XPath evaluation; freed on drop.
pub struct XPathDoc {
    doc: *mut c_void,
    /// For documents made by [`XPathDoc::from_element`]: key -> position.
    paths: Vec<NodePath>,
}

// SAFETY: the document is only reached through &self/&mut self; libxml2
// documents are not tied to the thread that built them, and XPath
// evaluation on one document from one thread at a time is safe.
unsafe impl Send for XPathDoc {}

/// Builds an [`XPathDoc`] node by node, in document order.
pub struct Builder {
    doc: *mut c_void,
    stack: Vec<*mut XmlNode>,
    paths: Vec<NodePath>,
}

/// Key stored in a libxml2 node's `_private` field (key + 1, never null).
fn key_ptr(key: usize) -> *mut c_void {
    key.wrapping_add(1) as *mut c_void
}

fn ptr_key(p: *mut c_void) -> Option<usize> {
    (!p.is_null()).then(|| (p as usize).wrapping_sub(1))
}

fn init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    // SAFETY: xmlInitParser may be called any time; Once makes it happen once.
    INIT.call_once(|| unsafe { xmlInitParser() });
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// An empty document.
    pub fn new() -> Builder {
        init();
        let version = c"1.0";
        // SAFETY: xmlNewDoc copies the version string.
        let doc = unsafe { xmlNewDoc(version.as_ptr()) };
        assert!(!doc.is_null(), "libxml2 could not allocate a document");
        Builder {
            doc,
            stack: Vec::new(),
            paths: Vec::new(),
        }
    }

    fn attach(&mut self, node: *mut XmlNode) {
        if node.is_null() {
            return;
        }
        match self.stack.last() {
            // SAFETY: parent is a live element of self.doc and node a fresh
            // unlinked node of the same document; xmlAddChild links it (text
            // nodes may be merged into a preceding text sibling, which only
            // loses that sibling's key: the merged node keeps the first key).
            Some(&parent) => unsafe {
                let added = xmlAddChild(parent, node);
                if added != node && added.is_null() {
                    xmlFreeNode(node);
                }
            },
            None => {
                // SAFETY: node is a fresh node of self.doc; non-element
                // nodes at the top are freed (the document keeps only its
                // root element, as Pacemaker's trees do).
                unsafe {
                    if (*node).kind == XML_ELEMENT_NODE {
                        let old = xmlDocSetRootElement(self.doc, node);
                        if !old.is_null() {
                            xmlFreeNode(old);
                        }
                    } else {
                        xmlFreeNode(node);
                    }
                }
            }
        }
    }

    /// Open an element (the next nodes are its children until
    /// [`Builder::end_element`]).
    pub fn start_element<'a>(
        &mut self,
        key: usize,
        name: &str,
        attrs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        let cname = c_string(name);
        // SAFETY: doc is live; the name is copied by libxml2.
        let node = unsafe {
            xmlNewDocNode(
                self.doc,
                std::ptr::null_mut(),
                cname.as_ptr(),
                std::ptr::null(),
            )
        };
        assert!(!node.is_null(), "libxml2 could not allocate an element");
        // SAFETY: node is a fresh element; _private is ours to use.
        unsafe { (*node).private = key_ptr(key) };
        for (n, v) in attrs {
            let (n, v) = (c_string(n), c_string(v));
            // SAFETY: node is live; name and value are copied (the value
            // verbatim, no entity parsing).
            unsafe {
                let attr = xmlNewProp(node, n.as_ptr(), v.as_ptr());
                if !attr.is_null() {
                    (*attr).private = key_ptr(key);
                }
            }
        }
        self.attach(node);
        self.stack.push(node);
    }

    /// Close the element opened last.
    pub fn end_element(&mut self) {
        self.stack.pop();
    }

    fn leaf(&mut self, key: usize, node: *mut XmlNode) {
        if node.is_null() {
            return;
        }
        // SAFETY: node is a fresh node; _private is ours to use.
        unsafe { (*node).private = key_ptr(key) };
        self.attach(node);
    }

    /// A text node.
    pub fn text(&mut self, key: usize, content: &str) {
        let c = c_string(content);
        // SAFETY: doc is live; content is copied.
        let node = unsafe { xmlNewDocText(self.doc, c.as_ptr()) };
        self.leaf(key, node);
    }

    /// A comment.
    pub fn comment(&mut self, key: usize, content: &str) {
        let c = c_string(content);
        // SAFETY: doc is live; content is copied.
        let node = unsafe { xmlNewDocComment(self.doc, c.as_ptr()) };
        self.leaf(key, node);
    }

    /// A CDATA section.
    pub fn cdata(&mut self, key: usize, content: &str) {
        let c = c_string(content);
        let len = c_int::try_from(c.as_bytes().len()).unwrap_or(c_int::MAX);
        // SAFETY: doc is live; `len` bytes of content are copied.
        let node = unsafe { xmlNewCDataBlock(self.doc, c.as_ptr(), len) };
        self.leaf(key, node);
    }

    /// A processing instruction.
    pub fn pi(&mut self, key: usize, target: &str, data: &str) {
        let (t, d) = (c_string(target), c_string(data));
        // SAFETY: doc is live; target and data are copied.
        let node = unsafe { xmlNewDocPI(self.doc, t.as_ptr(), d.as_ptr()) };
        self.leaf(key, node);
    }

    /// The finished document.
    pub fn finish(mut self) -> XPathDoc {
        let doc = std::mem::replace(&mut self.doc, std::ptr::null_mut());
        XPathDoc {
            doc,
            paths: std::mem::take(&mut self.paths),
        }
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        if !self.doc.is_null() {
            // SAFETY: the document is ours and freed once.
            unsafe { xmlFreeDoc(self.doc) };
        }
    }
}

/// Position of a node below a root element: indexes into `children` at
/// each level (empty for the root itself).
pub type NodePath = Vec<usize>;

unsafe extern "C" fn collect_error(ctx: *mut c_void, err: *mut XmlError) {
    if ctx.is_null() || err.is_null() {
        return;
    }
    // SAFETY: ctx is the Vec registered by `eval` for the duration of the
    // call; err is a valid error from libxml2.
    let (errors, err) = unsafe { (&mut *(ctx as *mut Vec<LibxmlError>), &*err) };
    let message = if err.message.is_null() {
        String::new()
    } else {
        // SAFETY: libxml2 messages are NUL-terminated.
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

impl XPathDoc {
    /// Build a document from an element tree; keys index [`XPathDoc::path`].
    pub fn from_element(root: &Element) -> XPathDoc {
        let mut b = Builder::new();
        let mut path = Vec::new();
        add_element(&mut b, root, &mut path);
        b.finish()
    }

    /// The position of the node with `key` in the element this document was
    /// made from ([`XPathDoc::from_element`] only).
    pub fn path(&self, key: usize) -> Option<&NodePath> {
        self.paths.get(key)
    }

    /// Evaluate `expr` with the document node as context (`xpath_search`).
    /// Results are in libxml2's order (document order for node sets).
    #[doc(alias = "xpath_search")]
    pub fn eval(&self, expr: &str) -> Result<Vec<Hit>, XPathError> {
        let cexpr = c_string(expr);
        let mut errors: Vec<LibxmlError> = Vec::new();
        // SAFETY: the handler's context is `errors`, which outlives the
        // registration (unregistered before it is read or dropped); the
        // handler is per thread in libxml2.
        unsafe {
            xmlSetStructuredErrorFunc(
                &mut errors as *mut Vec<LibxmlError> as *mut c_void,
                Some(collect_error),
            );
        }
        // SAFETY: doc is live; the context and result object are freed
        // below, after the node pointers have been read.
        let hits = unsafe {
            let ctx = xmlXPathNewContext(self.doc);
            let obj = if ctx.is_null() {
                std::ptr::null_mut()
            } else {
                xmlXPathEvalExpression(cexpr.as_ptr(), ctx)
            };
            let hits = if obj.is_null() {
                None
            } else if (*obj).kind != XPATH_NODESET {
                Some(Err(XPathError::NotNodeSet))
            } else {
                Some(Ok(read_nodeset((*obj).nodesetval)))
            };
            if !obj.is_null() {
                xmlXPathFreeObject(obj);
            }
            if !ctx.is_null() {
                xmlXPathFreeContext(ctx);
            }
            hits
        };
        // SAFETY: unregister before `errors` is used or dropped.
        unsafe { xmlSetStructuredErrorFunc(std::ptr::null_mut(), None) };
        hits.unwrap_or(Err(XPathError::Invalid(errors)))
    }
}

impl Drop for XPathDoc {
    fn drop(&mut self) {
        if !self.doc.is_null() {
            // SAFETY: the document is ours and freed once.
            unsafe { xmlFreeDoc(self.doc) };
        }
    }
}

/// # Safety
/// `set` is null or a node set of a live document built by [`Builder`].
unsafe fn read_nodeset(set: *mut XmlNodeSet) -> Vec<Hit> {
    if set.is_null() {
        return Vec::new();
    }
    // SAFETY: per the function contract, nodeTab holds nodeNr valid
    // pointers into the document (namespace nodes are xmlNs copies whose
    // second field is also the node type).
    unsafe {
        let n = usize::try_from((*set).node_nr).unwrap_or(0);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let node = *(*set).node_tab.add(i);
            if node.is_null() {
                continue;
            }
            let kind = (*node).kind;
            let hit = match kind {
                XML_DOCUMENT_NODE => Hit::Document,
                XML_ELEMENT_NODE => match ptr_key((*node).private) {
                    Some(k) => Hit::Element(k),
                    None => continue,
                },
                XML_ATTRIBUTE_NODE => {
                    let name = if (*node).name.is_null() {
                        String::new()
                    } else {
                        CStr::from_ptr((*node).name).to_string_lossy().into_owned()
                    };
                    match ptr_key((*node).private) {
                        Some(element) => Hit::Attribute { element, name },
                        None => continue,
                    }
                }
                XML_TEXT_NODE | XML_CDATA_SECTION_NODE | XML_PI_NODE | XML_COMMENT_NODE => {
                    let parent = (*node).parent;
                    let parent_key = if parent.is_null() || (*parent).kind != XML_ELEMENT_NODE {
                        None
                    } else {
                        ptr_key((*parent).private)
                    };
                    match ptr_key((*node).private) {
                        Some(key) => Hit::Other {
                            key,
                            parent: parent_key,
                        },
                        None => continue,
                    }
                }
                _ => Hit::Namespace,
            };
            out.push(hit);
        }
        out
    }
}

fn add_element(b: &mut Builder, e: &Element, path: &mut NodePath) {
    let key = b.paths.len();
    b.paths.push(path.clone());
    b.start_element(
        key,
        e.name(),
        e.attrs()
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_str())),
    );
    for (i, c) in e.children.iter().enumerate() {
        path.push(i);
        match c {
            Node::Element(child) => add_element(b, child, path),
            other => {
                let key = b.paths.len();
                b.paths.push(path.clone());
                match other {
                    Node::Text(t) => b.text(key, t),
                    Node::Comment(t) => b.comment(key, t),
                    Node::CData(t) => b.cdata(key, t),
                    Node::Pi { target, data } => b.pi(key, target, data),
                    Node::Element(_) => {}
                }
            }
        }
        path.pop();
    }
    b.end_element();
}

/// The element at `path` below `root`.
pub fn element_at<'a>(root: &'a Element, path: &[usize]) -> Option<&'a Element> {
    let mut e = root;
    for &i in path {
        match e.children.get(i)? {
            Node::Element(child) => e = child,
            _ => return None,
        }
    }
    Some(e)
}

/// The element at `path` below `root`, mutable.
pub fn element_at_mut<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    let mut e = root;
    for &i in path {
        match e.children.get_mut(i)? {
            Node::Element(child) => e = child,
            _ => return None,
        }
    }
    Some(e)
}

/// Evaluate `expr` on `root` and give the matching elements the way
/// Pacemaker's `getXpathResult()` does: attributes and text stand for their
/// element, the document node for the root element; anything else is
/// dropped. Duplicates (an element and its attribute) are kept, as in the C
/// code.
#[doc(alias = "getXpathResult")]
pub fn select(root: &Element, expr: &str) -> Result<Vec<NodePath>, XPathError> {
    let doc = XPathDoc::from_element(root);
    let hits = doc.eval(expr)?;
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let key = match h {
            Hit::Document => Some(0),
            Hit::Element(k) => Some(k),
            Hit::Attribute { element, .. } => Some(element),
            Hit::Other { parent, .. } => parent,
            Hit::Namespace => None,
        };
        if let Some(p) = key.and_then(|k| doc.path(k)) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// `pcmk__element_xpath()`: `/name[@id='…']` for each element from the root
/// down to the one at `path` (no `[@id]` part for elements without an id).
#[doc(alias = "pcmk__element_xpath")]
pub fn element_xpath(root: &Element, path: &[usize]) -> Option<String> {
    let mut out = String::new();
    let mut e = root;
    push_step(&mut out, e);
    for &i in path {
        match e.children.get(i)? {
            Node::Element(child) => e = child,
            _ => return None,
        }
        push_step(&mut out, e);
    }
    Some(out)
}

fn push_step(out: &mut String, e: &Element) {
    out.push('/');
    out.push_str(e.name());
    if let Some(id) = e.id() {
        out.push_str("[@id='");
        out.push_str(id);
        out.push_str("']");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib() -> Element {
        crate::parse(
            r#"<cib epoch="1"><configuration><resources><primitive id="a" class="ocf"/><!--c--><group id="g"><primitive id="b"/></group></resources></configuration><status/></cib>"#,
        )
        .unwrap()
    }

    #[test]
    fn elements_attributes_and_unions() {
        let cib = cib();
        let got = select(&cib, "//primitive").unwrap();
        assert_eq!(got, vec![vec![0, 0, 0], vec![0, 0, 2, 0]]);
        let ids: Vec<_> = got
            .iter()
            .map(|p| element_at(&cib, p).unwrap().id().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            select(&cib, "//primitive/@class").unwrap(),
            vec![vec![0, 0, 0]]
        );
        assert_eq!(
            select(&cib, "//status | //group").unwrap(),
            vec![vec![0, 0, 2], vec![1]]
        );
        assert_eq!(select(&cib, "/").unwrap(), vec![Vec::<usize>::new()]);
        assert_eq!(select(&cib, "//comment()").unwrap(), vec![vec![0, 0]]);
    }

    #[test]
    fn errors_and_non_node_sets() {
        let cib = cib();
        assert!(matches!(
            select(&cib, "///"),
            Err(XPathError::Invalid(ref e)) if !e.is_empty()
        ));
        assert_eq!(
            select(&cib, "count(//primitive)"),
            Err(XPathError::NotNodeSet)
        );
        assert_eq!(select(&cib, "//nothing").unwrap(), Vec::<NodePath>::new());
    }

    #[test]
    fn values_are_matched_verbatim() {
        let e = Element::new("cib").with_child(
            Element::new("nvpair")
                .with_attr("id", "n")
                .with_attr("value", "a&b<\"c'\n"),
        );
        assert_eq!(
            select(&e, "//nvpair[@value=concat('a&b<\"c', \"'\", '\n')]").unwrap(),
            vec![vec![0]]
        );
    }

    #[test]
    fn element_paths() {
        let cib = cib();
        assert_eq!(
            element_xpath(&cib, &[0, 0, 2, 0]).as_deref(),
            Some("/cib/configuration/resources/group[@id='g']/primitive[@id='b']")
        );
        assert_eq!(element_xpath(&cib, &[]).as_deref(), Some("/cib"));
    }
}
