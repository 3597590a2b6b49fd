//! Pacemaker's XML model.
//!
//! Modules:
//! - [`tree`]: the mutable tree ([`Element`], [`Node`]); attribute order
//!   behaves like libxml2's.
//! - [`read`]: reading like `filename2xml` / `string2xml` (fast parser
//!   first, libxml2 in recover mode for anything else). Does file I/O.
//! - [`parse`]: the fast parser (pure).
//! - [`libxml2`]: the fallback through libxml2 (FFI; unsafe code lives only
//!   here, in [`xpath`] and in [`libxml2_sys`]).
//! - [`libxml2_sys`]: libxml2 loaded on first use rather than linked, and
//!   the [`libxml2_fns!`] macro that declares its functions.
//! - [`text`]: Pacemaker's text forms (`pcmk__xml2text`) and libxml2's
//!   formatted form used for `--output-as=xml`.
//! - [`digest`]: on-disk, versioned and operation digests.
//! - [`patchset`]: change calculation and patchsets, formats 1 and 2
//!   (create, apply, version checks, digests), and `crm_diff`'s logic (pure).
//! - [`version`]: dotted version comparison (`compare_version`).
//! - [`xpath`]: XPath evaluated by libxml2 over a copy of a tree (FFI).

pub mod digest;
pub mod libxml2;
pub mod libxml2_sys;
pub mod parse;
pub mod patchset;
pub mod read;
pub mod text;
pub mod tree;
pub mod version;
pub mod xpath;

pub use read::{parse, read_file, read_string, ParseError, Parsed};
pub use tree::{Attr, Element, Node};
