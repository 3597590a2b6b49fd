//! `cargo run -p pcmk-schema --example validate -- [--dir DIR] SCHEMA FILE...`:
//! validate files against a schema version and print verdicts and messages.

use pcmk_schema::{by_name, Document, GrammarSource, Validator};

fn main() -> std::process::ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let source = if args.first().map(String::as_str) == Some("--dir") && args.len() > 1 {
        let dir = args.remove(1);
        args.remove(0);
        GrammarSource::Dir(dir.into())
    } else {
        GrammarSource::from_env()
    };
    if args.len() < 2 {
        eprintln!("usage: validate [--dir DIR] SCHEMA FILE...");
        return std::process::ExitCode::from(64);
    }
    let Some(schema) = by_name(&args[0]) else {
        eprintln!("unknown schema {}", args[0]);
        return std::process::ExitCode::from(64);
    };
    let validator = Validator::new(source);
    let mut all_valid = true;
    for file in &args[1..] {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{file}: {e}");
                all_valid = false;
                continue;
            }
        };
        let verdict =
            Document::parse(&text, Some(file)).and_then(|mut d| validator.validate(&mut d, schema));
        match verdict {
            Ok(v) => {
                for m in &v.messages {
                    eprintln!("{m}");
                }
                println!("{file}: {}", if v.valid { "valid" } else { "INVALID" });
                all_valid &= v.valid;
            }
            Err(e) => {
                eprintln!("{file}: {e}");
                all_valid = false;
            }
        }
    }
    if all_valid {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
