//! The lab on one and two nodes: a reference node reaches S_IDLE and runs a
//! Dummy resource; a substituted daemon really runs in place of the
//! reference one; teardown (graceful, on panic, and by `cleanup-stale`)
//! leaves no namespace, mount, process, directory or shm file behind.
//! Needs root and the reference packages; skips otherwise.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atrium_tests::lab::{self, procs, Lab, LabConfig, Stack};
use atrium_tests::skip;

/// One cluster at a time: CI has two cores and corosync's timers are short.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const DUMMY: &str = r#"<primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="dummy-monitor-10s" name="monitor" interval="10s"/></operations></primitive>"#;

#[test]
fn single_node_reaches_idle_and_runs_dummy() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let _g = serial();
    let t = Instant::now();
    let lab = Lab::up(LabConfig::new(1)).expect("1-node lab comes up");
    let up = t.elapsed();
    let c = lab
        .wait_converged(&[1], Duration::from_secs(10))
        .expect("converged");
    assert_eq!(c.dc.as_deref(), Some("n1"));
    assert!(c.quorate);
    assert_eq!(lab.fsa_state(1, "n1").unwrap(), "S_IDLE");

    // The node's identity and private file system.
    assert_eq!(lab.run_ok(1, &["uname", "-n"]).unwrap().stdout.trim(), "n1");
    // The CIB manager writes the node's CIB into the node's own directory
    // (asynchronously after updates).
    let sig = lab.node_dir(1).join("var/lib/pacemaker/cib/cib.xml.sig");
    lab::wait::wait_for(
        "cib.xml.sig in the node's directory",
        Duration::from_secs(30),
        || {
            if sig.exists() {
                Ok(())
            } else {
                Err("absent".into())
            }
        },
    )
    .unwrap();

    lab.run_ok(1, &["cibadmin", "-C", "-o", "resources", "-X", DUMMY])
        .unwrap();
    let on = lab
        .wait_resource(1, "dummy", "Started", Duration::from_secs(60))
        .unwrap();
    assert_eq!(on, "n1");
    let text = lab.run_ok(1, &["crm_mon", "-1"]).unwrap().stdout;
    assert!(
        text.lines()
            .any(|l| l.contains("dummy") && l.contains("Started n1")),
        "crm_mon -1 shows the resource started:\n{text}"
    );
    // Dummy keeps its state under /run/resource-agents: the node's own /run.
    let state = lab
        .run_ok(1, &["ls", "/run/resource-agents"])
        .unwrap()
        .stdout;
    assert!(state.contains("Dummy-dummy.state"), "{state}");
    // The node's /dev/shm is its own: libqb's ring buffers are there, not on the host.
    let shm = lab.run_ok(1, &["ls", "/dev/shm"]).unwrap().stdout;
    let names: Vec<&str> = shm.split_whitespace().collect();
    assert!(names.iter().any(|n| n.starts_with("qb-")), "{shm}");
    for n in &names {
        assert!(
            !Path::new("/dev/shm").join(n).exists(),
            "{n} is visible on the host"
        );
    }

    // A test thread can join the node too (for in-process IPC clients).
    let seen = std::thread::scope(|s| {
        s.spawn(|| {
            lab.enter_thread(1).unwrap();
            let hosts = std::fs::read_to_string("/etc/hosts").unwrap();
            let shm: Vec<String> = std::fs::read_dir("/dev/shm")
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            (hosts, shm)
        })
        .join()
        .unwrap()
    });
    assert!(seen.0.contains("\tn1"), "{}", seen.0);
    assert!(seen.1.iter().any(|n| n.starts_with("qb-")), "{:?}", seen.1);

    let t2 = Instant::now();
    let dir = lab.dir().to_path_buf();
    lab.down().expect("graceful teardown");
    assert!(!dir.exists());
    eprintln!(
        "single node: up {:.1} s, teardown {:.1} s",
        up.as_secs_f64(),
        t2.elapsed().as_secs_f64()
    );
}

