//! The Totem configuration corosync derives from the map (totemconfig.c):
//! transport, crypto, nodelist and links, the local node, and every timer
//! with the values corosync publishes under `runtime.config.totem.*`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use crate::parse::ConfigMap;
use crate::value::Value;

/// TOKEN_TIMEOUT (ms).
pub const TOKEN_TIMEOUT: u32 = 3000;
/// TOKEN_COEFFICIENT (ms per node beyond two).
pub const TOKEN_COEFFICIENT: u32 = 650;
/// TOKEN_RETRANSMITS_BEFORE_LOSS_CONST.
pub const TOKEN_RETRANSMITS_BEFORE_LOSS_CONST: u32 = 4;
/// TOKEN_WARNING (% of token).
pub const TOKEN_WARNING: u32 = 75;
/// JOIN_TIMEOUT (ms).
pub const JOIN_TIMEOUT: u32 = 50;
/// MERGE_TIMEOUT (ms).
pub const MERGE_TIMEOUT: u32 = 200;
/// DOWNCHECK_TIMEOUT (ms).
pub const DOWNCHECK_TIMEOUT: u32 = 1000;
/// FAIL_TO_RECV_CONST (token visits).
pub const FAIL_TO_RECV_CONST: u32 = 2500;
/// SEQNO_UNCHANGED_CONST (rotations).
pub const SEQNO_UNCHANGED_CONST: u32 = 30;
/// MAX_NETWORK_DELAY (ms).
pub const MAX_NETWORK_DELAY: u32 = 50;
/// WINDOW_SIZE (messages per rotation).
pub const WINDOW_SIZE: u32 = 50;
/// MAX_MESSAGES (messages per token visit).
pub const MAX_MESSAGES: u32 = 17;
/// MISS_COUNT_CONST (visits before a gap is put on the rtr list).
pub const MISS_COUNT_CONST: u32 = 5;
/// KNET_PMTUD_INTERVAL (s).
pub const KNET_PMTUD_INTERVAL: u32 = 30;
/// KNET_PONG_COUNT.
pub const KNET_PONG_COUNT: u32 = 2;
/// UDP_NETMTU.
pub const UDP_NETMTU: u32 = 1500;
/// KNET_MAX_PACKET_SIZE, knet's netmtu.
pub const KNET_NETMTU: u32 = 65536;
/// DEFAULT_PORT.
pub const DEFAULT_PORT: u16 = 5405;
/// INTERFACE_MAX.
pub const INTERFACE_MAX: u32 = 8;
/// The kernel HZ corosync was built with (1000/HZ appears in the formulas).
pub const HZ: u32 = 100;
/// MINIMUM_TIMEOUT: (1000/HZ)*3.
pub const MINIMUM_TIMEOUT: u32 = (1000 / HZ) * 3;
/// MINIMUM_TIMEOUT_HOLD: MINIMUM_TIMEOUT*0.8 - 1000/HZ.
pub const MINIMUM_TIMEOUT_HOLD: u32 = 14;

/// A configuration the reference would refuse, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Reported by totem_config_read (printed as is).
    Read(String),
    /// Reported by totem_config_validate (printed after
    /// "parse error in config: ").
    Invalid(String),
}

impl ConfigError {
    /// corosync's exit status for it (COROSYNC_DONE_MAINCONFIGREAD).
    pub fn exit_code(&self) -> i32 {
        8
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read(m) => f.write_str(m),
            ConfigError::Invalid(m) => write!(f, "parse error in config: {m}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// totem.transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Kronosnet (default).
    Knet,
    /// UDP multicast.
    Udp,
    /// UDP unicast to every nodelist member.
    Udpu,
}

/// One `nodelist.node` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Position in the nodelist (the N of nodelist.node.N).
    pub position: u32,
    /// Its nodeid (explicit, or generated from ring0 for udp/udpu).
    pub nodeid: u32,
    /// `name`, when present.
    pub name: Option<String>,
    /// `ringX_addr` values by link number.
    pub addrs: BTreeMap<u32, String>,
    /// `quorum_votes`, when present.
    pub quorum_votes: Option<u32>,
}

/// What the host looks like, for finding the local node (uname + getifaddrs).
#[derive(Debug, Clone, Default)]
pub struct LocalHost {
    /// uname nodename.
    pub hostname: String,
    /// Addresses of the host's interfaces.
    pub addrs: Vec<IpAddr>,
}

/// Every Totem tunable as corosync runs with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Timers {
    pub token: u32,
    pub token_warning: u32,
    pub token_retransmit: u32,
    pub hold: u32,
    pub token_retransmits_before_loss_const: u32,
    pub join: u32,
    pub send_join: u32,
    pub consensus: u32,
    pub merge: u32,
    pub downcheck: u32,
    pub fail_recv_const: u32,
    pub seqno_unchanged_const: u32,
    pub heartbeat_failures_allowed: u32,
    pub max_network_delay: u32,
    pub window_size: u32,
    pub max_messages: u32,
    pub miss_count_const: u32,
    pub knet_pmtud_interval: u32,
    pub knet_mtu: u32,
    pub knet_compression_threshold: u32,
    pub knet_compression_level: i32,
    pub knet_compression_model: String,
    pub block_unlisted_ips: u32,
    pub cancel_token_hold_on_retransmit: u32,
}

