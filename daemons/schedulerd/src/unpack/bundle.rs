//! Bundles (lib/pengine/bundle.c, unpacking): a `<bundle>` becomes, per
//! replica, a container primitive, an optional IP primitive and a remote
//! connection primitive with its guest node, plus a clone of the bundled
//! resource whose instances run on those guest nodes.

use super::nodes::{create_node, create_remote_xml};
use super::resources::{add_hash_param, unpack_resource};
use crate::model::{BundleData, ContainerAgent, Discover, Replica, RscId, WorkingSet};
use crate::util::{self, INFINITY};
use crate::xml::XmlId;

const DEFAULT_REMOTE_PORT: u32 = 3121;
const DEFAULT_REMOTE_KEY_LOCATION: &str = "/etc/pacemaker/authkey";
const CRM_BUNDLE_DIR: &str = "/var/log/pacemaker/bundles";
const SBIN_DIR: &str = "/usr/sbin";

/// `crm_xml_sanitize_id`.
fn sanitize(id: &str) -> String {
    id.replace([':', '#'], ".")
}

/// `next_ip`.
fn next_ip(last: &str) -> Option<String> {
    let parts: Vec<u32> = last
        .split('.')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<Vec<_>>>()?;
    let [o1, o2, mut o3, mut o4] = <[u32; 4]>::try_from(parts).ok()?;
    if o3 > 253 {
        return None;
    } else if o4 > 253 {
        o3 += 1;
        o4 = 1;
    } else {
        o4 += 1;
    }
    Some(format!("{o1}.{o2}.{o3}.{o4}"))
}

/// `allocate_ip`.
fn allocate_ip(data: &mut BundleData, replica: &mut Replica, buffer: &mut String) {
    let Some(start) = &data.ip_range_start else {
        return;
    };
    replica.ipaddr = match &data.ip_last {
        Some(last) => next_ip(last),
        None => Some(start.clone()),
    };
    data.ip_last = replica.ipaddr.clone();
    let ip = replica.ipaddr.as_deref().unwrap_or("(null)");
    match data.agent_type {
        ContainerAgent::Docker | ContainerAgent::Podman => {
            if data.add_host {
                buffer.push_str(&format!(
                    " --add-host={}-{}:{ip}",
                    data.prefix, replica.offset
                ));
            } else {
                buffer.push_str(&format!(
                    " --hosts-entry={ip}={}-{}",
                    data.prefix, replica.offset
                ));
            }
        }
        ContainerAgent::Rkt => {
            buffer.push_str(&format!(
                " --hosts-entry={ip}={}-{}",
                data.prefix, replica.offset
            ));
        }
    }
}

/// `create_resource`: a detached `<primitive class="ocf">`.
fn create_resource(ws: &mut WorkingSet, name: &str, provider: &str, kind: &str) -> XmlId {
    let d = &mut ws.doc;
    let rsc = d.create("primitive", None);
    d.set_attr(rsc, "id", name);
    d.set_attr(rsc, "class", "ocf");
    d.set_attr(rsc, "provider", provider);
    d.set_attr(rsc, "type", kind);
    rsc
}

/// `crm_create_nvpair_xml` without an id.
fn nvpair(ws: &mut WorkingSet, parent: XmlId, name: &str, value: &str) {
    let d = &mut ws.doc;
    let pid = d.id(parent).unwrap_or("nvpair").to_owned();
    let nv = d.create("nvpair", Some(parent));
    d.set_attr(nv, "id", &sanitize(&format!("{pid}-{name}")));
    d.set_attr(nv, "name", name);
    d.set_attr(nv, "value", value);
}

/// `crm_create_op_xml`.
fn op_xml(ws: &mut WorkingSet, parent: XmlId, prefix: &str, task: &str, interval: &str) {
    let d = &mut ws.doc;
    let op = d.create("op", Some(parent));
    d.set_attr(op, "id", &sanitize(&format!("{prefix}-{task}-{interval}")));
    d.set_attr(op, "interval", interval);
    d.set_attr(op, "name", task);
}

