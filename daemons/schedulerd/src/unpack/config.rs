//! Cluster options (`unpack_config`, `pe_pref`, lib/pengine/common.c).

use crate::model::{wsflags, QuorumPolicy, WorkingSet};
use crate::rules::{unpack_nvpairs, RuleData};
use crate::util::{self, is_true, str_to_boolean};

type Validator = fn(&str) -> bool;

/// One scheduler option: name, legacy name, default, validator.
struct Opt {
    name: &'static str,
    default: &'static str,
    valid: Option<Validator>,
}

fn valid_boolean(v: &str) -> bool {
    str_to_boolean(v).is_some()
}

fn valid_interval(v: &str) -> bool {
    util::parse_interval_spec(Some(v)).1
}

fn valid_number(v: &str) -> bool {
    v == "INFINITY" || v == "+INFINITY" || v == "-INFINITY" || util::scan_ll(v).is_ok()
}

fn valid_quorum(v: &str) -> bool {
    ["stop", "freeze", "ignore", "demote", "suicide"]
        .iter()
        .any(|x| v.eq_ignore_ascii_case(x))
}

fn valid_fencing_action(v: &str) -> bool {
    ["off", "reboot", "poweroff"].contains(&v)
}

fn valid_placement(v: &str) -> bool {
    ["default", "utilization", "minimal", "balanced"]
        .iter()
        .any(|x| v.eq_ignore_ascii_case(x))
}

fn valid_health(v: &str) -> bool {
    [
        "none",
        "migrate-on-red",
        "only-green",
        "progressive",
        "custom",
    ]
    .iter()
    .any(|x| v.eq_ignore_ascii_case(x))
}

const OPTS: &[Opt] = &[
    Opt {
        name: "no-quorum-policy",
        default: "stop",
        valid: Some(valid_quorum),
    },
    Opt {
        name: "symmetric-cluster",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "maintenance-mode",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "start-failure-is-fatal",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "enable-startup-probes",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "shutdown-lock",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "shutdown-lock-limit",
        default: "0",
        valid: Some(valid_interval),
    },
    Opt {
        name: "stonith-enabled",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "stonith-action",
        default: "reboot",
        valid: Some(valid_fencing_action),
    },
    Opt {
        name: "stonith-timeout",
        default: "60s",
        valid: Some(valid_interval),
    },
    Opt {
        name: "have-watchdog",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "concurrent-fencing",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "startup-fencing",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "priority-fencing-delay",
        default: "0",
        valid: Some(valid_interval),
    },
    Opt {
        name: "cluster-delay",
        default: "60s",
        valid: Some(valid_interval),
    },
    Opt {
        name: "batch-limit",
        default: "0",
        valid: Some(valid_number),
    },
    Opt {
        name: "migration-limit",
        default: "-1",
        valid: Some(valid_number),
    },
    Opt {
        name: "stop-all-resources",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "stop-orphan-resources",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "stop-orphan-actions",
        default: "true",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "remove-after-stop",
        default: "false",
        valid: Some(valid_boolean),
    },
    Opt {
        name: "pe-error-series-max",
        default: "-1",
        valid: Some(valid_number),
    },
    Opt {
        name: "pe-warn-series-max",
        default: "5000",
        valid: Some(valid_number),
    },
    Opt {
        name: "pe-input-series-max",
        default: "4000",
        valid: Some(valid_number),
    },
    Opt {
        name: "node-health-strategy",
        default: "none",
        valid: Some(valid_health),
    },
    Opt {
        name: "node-health-base",
        default: "0",
        valid: Some(valid_number),
    },
    Opt {
        name: "node-health-green",
        default: "0",
        valid: Some(valid_number),
    },
    Opt {
        name: "node-health-yellow",
        default: "0",
        valid: Some(valid_number),
    },
    Opt {
        name: "node-health-red",
        default: "-INFINITY",
        valid: Some(valid_number),
    },
    Opt {
        name: "placement-strategy",
        default: "default",
        valid: Some(valid_placement),
    },
];

/// `pe_pref`: the configured value if valid, else the default (which is
/// then recorded in the option table, as the reference does).
#[doc(alias = "pe_pref")]
pub fn pref(ws: &mut WorkingSet, name: &str) -> Option<String> {
    let opt = OPTS.iter().find(|o| o.name.eq_ignore_ascii_case(name))?;
    if let Some(v) = ws.config.get(opt.name) {
        if opt.valid.map_or(true, |f| f(v)) {
            return Some(v.clone());
        }
        crate::config_err!(
            "cluster_option_value",
            "Using default value for cluster option '{}' because '{}' is invalid",
            opt.name,
            v
        );
    }
    ws.config
        .insert(opt.name.to_owned(), opt.default.to_owned());
    Some(opt.default.to_owned())
}

fn set_config_flag(ws: &mut WorkingSet, option: &str, flag: u64) {
    if let Some(v) = pref(ws, option) {
        if is_true(Some(&v)) {
            ws.set(flag);
        } else {
            ws.clear(flag);
        }
    }
}

