//! Scheduling and memory set-up as corosync 3.1.7 does it at start-up:
//! `system.move_to_root_cgroup` (auto/yes/no), `system.sched_rr` (SCHED_RR
//! at the maximum priority unless "no"), `system.priority` (nice value, or
//! "max"/"min"), then mlockall. Realtime scheduling matters: reference nodes
//! run SCHED_RR and busy-poll while they have work queued, so a node in the
//! same ring at normal priority is starved on a loaded machine.
#![allow(unsafe_code)]

use corosync_config::{ConfigMap, Value};
use corosync_services::LogLevel;

use crate::logsys::Logger;

/// What the `system.*` keys ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedConfig {
    /// None = auto.
    pub move_to_root_cgroup: Option<bool>,
    pub sched_rr: bool,
    /// setpriority value; 0 = leave alone.
    pub prio: i32,
}

/// Read the keys; Err is the reference's message for an invalid priority.
pub fn from_map(map: &ConfigMap) -> Result<SchedConfig, String> {
    let s = |k: &str| match map.get(k) {
        Some(Value::Str(v)) => Some(v.clone()),
        _ => None,
    };
    let move_to_root_cgroup = match s("system.move_to_root_cgroup").as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let sched_rr = s("system.sched_rr").is_none_or(|v| v == "yes");
    let prio = match s("system.priority") {
        None => 0,
        Some(v) if v == "max" => i32::MIN,
        Some(v) if v == "min" => i32::MAX,
        Some(v) => v
            .parse::<i32>()
            .map_err(|_| format!("Priority value {v} is invalid"))?,
    };
    Ok(SchedConfig {
        move_to_root_cgroup,
        sched_rr,
        prio,
    })
}

fn move_to_root_cgroup(log: &mut Logger) {
    let file = if std::path::Path::new("/sys/fs/cgroup/cpu/cpu.rt_runtime_us").exists() {
        log.log(
            LogLevel::Debug,
            "MAIN",
            "Moving main pid to cgroup v1 root cgroup",
        );
        "/sys/fs/cgroup/cpu/tasks"
    } else if std::path::Path::new("/sys/fs/cgroup/cgroup.procs").exists() {
        log.log(
            LogLevel::Debug,
            "MAIN",
            "Moving main pid to cgroup v2 root cgroup",
        );
        "/sys/fs/cgroup/cgroup.procs"
    } else {
        log.log(
            LogLevel::Debug,
            "MAIN",
            "cpu.rt_runtime_us or cgroup.procs doesn't exist -> system without cgroup or with disabled CONFIG_RT_GROUP_SCHED",
        );
        return;
    };
    if std::fs::write(file, format!("{}\n", std::process::id())).is_err() {
        log.log(
            LogLevel::Warning,
            "MAIN",
            "Can't write corosync pid into cgroups tasks file",
        );
    }
}

fn errno_text() -> String {
    let e = std::io::Error::last_os_error();
    let code = e.raw_os_error().unwrap_or(0);
    let s = e.to_string();
    let text = s.split(" (os error").next().unwrap_or(&s).to_string();
    format!("{text} ({code})")
}

/// SCHED_RR at the maximum priority for the whole process (call before any
/// thread exists so they all inherit it).
fn set_rr(log: &mut Logger, silent: bool) -> bool {
    // SAFETY: plain syscalls with a valid, initialised sched_param.
    let max = unsafe { libc::sched_get_priority_max(libc::SCHED_RR) };
    if max == -1 {
        return false;
    }
    let param = libc::sched_param {
        sched_priority: max,
    };
    // SAFETY: as above.
    let res = unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) };
    if res == -1 {
        if !silent {
            let e = errno_text();
            log.log(
                LogLevel::Warning,
                "MAIN",
                &format!("Could not set SCHED_RR at priority {max}: {e}"),
            );
        }
        return false;
    }
    true
}

/// Apply `cfg` as corosync's main() does.
pub fn apply(cfg: &SchedConfig, log: &mut Logger) {
    if cfg.move_to_root_cgroup == Some(true) {
        move_to_root_cgroup(log);
    }
    let mut prio = cfg.prio;
    if cfg.sched_rr {
        let auto = cfg.move_to_root_cgroup.is_none();
        let mut ok = set_rr(log, auto);
        if !ok && auto {
            move_to_root_cgroup(log);
            ok = set_rr(log, false);
        }
        prio = if ok { 0 } else { i32::MIN };
    }
    if prio != 0 {
        let p = prio.clamp(-20, 19);
        // SAFETY: plain syscall.
        let res = unsafe { libc::setpriority(libc::PRIO_PGRP, 0, p) };
        if res != 0 {
            let e = errno_text();
            log.log(
                LogLevel::Warning,
                "MAIN",
                &format!("Could not set priority {prio}: {e}"),
            );
        }
    }
}

/// corosync_mlockall: unlimited RLIMIT_MEMLOCK, then lock all memory.
pub fn mlockall(log: &mut Logger) {
    let lim = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscalls with a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) } == -1 {
        let e = errno_text();
        log.log(
            LogLevel::Warning,
            "MAIN",
            &format!("Could not increase RLIMIT_MEMLOCK, not locking memory: {e}"),
        );
        return;
    }
    // SAFETY: as above.
    if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) } == -1 {
        let e = errno_text();
        log.log(
            LogLevel::Warning,
            "MAIN",
            &format!("Could not lock memory of service to avoid page faults: {e}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let mut m = ConfigMap::new();
        let c = from_map(&m).unwrap();
        assert!(c.sched_rr);
        assert_eq!(c.prio, 0);
        assert_eq!(c.move_to_root_cgroup, None);
        m.insert("system.sched_rr".into(), Value::Str("no".into()));
        m.insert("system.priority".into(), Value::Str("max".into()));
        m.insert("system.move_to_root_cgroup".into(), Value::Str("no".into()));
        let c = from_map(&m).unwrap();
        assert!(!c.sched_rr);
        assert_eq!(c.prio, i32::MIN);
        assert_eq!(c.move_to_root_cgroup, Some(false));
        m.insert("system.priority".into(), Value::Str("x".into()));
        assert_eq!(from_map(&m).unwrap_err(), "Priority value x is invalid");
    }
}
