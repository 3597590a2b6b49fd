//! The layout constants of totem-wire checked against the reference's own
//! structure definitions, compiled by gcc: `sizeof`/`offsetof` of the
//! Totem, totempg, sync and service structs of corosync 3.1.7.
//!
//! Needs gcc, libqb headers and the corosync 3.1.7 sources: `$COROSYNC_SRC`
//! (a tree with include/ and exec/) or a bare git mirror at
//! `$COROSYNC_GIT` (default /work/.mirror/corosync+corosync/repo). The
//! definitions are read from those sources at test time, never copied here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use atrium_tests::skip;
use totem_wire::layout as l;

fn source_tree(tmp: &Path) -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("COROSYNC_SRC") {
        let d = PathBuf::from(d);
        return d.join("exec/totemsrp.c").exists().then_some(d);
    }
    let git = std::env::var_os("COROSYNC_GIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/.mirror/corosync+corosync/repo"));
    if !git.exists() {
        return None;
    }
    let dir = tmp.join("src");
    std::fs::create_dir_all(&dir).ok()?;
    let archive = Command::new("git")
        .arg(format!("--git-dir={}", git.display()))
        .args(["archive", "v3.1.7", "include", "exec"])
        .output()
        .ok()?;
    if !archive.status.success() {
        return None;
    }
    let mut tar = Command::new("tar")
        .args(["-x", "-C"])
        .arg(&dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    use std::io::Write;
    tar.stdin.take()?.write_all(&archive.stdout).ok()?;
    tar.wait().ok()?.success().then_some(dir)
}

/// The text of `struct name { ... };` in `src`.
fn extract(src: &str, name: &str) -> Option<String> {
    let pat = format!("\nstruct {name}");
    let start = src.match_indices(&pat).map(|(i, _)| i).find(|&i| {
        src[i + pat.len()..]
            .trim_start_matches([' ', '\t'])
            .starts_with('{')
    })? + 1;
    let rest = &src[start..];
    let end = rest
        .lines()
        .scan(0usize, |off, line| {
            *off += line.len() + 1;
            Some((*off, line))
        })
        .find(|(_, line)| line.starts_with('}') && line.trim_end().ends_with(';'))?
        .0;
    Some(rest[..end].to_string())
}

