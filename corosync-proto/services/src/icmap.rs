//! The configuration map (icmap.c): typed values under dotted keys,
//! read-only prefixes, and trackers that turn every change into a
//! notification. No I/O.
//!
//! Keys iterate in byte order (libqb's trie does the same). Values are kept
//! in the host's byte order, as the C map keeps them.

use std::collections::BTreeMap;

use corosync_config::Value;
use totem_wire::ipc::CsError;

/// `ICMAP_VALUETYPE_*`.
#[allow(missing_docs)]
pub mod vt {
    pub const INT8: u8 = 1;
    pub const UINT8: u8 = 2;
    pub const INT16: u8 = 3;
    pub const UINT16: u8 = 4;
    pub const INT32: u8 = 5;
    pub const UINT32: u8 = 6;
    pub const INT64: u8 = 7;
    pub const UINT64: u8 = 8;
    pub const FLOAT: u8 = 9;
    pub const DOUBLE: u8 = 10;
    pub const STRING: u8 = 11;
    pub const BINARY: u8 = 12;
}

/// `ICMAP_TRACK_*` (same values as `CMAP_TRACK_*`).
#[allow(missing_docs)]
pub mod track {
    pub const DELETE: i32 = 1;
    pub const MODIFY: i32 = 2;
    pub const ADD: i32 = 4;
    pub const PREFIX: i32 = 8;
}

/// ICMAP_KEYNAME_MINLEN.
pub const KEYNAME_MINLEN: usize = 3;
/// ICMAP_KEYNAME_MAXLEN.
pub const KEYNAME_MAXLEN: usize = 255;
/// ICMAP_MAX_VALUE_LEN (16 MiB).
pub const MAX_VALUE_LEN: usize = 16 * 1024 * 1024;

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `ICMAP_VALUETYPE_*`.
    pub value_type: u8,
    /// Bytes (strings include their terminating NUL).
    pub value: Vec<u8>,
}

impl Item {
    /// A string item.
    pub fn string(s: &str) -> Item {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        Item {
            value_type: vt::STRING,
            value: v,
        }
    }

    /// The value as text the way corosync-cmapctl prints it (strings without
    /// the NUL, numbers in decimal).
    pub fn to_display(&self) -> String {
        let v = &self.value;
        let arr = |n: usize| {
            let mut a = [0u8; 8];
            a[..n.min(v.len())].copy_from_slice(&v[..n.min(v.len())]);
            a
        };
        match self.value_type {
            vt::INT8 => (arr(1)[0] as i8).to_string(),
            vt::UINT8 => arr(1)[0].to_string(),
            vt::INT16 => i16::from_ne_bytes([arr(2)[0], arr(2)[1]]).to_string(),
            vt::UINT16 => u16::from_ne_bytes([arr(2)[0], arr(2)[1]]).to_string(),
            vt::INT32 => {
                let a = arr(4);
                i32::from_ne_bytes([a[0], a[1], a[2], a[3]]).to_string()
            }
            vt::UINT32 => {
                let a = arr(4);
                u32::from_ne_bytes([a[0], a[1], a[2], a[3]]).to_string()
            }
            vt::INT64 => i64::from_ne_bytes(arr(8)).to_string(),
            vt::UINT64 => u64::from_ne_bytes(arr(8)).to_string(),
            vt::STRING => {
                let n = v.iter().position(|&c| c == 0).unwrap_or(v.len());
                String::from_utf8_lossy(&v[..n]).into_owned()
            }
            _ => format!("{v:?}"),
        }
    }
}

impl From<&Value> for Item {
    fn from(v: &Value) -> Item {
        let (value_type, value) = match v {
            Value::U8(x) => (vt::UINT8, vec![*x]),
            Value::U16(x) => (vt::UINT16, x.to_ne_bytes().to_vec()),
            Value::I32(x) => (vt::INT32, x.to_ne_bytes().to_vec()),
            Value::U32(x) => (vt::UINT32, x.to_ne_bytes().to_vec()),
            Value::U64(x) => (vt::UINT64, x.to_ne_bytes().to_vec()),
            Value::Str(s) => return Item::string(s),
        };
        Item { value_type, value }
    }
}

/// Fixed size of a value type (0 for strings and binary).
pub fn type_len(t: u8) -> Option<usize> {
    Some(match t {
        vt::INT8 | vt::UINT8 => 1,
        vt::INT16 | vt::UINT16 => 2,
        vt::INT32 | vt::UINT32 | vt::FLOAT => 4,
        vt::INT64 | vt::UINT64 | vt::DOUBLE => 8,
        vt::STRING | vt::BINARY => 0,
        _ => return None,
    })
}

