//! Every decoder against random and mutated input: errors, never panics.

use crate::corosync::{cmap, cpg, quorum, votequorum};
use crate::{cib, cpg_msg, ipc};

/// xorshift64*, seeded: the same bytes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn decode_all(b: &[u8]) {
    let _ = ipc::header::decode(b);
    if let Ok(d) = ipc::header::decode(b) {
        let _ = d.xml().map(cib::message::CibEvent::classify);
    }
    let _ = cpg_msg::decode(b);
    let _ = cpg::Dispatcher::new().feed(b);
    let _ = cpg::codec::membership_get_response(b);
    let _ = cmap::codec::notification(b);
    let _ = cmap::codec::get_response(b);
    let _ = cmap::codec::iter_next_response(b);
    let _ = quorum::decode_event(b);
    let _ = votequorum::decode_event(b);
    let _ = votequorum::decode_info(b);
}

fn seeds() -> Vec<Vec<u8>> {
    let g = cpg::pacemaker_group("cib");
    let a = cpg::CpgAddress {
        nodeid: 1,
        pid: 2,
        reason: 1,
    };
    vec![
        ipc::header::Prepared::new(1, "<cib-reply t=\"cib\" cib_callid=\"2\" cib_rc=\"0\"><cib_calldata><cib/></cib_calldata></cib-reply>", 0, 0)
            .unwrap()
            .to_bytes(),
        ipc::header::Prepared::new(1, &format!("<r>{}</r>", "<x/>".repeat(6_000)), 20_000, 0)
            .unwrap()
            .to_bytes(),
        cpg_msg::encode(&cpg_msg::Outgoing {
            seq: 1,
            to: Some((2, Some("n2"))),
            dest: cpg_msg::MsgType::CIB,
            sender_type: cpg_msg::MsgType::CIB,
            sender_pid: 1,
            sender_uname: "n1",
            data: "<ping/>",
        }),
        cpg_msg::encode(&cpg_msg::Outgoing {
            seq: 1,
            to: None,
            dest: cpg_msg::MsgType::CRMD,
            sender_type: cpg_msg::MsgType::CRMD,
            sender_pid: 1,
            sender_uname: "n1",
            data: &format!("<r>{}</r>", "<y/>".repeat(40_000)),
        }),
        cpg::codec::deliver_callback(&g, 1, 2, b"hello").unwrap(),
        cpg::codec::confchg_callback(&g, &[a, a], &[a], &[a]).unwrap(),
        cpg::codec::partial_deliver_callback(&g, 1, 2, 10, cpg::partial::FIRST, b"abc").unwrap(),
    ]
}

#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..1000 {
        let n = r.below(1200);
        let b: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
        decode_all(&b);
    }
}

#[test]
fn mutated_messages_never_panic() {
    let mut r = Rng(42);
    for (k, seed) in seeds().into_iter().enumerate() {
        decode_all(&seed);
        // Fewer rounds for the 160 KB compressed envelope (slow to decode).
        let rounds = if k == 3 { 20 } else { 200 };
        for _ in 0..rounds {
            let mut b = seed.clone();
            match r.below(3) {
                0 => {
                    // Flip a few bytes, favouring the headers.
                    for _ in 0..1 + r.below(4) {
                        let i = r.below(b.len().min(700));
                        b[i] = r.next() as u8;
                    }
                }
                1 => b.truncate(r.below(b.len())),
                _ => {
                    // Plant a size field: all ones or a huge value.
                    let i = r.below(b.len().min(600) / 4) * 4;
                    let v = if r.below(2) == 0 {
                        u32::MAX
                    } else {
                        r.next() as u32
                    };
                    b[i..i + 4].copy_from_slice(&v.to_ne_bytes());
                }
            }
            decode_all(&b);
        }
    }
}
