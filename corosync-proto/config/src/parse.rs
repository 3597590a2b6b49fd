//! corosync.conf → configuration map, as coroparse.c builds icmap.
//!
//! The grammar is line based: `name {` opens a section, `key: value` sets a
//! key, `}` closes; `#` starts a comment line. Keys become dotted paths
//! (`totem.token`). Known numeric keys are stored typed (with the
//! reference's range errors); `totem.interface`, `nodelist.node`,
//! `logging.logger_subsys`, `logging.logging_daemon` and `uidgid` sections
//! are rewritten into their indexed or named keys. Errors carry the
//! reference's text: `parser error: <file>:<line>: <reason>`.

use std::collections::BTreeMap;
use std::fmt;

use crate::value::Value;

/// The flat configuration map (icmap): key path → typed value.
pub type ConfigMap = BTreeMap<String, Value>;

/// ICMAP_KEYNAME_MAXLEN.
pub const KEYNAME_MAXLEN: usize = 255;
/// ICMAP_KEYNAME_MINLEN.
pub const KEYNAME_MINLEN: usize = 3;
/// Longest line fgets reads into coroparse's 512-byte buffer, newline included.
const LINE_MAX: usize = 511;

/// A corosync.conf syntax or value error, formatted like the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// File name as given to the parser.
    pub file: String,
    /// 1-based line number of the line being read.
    pub line: u32,
    /// The reference's reason text.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parser error: {}:{}: {}",
            self.file, self.line, self.reason
        )
    }
}

impl std::error::Error for ParseError {}

/// Looks up users and groups for the `uidgid` section (getpwnam/getgrnam);
/// kept outside the parser so that it does no I/O.
pub trait IdResolver {
    /// Uid of `name`, or None when unknown.
    fn uid(&self, name: &str) -> Option<u32>;
    /// Gid of `name`, or None when unknown.
    fn gid(&self, name: &str) -> Option<u32>;
}

/// A resolver that knows nobody (uidgid entries then fail as with unknown users).
pub struct NoIds;

impl IdResolver for NoIds {
    fn uid(&self, _: &str) -> Option<u32> {
        None
    }
    fn gid(&self, _: &str) -> Option<u32> {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    Totem,
    Interface,
    System,
    LoggerSubsys,
    LoggingDaemon,
    Uidgid,
    Member,
    Quorum,
    Qdevice,
    Nodelist,
    NodelistNode,
    Resources,
    ResourcesSystem,
    ResourcesSystemMemused,
    ResourcesProcess,
    ResourcesProcessMemused,
}

#[derive(Default)]
struct Interface {
    linknumber: u8,
    bindnetaddr: Option<String>,
    mcastaddr: Option<String>,
    broadcast: Option<String>,
    mcastport: Option<u16>,
    ttl: Option<u8>,
    knet_link_priority: Option<u8>,
    knet_ping_interval: Option<u32>,
    knet_ping_timeout: Option<u32>,
    knet_ping_precision: Option<u32>,
    knet_pong_count: Option<u32>,
    knet_transport: Option<String>,
    members: Vec<String>,
}

#[derive(Default)]
struct Data {
    iface: Interface,
    subsys: Option<String>,
    daemon_name: Option<String>,
    kv: Vec<(String, String)>,
    node_number: u32,
}

#[derive(Clone, Copy)]
enum IntType {
    U8,
    U16,
    U32,
    I32,
}

impl IntType {
    fn range(self) -> (i64, i64) {
        match self {
            IntType::U8 => (0, u8::MAX as i64),
            IntType::U16 => (0, u16::MAX as i64),
            IntType::U32 => (0, u32::MAX as i64),
            IntType::I32 => (i32::MIN as i64, i32::MAX as i64),
        }
    }
}

/// strtoll(…, 10) that must consume the whole string, then a range check.
fn safe_atoq(s: &str, t: IntType) -> Option<i64> {
    let (lo, hi) = t.range();
    let v = strtoll_full(s)?;
    (lo..=hi).contains(&v).then_some(v)
}

fn strtoll_full(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty()
        || !digits
            .trim_start_matches('-')
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    t.parse::<i64>().ok()
}

fn str_to_ull(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if let Some(neg) = t.strip_prefix('-') {
        // strtoull negates: "-1" is ULLONG_MAX.
        return neg
            .parse::<u64>()
            .ok()
            .filter(|_| neg.starts_with(|c: char| c.is_ascii_digit()))
            .map(u64::wrapping_neg);
    }
    let d = t.strip_prefix('+').unwrap_or(t);
    if !d.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    d.parse::<u64>().ok()
}

fn valid_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':')
}

