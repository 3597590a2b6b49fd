//! Round-trip micro benchmark: 1,000 sequential request/response pairs for
//! each pairing of our and libqb's client and server. Prints `BENCH` lines
//! (run with --nocapture); asserts every answer and a generous ceiling that
//! catches stalls (a missed wake-up costs libqb's 2 s poll interval).

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qb_ipc::{AsyncClient, Client, Server, ServerConfig};

const N: usize = 1000;
const CEILING: Duration = Duration::from_secs(10);

fn report(what: &str, el: Duration) {
    println!(
        "BENCH {what}: {N} round trips in {el:?} = {:.1} us each",
        el.as_secs_f64() * 1e6 / N as f64
    );
    assert!(el < CEILING, "{what} took {el:?}");
}

fn check(resp: &[u8], id: i32) {
    let h = qb_ipc::wire::ResponseHeader::decode(resp).unwrap();
    assert_eq!((h.id, h.size as usize), (id, resp.len()));
    assert_eq!(&resp[24..], b"0123456789abcdef");
}

#[test]
fn round_trips() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let service = common::unique_service("bench");
    let mut server =
        rt.block_on(async { Server::bind(&service, ServerConfig::default()).unwrap() });
    rt.spawn(async move {
        loop {
            let mut conn = server.accept().await.unwrap();
            tokio::spawn(async move {
                while let Some(req) = conn.recv().await {
                    let reply = common::response(req.header.id, 0, &req.bytes[16..]);
                    conn.send_response(&reply).unwrap();
                }
            });
        }
    });
    let payload = b"0123456789abcdef";
    let t = Some(Duration::from_secs(5));

    // Our blocking client -> our server.
    let c = Client::connect(&service, 8192).unwrap();
    let start = Instant::now();
    for i in 0..N as i32 {
        check(&c.send_recv(&common::request(i, payload), t).unwrap(), i);
    }
    report("qb-ipc Client -> qb-ipc Server", start.elapsed());
    drop(c);

    // Our async client -> our server.
    rt.block_on(async {
        let c = AsyncClient::connect(&service, 8192).await.unwrap();
        let start = Instant::now();
        for i in 0..N as i32 {
            check(
                &c.send_recv(&common::request(i, payload), t).await.unwrap(),
                i,
            );
        }
        report("qb-ipc AsyncClient -> qb-ipc Server", start.elapsed());
    });

    // libqb's client -> our server: the time of N round trips is the run
    // with N minus the run with none (connect and exit cost cancel out).
    if let Some(exe) = common::build_c(
        "round_trips",
        "qb_bench_client",
        include_str!("qb_ipc_common/client.c"),
    ) {
        let timed = |rounds: &str| {
            let (exe, service) = (exe.clone(), service.clone());
            let rounds = rounds.to_owned();
            rt.block_on(async move {
                tokio::task::spawn_blocking(move || {
                    let start = Instant::now();
                    let out = Command::new(exe)
                        .args([&service, &rounds, "0"])
                        .output()
                        .unwrap();
                    let text = String::from_utf8_lossy(&out.stdout).into_owned();
                    assert!(text.contains(&format!("echo ok {rounds}")), "{text}");
                    start.elapsed()
                })
                .await
                .unwrap()
            })
        };
        let base = timed("0");
        let full = timed(&N.to_string());
        report("libqb client -> qb-ipc Server", full.saturating_sub(base));

        // Our client -> libqb's server.
        let srv_exe = common::build_c(
            "round_trips",
            "qb_bench_server",
            include_str!("qb_ipc_common/server.c"),
        )
        .unwrap();
        let cservice = common::unique_service("bench-c");
        let mut child = Command::new(srv_exe)
            .arg(&cservice)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        let c = Client::connect(&cservice, 8192).unwrap();
        let start = Instant::now();
        for i in 0..N as i32 {
            check(
                &c.send_recv(&common::request(i + 100, payload), t).unwrap(),
                i + 100,
            );
        }
        report("qb-ipc Client -> libqb server", start.elapsed());
        c.send_recv(&common::request(5, payload), t).unwrap();
        drop(c);
        child.wait().unwrap();
    }
}
