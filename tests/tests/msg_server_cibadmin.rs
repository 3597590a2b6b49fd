//! Unchanged reference clients against pcmk-msg's server side: a toy CIB
//! manager built on `IpcServer` answers as `cib_rw` in a private network
//! namespace, and the reference `cibadmin` (Pacemaker 2.1.5) queries it
//! asynchronously (`-Q`, reply as an event) and synchronously (`-Q -s`,
//! reply on the response ring), modifies it (`-M -o crm_config -X`), and
//! does both with messages large enough to be compressed: a 5 MB CIB in
//! the replies and a 600 KB update in a request.
// Ref: pacemaker daemons/based/based_callbacks.c cib_common_callback_worker,
// lib/common/ipc_server.c pcmk__ipc_send_xml

use std::sync::{Arc, Mutex};
use std::time::Duration;

use atrium_tests::skip;
use pcmk_msg::cib::{call_options, field, message, op};
use pcmk_msg::ipc::{Ack, IpcConnection, IpcFlags, IpcServer};
use pcmk_xml::Element;

/// What the toy manager saw: (operation, IPC flags, call options).
type Log = Arc<Mutex<Vec<(String, u32, u32)>>>;

fn section_of<'a>(cib: &'a Element, name: &str) -> Option<&'a Element> {
    if name == "status" {
        return cib.first_element("status");
    }
    cib.first_element("configuration")?.first_element(name)
}

/// `cib_process_modify` for what the test sends: children of the section
/// replace the ones with the same name and id, or are appended.
fn modify(cib: &mut Element, section: &str, data: &Element) -> i32 {
    let Some(sec) = cib
        .first_element_mut("configuration")
        .and_then(|c| c.first_element_mut(section))
    else {
        return -nix::libc::ENXIO;
    };
    let target = if data.name() == section {
        data.elements().cloned().collect::<Vec<_>>()
    } else {
        vec![data.clone()]
    };
    for child in target {
        let existing = sec
            .elements_mut()
            .find(|e| e.name() == child.name() && e.id() == child.id());
        match existing {
            Some(e) => *e = child,
            None => {
                sec.push_element(child);
            }
        }
    }
    0
}

async fn serve(mut conn: IpcConnection, cib: Arc<Mutex<Element>>, log: Log) {
    let client = conn.client().clone();
    while let Some(req) = conn.recv().await {
        let req = match req {
            Ok(r) => r,
            Err(bad) => {
                // based answers undecodable messages with a nack.
                let _ = client.send_ack(
                    bad.id,
                    bad.flags,
                    &Ack {
                        tag: "nack",
                        function: "cib_common_callback",
                        line: 0,
                        status: 76,
                        version: None,
                    },
                );
                continue;
            }
        };
        let x = &req.xml;
        let operation = x.attr(field::OPERATION).unwrap_or("").to_owned();
        let options: u32 = x
            .attr(field::CALLOPTS)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        log.lock()
            .unwrap()
            .push((operation.clone(), req.flags.0, options));
        match operation.as_str() {
            op::REGISTER if req.flags.has(IpcFlags::CLIENT_RESPONSE) => {
                client
                    .send_xml(req.id, &message::register_reply(client.uuid()), req.flags)
                    .expect("register reply");
            }
            op::NOTIFY => {
                client
                    .send_ack(
                        req.id,
                        req.flags,
                        &Ack {
                            tag: "ack",
                            function: "cib_common_callback_worker",
                            line: 0,
                            status: 0,
                            version: None,
                        },
                    )
                    .expect("ack");
            }
            op::QUERY | op::MODIFY => {
                let section = x.attr(field::SECTION);
                let (rc, output) = {
                    let mut cib = cib.lock().unwrap();
                    if operation == op::MODIFY {
                        let data = message::get_message_xml(x, field::CALLDATA);
                        match (section, data) {
                            (Some(s), Some(d)) => (modify(&mut cib, s, d), None),
                            _ => (-nix::libc::EINVAL, None),
                        }
                    } else {
                        match section {
                            None => (0, Some(cib.clone())),
                            Some(s) => match section_of(&cib, s) {
                                Some(e) => (0, Some(e.clone())),
                                None => (-nix::libc::ENXIO, None),
                            },
                        }
                    }
                };
                let reply = message::reply_xml(
                    &operation,
                    x.attr(field::CALLID),
                    Some(client.uuid()),
                    options,
                    rc,
                    output.as_ref(),
                );
                client.reply(&req, &reply).expect("reply");
            }
            _ => {}
        }
    }
}

/// A CIB of about `bytes` bytes with many resources.
fn big_cib(bytes: usize) -> Element {
    let mut resources = Element::new("resources");
    let mut i = 0;
    let mut size = 0;
    while size < bytes {
        let id = format!("rsc{i}");
        let p = Element::new("primitive")
            .with_attr("id", id.as_str())
            .with_attr("class", "ocf")
            .with_attr("provider", "heartbeat")
            .with_attr("type", "Dummy")
            .with_child(
                Element::new("instance_attributes")
                    .with_attr("id", format!("{id}-ia"))
                    .with_child(
                        Element::new("nvpair")
                            .with_attr("id", format!("{id}-ia-state"))
                            .with_attr("name", "state")
                            .with_attr("value", format!("/run/resource-agents/{id}.state")),
                    ),
            )
            .with_child(
                Element::new("operations").with_child(
                    Element::new("op")
                        .with_attr("id", format!("{id}-monitor-{}s", 10 + i % 50))
                        .with_attr("name", "monitor")
                        .with_attr("interval", format!("{}s", 10 + i % 50)),
                ),
            );
        size += p.to_unformatted().len();
        resources.push_element(p);
        i += 1;
    }
    Element::new("cib")
        .with_attr("crm_feature_set", "3.16.1")
        .with_attr("validate-with", "pacemaker-3.9")
        .with_attr("epoch", "42")
        .with_attr("num_updates", "7")
        .with_attr("admin_epoch", "0")
        .with_child(
            Element::new("configuration")
                .with_child(Element::new("crm_config"))
                .with_child(Element::new("nodes"))
                .with_child(resources)
                .with_child(Element::new("constraints")),
        )
        .with_child(Element::new("status"))
}