fn valid_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/' | b':')
}

/// icmap_check_key_name.
pub fn key_name_ok(key: &str) -> bool {
    (KEYNAME_MINLEN..=KEYNAME_MAXLEN).contains(&key.len()) && key.bytes().all(valid_name_char)
}

/// Who receives a tracker's notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackOwner {
    /// An IPC client: (connection, its track_inst_handle).
    Conn(u64, u64),
    /// A service inside the daemon.
    Internal(Internal),
}

/// The daemon's own trackers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Internal {
    /// cmap: totem.config_version.
    ConfigVersion,
    /// votequorum: nodelist., quorum., config.totemconfig_reload_in_progress.
    VotequorumConfig,
    /// main: runtime.force_gather.
    ForceGather,
    /// main: runtime.blackbox.*.
    Blackbox,
}

#[derive(Debug, Clone)]
struct Tracker {
    key: Option<String>,
    track_type: i32,
    owner: TrackOwner,
}

/// A change seen by a tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The tracker's id.
    pub tracker: u64,
    /// Its owner.
    pub owner: TrackOwner,
    /// `track::ADD`, `DELETE` or `MODIFY`.
    pub event: i32,
    /// The key.
    pub key: String,
    /// New value (None when deleted).
    pub new: Option<Item>,
    /// Old value (None when added).
    pub old: Option<Item>,
}

/// The map.
#[derive(Debug, Clone, Default)]
pub struct Icmap {
    items: BTreeMap<String, Item>,
    ro: Vec<(String, bool)>,
    trackers: BTreeMap<u64, Tracker>,
    next_tracker: u64,
    pending: Vec<Notification>,
}

impl Icmap {
    /// An empty map.
    pub fn new() -> Icmap {
        Icmap {
            next_tracker: 1,
            ..Default::default()
        }
    }

    /// icmap_set_ro_access: make `key` (or every key under it when
    /// `prefix`) read-only for clients.
    #[doc(alias = "icmap_set_ro_access")]
    pub fn set_ro_access(&mut self, key: &str, prefix: bool) {
        if !self.ro.iter().any(|(k, p)| k == key && *p == prefix) {
            self.ro.push((key.to_string(), prefix));
        }
    }

    /// icmap_is_key_ro.
    #[doc(alias = "icmap_is_key_ro")]
    pub fn is_key_ro(&self, key: &str) -> bool {
        self.ro.iter().any(|(k, prefix)| {
            if *prefix {
                key.starts_with(k.as_str())
            } else {
                key == k
            }
        })
    }

    /// icmap_set_r: validate and store, notify trackers. Setting a value
    /// equal to the stored one changes nothing.
    #[doc(alias = "icmap_set")]
    pub fn set(&mut self, key: &str, value_type: u8, value: &[u8]) -> Result<(), CsError> {
        if value.len() > MAX_VALUE_LEN {
            return Err(CsError::INVALID_PARAM);
        }
        let Some(fixed) = type_len(value_type) else {
            return Err(CsError::INVALID_PARAM);
        };
        let stored: Vec<u8> = match value_type {
            vt::STRING => {
                // A string may be given with or without its NUL, or with a
                // shorter length than the text; never longer than text+1.
                let text_len = value.iter().position(|&c| c == 0).unwrap_or(value.len());
                if value.len() > text_len + 1 {
                    return Err(CsError::INVALID_PARAM);
                }
                let mut v = value[..text_len.min(value.len())].to_vec();
                v.push(0);
                v
            }
            vt::BINARY => value.to_vec(),
            _ => {
                if value.len() != fixed {
                    return Err(CsError::INVALID_PARAM);
                }
                value.to_vec()
            }
        };
        let old = self.items.get(key).cloned();
        if let Some(o) = &old {
            if o.value_type == value_type && o.value == stored {
                return Ok(());
            }
        } else if !key_name_ok(key) {
            return Err(CsError::NAME_TOO_LONG);
        }
        let item = Item {
            value_type,
            value: stored,
        };
        self.items.insert(key.to_string(), item.clone());
        let event = if old.is_some() {
            track::MODIFY
        } else {
            track::ADD
        };
        self.notify(event, key, Some(item), old);
        Ok(())
    }

