//! pcmk-msg against the REAL CIB manager (Pacemaker 2.1.5 pacemaker-based)
//! of a one-node reference cluster in the lab: sign-on on cib_rw and
//! cib_ro, query, create, modify, replace, delete (synchronous and
//! asynchronous calls), diff notifications, compressed messages in both
//! directions, error codes, and the CPG envelope of based's own broadcasts.
//! Every result is compared with what the reference `cibadmin` shows.
//! Also measures 1,000 sequential synchronous queries: ours against a C
//! program linked to the reference libcib.
//!
//! Needs root, the reference packages and the lab; skips otherwise.
// Ref: pacemaker lib/cib/cib_native.c, daemons/based/based_callbacks.c, lib/cluster/cpg.c

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;
use pcmk_msg::cib::{
    call_options as opt, notify, AsyncCibClient, CibClient, CibNotification, CibRequest, ConnType,
};
use pcmk_msg::cluster::{ClusterEndpoint, ClusterEvent};
use pcmk_msg::cpg_msg::MsgType;
use pcmk_xml::Element;

/// Run `f` on a thread inside node `i`'s namespaces.
fn in_node<R: Send>(lab: &Lab, i: usize, f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        s.spawn(|| {
            lab.enter_thread(i).expect("enter the node");
            f()
        })
        .join()
        .expect("node thread")
    })
}

fn xml(s: &str) -> Element {
    pcmk_xml::parse(s).expect("test XML")
}

/// The reference's view: `cibadmin args` inside the node, parsed.
fn cibadmin(lab: &Lab, args: &[&str]) -> (i32, Option<Element>) {
    let mut full = vec!["cibadmin"];
    full.extend_from_slice(args);
    let out = lab.run(1, &full).expect("run cibadmin");
    let parsed = pcmk_xml::parse(out.stdout.trim()).ok();
    (out.code, parsed)
}

fn nvpair_value(section: &Element, id: &str) -> Option<String> {
    section
        .descendants()
        .find(|e| e.name() == "nvpair" && e.id() == Some(id))
        .and_then(|e| e.attr("value").map(str::to_owned))
}

/// Wait for a diff notification whose patchset mentions `needle`.
fn wait_diff(cib: &CibClient, needle: &str) -> CibNotification {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no diff notification mentioning {needle}");
        match cib.next_notification(Some(left)).expect("notification") {
            Some(n)
                if n.kind == notify::DIFF
                    && n.diff()
                        .is_some_and(|d| d.to_unformatted().contains(needle)) =>
            {
                return n
            }
            _ => {}
        }
    }
}

fn many_nvpairs(set_id: &str, n: usize, value_len: usize) -> Element {
    let mut set = Element::new("cluster_property_set").with_attr("id", set_id);
    for i in 0..n {
        set.push_element(
            Element::new("nvpair")
                .with_attr("id", format!("{set_id}-{i}"))
                .with_attr("name", format!("{set_id}-name-{i}"))
                .with_attr("value", format!("{i:06}-{}", "v".repeat(value_len))),
        );
    }
    set
}

