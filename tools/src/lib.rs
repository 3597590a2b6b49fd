//! Atrium's command-line tools: one `src/bin/<name>.rs` per command, with
//! the reference's names, options, output and exit codes.
//!
//! The shared machinery (option parsing, help, output formats, logging,
//! the tool life cycle) lives in the `pcmk-cli` crate (compat/cli) so the
//! daemons can use it too; it is re-exported here under its old paths.
#![forbid(unsafe_code)]

pub use pcmk_cli::{app, getopt, goption, help, legacy, log, options, output, scan, version};
