//! The cmap service (cmap.c): IPC access to the configuration map and to
//! the statistics map, and the `totem.config_version` exchange during sync.

use std::collections::BTreeMap;

use totem_wire::ipc::cmap::{
    self as c, CmapRequest, GetResponse, HandleResponse, IterNextResponse, NotifyEvent,
};
use totem_wire::ipc::{bare_response, CsError};
use totem_wire::service::{CmapItem, CmapMcast, MarName, ServiceMessage};
use totem_wire::{Codec, Endian};

use crate::icmap::{track, vt, Icmap, Internal, Item, Notification, TrackOwner};
use crate::out::{LogLevel, Outbox, Output};
use crate::{Cluster, ConnId, NodeId};

/// CMAP_MCAST_REASON_SYNC.
const REASON_SYNC: u8 = 0;
/// CMAP_MCAST_REASON_NEW_CONFIG_VERSION.
const REASON_NEW_CONFIG_VERSION: u8 = 1;
/// ICMAP_VALUETYPE_NOT_EXIST in the cmap mcast.
const VALUETYPE_NOT_EXIST: u8 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Map {
    #[default]
    Icmap,
    Stats,
}

#[derive(Debug, Clone)]
struct Iter {
    prefix: String,
    last: Option<String>,
}

#[derive(Debug, Default)]
struct Conn {
    map: Map,
    iters: BTreeMap<u64, Iter>,
    /// track handle -> icmap tracker id (0 for stats-map trackers).
    tracks: BTreeMap<u64, (u64, u64)>,
}

/// The service.
#[derive(Debug)]
pub struct Cmap {
    conns: BTreeMap<ConnId, Conn>,
    next_handle: u64,
    sync_trans_entries: usize,
    my_config_version: u64,
    highest_config_version: u64,
    first_sync: bool,
}

impl Default for Cmap {
    fn default() -> Self {
        Cmap::new()
    }
}

fn key_str(k: &[u8]) -> String {
    String::from_utf8_lossy(k).into_owned()
}

impl Cmap {
    /// cmap_exec_init_fn.
    pub fn new() -> Cmap {
        Cmap {
            conns: BTreeMap::new(),
            next_handle: 0x1000_0000_0001,
            sync_trans_entries: 0,
            my_config_version: 0,
            highest_config_version: 0,
            first_sync: true,
        }
    }

    /// Register the config_version tracker.
    pub fn init(icmap: &mut Icmap) {
        let _ = icmap.track_add(
            Some("totem.config_version"),
            track::ADD | track::DELETE | track::MODIFY,
            TrackOwner::Internal(Internal::ConfigVersion),
        );
    }

    fn handle(&mut self) -> u64 {
        let h = self.next_handle;
        self.next_handle += 1;
        h
    }

    /// lib_init_fn.
    pub fn connect(&mut self, conn: ConnId) {
        self.conns.insert(conn, Conn::default());
    }

    /// lib_exit_fn.
    pub fn disconnect(&mut self, icmap: &mut Icmap, conn: ConnId) {
        if let Some(c) = self.conns.remove(&conn) {
            for (_, (id, _)) in c.tracks {
                if id != 0 {
                    let _ = icmap.track_delete(id);
                }
            }
        }
    }

    /// Turn a notification for an IPC tracker into its event.
    pub fn notify(out: &mut Outbox, n: &Notification) {
        let TrackOwner::Conn(conn, inst) = n.owner else {
            return;
        };
        let (nt, nv) = n
            .new
            .as_ref()
            .map(|i| (i.value_type, i.value.clone()))
            .unwrap_or_default();
        let (ot, ov) = n
            .old
            .as_ref()
            .map(|i| (i.value_type, i.value.clone()))
            .unwrap_or_default();
        out.event(
            conn,
            NotifyEvent {
                track_inst_handle: inst,
                key: n.key.as_bytes().to_vec(),
                event: n.event,
                new_type: nt,
                old_type: ot,
                new_value: nv,
                old_value: ov,
            }
            .encode(),
        );
    }