    /// Store an [`Item`].
    pub fn set_item(&mut self, key: &str, item: &Item) -> Result<(), CsError> {
        self.set(key, item.value_type, &item.value)
    }

    /// icmap_set_string.
    pub fn set_str(&mut self, key: &str, v: &str) {
        let _ = self.set(key, vt::STRING, v.as_bytes());
    }

    /// icmap_set_uint8.
    pub fn set_u8(&mut self, key: &str, v: u8) {
        let _ = self.set(key, vt::UINT8, &[v]);
    }

    /// icmap_set_uint16.
    pub fn set_u16(&mut self, key: &str, v: u16) {
        let _ = self.set(key, vt::UINT16, &v.to_ne_bytes());
    }

    /// icmap_set_uint32.
    pub fn set_u32(&mut self, key: &str, v: u32) {
        let _ = self.set(key, vt::UINT32, &v.to_ne_bytes());
    }

    /// icmap_set_int32.
    pub fn set_i32(&mut self, key: &str, v: i32) {
        let _ = self.set(key, vt::INT32, &v.to_ne_bytes());
    }

    /// icmap_set_uint64.
    pub fn set_u64(&mut self, key: &str, v: u64) {
        let _ = self.set(key, vt::UINT64, &v.to_ne_bytes());
    }

    /// icmap_delete_r.
    #[doc(alias = "icmap_delete")]
    pub fn delete(&mut self, key: &str) -> Result<(), CsError> {
        let old = self.items.remove(key).ok_or(CsError::NOT_EXIST)?;
        self.notify(track::DELETE, key, None, Some(old));
        Ok(())
    }

