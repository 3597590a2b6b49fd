//! Reading XML the way Pacemaker's tools and daemons do.
//!
//! - [`read_file`] is `filename2xml`: a file by name (`-` for stdin, `.bz2`
//!   decompressed), text nodes stripped afterwards.
//! - [`read_string`] is `string2xml`: a string (up to its first NUL byte),
//!   text nodes kept.
//!
//! Both use the fast parser when it can and libxml2 (recover mode)
//! otherwise, so malformed input yields what the reference yields: maybe a
//! partial tree, maybe nothing, plus libxml2's complaints.

use std::io::Read;
use std::path::Path;

use crate::libxml2::{self, LibxmlError};
use crate::parse as fast;
use crate::tree::Element;

/// The outcome of reading: the root element if any, and parser complaints.
/// A non-empty `errors` with `Some(root)` is a recovered (partial) document,
/// which the reference goes on to use.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub root: Option<Element>,
    pub errors: Vec<LibxmlError>,
}

impl Parsed {
    /// The root, if the document parsed without any complaint.
    pub fn clean(self) -> Option<Element> {
        if self.errors.is_empty() {
            self.root
        } else {
            None
        }
    }
}

impl From<libxml2::LibxmlParsed> for Parsed {
    fn from(p: libxml2::LibxmlParsed) -> Self {
        Parsed {
            root: p.root,
            errors: p.errors,
        }
    }
}

/// Parse bytes held in memory with libxml2's semantics (fast path first).
pub fn parse_bytes(input: &[u8]) -> Parsed {
    match fast::parse_document(input) {
        Ok(root) => Parsed {
            root: Some(root),
            errors: Vec::new(),
        },
        Err(_) => libxml2::parse_memory(input).into(),
    }
}

/// `string2xml`: the string up to its first NUL, text nodes kept.
#[doc(alias = "string2xml")]
pub fn read_string(input: &[u8]) -> Parsed {
    let end = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    parse_bytes(&input[..end])
}

/// Errors reading the input itself (as opposed to parsing it).
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// A `.bz2` file could not be decompressed.
    Bzip2(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Bzip2(e) => write!(f, "could not decompress: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `filename2xml`: read a file (`-` is stdin; `*.bz2` is decompressed) and
/// strip text nodes from the result.
#[doc(alias = "filename2xml")]
pub fn read_file(path: &Path) -> Result<Parsed, ReadError> {
    let mut parsed = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(ReadError::Io)?;
        parse_bytes(&buf)
    } else if path.extension().is_some_and(|e| e == "bz2") {
        let file = std::fs::File::open(path).map_err(ReadError::Io)?;
        let mut buf = Vec::new();
        bzip2::read::BzDecoder::new(file)
            .read_to_end(&mut buf)
            .map_err(ReadError::Bzip2)?;
        // Decompressed content is handed to libxml2 as a C string.
        read_string(&buf)
    } else {
        let buf = std::fs::read(path).map_err(ReadError::Io)?;
        match fast::parse_document(&buf) {
            Ok(root) => Parsed {
                root: Some(root),
                errors: Vec::new(),
            },
            // libxml2 reads the file itself: it also handles gzip and
            // encodings the fast parser declines.
            Err(_) => libxml2::parse_file(path).into(),
        }
    };
    if let Some(root) = parsed.root.as_mut() {
        root.strip_text();
    }
    Ok(parsed)
}

/// Parse a well-formed document, for internal use (messages, tests,
/// generated XML): any complaint is an error.
pub fn parse(input: &str) -> Result<Element, ParseError> {
    let parsed = read_string(input.as_bytes());
    match (parsed.root, parsed.errors.into_iter().next()) {
        (Some(root), None) => Ok(root),
        (_, Some(e)) => Err(ParseError {
            line: e.line,
            message: e.message,
        }),
        (None, None) => Err(ParseError {
            line: 0,
            message: "no root element".into(),
        }),
    }
}

/// A document that is not well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: i32,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}
