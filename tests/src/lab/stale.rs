//! Lab bookkeeping on disk: where labs live, who owns them, the saved
//! configuration that lets the CLI re-attach, and the sweep that removes
//! what crashed runs left behind (`atrium-lab cleanup-stale`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::config::{LabConfig, Stack, Transport};
use super::net::{ip, NS_PREFIX};
use super::procs::{self, ProcId};
use super::LabError;

/// Directory holding every lab: `$ATRIUM_LAB_ROOT`, else `<tmp>/atrium-lab`.
pub fn root() -> PathBuf {
    std::env::var_os("ATRIUM_LAB_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("atrium-lab"))
}

/// Who owns a lab: a live process (a test), or the CLI (lives until `down`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Process(ProcId),
    Cli,
}

impl Owner {
    pub fn to_line(&self) -> String {
        match self {
            Owner::Process(p) => format!("pid {} {}\n", p.pid, p.start),
            Owner::Cli => "cli\n".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Owner> {
        let f: Vec<&str> = s.split_whitespace().collect();
        match f.as_slice() {
            ["cli"] => Some(Owner::Cli),
            ["pid", pid, start] => Some(Owner::Process(ProcId {
                pid: pid.parse().ok()?,
                start: start.parse().ok()?,
            })),
            _ => None,
        }
    }

    /// Read `dir/owner`.
    pub fn of(dir: &Path) -> Option<Owner> {
        Owner::parse(&fs::read_to_string(dir.join("owner")).ok()?)
    }
}

/// The parts of a [`LabConfig`] needed to re-attach to a running lab.
pub fn save_config(cfg: &LabConfig, dir: &Path) -> Result<(), LabError> {
    let mut s = format!(
        "nodes={}\nstack={}\ntransport={}\nrings={}\ntoken_ms={}\nstop_timeout_ms={}\n",
        cfg.nodes,
        cfg.stack.as_str(),
        cfg.transport.as_str(),
        cfg.rings,
        cfg.token_ms,
        cfg.stop_timeout.as_millis()
    );
    for (node, map) in &cfg.substitutions {
        for (t, src) in map {
            s += &format!("subst={node} {} {}\n", t.display(), src.display());
        }
    }
    for (k, v) in &cfg.env {
        s += &format!("env={k}={v}\n");
    }
    fs::write(dir.join("lab.conf"), s).map_err(|e| LabError::io("writing lab.conf".into(), e))
}

/// Inverse of [`save_config`].
pub fn load_config(id: &str, dir: &Path) -> Result<LabConfig, LabError> {
    let text = fs::read_to_string(dir.join("lab.conf"))
        .map_err(|e| LabError::io(format!("reading {}/lab.conf", dir.display()), e))?;
    let bad = |l: &str| LabError::Invalid(format!("lab.conf: bad line {l:?}"));
    let mut cfg = LabConfig::new(1).id(id);
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k {
            "nodes" => cfg.nodes = v.parse().map_err(|_| bad(line))?,
            "stack" => cfg.stack = Stack::parse(v).ok_or_else(|| bad(line))?,
            "transport" => cfg.transport = Transport::parse(v).ok_or_else(|| bad(line))?,
            "rings" => cfg.rings = v.parse().map_err(|_| bad(line))?,
            "token_ms" => cfg.token_ms = v.parse().map_err(|_| bad(line))?,
            "stop_timeout_ms" => {
                cfg.stop_timeout = Duration::from_millis(v.parse().map_err(|_| bad(line))?)
            }
            "subst" => {
                let f: Vec<&str> = v.splitn(3, ' ').collect();
                let [node, target, src] = f.as_slice() else {
                    return Err(bad(line));
                };
                cfg.substitutions
                    .entry(node.parse().map_err(|_| bad(line))?)
                    .or_default()
                    .insert(PathBuf::from(target), PathBuf::from(src));
            }
            "env" => {
                let (k, v) = v.split_once('=').ok_or_else(|| bad(line))?;
                cfg.env.push((k.into(), v.into()));
            }
            _ => {}
        }
    }
    cfg.die_with_owner = false;
    Ok(cfg)
}

/// A lab is stale when its owner process is gone, or when it has no owner
/// record a minute after its directory was made (a lab being created gets
/// one at once). CLI labs are stale only when `include_cli`.
pub fn is_stale(dir: &Path, include_cli: bool) -> bool {
    match Owner::of(dir) {
        Some(Owner::Process(p)) => !p.alive(),
        Some(Owner::Cli) => include_cli,
        None => {
            let age = fs::metadata(dir)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            !matches!(age, Some(a) if a < Duration::from_secs(60))
        }
    }
}

/// Remove the stale lab directories (and their namespaces) under [`root`],
/// leaving namespaces of unknown labs alone. `Lab::create` calls this, so
/// leftovers of killed test runs do not pile up.
pub fn cleanup_stale_dirs() -> Vec<String> {
    let mut removed = Vec::new();
    if let Ok(d) = fs::read_dir(root()) {
        for e in d.flatten() {
            let Some(id) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if e.path().is_dir() && is_stale(&e.path(), false) {
                remove_lab(&id, Some(&e.path()));
                removed.push(id);
            }
        }
    }
    removed
}

/// Kill the processes of every namespace of lab `id`, delete the
/// namespaces and the lab directory. Works on half-created labs too.
pub fn remove_lab(id: &str, dir: Option<&Path>) -> Vec<LabError> {
    let mut errors = Vec::new();
    let prefix = format!("{NS_PREFIX}{id}-");
    let names: Vec<String> = fs::read_dir("/run/netns")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix) && !n[prefix.len()..].contains('-'))
                .collect()
        })
        .unwrap_or_default();
    for ns in &names {
        if let Some(ino) = procs::ns_inode(&Path::new("/run/netns").join(ns)) {
            let left = procs::kill_netns(ino, Duration::from_secs(10));
            if !left.is_empty() {
                errors.push(LabError::Invalid(format!(
                    "processes {left:?} in {ns} survive SIGKILL"
                )));
            }
        }
    }
    for ns in &names {
        if let Err(e) = ip(&["netns", "del", ns]) {
            errors.push(e);
        }
    }
    if let Some(dir) = dir {
        if dir.exists() {
            if let Err(e) = fs::remove_dir_all(dir) {
                errors.push(LabError::io(format!("removing {}", dir.display()), e));
            }
        }
    }
    errors
}

