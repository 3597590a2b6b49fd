//! The command line of `pacemaker-based` (the reference's legacy option
//! table: `-?`, `-V`, `-s`, `-w`, `-r`, and the `metadata` command) and the
//! cluster options it documents. Pure apart from printing help.

use std::ffi::OsString;
use std::path::PathBuf;

use pcmk_cli::getopt::HasArg;
use pcmk_cli::legacy::{LegacyOption, LegacyOutcome, LegacySpec};
use pcmk_results::CrmExit;

/// The option table (help texts in our words).
const OPTIONS: &[LegacyOption] = &[
    LegacyOption::option("help", HasArg::No, Some('?'), "\tThis text"),
    LegacyOption::option("verbose", HasArg::No, Some('V'), "\tIncrease debug output"),
    LegacyOption::option("stand-alone", HasArg::No, Some('s'), "\tAdvanced use only"),
    LegacyOption::option("disk-writes", HasArg::No, Some('w'), "\tAdvanced use only"),
    LegacyOption::option(
        "cib-root",
        HasArg::Required,
        Some('r'),
        "\tAdvanced use only",
    ),
];

/// `pcmk__set_cli_options()` of the daemon.
pub const SPEC: LegacySpec = LegacySpec {
    name: "pacemaker-based",
    description: "daemon for managing the configuration of a Pacemaker cluster",
    usage: Some("[options]"),
    short_options: None,
    options: OPTIONS,
};

/// What the command line asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    /// `-V` count.
    pub verbosity: u32,
    /// `-s`: no cluster, run as the daemon user, no disk writes unless `-w`.
    pub stand_alone: bool,
    /// Disk writes (`-s` turns them off, a later `-w` on).
    pub writes: bool,
    /// `-r`: the CIB directory.
    pub cib_root: Option<PathBuf>,
    /// The `metadata` command.
    pub metadata: bool,
}

/// Parse; `Err` carries what to print and the exit status.
pub fn parse(argv: &[OsString]) -> Result<Args, (Vec<u8>, bool, CrmExit)> {
    let mut args = Args {
        writes: true,
        ..Args::default()
    };
    match SPEC.parse(argv) {
        LegacyOutcome::Exit {
            text,
            to_stderr,
            status,
        } => Err((text, to_stderr, status)),
        LegacyOutcome::Run { options, operands } => {
            for (o, value) in options {
                match o.short {
                    Some('V') => args.verbosity += 1,
                    Some('s') => {
                        args.stand_alone = true;
                        args.writes = false;
                    }
                    Some('w') => args.writes = true,
                    Some('r') => args.cib_root = value.map(PathBuf::from),
                    _ => {}
                }
            }
            if operands.len() == 1
                && operands[0]
                    .to_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("metadata"))
            {
                args.metadata = true;
            }
            Ok(args)
        }
    }
}

/// One documented cluster option.
struct OptionDoc {
    name: &'static str,
    kind: &'static str,
    default: &'static str,
    short: &'static str,
    long: &'static str,
}

/// The options the CIB manager reads (`cib_opts[]`), described in our
/// words.
const CLUSTER_OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        name: "enable-acl",
        kind: "boolean",
        default: "false",
        short: "Whether access control lists restrict what users may see and change in the CIB",
        long: "When true, users other than root and hacluster may only read and change the parts of the CIB the ACLs in the configuration grant them",
    },
    OptionDoc {
        name: "cluster-ipc-limit",
        kind: "integer",
        default: "500",
        short: "How many messages a cluster daemon may have waiting before it is disconnected",
        long: "The number of IPC messages a cluster daemon's connection may hold unread before the CIB manager drops it. Increase it if the log shows \"Evicting client\" for cluster daemons; resources multiplied by nodes is a reasonable value.",
    },
];

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `cib_metadata()`: the options as OCF-style metadata.
pub fn metadata() -> String {
    let mut s = String::from("<?xml version=\"1.0\"?>\n");
    s.push_str(&format!(
        "<resource-agent name=\"pacemaker-based\" version=\"{}\">\n",
        pcmk_cli::version::PACEMAKER_VERSION
    ));
    s.push_str("  <version>1.1</version>\n");
    s.push_str("  <longdesc lang=\"en\">Cluster options the CIB manager of Pacemaker reads from the configuration</longdesc>\n");
    s.push_str("  <shortdesc lang=\"en\">CIB manager options</shortdesc>\n");
    s.push_str("  <parameters>\n");
    for o in CLUSTER_OPTIONS {
        s.push_str(&format!("    <parameter name=\"{}\">\n", o.name));
        s.push_str(&format!(
            "      <longdesc lang=\"en\">{}</longdesc>\n",
            escape(o.long)
        ));
        s.push_str(&format!(
            "      <shortdesc lang=\"en\">{}</shortdesc>\n",
            escape(o.short)
        ));
        s.push_str(&format!(
            "      <content type=\"{}\" default=\"{}\"/>\n",
            o.kind, o.default
        ));
        s.push_str("    </parameter>\n");
    }
    s.push_str("  </parameters>\n</resource-agent>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<OsString> {
        std::iter::once("pacemaker-based")
            .chain(a.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn options() {
        let a = parse(&argv(&["-V", "-s", "-r", "/tmp/x"])).unwrap();
        assert_eq!(a.verbosity, 1);
        assert!(a.stand_alone && !a.writes);
        assert_eq!(a.cib_root, Some(PathBuf::from("/tmp/x")));
        let a = parse(&argv(&["-s", "-w"])).unwrap();
        assert!(a.writes);
        assert!(parse(&argv(&["metadata"])).unwrap().metadata);
        assert!(matches!(
            parse(&argv(&["--version"])),
            Err((_, true, CrmExit::USAGE))
        ));
        assert!(matches!(
            parse(&argv(&["--help"])),
            Err((_, false, CrmExit::OK))
        ));
    }

    #[test]
    fn metadata_is_well_formed() {
        let m = metadata();
        let x = pcmk_xml::parse(&m).unwrap();
        let names: Vec<_> = x
            .descendants()
            .filter(|e| e.name() == "parameter")
            .map(|e| e.attr("name").unwrap().to_owned())
            .collect();
        assert_eq!(names, ["enable-acl", "cluster-ipc-limit"]);
    }
}
