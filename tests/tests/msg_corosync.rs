//! pcmk-msg's corosync clients against a REAL corosync 3.1.7 (a two-node
//! corosync-only lab):
//! - CPG: our client on n1 and a C program linked to the reference libcpg
//!   on n2 join one group and exchange messages both ways, including
//!   fragmented (partial) messages above 1 MiB; membership callbacks,
//!   membership_get, local_get and iteration agree with the C side and
//!   `corosync-cpgtool`. The C program decodes our Pacemaker envelopes with
//!   the reference's own `pcmk_message_common_cs` (libcrmcluster), with its
//!   host filtering and bzip2.
//! - cmap: the nodelist and `totem.cluster_name` equal `corosync-cmapctl`;
//!   set, delete and track work with `corosync-cmapctl` on the other side.
//! - quorum and votequorum: what `corosync-quorumtool -s` shows.
//!
//! Needs root, corosync, gcc, libcpg-dev and pacemaker-dev; skips otherwise.
// Ref: corosync lib/cpg.c, lib/cmap.c, lib/quorum.c; pacemaker lib/cluster/cpg.c

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, Stack};
use atrium_tests::skip;
use pcmk_msg::corosync::cfg::{self, CfgClient, CfgEvent};
use pcmk_msg::corosync::cmap::{self, CmapClient, CmapValue};
use pcmk_msg::corosync::cpg::{self, CpgClient, CpgEvent, Guarantee};
use pcmk_msg::corosync::quorum::{self, QuorumClient, QuorumEvent};
use pcmk_msg::corosync::votequorum::VotequorumClient;
use pcmk_msg::cpg_msg::{self, MsgType, Outgoing};

const GROUP: &str = "atrium-cpg";

/// Where an envelope goes: node id and name (`None`: everyone).
type Destination<'a> = Option<(u32, Option<&'a str>)>;

const PEER_C: &str = r#"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <corosync/cpg.h>
#include <crm/cluster.h>

static cpg_handle_t h;
static struct cpg_name group;
static int quit;

static unsigned long sum(const char *d, size_t n) {
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + (unsigned char) d[i];
    return s;
}

static void send_raw(const char *d, size_t n) {
    struct iovec iov = { (void *) d, n };
    cs_error_t rc;
    while ((rc = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN) {
        poll(NULL, 0, 10);
    }
    if (rc != CS_OK) printf("SENDFAIL %d\n", rc);
}

static void deliver(cpg_handle_t handle, const struct cpg_name *g, uint32_t nodeid,
                    uint32_t pid, void *msg, size_t len) {
    const char *m = msg;
    if (len > 0 && m[0] == 'R') {
        printf("RAW %u %u %zu %lu\n", nodeid, pid, len, sum(m, len));
        if (len == 5 && !memcmp(m, "RQUIT", 5)) quit = 1;
        if (len == 5 && !memcmp(m, "RPING", 5)) {
            send_raw("RPONG", 5);
            size_t n = 3000000;
            char *big = malloc(n);
            big[0] = 'R';
            for (size_t i = 1; i < n; i++) big[i] = (char) (i % 251);
            send_raw(big, n);
            free(big);
        }
    } else {
        uint32_t kind = 99;
        const char *from = NULL;
        char *data = pcmk_message_common_cs(handle, nodeid, pid, msg, &kind, &from);
        if (data) {
            printf("PCMK %u %s %zu %lu\n", kind, from ? from : "-", strlen(data), sum(data, strlen(data)));
            free(data);
        } else {
            printf("PCMK-REJECTED %u\n", nodeid);
        }
    }
    fflush(stdout);
}

static void confchg(cpg_handle_t handle, const struct cpg_name *g,
                    const struct cpg_address *m, size_t nm,
                    const struct cpg_address *l, size_t nl,
                    const struct cpg_address *j, size_t nj) {
    printf("CONFCHG");
    for (size_t i = 0; i < nm; i++) printf(" %u:%u", m[i].nodeid, m[i].pid);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    cpg_callbacks_t cb = { deliver, confchg };
    strcpy(group.value, argv[1]);
    group.length = strlen(argv[1]) + 1;
    crm_peer_init();
    if (cpg_initialize(&h, &cb) != CS_OK) return 1;
    if (cpg_join(h, &group) != CS_OK) return 2;
    unsigned int id = 0;
    cpg_local_get(h, &id);
    printf("JOINED %u %d\n", id, (int) getpid());
    fflush(stdout);
    int fd;
    cpg_fd_get(h, &fd);
    while (!quit) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 60000) <= 0) return 3;
        if (cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK) return 4;
    }
    cpg_leave(h, &group);
    cpg_finalize(h);
    return 0;
}
"#;