/// Whether any `meta_attributes` nvpair in the resources or rsc_defaults
/// asks for unfencing (`XPATH_ENABLE_UNFENCING`).
fn unfencing_requested(ws: &WorkingSet) -> bool {
    let doc = &ws.doc;
    let Some(conf) = doc.first_child(ws.cib, "configuration") else {
        return false;
    };
    let is_unfencing_nvpair = |nv: u32| {
        let name = doc.attr(nv, "name");
        (name == Some("provides") || name == Some("requires"))
            && doc.attr(nv, "value") == Some("unfencing")
    };
    if let Some(resources) = doc.first_child(conf, "resources") {
        for ms in doc.descendants_named(resources, "meta_attributes") {
            if doc.children_named(ms, "nvpair").any(is_unfencing_nvpair) {
                return true;
            }
        }
    }
    if let Some(rd) = doc.first_child(conf, "rsc_defaults") {
        for ms in doc.children_named(rd, "meta_attributes") {
            if doc.children_named(ms, "nvpair").any(is_unfencing_nvpair) {
                return true;
            }
        }
    }
    false
}

/// `unpack_config`.
pub fn unpack_config(ws: &mut WorkingSet, config: Option<u32>) {
    let now = ws.now;
    let data = RuleData::new(&now);
    let mut hash = std::mem::take(&mut ws.config);
    let top = ws.cib;
    let mut next_change = crate::iso8601::CrmTime::undefined();
    unpack_nvpairs(
        &ws.doc,
        top,
        config,
        Some("cluster_property_set"),
        &data,
        &mut hash,
        Some("cib-bootstrap-options"),
        false,
        Some(&mut next_change),
    );
    ws.config = hash;
    super::update_recheck(ws, &next_change);
    for o in OPTS {
        pref(ws, o.name);
    }

    set_config_flag(ws, "enable-startup-probes", wsflags::STARTUP_PROBES);
    if is_true(pref(ws, "have-watchdog").as_deref()) {
        ws.set(wsflags::HAVE_STONITH_RESOURCE);
    }
    if !ws.is_set(wsflags::ENABLE_UNFENCING) && unfencing_requested(ws) {
        ws.set(wsflags::ENABLE_UNFENCING);
    }
    let st = pref(ws, "stonith-timeout");
    ws.stonith_timeout = util::interval_ms(st.as_deref()) as i32;
    set_config_flag(ws, "stonith-enabled", wsflags::STONITH_ENABLED);
    ws.stonith_action = pref(ws, "stonith-action").unwrap_or_else(|| "reboot".into());
    if ws.stonith_action == "poweroff" {
        crate::warn_once!(
            crate::diag::once::POWEROFF,
            "unpack_config",
            "Support for stonith-action of 'poweroff' is deprecated and will be removed in a future release (use 'off' instead)"
        );
        ws.stonith_action = "off".into();
    }
    set_config_flag(ws, "concurrent-fencing", wsflags::CONCURRENT_FENCING);
    if let Some(v) = pref(ws, "priority-fencing-delay") {
        ws.priority_fencing_delay = (util::interval_ms(Some(&v)) / 1000) as i32;
    }
    set_config_flag(ws, "stop-all-resources", wsflags::STOP_EVERYTHING);
    set_config_flag(ws, "symmetric-cluster", wsflags::SYMMETRIC_CLUSTER);

    let nqp = pref(ws, "no-quorum-policy")
        .unwrap_or_default()
        .to_ascii_lowercase();
    ws.no_quorum_policy = match nqp.as_str() {
        "ignore" => QuorumPolicy::Ignore,
        "freeze" => QuorumPolicy::Freeze,
        "demote" => QuorumPolicy::Demote,
        "suicide" => {
            if ws.is_set(wsflags::STONITH_ENABLED) {
                let do_panic = util::value_int(ws.doc.attr(ws.cib, "no-quorum-panic")).unwrap_or(0);
                if do_panic != 0 || ws.is_set(wsflags::HAVE_QUORUM) {
                    QuorumPolicy::Suicide
                } else {
                    QuorumPolicy::Stop
                }
            } else {
                crate::config_err!(
                    "unpack_config",
                    "Resetting no-quorum-policy to 'stop' because fencing is disabled"
                );
                QuorumPolicy::Stop
            }
        }
        _ => QuorumPolicy::Stop,
    };

    set_config_flag(ws, "stop-orphan-resources", wsflags::STOP_RSC_ORPHANS);
    set_config_flag(ws, "stop-orphan-actions", wsflags::STOP_ACTION_ORPHANS);
    if let Some(v) = pref(ws, "remove-after-stop") {
        if is_true(Some(&v)) {
            ws.set(wsflags::REMOVE_AFTER_STOP);
            crate::warn_once!(
                crate::diag::once::REMOVE_AFTER,
                "unpack_config",
                "Support for the remove-after-stop cluster property is deprecated and will be removed in a future release"
            );
        } else {
            ws.clear(wsflags::REMOVE_AFTER_STOP);
        }
    }
    set_config_flag(ws, "maintenance-mode", wsflags::MAINTENANCE_MODE);
    set_config_flag(ws, "start-failure-is-fatal", wsflags::START_FAILURE_FATAL);
    if ws.is_set(wsflags::STONITH_ENABLED) {
        set_config_flag(ws, "startup-fencing", wsflags::STARTUP_FENCING);
    }
    if !ws.is_set(wsflags::STARTUP_FENCING) {
        crate::warn_once!(
            crate::diag::once::BLIND,
            "unpack_config",
            "Blind faith: not fencing unseen nodes"
        );
    }
    ws.placement_strategy = pref(ws, "placement-strategy").unwrap_or_else(|| "default".into());
    set_config_flag(ws, "shutdown-lock", wsflags::SHUTDOWN_LOCK);
    if ws.is_set(wsflags::SHUTDOWN_LOCK) {
        let v = pref(ws, "shutdown-lock-limit");
        ws.shutdown_lock = util::interval_ms(v.as_deref()) / 1000;
    }
}
