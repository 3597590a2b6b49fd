//! `corosync-cmapctl`: read, set, delete and track keys of corosync's
//! configuration map (and read its statistics map), as corosync 3.1.7's
//! tool does.
// Ref: tools/corosync-cmapctl.c

#[path = "../corosync/mod.rs"]
mod corosync;

use std::io::{BufRead, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use atrium_corosync::client::Cmap;
use totem_wire::ipc::CsError;

/// MAX_TRY_AGAIN.
const MAX_TRY_AGAIN: u32 = 10;

const TYPES: [(&str, u8); 12] = [
    ("i8", 1),
    ("u8", 2),
    ("i16", 3),
    ("u16", 4),
    ("i32", 5),
    ("u32", 6),
    ("i64", 7),
    ("u64", 8),
    ("flt", 9),
    ("dbl", 10),
    ("str", 11),
    ("bin", 12),
];

const HELP: &str = "\nusage:  corosync-cmapctl [-b] [-DdghsqTCt] [-p filename] [-m map] [params...]\n\n    -b show binary values\n\n    -m select map to use\n          The  default  map is 'icmap' which contains configuration information and some runtime variables used by corosync. \n          A 'stats' map is also available which displays network statistics - in great detail when knet is used as the transport.\nSet key:\n    corosync-cmapctl -s key_name type value\n\n    where type is one of ([i|u][8|16|32|64] | flt | dbl | str | bin)\n    for bin, value is file name (or - for stdin)\n\n    map can be either 'icmap' (the default) which contains corosync\n    configuration information, or 'stats' which contains statistics\n    about the networking and IPC traffic in some detail.\n\nClear stats:\n    corosync-cmapctl -C [knet|ipc|totem|schedmiss|all]\n    The 'stats' map is implied\n\nLoad settings from a file:\n    corosync-cmapctl -p filename\n\n    the format of the file is:\n    [^[^]]<key_name>[ <type> <value>]\n    Keys prefixed with single caret ('^') are deleted (see -d).\n    Keys (actually prefixes) prefixed with double caret ('^^') are deleted by prefix (see -D).\n    <type> and <value> are optional (not checked) in above cases.\n    Other keys are set (see -s) so both <type> and <value> are required.\n\nDelete key:\n    corosync-cmapctl -d key_name...\n\nDelete multiple keys with prefix:\n    corosync-cmapctl -D key_prefix...\n\nGet key:\n    corosync-cmapctl [-b] -g key_name...\n\nQuiet mode:\n    corosync-cmapctl [-b] -q -g key_name...\n\nDisplay all keys:\n    corosync-cmapctl [-b]\n\nDisplay keys with prefix key_name:\n    corosync-cmapctl [-b] key_name...\n\nTrack changes on keys with key_name:\n    corosync-cmapctl [-b] -t key_name\n\nTrack changes on keys with key prefix:\n    corosync-cmapctl [-b] -T key_prefix\n\n";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Get,
    Set,
    Delete,
    DeletePrefix,
    PrintPrefix,
    Track,
    Load,
    ClearStats,
}

struct Ctl {
    cmap: Cmap,
    show_binary: bool,
    quiet: bool,
}

fn escape_binary(v: &[u8]) -> String {
    let mut s = String::new();
    for &c in v {
        if (b' '..0x7f).contains(&c) && c != b'\\' {
            s.push(c as char);
        } else if c == b'\\' {
            s.push_str("\\\\");
        } else {
            // printf("\\x%02X", (char)c): negative chars print sign-extended.
            if c >= 0x80 {
                s.push_str(&format!("\\x{:02X}", c as i8 as i32 as u32));
            } else {
                s.push_str(&format!("\\x{c:02X}"));
            }
        }
    }
    s
}

fn fixed<const N: usize>(v: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    let n = v.len().min(N);
    a[..n].copy_from_slice(&v[..n]);
    a
}

/// The value as cmapctl prints it after " = " (None for binary without -b).
fn format_value(t: u8, v: &[u8]) -> String {
    match t {
        1 => (fixed::<1>(v)[0] as i8).to_string(),
        2 => fixed::<1>(v)[0].to_string(),
        3 => i16::from_ne_bytes(fixed(v)).to_string(),
        4 => u16::from_ne_bytes(fixed(v)).to_string(),
        5 => i32::from_ne_bytes(fixed(v)).to_string(),
        6 => u32::from_ne_bytes(fixed(v)).to_string(),
        7 => i64::from_ne_bytes(fixed(v)).to_string(),
        8 => u64::from_ne_bytes(fixed(v)).to_string(),
        9 => format!("{:.6}", f32::from_ne_bytes(fixed(v))),
        10 => format!("{:.6}", f64::from_ne_bytes(fixed(v))),
        11 => {
            let n = v.iter().position(|&c| c == 0).unwrap_or(v.len());
            String::from_utf8_lossy(&v[..n]).into_owned()
        }
        _ => escape_binary(v),
    }
}

