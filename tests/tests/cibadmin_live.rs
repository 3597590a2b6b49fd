//! Our `cibadmin` against a live CIB manager, compared with the reference
//! `/usr/sbin/cibadmin` command by command.
//!
//! Two identical one-node reference clusters run side by side in the lab:
//! A and B. Every command of a scripted session runs as the reference on
//! A and as ours on B, so both see the same CIB state and each change
//! happens once in each cluster; commands that change nothing also run as
//! ours on A (the very cluster the reference just used). stdout, stderr
//! and the exit code must be identical once the values that differ
//! between two clusters or two runs are masked: `cib-last-written`,
//! `num_updates`, the operation history's timing and transition keys, and
//! the random name of `cib-invalid.XXXXXX`.
//!
//! The session covers queries (`--scope`, `--xpath`, `--node-path`,
//! `--local`, `--sync-call`, `--no-children`, `--node`, `--timeout`),
//! create, modify (with `--allow-create`), replace, delete, delete-all,
//! patch, bump, upgrade, erase, md5 digests of the live CIB, bad input
//! (unparsable XML, schema violations, unknown sections and objects), ACL
//! denials for a user named with `-U` and for a real non-root user in
//! haclient (made inside the nodes only, by bind-mounting passwd/group),
//! and a cibadmin with no cluster at all.
//!
//! Needs root, the reference packages and the lab; skips otherwise.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, Lab, LabConfig, RunOpts, Stack};
use atrium_tests::{ours, reference, skip, Output};

/// The unprivileged user of the ACL steps (exists only inside the nodes).
const ACL_USER: &str = "atacl";

/// Attribute values that differ between two clusters running the same
/// script, or between two runs.
const VOLATILE: &[&str] = &[
    "cib-last-written",
    "num_updates",
    "transition-key",
    "transition-magic",
    "last-rc-change",
    "last-run",
    "exec-time",
    "queue-time",
    "call-id",
];

/// Mask [`VOLATILE`] attribute values and temporary file names.
fn normalise(text: &str) -> String {
    let mut s = text.to_owned();
    for name in VOLATILE {
        let pat = format!(" {name}=\"");
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(i) = rest.find(&pat) {
            let start = i + pat.len();
            out.push_str(&rest[..start]);
            out.push('#');
            rest = &rest[start..];
            rest = rest.find('"').map_or("", |j| &rest[j..]);
        }
        out.push_str(rest);
        s = out;
    }
    let pat = "cib-invalid.";
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find(pat) {
        out.push_str(&rest[..i + pat.len()]);
        out.push_str("XXXXXX");
        let tail = &rest[i + pat.len()..];
        rest = &tail[tail.len().min(6)..];
    }
    out.push_str(rest);
    out
}

/// What two twin clusters must agree on: everything but the status
/// section, whose children each cluster's daemons write in their own order
/// (the same-cluster comparison covers it byte for byte).
fn without_status(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        // Lines may carry validate_xml_verbose()'s numbers.
        let t = line
            .trim_start()
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        if !skipping && (t.starts_with("<status>") || t.starts_with("<status ")) {
            skipping = true;
            out.push_str("<status …/>\n");
        }
        if !skipping {
            out.push_str(line);
        }
        if skipping && (t.starts_with("</status>") || t.starts_with("<status/>")) {
            skipping = false;
        }
    }
    out
}

/// Who runs a command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Root,
    /// [`ACL_USER`], in group haclient.
    AclUser,
    /// Root, with `CIB_user` naming [`ACL_USER`].
    EnvUser,
    /// [`ACL_USER`]'s uid outside haclient: cannot reach the CIB manager.
    Stranger,
}

/// What the reference's exit code must be for the step to test what it
/// means to (the outputs themselves are compared, never written down).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Ok,
    Fail,
    Any,
}

struct Session<'l> {
    a: &'l Lab,
    b: &'l Lab,
    reference: String,
    ours: String,
    /// `setpriv` arguments that become [`ACL_USER`].
    as_user: Vec<String>,
    compared: usize,
    identical: usize,
    report: String,
    /// Steps whose reference result shows the scenario went astray.
    scenario: String,
}

