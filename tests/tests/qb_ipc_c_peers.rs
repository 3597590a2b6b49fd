//! qb-ipc against real libqb 2.0.6 peers, both directions: our server with a
//! C client linked to libqb, our client with a C server linked to libqb.
//! The C programs (qb_ipc_common/{client,server}.c) are ours, built with gcc.
// Ref: libqb lib/ipcc.c, lib/ipcs.c, lib/ipc_shm.c, lib/ringbuffer.c

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qb_ipc::wire::{ResponseHeader, RESPONSE_HEADER_SIZE};
use qb_ipc::{Client, Connection, Error, Server, ServerConfig};

const CLIENT_C: &str = include_str!("qb_ipc_common/client.c");
const SERVER_C: &str = include_str!("qb_ipc_common/server.c");

/// What the echo server saw of one connection's files.
#[derive(Debug, Default, Clone)]
struct Seen {
    dir_mode: u32,
    file_modes: Vec<u32>,
    owners: Vec<(u32, u32)>,
    client_pid: i32,
}

/// The echo protocol of client.c, served by qb-ipc.
async fn serve_echo(mut conn: Connection, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut first = true;
    while let Some(req) = conn.recv().await {
        if first {
            first = false;
            let dir = conn.shm_dir().to_path_buf();
            let mut s = Seen {
                dir_mode: std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777,
                client_pid: conn.credentials().pid,
                ..Seen::default()
            };
            for e in std::fs::read_dir(&dir).unwrap() {
                let m = e.unwrap().metadata().unwrap();
                s.file_modes.push(m.permissions().mode() & 0o7777);
                s.owners.push((m.uid(), m.gid()));
            }
            seen.lock().unwrap().push(s);
        }
        let payload = &req.bytes[16..];
        if req.header.id == 4 {
            // Before the answer, so the client sees it set once answered.
            conn.set_flow_control(1);
            let h = conn.handle();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                h.set_flow_control(0);
            });
        }
        let reply = common::response(req.header.id, 0, payload);
        conn.send_response(&reply).expect("response fits");
        if req.header.id == 2 {
            let n: usize = std::str::from_utf8(payload).unwrap().parse().unwrap();
            for i in 0..n {
                let ev = common::response(7, 0, format!("event {i}").as_bytes());
                conn.send_event(&ev).expect("event sent or queued");
            }
        }
    }
}

