//! ACLs enforced by Atrium's pacemaker-based, against the reference's: the
//! scenarios of cts-cli's ACL tests (the users, roles and commands behind
//! cts/cli/regression.acls.exp) run against two live one-node clusters,
//! one with the reference's CIB manager and one with ours. The tools are
//! the reference's, run as root with `CIB_user` set (a privileged client
//! may act as any user), so the daemon alone decides what is allowed,
//! denied and visible. Every step's stdout, stderr and exit code must
//! match, and so must the configuration (read as root) after it.
//!
//! The "replace" steps edit a copy of the live CIB with the reference's
//! tools on a file (as cts-cli does), then replace as the user.
//!
//! Needs root, the reference packages and the lab; skips otherwise.
// Ref: cts/cts-cli.in (test_acls, test_acl_loop), lib/common/acl.c,
// daemons/based/based_callbacks.c (the user of a privileged client)

mod based_common;

use atrium_tests::lab::{self, Lab, LabConfig, RunOpts, Stack};
use atrium_tests::skip;

/// cts-cli's ACLs in the form the live cluster's schema (pacemaker-3.x,
/// acls-2.0) takes, as its upgrade step produces them: users become
/// `acl_target`s, their direct permissions a role of their own.
const ACLS: &str = r#"<acls>
  <acl_target id="l33t-haxor"><role id="auto-l33t-haxor"/></acl_target>
  <acl_role id="auto-l33t-haxor"><acl_permission id="crook-nothing" kind="deny" xpath="/cib"/></acl_role>
  <acl_target id="niceguy"><role id="observer"/></acl_target>
  <acl_target id="bob"><role id="admin"/></acl_target>
  <acl_target id="joe"><role id="super_user"/></acl_target>
  <acl_target id="mike"><role id="rsc_writer"/></acl_target>
  <acl_target id="chris"><role id="rsc_denied"/></acl_target>
  <acl_role id="observer">
    <acl_permission id="observer-read-1" kind="read" xpath="/cib"/>
    <acl_permission id="observer-write-1" kind="write" xpath="//nvpair[@name='stonith-enabled']"/>
    <acl_permission id="observer-write-2" kind="write" xpath="//nvpair[@name='target-role']"/>
  </acl_role>
  <acl_role id="admin">
    <acl_permission id="admin-read-1" kind="read" xpath="/cib"/>
    <acl_permission id="admin-write-1" kind="write" xpath="//resources"/>
  </acl_role>
  <acl_role id="super_user"><acl_permission id="super_user-write-1" kind="write" xpath="/cib"/></acl_role>
  <acl_role id="rsc_writer">
    <acl_permission id="rsc-writer-deny-1" kind="deny" xpath="/cib"/>
    <acl_permission id="rsc-writer-write-1" kind="write" xpath="//resources"/>
  </acl_role>
  <acl_role id="rsc_denied">
    <acl_permission id="rsc-denied-write-1" kind="write" xpath="/cib"/>
    <acl_permission id="rsc-denied-deny-1" kind="deny" xpath="//resources"/>
  </acl_role>
</acls>"#;

const DUMMY: &str = r#"<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"/>"#;

/// One step of the scenario.
enum Step {
    /// Run a tool as `user`.
    Run(&'static str, Vec<String>),
    /// Query the CIB as root, apply `edits` (tool command lines) to that
    /// copy in a file, then `cibadmin --replace <args> --xml-file` it as
    /// `user`.
    Replace {
        user: &'static str,
        args: &'static [&'static str],
        edits: Vec<Vec<String>>,
    },
}

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn run(user: &'static str, args: &[&str]) -> Step {
    Step::Run(user, v(args))
}