/// The derived Totem configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotemConfig {
    /// totem.version (must be 2).
    pub version: u32,
    /// totem.cluster_name.
    pub cluster_name: Option<String>,
    /// Transport.
    pub transport: Transport,
    /// crypto_cipher.
    pub crypto_cipher: String,
    /// crypto_hash.
    pub crypto_hash: String,
    /// netmtu (1500 udp/udpu, 65536 knet unless set).
    pub netmtu: u32,
    /// The nodelist in position order.
    pub nodes: Vec<Node>,
    /// Position of the local node in the nodelist.
    pub local_node_pos: Option<u32>,
    /// The local nodeid.
    pub nodeid: u32,
    /// UDP port of each configured link.
    pub ports: BTreeMap<u32, u16>,
    /// Timers and tunables.
    pub timers: Timers,
    /// knet ping interval/timeout per configured link (published even for udpu).
    pub knet_ping: BTreeMap<u32, (u32, u32)>,
}

fn get_u32(map: &ConfigMap, key: &str) -> Option<u32> {
    map.get(key).and_then(Value::as_u32)
}

fn get_str<'m>(map: &'m ConfigMap, key: &str) -> Option<&'m str> {
    map.get(key).and_then(Value::as_str)
}

/// generate_nodeid: the IPv4 address as the nodeid corosync generates (host order of the
/// network-order address).
pub fn generate_nodeid(addr: &str, clear_high_bit: bool) -> Option<u32> {
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let id = u32::from(ip);
    Some(if clear_high_bit { id & 0x7fff_ffff } else { id })
}

/// Derive the volatile part (totem_volatile_config_read): defaults, the
/// token coefficient, and the timers computed from the token.
#[doc(alias = "totem_volatile_config_read")]
pub fn volatile_config(map: &ConfigMap, member_count: usize) -> Timers {
    let nz = |k: &str, d: u32| get_u32(map, k).filter(|&v| v != 0).unwrap_or(d);
    let z = |k: &str, d: u32| get_u32(map, k).unwrap_or(d);
    let boolean = |k: &str, d: u32| match get_str(map, k) {
        Some("yes") => 1,
        Some("no") => 0,
        _ => d,
    };
    let retransmits = nz(
        "totem.token_retransmits_before_loss_const",
        TOKEN_RETRANSMITS_BEFORE_LOSS_CONST,
    );
    let mut token = nz("totem.token", TOKEN_TIMEOUT);
    let token_warning = z("totem.token_warning", TOKEN_WARNING);
    if member_count > 2 {
        let coeff = get_u32(map, "totem.token_coefficient").unwrap_or(TOKEN_COEFFICIENT);
        token = token.wrapping_add((member_count as u32 - 2).wrapping_mul(coeff));
    }
    let token_retransmit = nz(
        "totem.token_retransmit",
        (token as f64 / (retransmits as f64 + 0.2)) as i32 as u32,
    );
    let hold = nz(
        "totem.hold",
        (token_retransmit as f64 * 0.8 - (1000 / HZ) as f64) as i32 as u32,
    );
    let consensus = nz("totem.consensus", (1.2 * token as f64) as f32 as i32 as u32);
    Timers {
        token,
        token_warning,
        token_retransmit,
        hold,
        token_retransmits_before_loss_const: retransmits,
        join: nz("totem.join", JOIN_TIMEOUT),
        send_join: z("totem.send_join", 0),
        consensus,
        merge: nz("totem.merge", MERGE_TIMEOUT),
        downcheck: nz("totem.downcheck", DOWNCHECK_TIMEOUT),
        fail_recv_const: nz("totem.fail_recv_const", FAIL_TO_RECV_CONST),
        seqno_unchanged_const: nz("totem.seqno_unchanged_const", SEQNO_UNCHANGED_CONST),
        heartbeat_failures_allowed: z("totem.heartbeat_failures_allowed", 0),
        max_network_delay: nz("totem.max_network_delay", MAX_NETWORK_DELAY),
        window_size: nz("totem.window_size", WINDOW_SIZE),
        max_messages: nz("totem.max_messages", MAX_MESSAGES),
        miss_count_const: nz("totem.miss_count_const", MISS_COUNT_CONST),
        knet_pmtud_interval: nz("totem.knet_pmtud_interval", KNET_PMTUD_INTERVAL),
        knet_mtu: nz("totem.knet_mtu", 0),
        knet_compression_threshold: z("totem.knet_compression_threshold", 0),
        knet_compression_level: match map.get("totem.knet_compression_level") {
            Some(Value::I32(v)) => *v,
            _ => 0,
        },
        knet_compression_model: get_str(map, "totem.knet_compression_model")
            .unwrap_or("none")
            .to_string(),
        block_unlisted_ips: boolean("totem.block_unlisted_ips", 1),
        cancel_token_hold_on_retransmit: boolean("totem.cancel_token_hold_on_retransmit", 0),
    }
}