    /// An IPC request. `stats` is the current statistics map.
    pub fn request(
        &mut self,
        icmap: &mut Icmap,
        out: &mut Outbox,
        stats: &BTreeMap<String, Item>,
        conn: ConnId,
        req: CmapRequest,
    ) {
        let map = self.conns.entry(conn).or_default().map;
        let resp = match req {
            CmapRequest::Set {
                key,
                value_type,
                value,
            } => {
                let k = key_str(&key);
                let e = if map == Map::Stats || icmap.is_key_ro(&k) {
                    CsError::ACCESS
                } else {
                    match icmap.set(&k, value_type, &value) {
                        Ok(()) => CsError::OK,
                        Err(e) => e,
                    }
                };
                bare_response(c::id::SET, e)
            }
            CmapRequest::Delete { key } => {
                let k = key_str(&key);
                let e = if map == Map::Stats || icmap.is_key_ro(&k) {
                    CsError::ACCESS
                } else {
                    icmap.delete(&k).err().unwrap_or(CsError::OK)
                };
                bare_response(c::id::DELETE, e)
            }
            CmapRequest::Get { key, value_len } => {
                let k = key_str(&key);
                let item = match map {
                    Map::Icmap => icmap.get(&k),
                    Map::Stats => stats.get(&k),
                };
                match item {
                    None => GetResponse {
                        error: CsError::NOT_EXIST,
                        value_type: 0,
                        value_len: 0,
                        value: Vec::new(),
                    }
                    .encode(),
                    Some(i) if value_len > 0 && (value_len as usize) < i.value.len() => {
                        GetResponse {
                            error: CsError::INVALID_PARAM,
                            value_type: 0,
                            value_len: 0,
                            value: Vec::new(),
                        }
                        .encode()
                    }
                    Some(i) => {
                        // The response carries the caller's whole buffer.
                        let mut v = Vec::new();
                        if value_len > 0 {
                            v = i.value.clone();
                            v.resize(value_len as usize, 0);
                        }
                        GetResponse {
                            error: CsError::OK,
                            value_type: i.value_type,
                            value_len: i.value.len() as u64,
                            value: v,
                        }
                        .encode()
                    }
                }
            }
            CmapRequest::AdjustInt { key, step } => {
                let k = key_str(&key);
                let e = if map == Map::Stats || icmap.is_key_ro(&k) {
                    CsError::ACCESS
                } else {
                    icmap.adjust_int(&k, step).err().unwrap_or(CsError::OK)
                };
                bare_response(c::id::ADJUST_INT, e)
            }
            CmapRequest::IterInit { prefix } => {
                let h = self.handle();
                self.conns.entry(conn).or_default().iters.insert(
                    h,
                    Iter {
                        prefix: key_str(&prefix),
                        last: None,
                    },
                );
                HandleResponse {
                    id: c::id::ITER_INIT,
                    error: CsError::OK,
                    handle: h,
                }
                .encode()
            }
            CmapRequest::IterNext { handle } => {
                let c = self.conns.entry(conn).or_default();
                match c.iters.get_mut(&handle) {
                    None => IterNextResponse {
                        error: CsError::BAD_HANDLE,
                        key: Vec::new(),
                        value_len: 0,
                        value_type: 0,
                    }
                    .encode(),
                    Some(it) => {
                        let next = match map {
                            Map::Icmap => next_key(icmap.iter_prefix(&it.prefix), &it.last),
                            Map::Stats => next_key(
                                stats
                                    .range(it.prefix.clone()..)
                                    .take_while(|(k, _)| k.starts_with(it.prefix.as_str())),
                                &it.last,
                            ),
                        };
                        match next {
                            Some((k, i)) => {
                                it.last = Some(k.clone());
                                IterNextResponse {
                                    error: CsError::OK,
                                    key: k.into_bytes(),
                                    value_len: i.value.len() as u64,
                                    value_type: i.value_type,
                                }
                                .encode()
                            }
                            None => IterNextResponse {
                                error: CsError::NO_SECTIONS,
                                key: Vec::new(),
                                value_len: 0,
                                value_type: 0,
                            }
                            .encode(),
                        }
                    }
                }
            }
            CmapRequest::IterFinalize { handle } => {
                let c = self.conns.entry(conn).or_default();
                let e = if c.iters.remove(&handle).is_some() {
                    CsError::OK
                } else {
                    CsError::BAD_HANDLE
                };
                bare_response(c::id::ITER_FINALIZE, e)
            }
            CmapRequest::TrackAdd {
                key,
                track_type,
                track_inst_handle,
            } => {
                let k = (!key.is_empty()).then(|| key_str(&key));
                let r = match map {
                    Map::Icmap => icmap.track_add(
                        k.as_deref(),
                        track_type,
                        TrackOwner::Conn(conn, track_inst_handle),
                    ),
                    Map::Stats => Ok(0),
                };
                match r {
                    Ok(id) => {
                        let h = self.handle();
                        self.conns
                            .entry(conn)
                            .or_default()
                            .tracks
                            .insert(h, (id, track_inst_handle));
                        HandleResponse {
                            id: c::id::TRACK_ADD,
                            error: CsError::OK,
                            handle: h,
                        }
                        .encode()
                    }
                    Err(e) => HandleResponse {
                        id: c::id::TRACK_ADD,
                        error: e,
                        handle: 0,
                    }
                    .encode(),
                }
            }
            CmapRequest::TrackDelete { handle } => {
                let c = self.conns.entry(conn).or_default();
                match c.tracks.remove(&handle) {
                    Some((id, inst)) => {
                        if id != 0 {
                            let _ = icmap.track_delete(id);
                        }
                        HandleResponse {
                            id: c::id::TRACK_DELETE,
                            error: CsError::OK,
                            handle: inst,
                        }
                    }
                    None => HandleResponse {
                        id: c::id::TRACK_DELETE,
                        error: CsError::BAD_HANDLE,
                        handle: 0,
                    },
                }
                .encode()
            }
            CmapRequest::SetCurrentMap { map } => {
                let c = self.conns.entry(conn).or_default();
                let e = if !c.iters.is_empty() || !c.tracks.is_empty() {
                    CsError::BUSY
                } else {
                    match map {
                        c::SETMAP_DEFAULT => {
                            c.map = Map::Icmap;
                            CsError::OK
                        }
                        c::SETMAP_STATS => {
                            c.map = Map::Stats;
                            CsError::OK
                        }
                        _ => CsError::NOT_EXIST,
                    }
                };
                bare_response(c::id::RES_SET_CURRENT_MAP, e)
            }
        };
        out.response(conn, resp);
    }

