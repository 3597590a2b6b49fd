//! Our Totem as a member of a real corosync 3.1.7 ring.
//!
//! Node 1 is the reference corosync (udpu, no crypto) in one network
//! namespace; node 2 is our sans-IO Totem driven over a UDP socket in
//! another. The ring must form with both members on both sides, the
//! reference must complete service synchronisation (our node answers the
//! sync barriers), messages must flow both ways in agreed order, and our
//! graceful LEAVE must be seen by the reference as a leave.
// Ref: totemsrp.c, totempg.c, sync.c (v3.1.7)

mod totem_lab;

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atrium_tests::skip;
use corosync_config::{parse, LocalHost, NoIds, TotemConfig};
use totem::{ConfChgKind, Destination, SrpConfig, Totem, TotemEvent};
use totem_lab::{addr, udpu_conf, Corosync, Net};

#[derive(Default)]
struct Seen {
    regular: Vec<Vec<u32>>,
    sync_done: usize,
    delivered: Vec<(u32, Vec<u8>)>,
    errors: usize,
}

#[test]
fn our_totem_joins_a_reference_ring() {
    if let Some(why) = totem_lab::unavailable() {
        skip!("{why}");
    }
    let net = Net::new(2).expect("namespaces");
    let base = std::env::temp_dir().join(format!("atrium-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let dir1 = base.join("n1");
    let conf = udpu_conf(net.net, 2, &dir1, "    token: 1000\n", "");
    let map = parse(&conf, "corosync.conf", &NoIds).expect("parse");
    let host = LocalHost {
        hostname: String::new(),
        addrs: vec![addr(net.net, 2).parse().expect("ip")],
    };
    let tc = TotemConfig::from_map(&map, &host).expect("derive");
    assert_eq!(tc.nodeid, 2);
    let peers: Vec<(u32, SocketAddr)> = tc
        .nodes
        .iter()
        .map(|n| {
            (
                n.nodeid,
                format!("{}:5405", n.addrs[&0]).parse().expect("addr"),
            )
        })
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let leave = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let nsfile = std::fs::File::open(format!("/run/netns/{}", net.names[1])).expect("netns");
    let (s2, l2, seen2) = (stop.clone(), leave.clone(), seen.clone());
    let timers = tc.timers.clone();
    let me: SocketAddr = format!("{}:5405", addr(net.net, 2)).parse().expect("addr");
    let driver = std::thread::spawn(move || {
        nix::sched::setns(&nsfile, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let sock = UdpSocket::bind(me).expect("bind 5405");
        let mut cfg = SrpConfig::with_defaults(2, 2);
        cfg.timers = timers;
        let start = Instant::now();
        let mut t = Totem::new(cfg, start, None, vec![]);
        let mut sent = 0u32;
        let mut buf = vec![0u8; 70000];
        let mut left = false;
        while !s2.load(Ordering::SeqCst) {
            // Transmit.
            while let Some(tx) = t.poll_transmit() {
                let dests: Vec<SocketAddr> = match tx.dest {
                    Destination::All => peers.iter().map(|p| p.1).collect(),
                    Destination::Node(n) => {
                        peers.iter().filter(|p| p.0 == n).map(|p| p.1).collect()
                    }
                };
                for d in dests {
                    let _ = sock.send_to(&tx.bytes, d);
                }
            }
            if left {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            while let Some(ev) = t.poll_event() {
                let mut s = seen2.lock().expect("lock");
                match ev {
                    TotemEvent::ConfChg {
                        kind: ConfChgKind::Regular,
                        members,
                        ..
                    } => s.regular.push(members),
                    TotemEvent::Sync(totem::sync::SyncAction::Completed) => s.sync_done += 1,
                    TotemEvent::Deliver { nodeid, body, .. } => s.delivered.push((nodeid, body)),
                    _ => {}
                }
            }
            // Once synchronised, send a few CPG-free messages of our own
            // (group "atrium": the reference has no such group and drops
            // them, but they must be ordered by it like any other).
            if seen2.lock().expect("lock").sync_done > 0 && sent < 5 {
                let body = format!("atrium-{sent}").into_bytes();
                if t.mcast(b"atrium", &[&body]).is_ok() {
                    sent += 1;
                }
            }
            if l2.load(Ordering::SeqCst) {
                t.leave();
                left = true;
                continue;
            }
            let now = Instant::now();
            let wait = t
                .poll_timeout()
                .map(|d| d.saturating_duration_since(now))
                .unwrap_or(Duration::from_millis(50))
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            sock.set_read_timeout(Some(wait)).expect("timeout");
            match sock.recv_from(&mut buf) {
                Ok((n, _)) => {
                    if t.handle_packet(Instant::now(), &buf[..n]).is_err() {
                        seen2.lock().expect("lock").errors += 1;
                    }
                }
                Err(_) => t.handle_timeout(Instant::now()),
            }
            t.handle_timeout(Instant::now());
        }
    });

    let mut real = Corosync::start(&net.names[0], &dir1, &conf).expect("start corosync");
    let joined = real.wait_log("Members[2]: 1 2", 1, Duration::from_secs(20));
    let synced = joined
        && real.wait_log(
            "Completed service synchronization",
            2,
            Duration::from_secs(10),
        );
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let s = seen.lock().expect("lock");
        if s.regular.last() == Some(&vec![1, 2]) && s.sync_done > 0 && s.delivered.len() >= 5 {
            break;
        }
        drop(s);
        std::thread::sleep(Duration::from_millis(50));
    }
    // The reference's members list, from its own cmap.
    let members = real.cmap("runtime.members.");
    leave.store(true, Ordering::SeqCst);
    let left_seen = real.wait_log("Members[1]: 1", 1, Duration::from_secs(10));
    stop.store(true, Ordering::SeqCst);
    driver.join().expect("driver thread");
    real.stop();
    let log = real.log();
    let s = seen.lock().expect("lock");
    eprintln!(
        "ours: regular confchgs {:?}, sync completions {}, delivered {} (errors {}); reference joined={joined} synced={synced} leave_seen={left_seen}",
        s.regular,
        s.sync_done,
        s.delivered.len(),
        s.errors
    );
    assert!(joined, "the reference never saw a 2-node ring:\n{log}");
    assert_eq!(
        s.regular.last(),
        Some(&vec![1, 2]),
        "our node never installed the ring"
    );
    assert!(
        synced,
        "the reference did not complete synchronisation with us:\n{log}"
    );
    assert!(s.sync_done > 0, "our sync engine never completed");
    assert!(
        members
            .iter()
            .any(|(k, _, v)| k.contains(".2.") && k.ends_with("status") && v == "joined"),
        "the reference's cmap does not list node 2 as joined: {members:?}"
    );
    // Our own messages come back in agreed order.
    let ours: Vec<&Vec<u8>> = s
        .delivered
        .iter()
        .filter(|d| d.0 == 2)
        .map(|d| &d.1)
        .collect();
    let want: Vec<Vec<u8>> = (0..5).map(|i| format!("atrium-{i}").into_bytes()).collect();
    assert_eq!(ours, want.iter().collect::<Vec<_>>());
    assert!(left_seen, "the reference did not see our LEAVE:\n{log}");
    assert!(
        !log.contains("failed: 2"),
        "our leave was taken for a failure:\n{log}"
    );
    let _ = std::fs::remove_dir_all(&base);
}
