//! Shared runner for cibadmin differential tests: two working directories
//! holding the same CIB, the reference cibadmin working on one and ours on
//! the other, every step compared (stdout, stderr, exit status, and the
//! CIB files afterwards with `cib-last-written` normalised).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use atrium_tests::{ours, Output};

/// Run `bin` as `cibadmin` (argv[0], which error messages repeat) under
/// LC_ALL=C with `env` and optional stdin.
pub fn run_as_cibadmin(
    bin: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(bin);
    cmd.arg0("cibadmin")
        .args(args)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env_remove("CIB_user")
        .env_remove("CIB_file")
        .env_remove("CIB_shadow")
        .env_remove("CIB_shadow_dir")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin was piped");
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let out = child.wait_with_output().expect("child can be waited for");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code,
    }
}

/// Where the CIB of a side lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `CIB_file=<dir>/cib.xml`.
    File,
    /// `CIB_shadow_dir=<dir> CIB_shadow=<name>`.
    Shadow(&'static str),
}

pub struct Side {
    pub bin: PathBuf,
    pub dir: PathBuf,
}

impl Side {
    /// The CIB file this side works on.
    pub fn cib(&self, mode: Mode) -> PathBuf {
        match mode {
            Mode::File => self.dir.join("cib.xml"),
            Mode::Shadow(name) => self.dir.join(format!("shadow.{name}")),
        }
    }

    /// A scratch file of this side (`$TMPXML` in arguments).
    pub fn tmpxml(&self) -> PathBuf {
        self.dir.join("tmp.xml")
    }
}

/// One step's options.
#[derive(Clone, Debug, Default)]
pub struct Step<'a> {
    pub user: Option<&'a str>,
    pub stdin: Option<&'a [u8]>,
    pub env: Vec<(&'a str, &'a str)>,
    /// Run against `$TMPXML` (`CIB_file`) instead of the main CIB.
    pub on_tmpxml: bool,
    /// The command prints usage help: compare stderr up to the help only
    /// (the help prose is ours).
    pub help: bool,
}

pub struct Pair {
    pub sides: [Side; 2],
    pub mode: Mode,
    pub trace: bool,
    pub steps: usize,
}

/// Replace the value of every `cib-last-written` attribute.
pub fn normalise(text: &str) -> String {
    let key = "cib-last-written=\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find(key) {
        out.push_str(&rest[..p]);
        rest = &rest[p + key.len()..];
        if let Some(q) = rest.find('"') {
            rest = &rest[q + 1..];
        }
        out.push_str("cib-last-written=\"X\"");
    }
    out.push_str(rest);
    out
}

/// A fresh temporary directory.
pub fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "atrium-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&d).expect("temporary directory can be created");
    d
}

/// The part of stderr before a usage help screen.
fn before_help(stderr: &str) -> &str {
    stderr.find("cibadmin - ").map_or(stderr, |p| &stderr[..p])
}

impl Pair {
    pub fn new(refbin: &Path, tag: &str, mode: Mode) -> Pair {
        Pair {
            sides: [
                Side {
                    bin: refbin.to_path_buf(),
                    dir: tempdir(&format!("{tag}-ref")),
                },
                Side {
                    bin: ours("cibadmin"),
                    dir: tempdir(&format!("{tag}-ours")),
                },
            ],
            mode,
            trace: false,
            steps: 0,
        }
    }

    /// Write the same content to a file of both sides.
    pub fn write_both(&self, name: &str, content: &[u8]) {
        for s in &self.sides {
            std::fs::write(s.dir.join(name), content).expect("scratch file is writable");
        }
    }

    /// Start both sides from the same CIB.
    pub fn start_with(&self, cib: &[u8]) {
        for s in &self.sides {
            std::fs::write(s.cib(self.mode), cib).expect("CIB file is writable");
        }
    }

