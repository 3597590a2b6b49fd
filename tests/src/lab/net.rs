//! The lab's network: a "switch" namespace holding one bridge per ring, and
//! one namespace per node with a veth `eth<r>` plugged into each bridge.
//! Partitions move switch ports onto separate bridges (no firewall needed);
//! packet loss uses an nftables `numgen random` rule inside the node.
//! Nothing touches the host's own network namespace.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use super::config::node_addr;
use super::LabError;

/// Names of a lab's namespaces and links.
#[derive(Debug, Clone)]
pub struct Net {
    /// `atlab-<id>-sw`.
    pub switch: String,
    /// Node namespaces, index 0 = node 1.
    pub nodes: Vec<String>,
    pub rings: u8,
}

/// Prefix of every namespace the lab creates (used by stale cleanup).
pub const NS_PREFIX: &str = "atlab-";

/// Run `ip args…`, failing with its stderr.
pub fn ip(args: &[&str]) -> Result<(), LabError> {
    sh("ip", args)
}

fn sh(program: &str, args: &[&str]) -> Result<(), LabError> {
    let out = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| LabError::io(format!("running {program}"), e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(LabError::Command {
            cmd: format!("{program} {}", args.join(" ")),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

impl Net {
    /// Names for lab `id` with `n` nodes (nothing is created).
    pub fn names(id: &str, n: usize, rings: u8) -> Net {
        Net {
            switch: format!("{NS_PREFIX}{id}-sw"),
            nodes: (1..=n).map(|i| format!("{NS_PREFIX}{id}-n{i}")).collect(),
            rings,
        }
    }

    /// Every namespace name, switch last.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.nodes.iter().chain(std::iter::once(&self.switch))
    }

    /// Namespace of node `i` (1-based).
    pub fn ns(&self, i: usize) -> &str {
        &self.nodes[i - 1]
    }

    fn port(i: usize, r: u8) -> String {
        format!("p{i}r{r}")
    }

    fn bridge(r: u8) -> String {
        format!("br{r}")
    }

    fn group_bridge(r: u8, g: usize) -> String {
        format!("br{r}g{g}")
    }

    /// Create the namespaces, bridges and links. On error the caller
    /// removes whatever exists ([`Net::destroy`]).
    pub fn create(&self) -> Result<(), LabError> {
        let sw = self.switch.as_str();
        ip(&["netns", "add", sw])?;
        ip(&["-n", sw, "link", "set", "lo", "up"])?;
        for r in 0..self.rings {
            let br = Self::bridge(r);
            ip(&["-n", sw, "link", "add", &br, "type", "bridge"])?;
            ip(&["-n", sw, "link", "set", &br, "up"])?;
        }
        for (k, ns) in self.nodes.iter().enumerate() {
            let i = k + 1;
            ip(&["netns", "add", ns])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
            for r in 0..self.rings {
                let eth = format!("eth{r}");
                let port = Self::port(i, r);
                // Both ends are created in place: no name is ever used in
                // the host namespace, so labs cannot collide.
                ip(&[
                    "link", "add", "name", &eth, "netns", ns, "type", "veth", "peer", "name",
                    &port, "netns", sw,
                ])?;
                ip(&["-n", sw, "link", "set", &port, "master", &Self::bridge(r)])?;
                ip(&["-n", sw, "link", "set", &port, "up"])?;
                let addr = format!("{}/24", node_addr(r, i));
                ip(&["-n", ns, "addr", "add", &addr, "dev", &eth])?;
                ip(&["-n", ns, "link", "set", &eth, "up"])?;
            }
        }
        Ok(())
    }

    /// Delete every namespace of the lab that exists (processes must be
    /// gone first, or the namespace outlives its name).
    pub fn destroy(&self) -> Vec<LabError> {
        self.all()
            .filter(|ns| std::path::Path::new("/run/netns").join(ns).exists())
            .filter_map(|ns| ip(&["netns", "del", ns]).err())
            .collect()
    }

    /// Split the nodes into `groups` (1-based node numbers). Nodes named in
    /// no group stay together on the main bridge. Replaces any partition.
    pub fn partition(&self, groups: &[Vec<usize>]) -> Result<(), LabError> {
        let mut seen = BTreeSet::new();
        for g in groups {
            for &i in g {
                if i == 0 || i > self.nodes.len() {
                    return Err(LabError::NoSuchNode(i));
                }
                if !seen.insert(i) {
                    return Err(LabError::Invalid(format!(
                        "node {i} is in two partition groups"
                    )));
                }
            }
        }
        self.heal()?;
        let sw = self.switch.as_str();
        for r in 0..self.rings {
            for (g, members) in groups.iter().enumerate() {
                let br = Self::group_bridge(r, g + 1);
                ip(&["-n", sw, "link", "add", &br, "type", "bridge"])?;
                ip(&["-n", sw, "link", "set", &br, "up"])?;
                for &i in members {
                    ip(&["-n", sw, "link", "set", &Self::port(i, r), "master", &br])?;
                }
            }
        }
        Ok(())
    }

    /// Put every port back on its ring's main bridge, remove the partition
    /// bridges, and bring every port up.
    pub fn heal(&self) -> Result<(), LabError> {
        let sw = self.switch.as_str();
        for r in 0..self.rings {
            for i in 1..=self.nodes.len() {
                let port = Self::port(i, r);
                ip(&["-n", sw, "link", "set", &port, "master", &Self::bridge(r)])?;
                ip(&["-n", sw, "link", "set", &port, "up"])?;
            }
            for br in self.bridges()? {
                if br.starts_with(&format!("br{r}g")) {
                    ip(&["-n", sw, "link", "del", &br])?;
                }
            }
        }
        Ok(())
    }

    /// Bridges that exist in the switch namespace.
    fn bridges(&self) -> Result<Vec<String>, LabError> {
        let out = Command::new("ip")
            .args(["-n", &self.switch, "-o", "link", "show", "type", "bridge"])
            .output()
            .map_err(|e| LabError::io("listing bridges".into(), e))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let name = l.split(": ").nth(1)?;
                Some(name.split('@').next()?.to_string())
            })
            .collect())
    }

    /// Unplug (or replug) node `i` on every ring: its switch ports go down.
    pub fn set_link(&self, i: usize, up: bool) -> Result<(), LabError> {
        self.check(i)?;
        for r in 0..self.rings {
            ip(&[
                "-n",
                &self.switch,
                "link",
                "set",
                &Self::port(i, r),
                if up { "up" } else { "down" },
            ])?;
        }
        Ok(())
    }

    /// Unplug (or replug) node `i` on ring `ring` only (knet fails over
    /// to its other links).
    pub fn set_ring_link(&self, i: usize, ring: u8, up: bool) -> Result<(), LabError> {
        self.check(i)?;
        if ring >= self.rings {
            return Err(LabError::Invalid(format!(
                "ring {ring}: the lab has {} ring(s)",
                self.rings
            )));
        }
        ip(&[
            "-n",
            &self.switch,
            "link",
            "set",
            &Self::port(i, ring),
            if up { "up" } else { "down" },
        ])
    }

    /// Drop `percent` % of node `i`'s packets in each direction, chosen at
    /// random by nftables (`0` removes the rule). Needs the `nft` program.
    pub fn set_loss(&self, i: usize, percent: u8) -> Result<(), LabError> {
        self.check(i)?;
        if percent > 100 {
            return Err(LabError::Invalid(format!("loss {percent}% > 100%")));
        }
        let ns = self.ns(i);
        // Remove an earlier rule set; absence is fine.
        let _ = sh(
            "ip",
            &[
                "netns", "exec", ns, "nft", "delete", "table", "inet", "atlab",
            ],
        );
        if percent == 0 {
            return Ok(());
        }
        let rules = format!(
            "table inet atlab {{\n\
             chain in {{ type filter hook input priority 0; iifname \"eth*\" numgen random mod 100 < {percent} drop; }}\n\
             chain out {{ type filter hook output priority 0; oifname \"eth*\" numgen random mod 100 < {percent} drop; }}\n\
             }}\n"
        );
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LabError::io("running nft (install nftables)".into(), e))?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin
                .write_all(rules.as_bytes())
                .map_err(|e| LabError::io("writing nft rules".into(), e))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| LabError::io("running nft".into(), e))?;
        if !out.status.success() {
            return Err(LabError::Command {
                cmd: format!("nft -f - (in {ns})"),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(())
    }

    fn check(&self, i: usize) -> Result<(), LabError> {
        if i == 0 || i > self.nodes.len() {
            Err(LabError::NoSuchNode(i))
        } else {
            Ok(())
        }
    }
}
