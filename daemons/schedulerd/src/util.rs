//! Small value helpers shared by every phase: scores, booleans, integers,
//! durations, operation keys, roles and task names — each the port of one
//! libcrmcommon helper, with its quirks.

use crate::iso8601::CrmTime;

/// The score that means "always" (`CRM_SCORE_INFINITY`).
pub const INFINITY: i32 = 1_000_000;

/// Saturating score addition (`pcmk__add_scores`): -INFINITY wins over
/// everything, then +INFINITY; finite sums are clamped.
#[doc(alias = "pcmk__add_scores")]
pub fn add_scores(score1: i32, score2: i32) -> i32 {
    if score1 <= -INFINITY || score2 <= -INFINITY {
        return -INFINITY;
    }
    if score1 >= INFINITY || score2 >= INFINITY {
        return INFINITY;
    }
    let result = score1 as i64 + score2 as i64;
    if result >= INFINITY as i64 {
        INFINITY
    } else if result <= -(INFINITY as i64) {
        -INFINITY
    } else {
        result as i32
    }
}

/// Parse a score (`char2score`): INFINITY forms, colour names (all 0 with
/// the default health strategy) and integers, clamped.
pub fn char2score(score: Option<&str>) -> i32 {
    let Some(score) = score else { return 0 };
    if score == "-INFINITY" {
        -INFINITY
    } else if score == "INFINITY" || score == "+INFINITY" {
        INFINITY
    } else if score.eq_ignore_ascii_case("red")
        || score.eq_ignore_ascii_case("yellow")
        || score.eq_ignore_ascii_case("green")
    {
        0
    } else {
        let v = scan_ll(score).unwrap_or(0);
        v.clamp(-(INFINITY as i64), INFINITY as i64) as i32
    }
}

/// Text form of a score (`pcmk_readable_score`).
#[doc(alias = "pcmk_readable_score")]
pub fn readable_score(score: i32) -> String {
    if score >= INFINITY {
        "INFINITY".to_owned()
    } else if score <= -INFINITY {
        "-INFINITY".to_owned()
    } else {
        score.to_string()
    }
}

