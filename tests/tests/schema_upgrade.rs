//! Differential tests of CIB upgrades (pcmk_schema::upgrade) against the
//! reference:
//! - the whole of `cibadmin --upgrade --force` (CIB_file) on every corpus
//!   CIB claiming a schema older than 3.0 and on generated legacy CIBs;
//! - the 2.x → 3.0 transformation alone against `xsltproc` running the
//!   reference's stylesheets (enter | main | leave, re-read without blanks
//!   in between as Pacemaker does) on many generated legacy CIBs;
//! - the 1.x → 2.0 transformation alone against `upgrade-1.3.xsl`.
//!
//! Legacy CIBs are corpus CIBs (status emptied) that validate against
//! pacemaker-2.10 (or 1.3), given old-style content from a fixed seed:
//! legacy cluster property names, defaults kept as cluster properties,
//! node type "normal", isolation meta-attributes, fence-device
//! parameters, operation `requires`, operation options given as instance
//! attributes, colocation score-attribute, id-ref sets, comments;
//! first-generation ACLs for 1.3. Only documents valid for the schema they
//! claim are used (the reference transforms nothing else).
//!
//! Knobs: ATRIUM_UPGRADE_FULL (legacy CIBs through cibadmin, default 16),
//! ATRIUM_UPGRADE_XSLT (legacy CIBs through xsltproc, default 150),
//! ATRIUM_SCHEMA_SEED (default 1).
//!
//! Ref: /usr/share/pacemaker/upgrade-*.xsl, lib/common/schemas.c update_validation

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use atrium_tests::{conformance_dir, reference, run, run_env, skip};
use pcmk_schema::upgrade::{apply_transform, update_validation};
use pcmk_schema::versions::Transform;
use pcmk_schema::{by_name, Document, GrammarSource, Validator};
use pcmk_xml::{Element, Node};

const REFERENCE_DIR: &str = "/usr/share/pacemaker";

// ---------------------------------------------------------------------
// Deterministic pseudo-random numbers (xorshift64*).

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ stream.wrapping_add(0x5851_F42D))
        .max(1));
        for _ in 0..4 {
            r.next();
        }
        r
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

// ---------------------------------------------------------------------
// Tree helpers.

/// Paths (child indexes) of every element named one of `names`.
fn find_paths(e: &Element, names: &[&str], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, c) in e.children.iter().enumerate() {
        if let Node::Element(ch) = c {
            prefix.push(i);
            if names.contains(&ch.name()) {
                out.push(prefix.clone());
            }
            find_paths(ch, names, prefix, out);
            prefix.pop();
        }
    }
}

fn paths(e: &Element, names: &[&str]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    find_paths(e, names, &mut Vec::new(), &mut out);
    out
}

fn at<'a>(root: &'a mut Element, path: &[usize]) -> &'a mut Element {
    let mut cur = root;
    for &i in path {
        cur = match &mut cur.children[i] {
            Node::Element(e) => e,
            _ => unreachable!("paths lead through elements"),
        };
    }
    cur
}

fn get<'a>(root: &'a Element, path: &[usize]) -> &'a Element {
    let mut cur = root;
    for &i in path {
        cur = match &cur.children[i] {
            Node::Element(e) => e,
            _ => unreachable!("paths lead through elements"),
        };
    }
    cur
}

fn insert_somewhere(parent: &mut Element, rng: &mut Rng, node: Node) {
    let at = rng.below(parent.children.len() + 1);
    parent.children.insert(at, node);
}

fn nvpair(id: &str, name: &str, value: &str) -> Element {
    Element::new("nvpair")
        .with_attr("id", id)
        .with_attr("name", name)
        .with_attr("value", value)
}

fn simple_rule(id: &str) -> Element {
    Element::new("rule")
        .with_attr("id", id)
        .with_attr("score", "0")
        .with_child(
            Element::new("expression")
                .with_attr("id", format!("{id}-e"))
                .with_attr("attribute", "#uname")
                .with_attr("operation", "eq")
                .with_attr("value", "node1"),
        )
}