/// Turn a name into a valid key part the way icmap does (invalid → `_`).
pub fn convert_name_to_valid_name(s: &str) -> String {
    s.chars()
        .map(|c| if valid_key_char(c) { c } else { '_' })
        .collect()
}

struct Parser<'a> {
    map: ConfigMap,
    data: Data,
    ids: &'a dyn IdResolver,
}

type CbResult = Result<(), String>;

impl Parser<'_> {
    fn set(&mut self, key: &str, v: Value) -> CbResult {
        if !self.map.contains_key(key)
            && (key.len() < KEYNAME_MINLEN
                || key.len() > KEYNAME_MAXLEN
                || !key.chars().all(valid_key_char))
        {
            return Err(format!(
                "Can't store key \"{key}\" into icmap, returned error is CS_ERR_NAME_TOO_LONG"
            ));
        }
        self.map.insert(key.to_string(), v);
        Ok(())
    }

    fn int(
        &mut self,
        key_name: &str,
        store_at: Option<&str>,
        value: &str,
        t: IntType,
    ) -> Result<i64, String> {
        let Some(v) = safe_atoq(value, t) else {
            let (lo, hi) = t.range();
            return Err(format!(
                "Value of key \"{key_name}\" is expected to be integer in range ({lo}..{hi}), but \"{value}\" was given"
            ));
        };
        if let Some(k) = store_at {
            let val = match t {
                IntType::U8 => Value::U8(v as u8),
                IntType::U16 => Value::U16(v as u16),
                IntType::U32 => Value::U32(v as u32),
                IntType::I32 => Value::I32(v as i32),
            };
            self.set(k, val)?;
        }
        Ok(v)
    }

    fn u64(&mut self, path: &str, value: &str) -> CbResult {
        match str_to_ull(value) {
            Some(v) => self.set(path, Value::U64(v)),
            None => Err(format!(
                "Value of key \"{path}\" is expected to be integer in range (0..{}), but \"{value}\" was given",
                u64::MAX
            )),
        }
    }

    fn item(&mut self, path: &str, key: &str, value: &str, state: State) -> CbResult {
        let mut as_string = true;
        match state {
            State::Normal | State::Nodelist => {}
            State::Quorum => {
                if matches!(
                    path,
                    "quorum.expected_votes"
                        | "quorum.votes"
                        | "quorum.last_man_standing_window"
                        | "quorum.leaving_timeout"
                ) {
                    self.int(path, Some(path), value, IntType::U32)?;
                    as_string = false;
                }
                if matches!(
                    path,
                    "quorum.two_node"
                        | "quorum.expected_votes_tracking"
                        | "quorum.allow_downscale"
                        | "quorum.wait_for_all"
                        | "quorum.auto_tie_breaker"
                        | "quorum.last_man_standing"
                ) {
                    self.int(path, Some(path), value, IntType::U8)?;
                    as_string = false;
                }
            }
            State::Qdevice => {
                if matches!(
                    path,
                    "quorum.device.timeout" | "quorum.device.sync_timeout" | "quorum.device.votes"
                ) {
                    self.int(path, Some(path), value, IntType::U32)?;
                    as_string = false;
                }
                if path == "quorum.device.master_wins" {
                    self.int(path, Some(path), value, IntType::U8)?;
                    as_string = false;
                }
            }
            State::Totem => {
                const U32_KEYS: &[&str] = &[
                    "version",
                    "nodeid",
                    "threads",
                    "token",
                    "token_coefficient",
                    "token_retransmit",
                    "token_warning",
                    "hold",
                    "token_retransmits_before_loss_const",
                    "join",
                    "send_join",
                    "consensus",
                    "merge",
                    "downcheck",
                    "fail_recv_const",
                    "seqno_unchanged_const",
                    "rrp_token_expired_timeout",
                    "rrp_problem_count_timeout",
                    "rrp_problem_count_threshold",
                    "rrp_problem_count_mcast_threshold",
                    "rrp_autorecovery_check_timeout",
                    "heartbeat_failures_allowed",
                    "max_network_delay",
                    "window_size",
                    "max_messages",
                    "miss_count_const",
                    "knet_pmtud_interval",
                    "knet_mtu",
                    "knet_compression_threshold",
                    "netmtu",
                ];
                let sub = path.strip_prefix("totem.").unwrap_or("");
                if U32_KEYS.contains(&sub) {
                    self.int(path, Some(path), value, IntType::U32)?;
                    as_string = false;
                }
                match sub {
                    "knet_compression_level" => {
                        self.int(path, Some(path), value, IntType::I32)?;
                        as_string = false;
                    }
                    "config_version" => {
                        self.u64(path, value)?;
                        as_string = false;
                    }
                    "ip_version" if !matches!(value, "ipv4" | "ipv6" | "ipv6-4" | "ipv4-6") => {
                        return Err("Invalid ip_version type".into())
                    }
                    "crypto_model" if !matches!(value, "nss" | "openssl") => {
                        return Err(
                            "Invalid crypto model. Should be nss, openssl".into()
                        )
                    }
                    "crypto_cipher"
                        if !matches!(value, "none" | "aes256" | "aes192" | "aes128") =>
                    {
                        return Err(
                            "Invalid cipher type. Should be none, aes256, aes192 or aes128".into(),
                        )
                    }
                    "crypto_hash"
                        if !matches!(
                            value,
                            "none" | "md5" | "sha1" | "sha256" | "sha384" | "sha512"
                        ) =>
                    {
                        return Err("Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512".into())
                    }
                    "knet_compression_model"
                        if !matches!(
                            value,
                            "none" | "zlib" | "lz4" | "lz4hc" | "lzo2" | "lzma" | "bzip2" | "zstd"
                        ) =>
                    {
                        return Err("Invalid compression model. Should be none, zlib, lz4, lz4hc, lzo2, lzma, bzip2, zstd".into())
                    }
                    _ => {}
                }
            }
            State::System => match path {
                "system.qb_ipc_type" if !matches!(value, "native" | "shm" | "socket") => {
                    return Err("Invalid system.qb_ipc_type".into())
                }
                "system.sched_rr" if !matches!(value, "yes" | "no") => {
                    return Err("Invalid system.sched_rr value".into())
                }
                "system.move_to_root_cgroup" if !matches!(value, "yes" | "no" | "auto") => {
                    return Err("Invalid system.move_to_root_cgroup".into())
                }
                "system.allow_knet_handle_fallback" if !matches!(value, "yes" | "no") => {
                    return Err("Invalid system.allow_knet_handle_fallback".into())
                }
                _ => {}
            },
            State::Interface => {
                let i = &mut self.data.iface;
                let _ = i;
                as_string = false;
                match path {
                    "totem.interface.linknumber" => {
                        self.data.iface.linknumber = self.int(path, None, value, IntType::U8)? as u8
                    }
                    "totem.interface.bindnetaddr" => {
                        self.data.iface.bindnetaddr = Some(value.into())
                    }
                    "totem.interface.mcastaddr" => self.data.iface.mcastaddr = Some(value.into()),
                    "totem.interface.broadcast" => self.data.iface.broadcast = Some(value.into()),
                    "totem.interface.mcastport" => {
                        self.data.iface.mcastport =
                            Some(self.int(path, None, value, IntType::U16)? as u16)
                    }
                    "totem.interface.ttl" => {
                        self.data.iface.ttl = Some(self.int(path, None, value, IntType::U8)? as u8)
                    }
                    "totem.interface.knet_link_priority" => {
                        self.data.iface.knet_link_priority =
                            Some(self.int(path, None, value, IntType::U8)? as u8)
                    }
                    "totem.interface.knet_ping_interval" => {
                        self.data.iface.knet_ping_interval =
                            Some(self.int(path, None, value, IntType::U32)? as u32)
                    }
                    "totem.interface.knet_ping_timeout" => {
                        self.data.iface.knet_ping_timeout =
                            Some(self.int(path, None, value, IntType::U32)? as u32)
                    }
                    "totem.interface.knet_ping_precision" => {
                        self.data.iface.knet_ping_precision =
                            Some(self.int(path, None, value, IntType::U32)? as u32)
                    }
                    "totem.interface.knet_pong_count" => {
                        self.data.iface.knet_pong_count =
                            Some(self.int(path, None, value, IntType::U32)? as u32)
                    }
                    "totem.interface.knet_transport" => {
                        self.data.iface.knet_transport = Some(value.into())
                    }
                    _ => as_string = true,
                }
            }
            State::LoggerSubsys | State::LoggingDaemon => {
                if key == "subsys" {
                    self.data.subsys = Some(value.into());
                } else if key == "name" && state == State::LoggingDaemon {
                    self.data.daemon_name = Some(value.into());
                } else {
                    self.data.kv.push((key.into(), value.into()));
                }
                as_string = false;
            }
            State::Uidgid => {
                if key == "uid" {
                    let uid = self.ids.uid(value).ok_or_else(|| {
                        format!("The '{value}' user is not found in /etc/passwd, please read the documentation.")
                    })?;
                    self.set(&format!("uidgid.config.uid.{uid}"), Value::U8(1))?;
                } else if key == "gid" {
                    let gid = self.ids.gid(value).ok_or_else(|| {
                        format!("The '{value}' group is not found in /etc/group, please read the documentation.")
                    })?;
                    self.set(&format!("uidgid.config.gid.{gid}"), Value::U8(1))?;
                } else {
                    return Err("uidgid: Only uid and gid are allowed items".into());
                }
                as_string = false;
            }
            State::Member => {
                if key != "memberaddr" {
                    return Err("Only memberaddr is allowed in member section".into());
                }
                self.data.iface.members.push(value.into());
                as_string = false;
            }
            State::NodelistNode => {
                let key_name = format!("nodelist.node.{}.{}", self.data.node_number, key);
                if key == "nodeid" || key == "quorum_votes" {
                    self.int(&key_name, Some(&key_name), value, IntType::U32)?;
                } else {
                    self.set(&key_name, Value::Str(value.into()))?;
                }
                as_string = false;
            }
            State::Resources => {
                if key == "watchdog_timeout" {
                    self.int(path, Some(path), value, IntType::U32)?;
                    as_string = false;
                }
            }
            State::ResourcesSystem
            | State::ResourcesSystemMemused
            | State::ResourcesProcess
            | State::ResourcesProcessMemused => {
                if key == "poll_period" {
                    self.u64(path, value)?;
                    as_string = false;
                }
            }
        }
        if as_string {
            self.set(path, Value::Str(value.into()))?;
        }
        Ok(())
    }

    fn section_start(&mut self, path: &str, state: &mut State) {
        *state = match path {
            "totem.interface" => {
                self.data.iface = Interface::default();
                State::Interface
            }
            "totem" => State::Totem,
            "system" => State::System,
            "logging.logger_subsys" => {
                self.data.kv.clear();
                self.data.subsys = None;
                State::LoggerSubsys
            }
            "logging.logging_daemon" => {
                self.data.kv.clear();
                self.data.subsys = None;
                self.data.daemon_name = None;
                State::LoggingDaemon
            }
            "uidgid" => State::Uidgid,
            "totem.interface.member" => State::Member,
            "quorum" => State::Quorum,
            "quorum.device" => State::Qdevice,
            "nodelist" => {
                self.data.node_number = 0;
                State::Nodelist
            }
            "nodelist.node" => State::NodelistNode,
            "resources" => State::Resources,
            "resources.system" => State::ResourcesSystem,
            "resources.system.memory_used" => State::ResourcesSystemMemused,
            "resources.process" => State::ResourcesProcess,
            "resources.process.memory_used" => State::ResourcesProcessMemused,
            _ => *state,
        };
    }

    fn section_end(&mut self, state: State) -> CbResult {
        match state {
            State::Interface => {
                let i = std::mem::take(&mut self.data.iface);
                let p = format!("totem.interface.{}", i.linknumber);
                let strs = [
                    ("bindnetaddr", i.bindnetaddr),
                    ("mcastaddr", i.mcastaddr),
                    ("broadcast", i.broadcast),
                ];
                for (k, v) in strs {
                    if let Some(v) = v {
                        self.set(&format!("{p}.{k}"), Value::Str(v))?;
                    }
                }
                if let Some(v) = i.mcastport {
                    self.set(&format!("{p}.mcastport"), Value::U16(v))?;
                }
                if let Some(v) = i.ttl {
                    self.set(&format!("{p}.ttl"), Value::U8(v))?;
                }
                if let Some(v) = i.knet_link_priority {
                    self.set(&format!("{p}.knet_link_priority"), Value::U8(v))?;
                }
                let u32s = [
                    ("knet_ping_interval", i.knet_ping_interval),
                    ("knet_ping_timeout", i.knet_ping_timeout),
                    ("knet_ping_precision", i.knet_ping_precision),
                    ("knet_pong_count", i.knet_pong_count),
                ];
                for (k, v) in u32s {
                    if let Some(v) = v {
                        self.set(&format!("{p}.{k}"), Value::U32(v))?;
                    }
                }
                if let Some(v) = i.knet_transport {
                    self.set(&format!("{p}.knet_transport"), Value::Str(v))?;
                }
                // The reference keeps members on a list it prepends to.
                for (ii, m) in i.members.into_iter().rev().enumerate() {
                    self.set(&format!("{p}.member.{ii}"), Value::Str(m))?;
                }
            }
            State::LoggerSubsys => {
                let Some(subsys) = self.data.subsys.take() else {
                    return Err("No subsys key in logger_subsys directive".into());
                };
                for (k, v) in std::mem::take(&mut self.data.kv).into_iter().rev() {
                    self.set(
                        &format!("logging.logger_subsys.{subsys}.{k}"),
                        Value::Str(v),
                    )?;
                }
                self.set(
                    &format!("logging.logger_subsys.{subsys}.subsys"),
                    Value::Str(subsys.clone()),
                )?;
            }
            State::LoggingDaemon => {
                let Some(name) = self.data.daemon_name.take() else {
                    return Err("No name key in logging_daemon directive".into());
                };
                let subsys = self.data.subsys.take();
                for (k, v) in std::mem::take(&mut self.data.kv).into_iter().rev() {
                    let key = match (&subsys, name == "corosync") {
                        (None, true) => format!("logging.{k}"),
                        (None, false) => format!("logging.logging_daemon.{name}.{k}"),
                        (Some(s), true) => format!("logging.logger_subsys.{s}.{k}"),
                        (Some(s), false) => format!("logging.logging_daemon.{name}.{s}.{k}"),
                    };
                    self.set(&key, Value::Str(v))?;
                }
                match (&subsys, name == "corosync") {
                    (None, true) => {}
                    (None, false) => self.set(
                        &format!("logging.logging_daemon.{name}.name"),
                        Value::Str(name.clone()),
                    )?,
                    (Some(s), true) => self.set(
                        &format!("logging.logger_subsys.{s}.subsys"),
                        Value::Str(s.clone()),
                    )?,
                    (Some(s), false) => {
                        self.set(
                            &format!("logging.logging_daemon.{name}.{s}.subsys"),
                            Value::Str(s.clone()),
                        )?;
                        self.set(
                            &format!("logging.logging_daemon.{name}.{s}.name"),
                            Value::Str(name.clone()),
                        )?;
                    }
                }
            }
            State::NodelistNode => self.data.node_number += 1,
            _ => {}
        }
        Ok(())
    }
}