    fn mcast_config_version(icmap: &Icmap, cluster: &mut dyn Cluster, reason: u8) -> bool {
        let key = "totem.config_version";
        let (value_type, value) = match icmap.get(key) {
            Some(i) => (i.value_type, i.value.clone()),
            None => (VALUETYPE_NOT_EXIST, Vec::new()),
        };
        let m = ServiceMessage::CmapMcast(CmapMcast {
            reason,
            items: vec![CmapItem {
                key_name: MarName::new(key.as_bytes()),
                value_type,
                value,
            }],
        });
        cluster.mcast(&[&m.to_bytes(Endian::NATIVE)])
    }

    /// cmap_config_version_track_cb.
    pub fn config_version_changed(
        &mut self,
        icmap: &Icmap,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
    ) {
        self.my_config_version = icmap.get_u64("totem.config_version").unwrap_or(0);
        if !Self::mcast_config_version(icmap, cluster, REASON_NEW_CONFIG_VERSION) {
            out.log(
                LogLevel::Error,
                "CMAP",
                "Can't inform other nodes about new config version",
            );
        }
    }

    /// cmap_sync_init.
    pub fn sync_init(&mut self, icmap: &Icmap, trans: &[NodeId]) {
        self.sync_trans_entries = trans.len();
        self.my_config_version = icmap.get_u64("totem.config_version").unwrap_or(0);
        self.highest_config_version = self.my_config_version;
    }

    /// cmap_sync_process.
    pub fn sync_process(&mut self, icmap: &Icmap, cluster: &mut dyn Cluster) -> bool {
        Self::mcast_config_version(icmap, cluster, REASON_SYNC)
    }

    /// cmap_sync_activate: a joining node whose configuration version
    /// differs from the cluster's leaves.
    pub fn sync_activate(&mut self, out: &mut Outbox) {
        if self.sync_trans_entries == 0 {
            out.log(LogLevel::Debug, "CMAP", "Single node sync -> no action");
            return;
        }
        if !self.first_sync {
            out.log(LogLevel::Debug, "CMAP", "Not first sync -> no action");
            return;
        }
        self.first_sync = false;
        if self.my_config_version == 0 {
            out.log(
                LogLevel::Debug,
                "CMAP",
                "My config version is 0 -> no action",
            );
            return;
        }
        if self.highest_config_version != self.my_config_version {
            out.log(
                LogLevel::Error,
                "CMAP",
                format!(
                    "Received config version ({}) is different than my config version ({})! Exiting",
                    self.highest_config_version, self.my_config_version
                ),
            );
            out.push(Output::Shutdown {
                reason: "config version mismatch".into(),
            });
        }
    }

    /// message_handler_req_exec_cmap_mcast.
    pub fn exec_mcast(
        &mut self,
        icmap: &mut Icmap,
        my_nodeid: NodeId,
        sender: NodeId,
        m: &CmapMcast,
    ) {
        if m.reason != REASON_SYNC && m.reason != REASON_NEW_CONFIG_VERSION {
            return;
        }
        let mut config_version = 0u64;
        if let Some(item) = m
            .items
            .iter()
            .find(|i| i.key_name.as_bytes() == b"totem.config_version")
        {
            if item.value_type == vt::UINT64 && item.value.len() == 8 {
                let mut a = [0u8; 8];
                a.copy_from_slice(&item.value);
                config_version = u64::from_ne_bytes(a);
            }
        }
        if sender != my_nodeid && config_version > self.highest_config_version {
            self.highest_config_version = config_version;
        }
        icmap.set_u64(
            &format!("runtime.members.{sender}.config_version"),
            config_version,
        );
    }
}

fn next_key<'a>(
    mut it: impl Iterator<Item = (&'a String, &'a Item)>,
    last: &Option<String>,
) -> Option<(String, Item)> {
    it.find(|(k, _)| last.as_ref().is_none_or(|l| k.as_str() > l.as_str()))
        .map(|(k, i)| (k.clone(), i.clone()))
}