/// cts-cli's test_acls setup and test_acl_loop.
fn scenario() -> Vec<Step> {
    let mut s = vec![
        run("root", &["cibadmin", "-M", "-c", "-o", "acls", "-X", ACLS]),
        run("root", &["crm_attribute", "-n", "enable-acl", "-v", "true"]),
        run(
            "root",
            &["crm_attribute", "-n", "no-quorum-policy", "-v", "ignore"],
        ),
        run(
            "root",
            &[
                "cibadmin",
                "--create",
                "-o",
                "acls",
                "--xml-text",
                r#"<acl_role id="auto-badidea"><acl_permission id="badidea-resources" kind="read" xpath="//meta_attributes"/></acl_role>"#,
            ],
        ),
        run(
            "root",
            &[
                "cibadmin",
                "--create",
                "-o",
                "acls",
                "--xml-text",
                r#"<acl_target id="badidea"><role id="auto-badidea"/></acl_target>"#,
            ],
        ),
        run(
            "root",
            &[
                "cibadmin",
                "--create",
                "-o",
                "acls",
                "--xml-text",
                r#"<acl_role id="auto-betteridea"><acl_permission id="betteridea-resources" kind="read" xpath="//meta_attributes"/></acl_role>"#,
            ],
        ),
        run(
            "root",
            &[
                "cibadmin",
                "--create",
                "-o",
                "acls",
                "--xml-text",
                r#"<acl_target id="betteridea"><role id="auto-betteridea"/></acl_target>"#,
            ],
        ),
        run(
            "root",
            &[
                "cibadmin",
                "--replace",
                "-o",
                "acls",
                "--xml-text",
                r#"<acl_role id="auto-betteridea"><acl_permission id="betteridea-nothing" kind="deny" xpath="/cib"/><acl_permission id="betteridea-resources" kind="read" xpath="//meta_attributes"/></acl_role>"#,
            ],
        ),
        run(
            "root",
            &["cibadmin", "--replace", "--xml-text", "<resources/>"],
        ),
    ];
    for user in ["unknownguy", "l33t-haxor", "niceguy"] {
        s.push(run(user, &["cibadmin", "-Q"]));
        s.push(run(
            user,
            &["crm_attribute", "-n", "enable-acl", "-v", "false"],
        ));
        s.push(run(
            user,
            &["crm_attribute", "-n", "stonith-enabled", "-v", "false"],
        ));
        s.push(run(
            user,
            &["cibadmin", "-C", "-o", "resources", "--xml-text", DUMMY],
        ));
    }
    s.push(run("root", &["cibadmin", "-Q"]));
    s.push(run(
        "root",
        &["crm_attribute", "-n", "stonith-enabled", "-v", "true"],
    ));
    s.push(run(
        "root",
        &["cibadmin", "-C", "-o", "resources", "--xml-text", DUMMY],
    ));
    for user in ["l33t-haxor", "niceguy"] {
        s.push(run(
            user,
            &[
                "crm_resource",
                "-r",
                "dummy",
                "--meta",
                "-p",
                "target-role",
                "-v",
                "Stopped",
            ],
        ));
        s.push(run(
            user,
            &["crm_resource", "-r", "dummy", "--meta", "-g", "target-role"],
        ));
        s.push(run(
            user,
            &["crm_resource", "-r", "dummy", "--meta", "-d", "target-role"],
        ));
    }
    s.push(run(
        "niceguy",
        &[
            "crm_resource",
            "-r",
            "dummy",
            "--meta",
            "-p",
            "target-role",
            "-v",
            "Started",
        ],
    ));
    s.push(run("badidea", &["cibadmin", "-Q"]));
    s.push(run("betteridea", &["cibadmin", "-Q"]));

    let modify = |d: &str| {
        v(&[
            "cibadmin",
            "--modify",
            "--xml-text",
            &format!(r#"<primitive id="dummy" description="{d}"/>"#),
        ])
    };
    let plain = || {
        v(&[
            "cibadmin",
            "--replace",
            "-o",
            "resources",
            "--xml-text",
            DUMMY,
        ])
    };
    let whole: &'static [&'static str] = &[];
    let rsc: &'static [&'static str] = &["-o", "resources"];
    s.push(Step::Replace {
        user: "niceguy",
        args: whole,
        edits: vec![v(&["cibadmin", "--delete", "--xml-text", "<acls/>"])],
    });
    s.push(Step::Replace {
        user: "niceguy",
        args: whole,
        edits: vec![v(&[
            "cibadmin",
            "-C",
            "-o",
            "resources",
            "--xml-text",
            r#"<primitive id="dummy2" class="ocf" provider="pacemaker" type="Dummy"/>"#,
        ])],
    });
    s.push(Step::Replace {
        user: "niceguy",
        args: whole,
        edits: vec![v(&["crm_attribute", "-n", "enable-acl", "-v", "false"])],
    });
    s.push(Step::Replace {
        user: "niceguy",
        args: whole,
        edits: vec![v(&[
            "cibadmin",
            "--replace",
            "--xml-text",
            r#"<nvpair id="cib-bootstrap-options-enable-acl" name="enable-acl"/>"#,
        ])],
    });
    s.push(Step::Replace {
        user: "niceguy",
        args: whole,
        edits: vec![modify("nothing interesting")],
    });
    for user in ["bob", "joe", "mike"] {
        s.push(Step::Replace {
            user,
            args: rsc,
            edits: vec![modify("nothing interesting")],
        });
        s.push(Step::Replace {
            user,
            args: rsc,
            edits: vec![modify("something interesting")],
        });
        s.push(Step::Replace {
            user,
            args: rsc,
            edits: vec![plain()],
        });
    }
    s.push(Step::Replace {
        user: "chris",
        args: rsc,
        edits: vec![modify("nothing interesting")],
    });
    s.push(run(
        "root",
        &[
            "cibadmin",
            "--modify",
            "--xml-text",
            r#"<primitive id="dummy" description="nothing interesting"/>"#,
        ],
    ));
    s.push(Step::Replace {
        user: "chris",
        args: rsc,
        edits: vec![modify("something interesting")],
    });
    s.push(run(
        "root",
        &[
            "cibadmin",
            "--modify",
            "--xml-text",
            r#"<primitive id="dummy" description="something interesting"/>"#,
        ],
    ));
    s.push(Step::Replace {
        user: "chris",
        args: rsc,
        edits: vec![plain()],
    });
    s
}

