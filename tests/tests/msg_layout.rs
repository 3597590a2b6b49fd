//! pcmk-msg's byte layouts checked against the reference's own structure
//! definitions compiled by gcc: `pcmk__ipc_header_t` and
//! `pcmk__cpg_msg_t` (Pacemaker 2.1.5, private headers) and corosync
//! 3.1.7's client IPC structs (`ipc_cpg.h`, `ipc_cmap.h`, `ipc_quorum.h`,
//! `ipc_votequorum.h`, `ipc_cfg.h`, not installed by any package).
//!
//! Needs gcc, the libqb headers and the reference sources: `$PACEMAKER_GIT`
//! / `$COROSYNC_GIT` (bare git mirrors; defaults under /work/.mirror).
//! The definitions are read from those sources at test time, never copied.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use atrium_tests::skip;
use pcmk_msg::corosync::{cfg, cmap, cpg, quorum, votequorum};
use pcmk_msg::{cpg_msg, ipc};

/// `git archive <tag> <paths>` of a mirror into `dir`.
fn archive(env: &str, default: &str, tag: &str, paths: &[&str], dir: &Path) -> bool {
    let git = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    if !git.exists() {
        return false;
    }
    let Ok(out) = Command::new("git")
        .arg(format!("--git-dir={}", git.display()))
        .arg("archive")
        .arg(tag)
        .args(paths)
        .output()
    else {
        return false;
    };
    if !out.status.success() || std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let Ok(mut tar) = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dir)
        .stdin(Stdio::piped())
        .spawn()
    else {
        return false;
    };
    let Some(mut stdin) = tar.stdin.take() else {
        return false;
    };
    let wrote = stdin.write_all(&out.stdout).is_ok();
    drop(stdin);
    wrote && tar.wait().is_ok_and(|s| s.success())
}

/// From the line containing `start` through the first line beginning
/// with `}` that ends with `;`.
fn block(src: &str, start: &str) -> String {
    let i = src
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found in the reference source"));
    let mut out = String::new();
    for line in src[i..].lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with('}') && line.trim_end().ends_with(';') {
            return out;
        }
    }
    panic!("end of {start} not found");
}

