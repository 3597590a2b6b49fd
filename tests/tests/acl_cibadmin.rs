//! ACLs through `cibadmin` on shadow CIBs, ours against the reference: the
//! scenarios of cts-cli's ACL tests (cts/cli/regression.acls.exp), run as
//! a differential test.
//!
//! Two shadow directories start from the same CIB (made by the reference's
//! crm_shadow, pacemaker-1.3 like cts-cli). Every step runs the same command
//! line through the reference cibadmin on one and through ours on the
//! other, with `PCMK_trace_functions=pcmk__check_acl,pcmk__apply_creation_acl`
//! and `PCMK_stderr=1` as cts-cli sets them, and compares stdout, stderr,
//! exit status and the shadow files afterwards. The steps cts-cli does with
//! crm_attribute and crm_resource are done here with the equivalent
//! cibadmin calls (same users, same objects), so the ACL checks they
//! exercise are the same. The whole loop runs again after upgrading the
//! CIB to the newest schema.
//!
//! Ref: cts/cts-cli.in (test_acls, test_acl_loop), lib/common/acl.c.

mod cibadmin_common;

use atrium_tests::{reference, run_env, skip};
use cibadmin_common::{reset_versions, Mode, Pair, Step};

const SHADOW: &str = "cts-cli";

const ACLS: &str = r#"<acls>
      <acl_user id="l33t-haxor">
        <deny id="crook-nothing" xpath="/cib"/>
      </acl_user>
      <acl_user id="niceguy">
        <role_ref id="observer"/>
      </acl_user>
      <acl_user id="bob">
        <role_ref id="admin"/>
      </acl_user>
      <acl_user id="joe">
        <role_ref id="super_user"/>
      </acl_user>
      <acl_user id="mike">
        <role_ref id="rsc_writer"/>
      </acl_user>
      <acl_user id="chris">
        <role_ref id="rsc_denied"/>
      </acl_user>
      <acl_role id="observer">
        <read id="observer-read-1" xpath="/cib"/>
        <write id="observer-write-1" xpath="//nvpair[@name=&apos;stonith-enabled&apos;]"/>
        <write id="observer-write-2" xpath="//nvpair[@name=&apos;target-role&apos;]"/>
      </acl_role>
      <acl_role id="admin">
        <read id="admin-read-1" xpath="/cib"/>
        <write id="admin-write-1" xpath="//resources"/>
      </acl_role>
      <acl_role id="super_user">
        <write id="super_user-write-1" xpath="/cib"/>
      </acl_role>
      <acl_role id="rsc_writer">
        <deny id="rsc-writer-deny-1" xpath="/cib"/>
        <write id="rsc-writer-write-1" xpath="//resources"/>
      </acl_role>
      <acl_role id="rsc_denied">
        <write id="rsc-denied-write-1" xpath="/cib"/>
        <deny id="rsc-denied-deny-1" xpath="//resources"/>
      </acl_role>
    </acls>"#;

const DUMMY: &str = r#"<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"/>"#;

/// `crm_attribute -n NAME -v VALUE` as a cibadmin modify.
fn set_option(name: &str, value: &str) -> String {
    format!(
        r#"<cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-{name}" name="{name}" value="{value}"/></cluster_property_set>"#
    )
}

/// `crm_resource -r dummy --meta -p target-role -v VALUE` as a cibadmin modify.
fn set_meta(value: &str) -> String {
    format!(
        r#"<primitive id="dummy"><meta_attributes id="dummy-meta_attributes"><nvpair id="dummy-meta_attributes-target-role" name="target-role" value="{value}"/></meta_attributes></primitive>"#
    )
}

/// Run as `user` (None: no CIB_user).
fn as_user(p: &mut Pair, desc: &str, user: Option<&str>, args: &[&str]) {
    p.run(
        desc,
        args,
        Step {
            user,
            ..Step::default()
        },
    );
}

/// Root edits `$TMPXML` (a copy of the CIB) the way cts-cli does before
/// each replacement attempt.
fn edit_copy(p: &mut Pair, args: &[&str]) {
    p.save_query();
    for a in [args, &["-Ql"][..]] {
        p.run(
            "edit copy",
            a,
            Step {
                user: Some("root"),
                on_tmpxml: true,
                ..Step::default()
            },
        );
    }
}

