//! The qb-ipc server under hostile and heavy use: malformed setup messages,
//! truncated, empty and oversized frames, shared memory truncated by the
//! peer, clients vanishing mid-request, a client that never reads its
//! events, and 1,000 concurrent clients. Throughout, the server keeps
//! serving and leaks neither /dev/shm entries nor descriptors.

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qb_ipc::wire::{ConnectionRequest, ConnectionResponse, CONNECTION_RESPONSE_SIZE};
use qb_ipc::{Client, Connection, ConnectionHandle, Error, EventStatus, Server, ServerConfig};

/// Connect with std to the padded abstract name libqb uses (addrlen 110).
fn raw_connect(service: &str) -> UnixStream {
    let mut name = [0u8; 107];
    name[..service.len()].copy_from_slice(service.as_bytes());
    let addr = SocketAddr::from_abstract_name(name).unwrap();
    UnixStream::connect_addr(&addr).unwrap()
}

/// Echo service: id 2 asks for `n` events; everything else is echoed.
async fn serve(mut conn: Connection, events: Arc<Mutex<Vec<Result<EventStatus, String>>>>) {
    while let Some(req) = conn.recv().await {
        let payload = req.bytes.get(16..).unwrap_or_default();
        if conn
            .send_response(&common::response(req.header.id, 0, payload))
            .is_err()
        {
            continue;
        }
        if req.header.id == 2 {
            let n: usize = std::str::from_utf8(payload).unwrap().parse().unwrap();
            for i in 0..n {
                let r = conn.send_event(&common::response(7, 0, format!("ev {i}").as_bytes()));
                let stop = r.is_err();
                events.lock().unwrap().push(r.map_err(|e| e.to_string()));
                if stop {
                    break;
                }
            }
        }
    }
}

struct Fixture {
    _rt: tokio::runtime::Runtime,
    service: String,
    events: Arc<Mutex<Vec<Result<EventStatus, String>>>>,
    handles: Arc<Mutex<Vec<ConnectionHandle>>>,
}

fn start(tag: &str, config: ServerConfig) -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let service = common::unique_service(tag);
    let events = Arc::new(Mutex::new(Vec::new()));
    let handles = Arc::new(Mutex::new(Vec::new()));
    let mut server = rt.block_on(async { Server::bind(&service, config).unwrap() });
    let (ev, hs) = (events.clone(), handles.clone());
    rt.spawn(async move {
        loop {
            let conn = server.accept().await.unwrap();
            hs.lock().unwrap().push(conn.handle());
            tokio::spawn(serve(conn, ev.clone()));
        }
    });
    Fixture {
        _rt: rt,
        service,
        events,
        handles,
    }
}

fn echo(c: &Client, id: i32, payload: &[u8]) -> Result<(), Error> {
    let resp = c.send_recv(&common::request(id, payload), Some(Duration::from_secs(5)))?;
    assert_eq!(&resp[24..], payload);
    Ok(())
}

/// The descriptor and /dev/shm checks need the process to themselves.
static SERIAL: Mutex<()> = Mutex::new(());