fn build_peer() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("atrium-msg-cpg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let src = dir.join("cpg_peer.c");
    std::fs::write(&src, PEER_C).map_err(|e| e.to_string())?;
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libcpg", "pacemaker-cluster"])
        .output()
        .map_err(|e| format!("pkg-config: {e}"))?;
    if !flags.status.success() {
        return Err("libcpg-dev or pacemaker-dev is not installed".into());
    }
    let bin = dir.join("cpg_peer");
    let out = Command::new("gcc")
        .arg("-O1")
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

fn sum(d: &[u8]) -> u64 {
    d.iter()
        .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)))
}

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

/// Lines printed by the C peer.
struct Peer {
    lines: mpsc::Receiver<String>,
    child: std::process::Child,
}

impl Peer {
    fn expect(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if pred(&l) => return l,
                Ok(_) => {}
                Err(_) => panic!("the C peer never printed {what}"),
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Our next delivery from node `from`.
fn next_from(c: &CpgClient, from: u32) -> (u32, Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no delivery from node {from}");
        if let Some(CpgEvent::Deliver {
            nodeid, pid, msg, ..
        }) = c.dispatch(Some(left)).expect("dispatch")
        {
            if nodeid == from {
                return (pid, msg);
            }
        }
    }
}

fn cmapctl(lab: &Lab, args: &[&str]) -> String {
    let mut a = vec!["corosync-cmapctl"];
    a.extend_from_slice(args);
    lab.run_ok(1, &a).expect("corosync-cmapctl").stdout
}

#[test]
fn corosync_clients_against_real_corosync() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    let peer_bin = match build_peer() {
        Ok(b) => b,
        Err(why) => skip!("cannot build the C CPG peer: {why}"),
    };
    let lab = Lab::up(LabConfig::new(2).stack(Stack::Corosync)).expect("2 corosync nodes");

    // The C peer on n2.
    let mut cmd = lab
        .command(2, &[peer_bin.to_str().expect("path"), GROUP], &[])
        .expect("peer command");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the C peer");
    let stdout = child.stdout.take().expect("peer stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let peer = Peer { lines: rx, child };
    let joined = peer.expect("JOINED", |l| l.starts_with("JOINED"));
    let peer_pid: u32 = joined.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(joined.starts_with("JOINED 2 "), "{joined}");

    // Our client on n1.
    let group = cpg::pacemaker_group(GROUP);
    let c = in_node(&lab, 1, CpgClient::initialize).expect("cpg_initialize");
    assert_eq!(c.local_get().expect("local_get"), 1);
    c.join(&group).expect("cpg_join");
    let me = std::process::id();
    // Our view of the membership, and the C side's.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no configuration change with both members");
        if let Some(CpgEvent::ConfChg {
            group: g,
            members,
            joined,
            ..
        }) = c.dispatch(Some(left)).expect("dispatch")
        {
            assert_eq!(g, group);
            let ids: Vec<(u32, u32)> = members.iter().map(|m| (m.nodeid, m.pid)).collect();
            if ids.contains(&(1, me)) && ids.contains(&(2, peer_pid)) {
                assert!(joined
                    .iter()
                    .any(|j| j.nodeid == 1 && j.reason == cpg::reason::JOIN));
                break;
            }
        }
    }
    peer.expect("CONFCHG with us", |l| {
        l.starts_with("CONFCHG")
            && l.contains(&format!(" 1:{me}"))
            && l.contains(&format!(" 2:{peer_pid}"))
    });
    let mut members: Vec<(u32, u32)> = c
        .membership_get(&group)
        .expect("membership_get")
        .iter()
        .map(|m| (m.nodeid, m.pid))
        .collect();
    members.sort();
    assert_eq!(members, vec![(1, me), (2, peer_pid)]);
    let all = c.iterate(cpg::iteration::ALL, None).expect("iteration");
    assert!(all
        .iter()
        .any(|d| d.group == group && d.nodeid == 2 && d.pid == peer_pid));
    let names = c.iterate(cpg::iteration::NAME_ONLY, None).expect("names");
    assert!(names.iter().any(|d| d.group == group));
    let tool = lab
        .run_ok(1, &["corosync-cpgtool", "-e"])
        .expect("cpgtool")
        .stdout;
    assert!(
        tool.contains(GROUP)
            && tool.contains(&me.to_string())
            && tool.contains(&peer_pid.to_string()),
        "corosync-cpgtool shows both of us:\n{tool}"
    );

