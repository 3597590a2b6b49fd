//! Applying a re-read corosync.conf to the live map (cfg.c's reload:
//! remove_deleted_entries, remove_ro_entries, icmap_copy_map).

use corosync_config::ConfigMap;

use crate::icmap::{Icmap, Item};
use crate::out::{LogLevel, Outbox};

/// Prefixes whose keys missing from the new file are deleted.
const RELOADED_PREFIXES: [&str; 6] = [
    "logging.",
    "totem.",
    "nodelist.",
    "quorum.",
    "uidgid.config.",
    "nozzle.",
];

/// Keys that keep their running value whatever the new file says.
const FIXED_KEYS: [&str; 25] = [
    "totem.secauth",
    "totem.crypto_hash",
    "totem.crypto_cipher",
    "totem.keyfile",
    "totem.key",
    "totem.version",
    "totem.threads",
    "totem.ip_version",
    "totem.rrp_mode",
    "totem.netmtu",
    "totem.interface.ringnumber",
    "totem.interface.bindnetaddr",
    "totem.interface.mcastaddr",
    "totem.interface.broadcast",
    "totem.interface.mcastport",
    "totem.interface.ttl",
    "totem.transport",
    "totem.cluster_name",
    "quorum.provider",
    "system.move_to_root_cgroup",
    "system.allow_knet_handle_fallback",
    "system.sched_rr",
    "system.priority",
    "system.qb_ipc_type",
    "system.state_dir",
];

/// Bring `live` in line with `new`.
pub(crate) fn apply(live: &mut Icmap, out: &mut Outbox, new: &ConfigMap) {
    let mut new: Vec<(String, Item)> = new
        .iter()
        .map(|(k, v)| (k.clone(), Item::from(v)))
        .collect();
    for p in RELOADED_PREFIXES {
        let gone: Vec<String> = live
            .iter_prefix(p)
            .map(|(k, _)| k.clone())
            .filter(|k| !new.iter().any(|(n, _)| n == k))
            .collect();
        for k in gone {
            let _ = live.delete(&k);
        }
    }
    new.retain(|(k, v)| {
        if FIXED_KEYS.contains(&k.as_str()) && live.get(k) != Some(v) {
            out.log(
                LogLevel::Notice,
                "CFG",
                format!("Modified entry '{k}' in corosync.conf cannot be changed at run-time"),
            );
            return false;
        }
        true
    });
    for (k, v) in new {
        let _ = live.set_item(&k, &v);
    }
}
