//! `corosync`: Atrium's drop-in for the Corosync Cluster Engine daemon.
//! Options as corosync 3.1.7: `-c FILE`, `-f`, `-t`, `-v` (3.x has no -p/-P/-r:
//! scheduling comes from `system.sched_rr`, `system.priority` and
//! `system.move_to_root_cgroup`, see [`atrium_corosync::sched`]).

use std::path::PathBuf;
use std::process::ExitCode;

use atrium_corosync::conf::{self, DEFAULT_CONFIG};
use atrium_corosync::daemon::Daemon;
use atrium_corosync::logsys::Logger;
use atrium_corosync::state::{LockError, PidLock, LOCK_FILE};
use atrium_corosync::{detach, exit, sched, VERSION};
use corosync_services::LogLevel;

const USAGE: &str = "usage:\n        -c     : Corosync config file path.\n        -f     : Start application in foreground.\n        -t     : Test configuration and exit.\n        -v     : Display version, git revision and some useful information about Corosync and exit.\n";

struct Opts {
    config: PathBuf,
    foreground: bool,
    test: bool,
    version: bool,
}

/// getopt(argc, argv, "c:ftv").
fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        config: PathBuf::from(DEFAULT_CONFIG),
        foreground: false,
        test: false,
        version: false,
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let flags: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < flags.len() {
            match flags[j] {
                'f' => o.foreground = true,
                't' => o.test = true,
                'v' => o.version = true,
                'c' => {
                    let rest: String = flags[j + 1..].iter().collect();
                    if !rest.is_empty() {
                        o.config = PathBuf::from(rest);
                    } else {
                        i += 1;
                        let v = args
                            .get(i)
                            .ok_or_else(|| "option requires an argument -- 'c'".to_string())?;
                        o.config = PathBuf::from(v);
                    }
                    j = flags.len();
                    continue;
                }
                c => return Err(format!("invalid option -- '{c}'")),
            }
            j += 1;
        }
        i += 1;
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprint!("corosync: {e}\n{USAGE}");
            return ExitCode::from(1);
        }
    };
    if opts.version {
        println!("Corosync Cluster Engine, version '{VERSION}'");
        println!("Atrium reimplementation (compatible with Corosync {VERSION})");
        println!("\nBuilt-in features: udpu");
        println!("Available crypto models: none");
        println!("Available compression models: none");
        return ExitCode::SUCCESS;
    }
    ExitCode::from(run(opts) as u8)
}

fn run(opts: Opts) -> i32 {
    let map = match conf::read_map(&opts.config) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}", e.text);
            return e.code;
        }
    };
    let log_cfg = match atrium_corosync::logsys::LogConfig::from_map(&map) {
        Ok(c) => c,
        Err(e) => {
            let t = format!("parse error in config: {e}.");
            eprintln!("{t}");
            return exit::LOGCONFIGREAD;
        }
    };
    let mut log = match Logger::new(log_cfg) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            Logger::early().log(LogLevel::Error, "MAIN", &e);
            return exit::LOGCONFIGREAD;
        }
    };
    if !opts.test {
        log.log(
            LogLevel::Notice,
            "MAIN",
            &format!("Corosync Cluster Engine {VERSION} starting up"),
        );
        log.log(
            LogLevel::Info,
            "MAIN",
            "Corosync built-in features: atrium udpu",
        );
    }
    let loaded = match conf::derive(map, &conf::local_host()) {
        Ok(l) => l,
        Err(e) => {
            log.log(LogLevel::Error, "MAIN", &e.text);
            log.log(
                LogLevel::Error,
                "MAIN",
                &format!(
                    "Corosync Cluster Engine exiting with status {} at main.c:1.",
                    e.code
                ),
            );
            return e.code;
        }
    };
    if std::env::set_current_dir(&loaded.state_dir).is_err() {
        let e = std::io::Error::last_os_error();
        log.log(
            LogLevel::Error,
            "MAIN",
            &format!(
                "Cannot chdir to state directory {}. {e}",
                loaded.state_dir.display()
            ),
        );
        return exit::DIR_NOT_PRESENT;
    }
    if opts.test {
        log.log(
            LogLevel::Notice,
            "MAIN",
            "Corosync Cluster Engine exiting normally",
        );
        return exit::OK;
    }
    let sched_cfg = match sched::from_map(&loaded.map) {
        Ok(c) => c,
        Err(e) => {
            log.log(LogLevel::Error, "MAIN", &e);
            return exit::MAINCONFIGREAD;
        }
    };
    sched::apply(&sched_cfg, &mut log);
    if !opts.foreground {
        if !detach::detach() {
            return 4;
        }
        log.log(LogLevel::Debug, "MAIN", "Corosync TTY detached");
    }
    sched::mlockall(&mut log);
    let _lock = match PidLock::acquire(std::path::Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(LockError::Running) => {
            log.log(
                LogLevel::Error,
                "MAIN",
                "Another Corosync instance is already running.",
            );
            return exit::ALREADY_RUNNING;
        }
        Err(LockError::Create) => {
            log.log(
                LogLevel::Error,
                "MAIN",
                "Corosync Executive couldn't create lock file.",
            );
            return exit::ACQUIRE_LOCK;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.log(
                LogLevel::Error,
                "MAIN",
                &format!("Can't start the event loop: {e}"),
            );
            return exit::FATAL_ERR;
        }
    };
    rt.block_on(Daemon::run(loaded, opts.config, log))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Opts, String> {
        parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn getopt_forms() {
        let o = p(&["-f", "-c", "/x.conf"]).unwrap();
        assert!(o.foreground);
        assert_eq!(o.config, PathBuf::from("/x.conf"));
        let o = p(&["-fc/y.conf"]).unwrap();
        assert_eq!(o.config, PathBuf::from("/y.conf"));
        assert!(p(&["-q"]).is_err());
        assert!(p(&["-c"]).is_err());
        assert!(p(&["-tv"]).unwrap().version);
    }
}