/// A replacement for pacemaker-based that leaves a marker and runs the
/// original (kept by the lab at $ATRIUM_LAB_ORIG/pacemaker-based).
fn wrapper(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let p = dir.join("based-wrapper");
    std::fs::write(
        &p,
        "#!/bin/sh\n\
         echo \"wrapped $(id -un) $$\" >> /var/lib/pacemaker/subst-marker\n\
         exec \"$ATRIUM_LAB_ORIG/pacemaker-based\" \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn substituted_daemon_runs_in_place_of_the_reference() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let _g = serial();
    let tmp = std::env::temp_dir().join(format!("atlab-subst-{}", std::process::id()));
    let w = wrapper(&tmp);
    let lab = Lab::up(LabConfig::new(2).substitute(1, "based", &w))
        .expect("2-node lab with a substitute");
    let _ = std::fs::remove_dir_all(&tmp);

    // Node 1 ran the wrapper (as hacluster, as pacemakerd starts based) …
    let marker = lab.node_dir(1).join("var/lib/pacemaker/subst-marker");
    let text = std::fs::read_to_string(&marker).expect("marker written by the wrapper");
    assert!(text.starts_with("wrapped hacluster "), "{text}");
    // … whose pid is the running CIB manager (exec kept the pid).
    let pid: String = text.split_whitespace().nth(2).unwrap().to_string();
    let comm = lab
        .run_ok(1, &["cat", &format!("/proc/{pid}/comm")])
        .unwrap()
        .stdout;
    assert_eq!(comm.trim(), "pacemaker-based");
    // Inside node 1 the daemon path is the wrapper; the original is kept.
    let seen = lab
        .run_ok(
            1,
            &["head", "-c", "2", "/usr/lib/pacemaker/pacemaker-based"],
        )
        .unwrap()
        .stdout;
    assert_eq!(seen, "#!");
    // Node 2 and the host are untouched.
    assert!(!lab
        .node_dir(2)
        .join("var/lib/pacemaker/subst-marker")
        .exists());
    let host = std::fs::read("/usr/lib/pacemaker/pacemaker-based").unwrap();
    assert_eq!(&host[..4], b"\x7fELF");
    let seen2 = lab
        .run_ok(
            2,
            &["head", "-c", "4", "/usr/lib/pacemaker/pacemaker-based"],
        )
        .unwrap()
        .stdout;
    assert_eq!(seen2.as_bytes(), b"\x7fELF");
    // And the CIB it serves is the cluster's.
    let q = lab
        .run_ok(1, &["cibadmin", "-Q", "-o", "nodes"])
        .unwrap()
        .stdout;
    assert!(
        q.contains("uname=\"n1\"") && q.contains("uname=\"n2\""),
        "{q}"
    );
    lab.down().unwrap();
}

/// Everything of one lab that exists on the host while it runs.
struct Footprint {
    dir: PathBuf,
    netns: Vec<(String, u64)>,
    procs: Vec<procs::ProcId>,
}

fn footprint(lab: &Lab) -> Footprint {
    let mut netns = Vec::new();
    let mut ps = Vec::new();
    for i in 1..=lab.len() {
        let ns = lab.netns(i).to_string();
        let ino = procs::ns_inode(&Path::new("/run/netns").join(&ns)).expect("netns exists");
        for p in procs::pids_in_netns(ino) {
            ps.extend(procs::ProcId::of(p));
        }
        netns.push((ns, ino));
    }
    Footprint {
        dir: lab.dir().to_path_buf(),
        netns,
        procs: ps,
    }
}

fn assert_gone(f: &Footprint, how: &str) {
    assert!(!f.dir.exists(), "{how}: {} remains", f.dir.display());
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let dir = f.dir.display().to_string();
    for (ns, ino) in &f.netns {
        assert!(
            !Path::new("/run/netns").join(ns).exists(),
            "{how}: netns {ns} remains"
        );
        assert!(
            !mounts.contains(ns.as_str()),
            "{how}: a mount of {ns} remains"
        );
        let left = procs::pids_in_netns(*ino);
        assert!(left.is_empty(), "{how}: processes {left:?} remain in {ns}");
    }
    assert!(!mounts.contains(&dir), "{how}: a mount under {dir} remains");
    let alive: Vec<_> = f.procs.iter().filter(|p| p.alive()).collect();
    assert!(alive.is_empty(), "{how}: processes {alive:?} remain");
}

#[test]
fn teardown_leaves_nothing_behind() {
    if let Some(why) = lab::skip_reason(Stack::Pacemaker) {
        skip!("{why}");
    }
    let _g = serial();

    // 1. A test that panics: the lab is torn down while unwinding.
    let mut fp = None;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let lab = Lab::create(LabConfig::new(2)).unwrap();
        lab.start_all().unwrap();
        lab.wait_converged(&[1, 2], Duration::from_secs(90))
            .unwrap();
        let f = footprint(&lab);
        assert!(f.procs.len() >= 2 * 8, "both stacks run: {:?}", f.procs);
        fp = Some(f);
        panic!("deliberate panic with a running lab");
    }));
    assert!(r.is_err());
    assert_gone(&fp.expect("footprint taken"), "after a panic");

    // 2. A crashed run: a lab whose owner is gone, found by cleanup-stale.
    let lab = Lab::create(LabConfig::new(1).die_with_owner(false)).unwrap();
    lab.start(1).unwrap();
    let f = footprint(&lab);
    assert!(!f.procs.is_empty());
    let id = lab.id().to_string();
    lab.detach();
    // Pretend the owner died: a process id that no live process has now.
    std::fs::write(f.dir.join("owner"), "pid 1 1\n").unwrap();
    let removed = lab::stale::cleanup_stale(false).unwrap();
    assert!(removed.contains(&id), "{removed:?}");
    assert_gone(&f, "after cleanup-stale");
}
