//! Reading the configuration: corosync.conf and `uidgid.d/*` through
//! corosync-config's parser (coroparse.c), the Totem configuration
//! (totemconfig.c) and what corosync adds to the map at startup.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use corosync_config::{parse, ConfigMap, IdResolver, LocalHost, TotemConfig, Transport, Value};
use corosync_services::cfg::LinkView;
use corosync_services::ServicesConfig;

use crate::exit;
use crate::logsys::LogConfig;

/// The default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/corosync/corosync.conf";
/// The default state directory.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/corosync";

/// Users and groups from /etc/passwd and /etc/group (getpwnam/getgrnam for
/// the uidgid section, without NSS).
pub struct EtcIds {
    users: BTreeMap<String, u32>,
    groups: BTreeMap<String, u32>,
}

impl EtcIds {
    /// Read /etc/passwd and /etc/group.
    pub fn load() -> EtcIds {
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    let mut f = l.split(':');
                    let name = f.next()?.to_string();
                    let id = f.nth(1)?.parse().ok()?;
                    Some((name, id))
                })
                .collect()
        };
        EtcIds {
            users: read("/etc/passwd"),
            groups: read("/etc/group"),
        }
    }
}

impl IdResolver for EtcIds {
    fn uid(&self, name: &str) -> Option<u32> {
        self.users.get(name).copied()
    }
    fn gid(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }
}

/// Everything the daemon needs from the configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration map as corosync holds it after startup.
    pub map: ConfigMap,
    /// Totem.
    pub totem: TotemConfig,
    /// Logging.
    pub log: LogConfig,
    /// system.state_dir or the default.
    pub state_dir: PathBuf,
    /// What the service engines get.
    pub services: ServicesConfig,
    /// udpu peers (every node, ourselves included) by nodeid.
    pub peers: Vec<(u32, SocketAddr)>,
    /// Our own address and port.
    pub bind: SocketAddr,
    /// Warnings to log once logging is up.
    pub warnings: Vec<String>,
}

/// A configuration error: the text the reference prints and its exit status.
#[derive(Debug, Clone)]
pub struct ConfError {
    /// Message.
    pub text: String,
    /// Exit status.
    pub code: i32,
}

fn err(text: impl Into<String>, code: i32) -> ConfError {
    ConfError {
        text: text.into(),
        code,
    }
}

/// Parse the file (coroparse_configparse, including uidgid.d).
pub fn read_map(path: &Path) -> Result<ConfigMap, ConfError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        err(
            format!("Can't read file {}: {}", path.display(), strerror(&e)),
            exit::MAINCONFIGREAD,
        )
    })?;
    let ids = EtcIds::load();
    let mut map = parse(&text, &path.display().to_string(), &ids)
        .map_err(|e| err(e.to_string(), exit::MAINCONFIGREAD))?;
    let dir = path.parent().unwrap_or(Path::new(".")).join("uidgid.d");
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            if !f.is_file() {
                continue;
            }
            let t = std::fs::read_to_string(&f).unwrap_or_default();
            let m = parse(&t, &f.display().to_string(), &ids)
                .map_err(|e| err(e.to_string(), exit::MAINCONFIGREAD))?;
            for (k, v) in m {
                if !k.starts_with("uidgid.config.") {
                    return Err(err(
                        "uidgid: Can't add subsection different than uidgid",
                        exit::MAINCONFIGREAD,
                    ));
                }
                map.insert(k, v);
            }
        }
    }
    Ok(map)
}