/// Remove every stale lab (see [`is_stale`]) and every `atlab-` namespace
/// whose lab directory is gone. Returns the ids removed.
pub fn cleanup_stale(include_cli: bool) -> Result<Vec<String>, LabError> {
    let root = root();
    let mut removed = Vec::new();
    let mut errors = Vec::new();
    if let Ok(d) = fs::read_dir(&root) {
        for e in d.flatten() {
            let Some(id) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if e.path().is_dir() && is_stale(&e.path(), include_cli) {
                errors.extend(remove_lab(&id, Some(&e.path())));
                removed.push(id);
            }
        }
    }
    let orphans: Vec<String> = fs::read_dir("/run/netns")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter_map(|n| Some(n.strip_prefix(NS_PREFIX)?.rsplit_once('-')?.0.to_string()))
                .filter(|id| !root.join(id).exists())
                .collect()
        })
        .unwrap_or_default();
    for id in orphans {
        if !removed.contains(&id) {
            errors.extend(remove_lab(&id, None));
            removed.push(id);
        }
    }
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(removed),
    }
}

/// Ids of the labs under [`root`].
pub fn list() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(root())
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().join("lab.conf").exists())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_round_trip() {
        for o in [Owner::Cli, Owner::Process(ProcId { pid: 12, start: 34 })] {
            assert_eq!(Owner::parse(&o.to_line()), Some(o));
        }
        assert_eq!(Owner::parse("pid x 1"), None);
    }

    #[test]
    fn config_round_trip() {
        let dir = std::env::temp_dir().join(format!("atlab-conf-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let cfg = LabConfig::new(3)
            .transport(Transport::Udpu)
            .stack(Stack::Corosync)
            .token_ms(500)
            .substitute(2, "based", "/opt/x y")
            .env("PCMK_debug", "yes");
        save_config(&cfg, &dir).unwrap();
        let back = load_config("abc", &dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(back.nodes, 3);
        assert_eq!(back.transport, Transport::Udpu);
        assert_eq!(back.stack, Stack::Corosync);
        assert_eq!(back.token_ms, 500);
        assert_eq!(back.substitutions, cfg.substitutions);
        assert_eq!(back.env, cfg.env);
        assert_eq!(back.id.as_deref(), Some("abc"));
    }
}