fn type_name(t: u8) -> &'static str {
    TYPES
        .iter()
        .find(|(_, v)| *v == t)
        .map(|(n, _)| *n)
        .unwrap_or("")
}

impl Ctl {
    /// print_key; `value` is given for notifications.
    fn print_key(&self, out: &mut String, key: &str, t: u8, value: Option<&[u8]>) {
        let fetched;
        let v: Option<&[u8]> = match value {
            Some(v) => Some(v),
            None if t == 12 && !self.show_binary => None,
            None => {
                let mut tries = 0;
                let r = loop {
                    match self.cmap.get(key) {
                        Err(CsError::TRY_AGAIN) if tries < MAX_TRY_AGAIN => {
                            tries += 1;
                            std::thread::sleep(Duration::from_secs(1));
                        }
                        r => break r,
                    }
                };
                match r {
                    Ok(x) => {
                        fetched = x.value;
                        Some(&fetched[..])
                    }
                    Err(e) => {
                        flush(out);
                        eprintln!("Can't get value of {key}. Error {}", e.text());
                        return;
                    }
                }
            }
        };
        if !self.quiet {
            out.push_str(&format!("{key} ("));
        }
        if t == 12 {
            out.push_str("bin)");
            if self.show_binary {
                out.push_str(" = ");
                match v {
                    Some(v) if !v.is_empty() => out.push_str(&escape_binary(v)),
                    _ => out.push_str("*empty*"),
                }
            }
        } else {
            let text = format_value(t, v.unwrap_or_default());
            if self.quiet {
                out.push_str(&text);
            } else {
                out.push_str(&format!("{}) = {text}", type_name(t)));
            }
        }
        out.push('\n');
    }

    /// print_iter: true when nothing matched.
    fn print_iter(&self, out: &mut String, prefix: &str) -> bool {
        let h = match self.cmap.iter_init(prefix) {
            Ok(h) => h,
            Err(e) => {
                flush(out);
                eprintln!("Failed to initialize iteration. Error {}", e.text());
                std::process::exit(1);
            }
        };
        let mut none = true;
        while let Ok((k, _, t)) = self.cmap.iter_next(h) {
            none = false;
            self.print_key(out, &k, t, None);
        }
        let _ = self.cmap.iter_finalize(h);
        none
    }