fn as_user(lab: &Lab, user: &str, args: &[String]) -> atrium_tests::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    lab.run_with(
        1,
        &args,
        &RunOpts {
            env: vec![("CIB_user".into(), user.into())],
            ..RunOpts::default()
        },
    )
    .expect("run a tool")
}

/// Run the steps; each step's output and the configuration after it.
fn play(lab: &Lab, tag: &str) -> Vec<(String, atrium_tests::Output, String)> {
    let mut seen = Vec::new();
    for (n, step) in scenario().iter().enumerate() {
        let (what, out) = match step {
            Step::Run(user, args) => (
                format!("{user}: {}", args.join(" ")),
                as_user(lab, user, args),
            ),
            Step::Replace { user, args, edits } => {
                let cib = as_user(lab, "root", &v(&["cibadmin", "-Q"]));
                assert_eq!(cib.code, 0, "{}", cib.stderr);
                let file = based_common::tempfile_with(&cib.stdout).expect("temp file");
                let path = file.0.display().to_string();
                for e in edits {
                    let tool = atrium_tests::reference(&e[0]).expect("reference tool");
                    let rest: Vec<&str> = e[1..].iter().map(String::as_str).collect();
                    let out = atrium_tests::run_env(
                        &tool,
                        &rest,
                        None,
                        &[("CIB_file", path.as_str()), ("CIB_user", "root")],
                    );
                    assert_eq!(out.code, 0, "{tag} step {n} edit {e:?}: {}", out.stderr);
                }
                let mut argv = v(&["cibadmin", "--replace"]);
                argv.extend(v(args));
                argv.extend(v(&["--xml-file", &path]));
                let out = as_user(lab, user, &argv);
                (format!("{user}: replace {args:?} after {edits:?}"), out)
            }
        };
        let conf = as_user(lab, "root", &v(&["cibadmin", "-Q", "-o", "configuration"]));
        seen.push((what, out, based_common::normalize(&conf.stdout)));
    }
    seen
}

#[test]
fn acl_scenarios_give_the_reference_results() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let based = based_common::based();
    let labs = based_common::up_all(vec![
        LabConfig::new(1),
        LabConfig::new(1).substitute(1, "based", &based),
    ]);
    let (reference, ours) = (&labs[0], &labs[1]);
    assert!(based_common::runs_ours(ours, 1));
    let (theirs, mine) = std::thread::scope(|s| {
        let a = s.spawn(|| play(reference, "reference"));
        let b = s.spawn(|| play(ours, "ours"));
        (a.join().expect("reference"), b.join().expect("ours"))
    });
    let mut differences = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for ((what, t, tc), (_, m, mc)) in theirs.iter().zip(&mine) {
        if t.code == 0 {
            allowed += 1;
        } else {
            denied += 1;
        }
        let norm = |o: &atrium_tests::Output| {
            (
                o.code,
                based_common::normalize(&o.stdout),
                based_common::normalize(&o.stderr),
            )
        };
        if norm(t) != norm(m) {
            differences.push(format!(
                "{what}\n  reference: {:?}\n  ours:      {:?}",
                norm(t),
                norm(m)
            ));
        } else if tc != mc {
            differences.push(format!(
                "{what}: configuration after\n  reference: {tc}\n  ours:      {mc}"
            ));
        }
    }
    eprintln!(
        "{} steps: {allowed} allowed, {denied} refused by the reference",
        theirs.len()
    );
    assert!(
        allowed > 5 && denied > 5,
        "the scenario exercises both outcomes"
    );
    assert!(
        differences.is_empty(),
        "{} of {} steps differ:\n{}",
        differences.len(),
        theirs.len(),
        differences.join("\n")
    );
}
