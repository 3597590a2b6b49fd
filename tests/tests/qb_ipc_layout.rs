//! The byte layouts in qb_ipc::wire, checked with a C compiler against the
//! installed libqb headers (public structs) and the C library (sem_t,
//! sockaddr_un, PATH_MAX). The internal libqb structs (connection request
//! and response, ring header) are checked against live libqb peers in
//! qb_ipc_corosync.rs and qb_ipc_c_peers.rs.
// Ref: libqb include/qb/qbipc_common.h, lib/ipc_int.h, lib/ringbuffer_int.h

#[path = "qb_ipc_common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::process::Command;

use qb_ipc::wire;

const PROBE: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <semaphore.h>
#include <sys/un.h>
#include <qb/qbipc_common.h>
#include <qb/qbipcc.h>
#define P(name, v) printf("%s %zu\n", name, (size_t)(v))
int main(void) {
    P("req_hdr_size", sizeof(struct qb_ipc_request_header));
    P("req_hdr_id", offsetof(struct qb_ipc_request_header, id));
    P("req_hdr_size_off", offsetof(struct qb_ipc_request_header, size));
    P("resp_hdr_size", sizeof(struct qb_ipc_response_header));
    P("resp_hdr_size_off", offsetof(struct qb_ipc_response_header, size));
    P("resp_hdr_error_off", offsetof(struct qb_ipc_response_header, error));
    P("ipc_shm", QB_IPC_SHM);
    P("ipc_socket", QB_IPC_SOCKET);
    P("msg_authenticate", -QB_IPC_MSG_AUTHENTICATE);
    P("msg_disconnect", -QB_IPC_MSG_DISCONNECT);
    P("sem_size", sizeof(sem_t));
    P("sem_align", _Alignof(sem_t));
    P("path_max", PATH_MAX);
    P("name_max", NAME_MAX);
    P("sockaddr_un", sizeof(struct sockaddr_un));
    P("intptr", sizeof(intptr_t));
    return 0;
}
"#;

#[test]
fn wire_constants_match_the_c_headers() {
    let Some(exe) = common::build_c("qb_ipc_layout", "qb_layout_probe", PROBE) else {
        return;
    };
    let out = Command::new(&exe).output().expect("run probe");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let v: HashMap<&str, usize> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, n)| (k, n.parse().expect("number")))
        .collect();
    assert_eq!(v["req_hdr_size"], wire::REQUEST_HEADER_SIZE);
    assert_eq!(v["req_hdr_id"], 0);
    assert_eq!(v["req_hdr_size_off"], wire::HEADER_SIZE_OFFSET);
    assert_eq!(v["resp_hdr_size"], wire::RESPONSE_HEADER_SIZE);
    assert_eq!(v["resp_hdr_size_off"], wire::HEADER_SIZE_OFFSET);
    assert_eq!(v["resp_hdr_error_off"], wire::HEADER_ERROR_OFFSET);
    assert_eq!(v["ipc_shm"] as i32, wire::IPC_TYPE_SHM);
    assert_eq!(v["ipc_socket"] as i32, wire::IPC_TYPE_SOCKET);
    assert_eq!(-(v["msg_authenticate"] as i32), wire::MSG_AUTHENTICATE);
    assert_eq!(-(v["msg_disconnect"] as i32), wire::MSG_DISCONNECT);
    assert_eq!(v["sem_size"], wire::ring_header::SEM_SIZE);
    assert_eq!(wire::ring_header::SEM % v["sem_align"], 0);
    assert_eq!(v["path_max"], wire::PATH_MAX);
    assert_eq!(v["name_max"], wire::NAME_MAX);
    // The abstract address is bound with the whole structure's length.
    assert_eq!(v["sockaddr_un"], 110);
    assert_eq!(v["intptr"], 8);
    // Derived layouts: three PATH_MAX fields after a 40-byte head; the ring
    // header's sem_t sits 8-aligned after two PATH_MAX paths and ref_count.
    assert_eq!(
        wire::CONNECTION_RESPONSE_SIZE,
        wire::RESPONSE_HEADER_SIZE + 4 + 4 + v["intptr"] + 3 * v["path_max"]
    );
    let after_ref = wire::ring_header::REF_COUNT + 4;
    assert_eq!(
        wire::ring_header::SEM,
        after_ref.div_ceil(v["sem_align"]) * v["sem_align"]
    );
    assert_eq!(
        wire::ring_header::STRUCT_SIZE,
        (wire::ring_header::USER_DATA + 1).div_ceil(8) * 8
    );
}