/// `crm_str_to_boolean`: `Some(value)` for a recognised word.
#[doc(alias = "crm_str_to_boolean")]
pub fn str_to_boolean(s: &str) -> Option<bool> {
    const TRUE: [&str; 5] = ["true", "on", "yes", "y", "1"];
    const FALSE: [&str; 5] = ["false", "off", "no", "n", "0"];
    if TRUE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// `crm_is_true`.
#[doc(alias = "crm_is_true")]
pub fn is_true(s: Option<&str>) -> bool {
    s.and_then(str_to_boolean).unwrap_or(false)
}

/// `strtoll(text, &end, 10)`: value (saturated like glibc on overflow),
/// number of bytes consumed (0 when no digits), overflow flag.
pub fn strtoll(text: &str) -> (i64, usize, bool) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        if !overflow {
            v = v * 10 + (b[i] - b'0') as i128;
            if v > i64::MAX as i128 + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    if i == start {
        return (0, 0, false);
    }
    let v = if neg { -v } else { v };
    if overflow || v > i64::MAX as i128 {
        (i64::MAX, i, true)
    } else if v < i64::MIN as i128 {
        (i64::MIN, i, true)
    } else {
        (v as i64, i, false)
    }
}

/// `pcmk__scan_ll`: `Ok(value)` (clipped on overflow, which is an error
/// for the caller's default handling) or `Err` when there are no digits.
#[doc(alias = "pcmk__scan_ll")]
pub fn scan_ll(text: &str) -> Result<i64, i64> {
    let (v, used, overflow) = strtoll(text);
    if used == 0 {
        Err(0)
    } else if overflow {
        Err(v)
    } else {
        Ok(v)
    }
}

/// `pcmk__scan_ll` with a default: the default on any error.
pub fn scan_ll_or(text: Option<&str>, default: i64) -> i64 {
    match text {
        None => default,
        Some(t) => scan_ll(t).unwrap_or(default),
    }
}

/// `pcmk__scan_min_int`.
#[doc(alias = "pcmk__scan_min_int")]
pub fn scan_min_int(text: Option<&str>, minimum: i32) -> i32 {
    let v = scan_ll_or(text, minimum as i64);
    v.clamp(minimum as i64, i32::MAX as i64) as i32
}

/// `crm_element_value_int`: `None` when absent; -1 when unparsable.
#[doc(alias = "crm_element_value_int")]
pub fn value_int(text: Option<&str>) -> Option<i32> {
    let t = text?;
    match scan_ll(t) {
        Ok(v) if v >= i32::MIN as i64 && v <= i32::MAX as i64 => Some(v as i32),
        _ => Some(-1),
    }
}

/// `crm_element_value_ms`: 0 when absent or invalid.
#[doc(alias = "crm_element_value_ms")]
pub fn value_ms(text: Option<&str>) -> u32 {
    match text.map(scan_ll) {
        Some(Ok(v)) if (0..=u32::MAX as i64).contains(&v) => v as u32,
        _ => 0,
    }
}

/// `crm_element_value_epoch` / `crm_element_value_ll`.
pub fn value_ll(text: Option<&str>) -> Option<i64> {
    text.and_then(|t| scan_ll(t).ok())
}

/// `crm_get_msec`: a time with optional unit in milliseconds, -1 if invalid.
#[doc(alias = "crm_get_msec")]
pub fn get_msec(input: Option<&str>) -> i64 {
    let Some(input) = input else { return -1 };
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c');
    let num_start = input.trim_start_matches(ws);
    let num_len = num_start
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    if num_len < 1 {
        return -1;
    }
    let units = num_start[num_len..].trim_start_matches(ws);
    let lu = units.to_ascii_lowercase();
    let (multiplier, divisor): (i64, i64) = if lu.starts_with("ms") {
        (1, 1)
    } else if lu.starts_with("us") {
        (1, 1000)
    } else if lu.starts_with('s') {
        (1000, 1)
    } else if lu.starts_with('m') {
        (60 * 1000, 1)
    } else if lu.starts_with('h') {
        (60 * 60 * 1000, 1)
    } else if !units.is_empty() && !units.starts_with('\n') && !units.starts_with('\r') {
        return -1;
    } else {
        (1000, 1)
    };
    let (v, used, _) = strtoll(num_start);
    let msec = if used == 0 { -1 } else { v };
    if msec > i64::MAX / multiplier {
        return i64::MAX;
    }
    msec * multiplier / divisor
}

/// `crm_parse_interval_spec`: milliseconds (0 and `false` when invalid).
#[doc(alias = "crm_parse_interval_spec")]
pub fn parse_interval_spec(input: Option<&str>) -> (u32, bool) {
    let Some(input) = input else { return (0, true) };
    let msec = if input.starts_with('P') {
        match CrmTime::parse_duration(input) {
            Some(d) => 1000 * d.seconds_total(),
            None => -1,
        }
    } else {
        get_msec(Some(input))
    };
    if msec < 0 {
        return (0, false);
    }
    (msec.min(u32::MAX as i64) as u32, true)
}

/// Interval in milliseconds, ignoring validity.
pub fn interval_ms(input: Option<&str>) -> u32 {
    parse_interval_spec(input).0
}

/// `pcmk__numeric_strcasecmp`: digits compare as numbers.
#[doc(alias = "pcmk__numeric_strcasecmp")]
pub fn numeric_strcasecmp(s1: &str, s2: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let a = s1.as_bytes();
    let b = s2.as_bytes();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let ei = i + a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let ej = j + b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            let n1 = parse_digits(&a[i..ei]);
            let n2 = parse_digits(&b[j..ej]);
            match n1.cmp(&n2) {
                Equal => {}
                o => return o,
            }
            match (ei - i).cmp(&(ej - j)) {
                Equal => {}
                o => return o,
            }
            i = ei;
            j = ej;
        } else {
            let l1 = a[i].to_ascii_lowercase();
            let l2 = b[j].to_ascii_lowercase();
            match l1.cmp(&l2) {
                Equal => {}
                o => return o,
            }
            i += 1;
            j += 1;
        }
    }
    match (i < a.len(), j < b.len()) {
        (false, true) => Less,
        (true, false) => Greater,
        _ => Equal,
    }
}

