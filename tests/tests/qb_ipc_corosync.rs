//! Our client against a real libqb server: the reference corosync 3.1.7,
//! single node (udpu on 127.0.0.1), in a private network namespace, asked
//! for a cmap key through qb-ipc; the answer is compared with what
//! `corosync-cmapctl -g` (the reference client) prints for the same key.
// Ref: corosync include/corosync/ipc_cmap.h, exec/cmap.c message_handler_req_lib_cmap_get

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qb_ipc::wire::ResponseHeader;
use qb_ipc::{Client, Error};

/// Test-only slice of corosync's cmap IPC (ipc_cmap.h, x86_64): the request
/// `req_lib_cmap_get` is the 16-byte request header, `mar_name_t key_name`
/// (u16 length @16, value[256] @24), `value_len` (u64) @280: 288 bytes.
/// The answer `res_lib_cmap_get` is the 24-byte response header,
/// `value_len` (u64) @24, `type` (u8) @32, value @40.
mod cmap {
    pub const REQ_GET: i32 = 2;
    pub const RES_GET: i32 = 2;
    pub const REQ_GET_SIZE: usize = 288;
    pub const CS_OK: i32 = 1;
    pub const CS_ERR_NOT_EXIST: i32 = 12;
    pub const TYPE_STRING: u8 = 11;
    pub const TYPE_UINT32: u8 = 6;

    pub fn get_request(key: &str, value_len: u64) -> Vec<u8> {
        let mut b = vec![0u8; REQ_GET_SIZE];
        b[..16].copy_from_slice(
            &qb_ipc::wire::RequestHeader {
                id: REQ_GET,
                size: REQ_GET_SIZE as i32,
            }
            .encode(),
        );
        b[16..18].copy_from_slice(&(key.len() as u16).to_ne_bytes());
        b[24..24 + key.len()].copy_from_slice(key.as_bytes());
        b[280..288].copy_from_slice(&value_len.to_ne_bytes());
        b
    }

    /// (error, type, value bytes)
    pub fn parse_get(resp: &[u8]) -> (i32, u8, Vec<u8>) {
        let h = qb_ipc::wire::ResponseHeader::decode(resp).unwrap();
        assert_eq!(h.id, RES_GET);
        assert_eq!(h.size as usize, resp.len());
        if h.error != CS_OK {
            return (h.error, 0, Vec::new());
        }
        let len = u64::from_ne_bytes(resp[24..32].try_into().unwrap()) as usize;
        (h.error, resp[32], resp[40..40 + len].to_vec())
    }
}

const CONF: &str = "totem {
    version: 2
    cluster_name: CLUSTER
    transport: udpu
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        nodeid: 1
        name: qbnode1
    }
}
logging {
    to_stderr: yes
    to_syslog: no
    to_logfile: no
}
system {
    state_dir: STATE
}
";

#[test]
fn cmap_get_from_reference_corosync() {
    let Some(corosync) = atrium_tests::reference("corosync") else {
        eprintln!("SKIPPED cmap_get_from_reference_corosync: corosync is not installed");
        return;
    };
    if !common::enter_netns("cmap_get_from_reference_corosync") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("atrium-qb-corosync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cluster = format!("atrium{}", std::process::id());
    let conf = dir.join("corosync.conf");
    std::fs::write(
        &conf,
        CONF.replace("CLUSTER", &cluster)
            .replace("STATE", &dir.display().to_string()),
    )
    .unwrap();
    let mut child = Command::new(&corosync)
        .arg("-f")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cs_pid = child.id() as i32;

    // Wait until cmap answers (corosync binds its IPC services early, and
    // refuses with EAGAIN until it is ready).
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        match Client::connect("cmap", 64 * 1024) {
            Ok(c) => break c,
            Err(e) => {
                assert!(Instant::now() < deadline, "cmap never came up: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    assert_eq!(client.server_credentials().pid, cs_pid);
    client.check_server(u32::MAX, u32::MAX).unwrap();
    let ours = format!("qb-{cs_pid}-{}-", std::process::id());
    assert_eq!(
        common::shm_entries(&ours).len(),
        1,
        "one connection directory"
    );

    let t = Some(Duration::from_secs(5));
    let resp = client
        .send_recv(&cmap::get_request("totem.cluster_name", 256), t)
        .unwrap();
    let (err, ty, value) = cmap::parse_get(&resp);
    assert_eq!((err, ty), (cmap::CS_OK, cmap::TYPE_STRING));
    // cmap stores strings with their NUL.
    assert_eq!(value, format!("{cluster}\0").as_bytes());

    let resp = client
        .send_recv(&cmap::get_request("nodelist.node.0.nodeid", 4), t)
        .unwrap();
    let (err, ty, value) = cmap::parse_get(&resp);
    assert_eq!((err, ty), (cmap::CS_OK, cmap::TYPE_UINT32));
    assert_eq!(u32::from_ne_bytes(value.try_into().unwrap()), 1);

    let resp = client
        .send_recv(&cmap::get_request("no.such.key.atrium", 16), t)
        .unwrap();
    assert_eq!(cmap::parse_get(&resp).0, cmap::CS_ERR_NOT_EXIST);
    assert_eq!(ResponseHeader::decode(&resp).unwrap().size, 40);

    // The reference client, on the same key, through the same server.
    if let Some(cmapctl) = atrium_tests::reference("corosync-cmapctl") {
        let out = atrium_tests::run(&cmapctl, &["-g", "totem.cluster_name"], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            out.stdout.trim(),
            format!("totem.cluster_name (str) = {cluster}")
        );
    }

    // Many sequential round trips against the C server.
    let n = 1000;
    let start = Instant::now();
    for _ in 0..n {
        let resp = client
            .send_recv(&cmap::get_request("totem.cluster_name", 256), t)
            .unwrap();
        assert_eq!(cmap::parse_get(&resp).0, cmap::CS_OK);
    }
    let el = start.elapsed();
    println!(
        "BENCH qb-ipc client -> corosync cmap: {n} round trips in {:?} ({:.1} us each)",
        el,
        el.as_secs_f64() * 1e6 / n as f64
    );

    // Closing our side releases the connection: corosync removes its files.
    drop(client);
    common::wait_for(
        "corosync to drop our connection",
        Duration::from_secs(5),
        || common::shm_entries(&ours).is_empty().then_some(()),
    );

    // A stopped server: the client sees ENOTCONN, and leaves nothing behind.
    let client = Client::connect("cmap", 8192).unwrap();
    // SIGTERM via kill(1): corosync shuts down cleanly.
    Command::new("kill")
        .arg(cs_pid.to_string())
        .status()
        .unwrap();
    let r = client.recv(Some(Duration::from_secs(10)));
    assert!(matches!(r, Err(Error::NotConnected)), "{r:?}");
    drop(client);
    child.wait().unwrap();
    assert!(common::shm_entries(&format!("qb-{cs_pid}-")).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