    // Raw messages both ways; the C peer answers RPING with RPONG and a
    // 3 MB message that libcpg sends in pieces.
    c.mcast_joined(Guarantee::Agreed, b"RPING").expect("mcast");
    peer.expect("our RPING", |l| {
        l == format!("RAW 1 {me} 5 {}", sum(b"RPING"))
    });
    let (pid, msg) = next_from(&c, 2);
    assert_eq!((pid, msg.as_slice()), (peer_pid, &b"RPONG"[..]));
    let (_, big) = next_from(&c, 2);
    assert_eq!(big.len(), 3_000_000);
    assert!(
        big[0] == b'R'
            && big
                .iter()
                .enumerate()
                .skip(1)
                .all(|(i, &b)| b == (i % 251) as u8)
    );
    // Our own 2.5 MB message, sent in pieces.
    let mut ours = vec![b'R'; 2_500_000];
    for (i, b) in ours.iter_mut().enumerate().skip(1) {
        *b = (i % 253) as u8;
    }
    c.mcast_joined(Guarantee::Agreed, &ours)
        .expect("large mcast");
    peer.expect("our 2.5 MB message", |l| {
        l == format!("RAW 1 {me} {} {}", ours.len(), sum(&ours))
    });

    // Pacemaker envelopes, decoded by the reference's pcmk_message_common_cs.
    let small = "<atrium-msg op=\"ping\"/>".to_string();
    let large = format!("<atrium-msg>{}</atrium-msg>", "<x a=\"1\"/>".repeat(20_000));
    assert!(large.len() + 1 >= cpg_msg::BZ2_THRESHOLD);
    let cases: [(&str, Destination, bool); 5] = [
        (&small, None, true),
        (&large, None, true),
        (&small, Some((2, None)), true),
        (&small, Some((0, Some("N2"))), true),
        (&small, Some((3, None)), false),
    ];
    for (seq, (text, to, accepted)) in cases.into_iter().enumerate() {
        let bytes = cpg_msg::encode(&Outgoing {
            seq: seq as u32 + 1,
            to,
            dest: MsgType::CIB,
            sender_type: MsgType::CIB,
            sender_pid: me,
            sender_uname: "n1",
            data: text,
        });
        c.mcast_joined(Guarantee::Agreed, &bytes)
            .expect("mcast envelope");
        let line = peer.expect("the envelope's fate", |l| l.starts_with("PCMK"));
        if accepted {
            assert_eq!(
                line,
                format!("PCMK 0 n1 {} {}", text.len(), sum(text.as_bytes())),
                "to {to:?}"
            );
        } else {
            assert_eq!(line, "PCMK-REJECTED 1", "to {to:?}");
        }
    }

    // The peer leaves: a configuration change says so.
    c.mcast_joined(Guarantee::Agreed, b"RQUIT").expect("mcast");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the peer's leave was not reported");
        if let Some(CpgEvent::ConfChg { left: gone, .. }) =
            c.dispatch(Some(left)).expect("dispatch")
        {
            if gone.iter().any(|l| l.nodeid == 2 && l.pid == peer_pid) {
                break;
            }
        }
    }
    c.leave(&group).expect("cpg_leave");
    c.finalize().expect("cpg_finalize");

    cmap_checks(&lab);
    quorum_checks(&lab);
    cfg_checks(&lab);
    lab.down().expect("teardown");
    let _ = std::fs::remove_dir_all(peer_bin.parent().unwrap());
}

