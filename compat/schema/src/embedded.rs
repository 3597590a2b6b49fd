//! The grammars of the repository's `schemas/` directory, embedded at build
//! time (see `build.rs`), so binaries validate without any file installed.

include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));

/// The embedded file at `path` (relative to `schemas/`, `/`-separated,
/// `.` and `..` segments resolved), as (canonical path, contents).
pub fn file(path: &str) -> Option<(&'static str, &'static str)> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let wanted = parts.join("/");
    FILES
        .binary_search_by(|(p, _)| (*p).cmp(wanted.as_str()))
        .ok()
        .map(|i| FILES[i])
}

/// Every embedded file path.
pub fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(p, _)| *p)
}