fn nodelist(map: &ConfigMap) -> Vec<Node> {
    let mut nodes: BTreeMap<u32, Node> = BTreeMap::new();
    for (k, v) in map.range("nodelist.node.".to_string()..) {
        let Some(rest) = k.strip_prefix("nodelist.node.") else {
            break;
        };
        let Some((pos, key)) = rest.split_once('.') else {
            continue;
        };
        let Ok(pos) = pos.parse::<u32>() else {
            continue;
        };
        let n = nodes.entry(pos).or_insert_with(|| Node {
            position: pos,
            nodeid: 0,
            name: None,
            addrs: BTreeMap::new(),
            quorum_votes: None,
        });
        match (key, v) {
            ("nodeid", Value::U32(id)) => n.nodeid = *id,
            ("name", Value::Str(s)) => n.name = Some(s.clone()),
            ("quorum_votes", Value::U32(q)) => n.quorum_votes = Some(*q),
            (k, Value::Str(s)) => {
                if let Some(link) = k
                    .strip_prefix("ring")
                    .and_then(|r| r.strip_suffix("_addr"))
                    .and_then(|l| l.parse::<u32>().ok())
                {
                    n.addrs.insert(link, s.clone());
                }
            }
            _ => {}
        }
    }
    nodes.into_values().collect()
}

/// find_local_node without DNS: the nodelist entry whose name or ring0
/// address is the host name (or a shorter form of it), else whose ring
/// address is one of the host's addresses.
pub fn find_local_node(nodes: &[Node], host: &LocalHost) -> Option<u32> {
    let by_name = |name: &str, strip: bool| {
        nodes.iter().find_map(|n| {
            let cands = n.name.iter().chain(n.addrs.get(&0));
            cands
                .into_iter()
                .any(|c| {
                    let c = if strip {
                        c.split('.').next().unwrap_or(c)
                    } else {
                        c
                    };
                    c == name
                })
                .then_some(n.position)
        })
    };
    if !host.hostname.is_empty() {
        if let Some(p) = by_name(&host.hostname, false) {
            return Some(p);
        }
        let mut h = host.hostname.as_str();
        while let Some(i) = h.rfind('.') {
            h = &h[..i];
            if let Some(p) = by_name(h, false) {
                return Some(p);
            }
        }
        if let Some(p) = by_name(h, true) {
            return Some(p);
        }
    }
    nodes.iter().find_map(|n| {
        n.addrs
            .values()
            .filter_map(|a| a.parse::<IpAddr>().ok())
            .any(|a| host.addrs.contains(&a))
            .then_some(n.position)
    })
}