impl Session<'_> {
    fn exec(&self, lab: &Lab, bin: &str, args: &[&str], stdin: Option<&[u8]>, who: Who) -> Output {
        let mut full: Vec<&str> = Vec::new();
        match who {
            Who::AclUser => full.extend(self.as_user.iter().map(String::as_str)),
            Who::EnvUser => full.extend(["env", "CIB_user=atacl"]),
            Who::Stranger => {
                full.extend(self.as_user[..2].iter().map(String::as_str));
                full.extend(["--regid=65534", "--clear-groups"]);
            }
            Who::Root => {}
        }
        full.push(bin);
        full.extend_from_slice(args);
        let opts = RunOpts {
            stdin: stdin.map(<[u8]>::to_vec),
            ..RunOpts::default()
        };
        lab.run_with(1, &full, &opts)
            .unwrap_or_else(|e| panic!("running {full:?}: {e}"))
    }

    fn compare(&mut self, what: &str, r: &Output, o: &Output) {
        self.compare_as(what, r, o, false)
    }

    /// Compare, masking the status section with `twins`.
    fn compare_as(&mut self, what: &str, r: &Output, o: &Output, twins: bool) {
        self.compared += 1;
        let view = |t: &str| {
            let n = normalise(t);
            if twins {
                without_status(&n)
            } else {
                n
            }
        };
        let (rout, oout) = (view(&r.stdout), view(&o.stdout));
        let (rerr, oerr) = (view(&r.stderr), view(&o.stderr));
        if rout == oout && rerr == oerr && r.code == o.code {
            self.identical += 1;
            return;
        }
        let _ = writeln!(self.report, "--- {what}");
        if r.code != o.code {
            let _ = writeln!(
                self.report,
                "exit code: reference {} ours {}",
                r.code, o.code
            );
        }
        for (name, x, y) in [("stdout", &rout, &oout), ("stderr", &rerr, &oerr)] {
            if x != y {
                let _ = writeln!(self.report, "{name} reference:\n{x}{name} ours:\n{y}");
            }
        }
    }

    /// Note when the reference's exit code is not what the step is for.
    /// With `ATRIUM_CIBADMIN_LIVE_TRACE` set, show every reference result.
    fn check_want(&mut self, args: &[&str], r: &Output, want: Want) {
        if std::env::var_os("ATRIUM_CIBADMIN_LIVE_TRACE").is_some() {
            eprintln!(
                "STEP {args:?} -> {}\n  stderr: {}\n  stdout: {}",
                r.code,
                r.stderr.trim(),
                r.stdout.lines().take(3).collect::<Vec<_>>().join(" | ")
            );
        }
        let off = match want {
            Want::Ok => r.code != 0,
            Want::Fail => r.code == 0,
            Want::Any => false,
        };
        if off {
            let _ = writeln!(
                self.scenario,
                "{args:?}: the reference exited {} ({})",
                r.code,
                r.stderr.trim()
            );
        }
    }

    /// A command that changes nothing: the reference and ours on A, ours on B.
    fn read(&mut self, args: &[&str], stdin: Option<&[u8]>, who: Who, want: Want) -> Output {
        let r = self.exec(self.a, &self.reference, args, stdin, who);
        self.check_want(args, &r, want);
        let o = self.exec(self.a, &self.ours, args, stdin, who);
        self.compare(&format!("{args:?} (same cluster)"), &r, &o);
        let o2 = self.exec(self.b, &self.ours, args, stdin, who);
        self.compare_as(&format!("{args:?} (twin cluster)"), &r, &o2, true);
        r
    }

    /// A command that may change the CIB: the reference on A, ours on B.
    fn write(&mut self, args: &[&str], stdin: Option<&[u8]>, who: Who, want: Want) -> Output {
        self.write_split(args, args, stdin, who, want)
    }

    /// [`Session::write`] with arguments that name per-cluster files.
    fn write_split(
        &mut self,
        args_a: &[&str],
        args_b: &[&str],
        stdin: Option<&[u8]>,
        who: Who,
        want: Want,
    ) -> Output {
        let r = self.exec(self.a, &self.reference, args_a, stdin, who);
        self.check_want(args_a, &r, want);
        let o = self.exec(self.b, &self.ours, args_b, stdin, who);
        self.compare_as(&format!("{args_a:?}"), &r, &o, true);
        r
    }

    /// Wait until both controllers are idle and both clusters hold the
    /// same CIB (the controller rewrites parts of it after an erase, at
    /// its own pace in each cluster). Differences that outlast the
    /// deadline are left for the comparisons to show.
    fn settle(&self) {
        for lab in [self.a, self.b] {
            lab::wait::wait_for("controller idle", Duration::from_secs(60), || {
                match lab.fsa_state(1, "n1") {
                    Ok(s) if s == "S_IDLE" => Ok(()),
                    Ok(s) => Err(s),
                    Err(e) => Err(e.to_string()),
                }
            })
            .expect("the cluster settles");
        }
        let _ = lab::wait::wait_for(
            "the same CIB in both clusters",
            Duration::from_secs(90),
            || {
                let q = |lab: &Lab| {
                    without_status(&normalise(
                        &self
                            .exec(lab, &self.reference, &["-Q"], None, Who::Root)
                            .stdout,
                    ))
                };
                if q(self.a) == q(self.b) {
                    Ok(())
                } else {
                    Err("different".to_owned())
                }
            },
        );
    }
}