    fn delete_with_prefix(&self, prefix: &str) {
        let h = match self.cmap.iter_init(prefix) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("Failed to initialize iteration. Error {}", e.text());
                std::process::exit(1);
            }
        };
        while let Ok((k, _, _)) = self.cmap.iter_next(h) {
            if let Err(e) = self.cmap.delete(&k) {
                eprintln!("Can't delete key {k}. Error {}", e.text());
            }
        }
        let _ = self.cmap.iter_finalize(h);
    }

    fn set_key(&self, key: &str, type_s: &str, value_s: &str) {
        let Some(t) = TYPES.iter().find(|(n, _)| *n == type_s).map(|(_, t)| *t) else {
            eprintln!("Unknown type {type_s}");
            std::process::exit(1);
        };
        let invalid = || -> ! {
            eprintln!("{value_s} is not valid {type_s} type value");
            std::process::exit(1);
        };
        let range = |ok: bool| {
            if !ok {
                eprintln!("{value_s} is not valid {type_s} integer");
                std::process::exit(1);
            }
        };
        let bytes: Vec<u8> = match t {
            1 | 3 | 5 | 7 => {
                let v = scan_i64(value_s).unwrap_or_else(|| invalid());
                match t {
                    1 => {
                        range(i8::try_from(v).is_ok());
                        vec![v as u8]
                    }
                    3 => {
                        range(i16::try_from(v).is_ok());
                        (v as i16).to_ne_bytes().to_vec()
                    }
                    5 => {
                        range(i32::try_from(v).is_ok());
                        (v as i32).to_ne_bytes().to_vec()
                    }
                    _ => v.to_ne_bytes().to_vec(),
                }
            }
            2 | 4 | 6 | 8 => {
                let v = scan_u64(value_s).unwrap_or_else(|| invalid());
                match t {
                    2 => {
                        range(v <= u8::MAX as u64);
                        vec![v as u8]
                    }
                    4 => {
                        range(v <= u16::MAX as u64);
                        (v as u16).to_ne_bytes().to_vec()
                    }
                    6 => {
                        range(v <= u32::MAX as u64);
                        (v as u32).to_ne_bytes().to_vec()
                    }
                    _ => v.to_ne_bytes().to_vec(),
                }
            }
            9 => scan_f64(value_s)
                .map(|f| (f as f32).to_ne_bytes().to_vec())
                .unwrap_or_else(|| invalid()),
            10 => scan_f64(value_s)
                .map(|f| f.to_ne_bytes().to_vec())
                .unwrap_or_else(|| invalid()),
            11 => value_s.as_bytes().to_vec(),
            _ => {
                let mut v = Vec::new();
                let r = if value_s == "-" {
                    std::io::stdin().read_to_end(&mut v)
                } else {
                    match std::fs::File::open(value_s) {
                        Ok(mut f) => f.read_to_end(&mut v),
                        Err(e) => {
                            eprintln!("Can't open input file: {}", os_error_text(&e));
                            std::process::exit(1);
                        }
                    }
                };
                if r.is_err() {
                    std::process::exit(1);
                }
                v
            }
        };
        if let Err(e) = self.cmap.set(key, t, &bytes) {
            eprintln!("Failed to set key {key}. Error {}", e.text());
            std::process::exit(1);
        }
    }

    fn load_file(&self, path: &str) {
        let f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("Couldn't open file.: {}", os_error_text(&e));
                return;
            }
        };
        for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
            let l = line.trim_start_matches([' ', '\t']);
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let mut toks = l.split([' ', '\n']).filter(|t| !t.is_empty());
            let Some(key) = toks.next() else {
                continue;
            };
            if let Some(k) = key.strip_prefix('^') {
                if let Some(p) = k.strip_prefix('^') {
                    self.delete_with_prefix(p);
                } else if let Err(e) = self.cmap.delete(k) {
                    eprintln!("Can't delete key {k}. Error {}", e.text());
                }
            } else {
                match (toks.next(), toks.next()) {
                    (Some(t), Some(v)) => self.set_key(key, t, v),
                    _ => {
                        eprintln!("Both type and value for key {key} are required");
                        std::process::exit(1);
                    }
                }
            }
        }
    }

    fn track(&self, keys: &[String], prefix: bool) {
        let mut tt = 4 | 1 | 2;
        if prefix {
            tt |= 8;
        }
        for k in keys {
            if let Err(e) = self.cmap.track_add(k, tt, 0) {
                eprintln!("Failed to add tracking function. Error {}", e.text());
                std::process::exit(1);
            }
        }
        println!("Type \"q\" to finish");
        let _ = std::io::stdout().flush();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let mut line = String::new();
            loop {
                line.clear();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line.starts_with('q') => break,
                    Ok(_) => {}
                }
            }
            let _ = tx.send(());
        });
        loop {
            if rx.try_recv().is_ok() {
                return;
            }
            match self
                .cmap
                .next_notification(Some(Duration::from_millis(100)))
            {
                Ok(n) => {
                    let mut out = String::new();
                    let (prefix_s, t, v) = match n.event {
                        4 => ("create> ", n.new_type, n.new_value),
                        1 => ("delete> ", n.old_type, n.old_value),
                        2 => ("modify> ", n.new_type, n.new_value),
                        _ => {
                            print!("unknown change> ");
                            continue;
                        }
                    };
                    out.push_str(prefix_s);
                    self.print_key(&mut out, &String::from_utf8_lossy(&n.key), t, Some(&v));
                    flush(&mut out);
                }
                Err(CsError::TRY_AGAIN) | Err(CsError::TIMEOUT) => {}
                Err(e) => {
                    eprintln!("Dispatch error {}", e.text());
                    return;
                }
            }
        }
    }
}

fn os_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// sscanf("%" PRId64): leading spaces, sign, digits; stops at junk.
fn scan_i64(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    t[..end].parse().ok()
}