fn acl_loop(p: &mut Pair) {
    p.trace = true;
    p.step_as(
        "reset resources",
        "root",
        &["--replace", "--xml-text", "<resources/>"],
    );

    let enable_false = set_option("enable-acl", "false");
    let stonith = |v: &str| set_option("stonith-enabled", v);
    for user in ["unknownguy", "l33t-haxor", "niceguy"] {
        let u = Some(user);
        as_user(p, "Query configuration", u, &["-Q"]);
        as_user(
            p,
            "Set enable-acl",
            u,
            &["-M", "-o", "crm_config", "-X", &enable_false],
        );
        as_user(
            p,
            "Set stonith-enabled",
            u,
            &["-M", "-o", "crm_config", "-X", &stonith("false")],
        );
        as_user(
            p,
            "Create a resource",
            u,
            &["-C", "-o", "resources", "--xml-text", DUMMY],
        );
    }
    let root = Some("root");
    as_user(p, "Query configuration", root, &["-Q"]);
    as_user(
        p,
        "Set stonith-enabled",
        root,
        &["-M", "-o", "crm_config", "-X", &stonith("true")],
    );
    as_user(
        p,
        "Create a resource",
        root,
        &["-C", "-o", "resources", "--xml-text", DUMMY],
    );

    let xp = "//primitive[@id='dummy']//nvpair[@name='target-role']";
    let del = "<nvpair id=\"dummy-meta_attributes-target-role\" name=\"target-role\"/>";
    for user in ["l33t-haxor", "niceguy"] {
        let u = Some(user);
        let stopped = set_meta("Stopped");
        as_user(
            p,
            "Create a meta attribute",
            u,
            &["-M", "-o", "resources", "-X", &stopped],
        );
        as_user(p, "Query a meta attribute", u, &["-Q", "--xpath", xp]);
        as_user(
            p,
            "Remove a meta attribute",
            u,
            &["-D", "-o", "resources", "-X", del],
        );
    }
    let started = set_meta("Started");
    as_user(
        p,
        "Create a meta attribute",
        Some("niceguy"),
        &["-M", "-o", "resources", "-X", &started],
    );
    as_user(p, "implied deny", Some("badidea"), &["-Q"]);
    as_user(p, "explicit deny", Some("betteridea"), &["-Q"]);

    let replace = ["--replace", "--xml-file", "$TMPXML"];
    let nice = Some("niceguy");
    edit_copy(p, &["--delete", "--xml-text", "<acls/>"]);
    as_user(p, "Replace - remove acls", nice, &replace);
    let dummy2 = r#"<primitive id="dummy2" class="ocf" provider="pacemaker" type="Dummy"/>"#;
    edit_copy(p, &["-C", "-o", "resources", "--xml-text", dummy2]);
    as_user(p, "Replace - create resource", nice, &replace);
    edit_copy(p, &["-M", "-o", "crm_config", "-X", &enable_false]);
    as_user(p, "Replace - modify attribute (deny)", nice, &replace);
    let no_value = r#"<nvpair id="cib-bootstrap-options-enable-acl" name="enable-acl"/>"#;
    edit_copy(p, &["--replace", "--xml-text", no_value]);
    as_user(p, "Replace - delete attribute (deny)", nice, &replace);
    let nothing = r#"<primitive id="dummy" description="nothing interesting"/>"#;
    let something = r#"<primitive id="dummy" description="something interesting"/>"#;
    edit_copy(p, &["--modify", "--xml-text", nothing]);
    as_user(p, "Replace - create attribute (deny)", nice, &replace);

    let rsc = ["--replace", "-o", "resources", "--xml-file", "$TMPXML"];
    for user in ["bob", "joe", "mike", "chris"] {
        let u = Some(user);
        edit_copy(p, &["--modify", "--xml-text", nothing]);
        as_user(p, "Replace - create attribute", u, &rsc);
        if user == "chris" {
            as_user(p, "set as root", root, &["--modify", "--xml-text", nothing]);
        }
        edit_copy(p, &["--modify", "--xml-text", something]);
        as_user(p, "Replace - modify attribute", u, &rsc);
        if user == "chris" {
            as_user(
                p,
                "set as root",
                root,
                &["--modify", "--xml-text", something],
            );
        }
        edit_copy(p, &["--replace", "-o", "resources", "--xml-text", DUMMY]);
        as_user(p, "Replace - delete attribute", u, &rsc);
    }
    p.trace = false;
}

