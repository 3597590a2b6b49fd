//! Shared support for Atrium's integration tests (does I/O: runs processes, reads files).
//!
//! - [`ours`]: path of one of our built binaries (tools, daemons).
//! - [`reference`]: path of a reference (C Pacemaker/Corosync) binary, if installed.
//! - [`conformance_dir`]: the reference's regression data in `../shared/conformance`.
//! - [`run`]: run a command with `LC_ALL=C` and capture stdout, stderr and exit code.
//! - [`skip!`]: print why a test is skipped and return from it.
//! - [`fuzz`]: the deterministic mutation fuzzer CI runs every fuzz target with.

pub mod lab;

pub mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Print a uniform "skipped" line (visible with `--nocapture` and in CI logs) and return.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)*) => {{
        eprintln!("SKIPPED {}: {}", module_path!(), format!($($arg)*));
        return;
    }};
}

/// Root of the repository (the workspace).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives inside the repository")
        .to_path_buf()
}

/// Directory holding the binaries cargo built for this test run
/// (`target/<profile>`), derived from the running test executable.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe is readable");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps")
        .to_path_buf()
}

/// Path of one of Atrium's own binaries. Panics with a clear message when it
/// has not been built (`cargo build --workspace --bins` builds them all).
pub fn ours(name: &str) -> PathBuf {
    let p = target_dir().join(name);
    assert!(
        p.exists(),
        "{} is not built; run `cargo build --workspace --bins` first",
        p.display()
    );
    p
}

/// Path of a reference binary, or `None` when the reference packages are not
/// installed (tests then skip with a reason).
pub fn reference(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/lib/pacemaker"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// The reference's regression data (`../shared/conformance`, or
/// `$ATRIUM_CONFORMANCE`), when present.
pub fn conformance_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ATRIUM_CONFORMANCE") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let dir = repo_root().join("../shared/conformance");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// What a finished command printed and returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// Exit code, or 128 + signal number when killed by a signal.
    pub code: i32,
}

/// Run `program args…` with `LC_ALL=C`, optional stdin, and capture everything.
pub fn run(program: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_env(program, args, stdin, &[])
}

/// [`run`] with extra environment variables.
pub fn run_env(
    program: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;

    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin was piped");
        let data = data.to_vec();
        // Write from a thread so a child that does not read cannot deadlock us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let out = child.wait_with_output().expect("child can be waited for");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code,
    }
}