/// `valid_network`.
fn valid_network(data: &mut BundleData) -> bool {
    if data.ip_range_start.is_some() {
        return true;
    }
    if data.control_port.is_some() {
        if data.nreplicas_per_host > 1 {
            crate::config_err!(
                "valid_network",
                "Specifying the 'control-port' for {} requires 'replicas-per-host=1'",
                data.prefix
            );
            data.nreplicas_per_host = 1;
        }
        return true;
    }
    false
}

/// `create_ip_resource`.
fn create_ip_resource(
    ws: &mut WorkingSet,
    parent: RscId,
    data: &BundleData,
    replica: &mut Replica,
) -> Result<(), ()> {
    if data.ip_range_start.is_none() {
        return Ok(());
    }
    let ipaddr = replica.ipaddr.clone().unwrap_or_default();
    let id = sanitize(&format!("{}-ip-{ipaddr}", data.prefix));
    let xml_ip = create_resource(ws, &id, "heartbeat", "IPaddr2");
    let attrs = ws.doc.create("instance_attributes", Some(xml_ip));
    ws.doc.set_attr(
        attrs,
        "id",
        &sanitize(&format!("{}-attributes-{}", data.prefix, replica.offset)),
    );
    nvpair(ws, attrs, "ip", &ipaddr);
    if let Some(n) = &data.host_network {
        nvpair(ws, attrs, "nic", n);
    }
    match &data.host_netmask {
        Some(m) => nvpair(ws, attrs, "cidr_netmask", m),
        None => nvpair(ws, attrs, "cidr_netmask", "32"),
    }
    let ops = ws.doc.create("operations", Some(xml_ip));
    op_xml(ws, ops, &id, "monitor", "60s");
    let ip = unpack_resource(ws, xml_ip, Some(parent))?;
    replica.ip = Some(ip);
    ws.resources[parent].children.push(ip);
    Ok(())
}