/// The `configuration` element of a CIB.
fn configuration(cib: &mut Element) -> Option<&mut Element> {
    cib.first_element_mut("configuration")
}

// ---------------------------------------------------------------------
// Legacy content generators.

const LEGACY_PROPERTIES: &[(&str, &str)] = &[
    ("no_quorum_policy", "ignore"),
    ("stonith_enabled", "false"),
    ("default-resource-stickiness", "100"),
    ("default_resource_stickiness", "50"),
    ("default-action-timeout", "60s"),
    ("default_action_timeout", "30s"),
    ("is-managed-default", "false"),
    ("is_managed_default", "true"),
    ("default-resource-failure-stickiness", "-INFINITY"),
    ("default-resource-failure-stickiness", "10"),
    ("default_resource_failure_stickiness", "-INFINITY"),
    ("default-migration-threshold", "3"),
    ("expected-quorum-votes", "2"),
    ("cluster-infrastructure", "cman"),
    ("cluster-infrastructure", "corosync"),
    ("notification-agent", "/usr/bin/x"),
    ("notification-recipient", "x"),
    ("election_timeout", "2m"),
    ("transition_idle_timeout", "60s"),
    ("dc_deadtime", "20s"),
    ("symmetric_cluster", "true"),
    ("startup_fencing", "false"),
    ("stop_orphan_resources", "true"),
    ("stop_orphan_actions", "true"),
    ("cluster_recheck_interval", "5m"),
    ("stonith_action", "off"),
    ("shutdown_escalation", "5m"),
    ("remove_after_stop", "false"),
    ("stonith-enabled", "true"),
    ("resource-stickiness", "7"),
    ("timeout", "9s"),
];

const LEGACY_META: &[(&str, &str)] = &[
    ("isolation", "x"),
    ("isolation-host", "h"),
    ("isolation-instance", "i"),
    ("isolation-wrapper", "w"),
    ("resource-failure-stickiness", "-INFINITY"),
    ("resource-failure-stickiness", "5"),
    ("resource_failure_stickiness", "-INFINITY"),
    ("target-role", "Started"),
    ("migration-threshold", "2"),
    ("requires", "quorum"),
];

const LEGACY_INSTANCE: &[(&str, &str)] = &[
    ("pcmk_arg_map", "port:uuid"),
    ("pcmk_arg_map", "port:uuid,x:y"),
    ("pcmk_arg_map", "other"),
    ("pcmk_list_cmd", "list"),
    ("pcmk_monitor_cmd", "mon"),
    ("pcmk_off_cmd", "off"),
    ("pcmk_on_cmd", "on"),
    ("pcmk_reboot_cmd", "reboot"),
    ("pcmk_status_cmd", "status"),
    ("ip", "192.0.2.1"),
];

const OP_OPTIONS: &[(&str, &str)] = &[
    ("timeout", "20s"),
    ("on-fail", "block"),
    ("enabled", "false"),
    ("start-delay", "5s"),
    ("interval-origin", "00:00"),
    ("role", "Started"),
    ("record-pending", "true"),
    ("requires", "fencing"),
    ("depth", "10"),
];

struct Gen<'a> {
    rng: Rng,
    next_id: usize,
    donors: &'a [Element],
}

