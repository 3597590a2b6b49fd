//! Deterministic simulation: N Totem nodes in one process on a virtual
//! clock, a seeded network that delays, drops and partitions, and checks of
//! the properties Totem promises — agreed total order, virtual synchrony,
//! no duplicates, membership agreement — plus a replay of every scenario
//! with the same seed that must produce the same trace.
// Ref: totemsrp.c (membership and ordering), totempg.c (fragmentation)

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::time::{Duration, Instant};

use corosync_config::{totem::volatile_config, ConfigMap, Value};
use totem::{ConfChgKind, Destination, SrpConfig, Totem, TotemEvent};
use totem_wire::RingId;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rec {
    Deliver(u32, Vec<u8>),
    Conf(ConfChgKind, RingId, Vec<u32>),
    SyncDone(RingId),
}

struct Packet {
    to: u32,
    bytes: Vec<u8>,
}

struct Sim {
    base: Instant,
    now: Duration,
    rng: Rng,
    ids: Vec<u32>,
    nodes: BTreeMap<u32, Option<Totem>>,
    stored: BTreeMap<u32, u64>,
    ring: BTreeMap<u32, RingId>,
    log: BTreeMap<u32, Vec<Rec>>,
    net: BinaryHeap<Reverse<(Duration, u64)>>,
    packets: BTreeMap<u64, Packet>,
    pkt_seq: u64,
    /// Reachability groups; nodes in different groups cannot talk.
    group: BTreeMap<u32, u32>,
    drop_per_mille: u64,
    trace: Vec<String>,
    token: u32,
}

impl Sim {
    fn new(seed: u64, n: u32, token: u32) -> Sim {
        let ids: Vec<u32> = (1..=n).collect();
        let mut s = Sim {
            base: Instant::now(),
            now: Duration::ZERO,
            rng: Rng(seed),
            ids: ids.clone(),
            nodes: BTreeMap::new(),
            stored: BTreeMap::new(),
            ring: BTreeMap::new(),
            log: BTreeMap::new(),
            net: BinaryHeap::new(),
            packets: BTreeMap::new(),
            pkt_seq: 0,
            group: ids.iter().map(|&i| (i, 0)).collect(),
            drop_per_mille: 0,
            trace: Vec::new(),
            token,
        };
        for id in ids {
            s.start(id);
        }
        s
    }

    fn cfg(&self, id: u32) -> SrpConfig {
        let mut map = ConfigMap::new();
        map.insert("totem.token".into(), Value::U32(self.token));
        let mut c = SrpConfig::with_defaults(id, self.ids.len());
        c.timers = volatile_config(&map, self.ids.len());
        c
    }

    fn at(&self) -> Instant {
        self.base + self.now
    }

    fn start(&mut self, id: u32) {
        let t = Totem::new(
            self.cfg(id),
            self.at(),
            self.stored.get(&id).copied(),
            vec![0, 2, 3, 5],
        );
        self.nodes.insert(id, Some(t));
        self.log.entry(id).or_default();
        self.drain(id);
    }

    fn crash(&mut self, id: u32) {
        self.nodes.insert(id, None);
        self.trace.push(format!("{:?} crash {id}", self.now));
    }

    fn leave(&mut self, id: u32) {
        if let Some(Some(t)) = self.nodes.get_mut(&id) {
            t.leave();
        }
        self.drain(id);
        self.nodes.insert(id, None);
        self.trace.push(format!("{:?} leave {id}", self.now));
    }

    fn partition(&mut self, groups: &[&[u32]]) {
        for (g, members) in groups.iter().enumerate() {
            for m in *members {
                self.group.insert(*m, g as u32);
            }
        }
        self.trace
            .push(format!("{:?} partition {groups:?}", self.now));
    }

    fn heal(&mut self) {
        for g in self.group.values_mut() {
            *g = 0;
        }
        self.trace.push(format!("{:?} heal", self.now));
    }

    fn send(&mut self, id: u32, body: Vec<u8>) -> bool {
        let Some(Some(t)) = self.nodes.get_mut(&id) else {
            return false;
        };
        let ok = t.mcast(b"a", &[&body]).is_ok();
        self.drain(id);
        ok
    }