/// C's remove_whitespace: trim spaces/tabs; optionally also trailing ':'
/// and '{'. A single remaining character is never trimmed.
fn remove_whitespace(s: &str, colon_and_brace: bool) -> &str {
    let s = s.trim_start_matches([' ', '\t']);
    let b = s.as_bytes();
    if b.is_empty() {
        return s;
    }
    let mut end = b.len() - 1;
    while end > 0
        && (b[end] == b' '
            || b[end] == b'\t'
            || (colon_and_brace && (b[end] == b':' || b[end] == b'{')))
    {
        end -= 1;
    }
    &s[..=end]
}

/// C's strchr_rs: position just after the first `c` and any spaces/tabs.
fn strchr_rs(line: &str, c: u8) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = b.iter().position(|&x| x == c)? + 1;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    Some(i)
}

/// Parse corosync.conf text. `file` is only used in error messages.
#[doc(alias = "coroparse_configparse")]
pub fn parse(text: &str, file: &str, ids: &dyn IdResolver) -> Result<ConfigMap, ParseError> {
    let mut p = Parser {
        map: ConfigMap::new(),
        data: Data::default(),
        ids,
    };
    let mut line_no = 0u32;
    let mut stack: Vec<(String, State)> = Vec::new();
    let mut path = String::new();
    let mut state = State::Normal;
    let err = |line: u32, reason: String| ParseError {
        file: file.to_string(),
        line,
        reason,
    };
    let mut rest = text;
    while !rest.is_empty() {
        let (raw, has_nl, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, ""),
        };
        rest = next;
        line_no += 1;
        if raw.len() + usize::from(has_nl) > LINE_MAX {
            return Err(err(line_no, "Line too long".into()));
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let line = line.trim_end_matches([' ', '\t']);
        match line.trim_start_matches([' ', '\t']).chars().next() {
            None | Some('#') => continue,
            _ => {}
        }
        if let Some(loc) = strchr_rs(line, b'{') {
            let section = remove_whitespace(&line[..loc - 1], true);
            let after = remove_whitespace(&line[loc..], false);
            if section.is_empty() {
                return Err(err(
                    line_no,
                    "Missing section name before opening bracket '{'".into(),
                ));
            }
            if !after.is_empty() {
                return Err(err(
                    line_no,
                    "Extra characters after opening bracket '{'".into(),
                ));
            }
            if path.len() + section.len() + 1 >= KEYNAME_MAXLEN {
                return Err(err(
                    line_no,
                    "Start of section makes total cmap path too long".into(),
                ));
            }
            let new_path = if path.is_empty() {
                section.to_string()
            } else {
                format!("{path}.{section}")
            };
            let mut new_state = state;
            p.section_start(&new_path, &mut new_state);
            stack.push((std::mem::replace(&mut path, new_path), state));
            state = new_state;
            continue;
        }
        if let Some(loc) = strchr_rs(line, b':') {
            let key = remove_whitespace(&line[..loc - 1], true);
            let value = remove_whitespace(&line[loc..], false);
            if path.len() + key.len() + 1 >= KEYNAME_MAXLEN {
                return Err(err(
                    line_no,
                    "New key makes total cmap path too long".into(),
                ));
            }
            let full = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            p.item(&full, key, value, state)
                .map_err(|r| err(line_no, r))?;
            continue;
        }
        if strchr_rs(line, b'}').is_some() {
            if remove_whitespace(line, false) != "}" {
                return Err(err(
                    line_no,
                    "Extra characters before or after closing bracket '}'".into(),
                ));
            }
            let Some((parent, parent_state)) = stack.pop() else {
                return Err(err(line_no, "Unexpected closing brace".into()));
            };
            p.section_end(state).map_err(|r| err(line_no, r))?;
            path = parent;
            state = parent_state;
            continue;
        }
        return Err(err(
            line_no,
            "Line is not opening or closing section or key value".into(),
        ));
    }
    if !path.is_empty() {
        return Err(err(line_no, "Missing closing brace".into()));
    }
    Ok(p.map)
}