impl TotemConfig {
    /// totem_config_read + totem_config_validate for a nodelist-based
    /// configuration.
    #[doc(alias = "totem_config_read")]
    pub fn from_map(map: &ConfigMap, host: &LocalHost) -> Result<TotemConfig, ConfigError> {
        let transport = match get_str(map, "totem.transport") {
            None | Some("knet") => Transport::Knet,
            Some("udpu") => Transport::Udpu,
            Some("udp") => Transport::Udp,
            Some(_) => {
                return Err(ConfigError::Read(
                    "Invalid transport type. Should be udpu, udp or knet".into(),
                ))
            }
        };
        let crypto_cipher = get_str(map, "totem.crypto_cipher")
            .unwrap_or("none")
            .to_string();
        let crypto_hash = get_str(map, "totem.crypto_hash")
            .unwrap_or("none")
            .to_string();
        if crypto_cipher != "none" && crypto_hash == "none" {
            return Err(ConfigError::Read(
                "crypto_cipher requires crypto_hash with value other than none".into(),
            ));
        }
        let clear_high_bit = get_str(map, "totem.clear_node_high_bit") == Some("yes");
        let mut nodes = nodelist(map);
        for n in &mut nodes {
            if n.nodeid == 0 && matches!(transport, Transport::Udp | Transport::Udpu) {
                if let Some(a) = n.addrs.get(&0) {
                    n.nodeid = generate_nodeid(a, clear_high_bit).ok_or_else(|| {
                        ConfigError::Read(format!(
                            "An IPV6 network requires that a node ID be specified for address '{a}'."
                        ))
                    })?;
                }
            }
            if n.nodeid == 0 && transport == Transport::Knet {
                if let Some(a) = n.addrs.values().next() {
                    return Err(ConfigError::Read(format!(
                        "Knet requires an explicit nodeid to be specified for address '{a}'."
                    )));
                }
            }
            if let Some(link) = n.addrs.keys().find(|&&l| l >= INTERFACE_MAX) {
                return Err(ConfigError::Read(format!(
                    "parse error in config: interface ring number {link} is bigger than allowed maximum {}\n",
                    INTERFACE_MAX - 1
                )));
            }
        }
        let mut members: BTreeMap<u32, usize> = BTreeMap::new();
        for n in &nodes {
            for l in n.addrs.keys() {
                *members.entry(*l).or_default() += 1;
            }
        }
        let local_node_pos = find_local_node(&nodes, host);
        let nodeid = local_node_pos
            .and_then(|p| nodes.iter().find(|n| n.position == p))
            .map(|n| n.nodeid)
            .unwrap_or(0);
        let timers = volatile_config(map, members.get(&0).copied().unwrap_or(0));
        let mut ports = BTreeMap::new();
        let mut knet_ping = BTreeMap::new();
        for &l in members.keys() {
            let port = match map.get(&format!("totem.interface.{l}.mcastport")) {
                Some(Value::U16(p)) => *p,
                _ if transport == Transport::Udp => DEFAULT_PORT + 2 * l as u16,
                _ => DEFAULT_PORT + l as u16,
            };
            ports.insert(l, port);
            let pong = get_u32(map, &format!("totem.interface.{l}.knet_pong_count"))
                .filter(|&v| v != 0)
                .unwrap_or(KNET_PONG_COUNT);
            let timeout = get_u32(map, &format!("totem.interface.{l}.knet_ping_timeout"))
                .filter(|&v| v != 0)
                .unwrap_or(timers.token / pong);
            let interval = get_u32(map, &format!("totem.interface.{l}.knet_ping_interval"))
                .filter(|&v| v != 0)
                .unwrap_or(timers.token / (pong * 2));
            knet_ping.insert(l, (interval, timeout));
        }
        let cfg = TotemConfig {
            version: get_u32(map, "totem.version").unwrap_or(0),
            cluster_name: get_str(map, "totem.cluster_name").map(str::to_string),
            transport,
            netmtu: get_u32(map, "totem.netmtu").filter(|&v| v != 0).unwrap_or(
                if transport == Transport::Knet {
                    KNET_NETMTU
                } else {
                    UDP_NETMTU
                },
            ),
            crypto_cipher,
            crypto_hash,
            nodes,
            local_node_pos,
            nodeid,
            ports,
            timers,
            knet_ping,
        };
        cfg.validate(map)?;
        Ok(cfg)
    }