/// `create_container_resource`.
fn create_container_resource(
    ws: &mut WorkingSet,
    parent: RscId,
    data: &BundleData,
    replica: &mut Replica,
) -> Result<(), ()> {
    let (hostname_opt, env_opt) = match data.agent_type {
        ContainerAgent::Docker | ContainerAgent::Podman => ("-h ", "-e "),
        ContainerAgent::Rkt => ("--hostname=", "--environment="),
    };
    let agent = data.agent_type.as_str();
    let id = sanitize(&format!("{}-{agent}-{}", data.prefix, replica.offset));
    let xml_container = create_resource(ws, &id, "heartbeat", agent);
    let attrs = ws.doc.create("instance_attributes", Some(xml_container));
    ws.doc.set_attr(
        attrs,
        "id",
        &sanitize(&format!("{}-attributes-{}", data.prefix, replica.offset)),
    );
    nvpair(
        ws,
        attrs,
        "image",
        data.image.as_deref().unwrap_or("(null)"),
    );
    nvpair(ws, attrs, "allow_pull", "true");
    nvpair(ws, attrs, "force_kill", "false");
    nvpair(ws, attrs, "reuse", "false");
    let mut buffer = String::new();
    let mut dbuffer: Option<String> = None;
    if data.agent_type == ContainerAgent::Docker {
        buffer.push_str(" --restart=no");
    }
    if data.ip_range_start.is_some() {
        buffer.push_str(&format!(
            " {hostname_opt}{}-{}",
            data.prefix, replica.offset
        ));
    }
    buffer.push_str(&format!(" {env_opt}PCMK_stderr=1"));
    if let Some(net) = &data.container_network {
        buffer.push_str(&format!(" --net={net}"));
    }
    match &data.control_port {
        Some(p) => buffer.push_str(&format!(" {env_opt}PCMK_remote_port={p}")),
        None => buffer.push_str(&format!(" {env_opt}PCMK_remote_port={DEFAULT_REMOTE_PORT}")),
    }
    let mut volid = 0;
    for (source, target, options, subdir) in &data.mounts {
        let mut src = None;
        if *subdir {
            let s = format!("{source}/{}-{}", data.prefix, replica.offset);
            match &mut dbuffer {
                None => dbuffer = Some(s.clone()),
                Some(d) => {
                    if d.is_empty() {
                        d.push_str(&s);
                    } else {
                        d.push(',');
                        d.push_str(&s);
                    }
                }
            }
            src = Some(s);
        }
        let src = src.as_deref().unwrap_or(source);
        match data.agent_type {
            ContainerAgent::Docker | ContainerAgent::Podman => {
                buffer.push_str(&format!(" -v {src}:{target}"));
                if let Some(o) = options {
                    buffer.push_str(&format!(":{o}"));
                }
            }
            ContainerAgent::Rkt => {
                buffer.push_str(&format!(
                    " --volume vol{volid},kind=host,source={src}{}{} --mount volume=vol{volid},target={target}",
                    if options.is_some() { "," } else { "" },
                    options.as_deref().unwrap_or("")
                ));
                volid += 1;
            }
        }
    }
    for (source, target) in &data.ports {
        match data.agent_type {
            ContainerAgent::Docker | ContainerAgent::Podman => {
                if let Some(ip) = &replica.ipaddr {
                    buffer.push_str(&format!(" -p {ip}:{source}:{target}"));
                } else if data.container_network.as_deref() != Some("host") {
                    buffer.push_str(&format!(" -p {source}:{target}"));
                }
            }
            ContainerAgent::Rkt => {
                if let Some(ip) = &replica.ipaddr {
                    buffer.push_str(&format!(" --port={target}:{ip}:{source}"));
                } else {
                    buffer.push_str(&format!(" --port={target}:{source}"));
                }
            }
        }
    }
    if let Some(o) = &data.launcher_options {
        buffer.push_str(&format!(" {o}"));
    }
    // always set by the time replicas are created (possibly empty)
    buffer.push_str(&format!(" {}", data.container_host_options));
    nvpair(ws, attrs, "run_opts", &buffer);
    nvpair(ws, attrs, "mount_points", dbuffer.as_deref().unwrap_or(""));
    if replica.child.is_some() {
        let cmd = data
            .container_command
            .clone()
            .unwrap_or_else(|| format!("{SBIN_DIR}/pacemaker-remoted"));
        nvpair(ws, attrs, "run_cmd", &cmd);
        nvpair(ws, attrs, "monitor_cmd", "/bin/true");
    } else {
        if let Some(c) = &data.container_command {
            nvpair(ws, attrs, "run_cmd", c);
        }
        nvpair(ws, attrs, "monitor_cmd", "/bin/true");
    }
    let ops = ws.doc.create("operations", Some(xml_container));
    op_xml(ws, ops, &id, "monitor", "60s");
    let c = unpack_resource(ws, xml_container, Some(parent))?;
    replica.container = Some(c);
    ws.resources[parent].children.push(c);
    Ok(())
}

/// `disallow_node`.
fn disallow_node(ws: &mut WorkingSet, r: RscId, node: usize) {
    if let Some(e) = ws.resources[r].allowed_nodes.get_mut(node) {
        e.weight = -INFINITY;
        e.discover = Discover::Never;
    }
    for c in ws.resources[r].children.clone() {
        disallow_node(ws, c, node);
    }
}

