//! Atrium's corosync in a ring with reference corosync 3.1.7 nodes (udpu).
//!
//! - `mixed_ring_quorum_logs_and_tools`: n1 and n2 run the reference, n3
//!   ours. One membership, 3 nodes / 3 votes / quorate on every node; the
//!   reference nodes log "Completed service synchronization" for it. The
//!   reference tools (corosync-quorumtool, -cfgtool, -cpgtool, -cmapctl)
//!   print against our n3 what they print against a reference n3 (same
//!   position, an all-reference lab run first; dates and ring ids
//!   masked), and our tools print what the reference tools print against
//!   both daemons: read-only runs, cmapctl sets/gets/deletes and their
//!   errors, cfgtool -L/-a/-k, and cfgtool -R (a cluster-wide reload, done
//!   first so every daemon shows the same after-a-reload keys).
//! - `mixed_ring_cpg_total_order`: a reference-libcpg client on every node
//!   plus a client written with Atrium's client library on our node, in one
//!   group, each multicasting `ATRIUM_COROSYNC_CPG_COUNT` messages (default
//!   10,000; the full run is 100,000): every member delivers the
//!   same sequence, with nothing lost or duplicated.
//! - `mixed_ring_cpg_order_through_a_node_kill`: the same with a reference
//!   node killed mid-stream (n2, then n1): the survivors, our node among
//!   them, deliver the same sequence, the victim's messages a common
//!   gap-free prefix (`ATRIUM_COROSYNC_CPG_KILL_COUNT`, default 30,000).
//!
//! Needs root and the reference corosync; the CPG test also gcc and
//! libcpg-dev. Skips otherwise.

mod corosync_common;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use atrium_tests::lab::{self, Lab, LabConfig, Stack, Transport};
use atrium_tests::skip;
use corosync_common as cc;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const LIMIT: Duration = Duration::from_secs(90);

fn lab_config(atrium_on_3: bool) -> LabConfig {
    let cfg = LabConfig::new(3)
        .stack(Stack::Corosync)
        .transport(Transport::Udpu);
    if atrium_on_3 {
        cfg.substitute(3, "corosync", cc::ours_corosync())
    } else {
        cfg
    }
}

/// Read-only tool invocations compared between daemons and between tools.
const TOOL_RUNS: &[&[&str]] = &[
    &["corosync-quorumtool", "-s"],
    &["corosync-quorumtool", "-s", "-p"],
    &["corosync-quorumtool", "-s", "-H"],
    &["corosync-quorumtool", "-l"],
    &["corosync-quorumtool", "-l", "-p"],
    &["corosync-quorumtool", "-l", "-a"],
    &["corosync-quorumtool", "-l", "-i"],
    &["corosync-quorumtool", "-l", "-o", "n"],
    &["corosync-quorumtool", "-l", "-o", "i"],
    &["corosync-cfgtool", "-s"],
    &["corosync-cfgtool", "-s", "-b"],
    &["corosync-cfgtool", "-n"],
    &["corosync-cfgtool", "-a", "1"],
    &["corosync-cfgtool", "-a", "3"],
    &["corosync-cpgtool"],
    &["corosync-cpgtool", "-n"],
    &["corosync-cpgtool", "-d", ","],
    &["corosync-cmapctl"],
    &["corosync-cmapctl", "totem."],
    &["corosync-cmapctl", "-g", "totem.token"],
    &["corosync-cmapctl", "-g", "runtime.votequorum.this_node_id"],
    &["corosync-cmapctl", "-g", "no.such.key"],
    &["corosync-cmapctl", "-m", "stats"],
    // Writes, each undone by the end of the list (the same list runs
    // against several daemons).
    &["corosync-cmapctl", "-s", "atrium.t.u32", "u32", "42"],
    &[
        "corosync-cmapctl",
        "-s",
        "atrium.t.str",
        "str",
        "hello world",
    ],
    &["corosync-cmapctl", "-s", "atrium.t.i8", "i8", "-7"],
    &["corosync-cmapctl", "-s", "--", "atrium.t.i8", "i8", "-7"],
    &["corosync-cmapctl", "-s", "atrium.t.dbl", "dbl", "2.5"],
    &["corosync-cmapctl", "-s", "atrium.t.bad", "u32", "many"],
    &["corosync-cmapctl", "-s", "atrium.t.over", "u8", "300"],
    &["corosync-cmapctl", "-s", "atrium.t.x", "nosuchtype", "1"],
    &["corosync-cmapctl", "-g", "atrium.t.u32", "atrium.t.str"],
    &["corosync-cmapctl", "-b", "-g", "atrium.t.str"],
    &["corosync-cmapctl", "atrium.t."],
    &["corosync-cmapctl", "-d", "atrium.t.u32"],
    &["corosync-cmapctl", "-g", "atrium.t.u32"],
    &["corosync-cmapctl", "-d", "atrium.t.nothere"],
    &["corosync-cmapctl", "-D", "atrium.t."],
    &["corosync-cmapctl", "atrium.t."],
    &["corosync-cfgtool", "-L"],
    &["corosync-cfgtool", "-a", "9"],
    &["corosync-cfgtool", "-k", "99"],
    &["corosync-quorumtool", "-s"],
];

