//! `crm_diff`: compare two XML documents (usually CIBs) and print the
//! patchset that turns the first into the second, or apply such a patchset.
//!
//! Exit status: 0 when the documents are the same or a patch applied, 1
//! (`CRM_EX_ERROR`) when a difference was printed, 65 (`CRM_EX_DATAERR`)
//! when an input cannot be read, 64 on bad usage, and the code of the
//! failure when a patch does not apply. The work is done by
//! `pcmk_xml::patchset::tool`. Ref: tools/crm_diff.c.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use pcmk_results::CrmExit;
use pcmk_tools::app::{self, Tool};
use pcmk_tools::goption::Value;
use pcmk_tools::log::{self, Level};
use pcmk_tools::options::{Arg, CommandSpec, OptionEntry, OptionGroup};
use pcmk_xml::patchset::tool::{self as diff, DiffOptions};
use pcmk_xml::patchset::{self, PatchError};
use pcmk_xml::Element;

const ORIGINAL: &[OptionEntry] = &[
    OptionEntry::with_value(
        "original",
        Some('o'),
        Arg::String,
        "FILE",
        "The original XML is in this file",
    ),
    OptionEntry::with_value(
        "original-string",
        Some('O'),
        Arg::String,
        "STRING",
        "The original XML is this string",
    ),
];

const OPERATION: &[OptionEntry] = &[
    OptionEntry::with_value(
        "new",
        Some('n'),
        Arg::String,
        "FILE",
        "Compare the original XML with the XML in this file",
    ),
    OptionEntry::with_value(
        "new-string",
        Some('N'),
        Arg::String,
        "STRING",
        "Compare the original XML with this string",
    ),
    OptionEntry::with_value(
        "patch",
        Some('p'),
        Arg::String,
        "FILE",
        "Apply the patch in this file to the original XML",
    ),
];

const ADDITIONAL: &[OptionEntry] = &[
    OptionEntry::flag(
        "cib",
        Some('c'),
        "Treat the inputs as CIBs (version details included)",
    ),
    OptionEntry::flag(
        "stdin",
        Some('s'),
        "Read the XML not given as a string from standard input",
    ),
    OptionEntry::flag(
        "no-version",
        Some('u'),
        "Leave version details out of the difference",
    ),
];

const DESCRIPTION: &str = "Examples:

Obtain the two different configuration files by running cibadmin on the two cluster setups to compare:

\t# cibadmin --query > cib-old.xml

\t# cibadmin --query > cib-new.xml

Calculate and save the difference between the two files:

\t# crm_diff --original cib-old.xml --new cib-new.xml > patch.xml

Apply the patch to the original file:

\t# crm_diff --original cib-old.xml --patch patch.xml > updated.xml

Apply the patch to the running cluster:

\t# cibadmin --patch -x patch.xml
";

const SPEC: CommandSpec = CommandSpec {
    description: DESCRIPTION,
    groups: &[
        OptionGroup {
            name: "xml",
            header: "Original XML:",
            help: "Show original XML options",
            entries: ORIGINAL,
        },
        OptionGroup {
            name: "operation",
            header: "Operation:",
            help: "Show operation options",
            entries: OPERATION,
        },
        OptionGroup {
            name: "additional",
            header: "Additional Options:",
            help: "Show additional options",
            entries: ADDITIONAL,
        },
    ],
    attached_values: Some("nopNO"),
    ..CommandSpec::new(
        "crm_diff",
        "Compare two Pacemaker configurations (in XML format) to produce a custom diff-like output, or apply such an output as a patch",
    )
};

fn main() -> ExitCode {
    app::main(&SPEC, run)
}

/// Where one input comes from, after all options are seen (later options
/// override earlier ones; a string option makes the input a string for
/// good, as the reference's option callbacks do).
#[derive(Default)]
struct Input {
    value: Option<String>,
    raw: bool,
}