    /// icmap_get_r.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.items.get(key)
    }

    /// A string value (None if absent or not a string).
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key)
            .filter(|i| i.value_type == vt::STRING)
            .map(Item::to_display)
    }

    fn get_fixed<const N: usize>(&self, key: &str, t: u8) -> Option<[u8; N]> {
        let i = self.get(key).filter(|i| i.value_type == t)?;
        let mut a = [0u8; N];
        a.copy_from_slice(i.value.get(..N)?);
        Some(a)
    }

    /// icmap_get_uint8.
    pub fn get_u8(&self, key: &str) -> Option<u8> {
        self.get_fixed::<1>(key, vt::UINT8).map(|a| a[0])
    }

    /// icmap_get_uint32.
    pub fn get_u32(&self, key: &str) -> Option<u32> {
        self.get_fixed::<4>(key, vt::UINT32).map(u32::from_ne_bytes)
    }

    /// icmap_get_int32.
    pub fn get_i32(&self, key: &str) -> Option<i32> {
        self.get_fixed::<4>(key, vt::INT32).map(i32::from_ne_bytes)
    }

    /// icmap_get_uint64.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get_fixed::<8>(key, vt::UINT64).map(u64::from_ne_bytes)
    }

    /// icmap_adjust_int_r: add `step` to an integer value (wrapping).
    #[doc(alias = "icmap_adjust_int")]
    pub fn adjust_int(&mut self, key: &str, step: i32) -> Result<(), CsError> {
        let item = self.items.get(key).ok_or(CsError::NOT_EXIST)?.clone();
        let v = &item.value;
        let new: Vec<u8> = match item.value_type {
            vt::INT8 | vt::UINT8 => vec![v[0].wrapping_add(step as u8)],
            vt::INT16 | vt::UINT16 => u16::from_ne_bytes([v[0], v[1]])
                .wrapping_add(step as u16)
                .to_ne_bytes()
                .to_vec(),
            vt::INT32 | vt::UINT32 => u32::from_ne_bytes([v[0], v[1], v[2], v[3]])
                .wrapping_add(step as u32)
                .to_ne_bytes()
                .to_vec(),
            vt::INT64 | vt::UINT64 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(&v[..8]);
                u64::from_ne_bytes(a)
                    .wrapping_add(step as i64 as u64)
                    .to_ne_bytes()
                    .to_vec()
            }
            _ => return Err(CsError::INVALID_PARAM),
        };
        self.set(key, item.value_type, &new)
    }

    /// icmap_inc.
    pub fn inc(&mut self, key: &str) {
        let _ = self.adjust_int(key, 1);
    }

    /// Keys starting with `prefix`, with their items (a snapshot; cmap's
    /// iterators walk the live map, which differs only when the map
    /// changes mid-iteration).
    pub fn iter_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Item)> + 'a {
        self.items
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// icmap_track_add. `key` None tracks everything (with `PREFIX`).
    #[doc(alias = "icmap_track_add")]
    pub fn track_add(
        &mut self,
        key: Option<&str>,
        track_type: i32,
        owner: TrackOwner,
    ) -> Result<u64, CsError> {
        if track_type & !(track::ADD | track::DELETE | track::MODIFY | track::PREFIX) != 0 {
            return Err(CsError::INVALID_PARAM);
        }
        let id = self.next_tracker;
        self.next_tracker += 1;
        self.trackers.insert(
            id,
            Tracker {
                key: key.map(str::to_string),
                track_type,
                owner,
            },
        );
        Ok(id)
    }

    /// icmap_track_delete.
    pub fn track_delete(&mut self, id: u64) -> Result<TrackOwner, CsError> {
        self.trackers
            .remove(&id)
            .map(|t| t.owner)
            .ok_or(CsError::NOT_EXIST)
    }

    /// Remove every tracker of a connection.
    pub fn track_delete_conn(&mut self, conn: u64) {
        self.trackers
            .retain(|_, t| !matches!(t.owner, TrackOwner::Conn(c, _) if c == conn));
    }

    fn notify(&mut self, event: i32, key: &str, new: Option<Item>, old: Option<Item>) {
        // Trackers added most recently are notified first, like libqb's
        // notifier list (new entries are prepended).
        for (&id, t) in self.trackers.iter().rev() {
            if t.track_type & event == 0 {
                continue;
            }
            let hit = match &t.key {
                None => t.track_type & track::PREFIX != 0,
                Some(k) if t.track_type & track::PREFIX != 0 => key.starts_with(k.as_str()),
                Some(k) => k == key,
            };
            if hit {
                self.pending.push(Notification {
                    tracker: id,
                    owner: t.owner,
                    event,
                    key: key.to_string(),
                    new: new.clone(),
                    old: old.clone(),
                });
            }
        }
    }

    /// Notifications produced since the last call.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        std::mem::take(&mut self.pending)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_types_and_strings() {
        let mut m = Icmap::new();
        m.set_str("totem.cluster_name", "atlab");
        assert_eq!(m.get("totem.cluster_name").unwrap().value, b"atlab\0");
        assert_eq!(m.get_str("totem.cluster_name").unwrap(), "atlab");
        assert_eq!(
            m.set("a.b", vt::UINT32, &[1, 2]),
            Err(CsError::INVALID_PARAM)
        );
        assert_eq!(m.set("a", vt::UINT8, &[1]), Err(CsError::NAME_TOO_LONG));
        assert_eq!(m.set("a b", vt::UINT8, &[1]), Err(CsError::NAME_TOO_LONG));
        m.set_u32("x.y", 7);
        m.adjust_int("x.y", -8).unwrap();
        assert_eq!(m.get_u32("x.y"), Some(u32::MAX));
        assert_eq!(
            m.adjust_int("totem.cluster_name", 1),
            Err(CsError::INVALID_PARAM)
        );
    }

    #[test]
    fn trackers_see_changes() {
        let mut m = Icmap::new();
        let t = m
            .track_add(
                Some("quorum."),
                track::ADD | track::MODIFY | track::DELETE | track::PREFIX,
                TrackOwner::Conn(1, 9),
            )
            .unwrap();
        m.set_u8("quorum.two_node", 1);
        m.set_u8("quorum.two_node", 1); // unchanged: no event
        m.set_u8("quorum.two_node", 0);
        m.delete("quorum.two_node").unwrap();
        m.set_u8("other.key", 1);
        let n = m.take_notifications();
        assert_eq!(
            n.iter().map(|n| n.event).collect::<Vec<_>>(),
            vec![track::ADD, track::MODIFY, track::DELETE]
        );
        assert!(n.iter().all(|x| x.tracker == t));
        m.track_delete_conn(1);
        m.set_u8("quorum.x", 1);
        assert!(m.take_notifications().is_empty());
    }

    #[test]
    fn ro_prefixes() {
        let mut m = Icmap::new();
        m.set_ro_access("runtime.services.", true);
        m.set_ro_access("totem.transport", false);
        assert!(m.is_key_ro("runtime.services.cpg.0.rx"));
        assert!(m.is_key_ro("totem.transport"));
        assert!(!m.is_key_ro("totem.transport2"));
        assert!(!m.is_key_ro("runtime.members.1.ip"));
    }
}