fn parse_digits(d: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for c in d {
        v = v.saturating_mul(10).saturating_add((c - b'0') as i64);
    }
    v
}

/// `pcmk__op_key`: `rsc_task_interval`.
#[doc(alias = "pcmk__op_key")]
pub fn op_key(rsc: &str, task: &str, interval_ms: u32) -> String {
    format!("{rsc}_{task}_{interval_ms}")
}

/// `pcmk__notify_key`.
#[doc(alias = "pcmk__notify_key")]
pub fn notify_key(rsc: &str, notify_type: &str, op_type: &str) -> String {
    format!("{rsc}_{notify_type}_notify_{op_type}_0")
}

fn convert_interval(s: &str) -> Option<u32> {
    // strtoul: leading digits; errors only on overflow
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse::<u64>().ok().map(|v| v as u32)
}

/// `parse_op_key`: split an operation key into resource, task, interval.
pub fn parse_op_key(key: &str) -> Option<(String, String, u32)> {
    if key.is_empty() {
        return None;
    }
    let u1 = key.find('_')?;
    let u2 = u1 + 1 + key[u1 + 1..].find('_')?;
    if key[u2 + 1..].find('_').is_none() {
        let interval = convert_interval(&key[u2 + 1..])?;
        return Some((key[..u1].to_owned(), key[u1 + 1..u2].to_owned(), interval));
    }
    if let Some(m) = migrate_notify_match(key) {
        return Some(m);
    }
    // basic match: last '_' then the one before it
    let isep = key.rfind('_')?;
    let interval = convert_interval(&key[isep + 1..])?;
    let tsep = key[..isep].rfind('_')?;
    Some((
        key[..tsep].to_owned(),
        key[tsep + 1..isep].to_owned(),
        interval,
    ))
}

/// The reference's regular expression
/// `^(.*)_(migrate_(from|to)|(pre|post)_notify_([a-z]+|migrate_(from|to)))_([0-9]+)$`.
fn migrate_notify_match(key: &str) -> Option<(String, String, u32)> {
    // interval: trailing digits after the last '_'
    let isep = key.rfind('_')?;
    let digits = &key[isep + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let head = &key[..isep];
    // (.*) is greedy: try the longest resource name first, i.e. the task
    // part that starts at the last possible '_'.
    let mut best: Option<usize> = None;
    for (pos, _) in head.match_indices('_') {
        let task = &head[pos + 1..];
        if is_migrate_notify_task(task) {
            best = Some(pos);
        }
    }
    let pos = best?;
    let interval = convert_interval(digits)?;
    Some((head[..pos].to_owned(), head[pos + 1..].to_owned(), interval))
}

fn is_migrate_notify_task(task: &str) -> bool {
    if task == "migrate_from" || task == "migrate_to" {
        return true;
    }
    let rest = task
        .strip_prefix("pre_notify_")
        .or_else(|| task.strip_prefix("post_notify_"));
    match rest {
        Some(r) => {
            r == "migrate_from"
                || r == "migrate_to"
                || (!r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase()))
        }
        None => false,
    }
}

/// A decoded transition key: (action id, transition id, target rc, uuid).
pub type TransitionKey = (i32, i32, i32, String);

/// `decode_transition_key`.
pub fn decode_transition_key(key: &str) -> Option<TransitionKey> {
    let mut rest = key;
    let mut nums = [0i32; 3];
    for n in nums.iter_mut() {
        let (v, used, _) = strtoll(rest);
        if used == 0 {
            return None;
        }
        *n = v as i32;
        rest = &rest[used..];
        rest = rest.strip_prefix(':')?;
    }
    // %36s: skip whitespace, up to 36 non-space chars
    let rest = rest.trim_start();
    let uuid: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(36)
        .collect();
    if uuid.is_empty() {
        return None;
    }
    Some((nums[0], nums[1], nums[2], uuid))
}

