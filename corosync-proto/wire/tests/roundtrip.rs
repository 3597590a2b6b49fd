//! Round-trip and robustness properties of the codecs.

use proptest::collection::vec;
use proptest::prelude::*;
use totem_wire::service::{
    CmapItem, CmapMcast, CpgDownlist, CpgJoinList, CpgJoinListEntry, CpgMcast, CpgName,
    CpgPartialMcast, CpgProcJoin, MarName, MessageSource, VqNodeInfo, VqReconfigure,
};
use totem_wire::*;

fn endian() -> impl Strategy<Value = Endian> {
    prop_oneof![Just(Endian::Little), Just(Endian::Big)]
}

fn ring_id() -> impl Strategy<Value = RingId> {
    (any::<u32>(), any::<u64>()).prop_map(|(rep, seq)| RingId { rep, seq })
}

fn header() -> impl Strategy<Value = Header> {
    (endian(), any::<u8>(), any::<u32>(), any::<u32>()).prop_map(
        |(endian, encapsulated, nodeid, target_nodeid)| Header {
            endian,
            encapsulated,
            nodeid,
            target_nodeid,
        },
    )
}

fn srp_message() -> impl Strategy<Value = SrpMessage> {
    prop_oneof![
        (
            header(),
            any::<[u32; 6]>(),
            ring_id(),
            any::<i32>(),
            vec((ring_id(), any::<u32>()), 0..30)
        )
            .prop_map(|(header, v, ring_id, retrans_flg, rtr)| {
                SrpMessage::OrfToken(OrfToken {
                    header,
                    seq: v[0],
                    token_seq: v[1],
                    aru: v[2],
                    aru_addr: v[3],
                    ring_id,
                    backlog: v[4],
                    fcc: v[5],
                    retrans_flg,
                    rtr_list: rtr
                        .into_iter()
                        .map(|(ring_id, seq)| RtrItem { ring_id, seq })
                        .collect(),
                })
            }),
        (
            header(),
            any::<[u32; 3]>(),
            any::<i32>(),
            any::<i32>(),
            ring_id(),
            vec(any::<u8>(), 0..200)
        )
            .prop_map(|(header, v, this_seqno, guarantee, ring_id, payload)| {
                SrpMessage::Mcast(srp::Mcast {
                    header,
                    system_from: v[0],
                    seq: v[1],
                    this_seqno,
                    ring_id,
                    node_id: v[2],
                    guarantee,
                    payload,
                })
            }),
        (header(), any::<u32>(), ring_id()).prop_map(|(header, system_from, ring_id)| {
            SrpMessage::MergeDetect(MergeDetect {
                header,
                system_from,
                ring_id,
            })
        }),
        (
            header(),
            any::<u32>(),
            vec(any::<u32>(), 0..20),
            vec(any::<u32>(), 0..20),
            any::<u64>()
        )
            .prop_map(|(header, system_from, proc_list, failed_list, ring_seq)| {
                SrpMessage::MembJoin(MembJoin {
                    header,
                    system_from,
                    proc_list,
                    failed_list,
                    ring_seq,
                })
            }),
        (
            header(),
            any::<u32>(),
            ring_id(),
            any::<u32>(),
            any::<i32>(),
            vec((any::<u32>(), ring_id(), any::<[u32; 3]>()), 0..20)
        )
            .prop_map(|(header, token_seq, ring_id, retrans_flg, memb_index, m)| {
                SrpMessage::CommitToken(CommitToken {
                    header,
                    token_seq,
                    ring_id,
                    retrans_flg,
                    memb_index,
                    addr: m.iter().map(|x| x.0).collect(),
                    memb_list: m
                        .iter()
                        .map(|(_, ring_id, v)| CommitMembEntry {
                            ring_id: *ring_id,
                            aru: v[0],
                            high_delivered: v[1],
                            received_flg: v[2],
                        })
                        .collect(),
                })
            }),
        (header(), ring_id()).prop_map(|(header, ring_id)| SrpMessage::TokenHoldCancel(
            TokenHoldCancel { header, ring_id }
        )),
    ]
}

fn cpg_name() -> impl Strategy<Value = CpgName> {
    (0u32..=128, any::<[u8; 32]>()).prop_map(|(length, head)| {
        let mut n = CpgName::new(&head);
        n.length = length;
        n
    })
}

