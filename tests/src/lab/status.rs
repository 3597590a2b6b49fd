//! What the cluster tools report, parsed: `crm_mon -1 --output-as=xml`,
//! `corosync-quorumtool -s`, `crmadmin -S`. Pure parsing, no I/O.

/// One node's view of the cluster, from `crm_mon --output-as=xml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterStatus {
    /// Name of the designated controller, if there is one.
    pub dc: Option<String>,
    /// The partition has quorum (`current_dc with_quorum`).
    pub quorate: bool,
    pub nodes: Vec<NodeStatus>,
    /// Every primitive, including those inside groups, clones, bundles.
    pub resources: Vec<ResourceStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeStatus {
    pub name: String,
    pub id: String,
    pub online: bool,
    pub standby: bool,
    pub unclean: bool,
    pub pending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceStatus {
    pub id: String,
    /// `class:provider:type`, e.g. `ocf:heartbeat:Dummy`.
    pub agent: String,
    /// `Started`, `Stopped`, `Promoted`, …
    pub role: String,
    pub active: bool,
    pub failed: bool,
    /// Nodes it runs on.
    pub nodes: Vec<String>,
}

impl ClusterStatus {
    /// Parse `crm_mon -1 --output-as=xml` output.
    pub fn parse(xml: &str) -> Result<ClusterStatus, String> {
        let doc = roxmltree::Document::parse(xml).map_err(|e| format!("crm_mon XML: {e}"))?;
        let root = doc.root_element();
        let mut st = ClusterStatus::default();
        let flag = |n: roxmltree::Node, a: &str| n.attribute(a) == Some("true");
        if let Some(dc) = root.descendants().find(|n| n.has_tag_name("current_dc")) {
            if flag(dc, "present") {
                st.dc = dc.attribute("name").map(str::to_string);
            }
            st.quorate = flag(dc, "with_quorum");
        }
        if let Some(nodes) = root.children().find(|n| n.has_tag_name("nodes")) {
            for n in nodes.children().filter(|n| n.has_tag_name("node")) {
                st.nodes.push(NodeStatus {
                    name: n.attribute("name").unwrap_or_default().to_string(),
                    id: n.attribute("id").unwrap_or_default().to_string(),
                    online: flag(n, "online"),
                    standby: flag(n, "standby"),
                    unclean: flag(n, "unclean"),
                    pending: flag(n, "pending"),
                });
            }
        }
        if let Some(rscs) = root.children().find(|n| n.has_tag_name("resources")) {
            for r in rscs.descendants().filter(|n| n.has_tag_name("resource")) {
                st.resources.push(ResourceStatus {
                    id: r.attribute("id").unwrap_or_default().to_string(),
                    agent: r
                        .attribute("resource_agent")
                        .unwrap_or_default()
                        .to_string(),
                    role: r.attribute("role").unwrap_or_default().to_string(),
                    active: flag(r, "active"),
                    failed: flag(r, "failed"),
                    nodes: r
                        .children()
                        .filter(|n| n.has_tag_name("node"))
                        .filter_map(|n| n.attribute("name").map(str::to_string))
                        .collect(),
                });
            }
        }
        Ok(st)
    }

    /// Names of the nodes shown online, sorted.
    pub fn online(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| n.online)
            .map(|n| n.name.clone())
            .collect();
        v.sort();
        v
    }

    /// The resource (primitive) `id`.
    pub fn resource(&self, id: &str) -> Option<&ResourceStatus> {
        self.resources.iter().find(|r| r.id == id)
    }
}

/// `corosync-quorumtool -s`, the parts tests compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuorumStatus {
    pub quorate: bool,
    /// "Nodes:" — members of this node's current membership.
    pub nodes: usize,
    pub expected_votes: u32,
    pub total_votes: u32,
    /// Node ids listed under "Membership information".
    pub members: Vec<u32>,
}

