//! What a lab is made of ([`LabConfig`]) and the files generated from it:
//! `corosync.conf`, the initial CIB, `/etc/hosts`. Pure: no I/O except
//! [`newest_schema`], which lists the installed schemas.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which daemons a node's init starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// corosync, then pacemakerd (which starts the Pacemaker daemons).
    Pacemaker,
    /// corosync only (membership and quorum tests).
    Corosync,
    /// Nothing: just the namespaces; start processes with `Lab::spawn`.
    None,
}

impl Stack {
    /// The word node-init.sh understands.
    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Pacemaker => "pacemaker",
            Stack::Corosync => "corosync",
            Stack::None => "none",
        }
    }

    /// Inverse of [`Stack::as_str`].
    pub fn parse(s: &str) -> Option<Stack> {
        match s {
            "pacemaker" => Some(Stack::Pacemaker),
            "corosync" => Some(Stack::Corosync),
            "none" => Some(Stack::None),
            _ => None,
        }
    }
}

/// Corosync transport written into `corosync.conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// kronosnet, corosync 3's default (one link per ring).
    Knet,
    /// UDP unicast (the Totem wire format without knet framing; one ring).
    Udpu,
}

impl Transport {
    /// The `totem.transport` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Knet => "knet",
            Transport::Udpu => "udpu",
        }
    }

    /// Inverse of [`Transport::as_str`].
    pub fn parse(s: &str) -> Option<Transport> {
        match s {
            "knet" => Some(Transport::Knet),
            "udpu" => Some(Transport::Udpu),
            _ => None,
        }
    }
}

/// Everything that defines a lab. Build with [`LabConfig::new`] and the
/// chained setters, then hand it to `Lab::create` or `Lab::up`.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Number of nodes, named `n1` … `nN`, node ids 1 … N.
    pub nodes: usize,
    /// Lab id: names its directory and namespaces (`atlab-<id>-…`).
    /// `None` picks a unique one from the process id.
    pub id: Option<String>,
    pub stack: Stack,
    pub transport: Transport,
    /// Number of rings (knet links); each is its own bridge and subnet.
    pub rings: u8,
    /// `totem.token` in milliseconds (small = fast failure detection).
    pub token_ms: u32,
    /// Cluster properties written into the initial CIB (`crm_config`).
    pub properties: Vec<(String, String)>,
    /// Per node (1-based): absolute target path → replacement binary.
    pub substitutions: BTreeMap<usize, BTreeMap<PathBuf, PathBuf>>,
    /// Extra environment for the node's daemons (e.g. `PCMK_debug`).
    pub env: Vec<(String, String)>,
    /// Kill every node when the thread that started it exits (tests: yes;
    /// the CLI, whose cluster outlives it: no).
    pub die_with_owner: bool,
    /// Keep the lab directory after teardown (also `ATRIUM_LAB_KEEP=1`).
    pub keep_dir: bool,
    /// How long a graceful node stop may take before it is killed.
    pub stop_timeout: Duration,
    /// Corosync debug logging.
    pub debug: bool,
}

/// Subnet of ring `r`; node `i` is `.i`. Only ever used inside the lab's
/// own namespaces, so labs may all use it at once.
pub const SUBNET_PREFIX: &str = "10.214";

impl LabConfig {
    /// `n` reference nodes, knet, one ring, stonith off, a short
    /// `dc-deadtime` so a lone node elects itself quickly.
    pub fn new(n: usize) -> LabConfig {
        LabConfig {
            nodes: n,
            id: None,
            stack: Stack::Pacemaker,
            transport: Transport::Knet,
            rings: 1,
            token_ms: 1000,
            properties: vec![
                ("stonith-enabled".into(), "false".into()),
                ("dc-deadtime".into(), "2s".into()),
            ],
            substitutions: BTreeMap::new(),
            env: Vec::new(),
            die_with_owner: true,
            keep_dir: false,
            stop_timeout: Duration::from_secs(60),
            debug: false,
        }
    }

    /// Set the lab id (letters, digits, `_`; at most 24 characters).
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    pub fn stack(mut self, stack: Stack) -> Self {
        self.stack = stack;
        self
    }

    pub fn transport(mut self, t: Transport) -> Self {
        self.transport = t;
        self
    }

    pub fn rings(mut self, rings: u8) -> Self {
        self.rings = rings;
        self
    }

    pub fn token_ms(mut self, ms: u32) -> Self {
        self.token_ms = ms;
        self
    }

