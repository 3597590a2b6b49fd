//! Parser and derivation behaviour worked out from coroparse.c/totemconfig.c.

use corosync_config::{parse, LocalHost, NoIds, TotemConfig, Value};

const CONF: &str = "\
totem {
    version: 2
    token: 1000
    interface {
        linknumber: 1
        mcastport: 5500
        ttl: 2
        member {
            memberaddr: 10.0.0.1
        }
        member {
            memberaddr: 10.0.0.2
        }
    }
}
logging {
    logger_subsys {
        subsys: QUORUM
        debug: on
    }
    logging_daemon {
        name: corosync
        to_stderr: yes
    }
}
nodelist {
    node {
        ring0_addr: 10.1.0.1
        name: alpha
    }
    node {
        ring0_addr: 10.1.0.2
        nodeid: 7
        quorum_votes: 2
    }
}
";

#[test]
fn sections_become_reference_keys() {
    let m = parse(CONF, "x.conf", &NoIds).unwrap();
    let get = |k: &str| m.get(k).cloned();
    assert_eq!(get("totem.token"), Some(Value::U32(1000)));
    assert_eq!(get("totem.interface.1.mcastport"), Some(Value::U16(5500)));
    assert_eq!(get("totem.interface.1.ttl"), Some(Value::U8(2)));
    // Members come out in reverse order (the reference prepends to a list).
    assert_eq!(
        get("totem.interface.1.member.0"),
        Some(Value::Str("10.0.0.2".into()))
    );
    assert_eq!(
        get("totem.interface.1.member.1"),
        Some(Value::Str("10.0.0.1".into()))
    );
    assert_eq!(
        get("logging.logger_subsys.QUORUM.debug"),
        Some(Value::Str("on".into()))
    );
    assert_eq!(
        get("logging.logger_subsys.QUORUM.subsys"),
        Some(Value::Str("QUORUM".into()))
    );
    assert_eq!(get("logging.to_stderr"), Some(Value::Str("yes".into())));
    assert_eq!(
        get("nodelist.node.0.name"),
        Some(Value::Str("alpha".into()))
    );
    assert_eq!(get("nodelist.node.1.nodeid"), Some(Value::U32(7)));
    assert_eq!(get("nodelist.node.1.quorum_votes"), Some(Value::U32(2)));
    assert!(!m.contains_key("totem.interface.linknumber"));
}

#[test]
fn udpu_nodeids_are_generated_from_ipv4() {
    let text = CONF.replace("    version: 2\n", "    version: 2\n    transport: udpu\n");
    let text = text.replace("        linknumber: 1\n", "        linknumber: 0\n");
    let m = parse(&text, "x.conf", &NoIds).unwrap();
    let host = LocalHost {
        hostname: "alpha.example.com".into(),
        addrs: vec![],
    };
    let t = TotemConfig::from_map(&m, &host).unwrap();
    assert_eq!(t.local_node_pos, Some(0), "found by short host name");
    assert_eq!(t.nodeid, u32::from(std::net::Ipv4Addr::new(10, 1, 0, 1)));
    assert_eq!(t.nodes[1].nodeid, 7);
    assert_eq!(t.ports.get(&0), Some(&5500));
    // 2 nodes: no coefficient. token 1000 → retransmit 238, hold 180,
    // consensus 1200 (the reference's own arithmetic).
    assert_eq!(
        (
            t.timers.token,
            t.timers.token_retransmit,
            t.timers.hold,
            t.timers.consensus
        ),
        (1000, 238, 180, 1200)
    );
    assert_eq!(t.knet_ping.get(&0), Some(&(250, 500)));
}

#[test]
fn errors_name_file_and_line() {
    let e = parse(
        "totem {\n token: x\n}\n",
        "/etc/corosync/corosync.conf",
        &NoIds,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "parser error: /etc/corosync/corosync.conf:2: Value of key \"totem.token\" is expected to be integer in range (0..4294967295), but \"x\" was given"
    );
    let e = parse("a {\n", "f", &NoIds).unwrap_err();
    assert_eq!(e.to_string(), "parser error: f:1: Missing closing brace");
}

#[test]
fn parser_never_panics_on_odd_input() {
    for text in [
        "",
        "{",
        "}",
        ":",
        "a:",
        ":b",
        "{}",
        "a { b",
        "é {\n}\n",
        "a:{",
        "\r\n",
        "#{",
        " : ",
        "x {\n y {\n z: 1\n }\n}\n",
        "a: \u{0}\n",
    ] {
        let _ = parse(text, "f", &NoIds);
    }
}