impl Gen<'_> {
    fn id(&mut self, what: &str) -> String {
        self.next_id += 1;
        format!("lg{}-{what}", self.next_id)
    }

    /// Insert `pair` into an existing set at one of `set_paths`, or into a
    /// new set (named `set_name`, maybe with a rule) under `parent_path`.
    fn add_pair(
        &mut self,
        cib: &mut Element,
        set_paths: &[Vec<usize>],
        parent_path: Option<Vec<usize>>,
        set_name: &str,
        pair: Element,
    ) {
        if !set_paths.is_empty() && (parent_path.is_none() || self.rng.chance(60)) {
            let p = self.rng.pick(set_paths).clone();
            let set = at(cib, &p);
            if set.has_attr("id-ref") {
                return;
            }
            let mut rng = Rng(self.rng.next().max(1));
            insert_somewhere(set, &mut rng, Node::Element(pair));
        } else if let Some(pp) = parent_path {
            let id = self.id("set");
            let mut set = Element::new(set_name).with_attr("id", id.clone());
            if self.rng.chance(20) {
                set.push_element(simple_rule(&format!("{id}-rule")));
            }
            set.push_element(pair);
            let parent = at(cib, &pp);
            let mut rng = Rng(self.rng.next().max(1));
            insert_somewhere(parent, &mut rng, Node::Element(set));
        }
    }

    fn legacy_property(&mut self, cib: &mut Element) {
        let (name, value) = *self.rng.pick(LEGACY_PROPERTIES);
        let id = self.id("prop");
        let sets = paths(cib, &["cluster_property_set"]);
        let crm = paths(cib, &["crm_config"]).into_iter().next();
        self.add_pair(
            cib,
            &sets,
            crm,
            "cluster_property_set",
            nvpair(&id, name, value),
        );
    }

    fn defaults(&mut self, cib: &mut Element) {
        let Some(conf) = configuration(cib) else {
            return;
        };
        let which = if self.rng.chance(50) {
            "op_defaults"
        } else {
            "rsc_defaults"
        };
        if conf.first_element(which).is_some() {
            return;
        }
        self.next_id += 1;
        let n = self.next_id;
        let mut d = Element::new(which);
        match self.rng.below(4) {
            0 => {}
            1 => {
                let mut m = Element::new("meta_attributes").with_attr("id", format!("lg{n}-d"));
                m.push_element(simple_rule(&format!("lg{n}-dr")));
                m.push_element(nvpair(&format!("lg{n}-d1"), "timeout", "11s"));
                d.push_element(m);
            }
            _ => {
                let (name, value) = if self.rng.chance(50) {
                    ("resource-stickiness", "3")
                } else {
                    ("timeout", "12s")
                };
                let m = Element::new("meta_attributes")
                    .with_attr("id", format!("lg{n}-d"))
                    .with_child(nvpair(&format!("lg{n}-d1"), name, value));
                d.push_element(m);
            }
        }
        conf.push_element(d);
    }

    fn normal_node(&mut self, cib: &mut Element) {
        let nodes = paths(cib, &["node"]);
        if nodes.is_empty() {
            return;
        }
        let p = self.rng.pick(&nodes).clone();
        at(cib, &p).set_attr("type", "normal");
    }

    fn resource_meta(&mut self, cib: &mut Element) {
        let rscs = paths(cib, &["primitive", "template"]);
        if rscs.is_empty() {
            return;
        }
        let r = self.rng.pick(&rscs).clone();
        let sets: Vec<Vec<usize>> = paths(at(cib, &r), &["meta_attributes"])
            .into_iter()
            .filter(|p| p.len() == 1)
            .map(|p| [r.clone(), p].concat())
            .collect();
        let (name, value) = *self.rng.pick(LEGACY_META);
        let id = self.id("meta");
        self.add_pair(
            cib,
            &sets,
            Some(r),
            "meta_attributes",
            nvpair(&id, name, value),
        );
    }

    fn resource_instance(&mut self, cib: &mut Element) {
        let rscs = paths(cib, &["primitive", "template"]);
        if rscs.is_empty() {
            return;
        }
        let r = self.rng.pick(&rscs).clone();
        if self.rng.chance(15) {
            let id = self.id("empty");
            at(cib, &r).push_element(Element::new("instance_attributes").with_attr("id", id));
            return;
        }
        let sets: Vec<Vec<usize>> = paths(at(cib, &r), &["instance_attributes"])
            .into_iter()
            .filter(|p| p.len() == 1)
            .map(|p| [r.clone(), p].concat())
            .collect();
        let (name, value) = *self.rng.pick(LEGACY_INSTANCE);
        let id = self.id("inst");
        self.add_pair(
            cib,
            &sets,
            Some(r),
            "instance_attributes",
            nvpair(&id, name, value),
        );
    }

    /// Path of an `<op>` to work on (creating operations/op if needed).
    fn some_op(&mut self, cib: &mut Element) -> Option<Vec<usize>> {
        let ops = paths(cib, &["op"]);
        if !ops.is_empty() && self.rng.chance(70) {
            return Some(self.rng.pick(&ops).clone());
        }
        let rscs = paths(cib, &["primitive", "template"]);
        if rscs.is_empty() {
            return None;
        }
        let r = self.rng.pick(&rscs).clone();
        let name = *self.rng.pick(&["start", "promote", "monitor", "stop"]);
        let id = self.id("op");
        let op = Element::new("op")
            .with_attr("id", id)
            .with_attr("name", name)
            .with_attr("interval", if name == "monitor" { "10s" } else { "0" });
        let rsc = at(cib, &r);
        let oi = match rsc
            .children
            .iter()
            .position(|c| matches!(c, Node::Element(e) if e.name() == "operations"))
        {
            Some(i) => i,
            None => {
                rsc.push_element(Element::new("operations"));
                rsc.children.len() - 1
            }
        };
        let ops_el = at(rsc, &[oi]);
        ops_el.push_element(op);
        let k = ops_el.children.len() - 1;
        Some([r, vec![oi, k]].concat())
    }

    fn op_requires(&mut self, cib: &mut Element) {
        if let Some(p) = self.some_op(cib) {
            let v = *self
                .rng
                .pick(&["nothing", "quorum", "fencing", "unfencing"]);
            at(cib, &p).set_attr("requires", v);
        }
    }

    fn op_set(&mut self, cib: &mut Element, kind: &str) {
        let Some(p) = self.some_op(cib) else { return };
        let id = self.id("opset");
        let mut set = Element::new(kind).with_attr("id", id.clone());
        if self.rng.chance(20) {
            set.push_element(simple_rule(&format!("{id}-rule")));
        }
        for k in 0..1 + self.rng.below(3) {
            let (name, value) = if kind == "meta_attributes" && self.rng.chance(60) {
                (
                    "requires",
                    *self.rng.pick(&["quorum", "fencing", "nothing"]),
                )
            } else {
                *self.rng.pick(OP_OPTIONS)
            };
            if set.elements().any(|e| e.attr("name") == Some(name)) {
                continue;
            }
            set.push_element(nvpair(&format!("{id}-{k}"), name, value));
        }
        let op = at(cib, &p);
        let mut rng = Rng(self.rng.next().max(1));
        insert_somewhere(op, &mut rng, Node::Element(set));
    }

    fn colocation(&mut self, cib: &mut Element) {
        let cs = paths(cib, &["rsc_colocation"]);
        if cs.is_empty() {
            return;
        }
        let p = self.rng.pick(&cs).clone();
        let c = at(cib, &p);
        c.remove_attr("score");
        let a = if self.rng.chance(50) {
            "score-attribute"
        } else {
            "score-attribute-mangle"
        };
        c.set_attr(a, "pingd");
    }

    /// Make some set a reference to another set of the same kind.
    fn id_ref(&mut self, cib: &mut Element) {
        let kind = *self.rng.pick(&[
            "meta_attributes",
            "instance_attributes",
            "cluster_property_set",
        ]);
        let sets = paths(cib, &[kind]);
        let with_pairs: Vec<Vec<usize>> = sets
            .iter()
            .filter(|p| {
                let e = get(cib, p);
                e.id().is_some() && e.first_element("nvpair").is_some()
            })
            .cloned()
            .collect();
        if with_pairs.is_empty() {
            return;
        }
        let target = self.rng.pick(&with_pairs).clone();
        let target_id = at(cib, &target).id().unwrap_or("").to_owned();
        let holder_kinds: &[&str] = match kind {
            "cluster_property_set" => &["crm_config"],
            "meta_attributes" => &["primitive", "group", "clone", "master", "op"],
            _ => &["primitive", "op"],
        };
        let holders = paths(cib, holder_kinds);
        if holders.is_empty() {
            return;
        }
        let h = self.rng.pick(&holders).clone();
        let holder = at(cib, &h);
        holder.push_element(Element::new(kind).with_attr("id-ref", target_id));
    }

    fn comment(&mut self, cib: &mut Element) {
        let all = paths(
            cib,
            &[
                "crm_config",
                "cluster_property_set",
                "meta_attributes",
                "instance_attributes",
                "primitive",
                "operations",
                "op",
                "nodes",
                "resources",
                "constraints",
            ],
        );
        if all.is_empty() {
            return;
        }
        let p = self.rng.pick(&all).clone();
        let n = self.next_id;
        self.next_id += 1;
        let mut rng = Rng(self.rng.next().max(1));
        insert_somewhere(at(cib, &p), &mut rng, Node::Comment(format!(" note {n} ")));
    }

    fn mutate_2x(&mut self, cib: &mut Element) {
        for _ in 0..1 + self.rng.below(7) {
            match self.rng.below(13) {
                0 | 1 => self.legacy_property(cib),
                2 => self.defaults(cib),
                3 => self.normal_node(cib),
                4 | 5 => self.resource_meta(cib),
                6 => self.resource_instance(cib),
                7 => self.op_requires(cib),
                8 => self.op_set(cib, "instance_attributes"),
                9 => self.op_set(cib, "meta_attributes"),
                10 => self.colocation(cib),
                11 => self.id_ref(cib),
                _ => self.comment(cib),
            }
        }
    }

    /// First-generation ACLs (pacemaker-1.2/1.3).
    fn acls_1x(&mut self, cib: &mut Element) {
        let ids: Vec<String> = paths(cib, &["primitive", "group", "clone"])
            .iter()
            .filter_map(|p| get(cib, p).id().map(str::to_owned))
            .collect();
        let mut acls = Element::new("acls");
        let roles: Vec<String> = (0..1 + self.rng.below(2))
            .map(|_| self.id("role"))
            .collect();
        for role in &roles {
            let mut r = Element::new("acl_role").with_attr("id", role.clone());
            for _ in 0..self.rng.below(3) {
                r.push_element(self.permission(&ids));
            }
            acls.push_element(r);
        }
        for _ in 0..1 + self.rng.below(3) {
            let id = self.id("user");
            let mut u = Element::new("acl_user").with_attr("id", id);
            if self.rng.chance(50) {
                for role in roles.iter().take(1 + self.rng.below(roles.len())) {
                    u.push_element(Element::new("role_ref").with_attr("id", role.clone()));
                }
            } else {
                for _ in 0..self.rng.below(3) {
                    u.push_element(self.permission(&ids));
                }
            }
            if self.rng.chance(20) {
                u.children.push(Node::Comment(" user note ".into()));
            }
            let at = self.rng.below(acls.children.len() + 1);
            acls.children.insert(at, Node::Element(u));
        }
        if let Some(conf) = configuration(cib) {
            conf.push_element(acls);
        }
    }

    fn permission(&mut self, ids: &[String]) -> Element {
        let kind = *self.rng.pick(&["read", "write", "deny"]);
        let id = self.id("perm");
        let mut p = Element::new(kind).with_attr("id", id);
        match self.rng.below(4) {
            0 => p.set_attr("tag", *self.rng.pick(&["nodes", "primitive", "cib"])),
            1 if !ids.is_empty() => p.set_attr("ref", self.rng.pick(ids).clone()),
            2 if !ids.is_empty() => {
                p.set_attr("tag", "primitive");
                p.set_attr("ref", self.rng.pick(ids).clone());
            }
            _ => p.set_attr("xpath", "/cib/configuration"),
        }
        if self.rng.chance(40) {
            p.set_attr("attribute", "target-role");
        }
        p
    }
}

