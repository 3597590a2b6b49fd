//! `crm_error`: show the name and description of Pacemaker result codes, or
//! list them all.
//!
//! Codes are read as legacy return codes by default, as standard return
//! codes with `-r`, or as exit statuses with `-X` (the last of the two
//! wins). Without codes, or with `-l`, every known code of the family is
//! listed. Ref: tools/crm_error.c, lib/pacemaker/pcmk_result_code.c.

use std::process::ExitCode;

use pcmk_results::family::{self, ResultType};
use pcmk_results::{CrmExit, Rc};
use pcmk_tools::app::{self, Tool};
use pcmk_tools::log::{self, Level};
use pcmk_tools::options::{CommandSpec, OptionEntry, OutputSpec};
use pcmk_tools::output::{Format, Output};
use pcmk_tools::scan;

const OPTIONS: &[OptionEntry] = &[
    OptionEntry::flag(
        "name",
        Some('n'),
        "Also print each code's symbolic name (handy for searching source code)",
    ),
    OptionEntry::flag(
        "list",
        Some('l'),
        "List every known code (the default when no code is given)",
    ),
    OptionEntry::flag(
        "exit",
        Some('X'),
        "Read codes as exit statuses instead of legacy return values",
    ),
    OptionEntry::flag(
        "rc",
        Some('r'),
        "Read codes as standard return codes instead of legacy return values",
    ),
];

const SPEC: CommandSpec = CommandSpec {
    parameters: Some("[-- <rc> [<rc>...]]"),
    output: Some(OutputSpec {
        formats: &["none", "text", "xml"],
        help_list: "text (default), xml",
    }),
    main: OPTIONS,
    ..CommandSpec::new(
        "crm_error",
        "crm_error - show names and descriptions of Pacemaker result codes",
    )
};

/// Which parts of a code to show (`pcmk_rc_disp_flags`).
#[derive(Clone, Copy)]
struct Show {
    code: bool,
    name: bool,
}

fn main() -> ExitCode {
    app::main(&SPEC, run)
}

fn run(tool: &mut Tool<'_>) -> CrmExit {
    let kind = tool
        .parsed
        .occurrences
        .iter()
        .fold(ResultType::Legacy, |kind, o| match o.long {
            "exit" => ResultType::ExitCode,
            "rc" => ResultType::Rc,
            _ => kind,
        });
    let with_name = tool.parsed.is_set("name");
    let list = tool.parsed.is_set("list") || tool.parsed.args.is_empty();

    if list {
        if with_name {
            trace_flags(2, "pcmk_rc_disp_name", "pcmk__list_result_codes", 126);
        }
        let show = Show {
            code: true,
            name: with_name,
        };
        for (code, name, desc) in family::known_codes(kind) {
            result_code(&mut tool.out, code, name, &desc, show);
        }
    } else {
        let show = Show {
            code: tool.verbosity > 0,
            name: with_name,
        };
        if show.code {
            trace_flags(1, "pcmk_rc_disp_code", "pcmk__show_result_code", 138);
        }
        if with_name {
            trace_flags(2, "pcmk_rc_disp_name", "pcmk__show_result_code", 145);
        }
        let args: Vec<String> = tool
            .parsed
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        for arg in args.iter().filter(|a| *a != "--") {
            let code = scan::scan_min_int(arg, i32::MIN);
            let (name, desc) = family::strings(code, kind);
            result_code(&mut tool.out, code, name, &desc, show);
        }
    }
    CrmExit::OK
}

/// The reference traces each display flag it sets (`pcmk__set_flags_as()`).
fn trace_flags(value: u32, flag: &str, target: &str, line: u32) {
    log::log(
        Level::Trace,
        "pcmk__set_flags_as",
        format_args!(
            "pcmk_rc_disp_flags flags {value:#010x} ({flag}) for {target} set by main:{line}"
        ),
    );
}

/// C's `"% *d"`: sign or space, right-aligned in `width` columns.
fn space_signed(code: i32, width: usize) -> String {
    let s = if code < 0 {
        code.to_string()
    } else {
        format!(" {code}")
    };
    format!("{s:>width$}")
}

/// The "result-code" message.
fn result_code(out: &mut Output, code: i32, name: &str, desc: &str, show: Show) {
    let name = show.name.then_some(name);
    match out.format() {
        Format::Xml => {
            let code = code.to_string();
            let mut attrs = vec![("code", code.as_str())];
            if let Some(name) = name {
                attrs.push(("name", name));
            }
            attrs.push(("description", desc));
            out.xml_node("result-code", &attrs);
        }
        Format::Text if !show.code => match name {
            Some(name) => out.print(format_args!("{name} - {desc}\n")),
            None => out.print(format_args!("{desc}\n")),
        },
        Format::Text => {
            // Widths of the longest (most negative) code and longest name.
            let code_width = Rc::MOST_NEGATIVE.raw().to_string().len();
            let code = space_signed(code, code_width);
            match name {
                Some(name) => {
                    let name_width = Rc::customs().map(|rc| rc.name().len()).max().unwrap_or(0);
                    out.info(format_args!("{code}: {name:<name_width$}  {desc}"))
                }
                None => out.info(format_args!("{code}: {desc}")),
            };
        }
        _ => {}
    }
}