#[test]
fn acl_scenarios_match_the_reference() {
    let (Some(refbin), Some(shadow_bin)) = (reference("cibadmin"), reference("crm_shadow")) else {
        skip!("reference cibadmin/crm_shadow are not installed");
    };
    let mut p = Pair::new(&refbin, "acl", Mode::Shadow(SHADOW));
    // create_shadow_cib pacemaker-1.3, made by the reference's crm_shadow.
    for side in &p.sides {
        let dir = side.dir.to_string_lossy().into_owned();
        let out = run_env(
            &shadow_bin,
            &[
                "--batch",
                "--force",
                "--create-empty",
                SHADOW,
                "--validate-with=pacemaker-1.3",
            ],
            None,
            &[("CIB_shadow_dir", &dir)],
        );
        assert_eq!(out.code, 0, "crm_shadow failed: {out:?}");
    }
    p.step(
        "delete rsc_defaults",
        &["--delete", "--xml-text", "<rsc_defaults/>"],
    );
    p.edit_cib(reset_versions);

    for side in &p.sides {
        std::fs::write(side.tmpxml(), ACLS).expect("scratch file is writable");
    }
    p.step(
        "Configure some ACLs",
        &["-M", "-o", "acls", "--xml-file", "$TMPXML"],
    );
    let enable = set_option("enable-acl", "true");
    p.step(
        "Enable ACLs",
        &["-M", "-c", "-o", "crm_config", "-X", &enable],
    );
    let no_quorum = set_option("no-quorum-policy", "ignore");
    p.step(
        "Set cluster option",
        &["-M", "-c", "-o", "crm_config", "-X", &no_quorum],
    );
    let badidea = r#"<acl_user id="badidea"><read id="badidea-resources" xpath="//meta_attributes"/></acl_user>"#;
    p.step(
        "New ACL",
        &["--create", "-o", "acls", "--xml-text", badidea],
    );
    let betteridea = r#"<acl_user id="betteridea"><read id="betteridea-resources" xpath="//meta_attributes"/></acl_user>"#;
    p.step(
        "Another ACL",
        &["--create", "-o", "acls", "--xml-text", betteridea],
    );
    let updated = r#"<acl_user id="betteridea"><deny id="betteridea-nothing" xpath="/cib"/><read id="betteridea-resources" xpath="//meta_attributes"/></acl_user>"#;
    p.step(
        "Updated ACL",
        &["--replace", "-o", "acls", "--xml-text", updated],
    );
    acl_loop(&mut p);

    // Again on the newest schema: ACLs become acl_target/acl_permission.
    p.step_as(
        "Upgrade to latest CIB schema",
        "root",
        &["--upgrade", "--force", "-V"],
    );
    p.edit_cib(reset_versions);
    acl_loop(&mut p);
    eprintln!("{} steps, all identical", p.steps);
}

/// `cibadmin --show-access` (cts-cli's access_render scenario, then more
/// users and rules): the annotated renderings in every mode.
#[test]
fn access_rendering_matches_the_reference() {
    let (Some(refbin), Some(shadow_bin)) = (reference("cibadmin"), reference("crm_shadow")) else {
        skip!("reference cibadmin/crm_shadow are not installed");
    };
    let mut p = Pair::new(&refbin, "access", Mode::Shadow(SHADOW));
    for side in &p.sides {
        let dir = side.dir.to_string_lossy().into_owned();
        let out = run_env(
            &shadow_bin,
            &["--batch", "--force", "--create-empty", SHADOW],
            None,
            &[("CIB_shadow_dir", &dir)],
        );
        assert_eq!(out.code, 0, "crm_shadow failed: {out:?}");
    }
    let acls = r#"<acls>
      <acl_role id="role-deny-acls">
        <acl_permission id="deny-acls" kind="deny" xpath="/cib/configuration/acls"/>
        <acl_permission id="read-rest" kind="read" xpath="/cib"/>
      </acl_role>
      <acl_target id="tony">
        <role id="role-deny-acls"/>
      </acl_target>
      <acl_role id="writer">
        <acl_permission id="w-rsc" kind="write" xpath="//resources"/>
        <acl_permission id="r-all" kind="read" xpath="/cib"/>
        <acl_permission id="d-meta" kind="deny" reference="d1-meta"/>
      </acl_role>
      <acl_target id="wendy">
        <role id="writer"/>
      </acl_target>
      <acl_target id="nobody"/>
    </acls>"#;
    for side in &p.sides {
        std::fs::write(side.tmpxml(), acls).expect("scratch file is writable");
    }
    p.step(
        "Configure some ACLs",
        &["-M", "-o", "acls", "--xml-file", "$TMPXML"],
    );
    let enable = set_option("enable-acl", "true");
    p.step(
        "Enable ACLs",
        &["-M", "-c", "-o", "crm_config", "-X", &enable],
    );
    let rsc = r#"<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="d1-meta"><nvpair id="d1-tr" name="target-role" value="Stopped &amp; &lt;x&gt;"/></meta_attributes></primitive>"#;
    p.step("Add a resource", &["-C", "-o", "resources", "-X", rsc]);
    for user in ["tony", "wendy", "nobody", "root", "unknown"] {
        for mode in ["color", "namespace", "text", "auto"] {
            let arg = format!("--show-access={mode}");
            p.step("render", &["--force", &arg, "-Q", "--user", user]);
        }
        p.step(
            "render a section",
            &[
                "--force",
                "--show-access=text",
                "-Q",
                "-o",
                "resources",
                "-U",
                user,
            ],
        );
        p.step(
            "render no children",
            &["--force", "-Snamespace", "-Q", "-n", "-U", user],
        );
    }
    p.step(
        "render without force",
        &["--show-access", "-Q", "-U", "tony"],
    );
    p.step("render without user", &["--show-access=text", "-Q"]);
    p.step(
        "render for a bad name",
        &["--show-access=text", "-Q", "-U", "a&b"],
    );
    p.run(
        "render as an ACL user",
        &["--force", "--show-access=text", "-Q", "-U", "wendy"],
        Step {
            user: Some("tony"),
            ..Step::default()
        },
    );
}