/// `create_remote_resource`.
fn create_remote_resource(
    ws: &mut WorkingSet,
    parent: RscId,
    data: &mut BundleData,
    replica: &mut Replica,
) -> Result<(), ()> {
    let Some(child) = replica.child else {
        return Ok(());
    };
    if !valid_network(data) {
        return Ok(());
    }
    let mut id = format!("{}-{}", data.prefix, replica.offset);
    if ws.find_resource(&id).is_some() {
        id = format!(
            "pcmk-internal-{}-remote-{}",
            ws.resources[child].id, replica.offset
        );
    }
    let connect_name = replica
        .ipaddr
        .clone()
        .unwrap_or_else(|| "#uname".to_owned());
    let port = data
        .control_port
        .clone()
        .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string());
    let container_id = ws.resources[replica.container.expect("container")]
        .id
        .clone();
    let holder = ws.doc.create("resources", None);
    let xml_remote = create_remote_xml(
        ws,
        holder,
        &id,
        Some(&container_id),
        None,
        None,
        None,
        Some(&connect_name),
        Some(&port),
    );
    let uname = ws.doc.id(xml_remote).unwrap_or("").to_owned();
    let node = match ws.find_node(&uname) {
        Some(n) => {
            ws.nodes[n].weight = -INFINITY;
            n
        }
        None => create_node(ws, &uname, &uname, Some("remote"), Some("-INFINITY")),
    };
    ws.nodes[node].discover = Discover::Never;
    for r in ws.top.clone() {
        disallow_node(ws, r, node);
    }
    let mut copy = ws.nodes[node].score(node);
    copy.weight = 500;
    copy.discover = Discover::Exclusive;
    replica.node = Some(copy);
    let mut table = crate::model::NodeTable::new();
    table.insert(copy);
    ws.resources[child].allowed_nodes = table;
    if let Some(cp) = ws.resources[child].parent {
        let mut c2 = copy;
        c2.weight = -INFINITY;
        ws.resources[cp].allowed_nodes.insert(c2);
    }
    let remote = unpack_resource(ws, xml_remote, Some(parent))?;
    let remotes: Vec<usize> = ws.resources[remote]
        .allowed_nodes
        .iter()
        .map(|e| e.node)
        .filter(|&n| ws.is_guest_or_remote(n))
        .collect();
    for n in remotes {
        if let Some(e) = ws.resources[remote].allowed_nodes.get_mut(n) {
            e.weight = -INFINITY;
        }
    }
    ws.nodes[node].remote_rsc = Some(remote);
    ws.resources[remote].container = replica.container;
    ws.nodes[node]
        .attrs
        .insert("#kind".into(), "container".into());
    replica.remote = Some(remote);
    ws.resources[parent].children.push(remote);
    Ok(())
}

/// `create_replica_resources`.
fn create_replica_resources(
    ws: &mut WorkingSet,
    parent: RscId,
    data: &mut BundleData,
    replica: &mut Replica,
) -> Result<(), ()> {
    create_container_resource(ws, parent, data, replica)?;
    create_ip_resource(ws, parent, data, replica)?;
    create_remote_resource(ws, parent, data, replica)?;
    if let (Some(child), Some(ip)) = (replica.child, &replica.ipaddr) {
        add_hash_param(&mut ws.resources[child].meta, "external-ip", ip);
    }
    if let Some(remote) = replica.remote {
        ws.resources[remote].set(crate::model::rflags::ALLOW_REMOTE_REMOTES);
    }
    Ok(())
}