impl QuorumStatus {
    /// Parse `corosync-quorumtool -s` text (`LC_ALL=C`).
    pub fn parse(text: &str) -> Result<QuorumStatus, String> {
        let mut q = QuorumStatus::default();
        let mut saw_quorate = false;
        let mut in_members = false;
        for line in text.lines() {
            let t = line.trim();
            if let Some((k, v)) = t.split_once(':') {
                let v = v.trim();
                match k.trim() {
                    "Quorate" => {
                        q.quorate = v.starts_with("Yes");
                        saw_quorate = true;
                    }
                    "Nodes" => q.nodes = v.parse().map_err(|_| format!("Nodes: {v:?}"))?,
                    "Expected votes" => q.expected_votes = v.parse().unwrap_or(0),
                    "Total votes" => q.total_votes = v.parse().unwrap_or(0),
                    _ => {}
                }
            }
            if t.starts_with("Membership information") {
                in_members = true;
                continue;
            }
            if in_members {
                // "    Nodeid      Votes Name" header, "----" rule, then rows.
                let first = t.split_whitespace().next().unwrap_or("");
                if let Ok(id) = first.parse::<u32>() {
                    q.members.push(id);
                }
            }
        }
        if !saw_quorate {
            return Err(format!("no 'Quorate:' line in: {text}"));
        }
        Ok(q)
    }
}

/// The FSA state in `crmadmin -S NODE` output
/// ("Controller on n1 in state S_IDLE: ok").
pub fn controller_state(text: &str) -> Option<String> {
    let rest = text.split(" in state ").nth(1)?;
    let state: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!state.is_empty()).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes follow crm_mon's API schema (/usr/share/pacemaker/api/crm_mon-2.*.rng);
    // the live parsing is exercised by the lab tests.
    #[test]
    fn parses_crm_mon_xml() {
        let xml = r#"<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <summary>
    <current_dc present="true" version="x" name="n2" id="2" with_quorum="true" mixed_version="false"/>
  </summary>
  <nodes>
    <node name="n1" id="1" online="true" standby="false" unclean="false" pending="false"/>
    <node name="n2" id="2" online="true" standby="false" unclean="false" pending="false"/>
    <node name="n3" id="3" online="false" standby="false" unclean="false" pending="false"/>
  </nodes>
  <resources>
    <resource id="d" resource_agent="ocf:heartbeat:Dummy" role="Started" active="true" failed="false" nodes_running_on="1">
      <node name="n1" id="1" cached="true"/>
    </resource>
    <group id="g" number_resources="1">
      <resource id="e" resource_agent="ocf:heartbeat:Dummy" role="Stopped" active="false" failed="false" nodes_running_on="0"/>
    </group>
  </resources>
  <status code="0" message="OK"/>
</pacemaker-result>"#;
        let st = ClusterStatus::parse(xml).unwrap();
        assert_eq!(st.dc.as_deref(), Some("n2"));
        assert!(st.quorate);
        assert_eq!(st.online(), ["n1", "n2"]);
        let d = st.resource("d").unwrap();
        assert_eq!(
            (d.role.as_str(), d.active, d.nodes.clone()),
            ("Started", true, vec!["n1".to_string()])
        );
        assert_eq!(st.resource("e").unwrap().role, "Stopped");
    }

    #[test]
    fn no_dc() {
        let xml = r#"<pacemaker-result><summary><current_dc present="false"/></summary><nodes/></pacemaker-result>"#;
        let st = ClusterStatus::parse(xml).unwrap();
        assert_eq!(st.dc, None);
        assert!(!st.quorate);
    }

    #[test]
    fn parses_quorumtool() {
        let text = "Quorum information\n------------------\nDate:             x\nQuorum provider:  corosync_votequorum\nNodes:            2\nNode ID:          1\nRing ID:          1.10\nQuorate:          Yes\n\nVotequorum information\n----------------------\nExpected votes:   3\nHighest expected: 3\nTotal votes:      2\nQuorum:           2  \nFlags:            Quorate \n\nMembership information\n----------------------\n    Nodeid      Votes Name\n         1          1 n1 (local)\n         2          1 n2\n";
        let q = QuorumStatus::parse(text).unwrap();
        assert_eq!(
            q,
            QuorumStatus {
                quorate: true,
                nodes: 2,
                expected_votes: 3,
                total_votes: 2,
                members: vec![1, 2]
            }
        );
        assert!(QuorumStatus::parse("Cannot initialize QUORUM service").is_err());
    }

    #[test]
    fn parses_crmadmin() {
        assert_eq!(
            controller_state("Controller on n1 in state S_IDLE: ok\n").as_deref(),
            Some("S_IDLE")
        );
        assert_eq!(controller_state("error: timed out"), None);
    }
}
