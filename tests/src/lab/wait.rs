//! Polling with a deadline, and the conditions tests wait for: what each
//! node reports (crm_mon, corosync-quorumtool, crmadmin), compared across
//! nodes so that only a stable, agreed state counts.

use std::time::{Duration, Instant};

use super::status::{self, ClusterStatus, QuorumStatus};
use super::{Lab, LabError, RunOpts, Stack};

/// How often conditions are re-checked.
pub const POLL: Duration = Duration::from_millis(250);

/// Call `check` until it returns `Ok`, at most until `timeout` has passed.
/// `Err(text)` describes what was seen; the last one goes into the
/// [`LabError::Timeout`].
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, LabError> {
    let end = Instant::now() + timeout;
    loop {
        let last = match check() {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if Instant::now() >= end {
            return Err(LabError::Timeout {
                what: what.to_string(),
                last,
            });
        }
        std::thread::sleep(POLL);
    }
}

/// What the partition `members` agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converged {
    /// Name of the DC (`None` for a corosync-only lab).
    pub dc: Option<String>,
    pub quorate: bool,
    pub elapsed: Duration,
}

impl Lab {
    fn short(&self) -> RunOpts {
        RunOpts {
            timeout: Duration::from_secs(15),
            ..RunOpts::default()
        }
    }

    /// `crm_mon -1 --output-as=xml` on node `i`, parsed.
    pub fn status(&self, i: usize) -> Result<ClusterStatus, LabError> {
        let out = self.run_with(i, &["crm_mon", "-1", "--output-as=xml"], &self.short())?;
        ClusterStatus::parse(&out.stdout).map_err(|e| LabError::Command {
            cmd: format!("crm_mon -1 --output-as=xml (on node {i})"),
            detail: format!("exit {}: {e}; stderr: {}", out.code, out.stderr.trim()),
        })
    }

    /// `corosync-quorumtool -s` on node `i`, parsed.
    pub fn quorum(&self, i: usize) -> Result<QuorumStatus, LabError> {
        let out = self.run_with(i, &["corosync-quorumtool", "-s"], &self.short())?;
        QuorumStatus::parse(&out.stdout).map_err(|e| LabError::Command {
            cmd: format!("corosync-quorumtool -s (on node {i})"),
            detail: format!("exit {}: {e}; stderr: {}", out.code, out.stderr.trim()),
        })
    }

    /// The controller FSA state of node `of` (`S_IDLE`, …), asked on node `i`.
    pub fn fsa_state(&self, i: usize, of: &str) -> Result<String, LabError> {
        let out = self.run_with(i, &["crmadmin", "-t", "5000", "-S", of], &self.short())?;
        status::controller_state(&out.stdout).ok_or_else(|| LabError::Command {
            cmd: format!("crmadmin -S {of} (on node {i})"),
            detail: format!(
                "exit {}: {}{}",
                out.code,
                out.stdout.trim(),
                out.stderr.trim()
            ),
        })
    }

    /// Whether a partition of `members` should have quorum (votequorum,
    /// one vote each; with two nodes `two_node` keeps a survivor quorate).
    pub fn expect_quorate(&self, members: usize) -> bool {
        let n = self.cfg.nodes;
        if n == 2 {
            members >= 1
        } else {
            members * 2 > n
        }
    }

    /// One look at partition `members`: `Ok` when every member sees exactly
    /// `members` in corosync, the expected quorum, the same DC among
    /// `members`, exactly `members` online, and the DC is in S_IDLE.
    pub fn check_converged(&self, members: &[usize]) -> Result<Converged, String> {
        let start = Instant::now();
        if members.is_empty() {
            return Err("no members given".into());
        }
        if self.cfg.stack == Stack::None {
            return Err("a lab without a stack has nothing to converge".into());
        }
        let mut ids: Vec<u32> = members.iter().map(|&i| i as u32).collect();
        ids.sort_unstable();
        let mut names: Vec<String> = members.iter().map(|&i| self.node_name(i)).collect();
        names.sort();
        let quorate = self.expect_quorate(members.len());
        for &i in members {
            let q = self.quorum(i).map_err(|e| e.to_string())?;
            let mut seen = q.members.clone();
            seen.sort_unstable();
            if seen != ids || q.quorate != quorate {
                return Err(format!(
                    "node {i}: corosync members {seen:?} quorate {} (want {ids:?} quorate {quorate})",
                    q.quorate
                ));
            }
        }
        if self.cfg.stack != Stack::Pacemaker {
            return Ok(Converged {
                dc: None,
                quorate,
                elapsed: start.elapsed(),
            });
        }
        let mut dc: Option<String> = None;
        for &i in members {
            let st = self.status(i).map_err(|e| e.to_string())?;
            let Some(this_dc) = st.dc.clone() else {
                return Err(format!("node {i}: no DC yet"));
            };
            if !names.contains(&this_dc) {
                return Err(format!("node {i}: DC {this_dc} is outside {names:?}"));
            }
            if dc.get_or_insert_with(|| this_dc.clone()) != &this_dc {
                return Err(format!("nodes disagree on the DC ({dc:?} vs {this_dc})"));
            }
            if st.online() != names {
                return Err(format!(
                    "node {i}: online {:?} (want {names:?})",
                    st.online()
                ));
            }
            if st.quorate != quorate {
                return Err(format!(
                    "node {i}: crm_mon quorum {} (want {quorate})",
                    st.quorate
                ));
            }
        }
        // Invariant: members is non-empty and the loop above set `dc`.
        let dc = dc.ok_or("no DC")?;
        let fsa = self.fsa_state(members[0], &dc).map_err(|e| e.to_string())?;
        if fsa != "S_IDLE" {
            return Err(format!("DC {dc} is in {fsa}"));
        }
        Ok(Converged {
            dc: Some(dc),
            quorate,
            elapsed: start.elapsed(),
        })
    }

    /// Wait until partition `members` has converged (see
    /// [`Lab::check_converged`]). For a corosync-only lab, membership and
    /// quorum only.
    pub fn wait_converged(
        &self,
        members: &[usize],
        timeout: Duration,
    ) -> Result<Converged, LabError> {
        let start = Instant::now();
        let mut c = wait_for(&format!("nodes {members:?} to converge"), timeout, || {
            self.check_converged(members)
        })?;
        c.elapsed = start.elapsed();
        Ok(c)
    }

    /// Wait until node `observer` shows resource `rsc` active in role
    /// `role` (`Started`, …) on exactly one node, and return that node.
    pub fn wait_resource(
        &self,
        observer: usize,
        rsc: &str,
        role: &str,
        timeout: Duration,
    ) -> Result<String, LabError> {
        wait_for(
            &format!("{rsc} {role} (seen from node {observer})"),
            timeout,
            || {
                let st = self.status(observer).map_err(|e| e.to_string())?;
                let r = st
                    .resource(rsc)
                    .ok_or_else(|| format!("{rsc} is not in crm_mon's resources"))?;
                match (r.role == role && r.active && !r.failed, r.nodes.as_slice()) {
                    (true, [one]) => Ok(one.clone()),
                    _ => Err(format!("{r:?}")),
                }
            },
        )
    }
}
