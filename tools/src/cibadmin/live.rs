//! cibadmin's live backend: the local CIB manager over libqb IPC
//! (`cib_native`), through pcmk-msg's [`CibClient`].
//!
//! cibadmin talks to the CIB manager in one of two ways, and what it
//! prints depends on which:
//! - synchronous calls (`-s`, and `--show-access`): the reply comes on the
//!   response ring and the call returns its code ([`Outcome::Returned`]);
//!   a transport failure reads as `-ECOMM`.
//! - asynchronous calls (the default): the request goes out without
//!   waiting, the reply comes later as an event, and a callback reports it
//!   ([`Outcome::Callback`]); only a failure to send returns directly.
//!   No reply within the timeout reaches the callback as `-ETIME`.
//!
//! [`Backend`] is the connection cibadmin picked from the environment.
//! [`Live`] also implements [`CibBackend`] (synchronous semantics), so
//! the follow-up query after a failed upgrade goes through the same path
//! as with the file backend.
// Ref: lib/cib/cib_native.c (cib_native_perform_op_delegate),
// lib/cib/cib_client.c (cib_client_register_callback_full),
// lib/cib/cib_utils.c (cib_native_callback).

use std::time::{Duration, Instant};

use pcmk_cib::trace::{Diags, Level};
use pcmk_cib::{CibBackend, Op, Reply, Request};
use pcmk_msg::cib::message::CibEvent;
use pcmk_msg::cib::{call_options, CibClient, CibError, CibRequest, ConnType};
use pcmk_msg::ipc::IpcFlags;

/// How a call ended.
pub enum Outcome {
    /// The call returned a code itself (synchronous call, or an
    /// asynchronous one that could not be sent).
    Returned(Reply),
    /// The reply (or the timeout) reached the asynchronous callback.
    Callback(Reply),
}

/// A connection to the local CIB manager (or none yet).
pub struct Live {
    client: Option<CibClient>,
    /// Seconds calls wait (`cib->call_timeout`, cibadmin's `-t`).
    timeout: Duration,
    /// `-N`/`--node`: the node the request is for.
    host: Option<String>,
    /// Our own numbering for asynchronous calls (`cib->call_id`).
    call_id: i32,
    /// The transport failed: further calls get `-ENOTCONN`.
    disconnected: bool,
    /// IPC requests sent so far (for log messages).
    requests: u32,
}

impl Live {
    /// A backend that calls with a `timeout` and for `host`.
    pub fn new(timeout: Duration, host: Option<String>) -> Live {
        Live {
            client: None,
            timeout,
            host,
            call_id: 0,
            disconnected: false,
            requests: 1,
        }
    }

