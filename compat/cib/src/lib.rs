//! Pacemaker's CIB semantics (lib/cib, lib/common/acl.c and the CIB parts
//! of lib/common/xml.c): what each operation does to the configuration,
//! which changes bump `epoch` or `num_updates`, what ACLs allow, how the
//! CIB is stored on disk, and the file backend behind `CIB_file` /
//! `CIB_shadow`. The CIB manager daemon and `cibadmin` share it.
//!
//! Modules (pure unless noted):
//! - [`api`]: operations ([`Op`]), call options, [`Request`], [`Reply`].
//! - [`doc`]: [`Doc`], a document with Pacemaker's change-tracking and ACL
//!   flags and the C primitives that set them.
//! - [`update`]: `copy_in_properties` (`++`/`+=`), update and replace/delete
//!   of matching subtrees.
//! - [`changes`]: inferring tracked changes between two trees.
//! - [`acl`]: unpacking, applying and checking ACLs; filtered reads.
//! - [`access`]: a CIB annotated with what a user may do (`--show-access`).
//! - [`options`]: the CIB manager's cluster options (`enable-acl`).
//! - [`sections`]: section names and paths, the empty CIB.
//! - [`ops`]: the operations themselves (`cib_process_*`).
//! - [`perform`]: `cib_perform_op`: ACLs, generation, versions, validation.
//! - [`validate`]: schema validation and upgrades with the reference's
//!   per-process grammar cache (libxml2).
//! - [`trace`]: the log messages users can enable, collected.
//! - [`client`]: the [`CibBackend`] trait and backend choice from the
//!   environment.
//! - [`file`]: the file backend (I/O at sign-on and sign-off).
//! - [`store`]: `cib.xml`, `.sig`, backups, atomic writes (I/O).
//! - [`system`]: users, groups, shadow paths (I/O).
//! - [`time`]: `ctime()` timestamps.
#![forbid(unsafe_code)]

pub mod access;
pub mod acl;
pub mod api;
pub mod changes;
pub mod client;
pub mod doc;
pub mod file;
pub mod ops;
pub mod options;
pub mod perform;
pub mod sections;
pub mod store;
pub mod system;
pub mod time;
pub mod trace;
pub mod update;
pub mod validate;

pub use api::{CallOptions, Op, Reply, Request};
pub use client::{CibBackend, Target};
pub use doc::Doc;
pub use file::FileBackend;
pub use perform::{patchset, perform, PerformOptions, Performed, Services};
pub use validate::{NoTransforms, SchemaTransforms, Upgrader, Validation};