    fn drain(&mut self, id: u32) {
        let Some(Some(t)) = self.nodes.get_mut(&id) else {
            return;
        };
        let mut txs = Vec::new();
        while let Some(tx) = t.poll_transmit() {
            txs.push(tx);
        }
        let mut evs = Vec::new();
        while let Some(ev) = t.poll_event() {
            evs.push(ev);
        }
        let mut process_done = Vec::new();
        for ev in evs {
            let rec = match ev {
                TotemEvent::Deliver { nodeid, body, .. } => Some(Rec::Deliver(nodeid, body)),
                TotemEvent::ConfChg {
                    kind,
                    members,
                    ring_id,
                    ..
                } => {
                    if kind == ConfChgKind::Regular {
                        self.ring.insert(id, ring_id);
                    }
                    Some(Rec::Conf(kind, ring_id, members))
                }
                TotemEvent::StoreRingId(r) => {
                    self.stored.insert(id, r.seq);
                    None
                }
                TotemEvent::Sync(totem::sync::SyncAction::Process(s)) => {
                    process_done.push(s);
                    None
                }
                TotemEvent::Sync(totem::sync::SyncAction::Completed) => Some(Rec::SyncDone(
                    self.ring.get(&id).copied().unwrap_or_default(),
                )),
                TotemEvent::Sync(_) | TotemEvent::Gather(_) | TotemEvent::Formed { .. } => None,
            };
            if let Some(r) = rec {
                self.trace
                    .push(format!("{:?} n{id} {:?}", self.now, short(&r)));
                self.log.entry(id).or_default().push(r);
            }
        }
        for tx in txs {
            let dests: Vec<u32> = match tx.dest {
                Destination::All => self.ids.clone(),
                Destination::Node(n) => vec![n],
            };
            for to in dests {
                if self.group.get(&id) != self.group.get(&to) {
                    continue;
                }
                if to != id && self.rng.chance(self.drop_per_mille) {
                    continue;
                }
                let delay = if to == id {
                    Duration::from_micros(20)
                } else {
                    Duration::from_micros(200 + self.rng.below(800))
                };
                self.pkt_seq += 1;
                self.packets.insert(
                    self.pkt_seq,
                    Packet {
                        to,
                        bytes: tx.bytes.clone(),
                    },
                );
                self.net.push(Reverse((self.now + delay, self.pkt_seq)));
            }
        }
        for s in process_done {
            if let Some(Some(t)) = self.nodes.get_mut(&id) {
                t.sync_process_done(s);
            }
            self.drain(id);
        }
    }