    /// Set (or replace) a cluster property in the initial CIB.
    pub fn property(mut self, name: &str, value: &str) -> Self {
        self.properties.retain(|(n, _)| n != name);
        self.properties.push((name.into(), value.into()));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn die_with_owner(mut self, yes: bool) -> Self {
        self.die_with_owner = yes;
        self
    }

    pub fn keep_dir(mut self, yes: bool) -> Self {
        self.keep_dir = yes;
        self
    }

    pub fn debug(mut self, yes: bool) -> Self {
        self.debug = yes;
        self
    }

    /// On node `node` (1-based), run `binary` in place of `daemon`: a short
    /// name (`based`, `controld`, `pacemakerd`, `corosync`, …), a file name
    /// (`pacemaker-based`) or an absolute path. See [`daemon_path`].
    pub fn substitute(mut self, node: usize, daemon: &str, binary: impl Into<PathBuf>) -> Self {
        let target = daemon_path(daemon);
        self.substitutions
            .entry(node)
            .or_default()
            .insert(target, binary.into());
        self
    }

    /// [`LabConfig::substitute`] on every node.
    pub fn substitute_all(mut self, daemon: &str, binary: impl Into<PathBuf>) -> Self {
        let binary = binary.into();
        for i in 1..=self.nodes {
            self = self.substitute(i, daemon, binary.clone());
        }
        self
    }

    /// Node `i`'s name.
    pub fn node_name(&self, i: usize) -> String {
        node_name(i)
    }

    /// Check the numbers before anything is created.
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes > 200 {
            return Err(format!("node count {} is not in 1..=200", self.nodes));
        }
        if self.rings == 0 || self.rings > 8 {
            return Err(format!("ring count {} is not in 1..=8", self.rings));
        }
        if self.transport == Transport::Udpu && self.rings > 1 {
            return Err("udpu supports a single ring".into());
        }
        if let Some(id) = &self.id {
            if !valid_id(id) {
                return Err(format!("lab id {id:?}: use 1-24 letters, digits or '_'"));
            }
        }
        for (node, subs) in &self.substitutions {
            if *node == 0 || *node > self.nodes {
                return Err(format!(
                    "substitution for node {node}, which does not exist"
                ));
            }
            for (target, source) in subs {
                if !source.is_absolute() {
                    return Err(format!(
                        "substitute for {}: {} is not an absolute path",
                        target.display(),
                        source.display()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A lab id is short and safe in file and namespace names.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 24 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Name of node `i` (1-based).
pub fn node_name(i: usize) -> String {
    format!("n{i}")
}

/// Address of node `i` on ring `ring`.
pub fn node_addr(ring: u8, i: usize) -> String {
    format!("{SUBNET_PREFIX}.{ring}.{i}")
}

/// Where a daemon lives, from a short name (`based` → pacemaker-based),
/// a file name, or an absolute path (kept as is).
pub fn daemon_path(daemon: &str) -> PathBuf {
    let p = Path::new(daemon);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    match daemon {
        "corosync" => PathBuf::from("/usr/sbin/corosync"),
        "pacemakerd" => PathBuf::from("/usr/sbin/pacemakerd"),
        "based" | "controld" | "execd" | "fenced" | "attrd" | "schedulerd" => {
            PathBuf::from(format!("/usr/lib/pacemaker/pacemaker-{daemon}"))
        }
        other => PathBuf::from(format!("/usr/lib/pacemaker/{other}")),
    }
}

/// `corosync.conf` for the lab. Logs go to `/var/log/cluster/corosync.log`,
/// which inside a node is its private log directory.
pub fn corosync_conf(cfg: &LabConfig) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail; the results are ignored below.
    let _ = writeln!(s, "# Generated by the Atrium lab.");
    let _ = writeln!(s, "totem {{");
    let _ = writeln!(s, "    version: 2");
    let _ = writeln!(s, "    cluster_name: atlab");
    let _ = writeln!(s, "    transport: {}", cfg.transport.as_str());
    let _ = writeln!(s, "    crypto_cipher: none");
    let _ = writeln!(s, "    crypto_hash: none");
    let _ = writeln!(s, "    token: {}", cfg.token_ms);
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "nodelist {{");
    for i in 1..=cfg.nodes {
        let _ = writeln!(s, "    node {{");
        for r in 0..cfg.rings {
            let _ = writeln!(s, "        ring{r}_addr: {}", node_addr(r, i));
        }
        let _ = writeln!(s, "        name: {}", node_name(i));
        let _ = writeln!(s, "        nodeid: {i}");
        let _ = writeln!(s, "    }}");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "quorum {{");
    let _ = writeln!(s, "    provider: corosync_votequorum");
    if cfg.nodes == 2 {
        let _ = writeln!(s, "    two_node: 1");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "logging {{");
    let _ = writeln!(s, "    to_logfile: yes");
    let _ = writeln!(s, "    logfile: /var/log/cluster/corosync.log");
    let _ = writeln!(s, "    to_syslog: no");
    let _ = writeln!(s, "    to_stderr: no");
    let _ = writeln!(s, "    timestamp: hires");
    let _ = writeln!(s, "    debug: {}", if cfg.debug { "on" } else { "off" });
    let _ = writeln!(s, "}}");
    s
}

/// The initial `cib.xml`: empty configuration plus the lab's cluster
/// properties, validated against `schema` (e.g. `pacemaker-3.9`).
pub fn initial_cib(cfg: &LabConfig, schema: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<cib validate-with=\"{}\" admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\">",
        xml_escape(schema)
    );
    let _ = writeln!(s, "  <configuration>");
    let _ = writeln!(s, "    <crm_config>");
    let _ = writeln!(
        s,
        "      <cluster_property_set id=\"cib-bootstrap-options\">"
    );
    for (name, value) in &cfg.properties {
        let _ = writeln!(
            s,
            "        <nvpair id=\"cib-bootstrap-options-{n}\" name=\"{n}\" value=\"{v}\"/>",
            n = xml_escape(name),
            v = xml_escape(value)
        );
    }
    let _ = writeln!(s, "      </cluster_property_set>");
    let _ = writeln!(s, "    </crm_config>");
    let _ = writeln!(s, "    <nodes/>");
    let _ = writeln!(s, "    <resources/>");
    let _ = writeln!(s, "    <constraints/>");
    let _ = writeln!(s, "  </configuration>");
    let _ = writeln!(s, "  <status/>");
    let _ = writeln!(s, "</cib>");
    s
}

/// `/etc/hosts` naming every node (ring 0 address).
pub fn hosts(cfg: &LabConfig) -> String {
    let mut s = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    for i in 1..=cfg.nodes {
        let _ = writeln!(s, "{}\t{}", node_addr(0, i), node_name(i));
    }
    s
}

/// Newest `pacemaker-X.Y` schema installed in `dir`
/// (`/usr/share/pacemaker`), by numeric version.
pub fn newest_schema(dir: &Path) -> Option<String> {
    let mut best: Option<(u32, u32)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(ver) = name
            .strip_prefix("pacemaker-")
            .and_then(|r| r.strip_suffix(".rng"))
        else {
            continue;
        };
        let Some((maj, min)) = ver.split_once('.') else {
            continue;
        };
        if let (Ok(maj), Ok(min)) = (maj.parse::<u32>(), min.parse::<u32>()) {
            if !matches!(best, Some(b) if b >= (maj, min)) {
                best = Some((maj, min));
            }
        }
    }
    best.map(|(a, b)| format!("pacemaker-{a}.{b}"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corosync_conf_lists_every_node_and_ring() {
        let cfg = LabConfig::new(3).rings(2);
        let conf = corosync_conf(&cfg);
        for i in 1..=3 {
            assert!(conf.contains(&format!("ring0_addr: 10.214.0.{i}\n")));
            assert!(conf.contains(&format!("ring1_addr: 10.214.1.{i}\n")));
            assert!(conf.contains(&format!("nodeid: {i}\n")));
            assert!(conf.contains(&format!("name: n{i}\n")));
        }
        assert!(!conf.contains("two_node"));
        assert_eq!(conf.matches('{').count(), conf.matches('}').count());
    }

    #[test]
    fn two_nodes_get_two_node_quorum() {
        assert!(corosync_conf(&LabConfig::new(2)).contains("two_node: 1"));
    }

    #[test]
    fn initial_cib_carries_properties_escaped() {
        let cfg = LabConfig::new(1).property("cluster-name", "a<b");
        let cib = initial_cib(&cfg, "pacemaker-3.9");
        assert!(cib.contains("name=\"stonith-enabled\" value=\"false\""));
        assert!(cib.contains("value=\"a&lt;b\""));
        assert!(cib.starts_with("<cib validate-with=\"pacemaker-3.9\""));
    }

    #[test]
    fn property_replaces() {
        let cfg = LabConfig::new(1).property("dc-deadtime", "5s");
        let v: Vec<_> = cfg
            .properties
            .iter()
            .filter(|(n, _)| n == "dc-deadtime")
            .collect();
        assert_eq!(v, [&("dc-deadtime".to_string(), "5s".to_string())]);
    }

    #[test]
    fn daemon_paths() {
        assert_eq!(
            daemon_path("based"),
            Path::new("/usr/lib/pacemaker/pacemaker-based")
        );
        assert_eq!(
            daemon_path("pacemaker-execd"),
            Path::new("/usr/lib/pacemaker/pacemaker-execd")
        );
        assert_eq!(daemon_path("corosync"), Path::new("/usr/sbin/corosync"));
        assert_eq!(daemon_path("/x/y"), Path::new("/x/y"));
    }

    #[test]
    fn validation() {
        assert!(LabConfig::new(0).validate().is_err());
        assert!(LabConfig::new(2).id("bad-id").validate().is_err());
        assert!(LabConfig::new(2)
            .transport(Transport::Udpu)
            .rings(2)
            .validate()
            .is_err());
        assert!(LabConfig::new(2)
            .substitute(3, "based", "/bin/true")
            .validate()
            .is_err());
        assert!(LabConfig::new(2)
            .substitute(1, "based", "rel/path")
            .validate()
            .is_err());
        assert!(LabConfig::new(3).id("demo_1").validate().is_ok());
    }

    #[test]
    fn newest_schema_is_numeric() {
        let dir = std::env::temp_dir().join(format!("atlab-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for v in ["2.10", "3.9", "3.10", "next"] {
            std::fs::write(dir.join(format!("pacemaker-{v}.rng")), "").unwrap();
        }
        assert_eq!(newest_schema(&dir).as_deref(), Some("pacemaker-3.10"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