    fn validate(&self, map: &ConfigMap) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.ports.is_empty() {
            return bad("No interfaces defined".into());
        }
        if self.local_node_pos.is_none() {
            return bad("No valid name found for local host".into());
        }
        if self.version != 2 {
            return bad("This totem parser can only parse version 2 configurations.".into());
        }
        let t = &self.timers;
        let min = MINIMUM_TIMEOUT;
        if t.max_network_delay < min {
            return bad(format!(
                "The max_network_delay parameter ({} ms) may not be less than ({min} ms).",
                t.max_network_delay
            ));
        }
        if t.token < min {
            return bad(format!(
                "The token timeout parameter ({} ms) may not be less than ({min} ms).",
                t.token
            ));
        }
        if t.token_warning > 100 {
            return bad(format!(
                "The token warning parameter ({}%) must be between 0 (disabled) and 100.",
                t.token_warning
            ));
        }
        if t.token_retransmit < min {
            return bad(if map.contains_key("totem.token_retransmit") {
                format!(
                    "The token retransmit timeout parameter ({} ms) may not be less than ({min} ms).",
                    t.token_retransmit
                )
            } else {
                "Not appropriate token or token_retransmits_before_loss_const value set".into()
            });
        }
        if t.hold < MINIMUM_TIMEOUT_HOLD {
            return bad(format!(
                "The token hold timeout parameter ({} ms) may not be less than ({MINIMUM_TIMEOUT_HOLD} ms).",
                t.hold
            ));
        }
        if t.join < min {
            return bad(format!(
                "The join timeout parameter ({} ms) may not be less than ({min} ms).",
                t.join
            ));
        }
        if t.consensus < min {
            return bad(format!(
                "The consensus timeout parameter ({} ms) may not be less than ({min} ms).",
                t.consensus
            ));
        }
        if t.consensus < t.join {
            return bad(format!(
                "The consensus timeout parameter ({} ms) may not be less than join timeout ({} ms).",
                t.consensus, t.join
            ));
        }
        if t.merge < min {
            return bad(format!(
                "The merge timeout parameter ({} ms) may not be less than ({min} ms).",
                t.merge
            ));
        }
        if t.downcheck < min {
            return bad(format!(
                "The downcheck timeout parameter ({} ms) may not be less than ({min} ms).",
                t.downcheck
            ));
        }
        let mut seen = BTreeMap::new();
        for n in &self.nodes {
            if let Some(prev) = seen.insert(n.nodeid, n.position) {
                let _ = prev;
                return Err(ConfigError::Read(format!(
                    "Nodeid {} appears twice in corosync.conf",
                    n.nodeid
                )));
            }
        }
        if self.transport != Transport::Knet && self.ports.len() > 1 {
            return bad(format!(
                "{} is too many configured interfaces for non-Knet transport.",
                self.ports.len()
            ));
        }
        if self.transport != Transport::Knet
            && (self.crypto_cipher != "none" || self.crypto_hash != "none")
        {
            return bad(
                "crypto_cipher & crypto_hash are only valid for the Knet transport.".into(),
            );
        }
        Ok(())
    }

    /// The `runtime.config.totem.*` keys corosync publishes in cmap, with
    /// their values and types.
    pub fn runtime_keys(&self) -> BTreeMap<String, Value> {
        let t = &self.timers;
        let mut m = BTreeMap::new();
        let mut u = |k: &str, v: u32| {
            m.insert(format!("runtime.config.totem.{k}"), Value::U32(v));
        };
        u("block_unlisted_ips", t.block_unlisted_ips);
        u(
            "cancel_token_hold_on_retransmit",
            t.cancel_token_hold_on_retransmit,
        );
        u("consensus", t.consensus);
        u("downcheck", t.downcheck);
        u("fail_recv_const", t.fail_recv_const);
        u("heartbeat_failures_allowed", t.heartbeat_failures_allowed);
        u("hold", t.hold);
        u("join", t.join);
        u("knet_compression_threshold", t.knet_compression_threshold);
        u("knet_mtu", t.knet_mtu);
        u("knet_pmtud_interval", t.knet_pmtud_interval);
        u("max_messages", t.max_messages);
        u("max_network_delay", t.max_network_delay);
        u("merge", t.merge);
        u("miss_count_const", t.miss_count_const);
        u("send_join", t.send_join);
        u("seqno_unchanged_const", t.seqno_unchanged_const);
        u("token", t.token);
        u("token_retransmit", t.token_retransmit);
        u(
            "token_retransmits_before_loss_const",
            t.token_retransmits_before_loss_const,
        );
        u("token_warning", t.token_warning);
        u("window_size", t.window_size);
        for (l, (interval, timeout)) in &self.knet_ping {
            u(&format!("interface.{l}.knet_ping_interval"), *interval);
            u(&format!("interface.{l}.knet_ping_timeout"), *timeout);
        }
        m.insert(
            "runtime.config.totem.knet_compression_level".into(),
            Value::I32(t.knet_compression_level),
        );
        m.insert(
            "runtime.config.totem.knet_compression_model".into(),
            Value::Str(t.knet_compression_model.clone()),
        );
        m
    }

    /// The packet size totempg may fill: netmtu minus two MCAST headers
    /// (totemsrp_net_mtu_adjust), minus the totempg header.
    pub fn totempg_packet_size(&self) -> usize {
        (self.netmtu as usize).saturating_sub(2 * 45 + 8)
    }
}