    /// One call, synchronous or asynchronous after `req.options`.
    #[doc(alias = "cib_native_perform_op_delegate")]
    pub fn call(&mut self, op: Op, req: &Request<'_>) -> Outcome {
        let Some(client) = self.client.as_ref().filter(|_| !self.disconnected) else {
            return Outcome::Returned(rc_only(-libc::ENOTCONN));
        };
        let creq = CibRequest {
            op: op.name(),
            host: self.host.as_deref(),
            section: req.section,
            data: req.data,
            options: req.options.0,
            user: req.user,
        };
        let timeout_s = self.timeout.as_secs();
        // libqb request ids: the sign-on was 1.
        self.requests += 1;
        let request = self.requests;
        if req.options.0 & call_options::SYNC_CALL != 0 {
            let mut reply = match client.call(&creq) {
                Ok(r) => Reply {
                    rc: r.rc,
                    output: r.output,
                    ..Reply::default()
                },
                Err(e) if e.legacy_rc == -libc::ENOMSG || e.legacy_rc == -libc::EPROTO => {
                    rc_only(e.legacy_rc)
                }
                Err(e) => {
                    let mut r = rc_only(-libc::ECOMM);
                    r.diag = send_failed(op, timeout_s, request, client.is_connected(), &e);
                    self.check_connected(&mut r.diag);
                    return Outcome::Returned(r);
                }
            };
            match reply.rc {
                0 => {}
                rc if rc == -libc::EPERM => {}
                rc if rc == -libc::EPROTO || rc == -libc::ENOMSG => reply.diag.log(
                    "cib_native_perform_op_delegate",
                    "cib_native.c",
                    430,
                    Level::Error,
                    format!("Call failed: {}", strerror(rc)),
                ),
                rc if op != Op::Query => reply.diag.log(
                    "cib_native_perform_op_delegate",
                    "cib_native.c",
                    438,
                    Level::Warning,
                    format!("Call failed: {}", strerror(rc)),
                ),
                _ => {}
            }
            return Outcome::Returned(reply);
        }
        self.call_id = self.call_id.wrapping_add(1).max(1);
        let call_id = self.call_id;
        let env_user = if req.user.is_none() {
            std::env::var("CIB_user").ok()
        } else {
            None
        };
        let user = req.user.or(env_user.as_deref());
        let msg = match creq.to_xml(call_id, client.token(), user) {
            Ok(m) => m,
            Err(e) => return Outcome::Returned(rc_only(e.legacy_rc)),
        };
        let deadline = Instant::now() + self.timeout;
        if let Err(e) = client.ipc().send(&msg, IpcFlags::NONE, Some(self.timeout)) {
            let mut r = rc_only(-libc::ECOMM);
            let e = CibError::new(-e.errno(), e.to_string());
            r.diag = send_failed(op, timeout_s, request, client.is_connected(), &e);
            self.check_connected(&mut r.diag);
            return Outcome::Returned(r);
        }
        let mut reply = wait_callback(client, call_id, deadline);
        reply.diag = drain(client);
        Outcome::Callback(reply)
    }
}

/// The connection cibadmin uses: a [`CibBackend`] (file, or none), or
/// the live CIB manager with its asynchronous calls.
pub enum Backend<'s> {
    /// The file backend (`CIB_file`, `CIB_shadow`), or one that cannot
    /// connect (`CIB_port`: remote CIBs are not supported).
    Dyn(Box<dyn CibBackend + 's>),
    /// The local CIB manager.
    Live(Live),
}

impl Backend<'_> {
    /// The connection as a plain [`CibBackend`] (sign-on, sign-off and
    /// synchronous calls).
    pub fn as_dyn(&mut self) -> &mut dyn CibBackend {
        match self {
            Backend::Dyn(b) => b.as_mut(),
            Backend::Live(l) => l,
        }
    }

    /// One call as cibadmin makes it (`cib_internal_op`).
    pub fn call(&mut self, op: Op, req: &Request<'_>) -> Outcome {
        match self {
            Backend::Dyn(b) => Outcome::Returned(b.perform(op, req)),
            Backend::Live(l) => l.call(op, req),
        }
    }
}

/// cibadmin's default call timeout, in seconds.
pub const DEFAULT_TIMEOUT: u32 = 30;

/// `-t`'s value: C `atoi()`, and the default when below 1.
pub fn timeout_arg(s: &str) -> u32 {
    let n = atoi(s);
    if n < 1 {
        DEFAULT_TIMEOUT
    } else {
        n as u32
    }
}

/// C `atoi()`: optional blanks and sign, then digits; 0 when none.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    // glibc's atoi() is (int) strtol(): the long saturates, the int wraps.
    let n = if neg { -n } else { n };
    i64::from(n as i32)
}

/// `pcmk_strerror()` of a legacy return code.
fn strerror(rc: i32) -> String {
    pcmk_results::legacy::description(rc).to_string()
}