fn cmap_checks(lab: &Lab) {
    let cm = in_node(lab, 1, CmapClient::initialize).expect("cmap_initialize");
    // The nodelist, line by line as corosync-cmapctl prints it.
    let ours: Vec<String> = cm
        .values("nodelist")
        .expect("nodelist")
        .iter()
        .map(|(k, v)| format!("{k} ({}) = {v}", v.type_name()))
        .collect();
    let theirs: Vec<String> = cmapctl(lab, &["nodelist"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs);
    let name = cm.get_string("totem.cluster_name").expect("cluster name");
    assert_eq!(
        cmapctl(lab, &["-g", "totem.cluster_name"]).trim(),
        format!("totem.cluster_name (str) = {name}")
    );
    assert_eq!(cm.node_name(1).as_deref(), Some("n1"));
    assert_eq!(cm.node_name(2).as_deref(), Some("n2"));
    assert_eq!(cm.node_name(9), None);
    assert_eq!(
        cm.get("atrium.absent"),
        Err(pcmk_msg::corosync::CsError::NOT_EXIST)
    );

    // Set and delete, seen by corosync-cmapctl.
    cm.set("atrium.test.u32", &CmapValue::U32(5)).expect("set");
    assert_eq!(
        cmapctl(lab, &["-g", "atrium.test.u32"]).trim(),
        "atrium.test.u32 (u32) = 5"
    );
    cm.adjust("atrium.test.u32", 1).expect("cmap_inc");
    assert_eq!(cm.get_u32("atrium.test.u32"), Ok(6));
    cm.set("atrium.test.str", &CmapValue::Str("hello world".into()))
        .expect("set");
    assert_eq!(
        cmapctl(lab, &["-g", "atrium.test.str"]).trim(),
        "atrium.test.str (str) = hello world"
    );
    let keys: Vec<String> = cm
        .keys("atrium.test.")
        .unwrap()
        .into_iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(keys, vec!["atrium.test.str", "atrium.test.u32"]);
    cm.delete("atrium.test.u32").expect("delete");
    cm.delete("atrium.test.str").expect("delete");
    let gone = lab
        .run(1, &["corosync-cmapctl", "atrium.test."])
        .expect("corosync-cmapctl");
    assert!(gone.stdout.trim().is_empty(), "{}", gone.stdout);

    // Tracking: corosync-cmapctl changes, we are told.
    let (handle, inst) = cm
        .track_add(
            "atrium.track",
            cmap::track::ADD | cmap::track::MODIFY | cmap::track::DELETE,
        )
        .expect("track_add");
    cmapctl(lab, &["-s", "atrium.track", "str", "one"]);
    cmapctl(lab, &["-s", "atrium.track", "str", "two"]);
    cmapctl(lab, &["-d", "atrium.track"]);
    let mut events = Vec::new();
    while events.len() < 3 {
        let e = cm
            .dispatch(Some(Duration::from_secs(10)))
            .expect("dispatch")
            .expect("a cmap notification");
        assert_eq!((e.track_inst, e.key.as_str()), (inst, "atrium.track"));
        events.push((e.event, e.new_value, e.old_value));
    }
    let s = |v: &str| Some(CmapValue::Str(v.into()));
    assert_eq!(
        events,
        vec![
            (cmap::track::ADD, s("one"), None),
            (cmap::track::MODIFY, s("two"), s("one")),
            (cmap::track::DELETE, None, s("two")),
        ]
    );
    cm.track_delete(handle).expect("track_delete");
}

fn quorum_checks(lab: &Lab) {
    let tool = lab
        .run_ok(1, &["corosync-quorumtool", "-s"])
        .expect("quorumtool")
        .stdout;
    let field = |name: &str| {
        tool.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{name} not in:\n{tool}"))
    };
    let (q, vq) = in_node(lab, 1, || {
        (
            QuorumClient::initialize(quorum::Model::V0),
            VotequorumClient::initialize(),
        )
    });
    let q = q.expect("quorum_initialize");
    assert_eq!(q.quorum_type(), quorum::QUORUM_SET);
    assert_eq!(field("Quorum provider:"), "corosync_votequorum");
    let quorate = q.getquorate().expect("getquorate");
    assert_eq!(field("Quorate:"), if quorate { "Yes" } else { "No" });
    q.trackstart(quorum::TRACK_CURRENT | quorum::TRACK_CHANGES)
        .expect("trackstart");
    match q.dispatch(Some(Duration::from_secs(10))).expect("dispatch") {
        Some(QuorumEvent::Quorum {
            quorate: qq, view, ..
        }) => {
            assert_eq!(qq, quorate);
            assert_eq!(view, vec![1, 2]);
        }
        other => panic!("expected the current quorum state, got {other:?}"),
    }
    q.trackstop().expect("trackstop");

    let info = vq
        .expect("votequorum_initialize")
        .getinfo(0)
        .expect("getinfo");
    assert_eq!(info.node_id, 1);
    assert_eq!(
        info.node_expected_votes.to_string(),
        field("Expected votes:")
    );
    assert_eq!(info.total_votes.to_string(), field("Total votes:"));
    assert_eq!(
        info.quorum.to_string(),
        field("Quorum:").split_whitespace().next().unwrap_or("")
    );
}

/// What pacemakerd does with cfg: track shutdown requests and veto them.
fn cfg_checks(lab: &Lab) {
    let c = in_node(lab, 1, CfgClient::initialize).expect("corosync_cfg_initialize");
    assert_eq!(c.local_get().expect("local_get"), 1);
    c.trackstart(0).expect("trackstart");
    // corosync-cfgtool -H asks every tracking client; we say no.
    let tool = lab
        .command(1, &["corosync-cfgtool", "-H"], &[])
        .expect("cfgtool command")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start corosync-cfgtool -H");
    match c.dispatch(Some(Duration::from_secs(20))).expect("dispatch") {
        Some(CfgEvent::Shutdown { flags }) => assert_eq!(flags, cfg::shutdown::REQUEST),
        other => panic!("expected a shutdown request, got {other:?}"),
    }
    c.replyto_shutdown(cfg::reply::NO)
        .expect("replyto_shutdown");
    let out = tool.wait_with_output().expect("cfgtool");
    eprintln!(
        "corosync-cfgtool -H after our veto: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // corosync is still there and answers (the tool itself exits 0 either way).
    assert_eq!(c.local_get().expect("local_get"), 1);
    let q = lab
        .run(1, &["corosync-quorumtool", "-s"])
        .expect("quorumtool");
    assert!(q.stdout.contains("Quorate"), "{}", q.stdout);
    c.trackstop().expect("trackstop");
}