/// `decode_transition_magic`: (op status, rc, key fields).
pub fn decode_transition_magic(magic: &str) -> Option<(i32, i32, TransitionKey)> {
    let (status, used, _) = strtoll(magic);
    if used == 0 {
        return None;
    }
    let rest = magic[used..].strip_prefix(':')?;
    let (rc, used, _) = strtoll(rest);
    if used == 0 {
        return None;
    }
    let rest = rest[used..].strip_prefix(';')?;
    let key: String = rest
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    if key.is_empty() {
        return None;
    }
    let k = decode_transition_key(&key)?;
    Some((status as i32, rc as i32, k))
}

/// `pcmk__transition_key`.
#[doc(alias = "pcmk__transition_key")]
pub fn transition_key(transition_id: i32, action_id: i32, target_rc: i32, node: &str) -> String {
    format!("{action_id}:{transition_id}:{target_rc}:{node:<36}")
}

/// Resource roles (`enum rsc_role_e`), ordered as in C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Role {
    #[default]
    Unknown = 0,
    Stopped = 1,
    Started = 2,
    Unpromoted = 3,
    Promoted = 4,
}

impl Role {
    /// `role2text`.
    #[doc(alias = "role2text")]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }

    /// `text2role` (unknown words map to `Unknown`).
    #[doc(alias = "text2role")]
    pub fn parse(s: &str) -> Role {
        if s.eq_ignore_ascii_case("Stopped") {
            Role::Stopped
        } else if s.eq_ignore_ascii_case("Started") {
            Role::Started
        } else if s.eq_ignore_ascii_case("Unpromoted") || s.eq_ignore_ascii_case("Slave") {
            Role::Unpromoted
        } else if s.eq_ignore_ascii_case("Promoted") || s.eq_ignore_ascii_case("Master") {
            Role::Promoted
        } else {
            Role::Unknown
        }
    }

    pub fn from_index(i: usize) -> Role {
        match i {
            1 => Role::Stopped,
            2 => Role::Started,
            3 => Role::Unpromoted,
            4 => Role::Promoted,
            _ => Role::Unknown,
        }
    }
}

/// Action kinds (`enum action_tasks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Task {
    NoAction = 0,
    MonitorRsc,
    StopRsc,
    StoppedRsc,
    StartRsc,
    StartedRsc,
    ActionNotify,
    ActionNotified,
    ActionPromote,
    ActionPromoted,
    ActionDemote,
    ActionDemoted,
    ShutdownCrm,
    StonithNode,
}

impl Task {
    /// `text2task`.
    #[doc(alias = "text2task")]
    pub fn parse(task: &str) -> Task {
        let t = task.to_ascii_lowercase();
        match t.as_str() {
            "stop" => Task::StopRsc,
            "stopped" => Task::StoppedRsc,
            "start" => Task::StartRsc,
            "running" => Task::StartedRsc,
            "do_shutdown" => Task::ShutdownCrm,
            "stonith" => Task::StonithNode,
            "monitor" => Task::MonitorRsc,
            "notify" => Task::ActionNotify,
            "notified" => Task::ActionNotified,
            "promote" => Task::ActionPromote,
            "demote" => Task::ActionDemote,
            "promoted" => Task::ActionPromoted,
            "demoted" => Task::ActionDemoted,
            _ => Task::NoAction,
        }
    }

    /// `task2text`.
    #[doc(alias = "task2text")]
    pub fn as_str(self) -> &'static str {
        match self {
            Task::NoAction => "no_action",
            Task::StopRsc => "stop",
            Task::StoppedRsc => "stopped",
            Task::StartRsc => "start",
            Task::StartedRsc => "running",
            Task::ShutdownCrm => "do_shutdown",
            Task::StonithNode => "stonith",
            Task::MonitorRsc => "monitor",
            Task::ActionNotify => "notify",
            Task::ActionNotified => "notified",
            Task::ActionPromote => "promote",
            Task::ActionPromoted => "promoted",
            Task::ActionDemote => "demote",
            Task::ActionDemoted => "demoted",
        }
    }

    /// The "completed" counterpart of an action task (`task + 1` in C).
    pub fn completed(self) -> Task {
        match self {
            Task::StopRsc => Task::StoppedRsc,
            Task::StartRsc => Task::StartedRsc,
            Task::ActionNotify => Task::ActionNotified,
            Task::ActionPromote => Task::ActionPromoted,
            Task::ActionDemote => Task::ActionDemoted,
            t => t,
        }
    }

    /// The action counterpart of a "completed" task (`task - 1` in C).
    pub fn uncompleted(self) -> Task {
        match self {
            Task::StoppedRsc => Task::StopRsc,
            Task::StartedRsc => Task::StartRsc,
            Task::ActionNotified => Task::ActionNotify,
            Task::ActionPromoted => Task::ActionPromote,
            Task::ActionDemoted => Task::ActionDemote,
            t => t,
        }
    }
}