/// What `cib_native_perform_op_delegate` logs when the request could not
/// be sent (or, synchronous, got no reply in time).
fn send_failed(op: Op, timeout_s: u64, request: u32, connected: bool, e: &CibError) -> Diags {
    // crm_ipc_send() reports a timeout as -ETIMEDOUT.
    let rc = if e.legacy_rc == -libc::ETIME {
        -libc::ETIMEDOUT
    } else {
        e.legacy_rc
    };
    let mut d = Diags::default();
    let ms = timeout_s * 1000;
    let (line, level, message) = if !connected {
        (
            1344,
            Level::Notice,
            format!("Couldn't send cib_rw IPC request {request}: Connection closed | rc={rc}"),
        )
    } else if rc == -libc::ETIMEDOUT {
        (
            1348,
            Level::Warning,
            format!(
                "cib_rw IPC request {request} failed: {} after {ms}ms | rc={rc}",
                strerror(rc)
            ),
        )
    } else {
        (
            1354,
            Level::Warning,
            format!(
                "cib_rw IPC request {request} failed: {} | rc={rc}",
                strerror(rc)
            ),
        )
    };
    d.log("crm_ipc_send", "ipc_client.c", line, level, message);
    d.log(
        "cib_native_perform_op_delegate",
        "cib_native.c",
        365,
        Level::Error,
        format!(
            "Couldn't perform {} operation (timeout={timeout_s}s): {} ({rc})",
            op.name(),
            strerror(rc)
        ),
    );
    d
}

impl Live {
    /// After a failed send: is the connection gone? (`crm_ipc_connected`)
    fn check_connected(&mut self, diag: &mut Diags) {
        if self.client.as_ref().is_some_and(|c| !c.is_connected()) {
            self.disconnected = true;
            diag.log(
                "cib_native_perform_op_delegate",
                "cib_native.c",
                444,
                Level::Error,
                "The CIB manager disconnected".to_owned(),
            );
        }
    }
}

/// Replies already waiting after the one cibadmin waited for: the main
/// loop dispatches them before it stops, and `cib_native_callback` warns
/// about failed ones that no callback waits for (a second reply to an
/// upgrade, for one).
fn drain(client: &CibClient) -> Diags {
    let mut d = Diags::default();
    // mainloop_gio_callback() reads at most 10 messages per wake-up.
    for _ in 0..9 {
        let Ok(ev) = client.ipc().recv_event(Some(Duration::ZERO)) else {
            break;
        };
        let Ok(xml) = ev.xml() else { continue };
        if let CibEvent::Reply(r) = CibEvent::classify(xml) {
            if r.rc != 0 {
                d.log(
                    "cib_native_callback",
                    "cib_utils.c",
                    502,
                    Level::Warning,
                    format!("CIB command failed: {}", strerror(r.rc)),
                );
            }
        }
    }
    d
}

/// Wait for the reply to asynchronous call `call_id` until `deadline`
/// (the callback timer). A lost connection does not end the wait: the
/// reference's main loop goes on until the timer fires.
fn wait_callback(client: &CibClient, call_id: i32, deadline: Instant) -> Reply {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return rc_only(-libc::ETIME);
        }
        match client.ipc().recv_event(Some(left)) {
            Ok(ev) => {
                let Ok(xml) = ev.xml() else { continue };
                if let CibEvent::Reply(r) = CibEvent::classify(xml) {
                    if r.call_id == call_id {
                        return Reply {
                            rc: r.rc,
                            output: r.output,
                            ..Reply::default()
                        };
                    }
                }
            }
            Err(e) if e.is_disconnect() => {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            }
            Err(_) => {}
        }
    }
}

fn rc_only(rc: i32) -> Reply {
    Reply {
        rc,
        ..Reply::default()
    }
}

impl CibBackend for Live {
    fn signon(&mut self, name: &str) -> Reply {
        const WHERE: (&str, &str) = ("cib_native_signon_raw", "cib_native.c");
        let mut reply = Reply::default();
        match CibClient::signon(name, ConnType::Command) {
            Ok(mut c) => {
                c.set_timeout(self.timeout);
                self.client = Some(c);
                reply.diag.log(
                    WHERE.0,
                    WHERE.1,
                    245,
                    Level::Info,
                    format!("Successfully connected to CIB manager for {name}"),
                );
            }
            Err(e) => {
                if e.legacy_rc == -libc::ENOTCONN {
                    reply.diag.log(
                        WHERE.0,
                        WHERE.1,
                        205,
                        Level::Info,
                        format!("Could not connect to CIB manager for {name}"),
                    );
                }
                reply.diag.log(
                    WHERE.0,
                    WHERE.1,
                    249,
                    Level::Info,
                    format!(
                        "Connection to CIB manager for {name} failed: {}",
                        strerror(e.legacy_rc)
                    ),
                );
                reply.rc = e.legacy_rc;
            }
        }
        reply
    }

