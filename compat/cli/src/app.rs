//! The standard life of a Pacemaker command-line tool (does I/O):
//! parse → start logging → create the output object → `--version` or the
//! tool's work → print any error → finish the output → log the exit.
//!
//! This is the sequence every formatted-output tool of the reference follows
//! (`crm_error`, `crm_verify`, `crm_resource`, `crm_rule`, `crmadmin`,
//! `attrd_updater`, `stonith_admin`, ...). Tools that deviate can call the
//! pieces ([`crate::goption::parse`], [`crate::log::init_cli`],
//! [`crate::output::Output::new`]) themselves.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use pcmk_results::CrmExit;

use crate::goption::{self, CallbackError, Occurrence, Outcome, Parsed};
use crate::log;
use crate::options::CommandSpec;
use crate::output::{Finish, Output};

/// What a tool's body works with.
pub struct Tool<'a> {
    /// The command's option table.
    pub spec: &'a CommandSpec,
    /// The original command line, `argv[0]` included.
    pub argv: Vec<OsString>,
    /// Program name for messages (basename of `argv[0]`).
    pub prgname: String,
    /// The parsed options and left-over arguments.
    pub parsed: Parsed,
    /// The output object.
    pub out: Output,
    /// How many times `-V` was given.
    pub verbosity: u32,
    error: Option<String>,
}

impl Tool<'_> {
    /// Record an error message to print as `<prgname>: <message>` when the
    /// tool finishes (the reference's `g_set_error()` on the tool's `error`,
    /// reported by `pcmk__output_and_clear_error()`): on stderr for text,
    /// inside `<status><errors>` for XML.
    pub fn set_error(&mut self, message: impl Into<String>) {
        self.error = Some(message.into());
    }
}

/// Run a tool on the process's command line. `body` does the work and
/// returns the exit status.
pub fn main(spec: &CommandSpec, body: impl FnOnce(&mut Tool<'_>) -> CrmExit) -> ExitCode {
    run(spec, std::env::args_os().collect(), |_| Ok(()), body)
}

/// Run a tool on `argv`, with a callback seeing each option as it is
/// parsed (where the reference uses GOption callbacks that can reject a
/// value and stop parsing).
pub fn run(
    spec: &CommandSpec,
    argv: Vec<OsString>,
    callback: impl FnMut(&Occurrence) -> Result<(), CallbackError>,
    body: impl FnOnce(&mut Tool<'_>) -> CrmExit,
) -> ExitCode {
    let prgname = goption::prgname(&argv);
    let parsed = match goption::parse_with(spec, &argv, callback) {
        Ok(Outcome::Run(parsed)) => parsed,
        Ok(Outcome::Help(text)) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let mut line = format!("{prgname}: ").into_bytes();
            line.extend_from_slice(&e.message);
            line.push(b'\n');
            let _ = std::io::stderr().write_all(&line);
            return CrmExit::USAGE.into();
        }
    };
    // Tolerant lookups: a spec without the common options has no such entries.
    let count = |long: &str| parsed.occurrences.iter().filter(|o| o.long == long).count();
    let verbosity = u32::try_from(count("verbose")).unwrap_or(u32::MAX);
    let version = count("version") > 0;
    log::init_cli(spec.name, verbosity);

    let out = match Output::from_command_line(spec, &parsed, &argv) {
        Ok(out) => out,
        Err(e) => {
            let format = parsed
                .occurrences
                .iter()
                .rev()
                .find(|o| o.long == "output-as")
                .and_then(|o| match &o.value {
                    goption::Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "(null)".to_string());
            let _ = writeln!(
                std::io::stderr(),
                "{prgname}: Error creating output format {format}: {e}"
            );
            return exit(spec.name, CrmExit::ERROR);
        }
    };

    // pcmk__output_new() exports the format for agents the tool runs
    // (crm_resource --validate, stonith_admin). Still single-threaded here.
    std::env::set_var("OCF_OUTPUT_FORMAT", out.format().name());

    let mut tool = Tool {
        spec,
        argv,
        prgname,
        parsed,
        out,
        verbosity,
        error: None,
    };
    let status = if version {
        tool.out.version(false);
        CrmExit::OK
    } else {
        body(&mut tool)
    };
    if let Some(message) = tool.error.take() {
        let line = format!("{}: {message}", tool.prgname);
        tool.out.err(line);
    }
    match tool.out.finish(status, true) {
        Finish::BrokenPipe => ExitCode::SUCCESS,
        Finish::Ok | Finish::WriteFailed => exit(spec.name, status),
    }
}

/// `crm_exit()`: log the exit and turn the status into a process exit code.
pub fn exit(name: &str, status: CrmExit) -> ExitCode {
    let code = status.process_status();
    log::exiting(name, code);
    ExitCode::from(code)
}
