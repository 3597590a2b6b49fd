//! pcmk-msg's IPC client and server with each other, in a private network
//! namespace: responses carry the request id, replies to clients that do
//! not wait go out as events, proxied clients get every reply as an event
//! flagged as a relayed response, acks, compressed messages both ways
//! above the 128 KiB default, events queued in order, undecodable requests
//! reported with their id, the async client.
// Ref: pacemaker lib/common/ipc_server.c pcmk__ipc_send_iov, pcmk__ipc_send_ack_as,
// lib/common/ipc_client.c crm_ipc_send

use std::time::Duration;

use atrium_tests::skip;
use pcmk_msg::ipc::{
    header, Ack, AsyncIpcClient, ConnectOptions, IpcClient, IpcConnection, IpcFlags, IpcServer,
};
use pcmk_xml::Element;

const SERVICE: &str = "atrium-msg-echo";

fn opts() -> ConnectOptions {
    ConnectOptions {
        // Our server runs as root: it passes the cluster-daemon check.
        check_server: true,
        ..ConnectOptions::default()
    }
}

/// Echo server: `<echo>` is answered with `<echoed>` carrying the same
/// attributes and children (as a response when the client waits for one or
/// the request is proxied); `<ack-me/>` gets an ack with status 112;
/// `<events n="N"/>` gets N events `<event i="k"/>`; undecodable requests
/// are answered with `<bad id=".."/>` as an event.
async fn serve(mut conn: IpcConnection) {
    let c = conn.client().clone();
    while let Some(req) = conn.recv().await {
        let req = match req {
            Ok(r) => r,
            Err(bad) => {
                let _ = c.send_event(&Element::new("bad").with_attr("id", bad.id.to_string()));
                continue;
            }
        };
        match req.xml.name() {
            "echo" => {
                let mut e = req.xml.clone();
                e.set_name("echoed");
                e.set_attr("req-flags", req.flags.0.to_string());
                if req.flags.has(IpcFlags::PROXIED) {
                    // A daemon answering a proxied request "synchronously":
                    // the reply still goes out as an event.
                    c.send_xml(req.id, &e, IpcFlags::NONE).expect("reply");
                } else {
                    c.reply(&req, &e).expect("reply");
                }
            }
            "ack-me" => c
                .send_ack(
                    req.id,
                    req.flags,
                    &Ack {
                        tag: "ack",
                        function: "serve",
                        line: 7,
                        status: 112,
                        version: Some("1.1"),
                    },
                )
                .expect("ack"),
            "events" => {
                let n: usize = req.xml.attr("n").unwrap().parse().unwrap();
                for i in 0..n {
                    c.send_event(&Element::new("event").with_attr("i", i.to_string()))
                        .expect("event");
                }
            }
            _ => {}
        }
    }
}

fn big_element(name: &str, n: usize) -> Element {
    let mut e = Element::new(name);
    for i in 0..n {
        e.push_element(
            Element::new("item")
                .with_attr("id", format!("item-{i}"))
                .with_attr("value", format!("{i:08}-{}", "z".repeat(40))),
        );
    }
    e
}

