//! Helpers shared by the qb_ipc_*.rs tests: private network namespaces,
//! small C programs built against the installed libqb, leak accounting.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NETNS_ENV: &str = "ATRIUM_QB_IPC_NETNS";

/// Run the calling test again inside a private network + mount namespace
/// (abstract socket names such as `cmap` or `cib_rw` are per network
/// namespace; /run is a private tmpfs so corosync's lock file is ours).
/// Returns true when already inside (the caller then runs its body); false
/// after the namespaced run finished (asserted successful) or was skipped.
pub fn enter_netns(test: &str) -> bool {
    if std::env::var_os(NETNS_ENV).is_some() {
        return true;
    }
    let Some(unshare) = ["/usr/bin/unshare", "/bin/unshare"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("SKIPPED {test}: unshare(1) is not installed");
        return false;
    };
    let exe = std::env::current_exe().expect("test executable path");
    let probe = Command::new(unshare)
        .args(["-n", "-m", "--propagation", "private", "true"])
        .status();
    if !probe.map(|s| s.success()).unwrap_or(false) {
        eprintln!("SKIPPED {test}: cannot create network/mount namespaces (need root)");
        return false;
    }
    let out = Command::new(unshare)
        .args(["-n", "-m", "--propagation", "private", "sh", "-c"])
        .arg("mount -t tmpfs none /run && ip link set lo up && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(NETNS_ENV, "1")
        .stdin(Stdio::null())
        .output()
        .expect("run test in namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(out.status.success(), "{test} failed inside its namespace");
    assert!(
        stdout.contains("1 passed"),
        "{test} did not run inside its namespace"
    );
    false
}

/// Build a C program against the installed libqb; `None` (with a printed
/// reason) when gcc or the libqb headers are missing.
pub fn build_c(test: &str, name: &str, source: &str) -> Option<PathBuf> {
    if !Path::new("/usr/include/qb/qbipcc.h").exists() {
        eprintln!("SKIPPED {test}: libqb headers absent (apt-get install libqb-dev)");
        return None;
    }
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("SKIPPED {test}: gcc is not installed");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("atrium-qb-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let src = dir.join(format!("{name}.c"));
    let exe = dir.join(name);
    std::fs::write(&src, source).expect("write C source");
    let out = Command::new("gcc")
        .args(["-O1", "-Wall", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg("-lqb")
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed for {name}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(exe)
}

/// Names in /dev/shm starting with `prefix`.
pub fn shm_entries(prefix: &str) -> BTreeSet<String> {
    std::fs::read_dir("/dev/shm")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// Our connection directories: `/dev/shm/qb-<our pid>-*`.
pub fn our_server_dirs() -> BTreeSet<String> {
    shm_entries(&format!("qb-{}-", std::process::id()))
}

/// Our connection directories serving `service` (those holding its rings).
pub fn service_dirs(service: &str) -> BTreeSet<String> {
    let marker = format!("qb-request-{service}-header");
    our_server_dirs()
        .into_iter()
        .filter(|d| Path::new("/dev/shm").join(d).join(&marker).exists())
        .collect()
}

/// Open descriptors of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A service name no other test (or daemon) uses.
pub fn unique_service(tag: &str) -> String {
    format!("atrium-qb-{tag}-{}", std::process::id())
}

/// Poll `f` until it returns `Some`, or panic after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The soft limit on open descriptors (from /proc/self/limits).
pub fn nofile_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(1024)
}

/// The 16-byte request header followed by `payload`.
pub fn request(id: i32, payload: &[u8]) -> Vec<u8> {
    let mut m = qb_ipc::wire::RequestHeader {
        id,
        size: (16 + payload.len()) as i32,
    }
    .encode()
    .to_vec();
    m.extend_from_slice(payload);
    m
}

/// The 24-byte response header followed by `payload`.
pub fn response(id: i32, error: i32, payload: &[u8]) -> Vec<u8> {
    let mut m = qb_ipc::wire::ResponseHeader {
        id,
        size: (24 + payload.len()) as i32,
        error,
    }
    .encode()
    .to_vec();
    m.extend_from_slice(payload);
    m
}
