//! Our server against a real libqb client that matters: the reference
//! `cibadmin -Q` (Pacemaker 2.1.5) connecting to our server bound as
//! `cib_rw` in a private network namespace. Just enough of Pacemaker's IPC
//! layer is implemented here (40-byte header, register and query replies).
// Ref: pacemaker lib/common/ipc_server.c pcmk__ipc_prepare_iov, lib/cib/cib_native.c

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use qb_ipc::{pacemaker_auth, Connection, Server, ServerConfig};

/// Pacemaker's `pcmk__ipc_header_t` (test-only): qb response header (id @0,
/// size @8, error @16), size_uncompressed @24, size_compressed @28,
/// flags @32, version (u8) @36; 40 bytes.
const PCMK_HEADER: usize = 40;
const FLAG_CLIENT_RESPONSE: u32 = 0x200;
const FLAG_SERVER_EVENT: u32 = 0x10000;

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap())
}

fn pcmk_message(id: i32, flags: u32, xml: &str) -> Vec<u8> {
    let text_len = xml.len() + 1;
    let mut m = vec![0u8; PCMK_HEADER];
    m[0..4].copy_from_slice(&id.to_ne_bytes());
    m[8..12].copy_from_slice(&((PCMK_HEADER + text_len) as i32).to_ne_bytes());
    m[24..28].copy_from_slice(&(text_len as u32).to_ne_bytes());
    m[32..36].copy_from_slice(&flags.to_ne_bytes());
    m[36] = 1;
    m.extend_from_slice(xml.as_bytes());
    m.push(0);
    m
}

fn attr<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!(" {name}=\"");
    let start = xml.find(&pat)? + pat.len();
    Some(&xml[start..start + xml[start..].find('"')?])
}

const CIB: &str = r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="7" num_updates="3" admin_epoch="0" have-quorum="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#;

async fn serve_cib(mut conn: Connection, log: Arc<Mutex<Vec<String>>>) {
    let client_id = format!("atrium-{}", conn.id());
    while let Some(req) = conn.recv().await {
        let b = &req.bytes;
        assert!(b.len() >= PCMK_HEADER, "short Pacemaker message");
        assert_eq!(b[36], 1, "Pacemaker IPC header version");
        assert_eq!(u32_at(b, 28), 0, "small requests are not compressed");
        let flags = u32_at(b, 32);
        let text = &b[PCMK_HEADER..];
        let xml = std::str::from_utf8(&text[..text.len() - 1])
            .unwrap()
            .to_owned();
        log.lock().unwrap().push(format!("flags={flags:#x} {xml}"));
        let reply = match attr(&xml, "cib_op") {
            Some("register") => format!(
                r#"<cib_common_callback_worker cib_op="register" cib_clientid="{client_id}"/>"#
            ),
            Some("cib_query") => format!(
                r#"<cib-reply t="cib" cib_op="cib_query" cib_callid="{}" cib_clientid="{client_id}" cib_callopt="{}" cib_rc="0"><cib_calldata>{CIB}</cib_calldata></cib-reply>"#,
                attr(&xml, "cib_callid").unwrap_or("0"),
                attr(&xml, "cib_callopt").unwrap_or("0"),
            ),
            _ => continue,
        };
        if flags & FLAG_CLIENT_RESPONSE != 0 {
            conn.send_response(&pcmk_message(req.header.id, 0, &reply))
                .unwrap();
        } else {
            conn.send_event(&pcmk_message(1, FLAG_SERVER_EVENT, &reply))
                .unwrap();
        }
    }
}

#[test]
fn cibadmin_queries_our_server() {
    let Some(cibadmin) = atrium_tests::reference("cibadmin") else {
        eprintln!("SKIPPED cibadmin_queries_our_server: cibadmin is not installed");
        return;
    };
    if !common::enter_netns("cibadmin_queries_our_server") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let before = common::our_server_dirs();
    let outs = rt.block_on(async {
        let config = ServerConfig {
            max_buffer_size: 128 * 1024,
            authorize: Arc::new(|c: &qb_ipc::Credentials| Ok(pacemaker_auth(c, 0))),
            ..ServerConfig::default()
        };
        let mut server = Server::bind("cib_rw", config).unwrap();
        let log2 = log.clone();
        let acceptor = tokio::spawn(async move {
            loop {
                let conn = server.accept().await.unwrap();
                tokio::spawn(serve_cib(conn, log2.clone()));
            }
        });
        let mut outs = Vec::new();
        for args in [&["-Q"][..], &["-Q", "-s"][..]] {
            let exe = cibadmin.clone();
            let out = tokio::task::spawn_blocking(move || atrium_tests::run(&exe, args, None))
                .await
                .unwrap();
            outs.push(out);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while common::our_server_dirs() != before {
            assert!(tokio::time::Instant::now() < deadline, "files left behind");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        acceptor.abort();
        outs
    });
    for l in log.lock().unwrap().iter() {
        println!("request: {l}");
    }
    for out in &outs {
        assert_eq!(out.code, 0, "cibadmin failed: {}", out.stderr);
        // cibadmin prints the CIB we served (its own formatting).
        for needle in [
            r#"epoch="7""#,
            r#"num_updates="3""#,
            "<resources/>",
            "</cib>",
        ] {
            assert!(
                out.stdout.contains(needle),
                "{needle} not in {}",
                out.stdout
            );
        }
    }
    let log = log.lock().unwrap();
    assert!(log.iter().any(|l| l.contains(r#"cib_op="register""#)));
    assert_eq!(log.iter().filter(|l| l.contains("cib_query")).count(), 2);
}
