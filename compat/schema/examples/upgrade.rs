//! `cargo run -p pcmk-schema --example upgrade -- FILE`: run
//! `update_validation` with transformations on a CIB file and print the
//! resulting document (formatted), the best schema, the status and the log
//! on stderr.

use pcmk_schema::{update_validation, GrammarSource, Validator};

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: upgrade FILE");
        return std::process::ExitCode::from(64);
    };
    let parsed = match pcmk_xml::read_file(std::path::Path::new(&path)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{path}: {e:?}");
            return std::process::ExitCode::from(66);
        }
    };
    let Some(cib) = parsed.root else {
        eprintln!("{path}: not XML");
        return std::process::ExitCode::from(65);
    };
    let validator = Validator::new(GrammarSource::from_env());
    let update = update_validation(&validator, &cib, None, true);
    for line in &update.log {
        eprintln!("{line}");
    }
    eprintln!(
        "best: {} status: {:?}",
        update.best_schema().name,
        update.status
    );
    print!("{}", update.cib.to_formatted());
    std::process::ExitCode::SUCCESS
}