    fn run_side(&self, i: usize, args: &[&str], step: &Step<'_>) -> Output {
        let side = &self.sides[i];
        let dir = side.dir.to_string_lossy().into_owned();
        let mut env: Vec<(String, String)> = vec![
            (
                "PCMK_stderr".into(),
                if self.trace { "1" } else { "0" }.into(),
            ),
            (
                "PCMK_trace_functions".into(),
                if self.trace {
                    "pcmk__check_acl,pcmk__apply_creation_acl".into()
                } else {
                    String::new()
                },
            ),
        ];
        if step.on_tmpxml {
            env.push(("CIB_shadow".into(), String::new()));
            env.push(("CIB_file".into(), side.tmpxml().to_string_lossy().into()));
        } else {
            match self.mode {
                Mode::File => {
                    env.push(("CIB_shadow".into(), String::new()));
                    env.push((
                        "CIB_file".into(),
                        side.cib(Mode::File).to_string_lossy().into(),
                    ))
                }
                Mode::Shadow(name) => {
                    env.push(("CIB_shadow_dir".into(), dir.clone()));
                    env.push(("CIB_shadow".into(), name.into()));
                }
            }
        }
        if let Some(u) = step.user {
            env.push(("CIB_user".into(), u.into()));
        }
        for (k, v) in &step.env {
            env.push(((*k).into(), v.replace("$DIR", &dir)));
        }
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("$TMPXML", &side.tmpxml().to_string_lossy())
                    .replace("$DIR", &dir)
            })
            .collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut out = run_as_cibadmin(&side.bin, &argv, step.stdin, &env);
        out.stdout = out.stdout.replace(&dir, "$DIR");
        out.stderr = out.stderr.replace(&dir, "$DIR");
        out
    }

    /// Run `args` on both sides and compare everything; returns the
    /// reference's output.
    pub fn run(&mut self, desc: &str, args: &[&str], step: Step<'_>) -> Output {
        self.steps += 1;
        let want = self.run_side(0, args, &step);
        let got = self.run_side(1, args, &step);
        let ctx = format!(
            "step {} ({desc}): {:?} cibadmin {args:?}",
            self.steps, step.user
        );
        assert_eq!(want.code, got.code, "{ctx}: exit status\n{want:?}\n{got:?}");
        assert_eq!(want.stdout, got.stdout, "{ctx}: stdout");
        if step.help {
            assert_eq!(
                before_help(&want.stderr),
                before_help(&got.stderr),
                "{ctx}: stderr"
            );
            assert_eq!(
                want.stderr.contains("cibadmin - "),
                got.stderr.contains("cibadmin - "),
                "{ctx}: help shown"
            );
        } else {
            assert_eq!(want.stderr, got.stderr, "{ctx}: stderr");
        }
        self.compare_files(&ctx);
        want
    }

    /// [`Pair::run`] with default step options.
    pub fn step(&mut self, desc: &str, args: &[&str]) -> Output {
        self.run(desc, args, Step::default())
    }

    /// [`Pair::run`] as `user`.
    pub fn step_as(&mut self, desc: &str, user: &str, args: &[&str]) -> Output {
        self.run(
            desc,
            args,
            Step {
                user: Some(user),
                ..Step::default()
            },
        )
    }

    /// Compare the CIB files and `$TMPXML` of both sides.
    pub fn compare_files(&self, ctx: &str) {
        let [a, b] = &self.sides;
        for (x, y) in [
            (a.cib(self.mode), b.cib(self.mode)),
            (a.tmpxml(), b.tmpxml()),
        ] {
            let x = std::fs::read(x).unwrap_or_default();
            let y = std::fs::read(y).unwrap_or_default();
            assert_eq!(
                normalise(&String::from_utf8_lossy(&x)),
                normalise(&String::from_utf8_lossy(&y)),
                "{ctx}: files differ"
            );
        }
    }

    /// Apply `f` to the text of both sides' main CIB files.
    pub fn edit_cib(&self, f: impl Fn(&str) -> String) {
        for s in &self.sides {
            let p = s.cib(self.mode);
            let text = std::fs::read_to_string(&p).expect("CIB file is readable");
            std::fs::write(&p, f(&text)).expect("CIB file is writable");
        }
    }

    /// Each side's own `CIB_user=root cibadmin -Q > $TMPXML`.
    pub fn save_query(&mut self) {
        let out = self.step_as("query for $TMPXML", "root", &["-Q"]);
        assert_eq!(out.code, 0, "query failed: {out:?}");
        for s in &self.sides {
            std::fs::write(s.tmpxml(), &out.stdout).expect("scratch file is writable");
        }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            for s in &self.sides {
                let _ = std::fs::remove_dir_all(&s.dir);
            }
        }
    }
}

/// Replace the value of every ` attr="digits"` in `text`.
pub fn replace_attr(text: &str, attr: &str, value: &str) -> String {
    let pat = format!(" {attr}=\"");
    let mut out = String::new();
    let mut rest = text;
    while let Some(p) = rest.find(&pat) {
        out.push_str(&rest[..p + pat.len()]);
        rest = &rest[p + pat.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if rest.as_bytes().get(digits) == Some(&b'"') {
            out.push_str(value);
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// cts-cli's `reset_shadow_cib_version`.
pub fn reset_versions(text: &str) -> String {
    let t = replace_attr(text, "admin_epoch", "0");
    let t = replace_attr(&t, "epoch", "1");
    replace_attr(&t, "num_updates", "0")
}
