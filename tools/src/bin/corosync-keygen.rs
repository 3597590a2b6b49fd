//! `corosync-keygen`: write a random authentication key (for knet's
//! crypto), as corosync 3.1.7's tool does.
// Ref: tools/corosync-keygen.c

#[path = "../corosync/mod.rs"]
mod corosync;

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::process::ExitCode;

use corosync::{HasArg, LongOption};

/// KNET_MIN_KEY_LEN.
const KEY_LEN_MIN: i64 = 128;
/// KNET_MAX_KEY_LEN.
const KEY_LEN_MAX: i64 = 4096;
const DEFAULT_KEYFILE: &str = "/etc/corosync/authkey";

const USAGE: &str = "Usage: corosync-keygen [-k <keyfile>] [-s size] [-m <randomfile>] [-l] [-h]\n     -k / --key-file=<filename> -  Write to the specified keyfile\n            instead of the default /etc/corosync/authkey.\n     -r / --random-file -  Random number source file. Default is \n            /dev/urandom. As an example /dev/random may be requested\n            (that may require user input for entropy).\n     -l / --less-secure - Not used, option is kept only\n            for compatibility.\n     -s / --size -  Length of key.\n     -h / --help -  Print basic usage.\n";

const LONGS: &[LongOption] = &[
    LongOption {
        name: "key-file",
        has_arg: HasArg::Required,
        val: 'k' as i32,
    },
    LongOption {
        name: "less-secure",
        has_arg: HasArg::No,
        val: 'l' as i32,
    },
    LongOption {
        name: "random-file",
        has_arg: HasArg::Required,
        val: 'r' as i32,
    },
    LongOption {
        name: "size",
        has_arg: HasArg::Required,
        val: 's' as i32,
    },
    LongOption {
        name: "help",
        has_arg: HasArg::No,
        val: 'h' as i32,
    },
];

fn prog() -> String {
    std::path::Path::new(&corosync::argv0())
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// err(3): "prog: message: strerror".
fn fail(code: u8, msg: &str, e: &std::io::Error) -> ExitCode {
    let _ = std::io::stdout().flush();
    let text = match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => e.to_string(),
    };
    eprintln!("{}: {msg}: {text}", prog());
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let (opts, _) = match corosync::getopt_long("k:r:s:lh", LONGS) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            println!("Error parsing command line options.");
            return ExitCode::FAILURE;
        }
    };
    let mut keyfile = DEFAULT_KEYFILE.to_string();
    let mut random_dev = "/dev/urandom".to_string();
    let mut key_len: usize = 256;
    for (c, arg) in opts {
        let arg = arg.unwrap_or_default();
        match c {
            'k' => keyfile = arg,
            'l' => {}
            'r' => random_dev = arg,
            's' => match arg.parse::<i64>() {
                Ok(v) if (KEY_LEN_MIN..=KEY_LEN_MAX).contains(&v) => key_len = v as usize,
                _ => {
                    eprintln!(
                        "{}: Unsupported key size (supported <{KEY_LEN_MIN},{KEY_LEN_MAX}>)\n",
                        prog()
                    );
                    return ExitCode::FAILURE;
                }
            },
            'h' => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                println!("Error parsing command line options.");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("Corosync Cluster Engine Authentication key generator.");
    println!("Gathering {} bits for key from {random_dev}.", key_len * 8);
    let mut rnd = match std::fs::File::open(&random_dev) {
        Ok(f) => f,
        Err(e) => return fail(1, "Failed to open random source", &e),
    };
    if random_dev == "/dev/random" {
        println!("Press keys on your keyboard to generate entropy.");
    }
    let mut key = vec![0u8; key_len];
    let mut got = 0;
    while got < key_len {
        match rnd.read(&mut key[got..]) {
            Ok(0) => {
                println!(
                    "Press keys on your keyboard to generate entropy ({} bits still needed).",
                    (key_len - got) * 8
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Ok(n) => {
                got += n;
                if got < key_len {
                    println!(
                        "Press keys on your keyboard to generate entropy ({} bits still needed).",
                        (key_len - got) * 8
                    );
                }
            }
            Err(e) => return fail(1, "Could not read /dev/random", &e),
        }
    }
    let mut f = match OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&keyfile)
    {
        Ok(f) => f,
        Err(e) => return fail(2, &format!("Could not create {keyfile}"), &e),
    };
    if let Err(e) = f.set_permissions(std::fs::Permissions::from_mode(0o400)) {
        return fail(3, "Failed to set key file permissions to 0400", &e);
    }
    println!("Writing corosync key to {keyfile}.");
    if let Err(e) = f.write_all(&key) {
        return fail(4, &format!("Could not write {keyfile}"), &e);
    }
    if let Err(e) = f.sync_all() {
        return fail(5, &format!("Could not close {keyfile}"), &e);
    }
    ExitCode::SUCCESS
}