#[test]
fn our_server_serves_a_libqb_client() {
    let Some(exe) = common::build_c("our_server_serves_a_libqb_client", "qb_client", CLIENT_C)
    else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let service = common::unique_service("cclient");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let before_dirs = common::our_server_dirs();
    let out = rt.block_on(async {
        let config = ServerConfig {
            max_queued_events: 2000,
            ..ServerConfig::default()
        };
        let mut server = Server::bind(&service, config).unwrap();
        let seen2 = seen.clone();
        let acceptor = tokio::spawn(async move {
            loop {
                let conn = server.accept().await.unwrap();
                tokio::spawn(serve_echo(conn, seen2.clone()));
            }
        });
        // 1,000 events overflow the 12 KiB event ring: queueing and retry
        // are exercised against the C client's reader.
        let out = tokio::task::spawn_blocking(move || {
            let child = Command::new(exe)
                .args([service.as_str(), "200", "1000"])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let pid = child.id() as i32;
            (pid, child.wait_with_output().unwrap())
        })
        .await
        .unwrap();
        // The client is gone: its directory must go too.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while common::our_server_dirs() != before_dirs {
            assert!(
                tokio::time::Instant::now() < deadline,
                "connection files left behind"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        acceptor.abort();
        out
    });
    let (client_pid, out) = out;
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(out.status.success(), "C client failed: {text}");
    let me = qb_ipc::Credentials::current();
    assert!(text.contains(&format!(
        "server pid {} uid {} gid {}",
        me.pid, me.uid, me.gid
    )));
    // qb_ipcc_connect(.., 8192) asks for at least sizeof(connection response).
    assert!(text.contains("buffer 12328"), "{text}");
    for line in [
        "echo ok 200",
        "events ok 1000",
        "oversize EMSGSIZE",
        "under flow control EAGAIN",
        "after flow control sent",
        "final recv 24",
        "done",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    // libqb's default ownership: directory 0770, files 0600, owned by the client.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].client_pid, client_pid, "SCM_CREDENTIALS pid");
    assert_eq!(seen[0].dir_mode, 0o770);
    assert_eq!(seen[0].file_modes, vec![0o600; 6]);
    assert!(seen[0].owners.iter().all(|&o| o == (me.uid, me.gid)));
}

struct CServer {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

fn start_c_server(exe: &std::path::Path, service: &str, extra: &[&str]) -> CServer {
    let mut child = Command::new(exe)
        .arg(service)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, "ready");
    CServer { child, lines }
}

fn echo(c: &Client, id: i32, payload: &[u8]) {
    let resp = c
        .send_recv(&common::request(id, payload), Some(Duration::from_secs(5)))
        .unwrap();
    let h = ResponseHeader::decode(&resp).unwrap();
    assert_eq!((h.id, h.size as usize, h.error), (id, resp.len(), 0));
    assert_eq!(&resp[RESPONSE_HEADER_SIZE..], payload);
}

#[test]
fn our_client_talks_to_a_libqb_server() {
    let Some(exe) = common::build_c("our_client_talks_to_a_libqb_server", "qb_server", SERVER_C)
    else {
        return;
    };
    let service = common::unique_service("cserver");
    let mut srv = start_c_server(&exe, &service, &[]);
    let server_pid = srv.child.id() as i32;

    let c = Client::connect(&service, 64 * 1024).unwrap();
    assert_eq!(c.server_credentials().pid, server_pid);
    assert_eq!(c.max_msg_size(), 64 * 1024);
    c.check_server(u32::MAX, u32::MAX).unwrap(); // the C server runs as root
                                                 // The server's files: qb-<srvpid>-<ourpid>-<fd>-XXXXXX with six files.
    let dirs = common::shm_entries(&format!("qb-{server_pid}-{}-", std::process::id()));
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    for i in 0..200 {
        echo(&c, 100 + i, format!("ping {i}").as_bytes());
    }
    // Events: ring + semaphore + wake-up byte from libqb.
    echo(&c, 2, b"300");
    for i in 0..300 {
        let ev = c.recv_event(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(&ev[RESPONSE_HEADER_SIZE..], format!("event {i}").as_bytes());
        assert_eq!(ResponseHeader::decode(&ev).unwrap().id, 7);
    }
    assert!(matches!(
        c.recv_event(Some(Duration::from_millis(50))),
        Err(Error::TimedOut)
    ));
    assert!(matches!(
        c.send(&vec![0u8; 64 * 1024 + 1]),
        Err(Error::MessageTooLarge { .. })
    ));
    // Flow control set by qb_ipcs_request_rate_limit(RATE_OFF) for 300 ms.
    echo(&c, 4, b"fc");
    assert!(matches!(
        c.send(&common::request(9, b"x")),
        Err(Error::WouldBlock)
    ));
    common::wait_for("flow control to lift", Duration::from_secs(5), || {
        match c.send(&common::request(9, b"x")) {
            Ok(()) => Some(()),
            Err(Error::WouldBlock) => None,
            Err(e) => panic!("{e}"),
        }
    });
    c.recv(Some(Duration::from_secs(5))).unwrap();
    // The server closes us: ref_count drops, the next send is ENOTCONN.
    echo(&c, 6, b"bye");
    common::wait_for("disconnect to show", Duration::from_secs(5), || {
        (!c.is_connected()).then_some(())
    });
    assert!(matches!(
        c.send(&common::request(1, b"")),
        Err(Error::NotConnected)
    ));
    drop(c);

    // Server shutdown (qb_ipcs_destroy) seen by a waiting client.
    let c = Client::connect(&service, 8192).unwrap();
    echo(&c, 5, b"stop");
    assert!(matches!(
        c.recv_event(Some(Duration::from_secs(5))),
        Err(Error::NotConnected)
    ));
    drop(c);
    assert_eq!(srv.lines.next().unwrap().unwrap(), "stopped");
    assert!(srv.child.wait().unwrap().success());

    // A SIGKILLed server: the client removes the server's files itself.
    let mut srv = start_c_server(&exe, &service, &[]);
    let pid = srv.child.id() as i32;
    let c = Client::connect(&service, 8192).unwrap();
    let mine = format!("qb-{pid}-{}-", std::process::id());
    assert_eq!(common::shm_entries(&mine).len(), 1);
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    assert!(matches!(
        c.recv(Some(Duration::from_secs(5))),
        Err(Error::NotConnected)
    ));
    drop(c);
    assert!(
        common::shm_entries(&mine).is_empty(),
        "files of a dead server left behind"
    );
}

#[test]
fn libqb_server_enforced_buffer_size_is_honoured() {
    let Some(exe) = common::build_c("libqb_server_enforced_buffer", "qb_server_big", SERVER_C)
    else {
        return;
    };
    let service = common::unique_service("cserver-big");
    let mut srv = start_c_server(&exe, &service, &["200000"]);
    // The server's max wins when larger (ipc_setup.c: MAX(request, service)).
    let c = Client::connect(&service, 8192).unwrap();
    assert_eq!(c.max_msg_size(), 200000);
    let big = vec![b'x'; 150000];
    echo(&c, 11, &big);
    echo(&c, 5, b"stop");
    drop(c);
    assert_eq!(srv.lines.next().unwrap().unwrap(), "stopped");
    srv.child.wait().unwrap();
}

#[test]
fn async_client_with_a_libqb_server() {
    let Some(exe) = common::build_c(
        "async_client_with_a_libqb_server",
        "qb_server_async",
        SERVER_C,
    ) else {
        return;
    };
    let service = common::unique_service("cserver-async");
    let mut srv = start_c_server(&exe, &service, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = qb_ipc::AsyncClient::connect(&service, 8192).await.unwrap();
        assert_eq!(c.server_credentials().pid, srv.child.id() as i32);
        let t = Some(Duration::from_secs(5));
        let resp = c.send_recv(&common::request(2, b"50"), t).await.unwrap();
        assert_eq!(&resp[RESPONSE_HEADER_SIZE..], b"50");
        for i in 0..50 {
            let ev = tokio::time::timeout(Duration::from_secs(5), c.recv_event())
                .await
                .expect("event in time")
                .unwrap();
            assert_eq!(&ev[RESPONSE_HEADER_SIZE..], format!("event {i}").as_bytes());
        }
        // No more events: the wait is cancel-safe and simply times out.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), c.recv_event())
                .await
                .is_err()
        );
        c.send_recv(&common::request(5, b"stop"), t).await.unwrap();
        let r = tokio::time::timeout(Duration::from_secs(5), c.recv_event())
            .await
            .expect("hang-up noticed");
        assert!(matches!(r, Err(Error::NotConnected)), "{r:?}");
    });
    assert_eq!(srv.lines.next().unwrap().unwrap(), "stopped");
    srv.child.wait().unwrap();
}