// ---------------------------------------------------------------------
// Shared set-up.

fn corpus() -> Option<Vec<(String, Element)>> {
    let dir = conformance_dir()?.join("scheduler/xml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let docs: Vec<(String, Element)> = files
        .iter()
        .filter_map(|f| {
            let parsed = pcmk_xml::read_file(f).ok()?;
            let name = f.file_name()?.to_string_lossy().into_owned();
            Some((name, parsed.root?))
        })
        .collect();
    (!docs.is_empty()).then_some(docs)
}

fn without_status(mut cib: Element) -> Element {
    for c in cib.elements_mut() {
        if c.name() == "status" {
            c.children.clear();
        }
    }
    cib
}

fn valid_for(validator: &Validator, cib: &Element, schema: &str) -> bool {
    let Some(schema) = by_name(schema) else {
        return false;
    };
    Document::from_element(cib)
        .ok()
        .and_then(|mut d| validator.validate(&mut d, schema).ok())
        .is_some_and(|v| v.valid)
}

/// Legacy CIBs valid for `schema`, generated from corpus bases valid for it.
fn legacy_docs(
    bases: &[Element],
    validator: &Validator,
    schema: &str,
    count: usize,
    seed: u64,
    acls: bool,
) -> Vec<Element> {
    let usable: Vec<Element> = bases
        .iter()
        .filter(|b| valid_for(validator, b, schema))
        .cloned()
        .collect();
    let mut out = Vec::new();
    let mut attempt = 0u64;
    while out.len() < count && attempt < count as u64 * 8 && !usable.is_empty() {
        attempt += 1;
        let mut g = Gen {
            rng: Rng::new(seed, attempt),
            next_id: 0,
            donors: &usable,
        };
        let mut cib = g.rng.pick(g.donors).clone();
        cib.set_attr("validate-with", schema);
        if acls {
            g.acls_1x(&mut cib);
            if g.rng.chance(50) {
                g.comment(&mut cib);
            }
        } else {
            g.mutate_2x(&mut cib);
        }
        if valid_for(validator, &cib, schema) {
            out.push(cib);
        }
    }
    out
}

fn comparable(mut cib: Element, drop_counters: bool) -> String {
    cib.strip_text();
    if drop_counters {
        for a in ["admin_epoch", "epoch", "num_updates"] {
            cib.remove_attr(a);
        }
    }
    cib.to_unformatted()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("atrium-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory can be created");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run `f` on every item from several threads; collect failures.
fn parallel<T: Sync>(items: &[T], f: impl Fn(usize, &T) -> Option<String> + Sync) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads() {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if let Some(msg) = f(i, item) {
                    failures.lock().unwrap_or_else(|p| p.into_inner()).push(msg);
                }
            });
        }
    });
    failures.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn show_difference(ours: &str, theirs: &str) -> String {
    let a: Vec<char> = ours.chars().collect();
    let b: Vec<char> = theirs.chars().collect();
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(120);
    let take = |v: &[char]| {
        v[from.min(v.len())..(at + 200).min(v.len())]
            .iter()
            .collect::<String>()
    };
    format!("ours:      …{}\nreference: …{}", take(&a), take(&b))
}

