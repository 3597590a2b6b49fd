//! Facts about the running system the CIB library needs: the effective
//! user, home directories, group membership, the temporary directory.
//! Does I/O (reads /proc/self/status, /etc/passwd, /etc/group).

use std::path::PathBuf;

use crate::acl::Identity;

/// The effective user id of this process.
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A passwd entry: name, uid, gid, home directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passwd {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

fn passwd_entries() -> Vec<Passwd> {
    let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(Passwd {
                name: f[0].to_owned(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_owned(),
            })
        })
        .collect()
}

/// `getpwuid()`.
pub fn user_by_uid(uid: u32) -> Option<Passwd> {
    passwd_entries().into_iter().find(|p| p.uid == uid)
}

/// `getpwnam()`.
pub fn user_by_name(name: &str) -> Option<Passwd> {
    passwd_entries().into_iter().find(|p| p.name == name)
}

/// `pcmk__uid2username(geteuid())`.
pub fn effective_user_name() -> Option<String> {
    user_by_uid(effective_uid()?).map(|p| p.name)
}

/// `pcmk__get_tmpdir()`: `$TMPDIR` when absolute, else /tmp.
pub fn tmpdir() -> String {
    match std::env::var("TMPDIR") {
        Ok(d) if d.starts_with('/') => d,
        _ => "/tmp".to_owned(),
    }
}

/// `get_shadow_file()`: where shadow CIB `name` lives: `$CIB_shadow_dir`,
/// else the CIB directory for root and hacluster, else `~/.cib` (created
/// if needed), else the temporary directory.
pub fn shadow_file(name: &str) -> PathBuf {
    let file = format!("shadow.{name}");
    if let Ok(dir) = std::env::var("CIB_shadow_dir") {
        return PathBuf::from(format!("{dir}/{file}"));
    }
    let pw = effective_uid().and_then(user_by_uid);
    let user = pw
        .as_ref()
        .map(|p| p.name.clone())
        .or_else(|| std::env::var("USER").ok());
    if matches!(user.as_deref(), Some("root") | Some("hacluster")) {
        return PathBuf::from(format!("{}/{file}", crate::store::CONFIG_DIR));
    }
    let home = std::env::var("HOME")
        .ok()
        .or_else(|| pw.as_ref().map(|p| p.home.clone()));
    let mut dir = tmpdir();
    if let Some(h) = home.filter(|h| h.starts_with('/')) {
        let cib_home = format!("{h}/.cib");
        use std::os::unix::fs::DirBuilderExt;
        match std::fs::DirBuilder::new().mode(0o700).create(&cib_home) {
            Ok(()) => dir = cib_home,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => dir = cib_home,
            Err(_) => {}
        }
    }
    PathBuf::from(format!("{dir}/{file}"))
}

/// Group membership from /etc/group (supplementary members only, like
/// `pcmk__is_user_in_group`).
#[derive(Clone, Copy, Debug, Default)]
pub struct EtcGroup;

impl Identity for EtcGroup {
    fn user_in_group(&self, user: &str, group: &str) -> bool {
        let text = std::fs::read_to_string("/etc/group").unwrap_or_default();
        text.lines().any(|l| {
            let f: Vec<&str> = l.split(':').collect();
            f.len() >= 4 && f[0] == group && f[3].split(',').any(|m| m == user)
        })
    }
}
