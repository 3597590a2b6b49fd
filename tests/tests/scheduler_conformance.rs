//! Scheduler conformance: our `crm_simulate` over the reference's scheduler
//! regression corpus (../shared/conformance/scheduler), graded like
//! ../shared/conformance/scheduler-check: L1 scores, L2 summary, L3 graph up
//! to action ids, L4 everything identical after the reference suite's own
//! normalisation.
//!
//! The levels each case passed are recorded in tests/data/scheduler-passing.txt;
//! the test fails when a recorded level is lost (a regression), when any case
//! makes crm_simulate crash or time out, or when a case produces no graph.
//! Run with `ATRIUM_UPDATE_SCHEDULER_PASSING=1` to rewrite the list after an
//! improvement.
//!
//! Ref: cts/cts-scheduler.in (how the reference suite runs each case).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atrium_tests::{conformance_dir, ours, repo_root, skip};

const LEVELS: [&str; 4] = ["L1", "L2", "L3", "L4"];
const CASE_LIMIT: Duration = Duration::from_secs(10);

struct Case {
    name: String,
    args: Vec<String>,
}

/// The string values of a JSON line's `"name"` and `"args"` (the corpus
/// index is flat and ASCII: no escapes beyond `\"` and `\\`).
fn parse_case(line: &str) -> Option<Case> {
    fn string_at(s: &str) -> Option<(String, &str)> {
        let s = s.trim_start().strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = s.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let (_, e) = chars.next()?;
                    out.push(e);
                }
                '"' => return Some((out, &s[i + 1..])),
                _ => out.push(c),
            }
        }
        None
    }
    let name_at = line.find("\"name\":")? + "\"name\":".len();
    let (name, _) = string_at(&line[name_at..])?;
    let args_at = line.find("\"args\":")? + "\"args\":".len();
    let mut rest = line[args_at..].trim_start().strip_prefix('[')?;
    let mut args = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(']') {
            let _ = r;
            break;
        }
        let (a, r) = string_at(rest)?;
        args.push(a);
        rest = r.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    Some(Case { name, args })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn run(program: &Path, args: &[String], merge: bool) -> Run {
    let mut cmd = if merge {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("exec \"$0\" \"$@\" 2>&1")
            .arg(program)
            .args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    cmd.env("LC_ALL", "C")
        .env("LANG", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let child = cmd.spawn().expect("crm_simulate starts");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(CASE_LIMIT) {
        Ok(Ok(out)) => Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            timed_out: start.elapsed() > CASE_LIMIT,
        },
        _ => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            Run {
                code: -1,
                stdout: String::new(),
                stderr: String::new(),
                timed_out: true,
            }
        }
    }
}

/// `diff --ignore-all-space --ignore-blank-lines` as a comparable list.
fn squash(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

fn sorted_lines(text: &str) -> String {
    let mut v: Vec<&str> = text.lines().collect();
    v.sort();
    v.join("\n")
}

/// The reference suite's renaming of old role names in summaries.
fn normalise_summary(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut l = line
            .replace("ocf::", "ocf:")
            .replace("Masters:", "Promoted:")
            .replace("Slaves:", "Unpromoted:")
            .replace(" Slave ", " Unpromoted ");
        // " Master" followed by a space, '[' or the end of the line
        let mut fixed = String::new();
        let mut rest = l.as_str();
        while let Some(i) = rest.find(" Master") {
            let after = &rest[i + 7..];
            let ok = after.is_empty()
                || after.starts_with(' ')
                || after.starts_with('[')
                || after.starts_with('\n');
            fixed.push_str(&rest[..i]);
            fixed.push_str(if ok { " Promoted" } else { " Master" });
            rest = after;
        }
        fixed.push_str(rest);
        l = fixed;
        out.push_str(&l);
    }
    out
}

