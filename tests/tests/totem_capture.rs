//! Real corosync 3.1.7 traffic decoded by our codecs.
//!
//! Two reference nodes (udpu, no crypto) run in network namespaces joined by
//! a bridge; every UDP datagram seen in node 1's namespace is captured. Each
//! must decode as a Totem message and re-encode to the same bytes; MCAST
//! payloads are unpacked as totempg frames, reassembled in ring order, and
//! the sync and service messages inside must round-trip too. Traffic is
//! produced by start-up, a CPG client (small, medium and fragmented
//! messages), votequorum and cfg commands, and a graceful stop (LEAVE).
// Ref: totemsrp.c, totempg.c, sync.c, cpg.c, votequorum.c, cfg.c (v3.1.7)

mod totem_lab;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use atrium_tests::skip;
use totem_lab::{udpu_conf, Capture, Corosync, Net};
use totem_wire::service::{ServiceFrame, ServiceMessage};
use totem_wire::{Codec, GroupMessage, PgFrame, RingId, SrpMessage, SyncMessage};

const CPG_CLIENT: &str = r#"
import ctypes, sys, time
cpg = ctypes.CDLL("libcpg.so.4")
class Name(ctypes.Structure):
    _fields_ = [("length", ctypes.c_uint32), ("value", ctypes.c_char * 128)]
class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
callbacks = (ctypes.c_void_p * 2)()
h = ctypes.c_uint64()
assert cpg.cpg_initialize(ctypes.byref(h), ctypes.byref(callbacks)) == 1
n = Name(len(b"atrium-capture"), b"atrium-capture")
def retry(f):
    for _ in range(200):
        rc = f()
        if rc != 6: return rc
        time.sleep(0.05)
    return rc
assert retry(lambda: cpg.cpg_join(h, ctypes.byref(n))) == 1
for size in [int(a) for a in sys.argv[1:]]:
    buf = ctypes.create_string_buffer(bytes((i % 251 for i in range(size))), size)
    iov = IoVec(ctypes.cast(buf, ctypes.c_void_p), size)
    assert retry(lambda: cpg.cpg_mcast_joined(h, 0, ctypes.byref(iov), 1)) == 1
time.sleep(0.5)
cpg.cpg_finalize(h)
print("ok")
"#;

const CPG_SIZES: [usize; 3] = [10, 5000, 300_000];

