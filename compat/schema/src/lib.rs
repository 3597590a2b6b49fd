//! CIB schemas: which versions exist, validating documents against Atrium's
//! own RelaxNG grammars (the repository's `schemas/`), and upgrading a CIB
//! to a newer schema.
//!
//! Modules:
//! - [`versions`]: the ordered list of known schemas (Pacemaker 2.1.5's
//!   `known_schemas`), lookup of a `validate-with` value, latest/minimum.
//!   Pure data.
//! - [`validate`]: [`Validator`], [`Document`], [`Verdict`], [`Message`]:
//!   RelaxNG validation by libxml2 with messages printed like the
//!   reference's. Reads grammar files when pointed at a directory.
//! - [`check`]: what tools do before using a CIB (`validate_xml()`,
//!   `cli_config_update()`), messages returned rather than printed.
//! - [`upgrade`]: `update_validation()` and the 1.x → 2.0 and 2.x → 3.0
//!   transformations as Rust functions over [`pcmk_xml::Element`].
//! - `embedded`: the grammars compiled into the crate (default source).
//! - `ffi`: the libxml2 binding, the crate's only unsafe code.
//!
//! Grammar location: by default the grammars are embedded (binaries are
//! relocatable and always use the grammars they were built with); setting
//! `ATRIUM_SCHEMA_DIR` to a directory uses the files there instead.

pub mod check;
mod embedded;
mod ffi;
pub mod upgrade;
pub mod validate;
pub mod versions;

pub use check::{cli_config_update, validate_xml, ConfigUpdate, XmlValidation};
pub use upgrade::{update_validation, Update, UpdateStatus};
pub use validate::{Document, GrammarSource, Message, SchemaError, Validator, Verdict};
pub use versions::{by_name, known, latest, minimum, Schema};

/// Paths (relative to `schemas/`) of every embedded grammar file.
pub fn embedded_files() -> impl Iterator<Item = &'static str> {
    embedded::paths()
}