/// `pe__unpack_bundle`.
#[doc(alias = "pe__unpack_bundle")]
pub fn unpack_bundle(ws: &mut WorkingSet, r: RscId) -> bool {
    let xml = ws.resources[r].xml;
    let mut data = BundleData {
        prefix: ws.resources[r].id.clone(),
        ..Default::default()
    };
    let agent = [
        ("docker", ContainerAgent::Docker),
        ("rkt", ContainerAgent::Rkt),
        ("podman", ContainerAgent::Podman),
    ]
    .into_iter()
    .find_map(|(name, a)| ws.doc.first_child(xml, name).map(|x| (x, a)));
    let Some((xml_obj, agent)) = agent else {
        return false;
    };
    data.agent_type = agent;
    let attr = |ws: &WorkingSet, n: &str| ws.doc.attr(xml_obj, n).map(str::to_owned);
    let pm = attr(ws, "promoted-max").or_else(|| attr(ws, "masters"));
    data.promoted_max = util::scan_min_int(pm.as_deref(), 0);
    let replicas = attr(ws, "replicas");
    data.nreplicas = if replicas.is_none() && data.promoted_max > 0 {
        data.promoted_max
    } else {
        util::scan_min_int(replicas.as_deref(), 1)
    };
    data.nreplicas_per_host = util::scan_min_int(attr(ws, "replicas-per-host").as_deref(), 1);
    if data.nreplicas_per_host == 1 {
        ws.resources[r].clear(crate::model::rflags::UNIQUE);
    }
    data.container_command = attr(ws, "run-command");
    data.launcher_options = attr(ws, "options");
    data.image = attr(ws, "image");
    data.container_network = attr(ws, "network");
    if let Some(net) = ws.doc.first_child(xml, "network") {
        let a = |n: &str| ws.doc.attr(net, n).map(str::to_owned);
        data.ip_range_start = a("ip-range-start");
        data.host_netmask = a("host-netmask");
        data.host_network = a("host-interface");
        data.control_port = a("control-port");
        data.add_host = a("add-host")
            .and_then(|v| util::str_to_boolean(&v))
            .unwrap_or(true);
        for c in ws.doc.children(net).to_vec() {
            let port = ws.doc.attr(c, "port").map(str::to_owned);
            let (source, target) = match port {
                Some(p) => (Some(p), ws.doc.attr(c, "internal-port").map(str::to_owned)),
                None => (ws.doc.attr(c, "range").map(str::to_owned), None),
            };
            if let Some(s) = source.filter(|s| !s.is_empty()) {
                let t = target.unwrap_or_else(|| s.clone());
                data.ports.push((s, t));
            } else {
                crate::config_err!(
                    "pe__unpack_bundle",
                    "Invalid port directive {}",
                    ws.doc.id(c).unwrap_or("(null)")
                );
            }
        }
    }
    let mut need_log_mount = true;
    if let Some(storage) = ws.doc.first_child(xml, "storage") {
        for c in ws.doc.children(storage).to_vec() {
            let mut source = ws.doc.attr(c, "source-dir").map(str::to_owned);
            let target = ws.doc.attr(c, "target-dir").map(str::to_owned);
            let options = ws.doc.attr(c, "options").map(str::to_owned);
            let mut subdir = false;
            if source.is_none() {
                source = ws.doc.attr(c, "source-dir-root").map(str::to_owned);
                subdir = true;
            }
            if let (Some(s), Some(t)) = (source, target) {
                if t == "/var/log" {
                    need_log_mount = false;
                }
                data.mounts.push((s, t, options, subdir));
            } else {
                crate::config_err!(
                    "pe__unpack_bundle",
                    "Invalid mount directive {}",
                    ws.doc.id(c).unwrap_or("(null)")
                );
            }
        }
    }
    let xml_prim = ws.doc.first_child(xml, "primitive");
    let mut xml_resource = None;
    if let Some(p) = xml_prim {
        if valid_network(&mut data) {
            let d = &mut ws.doc;
            let clone = d.create("clone", None);
            let kind = if data.promoted_max > 0 {
                "master"
            } else {
                "clone"
            };
            d.set_attr(clone, "id", &sanitize(&format!("{}-{kind}", data.prefix)));
            let set = d.create("meta_attributes", Some(clone));
            d.set_attr(set, "id", &sanitize(&format!("{}-clone-meta", data.prefix)));
            nvpair(ws, set, "ordered", "true");
            nvpair(ws, set, "clone-max", &data.nreplicas.to_string());
            nvpair(
                ws,
                set,
                "clone-node-max",
                &data.nreplicas_per_host.to_string(),
            );
            nvpair(
                ws,
                set,
                "globally-unique",
                if data.nreplicas_per_host > 1 {
                    "true"
                } else {
                    "false"
                },
            );
            if data.promoted_max > 0 {
                nvpair(ws, set, "promotable", "true");
                nvpair(ws, set, "promoted-max", &data.promoted_max.to_string());
            }
            ws.doc.copy(p, Some(clone));
            xml_resource = Some(clone);
        } else {
            crate::config_err!(
                "pe__unpack_bundle",
                "Cannot control {} inside {} without either ip-range-start or control-port",
                ws.resources[r].id,
                ws.doc.id(p).unwrap_or("(null)")
            );
            return false;
        }
    }
    let mut replicas: Vec<Replica> = Vec::new();
    if let Some(xr) = xml_resource {
        let Ok(child) = unpack_resource(ws, xr, Some(r)) else {
            return false;
        };
        data.child = Some(child);
        data.mounts.push((
            DEFAULT_REMOTE_KEY_LOCATION.into(),
            DEFAULT_REMOTE_KEY_LOCATION.into(),
            None,
            false,
        ));
        if need_log_mount {
            data.mounts
                .push((CRM_BUNDLE_DIR.into(), "/var/log".into(), None, true));
        }
        let port = data
            .control_port
            .clone()
            .unwrap_or_else(|| DEFAULT_REMOTE_PORT.to_string());
        data.ports.push((port.clone(), port));
        let mut buffer = String::new();
        for (lpc, inst) in ws.resources[child].children.clone().into_iter().enumerate() {
            let mut rep = Replica {
                offset: lpc as i32,
                child: Some(inst),
                ..Default::default()
            };
            ws.resources[inst].exclusive_discover = true;
            if ws.resources[inst].is_set(crate::model::rflags::NOTIFY) {
                ws.resources[child].set(crate::model::rflags::NOTIFY);
            }
            allocate_ip(&mut data, &mut rep, &mut buffer);
            data.attribute_target = ws.resources[inst]
                .meta
                .get("container-attribute-target")
                .cloned();
            replicas.push(rep);
        }
        data.container_host_options = buffer;
        if let Some(t) = data.attribute_target.clone() {
            ws.resources[r]
                .meta
                .insert("container-attribute-target".into(), t.clone());
            ws.resources[child]
                .meta
                .insert("container-attribute-target".into(), t);
        }
    } else {
        let mut buffer = String::new();
        for lpc in 0..data.nreplicas {
            let mut rep = Replica {
                offset: lpc,
                ..Default::default()
            };
            allocate_ip(&mut data, &mut rep, &mut buffer);
            replicas.push(rep);
        }
        data.container_host_options = buffer;
    }
    for rep in replicas.iter_mut() {
        if create_replica_resources(ws, r, &mut data, rep).is_err() {
            crate::config_err!(
                "pe__unpack_bundle",
                "Failed unpacking resource {}",
                ws.resources[r].id
            );
            return false;
        }
        if let (Some(child), Some(container)) = (rep.child, rep.container) {
            let cu = std::mem::take(&mut ws.resources[child].utilization);
            let old = std::mem::replace(&mut ws.resources[container].utilization, cu);
            ws.resources[child].utilization = old;
        }
    }
    data.replicas = replicas;
    if let Some(c) = data.child {
        ws.resources[r].children.push(c);
    }
    ws.resources[r].bundle = Some(Box::new(data));
    true
}