fn service_message() -> impl Strategy<Value = ServiceMessage> {
    let src = (any::<u32>(), any::<u64>()).prop_map(|(nodeid, conn)| MessageSource {
        nodeid,
        pad: [0; 4],
        conn,
    });
    prop_oneof![
        (cpg_name(), any::<u32>(), any::<u32>()).prop_map(|(group_name, pid, reason)| {
            ServiceMessage::CpgProcJoin(CpgProcJoin {
                group_name,
                pid,
                reason,
            })
        }),
        (cpg_name(), any::<u32>(), any::<u32>()).prop_map(|(group_name, pid, reason)| {
            ServiceMessage::CpgProcLeave(CpgProcJoin {
                group_name,
                pid,
                reason,
            })
        }),
        (any::<i32>(), vec((any::<u32>(), cpg_name()), 0..5)).prop_map(|(error, e)| {
            ServiceMessage::CpgJoinList(CpgJoinList {
                error,
                entries: e
                    .into_iter()
                    .map(|(pid, group_name)| CpgJoinListEntry { pid, group_name })
                    .collect(),
            })
        }),
        (
            cpg_name(),
            any::<u32>(),
            src.clone(),
            vec(any::<u8>(), 0..300)
        )
            .prop_map(|(group_name, pid, source, data)| ServiceMessage::CpgMcast(
                CpgMcast {
                    group_name,
                    pid,
                    source,
                    data
                }
            )),
        (
            cpg_name(),
            any::<[u32; 3]>(),
            src.clone(),
            vec(any::<u8>(), 0..300)
        )
            .prop_map(|(group_name, v, source, fragment)| {
                ServiceMessage::CpgPartialMcast(CpgPartialMcast {
                    group_name,
                    msglen: v[0],
                    pid: v[1],
                    msg_type: v[2],
                    source,
                    fragment,
                })
            }),
        (any::<u32>(), any::<u32>(), vec(any::<u32>(), 384)).prop_map(
            |(old_members, left_nodes, nodeids)| ServiceMessage::CpgDownlist(CpgDownlist {
                old_members,
                left_nodes,
                nodeids
            })
        ),
        any::<[u32; 4]>().prop_map(|v| ServiceMessage::VqNodeInfo(VqNodeInfo {
            nodeid: v[0],
            votes: v[1],
            expected_votes: v[2],
            flags: v[3]
        })),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(nodeid, value, param)| {
            ServiceMessage::VqReconfigure(VqReconfigure {
                nodeid,
                value,
                param,
            })
        }),
        (
            any::<u8>(),
            vec(
                (
                    vec(any::<u8>(), 0..40),
                    any::<u8>(),
                    vec(any::<u8>(), 0..20)
                ),
                0..4
            )
        )
            .prop_map(|(reason, items)| ServiceMessage::CmapMcast(CmapMcast {
                reason,
                items: items
                    .into_iter()
                    .map(|(k, value_type, value)| CmapItem {
                        key_name: MarName::new(&k),
                        value_type,
                        value
                    })
                    .collect()
            })),
        src.clone().prop_map(ServiceMessage::CfgRingReenable),
        src.prop_map(ServiceMessage::CfgReloadConfig),
        Just(ServiceMessage::CfgShutdown),
        any::<u32>().prop_map(|phase| ServiceMessage::CfgCryptoReconfig { phase }),
        (any::<u32>(), vec(any::<u8>(), 0..50)).prop_map(|(nodeid, r)| {
            ServiceMessage::CfgKillNode {
                nodeid,
                reason: MarName::new(&r),
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn srp_encode_then_decode(m in srp_message()) {
        let bytes = m.encode();
        prop_assert_eq!(SrpMessage::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn srp_decode_arbitrary_bytes(bytes in vec(any::<u8>(), 0..200)) {
        if let Ok(m) = SrpMessage::decode(&bytes) {
            prop_assert_eq!(m.encode(), bytes);
        }
    }

    #[test]
    fn srp_decode_mutated_valid_bytes(m in srp_message(), flip in any::<(usize, u8)>(), cut in any::<usize>()) {
        let mut bytes = m.encode();
        let i = flip.0 % bytes.len();
        bytes[i] ^= flip.1;
        bytes.truncate(cut % (bytes.len() + 1));
        if let Ok(m) = SrpMessage::decode(&bytes) {
            prop_assert_eq!(m.encode(), bytes);
        }
    }

    #[test]
    fn pg_frame_roundtrip(e in endian(), frag in any::<u8>(), cont in any::<u8>(), pieces in vec(vec(any::<u8>(), 0..100), 0..10)) {
        let f = PgFrame {
            version: 0,
            msg_type: 0,
            fragmented: frag,
            continuation: cont,
            lens: pieces.iter().map(|p| p.len() as u16).collect(),
            data: pieces.concat(),
        };
        let bytes = f.to_bytes(e);
        let back = PgFrame::from_bytes(&bytes, e).unwrap();
        prop_assert_eq!(back.pieces().map(<[u8]>::to_vec).collect::<Vec<_>>(), pieces);
        prop_assert_eq!(back, f);
    }

    #[test]
    fn pg_and_group_decode_arbitrary(e in endian(), bytes in vec(any::<u8>(), 0..100)) {
        if let Ok(f) = PgFrame::from_bytes(&bytes, e) {
            prop_assert_eq!(f.to_bytes(e), bytes.clone());
        }
        if let Ok(g) = GroupMessage::from_bytes(&bytes, e) {
            prop_assert_eq!(g.to_bytes(e), bytes);
        }
    }

    #[test]
    fn service_roundtrip(e in endian(), m in service_message()) {
        let bytes = m.to_bytes(e);
        let back = ServiceMessage::from_bytes(&bytes, e).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes(e), bytes);
    }

    #[test]
    fn service_decode_arbitrary(e in endian(), m in service_message(), flip in any::<(usize, u8)>(), cut in any::<usize>()) {
        let mut bytes = m.to_bytes(e);
        let i = flip.0 % bytes.len();
        bytes[i] ^= flip.1;
        bytes.truncate(cut % (bytes.len() + 1));
        if let Ok(m2) = ServiceMessage::from_bytes(&bytes, e) {
            // Padding is normalised to zeros; the values survive.
            let again = m2.to_bytes(e);
            prop_assert_eq!(ServiceMessage::from_bytes(&again, e).unwrap(), m2);
        }
    }

    #[test]
    fn sync_roundtrip(e in endian(), rid in ring_id(), services in vec(any::<i32>(), 0..128), barrier in any::<bool>()) {
        let m = if barrier { SyncMessage::Barrier { ring_id: rid } } else { SyncMessage::ServiceBuild { ring_id: rid, services } };
        let bytes = m.to_bytes(e);
        prop_assert_eq!(bytes.len(), if barrier { 32 } else { 552 });
        prop_assert_eq!(SyncMessage::from_bytes(&bytes, e).unwrap(), m);
    }

    #[test]
    fn sync_decode_arbitrary(e in endian(), bytes in vec(any::<u8>(), 0..600)) {
        let _ = SyncMessage::from_bytes(&bytes, e);
        let _ = ServiceMessage::from_bytes(&bytes, e);
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// Ref: shared/notes/totem-and-corosync.md, "Real join [seen]" — a JOIN as
// captured from corosync 3.1.7 (node 11, alone, ring seq 1).
#[test]
fn captured_join_decodes_and_reencodes() {
    let b =
        hex("70c0 03 03 00 0b000000 00000000 0b000000 01000000 00000000 0100000000000000 0b000000");
    let m = SrpMessage::decode(&b).unwrap();
    let SrpMessage::MembJoin(j) = &m else {
        panic!("not a join: {m:?}")
    };
    assert_eq!(j.header.nodeid, 11);
    assert_eq!(j.system_from, 11);
    assert_eq!(j.proc_list, vec![11]);
    assert!(j.failed_list.is_empty());
    assert_eq!(j.ring_seq, 1);
    assert_eq!(m.encode(), b);
}

// Ref: shared/notes/totem-and-corosync.md, "Real idle token [seen]".
#[test]
fn captured_token_decodes_and_reencodes() {
    let b = hex("70c0 03 00 00 0b000000 0000000c 15000000 87000000 15000000 00000000 0b000000 0d00000000000000 00000000 00000000 00000000 00000000");
    let m = SrpMessage::decode(&b).unwrap();
    let SrpMessage::OrfToken(t) = &m else {
        panic!("not a token: {m:?}")
    };
    assert_eq!(
        (t.seq, t.token_seq, t.aru, t.aru_addr),
        (0x15, 0x87, 0x15, 0)
    );
    assert_eq!(t.ring_id, RingId { rep: 11, seq: 13 });
    assert!(t.rtr_list.is_empty());
    assert_eq!(m.encode(), b);
}

#[test]
fn big_endian_header_is_detected() {
    let mut j = MembJoin {
        header: Header::new(7),
        system_from: 7,
        proc_list: vec![7, 9],
        failed_list: vec![3],
        ring_seq: 40,
    };
    j.header.endian = Endian::Big;
    let b = SrpMessage::MembJoin(j.clone()).encode();
    assert_eq!(&b[..2], &[0xc0, 0x70]);
    assert_eq!(&b[5..9], &[0, 0, 0, 7]);
    assert_eq!(SrpMessage::decode(&b).unwrap(), SrpMessage::MembJoin(j));
}

#[test]
fn bad_headers_are_errors() {
    assert!(matches!(
        SrpMessage::decode(&[0xff, 0xff, 3, 0]),
        Err(WireError::BadMagic(0xffff))
    ));
    assert!(matches!(
        SrpMessage::decode(&hex("70c0 02 00 00 00000000 00000000")),
        Err(WireError::BadVersion(2))
    ));
    assert!(matches!(
        SrpMessage::decode(&hex("70c0 03 09 00 00000000 00000000")),
        Err(WireError::UnknownMessageType(9))
    ));
    // A join announcing more entries than present.
    let b = hex("70c0 03 03 00 0b000000 00000000 0b000000 ffffffff 00000000 0100000000000000");
    assert!(matches!(
        SrpMessage::decode(&b),
        Err(WireError::BadCount { .. })
    ));
}

#[test]
fn recovery_mcast_exposes_inner_message() {
    let inner = srp::Mcast {
        header: Header {
            encapsulated: srp::MESSAGE_NOT_ENCAPSULATED,
            ..Header::new(2)
        },
        system_from: 2,
        seq: 5,
        this_seqno: 9,
        ring_id: RingId { rep: 1, seq: 8 },
        node_id: 0,
        guarantee: 0,
        payload: vec![1, 2, 3],
    };
    let outer = srp::Mcast {
        header: Header {
            encapsulated: srp::MESSAGE_ENCAPSULATED,
            ..Header::new(1)
        },
        system_from: 1,
        seq: 1,
        this_seqno: 0,
        ring_id: RingId { rep: 1, seq: 12 },
        node_id: 0,
        guarantee: 0,
        payload: SrpMessage::Mcast(inner.clone()).encode(),
    };
    assert_eq!(outer.inner().unwrap(), inner);
    assert_eq!(
        SrpMessage::Mcast(outer).encode().len(),
        2 * layout::MCAST_SIZE + 3
    );
}

#[test]
fn sizes_of_fixed_messages_match_layout() {
    let h = Header::new(1);
    let rid = RingId::default();
    let sizes = [
        (
            SrpMessage::MergeDetect(MergeDetect {
                header: h,
                system_from: 1,
                ring_id: rid,
            })
            .encode()
            .len(),
            layout::MERGE_DETECT_SIZE,
        ),
        (
            SrpMessage::TokenHoldCancel(TokenHoldCancel {
                header: h,
                ring_id: rid,
            })
            .encode()
            .len(),
            layout::TOKEN_HOLD_CANCEL_SIZE,
        ),
        (
            ServiceMessage::VqNodeInfo(VqNodeInfo::default())
                .to_bytes(Endian::Little)
                .len(),
            layout::VQ_NODEINFO_SIZE,
        ),
        (
            ServiceMessage::CfgKillNode {
                nodeid: 1,
                reason: MarName::new(b"x"),
            }
            .to_bytes(Endian::Little)
            .len(),
            layout::CFG_KILLNODE_SIZE,
        ),
    ];
    for (got, want) in sizes {
        assert_eq!(got, want);
    }
}