#[test]
fn real_corosync_traffic_roundtrips_through_our_codecs() {
    if let Some(why) = totem_lab::unavailable() {
        skip!("{why}");
    }
    let net = Net::new(2).expect("create namespaces");
    let base = std::env::temp_dir().join(format!("atrium-capture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let cap = Capture::start(&net.names[0], &[5404, 5405]).expect("start capture");
    let token = "    token: 1000\n";
    let mut nodes: Vec<Corosync> = (1..=2)
        .map(|i| {
            let dir = base.join(format!("n{i}"));
            Corosync::start(
                &net.names[i - 1],
                &dir,
                &udpu_conf(net.net, 2, &dir, token, ""),
            )
            .expect("start corosync")
        })
        .collect();
    assert!(
        nodes[0].wait_log("Members[2]: 1 2", 1, Duration::from_secs(20)),
        "ring did not form:\n{}",
        nodes[0].log()
    );
    assert!(nodes[0].wait_log(
        "Completed service synchronization",
        1,
        Duration::from_secs(10)
    ));

    let have_python = std::path::Path::new("/usr/bin/python3").exists();
    if have_python {
        let mut args = vec!["python3", "-c", CPG_CLIENT];
        let sizes: Vec<String> = CPG_SIZES.iter().map(|s| s.to_string()).collect();
        args.extend(sizes.iter().map(String::as_str));
        let out = nodes[0].exec(&args);
        assert_eq!(
            out.code, 0,
            "cpg client failed: {}{}",
            out.stdout, out.stderr
        );
    } else {
        eprintln!("NOTE: python3 absent, CPG traffic not exercised");
    }
    // votequorum RECONFIGURE and cfg RELOAD_CONFIG.
    let out = nodes[0].exec(&["corosync-quorumtool", "-e", "2"]);
    assert_eq!(out.code, 0, "quorumtool: {}{}", out.stdout, out.stderr);
    let out = nodes[0].exec(&["corosync-cfgtool", "-R"]);
    assert_eq!(out.code, 0, "cfgtool -R: {}{}", out.stdout, out.stderr);
    // Let a few idle rotations pass, then a graceful stop of node 2 (LEAVE).
    std::thread::sleep(Duration::from_millis(300));
    nodes[1].stop();
    assert!(
        nodes[0].wait_log("Members[1]: 1", 1, Duration::from_secs(10)),
        "node 1 did not see node 2 leave"
    );
    nodes[0].stop();
    let packets = cap.finish().expect("capture");
    let ringid_file = base.join("n1/ringid_1");

    // 1. Every datagram is a Totem message that re-encodes byte for byte.
    let mut by_type: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut mcasts: BTreeMap<(RingId, u32), totem_wire::srp::Mcast> = BTreeMap::new();
    let mut leaves = 0;
    let mut max_ring_seq = 0u64;
    for d in &packets {
        let m = SrpMessage::decode(&d.payload)
            .unwrap_or_else(|e| panic!("undecodable datagram ({e}): {:02x?}", d.payload));
        assert_eq!(m.encode(), d.payload, "re-encoding differs for {m:?}");
        let name = match &m {
            SrpMessage::OrfToken(t) => {
                max_ring_seq = max_ring_seq.max(t.ring_id.seq);
                "orf_token"
            }
            SrpMessage::Mcast(m) => {
                if m.header.encapsulated == totem_wire::srp::MESSAGE_ENCAPSULATED {
                    let inner = m.inner().expect("encapsulated mcast");
                    assert_eq!(SrpMessage::Mcast(inner.clone()).encode(), m.payload);
                    "mcast (recovery)"
                } else {
                    mcasts.insert((m.ring_id, m.seq), m.clone());
                    "mcast"
                }
            }
            SrpMessage::MergeDetect(_) => "merge_detect",
            SrpMessage::MembJoin(j) => {
                if j.is_leave() {
                    leaves += 1;
                    "leave"
                } else {
                    "join"
                }
            }
            SrpMessage::CommitToken(c) => {
                max_ring_seq = max_ring_seq.max(c.ring_id.seq);
                "commit_token"
            }
            SrpMessage::TokenHoldCancel(_) => "token_hold_cancel",
        };
        *by_type.entry(name).or_default() += 1;
    }
    eprintln!("captured {} datagrams: {by_type:?}", packets.len());
    for t in ["orf_token", "mcast", "join", "commit_token", "leave"] {
        assert!(by_type.contains_key(t), "no {t} captured: {by_type:?}");
    }
    assert!(leaves >= 1);

    // The capture must have every MCAST of each ring (else reassembly below
    // would be meaningless).
    let mut per_ring: BTreeMap<RingId, Vec<u32>> = BTreeMap::new();
    for (rid, seq) in mcasts.keys() {
        per_ring.entry(*rid).or_default().push(*seq);
    }
    for (rid, seqs) in &per_ring {
        let missing = (1..=*seqs.last().unwrap_or(&0))
            .filter(|s| !seqs.contains(s))
            .count();
        assert_eq!(missing, 0, "capture lost {missing} MCASTs of ring {rid:?}");
    }

    // 2. totempg frames, reassembled per sender in ring order.
    let mut assembly: HashMap<u32, Vec<u8>> = HashMap::new();
    let mut messages: Vec<(u32, GroupMessage)> = Vec::new();
    let mut largest_frame = 0;
    for m in mcasts.values() {
        largest_frame = largest_frame.max(m.payload.len() + totem_wire::layout::MCAST_SIZE);
        let f = PgFrame::from_bytes(&m.payload, m.header.endian).expect("totempg frame");
        assert_eq!(f.to_bytes(m.header.endian), m.payload);
        let n = f.lens.len();
        let buf = assembly.entry(m.header.nodeid).or_default();
        for (i, piece) in f.pieces().enumerate() {
            if !(i == 0 && f.continuation != 0) {
                buf.clear();
            }
            buf.extend_from_slice(piece);
            let incomplete = i + 1 == n && f.fragmented != 0;
            if !incomplete {
                let g = GroupMessage::from_bytes(buf, m.header.endian).expect("group header");
                assert_eq!(&g.to_bytes(m.header.endian), buf);
                messages.push((m.header.nodeid, g));
                buf.clear();
            }
        }
    }
    // 3. Sync and service messages.
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut cpg_payloads = Vec::new();
    let mut partial = Vec::new();
    for (_, g) in &messages {
        let e = totem_wire::Endian::Little;
        if g.is_for(b"sync") {
            let s = SyncMessage::from_bytes(&g.body, e).expect("sync message");
            assert_eq!(s.to_bytes(e), g.body);
            *kinds
                .entry(match s {
                    SyncMessage::Barrier { .. } => "sync barrier".into(),
                    SyncMessage::ServiceBuild { .. } => "sync service_build".into(),
                })
                .or_default() += 1;
        } else {
            assert!(g.is_for(b"a"), "unknown group {:?}", g.groups);
            let f = ServiceFrame::from_bytes(&g.body, e).unwrap_or_else(|err| {
                panic!(
                    "service message ({err}): {:02x?}",
                    &g.body[..g.body.len().min(64)]
                )
            });
            assert_eq!(
                f.to_bytes(e),
                g.body,
                "service message re-encodes differently: {f:?}"
            );
            let s = f.message;
            match &s {
                ServiceMessage::CpgMcast(m) => cpg_payloads.push(m.data.clone()),
                // LIBCPG_PARTIAL_FIRST 1, _CONTINUED 2, _LAST 3.
                ServiceMessage::CpgPartialMcast(m) => {
                    if m.msg_type == 1 {
                        partial.clear();
                    }
                    partial.extend_from_slice(&m.fragment);
                    if m.msg_type == 3 {
                        assert_eq!(partial.len(), m.msglen as usize);
                        cpg_payloads.push(std::mem::take(&mut partial));
                    }
                }
                _ => {}
            }
            let name = format!("{s:?}");
            let name = name.split(['(', ' ', '{']).next().unwrap_or("").to_string();
            *kinds.entry(name).or_default() += 1;
        }
    }
    eprintln!(
        "largest frame {largest_frame} bytes; {} messages: {kinds:?}",
        messages.len()
    );
    for k in [
        "sync barrier",
        "sync service_build",
        "VqNodeInfo",
        "CpgDownlist",
    ] {
        assert!(kinds.contains_key(k), "no {k} seen: {kinds:?}");
    }
    assert!(
        kinds.contains_key("VqReconfigure"),
        "quorumtool -e sent nothing: {kinds:?}"
    );
    assert!(
        kinds.contains_key("CfgReloadConfig"),
        "cfgtool -R sent nothing: {kinds:?}"
    );
    if have_python {
        assert!(kinds.contains_key("CpgProcJoin") && kinds.contains_key("CpgProcLeave"));
        let want: Vec<Vec<u8>> = CPG_SIZES
            .iter()
            .map(|&n| (0..n).map(|i| (i % 251) as u8).collect())
            .collect();
        let lens = |v: &[Vec<u8>]| v.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(lens(&cpg_payloads), lens(&want), "CPG message sizes");
        assert!(cpg_payloads == want, "CPG payloads not reassembled intact");
    }
    // udpu frames stay within netmtu 1500.
    assert!(largest_frame <= 1500, "frame of {largest_frame} bytes");

    // 4. The ring id file holds the last ring seq as 8 host-order bytes.
    let stored = std::fs::read(&ringid_file).expect("ringid file");
    assert_eq!(stored.len(), 8);
    let stored = u64::from_ne_bytes(stored.try_into().expect("8 bytes"));
    assert_eq!(stored, max_ring_seq, "ringid_1 is not the last ring seq");
    let _ = std::fs::remove_dir_all(&base);
}