/// A copy of our binary that the unprivileged user may run.
fn stage(dir: &Path, bin: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let to = dir.join("cibadmin");
    std::fs::copy(bin, &to).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
    to
}

fn haclient_gid() -> Option<u32> {
    let group = std::fs::read_to_string("/etc/group").ok()?;
    group
        .lines()
        .find(|l| l.starts_with("haclient:"))
        .and_then(|l| l.split(':').nth(2))
        .and_then(|g| g.parse().ok())
}

/// A uid nobody has on this machine.
fn free_uid() -> u32 {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let used: Vec<u32> = passwd
        .lines()
        .filter_map(|l| l.split(':').nth(2).and_then(|u| u.parse().ok()))
        .collect();
    (47110..).find(|u| !used.contains(u)).unwrap()
}

/// Give node 1 of `lab` a passwd and group file with [`ACL_USER`] (in
/// haclient), bind-mounted over its own /etc files only.
fn add_acl_user(lab: &Lab, dir: &Path, uid: u32, gid: u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let group = std::fs::read_to_string("/etc/group").unwrap();
    let passwd = format!("{passwd}{ACL_USER}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n");
    let group: String = group
        .lines()
        .map(|l| {
            if l.starts_with("haclient:") {
                let sep = if l.ends_with(':') { "" } else { "," };
                format!("{l}{sep}{ACL_USER}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let (p, g) = (dir.join("passwd"), dir.join("group"));
    std::fs::write(&p, passwd).unwrap();
    std::fs::write(&g, group).unwrap();
    let script = format!(
        "mount --bind {} /etc/passwd && mount --bind {} /etc/group",
        p.display(),
        g.display()
    );
    let out = lab
        .sh(1, &script)
        .expect("bind-mount passwd/group in the node");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A patch (crm_diff) that turns `old` into `new`, both whole CIBs.
fn make_patch(
    crm_diff: &Path,
    dir: &Path,
    tag: &str,
    old: &str,
    new: &str,
    versions: bool,
) -> PathBuf {
    let (o, n) = (
        dir.join(format!("{tag}-old.xml")),
        dir.join(format!("{tag}-new.xml")),
    );
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    let mut cmd = std::process::Command::new(crm_diff);
    cmd.arg("-o").arg(&o).arg("-n").arg(&n);
    if !versions {
        cmd.arg("--no-version");
    }
    let out = cmd.output().expect("crm_diff runs");
    assert_eq!(out.status.code(), Some(1), "crm_diff found the change");
    let p = dir.join(format!("{tag}-patch.xml"));
    std::fs::write(&p, &out.stdout).unwrap();
    p
}

const DUMMY1: &str = r#"<primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="r1-meta"><nvpair id="r1-meta-target-role" name="target-role" value="Stopped"/></meta_attributes></primitive>"#;
const GROUP: &str = r#"<group id="g1"><primitive id="g1-a" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="g1-a-meta"><nvpair id="g1-a-tr" name="target-role" value="Stopped"/></meta_attributes></primitive></group>"#;
const ACLS: &str = r#"<acls><acl_target id="atacl"><role id="reader"/></acl_target><acl_role id="reader"><acl_permission id="reader-read" kind="read" xpath="/cib"/><acl_permission id="reader-deny" kind="deny" reference="cib-bootstrap-options"/></acl_role></acls>"#;

#[test]
fn live_session_matches_the_reference() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let (Some(refbin), Some(crm_diff)) = (reference("cibadmin"), reference("crm_diff")) else {
        skip!("the reference cibadmin/crm_diff is not installed");
    };
    let Some(gid) = haclient_gid() else {
        skip!("no haclient group on this machine");
    };
    let t0 = Instant::now();
    let dir = std::env::temp_dir().join(format!("cibadmin-live-{}", std::process::id()));
    let ours_bin = stage(&dir, &ours("cibadmin"));

    // Two identical clusters, started together.
    let pid = std::process::id();
    let a = Lab::create(LabConfig::new(1).id(&format!("cibla{pid}"))).expect("lab A");
    let b = Lab::create(LabConfig::new(1).id(&format!("ciblb{pid}"))).expect("lab B");
    a.start(1).expect("start A");
    b.start(1).expect("start B");
    for lab in [&a, &b] {
        lab.wait_converged(&[1], Duration::from_secs(90))
            .expect("cluster converged");
    }
    let uid = free_uid();
    add_acl_user(&a, &dir, uid, gid);
    add_acl_user(&b, &dir, uid, gid);
    let up = t0.elapsed();

    let mut s = Session {
        a: &a,
        b: &b,
        reference: refbin.to_string_lossy().into_owned(),
        ours: ours_bin.to_string_lossy().into_owned(),
        as_user: vec![
            "setpriv".into(),
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            format!("--groups={gid}"),
        ],
        compared: 0,
        identical: 0,
        report: String::new(),
        scenario: String::new(),
    };
    use Want::{Any, Fail, Ok};
    use Who::{AclUser, EnvUser, Root, Stranger};

    // Queries.
    s.settle();
    s.read(&["-Q"], None, Root, Ok);
    s.read(&["--query", "--scope", "configuration"], None, Root, Ok);
    s.read(&["-Q", "-o", "crm_config"], None, Root, Ok);
    s.read(&["-Q", "-o", "nodes", "-s"], None, Root, Ok);
    s.read(&["-Q", "-o", "resources"], None, Root, Ok);
    s.read(&["-Q", "-o", "status"], None, Root, Ok);
    s.read(&["-Q", "-l", "-o", "crm_config"], None, Root, Ok);
    s.read(&["-Q", "--local", "--sync-call"], None, Root, Ok);
    s.read(&["-Q", "-n"], None, Root, Ok);
    s.read(
        &["-Q", "--no-children", "-o", "configuration"],
        None,
        Root,
        Ok,
    );
    s.read(
        &["-Q", "--xpath", "//nvpair[@name='stonith-enabled']"],
        None,
        Root,
        Ok,
    );
    s.read(&["-Q", "-A", "//nvpair", "-e"], None, Root, Ok);
    s.read(
        &["-Q", "--xpath", "//node_state", "--node-path"],
        None,
        Root,
        Ok,
    );
    s.read(&["-Q", "--xpath", "//nosuch"], None, Root, Fail);
    s.read(&["-Q", "--xpath", "//nosuch", "-s"], None, Root, Fail);
    s.read(&["-Q", "-o", "nosuchsection"], None, Root, Any);
    s.read(&["-Q", "-N", "n1", "-o", "crm_config"], None, Root, Ok);
    s.read(&["-Q", "-t", "0", "-o", "nodes"], None, Root, Ok);
    s.read(&["-Q", "-V", "-o", "nodes"], None, Root, Ok);
    // Info-level logs: sign-on, main loop, callback, exit.
    s.read(&["-Q", "-VVVVV", "-o", "nodes"], None, Root, Ok);
    s.read(&["-Q", "-VVVVV", "-s", "-o", "nodes"], None, Root, Ok);
    // A node that does not exist: nobody answers before the timeout.
    s.write(
        &["-Q", "-N", "n9", "-t", "1", "-o", "nodes"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-Q", "-s", "--node", "n9", "--timeout", "1", "-o", "nodes"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-Q", "-s", "-N", "n9", "-t", "1", "-VVVVV", "-o", "nodes"],
        None,
        Root,
        Fail,
    );

    // Create, modify, replace, delete.
    let create = ["-C", "-o", "resources", "-X", DUMMY1];
    s.write(&create, None, Root, Ok);
    s.write(&create, None, Root, Fail);
    s.write(
        &["--create", "--scope", "resources", "--xml-text", GROUP],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-C", "-s", "-o", "resources", "-X", GROUP],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-C", "-o", "resources", "-X", "<primitive id=\"bad\"/>"],
        None,
        Root,
        Fail,
    );
    s.write(
        &[
            "-C",
            "-s",
            "-o",
            "resources",
            "-X",
            "<primitive id=\"bad\"/>",
        ],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-C", "-o", "nosuchsection", "-X", "<primitive id=\"x\"/>"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-C", "-o", "resources", "-X", "<primitive id=\"x\""],
        None,
        Root,
        Fail,
    );
    s.write(&["-C", "-o", "resources", "-X", ""], None, Root, Fail);
    s.write(
        &["-M", "-X", "<primitive id=\"r1\" description=\"first\"/>"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["--modify", "-X", "<primitive id=\"nosuch\"/>"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-M", "-VV", "-X", "<primitive id=\"nosuch\"/>"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-M", "-s", "-VVVV", "-X", "<primitive id=\"nosuch\"/>"],
        None,
        Root,
        Fail,
    );
    s.write(
        &[
            "-M",
            "-c",
            "-o",
            "resources",
            "-X",
            "<primitive id=\"r3\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>",
        ],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-M", "-o", "crm_config", "-X", "<cluster_property_set id=\"cib-bootstrap-options\"><nvpair id=\"opt-foo\" name=\"foo\" value=\"1\"/></cluster_property_set>"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-M", "-X", "<cib admin_epoch=\"admin_epoch++\"/>"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-M", "-p"],
        Some(b"<nvpair id=\"opt-foo\" name=\"foo\" value=\"2\"/>"),
        Root,
        Ok,
    );
    s.write(&["-M", "-p"], Some(b"not xml"), Root, Fail);
    s.read(&["-Q", "-o", "resources"], None, Root, Ok);
    s.write(
        &["-R", "-X", "<primitive id=\"r3\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\" description=\"replaced\"/>"],
        None,
        Root,
        Ok,
    );
    let constraints = dir.join("constraints.xml");
    std::fs::write(
        &constraints,
        "<constraints><rsc_location id=\"loc1\" rsc=\"r1\" node=\"n1\" score=\"100\"/></constraints>\n",
    )
    .unwrap();
    let cpath = constraints.to_string_lossy().into_owned();
    s.write(&["-R", "-o", "constraints", "-x", &cpath], None, Root, Ok);
    s.write(
        &["-R", "-o", "constraints", "-x", "/nonexistent/c.xml"],
        None,
        Root,
        Fail,
    );
    s.read(&["-Q", "-o", "constraints"], None, Root, Ok);
    s.write(&["-D", "-X", "<rsc_location id=\"loc1\"/>"], None, Root, Ok);
    s.write(&["-D", "-X", "<primitive id=\"nosuch\"/>"], None, Root, Any);
    s.write(
        &["-D", "-o", "resources", "-X", "<primitive id=\"r3\"/>"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-D", "--xpath", "//primitive[@id='nosuch']"],
        None,
        Root,
        Any,
    );
    s.write(
        &["-D", "--xpath", "//nvpair[@name='target-role']"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["-d", "--xpath", "//nvpair[@name='target-role']"],
        None,
        Root,
        Fail,
    );
    s.write(
        &["-d", "--force", "--xpath", "//nvpair[@name='target-role']"],
        None,
        Root,
        Ok,
    );
    s.write(
        &["--delete-all", "--force", "--xpath", "//nosuch"],
        None,
        Root,
        Any,
    );
    s.write(
        &["-D", "-o", "nosuchsection", "-X", "<x id=\"y\"/>"],
        None,
        Root,
        Any,
    );
    s.write(
        &[
            "-M",
            "-b",
            "--force",
            "-o",
            "crm_config",
            "-X",
            "<nvpair id=\"opt-foo\" value=\"3\"/>",
        ],
        None,
        Root,
        Any,
    );
    s.settle();
    s.read(&["-Q", "-o", "configuration"], None, Root, Ok);

    // Epoch, digests of the live CIB.
    s.write(&["-B"], None, Root, Ok);
    s.write(&["--bump", "-s"], None, Root, Ok);
    s.settle();
    let cib = s.read(&["-Q"], None, Root, Ok).stdout;
    s.read(&["-5", "-p"], Some(cib.as_bytes()), Root, Ok);
    s.read(
        &["--md5-sum-versioned", "-p"],
        Some(cib.as_bytes()),
        Root,
        Ok,
    );
    s.read(&["--md5-sum"], None, Root, Fail);

    // Patches: versioned (made from each cluster's own CIB, as the
    // versions differ in num_updates), applied twice; unversioned; bad.
    s.settle();
    let cib_a = s.exec(&a, &s.reference, &["-Q"], None, Root).stdout;
    let cib_b = s.exec(&b, &s.reference, &["-Q"], None, Root).stdout;
    // The new CIB: one option changed and the epoch raised, so that the
    // versioned patch moves the cluster forward.
    let bump = |c: &str| {
        let c = c.replace("name=\"foo\" value=\"3\"", "name=\"foo\" value=\"4\"");
        let at = c.find(" epoch=\"").expect("the CIB has an epoch") + 8;
        let end = at + c[at..].find('"').expect("closing quote");
        let epoch: u64 = c[at..end].parse().expect("numeric epoch");
        format!("{}{}{}", &c[..at], epoch + 1, &c[end..])
    };
    assert_ne!(
        bump(&cib_a),
        cib_a,
        "the CIB holds the option the patch changes"
    );
    let pa = make_patch(&crm_diff, &dir, "a", &cib_a, &bump(&cib_a), true);
    let pb = make_patch(&crm_diff, &dir, "b", &cib_b, &bump(&cib_b), true);
    let (pa, pb) = (
        pa.to_string_lossy().into_owned(),
        pb.to_string_lossy().into_owned(),
    );
    s.write_split(&["-P", "-x", &pa], &["-P", "-x", &pb], None, Root, Ok);
    s.write_split(
        &["--patch", "-x", &pa],
        &["--patch", "-x", &pb],
        None,
        Root,
        Fail,
    );
    let pu = make_patch(
        &crm_diff,
        &dir,
        "u",
        &cib_a,
        &cib_a.replace("name=\"foo\" value=\"3\"", "name=\"foo\" value=\"5\""),
        false,
    );
    let pu = pu.to_string_lossy().into_owned();
    s.write(&["-P", "-x", &pu], None, Root, Ok);
    s.write(&["-P", "-X", "<diff format=\"2\"><change operation=\"delete\" path=\"/cib/configuration/nosuch\"/></diff>"], None, Root, Any);
    s.write(&["-P", "-X", "<primitive id=\"r1\"/>"], None, Root, Any);
    s.read(&["-Q", "-o", "crm_config"], None, Root, Ok);

    // ACLs: enable them, define a reader who may not see the cluster
    // options, then act as that user with -U (as root) and for real.
    s.write(&["-R", "-o", "acls", "-X", ACLS], None, Root, Fail);
    s.write(&["-C", "-o", "configuration", "-X", ACLS], None, Root, Ok);
    s.write(&["-C", "-o", "acls", "-X", ACLS], None, Root, Fail);
    s.write(&["-R", "-o", "acls", "-X", ACLS], None, Root, Ok);
    s.write(
        &[
            "-M",
            "-o",
            "crm_config",
            "-X",
            "<nvpair id=\"opt-acl\" name=\"enable-acl\" value=\"true\"/>",
        ],
        None,
        Root,
        Any,
    );
    s.write(
        &["-M", "-c", "-o", "crm_config", "-X", "<cluster_property_set id=\"cib-bootstrap-options\"><nvpair id=\"opt-acl\" name=\"enable-acl\" value=\"true\"/></cluster_property_set>"],
        None,
        Root,
        Ok,
    );
    s.settle();
    s.read(
        &["-Q", "-U", ACL_USER, "-o", "configuration"],
        None,
        Root,
        Ok,
    );
    s.read(&["-Q", "-U", ACL_USER, "-o", "crm_config"], None, Root, Any);
    s.read(
        &["-Q", "-U", "nobodyatall", "-o", "configuration"],
        None,
        Root,
        Any,
    );
    s.write(
        &[
            "-M",
            "-U",
            ACL_USER,
            "-X",
            "<nvpair id=\"opt-foo\" value=\"9\"/>",
        ],
        None,
        Root,
        Fail,
    );
    s.read(&["-Q", "-o", "configuration"], None, AclUser, Ok);
    s.read(&["-Q", "-o", "crm_config", "-s"], None, AclUser, Any);
    s.read(
        &["-Q", "--xpath", "//nvpair[@name='foo']"],
        None,
        AclUser,
        Any,
    );
    s.write(
        &["-M", "-X", "<nvpair id=\"opt-foo\" value=\"9\"/>"],
        None,
        AclUser,
        Fail,
    );
    s.write(
        &[
            "-C",
            "-o",
            "resources",
            "-X",
            "<primitive id=\"r9\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>",
        ],
        None,
        AclUser,
        Fail,
    );
    s.write(
        &["-D", "-s", "-X", "<primitive id=\"r1\"/>"],
        None,
        AclUser,
        Fail,
    );
    s.write(&["-B"], None, AclUser, Fail);
    s.write(&["-Q", "-o", "nodes"], None, Stranger, Fail);
    s.write(&["-B", "-s"], None, Stranger, Fail);
    s.read(&["-Q", "-o", "configuration"], None, EnvUser, Ok);
    s.write(
        &["-M", "-X", "<nvpair id=\"opt-foo\" value=\"9\"/>"],
        None,
        EnvUser,
        Fail,
    );
    s.read(
        &[
            "--show-access=color",
            "-Q",
            "-U",
            ACL_USER,
            "-o",
            "crm_config",
        ],
        None,
        Root,
        Ok,
    );
    s.read(
        &[
            "--show-access=text",
            "-Q",
            "-U",
            ACL_USER,
            "-o",
            "configuration",
        ],
        None,
        Root,
        Ok,
    );
    s.settle();
    s.read(
        &["--show-access=namespace", "-Q", "-U", ACL_USER],
        None,
        Root,
        Ok,
    );
    s.read(&["--show-access", "-Q"], None, Root, Fail);

    // Upgrade: already the newest schema, then from an older one.
    s.write(&["--upgrade"], None, Root, Fail);
    s.write(&["--upgrade", "--force"], None, Root, Ok);
    s.write(&["-u", "--force", "-s"], None, Root, Ok);
    s.write(
        &["-M", "-X", "<cib validate-with=\"pacemaker-2.10\"/>"],
        None,
        Root,
        Ok,
    );
    s.read(&["-Q", "-n"], None, Root, Ok);
    s.write(&["-u", "--force"], None, Root, Ok);
    s.read(&["-Q", "-n"], None, Root, Ok);

    // Erase everything (the controller puts its own entries back).
    s.write(&["-E"], None, Root, Fail);
    s.write(&["--erase", "--force"], None, Root, Ok);
    s.settle();
    s.read(&["-Q", "-o", "configuration"], None, Root, Ok);
    s.read(&["-Q", "-o", "resources", "-s"], None, Root, Ok);

    let session = t0.elapsed();

    // No cluster at all: a network namespace without the CIB manager.
    let unshare = |bin: &str, args: &[&str]| -> Output {
        let mut full = vec!["-n", bin];
        full.extend_from_slice(args);
        atrium_tests::run(Path::new("/usr/bin/unshare"), &full, None)
    };
    for args in [
        &["-Q"][..],
        &["-M", "-X", "<nvpair id=\"x\" value=\"1\"/>"][..],
    ] {
        let r = unshare(&s.reference, args);
        let o = unshare(&s.ours, args);
        assert_ne!(r.code, 0, "the reference found no cluster: {}", r.stderr);
        s.compare(&format!("{args:?} (no cluster)"), &r, &o);
    }

    let report = std::mem::take(&mut s.report);
    eprintln!(
        "cibadmin live: {} invocations compared, {} identical (clusters up in {:.1} s, session {:.1} s)",
        s.compared,
        s.identical,
        up.as_secs_f64(),
        session.as_secs_f64() - up.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        s.compared >= 60,
        "the session compares at least 60 invocations"
    );
    assert!(
        report.is_empty(),
        "differences from the reference:\n{report}"
    );
}