fn run_cibadmin(args: &[&str]) -> atrium_tests::Output {
    let exe = atrium_tests::reference("cibadmin").expect("cibadmin");
    atrium_tests::run(&exe, args, None)
}

#[test]
fn reference_cibadmin_against_our_server() {
    if atrium_tests::reference("cibadmin").is_none() {
        skip!("the reference cibadmin is not installed");
    }
    // Abstract socket names are per network namespace: this thread (and the
    // processes and runtime threads it starts) gets a private one.
    let r = std::thread::spawn(|| {
        if let Err(e) = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET) {
            return Err(format!(
                "cannot create a network namespace (need root): {e}"
            ));
        }
        scenario();
        Ok(())
    })
    .join()
    .expect("scenario thread");
    if let Err(why) = r {
        skip!("{why}");
    }
}

fn scenario() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cib = Arc::new(Mutex::new(big_cib(5 << 20)));
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let mut server = rt
        .block_on(async { IpcServer::bind("cib_rw") })
        .expect("bind cib_rw");
    let (c2, l2) = (cib.clone(), log.clone());
    rt.spawn(async move {
        loop {
            let conn = server.accept().await.expect("accept");
            tokio::spawn(serve(conn, c2.clone(), l2.clone()));
        }
    });

    // Queries of a 5 MB CIB: compressed replies, as event and as response.
    let full_text = cib.lock().unwrap().to_unformatted();
    assert!(full_text.len() >= 5 << 20);
    let compressed = pcmk_msg::bz2::compress(full_text.as_bytes(), 0).unwrap();
    eprintln!(
        "CIB of {} bytes, {} bytes bzip2-compressed",
        full_text.len(),
        compressed.len()
    );
    for args in [&["-Q"][..], &["-Q", "-s"][..]] {
        let out = run_cibadmin(args);
        assert_eq!(out.code, 0, "cibadmin {args:?}: {}", out.stderr);
        let shown = pcmk_xml::parse(&out.stdout).expect("cibadmin prints XML");
        assert_eq!(
            shown.to_unformatted(),
            full_text,
            "cibadmin {args:?} output"
        );
    }

    // A modification, then the section as cibadmin sees it.
    let set = r#"<cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-x" name="x" value="1"/></cluster_property_set>"#;
    let out = run_cibadmin(&["-M", "-o", "crm_config", "-X", set]);
    assert_eq!(out.code, 0, "cibadmin -M: {}", out.stderr);
    let out = run_cibadmin(&["-Q", "-o", "crm_config"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        pcmk_xml::parse(&out.stdout).unwrap().to_unformatted(),
        format!("<crm_config>{set}</crm_config>")
    );

    // A 600 KB update: cibadmin compresses its request, we decompress it.
    let mut big = Element::new("cluster_property_set").with_attr("id", "big");
    for i in 0..5000 {
        big.push_element(
            Element::new("nvpair")
                .with_attr("id", format!("big-{i}"))
                .with_attr("name", format!("n{i}"))
                .with_attr("value", format!("{i:08}{}", "w".repeat(90))),
        );
    }
    let big_text = big.to_unformatted();
    assert!(big_text.len() > 600_000);
    let file = std::env::temp_dir().join(format!("atrium-msg-big-{}.xml", std::process::id()));
    std::fs::write(&file, &big_text).unwrap();
    let out = run_cibadmin(&["-M", "-o", "crm_config", "-x", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.code, 0, "cibadmin -M -x: {}", out.stderr);
    {
        let cib = cib.lock().unwrap();
        let got = section_of(&cib, "crm_config")
            .and_then(|s| s.elements().find(|e| e.id() == Some("big")))
            .expect("the big set arrived");
        assert_eq!(got.to_unformatted(), big_text);
    }

    // An unknown section: cibadmin turns our -ENXIO into the exit code of
    // that legacy code (pcmk_legacy2rc, pcmk_rc2exitc).
    let out = run_cibadmin(&["-Q", "-o", "no-such-section"]);
    let expected = pcmk_msg::cib::CibError::new(-nix::libc::ENXIO, "")
        .rc()
        .to_exit()
        .process_status();
    assert_eq!(out.code, i32::from(expected), "cibadmin: {}", out.stderr);

    // What went over the wire: register with a response, then the calls
    // with the flags and options each form of cibadmin uses.
    let log = log.lock().unwrap();
    for l in log.iter() {
        eprintln!("request: {l:?}");
    }
    let register = log.iter().filter(|l| l.0 == op::REGISTER).count();
    assert_eq!(register, 6, "one sign-on per cibadmin run");
    assert!(log
        .iter()
        .filter(|l| l.0 == op::REGISTER)
        .all(|l| l.1 & IpcFlags::CLIENT_RESPONSE.0 != 0 && l.2 == call_options::SYNC_CALL));
    let queries: Vec<_> = log.iter().filter(|l| l.0 == op::QUERY).collect();
    assert_eq!(queries.len(), 4);
    assert_eq!((queries[0].1, queries[0].2), (0, 0), "-Q is asynchronous");
    assert_eq!(
        (queries[1].1, queries[1].2),
        (IpcFlags::CLIENT_RESPONSE.0, call_options::SYNC_CALL),
        "-Q -s is synchronous"
    );
    rt.shutdown_timeout(Duration::from_secs(5));
}