fn strip_attr(text: &str, name: &str) -> String {
    let pat = format!("{name}=\"");
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        out.push_str(&rest[..i]);
        let after = &rest[i + pat.len()..];
        match after.find('"') {
            Some(j) => rest = &after[j + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn normalise_graph(text: &str) -> String {
    strip_attr(&strip_attr(text, "crm_feature_set"), "batch-limit")
}

fn sorted_dot(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.len() < 2 {
        return lines.concat();
    }
    let middle: BTreeSet<&str> = lines[1..lines.len() - 1].iter().copied().collect();
    let mut s = lines[0].to_owned();
    for l in middle {
        s.push_str(l);
    }
    s.push_str(lines[lines.len() - 1]);
    s
}

const ACTION_TAGS: [&str; 3] = ["rsc_op", "pseudo_event", "crm_event"];

fn canon(e: roxmltree::Node) -> String {
    let mut attrs: Vec<(String, String)> = e
        .attributes()
        .filter(|a| !(a.name() == "id" && ACTION_TAGS.contains(&e.tag_name().name())))
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect();
    attrs.sort();
    let kids: Vec<String> = e.children().filter(|c| c.is_element()).map(canon).collect();
    format!("({} {:?} [{}])", e.tag_name().name(), attrs, kids.join(","))
}

fn action_key(e: roxmltree::Node) -> String {
    format!(
        "{}|{}|{}",
        e.tag_name().name(),
        e.attribute("operation_key").unwrap_or(""),
        e.attribute("on_node").unwrap_or("")
    )
}

type GraphForm = (Vec<(String, String)>, BTreeMap<String, Vec<String>>);

/// Each action with its synapse attributes, content and inputs, ids aside.
fn graph_form(text: &str) -> Option<GraphForm> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let root = doc.root_element();
    let mut top: Vec<(String, String)> = root
        .attributes()
        .filter(|a| !["crm_feature_set", "batch-limit", "transition_id"].contains(&a.name()))
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect();
    top.sort();
    let mut form: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for syn in root.children().filter(|c| c.has_tag_name("synapse")) {
        let mut syn_attrs: Vec<(String, String)> = syn
            .attributes()
            .filter(|a| a.name() != "id")
            .map(|a| (a.name().to_owned(), a.value().to_owned()))
            .collect();
        syn_attrs.sort();
        let actions: Vec<roxmltree::Node> = syn
            .children()
            .filter(|c| c.has_tag_name("action_set"))
            .take(1)
            .flat_map(|s| s.children().filter(|c| c.is_element()))
            .collect();
        let mut inputs: Vec<String> = syn
            .children()
            .filter(|c| c.has_tag_name("inputs"))
            .take(1)
            .flat_map(|i| i.children().filter(|c| c.has_tag_name("trigger")))
            .flat_map(|t| t.children().filter(|c| c.is_element()))
            .map(action_key)
            .collect();
        inputs.sort();
        for a in actions {
            let entry = format!("{:?} {} {:?}", syn_attrs, canon(a), inputs);
            form.entry(action_key(a)).or_default().push(entry);
        }
    }
    for v in form.values_mut() {
        v.sort();
    }
    Some((top, form))
}

fn read(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The levels one case passes, or why it broke.
fn grade(
    corpus: &Path,
    work: &Path,
    bin: &Path,
    case: &Case,
) -> Result<BTreeSet<&'static str>, String> {
    let xml = corpus.join("xml").join(format!("{}.xml", case.name));
    let graph = work.join(format!("{}.exp", case.name));
    let dot = work.join(format!("{}.dot", case.name));
    let xml_s = xml.to_string_lossy().into_owned();
    let r1 = run(bin, &["-x".into(), xml_s.clone(), "-S".into()], true);
    let mut args = vec![
        "-x".to_owned(),
        xml_s,
        "-D".into(),
        dot.to_string_lossy().into_owned(),
        "-G".into(),
        graph.to_string_lossy().into_owned(),
        "-sSQ".into(),
    ];
    args.extend(case.args.iter().cloned());
    let r2 = run(bin, &args, false);
    let got_graph = read(&graph);
    let got_dot = read(&dot);
    let _ = std::fs::remove_file(&graph);
    let _ = std::fs::remove_file(&dot);
    for r in [&r1, &r2] {
        if r.timed_out {
            return Err(format!("took longer than {CASE_LIMIT:?}"));
        }
        if r.stdout.contains("panicked")
            || r.stderr.contains("panicked")
            || r.code > 128
            || r.code < 0
        {
            return Err(format!("crashed (exit {}): {}", r.code, r.stderr.trim()));
        }
    }
    let Some(got_graph) = got_graph else {
        return Err("produced no graph".into());
    };
    let want = |dir: &str, ext: &str| read(&corpus.join(dir).join(format!("{}.{ext}", case.name)));
    let exp_scores = want("scores", "scores").unwrap_or_default();
    let exp_summary = want("summary", "summary").unwrap_or_default();
    let exp_graph = want("exp", "exp").unwrap_or_default();
    let exp_dot = want("dot", "dot").unwrap_or_default();
    let exp_stderr = want("stderr", "stderr");

    let mut passed = BTreeSet::new();
    let l1 = squash(&sorted_lines(&r2.stdout)) == squash(&sorted_lines(&exp_scores));
    let l2 = squash(&normalise_summary(&r1.stdout)) == squash(&exp_summary);
    let l3 = match (
        graph_form(&normalise_graph(&exp_graph)),
        graph_form(&normalise_graph(&got_graph)),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    let exact_graph = squash(&normalise_graph(&got_graph)) == squash(&normalise_graph(&exp_graph));
    let exact_dot =
        squash(&sorted_dot(got_dot.as_deref().unwrap_or(""))) == squash(&sorted_dot(&exp_dot));
    let stderr_ok = match &exp_stderr {
        Some(e) => squash(&r2.stderr) == squash(e),
        None => r2.stderr.trim().is_empty(),
    };
    let l4 = l1 && l2 && exact_graph && exact_dot && stderr_ok && r2.code == 0;
    for (lvl, ok) in LEVELS.iter().zip([l1, l2, l3, l4]) {
        if ok {
            passed.insert(*lvl);
        }
    }
    Ok(passed)
}

fn passing_file() -> PathBuf {
    repo_root().join("tests/data/scheduler-passing.txt")
}

/// `name L1 L2 ...` per line; `#` starts a comment.
fn load_passing() -> BTreeMap<String, BTreeSet<String>> {
    let mut map = BTreeMap::new();
    if let Some(text) = read(&passing_file()) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            if let Some(name) = words.next() {
                map.insert(name.to_owned(), words.map(str::to_owned).collect());
            }
        }
    }
    map
}

#[test]
fn scheduler_corpus_does_not_regress() {
    let Some(dir) = conformance_dir() else {
        skip!("conformance corpus is absent");
    };
    let corpus = dir.join("scheduler");
    let Some(index) = read(&corpus.join("tests.jsonl")) else {
        skip!("scheduler corpus index (tests.jsonl) is absent");
    };
    let cases: Vec<Case> = index.lines().filter_map(parse_case).collect();
    assert!(!cases.is_empty(), "no cases parsed from tests.jsonl");
    let bin = ours("crm_simulate");
    let work = std::env::temp_dir().join(format!("atrium-sched-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work directory");

    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<String, Result<BTreeSet<&'static str>, String>>> =
        Mutex::new(BTreeMap::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let r = grade(&corpus, &work, &bin, case);
                results.lock().unwrap().insert(case.name.clone(), r);
            });
        }
    });
    let _ = std::fs::remove_dir_all(&work);
    let results = results.into_inner().unwrap();

    let recorded = load_passing();
    let mut problems = Vec::new();
    let mut counts = [0usize; 4];
    let mut improved = 0;
    for (name, r) in &results {
        match r {
            Err(why) => problems.push(format!("{name}: {why}")),
            Ok(levels) => {
                for (i, l) in LEVELS.iter().enumerate() {
                    if levels.contains(l) {
                        counts[i] += 1;
                    }
                }
                let before = recorded.get(name).cloned().unwrap_or_default();
                let lost: Vec<&String> = before
                    .iter()
                    .filter(|l| !levels.contains(l.as_str()))
                    .collect();
                if !lost.is_empty() {
                    problems.push(format!("{name}: no longer passes {lost:?}"));
                }
                if levels.iter().any(|l| !before.contains(*l)) {
                    improved += 1;
                }
            }
        }
    }
    let n = results.len();
    eprintln!(
        "scheduler corpus: L1 {}/{n} · L2 {}/{n} · L3 {}/{n} · L4 {}/{n}; {improved} case(s) pass more than recorded",
        counts[0], counts[1], counts[2], counts[3]
    );
    if std::env::var_os("ATRIUM_UPDATE_SCHEDULER_PASSING").is_some() {
        let mut text = String::from(
            "# Scheduler conformance levels each corpus case passes (tests/tests/scheduler_conformance.rs).\n\
             # Regenerate with ATRIUM_UPDATE_SCHEDULER_PASSING=1 cargo test -p atrium-tests --test scheduler_conformance\n",
        );
        for (name, r) in &results {
            if let Ok(levels) = r {
                if !levels.is_empty() {
                    let l: Vec<&str> = levels.iter().copied().collect();
                    text.push_str(&format!("{name} {}\n", l.join(" ")));
                }
            }
        }
        std::fs::write(passing_file(), text).expect("write the passing list");
    }
    assert!(
        problems.is_empty(),
        "scheduler conformance regressions:\n{}",
        problems.join("\n")
    );
}
