//! The file backend (lib/cib/cib_file.c): a CIB held in memory for one
//! client, read from a file at sign-on and written back at sign-off if an
//! operation changed it. This is what `CIB_file=…` and `CIB_shadow=…`
//! select. Does I/O at sign-on and sign-off only.
//!
//! - Loading: the file (or `-` for stdin; `.bz2` decompressed) must exist
//!   (`-ENXIO`) and parse and validate against its schema
//!   (`-pcmk_err_schema_validation`); a missing status section is added.
//! - Operations run through [`crate::perform::perform`] with managed
//!   counters and `cib_no_mtime`: no `cib-last-written` or `update-*`.
//! - Writing: the whole CIB, formatted, status section included, in place
//!   (bzip2 for `.bz2`); when the file is the live CIB
//!   (/var/lib/pacemaker/cib/cib.xml), through the [`crate::store`] with
//!   digest and backup, and only as root or hacluster.

use std::path::{Path, PathBuf};

use pcmk_results::errno::{EINVAL, ENOTCONN, ENXIO, EPROTONOSUPPORT};
use pcmk_results::legacy::{PCMK_ERR_GENERIC, PCMK_ERR_SCHEMA_VALIDATION};
use pcmk_xml::tree::Element;

use crate::api::{CallOptions, Op, Reply, Request};
use crate::client::CibBackend;
use crate::perform::{perform, PerformOptions, Services};
use crate::sections::find_element;
use crate::store;
use crate::trace::{Diags, Level};
use crate::validate::Validation;

/// Operations the file backend knows (`cib_file_ops[]`).
const FILE_OPS: [Op; 9] = [
    Op::Query,
    Op::Modify,
    Op::ApplyPatch,
    Op::Bump,
    Op::Replace,
    Op::Create,
    Op::Delete,
    Op::Erase,
    Op::Upgrade,
];

/// A CIB in a file.
pub struct FileBackend<'s> {
    filename: PathBuf,
    live: bool,
    cib: Option<Element>,
    dirty: bool,
    connected: bool,
    services: Services<'s>,
    /// Clock for live writes (`cib-last-written`).
    last_written: Box<dyn Fn() -> String + 's>,
}