/// `pe__bundle_needs_remote_name`: a bundle connection whose address is
/// filled in from its container's host.
#[doc(alias = "pe__bundle_needs_remote_name")]
pub fn needs_remote_name(ws: &mut WorkingSet, r: RscId) -> bool {
    let params = ws.rsc_params(r, None);
    params
        .get("addr")
        .is_some_and(|a| a.eq_ignore_ascii_case("#uname"))
        && super::nodes::xml_contains_remote_node(ws, ws.resources[r].xml)
}

/// `pe__add_bundle_remote_name` (the name only): the node hosting the
/// connection's container.
#[doc(alias = "pe__add_bundle_remote_name")]
pub fn remote_name(ws: &mut WorkingSet, r: RscId) -> Option<String> {
    if !needs_remote_name(ws, r) {
        return None;
    }
    let mut top = r;
    while let Some(p) = ws.resources[top].parent {
        top = p;
    }
    let rep = ws.resources[top]
        .bundle
        .as_ref()?
        .replicas
        .iter()
        .find(|rep| rep.remote == Some(r))?
        .clone();
    let container = rep.container?;
    let node = ws.resources[container]
        .allocated_to
        .map(|n| n.node)
        .or_else(|| ws.current_node(container))?;
    Some(ws.nodes[node].uname.clone())
}
