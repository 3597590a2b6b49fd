//! Engine tests: inputs in, the exact commands out.
// Ref: daemons/based/based_callbacks.c cib_process_request,
// cib_process_command; based_messages.c sync_our_cib, cib_process_ping

use super::*;
use pcmk_msg::cib::{call_options as opt, op};

const NOW: Now = Now {
    secs: 1_700_000_000,
    utc_offset: 0,
};

fn cfg(stand_alone: bool) -> EngineConfig {
    let mut c = EngineConfig::new(if stand_alone { "localhost" } else { "n1" });
    c.stand_alone = stand_alone;
    c
}

fn engine(stand_alone: bool) -> Engine {
    let mut e = Engine::new(cfg(stand_alone), pcmk_cib::sections::empty_cib(1), 0);
    e.start(NOW);
    let cmds = e.take_commands();
    assert!(matches!(cmds.as_slice(), [Command::Write { seq: 1, .. }]));
    e.handle(
        NOW,
        Input::Written {
            seq: 1,
            outcome: WriteOutcome::Written,
        },
    );
    assert!(e.take_commands().is_empty());
    e
}

fn connect(e: &mut Engine, id: ClientId, service: Service) {
    e.handle(
        NOW,
        Input::Connected {
            client: id,
            info: ClientInfo {
                uuid: format!("uuid-{id}"),
                pid: 100 + id as u32,
                uid: 0,
                user: Some("root".into()),
                service,
            },
        },
    );
}

fn request(op: &str, section: Option<&str>, data: Option<&str>, options: u32) -> Element {
    let d = data.map(|d| pcmk_xml::parse(d).expect("test XML"));
    let mut r = pcmk_msg::cib::CibRequest::new(op).options(options);
    if let Some(s) = section {
        r = r.section(s);
    }
    if let Some(d) = d.as_ref() {
        r = r.data(d);
    }
    let mut x = r.to_xml(7, "tok", None).expect("request");
    x.set_attr(field::CLIENTNAME, "test");
    x
}

fn send(e: &mut Engine, client: ClientId, xml: Element) -> Vec<Command> {
    e.handle(
        NOW,
        Input::Request {
            client,
            id: 3,
            flags: 0,
            xml,
        },
    );
    e.take_commands()
}

fn rc_of(x: &Element) -> i64 {
    int_attr(x, field::RC).expect("cib_rc")
}

const SET: &str =
    r#"<cluster_property_set id="s"><nvpair id="s-a" name="a" value="1"/></cluster_property_set>"#;