/// `corosync-cfgtool -R` (reload corosync.conf on every node) on `node`,
/// with the reference tool or ours; returns what it printed once every node
/// has finished reloading. Run before the read-only comparisons so every
/// daemon shows the same after-a-reload cmap keys.
fn reload(lab: &Lab, node: usize, tool_dir: Option<&std::path::Path>) -> String {
    let prog = match tool_dir {
        Some(d) => d.join("corosync-cfgtool").to_string_lossy().to_string(),
        None => "corosync-cfgtool".to_string(),
    };
    let out = lab.run(node, &[&prog, "-R"]).expect("cfgtool runs");
    for i in 1..=3 {
        lab::wait::wait_for(
            &format!("reload done on n{i}"),
            LIMIT,
            || match cc::cmap_get(lab, i, "config.reload_in_progress").as_deref() {
                Some("0") => Ok(()),
                v => Err(format!("config.reload_in_progress = {v:?}")),
            },
        )
        .unwrap();
    }
    format!(
        "{}\n--- stderr\n{}\n--- exit {}",
        out.stdout,
        out.stderr.replace(&prog, "corosync-cfgtool"),
        out.code
    )
}

/// Mask what differs legitimately between two labs or two runs: the
/// date, ring ids, CPG member pids, counters of exec messages and join
/// counts (history), statistics values (moving), IPC connection entries.
fn normalise(run: &[&str], text: &str) -> String {
    let text = cc::normalise(text);
    let tool = run[0];
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut l = line.to_string();
        if tool == "corosync-cpgtool" {
            if let Some(rest) = line.strip_prefix("\t\t") {
                // "\t\t   PID\t   NODEID (ADDR)"
                if let Some((_, tail)) = rest.split_once('\t') {
                    l = format!("\t\t<pid>\t{tail}");
                }
            } else {
                let f: Vec<&str> = line.split(',').collect();
                if f.len() == 3 && f[1].chars().all(|c| c.is_ascii_digit()) {
                    l = format!("{},<pid>,{}", f[0], f[2]);
                }
            }
        }
        if tool == "corosync-cmapctl" {
            if let Some((key, _)) = line.split_once(" = ") {
                let k = key.split(' ').next().unwrap_or("");
                if run.contains(&"stats") {
                    if k.starts_with("stats.ipcs.") {
                        continue;
                    }
                    l = key.to_string();
                } else if k.starts_with("runtime.services.") || k.ends_with(".join_count") {
                    l = format!("{key} = <n>");
                }
            }
        }
        out.push(l);
    }
    if tool == "corosync-cmapctl" && run.contains(&"stats") {
        out.sort();
        out.dedup();
    }
    out.join("\n")
}

fn run_all(lab: &Lab, node: usize, tool_dir: Option<&std::path::Path>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for run in TOOL_RUNS {
        let prog = match tool_dir {
            Some(d) => d.join(run[0]).to_string_lossy().to_string(),
            None => run[0].to_string(),
        };
        let mut args: Vec<&str> = vec![&prog];
        args.extend_from_slice(&run[1..]);
        let out = lab.run(node, &args).expect("tool runs");
        // Error messages name the program as invoked (argv[0]).
        let text = format!(
            "{}\n--- stderr\n{}\n--- exit {}",
            out.stdout,
            out.stderr.replace(&prog, run[0]),
            out.code
        );
        // A run that comes twice is keyed "... #2".
        let mut key = run.join(" ");
        let mut n = 1;
        while m.contains_key(&key) {
            n += 1;
            key = format!("{} #{n}", run.join(" "));
        }
        m.insert(key, normalise(run, &text));
    }
    m
}

fn diff(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut d = String::new();
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i), lb.get(i));
        if x != y {
            d.push_str(&format!("  line {i}: {x:?}\n       vs {y:?}\n"));
        }
    }
    d
}