#[test]
fn layout_constants_match_gcc() {
    let tmp = std::env::temp_dir().join(format!("atrium-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("temp dir");
    if Command::new("gcc").arg("--version").output().is_err() {
        skip!("gcc is not installed");
    }
    if !Path::new("/usr/include/qb/qbipc_common.h").exists() {
        skip!("libqb headers are not installed (libqb-dev)");
    }
    let Some(src) = source_tree(&tmp) else {
        skip!("corosync 3.1.7 sources not found (set COROSYNC_SRC or COROSYNC_GIT)");
    };
    let read = |p: &str| std::fs::read_to_string(src.join(p)).expect("source file");
    let files: [(&str, &[&str]); 8] = [
        ("include/corosync/totem/totem.h", &["totem_message_header"]),
        (
            "exec/totemsrp.c",
            &[
                "srp_addr",
                "mcast",
                "rtr_item",
                "orf_token",
                "memb_join",
                "memb_merge_detect",
                "token_hold_cancel",
                "memb_commit_token_memb_entry",
                "memb_commit_token",
            ],
        ),
        ("exec/totempg.c", &["totempg_mcast_header", "totempg_mcast"]),
        (
            "exec/sync.c",
            &["req_exec_service_build_message", "req_exec_barrier_message"],
        ),
        (
            "exec/cpg.c",
            &[
                "req_exec_cpg_procjoin",
                "req_exec_cpg_mcast",
                "req_exec_cpg_partial_mcast",
                "req_exec_cpg_downlist_old",
                "req_exec_cpg_downlist",
                "join_list_entry",
            ],
        ),
        (
            "exec/votequorum.c",
            &[
                "req_exec_quorum_nodeinfo",
                "req_exec_quorum_reconfigure",
                "req_exec_quorum_qdevice_reg",
                "req_exec_quorum_qdevice_reconfigure",
            ],
        ),
        (
            "exec/cmap.c",
            &["req_exec_cmap_mcast_item", "req_exec_cmap_mcast"],
        ),
        (
            "exec/cfg.c",
            &[
                "req_exec_cfg_ringreenable",
                "req_exec_cfg_reload_config",
                "req_exec_cfg_crypto_reconfig",
                "req_exec_cfg_killnode",
                "req_exec_cfg_shutdown",
            ],
        ),
    ];
    // The header order the reference's own sources use.
    let mut c = String::from(
        "#include <stdint.h>\n#include <stddef.h>\n#include <stdio.h>\n#include <string.h>\n#include <netinet/in.h>\n#include <sys/uio.h>\n\
         #define PROCESSOR_COUNT_MAX 384\n#include <qb/qbipc_common.h>\n\
         #include <corosync/corotypes.h>\n#include <corosync/hdb.h>\n#include <corosync/mar_gen.h>\n\
         #include <corosync/coroapi.h>\n#include <corosync/cpg.h>\n#include <corosync/ipc_cpg.h>\n\
         #include <corosync/votequorum.h>\n#include <corosync/ipc_votequorum.h>\n",
    );
    for (file, names) in files {
        let text = read(file);
        for n in names {
            c += &extract(&text, n).unwrap_or_else(|| panic!("struct {n} not found in {file}"));
            c.push('\n');
        }
    }
    let checks: Vec<(&str, usize)> = vec![
        ("sizeof(struct totem_message_header)", l::TOTEM_HEADER_SIZE),
        ("sizeof(struct memb_ring_id)", l::RING_ID_SIZE),
        ("sizeof(struct orf_token)", l::ORF_TOKEN_SIZE),
        ("sizeof(struct rtr_item)", l::RTR_ITEM_SIZE),
        ("sizeof(struct mcast)", l::MCAST_SIZE),
        ("sizeof(struct memb_merge_detect)", l::MERGE_DETECT_SIZE),
        ("sizeof(struct memb_join)", l::MEMB_JOIN_SIZE),
        ("sizeof(struct memb_commit_token)", l::COMMIT_TOKEN_SIZE),
        (
            "sizeof(struct memb_commit_token_memb_entry)",
            l::COMMIT_MEMB_ENTRY_SIZE,
        ),
        (
            "sizeof(struct token_hold_cancel)",
            l::TOKEN_HOLD_CANCEL_SIZE,
        ),
        ("sizeof(struct totempg_mcast)", l::TOTEMPG_MCAST_SIZE),
        ("sizeof(struct qb_ipc_request_header)", l::REQ_HEADER_SIZE),
        ("sizeof(struct qb_ipc_response_header)", l::RES_HEADER_SIZE),
        (
            "sizeof(struct req_exec_barrier_message)",
            l::SYNC_BARRIER_SIZE,
        ),
        (
            "sizeof(struct req_exec_service_build_message)",
            l::SYNC_SERVICE_BUILD_SIZE,
        ),
        (
            "offsetof(struct req_exec_service_build_message, service_list_entries)",
            l::SYNC_SERVICE_BUILD_COUNT_OFFSET,
        ),
        (
            "offsetof(struct req_exec_service_build_message, service_list)",
            l::SYNC_SERVICE_BUILD_LIST_OFFSET,
        ),
        ("sizeof(mar_cpg_name_t)", l::CPG_NAME_SIZE),
        ("sizeof(mar_message_source_t)", l::MESSAGE_SOURCE_SIZE),
        ("sizeof(struct req_exec_cpg_procjoin)", l::CPG_PROCJOIN_SIZE),
        (
            "offsetof(struct req_exec_cpg_procjoin, pid)",
            l::CPG_PROCJOIN_PID_OFFSET,
        ),
        (
            "offsetof(struct req_exec_cpg_procjoin, reason)",
            l::CPG_PROCJOIN_REASON_OFFSET,
        ),
        ("sizeof(struct req_exec_cpg_mcast)", l::CPG_MCAST_SIZE),
        (
            "offsetof(struct req_exec_cpg_mcast, msglen)",
            l::CPG_MCAST_MSGLEN_OFFSET,
        ),
        (
            "offsetof(struct req_exec_cpg_mcast, pid)",
            l::CPG_MCAST_PID_OFFSET,
        ),
        (
            "offsetof(struct req_exec_cpg_mcast, source)",
            l::CPG_MCAST_SOURCE_OFFSET,
        ),
        (
            "sizeof(struct req_exec_cpg_partial_mcast)",
            l::CPG_PARTIAL_MCAST_SIZE,
        ),
        ("sizeof(struct req_exec_cpg_downlist)", l::CPG_DOWNLIST_SIZE),
        (
            "sizeof(struct req_exec_cpg_downlist_old)",
            l::CPG_DOWNLIST_OLD_SIZE,
        ),
        ("sizeof(struct join_list_entry)", l::CPG_JOINLIST_ENTRY_SIZE),
        (
            "sizeof(struct req_exec_quorum_nodeinfo)",
            l::VQ_NODEINFO_SIZE,
        ),
        (
            "sizeof(struct req_exec_quorum_reconfigure)",
            l::VQ_RECONFIGURE_SIZE,
        ),
        (
            "sizeof(struct req_exec_quorum_qdevice_reg)",
            l::VQ_QDEVICE_REG_SIZE,
        ),
        (
            "sizeof(struct req_exec_quorum_qdevice_reconfigure)",
            l::VQ_QDEVICE_RECONFIGURE_SIZE,
        ),
        ("sizeof(mar_name_t)", l::MAR_NAME_SIZE),
        ("sizeof(struct req_exec_cmap_mcast)", l::CMAP_MCAST_SIZE),
        (
            "sizeof(struct req_exec_cmap_mcast_item)",
            l::CMAP_MCAST_ITEM_SIZE,
        ),
        (
            "offsetof(struct req_exec_cmap_mcast_item, value_type)",
            l::CMAP_ITEM_TYPE_OFFSET,
        ),
        (
            "offsetof(struct req_exec_cmap_mcast_item, value_len)",
            l::CMAP_ITEM_LEN_OFFSET,
        ),
        (
            "sizeof(struct req_exec_cfg_ringreenable)",
            l::CFG_SOURCE_MSG_SIZE,
        ),
        (
            "sizeof(struct req_exec_cfg_reload_config)",
            l::CFG_SOURCE_MSG_SIZE,
        ),
        (
            "sizeof(struct req_exec_cfg_crypto_reconfig)",
            l::CFG_CRYPTO_RECONFIG_SIZE,
        ),
        ("sizeof(struct req_exec_cfg_killnode)", l::CFG_KILLNODE_SIZE),
        ("sizeof(struct req_exec_cfg_shutdown)", l::CFG_SHUTDOWN_SIZE),
    ];
    c += "int main(void) {\n";
    for (expr, _) in &checks {
        c += &format!("    printf(\"%zu\\n\", (size_t)({expr}));\n");
    }
    c += "    return 0;\n}\n";
    // coroapi.h includes the build's config.h; an empty one will do.
    std::fs::write(tmp.join("config.h"), "").expect("config.h");
    std::fs::write(tmp.join("layout.c"), &c).expect("layout.c");
    let exe = tmp.join("layout");
    let cc = Command::new("gcc")
        .arg("-I")
        .arg(&tmp)
        .arg("-I")
        .arg(src.join("include"))
        .arg(tmp.join("layout.c"))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        cc.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&exe).output().expect("run layout");
    let got: Vec<usize> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|v| v.parse().expect("number"))
        .collect();
    let mut wrong = BTreeMap::new();
    for ((expr, want), got) in checks.iter().zip(&got) {
        if want != got {
            wrong.insert(*expr, (*got, *want));
        }
    }
    assert_eq!(got.len(), checks.len());
    assert!(
        wrong.is_empty(),
        "gcc (left) vs layout.rs (right): {wrong:#?}"
    );
    eprintln!("{} layout constants agree with gcc", checks.len());
    let _ = std::fs::remove_dir_all(&tmp);
}