#[test]
fn client_and_server() {
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
    let mut server = rt
        .block_on(async { IpcServer::bind(SERVICE) })
        .expect("bind");
    rt.spawn(async move {
        loop {
            let conn = server.accept().await.expect("accept");
            tokio::spawn(serve(conn));
        }
    });

    let client = IpcClient::connect_with(SERVICE, &opts()).expect("connect");
    assert!(client.max_size() >= header::DEFAULT_BUFFER_SIZE);

    // A response carries the request's id (checked by the client).
    let echo = Element::new("echo").with_attr("x", "1");
    let r = client
        .send(
            &echo,
            IpcFlags::CLIENT_RESPONSE,
            Some(Duration::from_secs(5)),
        )
        .expect("send")
        .expect("response");
    assert_eq!(r.name(), "echoed");
    assert_eq!(r.attr("x"), Some("1"));
    assert_eq!(r.attr("req-flags"), Some("512"));

    // Without CLIENT_RESPONSE the reply is an event.
    assert!(client
        .send(&echo, IpcFlags::NONE, None)
        .expect("send")
        .is_none());
    let ev = client
        .recv_event(Some(Duration::from_secs(5)))
        .expect("event");
    assert!(ev.header.flags.has(IpcFlags::SERVER_EVENT));
    assert_eq!(ev.xml().unwrap().name(), "echoed");

    // Compressed both ways: a 600 KB request to a 128 KiB-default server,
    // whose reply is compressed too.
    let big = big_element("echo", 10_000);
    let text = big.to_unformatted();
    assert!(text.len() > 600_000);
    let r = client
        .send_raw(
            &big,
            IpcFlags::CLIENT_RESPONSE,
            Some(Duration::from_secs(10)),
        )
        .expect("send big")
        .expect("response");
    assert!(r.header.flags.has(IpcFlags::COMPRESSED));
    let mut echoed = r.xml().unwrap();
    assert_eq!(echoed.remove_attr("req-flags").as_deref(), Some("513"));
    echoed.set_name("echo");
    assert_eq!(echoed.to_unformatted(), text);

    // Beyond the reference: a reply that stays above the 128 KiB default
    // even compressed still reaches a client that negotiated 512 KiB (the
    // reference server gives up with EMSGSIZE).
    let wide = IpcClient::connect_with(
        SERVICE,
        &ConnectOptions {
            max_size: 512 * 1024,
            ..opts()
        },
    )
    .expect("connect");
    assert_eq!(wide.max_size(), 512 * 1024);
    let mut x: u64 = 0x1234_5678;
    let noise: String = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect();
    let noisy = Element::new("echo").with_attr("noise", noise.as_str());
    let r = wide
        .send_raw(
            &noisy,
            IpcFlags::CLIENT_RESPONSE,
            Some(Duration::from_secs(10)),
        )
        .expect("send")
        .expect("response");
    assert!(r.header.flags.has(IpcFlags::COMPRESSED));
    assert!(r.header.size_compressed as usize > header::DEFAULT_BUFFER_SIZE);
    assert_eq!(r.xml().unwrap().attr("noise"), Some(noise.as_str()));
    drop(wide);

    // Acks only exist for clients waiting for a response.
    let ack = client
        .send(
            &Element::new("ack-me"),
            IpcFlags::CLIENT_RESPONSE,
            Some(Duration::from_secs(5)),
        )
        .expect("send")
        .expect("ack");
    assert_eq!(
        ack.to_unformatted(),
        r#"<ack function="serve" line="7" status="112" ipc-protocol-version="1.1"/>"#
    );

    // Many events, in order.
    client
        .send(
            &Element::new("events").with_attr("n", "300"),
            IpcFlags::NONE,
            None,
        )
        .expect("send");
    for i in 0..300 {
        let ev = client
            .recv_event(Some(Duration::from_secs(5)))
            .expect("event");
        assert_eq!(ev.xml().unwrap().attr("i"), Some(i.to_string().as_str()));
    }

    // A message from a newer protocol version is reported with its id.
    let mut raw = header::Prepared::new(4242, "<echo/>", 0, 0)
        .unwrap()
        .to_bytes();
    raw[header::VERSION_OFFSET] = 2;
    client.qb().send(&raw).expect("raw send");
    let ev = client
        .recv_event(Some(Duration::from_secs(5)))
        .expect("event");
    assert_eq!(ev.xml().unwrap().attr("id"), Some("4242"));

    // A proxied client gets its "responses" as events marked as relayed.
    let proxy = IpcClient::connect_with(SERVICE, &opts()).expect("connect");
    assert!(proxy
        .send(&echo, IpcFlags::PROXIED | IpcFlags::CLIENT_RESPONSE, None)
        .expect("send")
        .is_none());
    let ev = proxy
        .recv_event(Some(Duration::from_secs(5)))
        .expect("event");
    assert!(ev
        .header
        .flags
        .has(IpcFlags::SERVER_EVENT | IpcFlags::PROXIED_RELAY_RESPONSE));
    assert_eq!(ev.xml().unwrap().attr("req-flags"), Some("256"));

    // The async client.
    rt.block_on(async {
        let c = AsyncIpcClient::connect(SERVICE, &opts())
            .await
            .expect("connect");
        let r = c
            .send(
                &echo,
                IpcFlags::CLIENT_RESPONSE,
                Some(Duration::from_secs(5)),
            )
            .await
            .expect("send")
            .expect("response");
        assert_eq!(r.name(), "echoed");
        c.send(
            &Element::new("events").with_attr("n", "3"),
            IpcFlags::NONE,
            None,
        )
        .await
        .expect("send");
        for i in 0..3 {
            let ev = tokio::time::timeout(Duration::from_secs(5), c.recv_event())
                .await
                .expect("in time")
                .expect("event");
            assert_eq!(ev.xml().unwrap().attr("i"), Some(i.to_string().as_str()));
        }
    });
    drop(client);
    drop(proxy);
    rt.shutdown_timeout(Duration::from_secs(5));
}