/// Whether `path` is the live CIB (`cib_file_is_live`: same real path).
pub fn is_live(path: &Path, live_path: &Path) -> bool {
    match (path.canonicalize(), live_path.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl<'s> FileBackend<'s> {
    /// `cib_file_new(location)`.
    pub fn new(location: &Path, services: Services<'s>) -> FileBackend<'s> {
        let live_path = Path::new(store::CONFIG_DIR).join(store::LIVE_NAME);
        FileBackend {
            live: is_live(location, &live_path),
            filename: location.to_path_buf(),
            cib: None,
            dirty: false,
            connected: false,
            services,
            last_written: Box::new(crate::time::ctime_now),
        }
    }

    /// The file this backend reads and writes.
    pub fn filename(&self) -> &Path {
        &self.filename
    }

    /// Whether the file is the live CIB.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The CIB in memory (after sign-on).
    pub fn cib(&self) -> Option<&Element> {
        self.cib.as_ref()
    }

    /// The validation state shared with the caller.
    pub fn validation(&self) -> &Validation {
        self.services.validation
    }

    /// `load_file_cib()`: read, add status, validate.
    fn load(&mut self, diag: &mut Diags) -> i32 {
        let is_stdin = self.filename.as_os_str() == "-";
        if !is_stdin && std::fs::metadata(&self.filename).is_err() {
            return -ENXIO;
        }
        let Ok(parsed) = pcmk_xml::read_file(&self.filename) else {
            return -PCMK_ERR_SCHEMA_VALIDATION;
        };
        let Some(mut root) = parsed.root else {
            return -PCMK_ERR_SCHEMA_VALIDATION;
        };
        if !root
            .children
            .iter()
            .any(|c| matches!(c, pcmk_xml::Node::Element(e) if e.name() == "status"))
        {
            root.push_element(Element::new("status"));
        }
        let (valid, set) = self.services.validation.validate_xml(&root, true, diag);
        if let Some(name) = set {
            root.set_attr("validate-with", name);
        }
        if !valid {
            let schema = root.attr("validate-with").unwrap_or("(null)");
            diag.log(
                "load_file_cib",
                "cib_file.c",
                580,
                Level::Error,
                format!("CIB does not validate against {schema}"),
            );
            return -PCMK_ERR_SCHEMA_VALIDATION;
        }
        self.cib = Some(root);
        0
    }

    /// Sign on, collecting stderr messages the reference would print.
    pub fn signon_with(&mut self, diag: &mut Diags) -> i32 {
        let rc = if self.filename.as_os_str().is_empty() {
            -EINVAL
        } else {
            self.load(diag)
        };
        if rc == 0 {
            self.connected = true;
        }
        rc
    }

    /// `cib_file_write_live()`: root or hacluster only (others silently do
    /// not write).
    fn write_live(&self, cib: &Element) -> Result<(), ()> {
        let Some(daemon) = crate::system::user_by_name("hacluster") else {
            return Err(());
        };
        let uid = crate::system::effective_uid().unwrap_or(u32::MAX);
        if uid != 0 && uid != daemon.uid {
            return Ok(());
        }
        let (dir, name) = match (self.filename.parent(), self.filename.file_name()) {
            (Some(d), Some(n)) if !d.as_os_str().is_empty() => (d.to_path_buf(), n),
            (_, Some(n)) => (PathBuf::from("./"), n),
            _ => return Err(()),
        };
        let owner = (uid == 0).then_some(store::Owner {
            uid: daemon.uid,
            gid: daemon.gid,
        });
        store::write_with_digest(
            cib,
            &dir,
            &name.to_string_lossy(),
            &(self.last_written)(),
            owner,
        )
        .map(|_| ())
        .map_err(|_| ())
    }
}

impl CibBackend for FileBackend<'_> {
    fn signon(&mut self, _name: &str) -> Reply {
        let mut reply = Reply::default();
        reply.rc = self.signon_with(&mut reply.diag);
        reply
    }

    /// `cib_file_perform_op_delegate()`.
    fn perform(&mut self, op: Op, req: &Request<'_>) -> Reply {
        let mut reply = Reply::default();
        if !self.connected {
            reply.rc = -ENOTCONN;
            return reply;
        }
        if !FILE_OPS.contains(&op) {
            reply.rc = -EPROTONOSUPPORT;
            return reply;
        }
        let Some(current) = self.cib.as_ref() else {
            reply.rc = -ENOTCONN;
            return reply;
        };
        let mut req = req.clone();
        req.options |=
            CallOptions::NO_MTIME | CallOptions::INHIBIT_BCAST | CallOptions::SCOPE_LOCAL;
        if let (Some(section), Some(data)) = (req.section, req.data) {
            if data.name() == "cib" {
                req.data = find_element(data, Some(section));
            }
        }
        let done = perform(
            &self.services,
            op,
            &req,
            current,
            &PerformOptions {
                manage_counters: true,
                last_written: None,
            },
        );
        reply.diag = done.diag;
        reply.rc = done.rc;
        if done.rc == -PCMK_ERR_SCHEMA_VALIDATION {
            // validate_xml_verbose(): the numbered dump, then the same
            // validation again (its grammar already logs, silently).
            reply
                .diag
                .stderr(Validation::verbose_dump(done.result.as_ref()));
            if let Some(r) = done.result.as_ref() {
                self.services
                    .validation
                    .validate_xml(r, false, &mut reply.diag);
            }
        }
        if done.rc == 0 && !op.is_query() {
            self.cib = done.result;
            self.dirty = true;
        }
        reply.output = done.output;
        reply
    }

    /// `cib_file_signoff()`: write the CIB back if it changed.
    fn signoff(&mut self) -> i32 {
        self.connected = false;
        let mut rc = 0;
        if self.dirty {
            if let Some(cib) = self.cib.as_ref() {
                let ok = if self.live {
                    self.write_live(cib).is_ok()
                } else {
                    let bz = self.filename.extension().is_some_and(|e| e == "bz2");
                    store::write_xml_file(cib, &self.filename, bz).is_ok_and(|n| n > 0)
                };
                if ok {
                    self.dirty = false;
                } else {
                    rc = PCMK_ERR_GENERIC;
                }
            }
        }
        self.cib = None;
        rc
    }
}