/// sscanf("%" PRIu64) (a minus sign wraps, as strtoull does).
fn scan_u64(s: &str) -> Option<u64> {
    let t = s.trim_start();
    if let Some(r) = t.strip_prefix('-') {
        return scan_u64(r).map(|v| v.wrapping_neg());
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    t[..end].parse().ok()
}

/// sscanf("%lf").
fn scan_f64(s: &str) -> Option<f64> {
    let t = s.trim_start();
    let mut end = 0;
    for i in (1..=t.len()).rev() {
        if t.is_char_boundary(i) && t[..i].parse::<f64>().is_ok() {
            end = i;
            break;
        }
    }
    t[..end].parse().ok()
}

fn flush(out: &mut String) {
    let _ = std::io::stdout().write_all(out.as_bytes());
    let _ = std::io::stdout().flush();
    out.clear();
}

fn main() -> ExitCode {
    let (opts, args) = match corosync::getopt("m:hqgsdDtTbp:C:") {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    let mut action = Action::PrintPrefix;
    let mut track_prefix = true;
    let mut map = 0;
    let mut show_binary = false;
    let mut quiet = false;
    let mut clear_opt = None;
    let mut settings = None;
    for (c, arg) in opts {
        let arg = arg.unwrap_or_default();
        match c {
            'h' => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            'b' => show_binary = true,
            'q' => quiet = true,
            'g' => action = Action::Get,
            's' => action = Action::Set,
            'd' => action = Action::Delete,
            'D' => action = Action::DeletePrefix,
            'p' => {
                settings = Some(arg);
                action = Action::Load;
            }
            'C' => {
                if ["knet", "totem", "ipc", "schedmiss", "all"].contains(&arg.as_str()) {
                    action = Action::ClearStats;
                    clear_opt = Some(arg);
                    map = 1;
                } else {
                    eprintln!(
                        "argument to -C should be 'knet', 'totem', 'ipc', 'schedmiss' or 'all'"
                    );
                    return ExitCode::FAILURE;
                }
            }
            't' => {
                action = Action::Track;
                track_prefix = false;
            }
            'T' => action = Action::Track,
            'm' => match arg.as_str() {
                "icmap" | "default" => map = 0,
                "stats" => map = 1,
                _ => {
                    eprintln!("invalid map name, must be 'default', 'icmap' or 'stats'");
                    return ExitCode::FAILURE;
                }
            },
            _ => return ExitCode::FAILURE,
        }
    }
    if args.is_empty()
        && !matches!(
            action,
            Action::Load | Action::ClearStats | Action::PrintPrefix
        )
    {
        eprintln!("Expected key after options");
        return ExitCode::FAILURE;
    }
    let mut tries = 0;
    let cmap = loop {
        match Cmap::connect(map) {
            Err(CsError::TRY_AGAIN) if tries < MAX_TRY_AGAIN => {
                tries += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(c) => break c,
            Err(e) => {
                eprintln!("Failed to initialize the cmap API. Error {}", e.text());
                return ExitCode::FAILURE;
            }
        }
    };
    let ctl = Ctl {
        cmap,
        show_binary,
        quiet,
    };
    let mut out = String::new();
    match action {
        Action::PrintPrefix => {
            let mut none = 0;
            if args.is_empty() {
                none += ctl.print_iter(&mut out, "") as usize;
            } else {
                for a in &args {
                    none += ctl.print_iter(&mut out, a) as usize;
                }
            }
            flush(&mut out);
            if none > 0 && none >= args.len() {
                return ExitCode::FAILURE;
            }
        }
        Action::Get => {
            for a in &args {
                match ctl.cmap.get_len(a) {
                    Ok((t, _)) => ctl.print_key(&mut out, a, t, None),
                    Err(e) => {
                        flush(&mut out);
                        eprintln!("Can't get key {a}. Error {}", e.text());
                        return ExitCode::FAILURE;
                    }
                }
            }
            flush(&mut out);
        }
        Action::Delete => {
            for a in &args {
                if let Err(e) = ctl.cmap.delete(a) {
                    eprintln!("Can't delete key {a}. Error {}", e.text());
                    return ExitCode::FAILURE;
                }
            }
        }
        Action::DeletePrefix => {
            for a in &args {
                ctl.delete_with_prefix(a);
            }
        }
        Action::Load => ctl.load_file(settings.as_deref().unwrap_or("")),
        Action::Track => ctl.track(&args, track_prefix),
        Action::Set => {
            if args.len() < 3 {
                eprintln!("At least 3 parameters are expected for set");
                return ExitCode::FAILURE;
            }
            ctl.set_key(&args[0], &args[1], &args[2]);
        }
        Action::ClearStats => {
            let k = format!("stats.clear.{}", clear_opt.unwrap_or_default());
            let _ = ctl.cmap.set(&k, 6, &1u32.to_ne_bytes());
        }
    }
    ExitCode::SUCCESS
}