fn strerror(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// The host's name and addresses (uname + getifaddrs).
pub fn local_host() -> LocalHost {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let addrs = nix::ifaddrs::getifaddrs()
        .map(|it| {
            it.filter_map(|i| {
                let a = i.address?;
                if let Some(v4) = a.as_sockaddr_in() {
                    return Some(IpAddr::V4(v4.ip()));
                }
                a.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
            })
            .collect()
        })
        .unwrap_or_default();
    LocalHost { hostname, addrs }
}

fn resolve(a: &str) -> Option<IpAddr> {
    if let Ok(ip) = a.parse() {
        return Some(ip);
    }
    (a, 0).to_socket_addrs().ok()?.map(|s| s.ip()).next()
}

/// Build everything from a parsed map (startup and reload use the same).
pub fn derive(mut map: ConfigMap, host: &LocalHost) -> Result<Loaded, ConfError> {
    let mut warnings = Vec::new();
    let mut totem =
        TotemConfig::from_map(&map, host).map_err(|e| err(e.to_string(), e.exit_code()))?;
    match totem.transport {
        Transport::Udpu => {}
        other => {
            warnings.push(format!(
                "transport {} is not implemented by Atrium; using UDP unicast on link 0 (only Atrium nodes can join such a ring)",
                match other {
                    Transport::Knet => "knet",
                    _ => "udp",
                }
            ));
            totem.netmtu = corosync_config::totem::UDP_NETMTU;
        }
    }
    let log = LogConfig::from_map(&map)
        .map_err(|e| err(format!("parse error in config: {e}."), exit::LOGCONFIGREAD))?;
    let state_dir = match map.get("system.state_dir") {
        Some(Value::Str(s)) => PathBuf::from(s),
        _ => PathBuf::from(DEFAULT_STATE_DIR),
    };
    let pos = totem.local_node_pos.unwrap_or(0);
    map.insert("nodelist.local_node_pos".into(), Value::U32(pos));
    let port = totem.ports.get(&0).copied().unwrap_or(5405);
    let mut peers = Vec::new();
    let mut nodes = BTreeMap::new();
    let mut local = None;
    for n in &totem.nodes {
        let mut links = Vec::new();
        for (link, a) in &n.addrs {
            let Some(ip) = resolve(a) else {
                return Err(err(
                    format!("Unable to resolve node name '{a}'"),
                    exit::MAINCONFIGREAD,
                ));
            };
            links.push((*link, ip));
            if *link == 0 {
                peers.push((n.nodeid, SocketAddr::new(ip, port)));
                if Some(n.position) == totem.local_node_pos {
                    local = Some(ip);
                }
            }
        }
        if totem.transport != Transport::Udpu {
            links.retain(|(l, _)| *l == 0);
        }
        nodes.insert(n.nodeid, links);
    }
    let Some(local) = local else {
        return Err(err(
            "parse error in config: No valid name found for local host",
            exit::MAINCONFIGREAD,
        ));
    };
    map.insert(
        "totem.interface.0.bindnetaddr".into(),
        Value::Str(local.to_string()),
    );
    let runtime_totem = totem.runtime_keys();
    let services = ServicesConfig {
        nodeid: totem.nodeid,
        map: map.clone(),
        runtime_totem,
        links: LinkView {
            nodes,
            mtu: totem.netmtu.saturating_sub(90),
        },
    };
    Ok(Loaded {
        map,
        log,
        state_dir,
        services,
        peers,
        bind: SocketAddr::new(local, port),
        totem,
        warnings,
    })
}

/// The map a cfg reload applies: the re-read file as parsed, plus
/// `nodelist.local_node_pos` from `derived` (totemconfig_configure_new_params
/// reinstates it). What else startup derives, `totem.interface.0.bindnetaddr`
/// from the nodelist, a reload does not recreate: the reference removes it
/// from the live map as a deleted `totem.` entry.
#[doc(alias = "totemconfig_configure_new_params")]
pub fn reload_map(mut file: ConfigMap, derived: &ConfigMap) -> ConfigMap {
    if let Some(pos) = derived.get("nodelist.local_node_pos") {
        file.insert("nodelist.local_node_pos".into(), pos.clone());
    }
    file
}

/// Read and derive.
pub fn load(path: &Path) -> Result<Loaded, ConfError> {
    derive(read_map(path)?, &local_host())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_map_is_the_file_plus_local_node_pos() {
        let mut file = ConfigMap::new();
        file.insert("totem.token".into(), Value::U32(1000));
        let mut derived = file.clone();
        derived.insert("nodelist.local_node_pos".into(), Value::U32(2));
        derived.insert(
            "totem.interface.0.bindnetaddr".into(),
            Value::Str("10.0.0.3".into()),
        );
        let r = reload_map(file.clone(), &derived);
        assert_eq!(r.get("nodelist.local_node_pos"), Some(&Value::U32(2)));
        assert_eq!(r.get("totem.interface.0.bindnetaddr"), None);
        assert_eq!(r.get("totem.token"), Some(&Value::U32(1000)));
        // A bindnetaddr written in the file stays as written.
        file.insert(
            "totem.interface.0.bindnetaddr".into(),
            Value::Str("10.0.0.0".into()),
        );
        let r = reload_map(file, &derived);
        assert_eq!(
            r.get("totem.interface.0.bindnetaddr"),
            Some(&Value::Str("10.0.0.0".into()))
        );
    }
}