// ---------------------------------------------------------------------
// Tests.

#[test]
fn schema_upgrade_matches_cibadmin() {
    let Some(cibadmin) = reference("cibadmin") else {
        skip!("the reference cibadmin is not installed");
    };
    let Some(docs) = corpus() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let validator = Validator::new(GrammarSource::Embedded);
    let seed = env_usize("ATRIUM_SCHEMA_SEED", 1) as u64;
    let full = env_usize("ATRIUM_UPGRADE_FULL", 16);
    let bases: Vec<Element> = docs
        .iter()
        .map(|(_, d)| without_status(d.clone()))
        .collect();

    let mut cases: Vec<(String, Element)> = docs
        .iter()
        .filter(|(_, d)| {
            d.attr("validate-with")
                .and_then(by_name)
                .is_some_and(|s| s.index < pcmk_schema::minimum().index)
        })
        .cloned()
        .collect();
    let corpus_cases = cases.len();
    for (i, d) in legacy_docs(
        &bases,
        &validator,
        "pacemaker-2.10",
        full * 3 / 4,
        seed,
        false,
    )
    .into_iter()
    .enumerate()
    {
        cases.push((format!("legacy 2.10 #{i} (seed {seed})"), d));
    }
    for (i, d) in legacy_docs(&bases, &validator, "pacemaker-1.3", full / 4, seed, true)
        .into_iter()
        .enumerate()
    {
        cases.push((format!("legacy 1.3 #{i} (seed {seed})"), d));
    }
    let scratch = Scratch::new("upgrade");
    let failures = parallel(&cases, |i, (label, cib)| {
        let file = scratch.0.join(format!("{i}.xml"));
        std::fs::write(&file, cib.to_formatted()).expect("scratch file can be written");
        let shown = file.display().to_string();
        let out = run_env(
            &cibadmin,
            &["--upgrade", "--force"],
            None,
            &[("CIB_file", shown.as_str())],
        );
        let after = pcmk_xml::read_file(&file).ok().and_then(|p| p.root);
        let Some(after) = after else {
            return Some(format!(
                "{label}: the reference left no readable file ({})",
                out.stderr
            ));
        };
        let update = update_validation(&validator, cib, None, true);
        let claimed = cib
            .attr("validate-with")
            .and_then(by_name)
            .map_or(0, |s| s.index);
        let expected = if update.best > claimed {
            update.cib.clone()
        } else {
            cib.clone()
        };
        let ours = comparable(expected, true);
        let theirs = comparable(after, true);
        (ours != theirs).then(|| {
            format!(
                "{label}: documents differ (reference exit {}, ours {:?} best {})\n{}",
                out.code,
                update.status,
                update.best_schema().name,
                show_difference(&ours, &theirs)
            )
        })
    });
    eprintln!(
        "schema upgrade vs cibadmin: {} CIBs ({corpus_cases} from the corpus, {} generated), {} differences",
        cases.len(),
        cases.len() - corpus_cases,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        corpus_cases > 0,
        "the corpus holds CIBs older than pacemaker-3.0"
    );
}

