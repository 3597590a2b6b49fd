//! `atrium-lab`: start, inspect, break and remove local test clusters (the
//! lab of `atrium_tests::lab`) from a shell. Needs root.
//!
//! A cluster started with `up` keeps running after the command exits; later
//! commands find it by id (`--id`, `$ATRIUM_LAB_ID`, default `default`).

use std::process::ExitCode;
use std::time::Duration;

use atrium_tests::lab::{self, Lab, LabConfig, LabError, Stack, Transport};

const USAGE: &str = "\
usage: atrium-lab [--id ID] COMMAND [ARGS]

  up [--nodes N] [--stack pacemaker|corosync|none] [--transport knet|udpu]
     [--rings R] [--token MS] [--property NAME=VALUE]...
     [--atrium DAEMON=PATH]... [--atrium-on NODE:DAEMON=PATH]...
     [--no-wait] [--timeout SECS]
                         create and start a cluster; DAEMON is based, controld,
                         execd, fenced, attrd, schedulerd, pacemakerd,
                         corosync or an absolute path; PATH replaces it
  status                 each node's state, then crm_mon -1 from a running node
  run NODE -- CMD...     run CMD inside NODE (exit code passed through)
  start|stop|kill|restart NODE
  partition G1 G2...     split the network, e.g. `partition 1,2 3`
  heal                   undo partition and link changes
  link NODE up|down      plug or unplug NODE
  loss NODE PERCENT      drop PERCENT % of NODE's packets (needs nft)
  wait [--nodes 1,2] [--timeout SECS]
                         wait until those nodes converged (default: all)
  wait-resource RSC [--role ROLE] [--node N] [--timeout SECS]
                         wait until RSC is active in ROLE (default Started)
  logs NODE [LINES]      tail NODE's logs
  down                   stop every node gracefully and remove the lab
  list                   labs on this machine
  cleanup-stale [--all]  remove leftovers of crashed runs (--all: CLI labs too)

NODE is 2 or n2.";

struct Cli {
    id: String,
    cmd: String,
    args: Vec<String>,
    /// Everything after `--`.
    rest: Vec<String>,
}

fn parse_cli() -> Result<Cli, String> {
    let mut id = std::env::var("ATRIUM_LAB_ID").unwrap_or_else(|_| "default".into());
    let mut cmd = None;
    let mut args = Vec::new();
    let mut rest = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--" => {
                rest.extend(it.by_ref());
                break;
            }
            "--id" => id = it.next().ok_or("--id needs a value")?,
            "-h" | "--help" if cmd.is_none() => cmd = Some("help".to_string()),
            _ if cmd.is_none() && !a.starts_with('-') => cmd = Some(a),
            _ => args.push(a),
        }
    }
    Ok(Cli {
        id,
        cmd: cmd.ok_or("no command given")?,
        args,
        rest,
    })
}

/// Value of option `name` in `args` (removed from it), or None.
fn take_opt(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(p) => {
            if p + 1 >= args.len() {
                return Err(format!("{name} needs a value"));
            }
            let v = args.remove(p + 1);
            args.remove(p);
            Ok(Some(v))
        }
    }
}

fn take_all(args: &mut Vec<String>, name: &str) -> Result<Vec<String>, String> {
    let mut v = Vec::new();
    while let Some(x) = take_opt(args, name)? {
        v.push(x);
    }
    Ok(v)
}

fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != name);
    args.len() != before
}

fn num<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{what}: {v:?} is not a number"))
}

fn secs(args: &mut Vec<String>, default: u64) -> Result<Duration, String> {
    Ok(Duration::from_secs(match take_opt(args, "--timeout")? {
        Some(v) => num(&v, "--timeout")?,
        None => default,
    }))
}

fn node_list(lab: &Lab, s: &str) -> Result<Vec<usize>, LabError> {
    s.split(',').map(|n| lab.parse_node(n.trim())).collect()
}

enum Fail {
    Usage(String),
    Lab(LabError),
    /// Exit with this code, nothing more to say.
    Code(u8),
}

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail::Usage(s)
    }
}

impl From<&str> for Fail {
    fn from(s: &str) -> Fail {
        Fail::Usage(s.to_string())
    }
}

impl From<LabError> for Fail {
    fn from(e: LabError) -> Fail {
        Fail::Lab(e)
    }
}