#[test]
fn cib_client_against_real_based() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let lab = Lab::up(LabConfig::new(1)).expect("1-node reference lab");

    // Sign on from inside the node; the connection then works from any thread.
    let cib = in_node(&lab, 1, || {
        CibClient::signon("atrium-msg-test", ConnType::Command)
    })
    .expect("sign-on on cib_rw");
    assert!(!cib.token().is_empty());

    // Query: the configuration equals what cibadmin shows (both asynchronous
    // and synchronous calls).
    let (code, reference) = cibadmin(&lab, &["-Q", "-o", "configuration"]);
    assert_eq!(code, 0);
    let reference = reference.expect("cibadmin -Q output").to_unformatted();
    for options in [0, opt::SYNC_CALL] {
        let r = cib.query(Some("configuration"), options).expect("query");
        assert_eq!(r.rc, 0);
        assert_eq!(r.output.expect("query output").to_unformatted(), reference);
    }
    let whole = cib.query(None, opt::SYNC_CALL).expect("whole CIB");
    assert_eq!(whole.output.as_ref().map(|o| o.name()), Some("cib"));

    cib.register_notification(notify::DIFF, true)
        .expect("subscribe to diff notifications");

    // Create, then modify, with a diff notification each time.
    let set = xml(
        r#"<cluster_property_set id="atrium-msg"><nvpair id="atrium-msg-a" name="atrium-a" value="1"/></cluster_property_set>"#,
    );
    let r = cib.create(Some("crm_config"), &set, 0).expect("create");
    assert_eq!(r.rc, 0, "create: {r:?}");
    let n = wait_diff(&cib, "atrium-msg-a");
    assert_eq!(n.op, "cib_create");
    let diff = n.diff().expect("patchset");
    assert_eq!(diff.attr("format"), Some("2"));
    assert!(diff
        .elements_named("change")
        .any(|c| c.attr("operation") == Some("create")));
    let (_, cfg) = cibadmin(&lab, &["-Q", "-o", "crm_config"]);
    assert_eq!(
        nvpair_value(&cfg.unwrap(), "atrium-msg-a").as_deref(),
        Some("1")
    );

    let upd = xml(
        r#"<cluster_property_set id="atrium-msg"><nvpair id="atrium-msg-a" name="atrium-a" value="2"/></cluster_property_set>"#,
    );
    let r = cib
        .modify(Some("crm_config"), &upd, opt::SYNC_CALL)
        .expect("modify");
    assert_eq!(r.rc, 0);
    let n = wait_diff(&cib, "value");
    assert_eq!(n.op, "cib_modify");
    let (_, cfg) = cibadmin(&lab, &["-Q", "-o", "crm_config"]);
    assert_eq!(
        nvpair_value(&cfg.unwrap(), "atrium-msg-a").as_deref(),
        Some("2")
    );

    // Replace the section with our edited copy.
    let mut section = cib
        .query(Some("crm_config"), 0)
        .expect("query crm_config")
        .output
        .expect("crm_config");
    for e in section.descendants().collect::<Vec<_>>() {
        assert_ne!(e.id(), Some("atrium-msg-b"));
    }
    section
        .elements_mut()
        .find(|e| e.id() == Some("atrium-msg"))
        .expect("our set")
        .push_element(xml(
            r#"<nvpair id="atrium-msg-b" name="atrium-b" value="3"/>"#,
        ));
    let r = cib
        .replace(Some("crm_config"), &section, 0)
        .expect("replace");
    assert_eq!(r.rc, 0, "replace: {r:?}");
    wait_diff(&cib, "atrium-msg-b");
    let (_, cfg) = cibadmin(&lab, &["-Q", "-o", "crm_config"]);
    let cfg = cfg.unwrap();
    assert_eq!(nvpair_value(&cfg, "atrium-msg-b").as_deref(), Some("3"));
    assert_eq!(nvpair_value(&cfg, "atrium-msg-a").as_deref(), Some("2"));

    // Large messages: a ~600 KB create is compressed by us (the connection
    // allows 512 KiB), and the CIB manager compresses its ~600 KB answers.
    let big = many_nvpairs("atrium-big", 4000, 100);
    assert!(big.to_unformatted().len() > 512 * 1024);
    let r = cib
        .create(Some("crm_config"), &big, opt::SYNC_CALL)
        .expect("large create");
    assert_eq!(r.rc, 0);
    let (code, reference) = cibadmin(&lab, &["-Q", "-o", "crm_config"]);
    assert_eq!(code, 0);
    let ours = cib
        .query(Some("crm_config"), 0)
        .expect("large query")
        .output
        .expect("crm_config");
    assert_eq!(
        ours.to_unformatted(),
        reference.expect("cibadmin output").to_unformatted()
    );
    assert!(ours.to_unformatted().len() > 512 * 1024);
    wait_diff(&cib, "atrium-big-3999");

    // Delete, and what the reference says afterwards.
    for id in ["atrium-msg-a", "atrium-msg-b"] {
        let victim = Element::new("nvpair").with_attr("id", id);
        let r = cib
            .delete(Some("crm_config"), Some(&victim), 0)
            .expect("delete");
        assert_eq!(r.rc, 0);
    }
    let r = cib
        .delete(
            Some("crm_config"),
            Some(&Element::new("cluster_property_set").with_attr("id", "atrium-big")),
            opt::SYNC_CALL,
        )
        .expect("delete big");
    assert_eq!(r.rc, 0);
    let (_, cfg) = cibadmin(&lab, &["-Q", "-o", "crm_config"]);
    let cfg = cfg.unwrap();
    assert_eq!(nvpair_value(&cfg, "atrium-msg-a"), None);
    assert!(!cfg.to_unformatted().contains("atrium-big"));

    // Errors map to the reference's exit codes.
    for (args, req) in [
        (
            vec!["-Q", "-o", "atrium-no-such-section"],
            CibRequest::new("cib_query").section("atrium-no-such-section"),
        ),
        (
            vec![
                "-D",
                "-o",
                "crm_config",
                "-X",
                "<nvpair id=\"atrium-none\"/>",
            ],
            CibRequest::new("cib_delete").section("crm_config"),
        ),
    ] {
        let none = xml(r#"<nvpair id="atrium-none"/>"#);
        let req = if req.op == "cib_delete" {
            req.data(&none)
        } else {
            req
        };
        let r = cib.call(&req).expect("call");
        let (code, _) = cibadmin(&lab, &args);
        assert_eq!(
            i32::from(r.rc().to_exit().process_status()),
            code,
            "{args:?}: our rc {} vs cibadmin exit {code}",
            r.rc
        );
    }

    bump_patch_upgrade(&lab, &cib);
    ping_pacemakerd(&lab);

    // The read-only and shared-memory services answer queries the same way.
    let (_, nodes) = cibadmin(&lab, &["-Q", "-o", "nodes"]);
    let nodes = nodes.map(|o| o.to_unformatted());
    for (name, kind) in [
        ("atrium-msg-ro", ConnType::Query),
        ("atrium-msg-shm", ConnType::CommandNonblocking),
    ] {
        let c = in_node(&lab, 1, || CibClient::signon(name, kind)).expect("sign-on");
        let r = c.query(Some("nodes"), 0).expect("query");
        assert_eq!(r.rc, 0);
        assert_eq!(r.output.map(|o| o.to_unformatted()), nodes, "{kind:?}");
    }

    // A runtime whose threads all live in the node's namespaces (tasks
    // spawned on it connect from there).
    let rt = in_node(&lab, 1, || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    });
    async_client(&rt);
    cpg_envelope_from_based(&lab, &rt, &cib);
    performance(&lab, &cib);
    lab.down().expect("teardown");
}