    fn perform(&mut self, op: Op, req: &Request<'_>) -> Reply {
        match self.call(op, req) {
            Outcome::Returned(r) => r,
            // An asynchronous call returns its call id; the caller never
            // sees the callback's result here.
            Outcome::Callback(_) => rc_only(self.call_id),
        }
    }

    fn signoff(&mut self) -> i32 {
        if let Some(c) = self.client.take() {
            c.signoff();
        }
        0
    }
}

/// `validate_xml_verbose()`: what a synchronous call that failed schema
/// validation shows of the CIB the CIB manager sent back: the CIB written
/// to a temporary file `$TMPDIR/cib-invalid.XXXXXX` (the file's lines,
/// numbered), then the schema's complaints about that file by name.
#[doc(alias = "validate_xml_verbose")]
pub fn validate_verbose(
    xml: &pcmk_xml::tree::Element,
    validation: &pcmk_cib::Validation,
) -> pcmk_cib::trace::Diags {
    let mut diag = pcmk_cib::trace::Diags::default();
    let text = xml.to_formatted();
    diag.stderr(pcmk_cib::Validation::verbose_dump(Some(xml)));
    let schema = xml.attr("validate-with").and_then(pcmk_schema::by_name);
    let file = temp_file(&text);
    match (schema, file.as_ref()) {
        (Some(s), Some(path)) if s.validator == pcmk_schema::versions::Validator::RelaxNg => {
            let name = path.to_string_lossy();
            if let Ok(v) = pcmk_schema::Validator::global().validate_text(&text, Some(&name), s) {
                for m in &v.messages {
                    diag.stderr(format!("{m}\n"));
                }
            }
        }
        _ => {
            validation.validate_xml(xml, false, &mut diag);
        }
    }
    if let Some(p) = file {
        let _ = std::fs::remove_file(p);
    }
    diag
}

/// `mkstemp("$TMPDIR/cib-invalid.XXXXXX")` holding `text`.
fn temp_file(text: &str) -> Option<std::path::PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::var("TMPDIR")
        .ok()
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/tmp".to_owned());
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (u64::from(std::process::id()) << 32);
    for _ in 0..100 {
        let mut name = String::from("cib-invalid.");
        for _ in 0..6 {
            // xorshift: file names only need to differ, not to be secret.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            name.push(char::from(CHARS[(seed % CHARS.len() as u64) as usize]));
        }
        let path = std::path::Path::new(&dir).join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                let _ = f.write_all(text.as_bytes());
                return Some(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_argument_reads_like_atoi() {
        assert_eq!(timeout_arg("5"), 5);
        assert_eq!(timeout_arg("  7s"), 7);
        assert_eq!(timeout_arg("+3"), 3);
        assert_eq!(timeout_arg("0"), DEFAULT_TIMEOUT);
        assert_eq!(timeout_arg("-2"), DEFAULT_TIMEOUT);
        assert_eq!(timeout_arg("x"), DEFAULT_TIMEOUT);
        assert_eq!(timeout_arg(""), DEFAULT_TIMEOUT);
        // (int) strtol(): 2^32 + 4 wraps to 4.
        assert_eq!(timeout_arg("4294967300"), 4);
    }

    #[test]
    fn temporary_file_is_named_like_mkstemp_and_holds_the_text() {
        let p = temp_file("<cib/>\n").expect("temporary file");
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("cib-invalid.") && name.len() == 18,
            "{name}"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "<cib/>\n");
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn no_connection_means_not_connected() {
        let mut l = Live::new(Duration::from_secs(1), None);
        match l.call(Op::Query, &Request::default()) {
            Outcome::Returned(r) => assert_eq!(r.rc, -libc::ENOTCONN),
            Outcome::Callback(_) => panic!("no call without a connection"),
        }
    }
}