fn run(tool: &mut Tool<'_>) -> CrmExit {
    let mut first = Input::default();
    let mut second = Input::default();
    let mut apply = false;
    for o in &tool.parsed.occurrences {
        let value = match &o.value {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        };
        match o.long {
            "original" => first.value = value,
            "original-string" => {
                first.raw = true;
                first.value = value;
            }
            "new" => second.value = value,
            "new-string" => {
                second.raw = true;
                second.value = value;
            }
            "patch" => {
                apply = true;
                second.value = value;
            }
            _ => {}
        }
    }
    let as_cib = tool.parsed.is_set("cib");
    let no_version = tool.parsed.is_set("no-version");
    let use_stdin = tool.parsed.is_set("stdin");

    if apply && no_version {
        eprintln!("warning: -u/--no-version ignored with -p/--patch");
    } else if as_cib && no_version {
        eprintln!("error: -u/--no-version incompatible with -c/--cib");
        return CrmExit::USAGE;
    }

    let Some(old) = load(&first, use_stdin, "Input first XML fragment:") else {
        eprintln!("Could not parse the first XML fragment");
        return CrmExit::DATAERR;
    };
    let Some(new) = load(&second, use_stdin, "Input second XML fragment:") else {
        eprintln!("Could not parse the second XML fragment");
        return CrmExit::DATAERR;
    };

    if apply {
        if log::enabled(Level::Trace) {
            for line in patchset::log::patchset_lines(&new, Some("xml_apply_patchset"), true) {
                log::log(Level::Trace, "xml_apply_patchset", format_args!("{line}"));
            }
        }
        match diff::apply(&old, &new, as_cib) {
            Ok(result) => {
                tool.out.print(result.to_formatted());
                CrmExit::OK
            }
            Err(e) => {
                if let PatchError::NotUnique { added, count } = e {
                    let line = if added { 952 } else { 932 };
                    for _ in 1..count {
                        assertion(
                            "apply_v1_patchset",
                            &format!("patchset.c:{line}"),
                            "root_nodes_seen == 0",
                        );
                    }
                    log::log(Level::Error, "apply_v1_patchset", format_args!("{e}"));
                }
                eprintln!("Could not apply patch: {}", e.rc().description());
                e.rc().to_exit()
            }
        }
    } else {
        // xml_calculate_changes() refuses roots that differ, loudly.
        if !old.name().eq_ignore_ascii_case(new.name()) {
            assertion(
                "xml_calculate_changes",
                "xml.c:2514",
                "pcmk__str_eq(crm_element_name(old_xml), crm_element_name(new_xml), pcmk__str_casei)",
            );
        } else if !same_id(old.id(), new.id()) {
            assertion(
                "xml_calculate_changes",
                "xml.c:2516",
                "pcmk__str_eq(ID(old_xml), ID(new_xml), pcmk__str_casei)",
            );
        }
        let generated = diff::generate(&old, &new, DiffOptions { as_cib, no_version });
        if log::enabled(Level::Info) {
            for line in patchset::log::changes_lines(&generated.changes) {
                log::log(Level::Info, "generate_patch", format_args!("{line}"));
            }
        }
        let Some(patch) = generated.patch else {
            return CrmExit::OK;
        };
        if as_cib && log::enabled(Level::Info) {
            log_cib_versions(&patch);
        }
        if log::enabled(Level::Notice) {
            for line in patchset::log::patchset_lines(&patch, Some("generate_patch"), false) {
                log::log(Level::Notice, "generate_patch", format_args!("{line}"));
            }
        }
        tool.out.print(patch.to_formatted());
        CrmExit::ERROR
    }
}

/// `log_patch_cib_versions`: the versions a `--cib` patch goes between.
fn log_cib_versions(patch: &Element) {
    let (mut add, mut del) = ([0; 3], [0; 3]);
    patchset::patch_versions(patch, &mut add, &mut del);
    if add != del {
        let fmt = patch.attr("format").unwrap_or("(null)");
        let digest = patch.attr("digest").unwrap_or("(null)");
        log::log(
            Level::Info,
            "log_patch_cib_versions",
            format_args!("Patch: --- {}.{}.{} {fmt}", del[0], del[1], del[2]),
        );
        log::log(
            Level::Info,
            "log_patch_cib_versions",
            format_args!("Patch: +++ {}.{}.{} {digest}", add[0], add[1], add[2]),
        );
    }
}

/// Two ids as `pcmk__str_eq(..., pcmk__str_casei)` compares them.
fn same_id(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// What a failed `CRM_CHECK()` prints: stderr logging is switched on so
/// the user sees it (`log_assertion_as()`), and stays on.
fn assertion(func: &str, location: &str, expression: &str) {
    if !log::enabled(Level::Error) {
        log::bump_level();
    }
    log::log(
        Level::Error,
        "log_assertion_as",
        format_args!("{func}: Triggered fatal assertion at {location} : {expression}"),
    );
}

/// Read one input: a string (`string2xml`), standard input (`stdin2xml`),
/// or a file (`filename2xml`). A document libxml2 only partly recovers
/// still counts, as with the reference.
fn load(input: &Input, use_stdin: bool, prompt: &str) -> Option<Element> {
    if input.raw {
        return pcmk_xml::read_string(input.value.as_deref()?.as_bytes()).root;
    }
    if use_stdin {
        eprint!("{prompt}");
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).ok()?;
        if buf.is_empty() {
            return None;
        }
        return pcmk_xml::read_string(&buf).root;
    }
    let path = input.value.as_deref()?;
    pcmk_xml::read_file(Path::new(path)).ok()?.root
}