fn compare(what: &str, a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut bad = Vec::new();
    for (k, va) in a {
        let vb = &b[k];
        if va != vb {
            bad.push(format!("{what}: `{k}` differs:\n{}", diff(va, vb)));
        }
    }
    bad
}

/// Members holding a CPG group open while the tools look (cpgbench waiting
/// for 99 members that never come).
fn hold_group(lab: &Lab) -> Vec<std::process::Child> {
    let kids = [1, 3]
        .iter()
        .map(|&i| cc::spawn_bench(lab, i, "atrium-tools", 99, 0, 64, None))
        .collect();
    lab::wait::wait_for("the tools' CPG group", LIMIT, || {
        let out = lab
            .run(2, &["corosync-cpgtool", "-d", ","])
            .map_err(|e| e.to_string())?;
        match out.stdout.matches("atrium-tools,").count() {
            2 => Ok(()),
            n => Err(format!("{n} members: {}", out.stdout)),
        }
    })
    .expect("group formed");
    kids
}

fn release(kids: Vec<std::process::Child>) {
    for mut k in kids {
        let _ = k.kill();
        let _ = k.wait();
    }
}

#[test]
fn mixed_ring_quorum_logs_and_tools() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    if let Err(why) = cc::cpgbench() {
        skip!("{why}");
    }
    let _g = serial();
    let tools = atrium_tests::ours("corosync-cmapctl")
        .parent()
        .expect("target dir")
        .to_path_buf();

    // The reference's view from n3, in an all-reference ring.
    let baseline = {
        let lab = Lab::up(lab_config(false)).expect("reference ring forms");
        let r = reload(&lab, 3, None);
        let kids = hold_group(&lab);
        let m = run_all(&lab, 3, None);
        release(kids);
        lab.down().expect("down");
        (m, r)
    };
    let (baseline, reload_baseline) = baseline;

    let lab = Lab::up(lab_config(true)).expect("mixed ring forms");
    // Really ours on n3, the reference elsewhere.
    let v3 = lab.run_ok(3, &["corosync", "-v"]).unwrap().stdout;
    assert!(v3.contains("Atrium"), "n3 runs {v3}");
    let v1 = lab.run_ok(1, &["corosync", "-v"]).unwrap().stdout;
    assert!(!v1.contains("Atrium"), "n1 runs {v1}");

    for i in 1..=3 {
        let q = lab.quorum(i).expect("quorumtool -s");
        assert_eq!(q.nodes, 3, "node {i}: {q:?}");
        assert_eq!(q.total_votes, 3, "node {i}: {q:?}");
        assert_eq!(q.expected_votes, 3, "node {i}: {q:?}");
        assert!(q.quorate, "node {i}: {q:?}");
        assert_eq!(q.members, vec![1, 2, 3], "node {i}: {q:?}");
    }
    // Every node (reference and ours) completed service synchronisation for
    // the three-node membership.
    for i in 1..=3 {
        lab::wait::wait_for(&format!("node {i}'s sync log"), LIMIT, || {
            let log = cc::corosync_log(&lab, i);
            let at = log
                .rfind("Members[3]: 1 2 3")
                .ok_or_else(|| format!("no Members[3] line:\n{log}"))?;
            let formed = log[..at].rfind("was formed. Members");
            if formed.is_none() {
                return Err(format!("no membership line:\n{log}"));
            }
            if log[at..].contains("Completed service synchronization, ready to provide service.") {
                Ok(())
            } else {
                Err(format!("no sync completion after Members[3]:\n{log}"))
            }
        })
        .unwrap();
    }

    let reloads = [
        ("reference cfgtool -R on Atrium n3", reload(&lab, 3, None)),
        ("our cfgtool -R on Atrium n3", reload(&lab, 3, Some(&tools))),
        (
            "reference cfgtool -R on reference n1",
            reload(&lab, 1, None),
        ),
        (
            "our cfgtool -R on reference n1",
            reload(&lab, 1, Some(&tools)),
        ),
    ];
    let kids = hold_group(&lab);
    let ref_on_ours = run_all(&lab, 3, None);
    let ours_on_ours = run_all(&lab, 3, Some(&tools));
    let ref_on_ref = run_all(&lab, 1, None);
    let ours_on_ref = run_all(&lab, 1, Some(&tools));
    release(kids);

    // The comparisons below compare something.
    let q = &ref_on_ours["corosync-quorumtool -s"];
    assert!(
        q.contains("Quorate:          Yes") && q.contains("1 n3 (local)"),
        "{q}"
    );
    let dump = &ref_on_ours["corosync-cmapctl"];
    assert!(dump.lines().count() > 100, "{dump}");
    assert!(
        dump.contains("runtime.votequorum.this_node_id (u32) = 3"),
        "{dump}"
    );
    let stats = &ref_on_ours["corosync-cmapctl -m stats"];
    assert!(stats.contains("stats.srp.orf_token_rx (u64)"), "{stats}");
    let got = &ref_on_ours["corosync-cmapctl -g atrium.t.u32 atrium.t.str"];
    assert!(
        got.contains("atrium.t.u32 (u32) = 42") && got.contains("hello world"),
        "{got}"
    );
    let cpg = &ref_on_ours["corosync-cpgtool"];
    assert!(cpg.contains("3 (10.214.0.3)"), "{cpg}");
    let mut bad = Vec::new();
    assert!(reload_baseline.contains("--- exit 0"), "{reload_baseline}");
    for (what, text) in &reloads {
        if *text != reload_baseline {
            bad.push(format!(
                "{what} vs reference cfgtool -R on reference n3:\n{}",
                diff(&reload_baseline, text)
            ));
        }
    }
    bad.extend(compare(
        "reference tools: reference n3 vs Atrium n3",
        &baseline,
        &ref_on_ours,
    ));
    bad.extend(compare(
        "against Atrium n3: reference tools vs ours",
        &ref_on_ours,
        &ours_on_ours,
    ));
    bad.extend(compare(
        "against reference n1: reference tools vs ours",
        &ref_on_ref,
        &ours_on_ref,
    ));
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    eprintln!(
        "mixed ring: {} tool runs and cfgtool -R identical (reference vs Atrium daemon, reference vs Atrium tools)",
        TOOL_RUNS.len()
    );
}