/// Wait until every closed connection is released: no directory of this
/// service left in /dev/shm, descriptors back to `fds`.
fn settle(f: &Fixture, fds: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        f.handles.lock().unwrap().retain(|h| !h.is_closed());
        let (d, n) = (common::service_dirs(&f.service).len(), common::fd_count());
        if d == 0 && n <= fds {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not released: {d} directories, {n} descriptors (want {fds})"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn hostile_clients_do_not_disturb_the_server() {
    let config = ServerConfig {
        handshake_timeout: Duration::from_millis(300),
        max_queued_events: 100,
        ..ServerConfig::default()
    };
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    // A runtime with signal handling (tokio's "signal" feature, enabled
    // for the workspace by the daemons) opens a process-wide socket pair
    // the first time one is built and keeps it: count after that.
    drop(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    );
    let fds0 = common::fd_count();
    let f = start("hostile", config);
    let dirs = common::our_server_dirs();
    let good = Client::connect(&f.service, 8192).unwrap();
    echo(&good, 1, b"hello").unwrap();
    let fds = common::fd_count();

    // Setup-phase garbage: a silent client, a short one, a wrong id, a
    // greedy size, trailing bytes.
    let silent = raw_connect(&f.service);
    drop(raw_connect(&f.service));
    let mut s = raw_connect(&f.service);
    s.write_all(b"0123456789").unwrap();
    drop(s);
    let mut s = raw_connect(&f.service);
    let mut req = ConnectionRequest { max_msg_size: 8192 }.encode();
    req[0] = 5;
    s.write_all(&req).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    assert!(buf.is_empty(), "a non-AUTHENTICATE setup gets no answer");
    drop(s);
    let mut s = raw_connect(&f.service);
    s.write_all(
        &ConnectionRequest {
            max_msg_size: u32::MAX,
        }
        .encode(),
    )
    .unwrap();
    let mut buf = vec![0u8; CONNECTION_RESPONSE_SIZE];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(
        ConnectionResponse::decode(&buf).unwrap().error,
        -Error::MessageTooLarge { len: 0, max: 0 }.errno()
    );
    drop(s);
    let mut silent = silent;
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(silent.read(&mut [0u8; 8]).unwrap(), 0, "handshake timeout");
    echo(&good, 1, b"still here").unwrap();

    // Frames: shorter than a request header (ignored), oversized (refused
    // locally), empty (a disconnect, as in libqb), QB_IPC_MSG_DISCONNECT.
    good.send(&[1, 2, 3]).unwrap();
    echo(&good, 1, b"after a short frame").unwrap();
    assert!(matches!(
        good.send(&vec![0u8; good.max_msg_size() + 1]),
        Err(Error::MessageTooLarge { .. })
    ));
    let c = Client::connect(&f.service, 8192).unwrap();
    c.send(&[]).unwrap();
    assert!(matches!(
        c.recv(Some(Duration::from_secs(5))),
        Err(Error::NotConnected)
    ));
    drop(c);
    let c = Client::connect(&f.service, 8192).unwrap();
    c.send(&common::request(-3, b"")).unwrap();
    assert!(matches!(
        c.recv(Some(Duration::from_secs(5))),
        Err(Error::NotConnected)
    ));
    drop(c);

    // A client truncates its response ring: the server's write faults
    // (SIGBUS absorbed), only that connection ends.
    let before_faults = qb_ipc::sigbus_faults();
    let c = Client::connect(&f.service, 8192).unwrap();
    echo(&c, 1, b"x").unwrap();
    let newest = common::our_server_dirs()
        .difference(&dirs)
        .filter_map(|d| {
            let p = std::path::Path::new("/dev/shm").join(d);
            let m = std::fs::metadata(&p).ok()?;
            Some((m.modified().ok()?, p))
        })
        .max()
        .unwrap()
        .1;
    let data = newest.join(format!("qb-response-{}-data", f.service));
    std::fs::File::options()
        .write(true)
        .open(&data)
        .unwrap()
        .set_len(0)
        .unwrap();
    c.send(&common::request(1, b"y")).unwrap();
    assert!(c.recv(Some(Duration::from_secs(5))).is_err());
    assert!(qb_ipc::sigbus_faults() > before_faults);
    drop(c);
    echo(&good, 1, b"after a truncation").unwrap();

    // Clients vanishing mid-request.
    for i in 0..50 {
        let c = Client::connect(&f.service, 8192).unwrap();
        c.send(&common::request(1, format!("bye {i}").as_bytes()))
            .unwrap();
        drop(c);
    }
    echo(&good, 1, b"after vanishing clients").unwrap();

    // A client that never reads events: ring fills, events queue, then
    // the client is evicted; the server goes on.
    let lazy = Client::connect(&f.service, 8192).unwrap();
    echo(&lazy, 2, b"1000").unwrap();
    common::wait_for("eviction", Duration::from_secs(5), || {
        f.events
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.is_err())
            .then_some(())
    });
    {
        let ev = f.events.lock().unwrap();
        assert!(ev.contains(&Ok(EventStatus::Sent)));
        assert!(ev.contains(&Ok(EventStatus::Queued)));
    }
    // Events delivered before the eviction can still be read, then ENOTCONN.
    let first = lazy.recv_event(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(&first[24..], b"ev 0");
    let mut n = 1;
    loop {
        match lazy.recv_event(Some(Duration::from_secs(5))) {
            Ok(_) => n += 1,
            Err(Error::NotConnected) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(n > 1);
    drop(lazy);
    echo(&good, 1, b"after eviction").unwrap();

    drop(silent);
    drop(good);
    settle(&f, fds);
    let service = f.service.clone();
    drop(f);
    assert!(common::service_dirs(&service).is_empty());
    common::wait_for("runtime descriptors to go", Duration::from_secs(5), || {
        (common::fd_count() <= fds0).then_some(())
    });
}

#[test]
fn a_thousand_concurrent_clients() {
    let n = 1000usize;
    if common::nofile_limit() < 4 * n as u64 {
        eprintln!(
            "SKIPPED a_thousand_concurrent_clients: open-file limit below {}",
            4 * n
        );
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let f = start("thousand", ServerConfig::default());
    let fds = common::fd_count();
    let start_t = Instant::now();
    let clients: Vec<Client> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let service = f.service.clone();
                s.spawn(move || {
                    (w..n)
                        .step_by(8)
                        .map(|i| {
                            let c = Client::connect(&service, 8192).unwrap();
                            echo(&c, i as i32 + 10, format!("client {i}").as_bytes()).unwrap();
                            c
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let connected = start_t.elapsed();
    assert_eq!(clients.len(), n);
    assert_eq!(common::service_dirs(&f.service).len(), n);
    // One event to every client, from the server's handles.
    let handles: Vec<ConnectionHandle> = f.handles.lock().unwrap().clone();
    assert_eq!(handles.len(), n);
    for h in &handles {
        assert_eq!(
            h.send_event(&common::response(7, 0, b"broadcast")).unwrap(),
            EventStatus::Sent
        );
    }
    for c in &clients {
        let ev = c.recv_event(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(&ev[24..], b"broadcast");
        echo(c, 3, b"again").unwrap();
    }
    println!(
        "1,000 clients connected and served in {connected:?}; all done in {:?}",
        start_t.elapsed()
    );
    drop(handles);
    drop(clients);
    settle(&f, fds);
}