/// `(C expression, our value)` pairs.
fn expectations() -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = Vec::new();
    let mut s = |t: &str, n: usize| v.push((format!("sizeof({t})"), n));
    // Pacemaker.
    s("pcmk__ipc_header_t", ipc::HEADER_SIZE);
    s("pcmk__cpg_msg_t", cpg_msg::HEADER_SIZE);
    s("pcmk__cpg_host_t", cpg_msg::HOST_SIZE);
    // corosync cpg.
    s("mar_cpg_name_t", cpg::NAME_SIZE);
    s("mar_cpg_address_t", cpg::ADDRESS_SIZE);
    s("struct req_lib_cpg_join", cpg::layout::JOIN_REQ_SIZE);
    s("struct req_lib_cpg_leave", cpg::layout::LEAVE_REQ_SIZE);
    s("struct req_lib_cpg_mcast", cpg::layout::MCAST_REQ_SIZE);
    s(
        "struct req_lib_cpg_partial_mcast",
        cpg::layout::PARTIAL_MCAST_REQ_SIZE,
    );
    s(
        "struct req_lib_cpg_membership_get",
        cpg::layout::MEMBERSHIP_REQ_SIZE,
    );
    s(
        "struct res_lib_cpg_membership_get",
        cpg::layout::MEMBERSHIP_RES_SIZE,
    );
    s(
        "struct res_lib_cpg_local_get",
        cpg::layout::LOCAL_GET_RES_SIZE,
    );
    s(
        "struct req_lib_cpg_iterationinitialize",
        cpg::layout::ITER_INIT_REQ_SIZE,
    );
    s(
        "struct res_lib_cpg_iterationinitialize",
        cpg::layout::ITER_INIT_RES_SIZE,
    );
    s(
        "struct req_lib_cpg_iterationnext",
        cpg::layout::ITER_HANDLE_REQ_SIZE,
    );
    s(
        "struct req_lib_cpg_iterationfinalize",
        cpg::layout::ITER_HANDLE_REQ_SIZE,
    );
    s(
        "struct res_lib_cpg_iterationnext",
        cpg::layout::ITER_NEXT_RES_SIZE,
    );
    s(
        "struct res_lib_cpg_deliver_callback",
        cpg::layout::DELIVER_SIZE,
    );
    s(
        "struct res_lib_cpg_partial_deliver_callback",
        cpg::layout::PARTIAL_DELIVER_SIZE,
    );
    s(
        "struct res_lib_cpg_confchg_callback",
        cpg::layout::CONFCHG_SIZE,
    );
    // corosync cmap.
    s("mar_name_t", cmap::NAME_SIZE);
    s("struct req_lib_cmap_set", cmap::layout::SET_REQ_SIZE);
    s("struct req_lib_cmap_delete", cmap::layout::DELETE_REQ_SIZE);
    s("struct req_lib_cmap_get", cmap::layout::GET_REQ_SIZE);
    s("struct res_lib_cmap_get", cmap::layout::GET_RES_SIZE);
    s(
        "struct req_lib_cmap_adjust_int",
        cmap::layout::ADJUST_INT_REQ_SIZE,
    );
    s(
        "struct req_lib_cmap_iter_init",
        cmap::layout::ITER_INIT_REQ_SIZE,
    );
    s(
        "struct res_lib_cmap_iter_init",
        cmap::layout::ITER_INIT_RES_SIZE,
    );
    s(
        "struct req_lib_cmap_iter_next",
        cmap::layout::HANDLE_REQ_SIZE,
    );
    s(
        "struct res_lib_cmap_iter_next",
        cmap::layout::ITER_NEXT_RES_SIZE,
    );
    s(
        "struct req_lib_cmap_track_add",
        cmap::layout::TRACK_ADD_REQ_SIZE,
    );
    s(
        "struct res_lib_cmap_track_add",
        cmap::layout::HANDLE_RES_SIZE,
    );
    s(
        "struct req_lib_cmap_track_delete",
        cmap::layout::HANDLE_REQ_SIZE,
    );
    s(
        "struct res_lib_cmap_track_delete",
        cmap::layout::HANDLE_RES_SIZE,
    );
    s(
        "struct res_lib_cmap_notify_callback",
        cmap::layout::NOTIFY_SIZE,
    );
    s(
        "struct req_lib_cmap_set_current_map",
        cmap::layout::SET_CURRENT_MAP_REQ_SIZE,
    );
    // corosync quorum and votequorum.
    s(
        "struct req_lib_quorum_trackstart",
        quorum::layout::TRACKSTART_REQ_SIZE,
    );
    s(
        "struct res_lib_quorum_getquorate",
        quorum::layout::GETQUORATE_RES_SIZE,
    );
    s(
        "struct res_lib_quorum_gettype",
        quorum::layout::GETTYPE_RES_SIZE,
    );
    s(
        "struct req_lib_quorum_model_gettype",
        quorum::layout::MODEL_GETTYPE_REQ_SIZE,
    );
    s(
        "struct req_lib_votequorum_getinfo",
        votequorum::layout::GETINFO_REQ_SIZE,
    );
    s(
        "struct res_lib_votequorum_getinfo",
        votequorum::layout::GETINFO_RES_SIZE,
    );
    s(
        "struct req_lib_votequorum_setexpected",
        votequorum::layout::SETEXPECTED_REQ_SIZE,
    );
    s(
        "struct req_lib_votequorum_setvotes",
        votequorum::layout::SETVOTES_REQ_SIZE,
    );
    s(
        "struct req_lib_votequorum_trackstart",
        votequorum::layout::TRACKSTART_REQ_SIZE,
    );
    s(
        "struct res_lib_votequorum_expectedvotes_notification",
        votequorum::layout::EXPECTEDVOTES_NOTIFICATION_SIZE,
    );
    // corosync cfg.
    s(
        "struct req_lib_cfg_trackstart",
        cfg::layout::TRACKSTART_REQ_SIZE,
    );
    s(
        "struct req_lib_cfg_tryshutdown",
        cfg::layout::TRYSHUTDOWN_REQ_SIZE,
    );
    s(
        "struct req_lib_cfg_replytoshutdown",
        cfg::layout::REPLYTOSHUTDOWN_REQ_SIZE,
    );
    s(
        "struct res_lib_cfg_testshutdown",
        cfg::layout::TESTSHUTDOWN_SIZE,
    );
    s(
        "struct res_lib_cfg_local_get",
        cfg::layout::LOCAL_GET_RES_SIZE,
    );
    let mut o = |t: &str, f: &str, n: usize| v.push((format!("offsetof({t}, {f})"), n));
    // Pacemaker IPC header.
    o(
        "pcmk__ipc_header_t",
        "size_uncompressed",
        ipc::header::SIZE_UNCOMPRESSED_OFFSET,
    );
    o(
        "pcmk__ipc_header_t",
        "size_compressed",
        ipc::header::SIZE_COMPRESSED_OFFSET,
    );
    o("pcmk__ipc_header_t", "flags", ipc::header::FLAGS_OFFSET);
    o("pcmk__ipc_header_t", "version", ipc::header::VERSION_OFFSET);
    // Pacemaker CPG envelope.
    o("pcmk__cpg_msg_t", "id", cpg_msg::ID_OFFSET);
    o(
        "pcmk__cpg_msg_t",
        "is_compressed",
        cpg_msg::IS_COMPRESSED_OFFSET,
    );
    o("pcmk__cpg_msg_t", "host", cpg_msg::HOST_OFFSET);
    o("pcmk__cpg_msg_t", "sender", cpg_msg::SENDER_OFFSET);
    o("pcmk__cpg_msg_t", "size", cpg_msg::SIZE_OFFSET);
    o(
        "pcmk__cpg_msg_t",
        "compressed_size",
        cpg_msg::COMPRESSED_SIZE_OFFSET,
    );
    o("pcmk__cpg_msg_t", "data", cpg_msg::HEADER_SIZE);
    o("pcmk__cpg_host_t", "uname", cpg_msg::HOST_UNAME_OFFSET);
    // cpg fields the codecs use.
    o("struct req_lib_cpg_join", "pid", 152);
    o("struct req_lib_cpg_join", "flags", 160);
    o("struct req_lib_cpg_mcast", "msglen", 32);
    o("struct req_lib_cpg_partial_mcast", "type", 48);
    o("struct res_lib_cpg_deliver_callback", "msglen", 160);
    o("struct res_lib_cpg_deliver_callback", "nodeid", 168);
    o("struct res_lib_cpg_deliver_callback", "pid", 176);
    o(
        "struct res_lib_cpg_partial_deliver_callback",
        "fraglen",
        168,
    );
    o("struct res_lib_cpg_partial_deliver_callback", "nodeid", 176);
    o("struct res_lib_cpg_partial_deliver_callback", "type", 192);
    o(
        "struct res_lib_cpg_confchg_callback",
        "member_list_entries",
        160,
    );
    o(
        "struct res_lib_cpg_confchg_callback",
        "joined_list_entries",
        168,
    );
    o(
        "struct res_lib_cpg_confchg_callback",
        "left_list_entries",
        176,
    );
    o("struct res_lib_cpg_confchg_callback", "member_list", 184);
    o(
        "struct res_lib_cpg_totem_confchg_callback",
        "member_list_entries",
        40,
    );
    o(
        "struct res_lib_cpg_totem_confchg_callback",
        "member_list",
        cpg::layout::TOTEM_CONFCHG_LIST_OFFSET,
    );
    o("struct res_lib_cpg_membership_get", "member_list", 32);
    o(
        "struct res_lib_cpg_iterationnext",
        "description.nodeid",
        160,
    );
    o("struct res_lib_cpg_iterationnext", "description.pid", 164);
    o("mar_cpg_address_t", "pid", 8);
    o("mar_cpg_address_t", "reason", 16);
    // cmap.
    o("struct req_lib_cmap_set", "value_len", 280);
    o("struct req_lib_cmap_set", "type", 288);
    o("struct res_lib_cmap_get", "type", 32);
    o("struct res_lib_cmap_iter_next", "value_len", 288);
    o("struct res_lib_cmap_iter_next", "type", 296);
    o("struct req_lib_cmap_track_add", "track_inst_handle", 288);
    o("struct res_lib_cmap_notify_callback", "key_name", 32);
    o("struct res_lib_cmap_notify_callback", "event", 296);
    o("struct res_lib_cmap_notify_callback", "new_value_type", 304);
    o("struct res_lib_cmap_notify_callback", "old_value_type", 312);
    o("struct res_lib_cmap_notify_callback", "new_value_len", 320);
    o("struct res_lib_cmap_notify_callback", "old_value_len", 328);
    // quorum.
    o("struct res_lib_quorum_notification", "ring_seq", 32);
    o(
        "struct res_lib_quorum_notification",
        "view_list_entries",
        40,
    );
    o(
        "struct res_lib_quorum_notification",
        "view_list",
        quorum::layout::NOTIFICATION_LIST_OFFSET,
    );
    o(
        "struct res_lib_quorum_v1_quorum_notification",
        "view_list",
        quorum::layout::V1_QUORUM_LIST_OFFSET,
    );
    o(
        "struct res_lib_quorum_v1_nodelist_notification",
        "member_list",
        quorum::layout::V1_NODELIST_LIST_OFFSET,
    );
    // cfg.
    o("struct req_lib_cfg_trackstart", "track_flags", 16);
    o("struct req_lib_cfg_tryshutdown", "flags", 16);
    o("struct req_lib_cfg_replytoshutdown", "response", 16);
    o("struct res_lib_cfg_testshutdown", "flags", 24);
    o("struct res_lib_cfg_local_get", "local_nodeid", 24);
    // votequorum.
    o("struct res_lib_votequorum_getinfo", "flags", 52);
    o("struct res_lib_votequorum_getinfo", "qdevice_name", 60);
    o("struct req_lib_votequorum_setvotes", "nodeid", 20);
    o("struct req_lib_votequorum_trackstart", "track_flags", 24);
    o(
        "struct res_lib_votequorum_quorum_notification",
        "node_list",
        votequorum::layout::QUORUM_NOTIFICATION_LIST_OFFSET,
    );
    o(
        "struct res_lib_votequorum_nodelist_notification",
        "node_list",
        votequorum::layout::NODELIST_NOTIFICATION_LIST_OFFSET,
    );
    o(
        "struct res_lib_votequorum_nodelist_notification",
        "ring_id",
        32,
    );
    v
}