#[test]
fn stand_alone_write_is_acknowledged_once_on_disk() {
    let mut e = engine(true);
    connect(&mut e, 1, Service::ReadWrite);
    let cmds = send(
        &mut e,
        1,
        request(op::CREATE, Some("crm_config"), Some(SET), 0),
    );
    // The write first; the reply waits for it.
    let [Command::Write { seq: 2, cib }, Command::Arm { .. }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(cib.attr("epoch"), Some("2"));
    assert_eq!(e.cib().attr("epoch"), Some("2"));
    // A query from the same client is queued behind it.
    assert!(send(&mut e, 1, request(op::QUERY, Some("crm_config"), None, 0)).is_empty());
    e.handle(
        NOW,
        Input::Written {
            seq: 2,
            outcome: WriteOutcome::Written,
        },
    );
    let cmds = e.take_commands();
    let [Command::Event { client: 1, xml: r1 }, Command::Event { client: 1, xml: r2 }] =
        cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(
        (r1.attr(field::OPERATION), rc_of(r1)),
        (Some(op::CREATE), 0)
    );
    assert_eq!(r2.attr(field::OPERATION), Some(op::QUERY));
    assert!(r2
        .to_unformatted()
        .contains(r#"<nvpair id="s-a" name="a" value="1"/>"#));
}

#[test]
fn read_only_clients_cannot_write_and_sync_calls_reply_on_the_response_ring() {
    let mut e = engine(true);
    connect(&mut e, 1, Service::ReadOnly);
    let cmds = send(
        &mut e,
        1,
        request(op::MODIFY, Some("crm_config"), Some(SET), opt::SYNC_CALL),
    );
    let [Command::Reply {
        client: 1,
        id: 3,
        xml,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(rc_of(xml), -i64::from(pcmk_results::errno::EACCES));
    // Unknown operations get no answer at all.
    assert!(send(&mut e, 1, request("cib_bogus", None, None, 0)).is_empty());
}

#[test]
fn cluster_changes_travel_through_the_group_and_are_applied_on_delivery() {
    let mut e = engine(false);
    e.handle(
        NOW,
        Input::Membership {
            members: vec![(1, 10), (2, 20)],
            left: vec![],
            joined: vec![(1, 10), (2, 20)],
        },
    );
    connect(&mut e, 1, Service::ReadWrite);
    connect(&mut e, 2, Service::ReadWrite);
    // Client 2 subscribes to diffs.
    let mut sub = pcmk_msg::cib::message::notify_request(pcmk_msg::cib::notify::DIFF, true);
    sub.set_attr(field::CALLOPTS, "0");
    e.handle(
        NOW,
        Input::Request {
            client: 2,
            id: 1,
            flags: pcmk_msg::ipc::IpcFlags::CLIENT_RESPONSE.0,
            xml: sub,
        },
    );
    assert!(matches!(
        e.take_commands().as_slice(),
        [Command::Ack {
            client: 2,
            status: 0,
            ..
        }]
    ));

    let cmds = send(
        &mut e,
        1,
        request(op::CREATE, Some("crm_config"), Some(SET), 0),
    );
    let [Command::Cpg { to: None, xml: fwd }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(fwd.attr(field::DELEGATED), Some("n1"));
    assert_eq!(fwd.attr(field::ORIGIN), Some("n1"));
    assert_eq!(fwd.attr(field::CLIENTID), Some("uuid-1"));
    assert_eq!(fwd.attr("acl_target"), Some("root"));
    assert_eq!(
        e.cib().attr("epoch"),
        Some("1"),
        "not applied before delivery"
    );

    // Delivery of our own broadcast: applied, written, client answered at
    // once (node 2 holds a copy), subscriber notified.
    e.handle(
        NOW,
        Input::Peer {
            from: "n1".into(),
            nodeid: 1,
            xml: fwd.clone(),
        },
    );
    let cmds = e.take_commands();
    assert_eq!(e.cib().attr("epoch"), Some("2"), "{cmds:?}");
    let kinds: Vec<&str> = cmds
        .iter()
        .map(|c| match c {
            Command::Write { .. } => "write",
            Command::Arm { .. } => "arm",
            Command::Notify { .. } => "notify",
            Command::Event { .. } => "event",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["write", "arm", "notify", "event"], "{cmds:?}");
    // (A modify that creates the set would only bump num_updates and not
    // be written: the reference's change tracking does not mark the
    // configuration dirty for copied subtrees.)
    let Command::Notify { clients, xml } = &cmds[2] else {
        unreachable!()
    };
    assert_eq!(clients, &[2]);
    let diff = message::get_message_xml(xml, field::UPDATE_RESULT).expect("diff");
    assert_eq!(diff.attr("format"), Some("2"));
    assert!(diff.to_unformatted().contains(r#"operation="create""#));

    // The same change delivered from another node's client: applied, no
    // reply here.
    let mut other = fwd.clone();
    other.set_attr(field::DELEGATED, "n2");
    e.handle(
        NOW,
        Input::Peer {
            from: "n2".into(),
            nodeid: 2,
            xml: other,
        },
    );
    let cmds = e.take_commands();
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Command::Event { .. } | Command::Reply { .. })));
}

#[test]
fn primary_pings_and_resyncs_a_peer_whose_digest_differs() {
    let mut e = engine(false);
    connect(&mut e, 1, Service::ReadWrite);
    let cmds = send(&mut e, 1, request(op::PRIMARY, None, None, 0));
    assert!(e.is_primary());
    assert!(matches!(
        cmds.as_slice(),
        [
            Command::Arm {
                timer: Timer::Digest,
                ..
            },
            Command::Event { client: 1, .. }
        ]
    ));
    e.handle(NOW, Input::Timer(Timer::Digest));
    let cmds = e.take_commands();
    let [Command::Cpg {
        to: None,
        xml: ping,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(ping.attr(field::PING_ID), Some("1"));

    // n2 answers with another digest.
    let pong = Element::new("ping_response")
        .with_attr("crm_feature_set", "3.16.1")
        .with_attr("digest", "0123")
        .with_attr(field::PING_ID, "1");
    let mut reply = message::reply_xml(op::PING, None, None, 0, 0, Some(&pong));
    reply.set_attr(field::ISREPLY, "n1");
    e.handle(
        NOW,
        Input::Peer {
            from: "n2".into(),
            nodeid: 2,
            xml: reply,
        },
    );
    let cmds = e.take_commands();
    let [Command::Cpg {
        to: Some(to),
        xml: replace,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(to, "n2");
    assert_eq!(replace.attr(field::OPERATION), Some(op::REPLACE));
    assert_eq!(replace.attr(field::GLOBAL_UPDATE), Some("true"));
    assert_eq!(replace.attr(field::ISREPLY), Some("n2"));
    assert!(message::get_message_xml(replace, field::CALLDATA).is_some_and(|c| c.name() == "cib"));

    // Our own digest matches: nothing happens.
    let ours = pcmk_xml::digest::versioned(e.cib(), false, true, Some("3.16.1"));
    let pong = pong.with_attr("digest", ours);
    let mut reply = message::reply_xml(op::PING, None, None, 0, 0, Some(&pong));
    reply.set_attr(field::ISREPLY, "n1");
    e.handle(
        NOW,
        Input::Peer {
            from: "n3".into(),
            nodeid: 3,
            xml: reply,
        },
    );
    assert!(e.take_commands().is_empty());
}

#[test]
fn a_peer_replace_brings_our_cib_up_to_date_and_notifies() {
    let mut e = engine(false);
    connect(&mut e, 1, Service::ReadWrite);
    let mut sub = pcmk_msg::cib::message::notify_request(pcmk_msg::cib::notify::REPLACE, true);
    sub.set_attr(field::CALLOPTS, "0");
    send(&mut e, 1, sub);
    let mut newer = pcmk_cib::sections::empty_cib(9);
    newer
        .first_element_mut("configuration")
        .and_then(|c| c.first_element_mut("nodes"))
        .expect("nodes")
        .push_element(
            Element::new("node")
                .with_attr("id", "2")
                .with_attr("uname", "n2"),
        );
    let mut msg = Element::new("copy")
        .with_attr(field::TYPE, "cib")
        .with_attr(field::OPERATION, op::REPLACE)
        .with_attr(field::ISREPLY, "n2")
        .with_attr(field::GLOBAL_UPDATE, "true");
    message::add_message_xml(&mut msg, field::CALLDATA, &newer);
    e.handle(
        NOW,
        Input::Peer {
            from: "n2".into(),
            nodeid: 2,
            xml: msg,
        },
    );
    let cmds = e.take_commands();
    assert_eq!(e.cib().attr("epoch"), Some("9"));
    let notified = cmds.iter().find_map(|c| match c {
        Command::Notify { clients, xml } if xml.name() == "notify-replace" => Some((clients, xml)),
        _ => None,
    });
    let (clients, xml) = notified.expect("replace notification");
    assert_eq!(clients, &[1]);
    // Only the nodes section changed.
    assert_eq!(xml.attr(field::CHANGE_SECTION), Some("1"));
}

#[test]
fn peer_queries_addressed_to_us_are_answered_to_the_sender() {
    let mut e = engine(false);
    let mut q = request(op::QUERY, Some("nodes"), None, 0);
    q.set_attr(field::HOST, "n1");
    q.set_attr(field::DELEGATED, "n2");
    q.set_attr(field::CLIENTID, "remote-client");
    e.handle(
        NOW,
        Input::Peer {
            from: "n2".into(),
            nodeid: 2,
            xml: q,
        },
    );
    let cmds = e.take_commands();
    let [Command::Cpg {
        to: Some(to),
        xml: reply,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(to, "n2");
    assert_eq!(reply.attr(field::ISREPLY), Some("n2"));
    assert_eq!(reply.attr(field::CLIENTID), Some("remote-client"));
    assert_eq!(rc_of(reply), 0);
}

#[test]
fn acl_delegation_follows_the_reference() {
    let mut r = Element::new("x").with_attr("cib_user", "alice");
    update_acl_user(&mut r, "cib_user", Some("root"), Some("hacluster"));
    assert_eq!(r.attr("acl_target"), Some("alice"));
    let mut r = Element::new("x").with_attr("cib_user", "root");
    update_acl_user(&mut r, "cib_user", Some("bob"), Some("hacluster"));
    assert_eq!(
        (r.attr("acl_target"), r.attr("cib_user")),
        (Some("bob"), Some("bob"))
    );
    let mut r = Element::new("x");
    update_acl_user(&mut r, "cib_user", None, Some("hacluster"));
    assert_eq!(r.attr("cib_user"), Some("hacluster"));
}