/// Case-insensitive string equality of optional strings (`pcmk__str_eq`
/// with `pcmk__str_casei`; two `None`s are not equal).
pub fn eq_casei(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

/// Resource-agent standards with their capabilities (`pcmk_get_ra_caps`).
pub mod ra_caps {
    pub const PROVIDER: u32 = 1 << 0;
    pub const STATUS: u32 = 1 << 1;
    pub const PARAMS: u32 = 1 << 2;
    pub const UNIQUE: u32 = 1 << 3;
    pub const PROMOTABLE: u32 = 1 << 4;
    pub const STDIN: u32 = 1 << 5;
    pub const FENCE_PARAMS: u32 = 1 << 6;

    /// `pcmk_get_ra_caps`.
    #[doc(alias = "pcmk_get_ra_caps")]
    pub fn of(standard: Option<&str>) -> u32 {
        let Some(s) = standard else { return 0 };
        let s = s.to_ascii_lowercase();
        match s.as_str() {
            "ocf" => PROVIDER | PARAMS | UNIQUE | PROMOTABLE,
            "stonith" => PARAMS | UNIQUE | STDIN | FENCE_PARAMS,
            "systemd" | "service" | "lsb" | "upstart" => STATUS,
            "nagios" => PARAMS,
            _ => 0,
        }
    }
}

/// `services_ocf_exitcode_str` as compiled into Pacemaker's own libraries
/// (deprecated API disabled): the deprecated codes 194–199 are "unknown".
#[doc(alias = "services_ocf_exitcode_str")]
pub fn ocf_exit_str(rc: i32) -> &'static str {
    if (194..=199).contains(&rc) {
        "unknown"
    } else {
        pcmk_results::ocf::OcfExit::from_raw(rc).description()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_saturate() {
        assert_eq!(add_scores(INFINITY, -INFINITY), -INFINITY);
        assert_eq!(add_scores(999_999, 5), INFINITY);
        assert_eq!(add_scores(-5, 3), -2);
        assert_eq!(char2score(Some("+INFINITY")), INFINITY);
        assert_eq!(char2score(Some("12abc")), 12);
        assert_eq!(char2score(Some("99999999")), INFINITY);
    }

    #[test]
    fn op_keys_parse() {
        assert_eq!(
            parse_op_key("rsc1_monitor_10000"),
            Some(("rsc1".into(), "monitor".into(), 10000))
        );
        assert_eq!(
            parse_op_key("my_rsc_start_0"),
            Some(("my_rsc".into(), "start".into(), 0))
        );
        assert_eq!(
            parse_op_key("a_b_migrate_to_0"),
            Some(("a_b".into(), "migrate_to".into(), 0))
        );
        assert_eq!(
            parse_op_key("rsc_pre_notify_start_0"),
            Some(("rsc".into(), "pre_notify_start".into(), 0))
        );
    }

    #[test]
    fn msec_units() {
        assert_eq!(get_msec(Some("20s")), 20000);
        assert_eq!(get_msec(Some("5min")), 300000);
        assert_eq!(get_msec(Some("100")), 100000);
        assert_eq!(get_msec(Some("x")), -1);
        assert_eq!(get_msec(Some("10ms")), 10);
    }

    #[test]
    fn transition_keys() {
        let k = "3:0:7:f2317cad-3d1c-4cf8-a4d8-f2c7efd0cc3d";
        assert_eq!(decode_transition_key(k).map(|k| k.2), Some(7));
        let m = "0:7;3:0:7:f2317cad-3d1c-4cf8-a4d8-f2c7efd0cc3d";
        assert_eq!(decode_transition_magic(m).map(|m| (m.0, m.1)), Some((0, 7)));
    }
}