fn up(id: &str, mut args: Vec<String>) -> Result<(), Fail> {
    let nodes = take_opt(&mut args, "--nodes")?.map_or(Ok(3), |v| num(&v, "--nodes"))?;
    let mut cfg = LabConfig::new(nodes).id(id).die_with_owner(false);
    if let Some(s) = take_opt(&mut args, "--stack")? {
        cfg = cfg.stack(Stack::parse(&s).ok_or(format!("--stack {s}: unknown"))?);
    }
    if let Some(t) = take_opt(&mut args, "--transport")? {
        cfg = cfg.transport(Transport::parse(&t).ok_or(format!("--transport {t}: unknown"))?);
    }
    if let Some(r) = take_opt(&mut args, "--rings")? {
        cfg = cfg.rings(num(&r, "--rings")?);
    }
    if let Some(t) = take_opt(&mut args, "--token")? {
        cfg = cfg.token_ms(num(&t, "--token")?);
    }
    for p in take_all(&mut args, "--property")? {
        let (k, v) = p
            .split_once('=')
            .ok_or(format!("--property {p}: use NAME=VALUE"))?;
        cfg = cfg.property(k, v);
    }
    for a in take_all(&mut args, "--atrium")? {
        let (d, path) = a
            .split_once('=')
            .ok_or(format!("--atrium {a}: use DAEMON=PATH"))?;
        cfg = cfg.substitute_all(d, absolute(path)?);
    }
    for a in take_all(&mut args, "--atrium-on")? {
        let (n, rest) = a
            .split_once(':')
            .ok_or(format!("--atrium-on {a}: use NODE:DAEMON=PATH"))?;
        let (d, path) = rest
            .split_once('=')
            .ok_or(format!("--atrium-on {a}: use NODE:DAEMON=PATH"))?;
        cfg = cfg.substitute(
            num(n.trim_start_matches('n'), "--atrium-on")?,
            d,
            absolute(path)?,
        );
    }
    let no_wait = take_flag(&mut args, "--no-wait");
    let timeout = secs(&mut args, 120)?;
    if let Some(extra) = args.first() {
        return Err(Fail::Usage(format!("up: unexpected {extra:?}")));
    }
    let lab = Lab::create(cfg)?;
    lab.start_all()?;
    println!(
        "lab {}: {} node(s) started in {}",
        lab.id(),
        lab.len(),
        lab.dir().display()
    );
    if !no_wait {
        let all: Vec<usize> = (1..=lab.len()).collect();
        match lab.wait_converged(&all, timeout) {
            Ok(c) => println!(
                "converged in {:.1} s{}",
                c.elapsed.as_secs_f64(),
                c.dc.map(|d| format!(", DC {d}")).unwrap_or_default()
            ),
            Err(e) => {
                lab.detach();
                return Err(e.into());
            }
        }
    }
    lab.detach();
    Ok(())
}

fn absolute(p: &str) -> Result<String, String> {
    std::path::absolute(p)
        .map(|p| p.display().to_string())
        .map_err(|e| format!("{p}: {e}"))
}

fn status(lab: &Lab) -> Result<(), Fail> {
    let mut first = None;
    for i in 1..=lab.len() {
        let running = lab.is_running(i);
        println!(
            "{} ({}): {}",
            lab.node_name(i),
            lab.addr(i),
            if running { "running" } else { "stopped" }
        );
        if running && first.is_none() {
            first = Some(i);
        }
    }
    if let Some(i) = first {
        if lab.config().stack == Stack::Pacemaker {
            let out = lab.run(i, &["crm_mon", "-1"])?;
            print!("{}{}", out.stdout, out.stderr);
        } else if lab.config().stack == Stack::Corosync {
            let out = lab.run(i, &["corosync-quorumtool", "-s"])?;
            print!("{}{}", out.stdout, out.stderr);
        }
    }
    Ok(())
}

fn one_node(lab: &Lab, args: &[String]) -> Result<usize, Fail> {
    match args {
        [n] => Ok(lab.parse_node(n)?),
        _ => Err(Fail::Usage("expected one NODE".into())),
    }
}