#[test]
fn layouts_match_gcc() {
    if Command::new("gcc").arg("--version").output().is_err() {
        skip!("gcc is not installed");
    }
    if !Path::new("/usr/include/qb/qbipc_common.h").exists() {
        skip!("libqb headers are not installed (libqb-dev)");
    }
    let tmp = std::env::temp_dir().join(format!("atrium-msg-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (cs, pm) = (tmp.join("corosync"), tmp.join("pacemaker"));
    if !archive(
        "COROSYNC_GIT",
        "/work/.mirror/corosync+corosync/repo",
        "v3.1.7",
        &["include"],
        &cs,
    ) {
        skip!("corosync 3.1.7 sources are not available ($COROSYNC_GIT)");
    }
    if !archive(
        "PACEMAKER_GIT",
        "/work/.mirror/ClusterLabs+pacemaker/repo",
        "Pacemaker-2.1.5",
        &[
            "lib/common/crmcommon_private.h",
            "lib/cluster/cpg.c",
            "include/crm/crm.h",
        ],
        &pm,
    ) {
        skip!("Pacemaker 2.1.5 sources are not available ($PACEMAKER_GIT)");
    }
    let read = |p: &str| std::fs::read_to_string(pm.join(p)).expect("reference source");
    let private = read("lib/common/crmcommon_private.h");
    let cpg_c = read("lib/cluster/cpg.c");
    let crm_h = read("include/crm/crm.h");
    let max_name = crm_h
        .lines()
        .find(|l| l.starts_with("#define MAX_NAME"))
        .expect("MAX_NAME in crm.h");

    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n\
         #include <qb/qbipc_common.h>\n#include <corosync/corotypes.h>\n\
         #include <corosync/corodefs.h>\n#include <corosync/hdb.h>\n\
         #include <corosync/cpg.h>\n#include <corosync/ipc_cpg.h>\n\
         #include <corosync/cmap.h>\n#include <corosync/ipc_cmap.h>\n\
         #include <corosync/quorum.h>\n#include <corosync/ipc_quorum.h>\n\
         #include <corosync/votequorum.h>\n#include <corosync/ipc_votequorum.h>\n\
         #include <corosync/cfg.h>\n#include <corosync/ipc_cfg.h>\n\
         typedef int gboolean;\nenum crm_ais_msg_types { crm_msg_none_ = 0 };\n",
    );
    c.push_str(max_name);
    c.push('\n');
    c.push_str(&block(&private, "typedef struct pcmk__ipc_header_s"));
    c.push_str(&block(&cpg_c, "struct pcmk__cpg_host_s {"));
    c.push_str("typedef struct pcmk__cpg_host_s pcmk__cpg_host_t;\n");
    c.push_str(&block(&cpg_c, "struct pcmk__cpg_msg_s {"));
    c.push_str("typedef struct pcmk__cpg_msg_s pcmk__cpg_msg_t;\nint main(void) {\n");
    let exp = expectations();
    for (e, _) in &exp {
        c.push_str(&format!(
            "    printf(\"%s=%zu\\n\", \"{e}\", (size_t) {e});\n"
        ));
    }
    c.push_str("    return 0;\n}\n");
    let src = tmp.join("layout.c");
    std::fs::write(&src, &c).expect("write C source");
    let bin = tmp.join("layout");
    let out = Command::new("gcc")
        .arg("-I")
        .arg(cs.join("include"))
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed:\n{}\n{c}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&bin).output().expect("run layout program");
    let text = String::from_utf8_lossy(&run.stdout);
    let got: BTreeMap<&str, usize> = text
        .lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect();
    let mut wrong = Vec::new();
    for (e, ours) in &exp {
        match got.get(e.as_str()) {
            Some(c) if c == ours => {}
            Some(c) => wrong.push(format!("{e}: gcc {c}, pcmk-msg {ours}")),
            None => wrong.push(format!("{e}: not printed")),
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(wrong.is_empty(), "layout mismatches:\n{}", wrong.join("\n"));
    eprintln!("{} layout facts match gcc", exp.len());
}