#[test]
fn mixed_ring_cpg_total_order() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    if let Err(why) = cc::cpgbench() {
        skip!("{why}");
    }
    let _g = serial();
    let count = cc::env_num("ATRIUM_COROSYNC_CPG_COUNT", 10_000);
    let size = cc::env_num("ATRIUM_COROSYNC_CPG_SIZE", 64) as usize;
    let lab = Lab::up(lab_config(true)).expect("mixed ring forms");
    let dir = cc::scratch("cpg-order");
    let members = 4;
    let timeout = Duration::from_secs(120 + count / 100);
    let logs: Vec<_> = (1..=3).map(|i| dir.join(format!("n{i}.log"))).collect();
    let kids: Vec<_> = (1..=3)
        .map(|i| {
            cc::spawn_bench(
                &lab,
                i,
                "atrium-order",
                members,
                count,
                size,
                Some(&logs[i - 1]),
            )
        })
        .collect();
    let t = std::time::Instant::now();
    let ours = cc::rust_member(&lab, 3, "atrium-order", members, count, size, timeout)
        .expect("Atrium-side client");
    let sums: Vec<_> = kids
        .into_iter()
        .map(|k| cc::finish_bench(k, timeout).expect("cpgbench"))
        .collect();
    let elapsed = t.elapsed();
    let mut all = vec![("Atrium client on n3 (ours)".to_string(), ours)];
    for (i, p) in logs.iter().enumerate() {
        all.push((format!("libcpg client on n{}", i + 1), cc::read_log(p)));
    }
    cc::check_total_order(&all, members, count);
    eprintln!(
        "mixed ring CPG: {members} members x {count} x {size} B, identical total order on all; {:.2} s; libcpg clients' avg latency {:?} us",
        elapsed.as_secs_f64(),
        sums.iter().map(|s| s.latency_us_avg).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reference-libcpg clients on every node of the mixed ring multicast
/// `ATRIUM_COROSYNC_CPG_KILL_COUNT` messages each (default 30,000) and a
/// reference node is killed with -9 mid-stream: n2, then (after n2 came
/// back) n1, the ring's representative. Each time the survivors (the other
/// reference node and our n3) deliver the same sequence: all of each
/// other's messages in order and the same gap-free prefix of the victim's;
/// what the victim itself logged before dying is a prefix of that sequence.
#[test]
fn mixed_ring_cpg_order_through_a_node_kill() {
    if let Some(why) = lab::skip_reason(Stack::Corosync) {
        skip!("{why}");
    }
    if let Err(why) = cc::cpgbench() {
        skip!("{why}");
    }
    let _g = serial();
    let count = cc::env_num("ATRIUM_COROSYNC_CPG_KILL_COUNT", 30_000);
    let lab = Lab::up(lab_config(true)).expect("mixed ring forms");
    let mut report = Vec::new();
    for victim in [2usize, 1] {
        report.push(cpg_through_kill(&lab, victim, count));
        lab.start(victim).unwrap();
        lab.wait_converged(&[1, 2, 3], LIMIT).expect("rejoins");
    }
    eprintln!("mixed ring CPG through kill -9: {}", report.join("; "));
}

fn cpg_through_kill(lab: &Lab, victim: usize, count: u64) -> String {
    let dir = cc::scratch(&format!("cpg-kill{victim}"));
    let group = format!("atrium-kill{victim}");
    let timeout = Duration::from_secs(120 + count / 100);
    let logs: Vec<_> = (1..=3).map(|i| dir.join(format!("n{i}.log"))).collect();
    let mut kids: Vec<_> = (1..=3)
        .map(|i| cc::spawn_bench(lab, i, &group, 3, count, 64, Some(&logs[i - 1])))
        .collect();
    let (a, b) = match victim {
        1 => (2, 3),
        2 => (1, 3),
        _ => (1, 2),
    };
    // Kill once the stream is well under way: a survivor has logged about
    // a tenth of the deliveries (a line is "nodeid pid seq", ~14 bytes).
    let threshold = 3 * count * 14 / 10;
    lab::wait::wait_for("the stream under way", LIMIT, || {
        let len = std::fs::metadata(&logs[a - 1])
            .map(|m| m.len())
            .unwrap_or(0);
        if len >= threshold {
            Ok(())
        } else {
            Err(format!("n{a}'s log has {len} bytes"))
        }
    })
    .unwrap();
    let t = std::time::Instant::now();
    lab.kill(victim).unwrap();
    let mut dead = kids.remove(victim - 1);
    let _ = dead.kill();
    let _ = dead.wait();
    for k in kids {
        cc::finish_bench(k, timeout).expect("survivor's cpgbench");
    }
    let elapsed = t.elapsed();
    let la = cc::read_log(&logs[a - 1]);
    let lb = cc::read_log(&logs[b - 1]);
    // The victim's log stops where its buffered writes did: drop a cut
    // last line.
    let mut lv = cc::read_log(&logs[victim - 1]);
    let text = std::fs::read(&logs[victim - 1]).unwrap_or_default();
    if text.last().is_some_and(|&c| c != b'\n') {
        lv.pop();
    }
    if la != lb {
        let at = la.iter().zip(&lb).position(|(x, y)| x != y);
        panic!(
            "n{a} and n{b} delivered different sequences (first difference at {at:?}; lengths {} and {})",
            la.len(),
            lb.len()
        );
    }
    // Per sender: consecutive sequence numbers from 0, nothing twice.
    let mut next: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for (k, &(n, p, s)) in la.iter().enumerate() {
        let e = next.entry((n, p)).or_insert(0);
        assert_eq!(s, *e, "delivery {k} is {n}/{p} seq {s}, expected {e}");
        *e += 1;
    }
    let from = |node: usize| -> Vec<u32> {
        next.iter()
            .filter(|((n, _), _)| *n == node as u32)
            .map(|(_, &c)| c)
            .collect()
    };
    assert_eq!(from(a), vec![count as u32], "n{a}'s messages");
    assert_eq!(from(b), vec![count as u32], "n{b}'s messages");
    let got = from(victim);
    assert_eq!(got.len(), 1, "n{victim}'s sender: {next:?}");
    assert!(
        got[0] > 0 && u64::from(got[0]) < count,
        "n{victim} was killed mid-stream, yet the survivors got {} of its {count} messages",
        got[0]
    );
    if !la.starts_with(&lv) {
        let at = la.iter().zip(&lv).position(|(x, y)| x != y);
        panic!(
            "n{victim}'s own log ({} deliveries) is not a prefix of the survivors' sequence: first difference at {at:?}: {:?} vs {:?}",
            lv.len(),
            at.map(|i| lv[i]),
            at.map(|i| la[i])
        );
    }
    assert!(!lv.is_empty(), "n{victim} logged nothing before its death");
    let _ = std::fs::remove_dir_all(&dir);
    format!(
        "n{victim}: survivors n{a}, n{b} delivered the same {} messages in the same order ({count} each of theirs, the first {} of n{victim}'s; n{victim} had logged a prefix of {}), done {:.2} s after the kill",
        la.len(),
        got[0],
        lv.len(),
        elapsed.as_secs_f64()
    )
}