    /// Advance to `until`, processing packets and timers in time order.
    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            let next_pkt = self.net.peek().map(|r| r.0 .0);
            let next_timer = self
                .nodes
                .iter()
                .filter_map(|(id, n)| {
                    n.as_ref()
                        .and_then(|t| t.poll_timeout())
                        .map(|t| (t - self.base, *id))
                })
                .min();
            let next = [next_pkt, next_timer.map(|t| t.0)]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next.filter(|&t| t <= until) else {
                break;
            };
            self.now = self.now.max(next);
            if next_pkt == Some(next) {
                let Reverse((_, k)) = self.net.pop().expect("peeked");
                let p = self.packets.remove(&k).expect("packet stored");
                if let Some(Some(t)) = self.nodes.get_mut(&p.to) {
                    t.handle_packet(self.base + self.now, &p.bytes)
                        .expect("our own packets decode");
                    self.drain(p.to);
                }
            } else if let Some((_, id)) = next_timer {
                if let Some(Some(t)) = self.nodes.get_mut(&id) {
                    t.handle_timeout(self.base + self.now);
                }
                self.drain(id);
            }
        }
        self.now = until;
    }

    fn alive(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.is_some())
            .map(|(id, _)| *id)
            .collect()
    }

    /// Latest regular membership seen by `id`.
    fn membership(&self, id: u32) -> Option<(RingId, Vec<u32>)> {
        self.log[&id].iter().rev().find_map(|r| match r {
            Rec::Conf(ConfChgKind::Regular, ring, m) => Some((*ring, m.clone())),
            _ => None,
        })
    }

    fn delivered(&self, id: u32) -> Vec<Vec<u8>> {
        self.log[&id]
            .iter()
            .filter_map(|r| match r {
                Rec::Deliver(_, b) => Some(b.clone()),
                _ => None,
            })
            .collect()
    }

    /// Agreed order, no duplicates, virtual synchrony.
    fn check_invariants(&self) {
        for id in &self.ids {
            let d = self.delivered(*id);
            let set: BTreeSet<&Vec<u8>> = d.iter().collect();
            assert_eq!(set.len(), d.len(), "node {id} delivered a message twice");
        }
        for a in &self.ids {
            for b in &self.ids {
                if a >= b {
                    continue;
                }
                let da = self.delivered(*a);
                let db = self.delivered(*b);
                let pos_b: BTreeMap<&Vec<u8>, usize> =
                    db.iter().enumerate().map(|(i, m)| (m, i)).collect();
                let common: Vec<usize> = da.iter().filter_map(|m| pos_b.get(m).copied()).collect();
                assert!(
                    common.windows(2).all(|w| w[0] < w[1]),
                    "nodes {a} and {b} delivered common messages in different orders"
                );
                // Virtual synchrony: same regular ring followed by the same
                // next transitional ring ⇒ same messages in between.
                for (ring, ma) in self.epochs(*a) {
                    if let Some(mb) = self.epochs(*b).get(&ring) {
                        if ma.0 == mb.0 {
                            assert_eq!(ma.1, mb.1, "nodes {a} and {b} differ in ring {ring:?}");
                        }
                    }
                }
            }
        }
    }

    /// For each regular ring a node installed: (next ring, messages delivered
    /// while in it, transitional delivery included).
    fn epochs(&self, id: u32) -> BTreeMap<RingId, (Option<RingId>, Vec<Vec<u8>>)> {
        let mut out = BTreeMap::new();
        let mut cur: Option<(RingId, Vec<Vec<u8>>)> = None;
        for r in &self.log[&id] {
            match r {
                Rec::Conf(ConfChgKind::Regular, ring, _) => {
                    if let Some((old, msgs)) = cur.take() {
                        out.insert(old, (Some(*ring), msgs));
                    }
                    cur = Some((*ring, Vec::new()));
                }
                Rec::Deliver(_, b) => {
                    if let Some((_, msgs)) = cur.as_mut() {
                        msgs.push(b.clone());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn short(r: &Rec) -> String {
    match r {
        Rec::Deliver(n, b) => format!(
            "deliver from {n} {} bytes {:02x?}",
            b.len(),
            &b[..b.len().min(6)]
        ),
        Rec::Conf(k, ring, m) => format!("{k:?} {}.{} {m:?}", ring.rep, ring.seq),
        Rec::SyncDone(r) => format!("sync done {}.{}", r.rep, r.seq),
    }
}

fn msg(sender: u32, i: u32, big: bool) -> Vec<u8> {
    let mut v = format!("m{sender}-{i}-").into_bytes();
    if big {
        v.extend((0..6000u32).map(|k| (k * 7 + i) as u8));
    }
    v
}

fn assert_one_ring(sim: &Sim, expect: &[u32]) {
    let rings: BTreeSet<(RingId, Vec<u32>)> = expect
        .iter()
        .map(|&id| {
            sim.membership(id)
                .unwrap_or_else(|| panic!("node {id} has no ring"))
        })
        .collect();
    assert_eq!(
        rings.len(),
        1,
        "nodes disagree on the membership: {rings:?}"
    );
    let (_, members) = rings.into_iter().next().expect("one ring");
    assert_eq!(members, expect, "membership");
}

type Scenario = fn(u64) -> Sim;

fn run_twice(name: &str, seed: u64, f: Scenario) -> Sim {
    let a = f(seed);
    let b = f(seed);
    assert!(
        a.trace == b.trace,
        "{name}: seed {seed} is not deterministic ({} vs {} trace lines)",
        a.trace.len(),
        b.trace.len()
    );
    a.check_invariants();
    a
}

fn form_and_send(seed: u64) -> Sim {
    let mut sim = Sim::new(seed, 3, 1000);
    sim.run_for(Duration::from_secs(3));
    for i in 0..40 {
        for id in 1..=3 {
            assert!(sim.send(id, msg(id, i, i % 10 == 3)), "queue full");
        }
        sim.run_for(Duration::from_millis(7));
    }
    sim.run_for(Duration::from_secs(2));
    sim
}

#[test]
fn three_nodes_form_a_ring_and_agree_on_order() {
    for seed in [1, 2, 3] {
        let sim = run_twice("form_and_send", seed, form_and_send);
        assert_one_ring(&sim, &[1, 2, 3]);
        for id in 1..=3 {
            assert_eq!(
                sim.delivered(id).len(),
                120,
                "seed {seed}: node {id} missed messages"
            );
            assert!(
                sim.log[&id].iter().any(|r| matches!(r, Rec::SyncDone(_))),
                "sync never completed"
            );
        }
        // A ring id file was written with the ring's sequence.
        let (ring, _) = sim.membership(1).expect("ring");
        assert_eq!(sim.stored[&1], ring.seq);
        assert_eq!(ring.rep, 1, "the lowest node id is the representative");
    }
}

fn lossy(seed: u64) -> Sim {
    let mut sim = Sim::new(seed, 5, 1000);
    sim.run_for(Duration::from_secs(4));
    sim.drop_per_mille = 50;
    for i in 0..30 {
        for id in 1..=5 {
            sim.send(id, msg(id, i, i % 7 == 0));
        }
        sim.run_for(Duration::from_millis(10));
    }
    sim.run_for(Duration::from_secs(2));
    sim.drop_per_mille = 0;
    sim.run_for(Duration::from_secs(10));
    sim
}

#[test]
fn five_nodes_with_five_percent_loss_keep_order_and_recover() {
    for seed in [11, 12] {
        let sim = run_twice("lossy", seed, lossy);
        assert_one_ring(&sim, &[1, 2, 3, 4, 5]);
    }
}

fn partition_and_heal(seed: u64) -> Sim {
    let mut sim = Sim::new(seed, 5, 1000);
    sim.run_for(Duration::from_secs(4));
    for i in 0..10 {
        for id in 1..=5 {
            sim.send(id, msg(id, i, false));
        }
        sim.run_for(Duration::from_millis(5));
    }
    sim.partition(&[&[1, 2], &[3, 4, 5]]);
    for i in 10..20 {
        for id in 1..=5 {
            sim.send(id, msg(id, i, i == 15));
        }
        sim.run_for(Duration::from_millis(5));
    }
    // token 1000 + 3 x 650 = 2950 ms, consensus 3540 ms.
    sim.run_for(Duration::from_secs(10));
    let a = sim.membership(1).expect("ring").1;
    let b = sim.membership(3).expect("ring").1;
    assert_eq!(
        (a, b),
        (vec![1, 2], vec![3, 4, 5]),
        "seed {seed}: partitions"
    );
    sim.heal();
    sim.run_for(Duration::from_secs(6));
    for i in 20..25 {
        for id in 1..=5 {
            sim.send(id, msg(id, i, false));
        }
        sim.run_for(Duration::from_millis(5));
    }
    sim.run_for(Duration::from_secs(2));
    sim
}

#[test]
fn partitions_split_then_merge_back() {
    for seed in [21, 22] {
        let sim = run_twice("partition_and_heal", seed, partition_and_heal);
        assert_one_ring(&sim, &[1, 2, 3, 4, 5]);
        // Messages sent after the merge reach everyone.
        for id in 1..=5 {
            let d = sim.delivered(id);
            for s in 1..=5 {
                for i in 20..25 {
                    assert!(
                        d.contains(&msg(s, i, false)),
                        "seed {seed}: node {id} lacks m{s}-{i}"
                    );
                }
            }
        }
    }
}

fn crash_and_leave(seed: u64) -> Sim {
    let mut sim = Sim::new(seed, 4, 1000);
    sim.run_for(Duration::from_secs(4));
    sim.crash(4);
    // token 1000 + 2 x 650 = 2300 ms, consensus 2760 ms.
    sim.run_for(Duration::from_secs(8));
    sim.leave(3);
    sim.run_for(Duration::from_millis(800));
    sim
}

#[test]
fn crash_is_detected_by_token_loss_and_leave_is_fast() {
    let sim = run_twice("crash_and_leave", 31, crash_and_leave);
    assert_one_ring(&sim, &[1, 2]);
    assert_eq!(sim.alive(), vec![1, 2]);
}