/// Run the reference's stylesheet `xsl` (a file of /usr/share/pacemaker)
/// on `input`; `None` when it fails (terminates).
fn xsltproc(tool: &Path, xsl: &str, input: &str, scratch: &Path, tag: &str) -> Option<Element> {
    let file = scratch.join(format!("{tag}.xml"));
    std::fs::write(&file, input).expect("scratch file can be written");
    let sheet = Path::new(REFERENCE_DIR).join(xsl).display().to_string();
    let out = run(tool, &[&sheet, &file.display().to_string()], None);
    if out.code != 0 {
        return None;
    }
    let mut e = pcmk_xml::parse(&out.stdout).ok()?;
    // Pacemaker re-reads the result without blanks.
    e.strip_text();
    Some(e)
}

fn xsltproc_tool() -> Option<PathBuf> {
    ["/usr/bin/xsltproc", "/bin/xsltproc"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn schema_transform_2_10_matches_stylesheets() {
    let Some(tool) = xsltproc_tool() else {
        skip!("xsltproc is not installed");
    };
    if !Path::new(REFERENCE_DIR).join("upgrade-2.10.xsl").is_file() {
        skip!("{REFERENCE_DIR} has no upgrade-2.10.xsl (reference Pacemaker not installed)");
    }
    let Some(docs) = corpus() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let validator = Validator::new(GrammarSource::Embedded);
    let seed = env_usize("ATRIUM_SCHEMA_SEED", 1) as u64;
    let count = env_usize("ATRIUM_UPGRADE_XSLT", 150);
    let bases: Vec<Element> = docs
        .iter()
        .map(|(_, d)| without_status(d.clone()))
        .collect();
    let cases = legacy_docs(&bases, &validator, "pacemaker-2.10", count, seed, false);
    let scratch = Scratch::new("xslt210");
    let changed = AtomicUsize::new(0);
    let failures = parallel(&cases, |i, cib| {
        let input = cib.to_unformatted();
        let (entered, leave) = match xsltproc(
            &tool,
            "upgrade-2.10-enter.xsl",
            &input,
            &scratch.0,
            &format!("{i}-a"),
        ) {
            Some(e) => (e.to_unformatted(), true),
            None => (input.clone(), false),
        };
        let Some(main) = xsltproc(
            &tool,
            "upgrade-2.10.xsl",
            &entered,
            &scratch.0,
            &format!("{i}-b"),
        ) else {
            return Some(format!(
                "legacy CIB #{i} (seed {seed}): upgrade-2.10.xsl failed"
            ));
        };
        let theirs = if leave {
            xsltproc(
                &tool,
                "upgrade-2.10-leave.xsl",
                &main.to_unformatted(),
                &scratch.0,
                &format!("{i}-c"),
            )
            .unwrap_or(main)
        } else {
            main
        };
        let Some(ours) = apply_transform(cib, Transform::From2_10).cib else {
            return Some(format!(
                "legacy CIB #{i} (seed {seed}): our transformation failed"
            ));
        };
        let (ours, theirs) = (comparable(ours, false), comparable(theirs, false));
        let mut before = cib.clone();
        before.set_attr("validate-with", "pacemaker-3.0");
        if comparable(before, false) != theirs {
            changed.fetch_add(1, Ordering::Relaxed);
        }
        (ours != theirs).then(|| {
            format!(
                "legacy CIB #{i} (seed {seed}):\n{}",
                show_difference(&ours, &theirs)
            )
        })
    });
    let changed = changed.load(Ordering::Relaxed);
    eprintln!(
        "schema transform 2.10 vs stylesheets: {} CIBs ({changed} changed beyond validate-with), {} differences",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        changed * 2 >= cases.len(),
        "the generated CIBs must mostly need the transformation"
    );
}

#[test]
fn schema_transform_1_3_matches_stylesheet() {
    let Some(tool) = xsltproc_tool() else {
        skip!("xsltproc is not installed");
    };
    if !Path::new(REFERENCE_DIR).join("upgrade-1.3.xsl").is_file() {
        skip!("{REFERENCE_DIR} has no upgrade-1.3.xsl (reference Pacemaker not installed)");
    }
    let Some(docs) = corpus() else {
        skip!("the scheduler corpus (conformance/scheduler/xml) is absent");
    };
    let validator = Validator::new(GrammarSource::Embedded);
    let seed = env_usize("ATRIUM_SCHEMA_SEED", 1) as u64;
    let count = env_usize("ATRIUM_UPGRADE_XSLT", 150) / 3;
    let bases: Vec<Element> = docs
        .iter()
        .map(|(_, d)| without_status(d.clone()))
        .collect();
    let cases = legacy_docs(&bases, &validator, "pacemaker-1.3", count, seed, true);
    let scratch = Scratch::new("xslt13");
    let failures = parallel(&cases, |i, cib| {
        let Some(theirs) = xsltproc(
            &tool,
            "upgrade-1.3.xsl",
            &cib.to_unformatted(),
            &scratch.0,
            &i.to_string(),
        ) else {
            return Some(format!(
                "ACL CIB #{i} (seed {seed}): upgrade-1.3.xsl failed"
            ));
        };
        let Some(ours) = apply_transform(cib, Transform::From1_3).cib else {
            return Some(format!(
                "ACL CIB #{i} (seed {seed}): our transformation failed"
            ));
        };
        let (ours, theirs) = (comparable(ours, false), comparable(theirs, false));
        (ours != theirs).then(|| {
            format!(
                "ACL CIB #{i} (seed {seed}):\n{}",
                show_difference(&ours, &theirs)
            )
        })
    });
    eprintln!(
        "schema transform 1.3 vs stylesheet: {} CIBs, {} differences",
        cases.len(),
        failures.len()
    );
    assert!(!cases.is_empty(), "no 1.3 CIB could be generated");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