/// pacemakerd's ping (the generic request format, an ack with status 112
/// as response, the answer as an event), compared with `crmadmin -P`.
fn ping_pacemakerd(lab: &Lab) {
    use pcmk_msg::ipc::{IpcClient, IpcFlags};
    use pcmk_msg::message::{create_request, get_message_xml, RequestSpec};
    let ipc = in_node(lab, 1, || IpcClient::connect("pacemakerd")).expect("connect pacemakerd");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let req = create_request(
        &RequestSpec {
            task: "ping",
            sys_to: Some("pacemakerd"),
            sys_from: Some("atrium-msg-test"),
            uuid_from: Some("0123"),
            origin: "ping_pacemakerd",
            ..RequestSpec::default()
        },
        now,
    );
    let ack = ipc
        .send(
            &req,
            IpcFlags::CLIENT_RESPONSE,
            Some(Duration::from_secs(10)),
        )
        .expect("send ping")
        .expect("ack");
    assert_eq!(ack.name(), "ack");
    let status = ack.attr("status").expect("ack status");
    let ev = ipc
        .recv_event(Some(Duration::from_secs(10)))
        .expect("ping reply");
    let reply = ev.xml().expect("XML");
    assert_eq!(reply.attr("subt"), Some("response"));
    assert_eq!(reply.attr("crm_task"), Some("ping"));
    assert_eq!(reply.attr("reference"), req.attr("reference"));
    assert_eq!(reply.attr("crm_sys_to"), Some("0123_atrium-msg-test"));
    let ping = get_message_xml(&reply, "crm_xml").expect("ping_response");
    let state = ping.attr("pacemakerd_state").expect("state");
    let tool = lab
        .run_ok(1, &["crmadmin", "-P"])
        .expect("crmadmin -P")
        .stdout;
    assert!(
        tool.contains(state),
        "crmadmin -P: {tool}, our ping: {state}"
    );
    eprintln!("pacemakerd acked with status {status} and reports {state}");
}

