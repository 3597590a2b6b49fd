//! `pacemaker-based`: see the library's documentation.

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    ExitCode::from(atrium_based::shell::main(&argv))
}