fn dispatch(cli: Cli) -> Result<(), Fail> {
    let Cli {
        id,
        cmd,
        mut args,
        rest,
    } = cli;
    match cmd.as_str() {
        "help" => {
            println!("{USAGE}");
            return Ok(());
        }
        "up" => return up(&id, args),
        "list" => {
            for l in lab::stale::list() {
                println!("{l}");
            }
            return Ok(());
        }
        "cleanup-stale" => {
            let all = take_flag(&mut args, "--all");
            for id in lab::stale::cleanup_stale(all)? {
                println!("removed {id}");
            }
            return Ok(());
        }
        "down" => {
            let dir = lab::stale::root().join(&id);
            match Lab::attach(&id) {
                Ok(lab) => lab.down()?,
                // Half-created or damaged: remove whatever exists.
                Err(e) => {
                    let ns = format!("/run/netns/{}{id}-sw", lab::net::NS_PREFIX);
                    if !dir.exists() && !std::path::Path::new(&ns).exists() {
                        return Err(e.into());
                    }
                    if let Some(e) = lab::stale::remove_lab(&id, Some(&dir)).into_iter().next() {
                        return Err(e.into());
                    }
                }
            }
            println!("lab {id} removed");
            return Ok(());
        }
        _ => {}
    }
    let lab = Lab::attach(&id)?;
    match cmd.as_str() {
        "status" => status(&lab)?,
        "run" => {
            let i = one_node(&lab, &args)?;
            if rest.is_empty() {
                return Err("run NODE -- CMD...".into());
            }
            let argv: Vec<&str> = rest.iter().map(String::as_str).collect();
            let status = lab
                .command(i, &argv, &[])?
                .status()
                .map_err(|e| LabError::io("running the command".into(), e))?;
            return match status.code() {
                Some(0) => Ok(()),
                Some(c) => Err(Fail::Code(c.clamp(1, 255) as u8)),
                None => Err(Fail::Code(1)),
            };
        }
        "start" => lab.start(one_node(&lab, &args)?)?,
        "stop" => {
            let i = one_node(&lab, &args)?;
            if !lab.stop(i)? {
                println!("{} did not stop in time and was killed", lab.node_name(i));
            }
        }
        "kill" => lab.kill(one_node(&lab, &args)?)?,
        "restart" => lab.restart(one_node(&lab, &args)?)?,
        "partition" => {
            if args.is_empty() {
                return Err("partition G1 G2... (e.g. 1,2 3)".into());
            }
            let groups = args
                .iter()
                .map(|g| node_list(&lab, g))
                .collect::<Result<Vec<_>, _>>()?;
            lab.partition(&groups)?;
        }
        "heal" => lab.heal()?,
        "link" => match args.as_slice() {
            [n, s] if s == "up" || s == "down" => lab.set_link(lab.parse_node(n)?, s == "up")?,
            _ => return Err("link NODE up|down".into()),
        },
        "loss" => match args.as_slice() {
            [n, p] => lab.set_loss(lab.parse_node(n)?, num(p, "PERCENT")?)?,
            _ => return Err("loss NODE PERCENT".into()),
        },
        "wait" => {
            let timeout = secs(&mut args, 120)?;
            let nodes = match take_opt(&mut args, "--nodes")? {
                Some(s) => node_list(&lab, &s)?,
                None => (1..=lab.len()).collect(),
            };
            let c = lab.wait_converged(&nodes, timeout)?;
            println!(
                "converged in {:.1} s{}",
                c.elapsed.as_secs_f64(),
                c.dc.map(|d| format!(", DC {d}")).unwrap_or_default()
            );
        }
        "wait-resource" => {
            let timeout = secs(&mut args, 60)?;
            let role = take_opt(&mut args, "--role")?.unwrap_or_else(|| "Started".into());
            let node = match take_opt(&mut args, "--node")? {
                Some(n) => lab.parse_node(&n)?,
                None => (1..=lab.len())
                    .find(|&i| lab.is_running(i))
                    .ok_or(LabError::NotRunning(1))?,
            };
            let [rsc] = args.as_slice() else {
                return Err("wait-resource RSC".into());
            };
            let on = lab.wait_resource(node, rsc, &role, timeout)?;
            println!("{rsc} {role} on {on}");
        }
        "logs" => {
            let (n, lines) = match args.as_slice() {
                [n] => (n, 40),
                [n, l] => (n, num(l, "LINES")?),
                _ => return Err("logs NODE [LINES]".into()),
            };
            print!("{}", lab.logs(lab.parse_node(n)?, lines));
        }
        other => return Err(Fail::Usage(format!("unknown command {other:?}"))),
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = match parse_cli() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("atrium-lab: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Usage(e)) => {
            eprintln!("atrium-lab: {e}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Fail::Lab(e)) => {
            eprintln!("atrium-lab: {e}");
            ExitCode::from(1)
        }
        Err(Fail::Code(c)) => ExitCode::from(c),
    }
}