/// The CIB generation (admin_epoch, epoch, num_updates) cibadmin shows.
fn generation(lab: &Lab) -> (u64, u64, u64) {
    let (_, cib) = cibadmin(lab, &["-Q"]);
    let cib = cib.expect("cibadmin -Q");
    let n = |a| cib.attr(a).and_then(|v| v.parse().ok()).unwrap_or(0);
    (n("admin_epoch"), n("epoch"), n("num_updates"))
}

/// bump, apply_diff (a patch made by the reference crm_diff) and upgrade.
fn bump_patch_upgrade(lab: &Lab, cib: &CibClient) {
    let before = generation(lab);
    assert_eq!(cib.bump(opt::SYNC_CALL).expect("bump").rc, 0);
    let after = generation(lab);
    assert_eq!(
        (after.0, after.1),
        (before.0, before.1 + 1),
        "bump raises epoch"
    );

    if let Some(crm_diff) = atrium_tests::reference("crm_diff") {
        let old = cib.query(None, opt::SYNC_CALL).unwrap().output.unwrap();
        let mut new = old.clone();
        // A newer epoch, as an edited CIB would carry.
        let epoch: u64 = old.attr("epoch").and_then(|e| e.parse().ok()).unwrap_or(0);
        new.set_attr("epoch", (epoch + 1).to_string());
        new.first_element_mut("configuration")
            .and_then(|c| c.first_element_mut("crm_config"))
            .expect("crm_config")
            .push_element(xml(
                r#"<cluster_property_set id="atrium-patch"><nvpair id="atrium-patch-a" name="atrium-p" value="9"/></cluster_property_set>"#,
            ));
        let dir = std::env::temp_dir().join(format!("atrium-msg-patch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (o, n) = (dir.join("old.xml"), dir.join("new.xml"));
        std::fs::write(&o, old.to_unformatted()).unwrap();
        std::fs::write(&n, new.to_unformatted()).unwrap();
        let out = atrium_tests::run(
            &crm_diff,
            &["-o", o.to_str().unwrap(), "-n", n.to_str().unwrap()],
            None,
        );
        let _ = std::fs::remove_dir_all(&dir);
        let patch = pcmk_xml::parse(&out.stdout).expect("crm_diff prints a patch");
        let r = cib.apply_diff(&patch, opt::SYNC_CALL).expect("apply_diff");
        assert_eq!(r.rc, 0, "apply_diff: {r:?}");
        let (_, cfg) = cibadmin(lab, &["-Q", "-o", "crm_config"]);
        assert_eq!(
            nvpair_value(&cfg.unwrap(), "atrium-patch-a").as_deref(),
            Some("9")
        );
        // The same patch again no longer applies (its source version is gone).
        let again = cib.apply_diff(&patch, opt::SYNC_CALL).expect("apply_diff");
        assert_ne!(again.rc, 0);
        let victim = Element::new("cluster_property_set").with_attr("id", "atrium-patch");
        assert_eq!(
            cib.delete(Some("crm_config"), Some(&victim), 0).unwrap().rc,
            0
        );
    } else {
        eprintln!("apply_diff check skipped: the reference crm_diff is not installed");
    }

    // Upgrading a CIB already at the newest schema: the CIB manager
    // answers -pcmk_err_schema_unchanged (211), which `cibadmin --upgrade`
    // then reports as success.
    let r = cib.upgrade(opt::SYNC_CALL).expect("upgrade");
    assert_eq!(r.rc, -211, "upgrade: {r:?}");
    let (code, _) = cibadmin(lab, &["--upgrade", "--force"]);
    assert_eq!(code, 0);
}

/// The async client: concurrent calls, notifications on a channel.
fn async_client(rt: &tokio::runtime::Runtime) {
    let task = rt.spawn(async {
        let c = std::sync::Arc::new(
            AsyncCibClient::signon("atrium-msg-async", ConnType::Command)
                .await
                .expect("async sign-on"),
        );
        let mut notes = c.notifications().expect("notification stream");
        assert!(c.notifications().is_none(), "the stream is handed out once");
        c.register_notification(notify::DIFF, true)
            .await
            .expect("subscribe");
        // Twenty overlapping queries, each answered by its own reply.
        let mut set = tokio::task::JoinSet::new();
        for i in 0..20 {
            let c = c.clone();
            let section = if i % 2 == 0 { "nodes" } else { "crm_config" };
            set.spawn(async move {
                let r = c.query(Some(section), 0).await.expect("query");
                (section, r)
            });
        }
        while let Some(done) = set.join_next().await {
            let (section, r) = done.expect("task");
            assert_eq!(r.rc, 0);
            assert_eq!(
                r.output.map(|o| o.name().to_owned()).as_deref(),
                Some(section)
            );
        }
        let data = xml(r#"<cluster_property_set id="atrium-async"/>"#);
        let r = c
            .call(
                &CibRequest::new("cib_create")
                    .section("crm_config")
                    .data(&data),
            )
            .await
            .expect("create");
        assert_eq!(r.rc, 0);
        let n = loop {
            let n = tokio::time::timeout(Duration::from_secs(20), notes.recv())
                .await
                .expect("a notification in time")
                .expect("stream open");
            if n.diff()
                .is_some_and(|d| d.to_unformatted().contains("atrium-async"))
            {
                break n;
            }
        };
        assert_eq!(
            (n.kind.as_str(), n.op.as_str(), n.rc),
            (notify::DIFF, "cib_create", 0)
        );
        let r = c
            .delete(Some("crm_config"), Some(&data), opt::SYNC_CALL)
            .await
            .expect("delete");
        assert_eq!(r.rc, 0);
    });
    rt.block_on(task).expect("async client task");
}

/// Join based's CPG group ("cib") and decode what the real CIB manager
/// broadcasts when cibadmin changes the CIB.
fn cpg_envelope_from_based(lab: &Lab, rt: &tokio::runtime::Runtime, cib: &CibClient) {
    let ep = rt
        .block_on(async { tokio::spawn(ClusterEndpoint::connect("cib", Some("n1"))).await })
        .expect("task")
        .expect("join the cib group");
    assert_eq!(ep.local_nodeid(), 1);
    let ep = std::sync::Arc::new(ep);
    let listener = {
        let ep = ep.clone();
        rt.spawn(async move {
            let mut seen = Vec::new();
            loop {
                match tokio::time::timeout(Duration::from_secs(20), ep.recv()).await {
                    Ok(Ok(ClusterEvent::Message { from, text, .. })) => {
                        let done = text.contains("atrium-cpg");
                        seen.push((from, text));
                        if done {
                            return seen;
                        }
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => panic!("CPG receive failed: {e}"),
                    Err(_) => return seen,
                }
            }
        })
    };
    let out = lab
        .run(
            1,
            &[
                "cibadmin",
                "-C",
                "-o",
                "crm_config",
                "-X",
                r#"<cluster_property_set id="atrium-cpg"/>"#,
            ],
        )
        .expect("cibadmin -C");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let seen = rt.block_on(listener).expect("listener");
    let (from, text) = seen
        .iter()
        .find(|(_, t)| t.contains("atrium-cpg"))
        .unwrap_or_else(|| panic!("no CPG message about the change; saw {seen:?}"));
    assert_eq!(from.id, 1);
    assert_eq!(from.uname, "n1");
    assert_eq!(from.msg_type, MsgType::CIB);
    let msg = pcmk_xml::parse(text).expect("XML payload");
    assert_eq!(msg.attr("t"), Some("cib"));
    eprintln!(
        "based broadcast {} message(s); the change arrived as <{} cib_op={:?}> ({} bytes)",
        seen.len(),
        msg.name(),
        msg.attr("cib_op"),
        text.len()
    );
    let ep = std::sync::Arc::try_unwrap(ep).unwrap_or_else(|_| panic!("endpoint still shared"));
    rt.block_on(async move { tokio::spawn(ep.disconnect()).await })
        .expect("task")
        .expect("leave");
    let victim = Element::new("cluster_property_set").with_attr("id", "atrium-cpg");
    assert_eq!(
        cib.delete(Some("crm_config"), Some(&victim), 0).unwrap().rc,
        0
    );
}

/// Compile the C benchmark against the reference libcib.
fn c_bench(dir: &Path) -> Result<PathBuf, String> {
    let src = dir.join("cib_query_bench.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <crm/cib.h>
#include <crm/common/xml.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    cib_t *cib = cib_new();
    int rc = cib->cmds->signon(cib, "atrium-bench", cib_command);
    if (rc != pcmk_ok) { fprintf(stderr, "signon: %d\n", rc); return 1; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        xmlNode *out = NULL;
        rc = cib->cmds->query(cib, NULL, &out, cib_sync_call);
        if (rc != pcmk_ok || out == NULL) { fprintf(stderr, "query: %d\n", rc); return 2; }
        free_xml(out);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    cib->cmds->signoff(cib);
    cib_delete(cib);
    return 0;
}
"#,
    )
    .map_err(|e| e.to_string())?;
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "pacemaker-cib", "pacemaker"])
        .output()
        .map_err(|e| format!("pkg-config: {e}"))?;
    if !flags.status.success() {
        return Err("pacemaker-dev is not installed".into());
    }
    let bin = dir.join("cib_query_bench");
    let out = Command::new("gcc")
        .arg("-O2")
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .args(String::from_utf8_lossy(&flags.stdout).split_whitespace())
        .output()
        .map_err(|e| format!("gcc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "gcc failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// 1,000 sequential synchronous whole-CIB queries: ours vs libcib.
fn performance(lab: &Lab, cib: &CibClient) {
    // 1,000 queries each, in five alternating rounds of 200 so that load
    // from elsewhere on the machine hits both sides alike; the total and
    // the best round are reported.
    const ROUNDS: usize = 5;
    const N: usize = 200;
    let dir = std::env::temp_dir().join(format!("atrium-msg-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let bin = c_bench(&dir)
        .map_err(|why| eprintln!("C benchmark skipped: {why}"))
        .ok();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..N {
            let r = cib.query(None, opt::SYNC_CALL).expect("query");
            assert_eq!(r.rc, 0);
        }
        ours.push(t.elapsed().as_secs_f64());
        if let Some(bin) = &bin {
            let out = lab
                .run(1, &[bin.to_str().expect("path"), &N.to_string()])
                .expect("run the C benchmark");
            assert_eq!(out.code, 0, "C benchmark: {}", out.stderr);
            theirs.push(out.stdout.trim().parse::<f64>().expect("seconds"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let report = |v: &[f64]| {
        if v.is_empty() {
            return "n/a".to_string();
        }
        let total: f64 = v.iter().sum();
        let best = v.iter().cloned().fold(f64::INFINITY, f64::min);
        format!(
            "{total:.3} s ({:.0} µs each; best round {:.0} µs)",
            total * 1e6 / (v.len() * N) as f64,
            best * 1e6 / N as f64
        )
    };
    eprintln!(
        "{} sequential synchronous whole-CIB cib_query round trips against pacemaker-based: \
         pcmk-msg {}, libcib (C, cib->cmds->query) {}",
        ROUNDS * N,
        report(&ours),
        report(&theirs)
    );
}
