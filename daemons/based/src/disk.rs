//! The CIB on disk (I/O): loading it at start the way the reference does
//! (`readCibXmlFile`, daemons/based/based_io.c: digest check, unusable
//! files archived as `cib.auto.XXXXXX`, backups tried newest first, an
//! empty configuration as the last resort) and writing it crash-safely
//! (`cib_file_write_with_digest`: backup by hard links, temporary files
//! fsync'd, renamed into place).
//!
//! Writes differ from the reference in one respect: the old `cib.xml.sig`
//! is removed before the new `cib.xml` is renamed into place, so a crash
//! between the two renames leaves a `cib.xml` with no signature (accepted,
//! with a warning) rather than one that fails its digest.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use pcmk_cib::store::{self, Owner, StoreError};
use pcmk_cib::Validation;
use pcmk_results::errno::EACCES;
use pcmk_results::legacy::PCMK_ERR_SCHEMA_VALIDATION;
use pcmk_results::CrmExit;
use pcmk_xml::Element;

use crate::log;
use crate::log::Level;

/// The daemon user and group.
pub const DAEMON_USER: &str = "hacluster";
pub const DAEMON_GROUP: &str = "haclient";

fn group_gid(name: &str) -> Option<u32> {
    let text = fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name).then(|| f[2].parse().ok())?
    })
}

/// `pcmk__daemon_can_write()`: whether `dir` (or `dir/file`, when it
/// exists) is a directory (regular file) owned and writable by the daemon
/// user or group.
#[doc(alias = "pcmk__daemon_can_write")]
pub fn daemon_can_write(dir: &Path, file: Option<&str>) -> bool {
    let mut target = dir.to_path_buf();
    let mut meta = None;
    if let Some(f) = file {
        let full = dir.join(f);
        match fs::metadata(&full) {
            Err(e) => {
                log!(
                    Level::Notice,
                    "pcmk__daemon_can_write",
                    "{} not found: {}",
                    full.display(),
                    errno_text(&e)
                );
            }
            Ok(m) if !m.is_file() => {
                log!(
                    Level::Error,
                    "pcmk__daemon_can_write",
                    "{} must be a regular file | st_mode=0{:o}",
                    full.display(),
                    m.mode()
                );
                return false;
            }
            Ok(m) => {
                target = full;
                meta = Some(m);
            }
        }
    }
    let meta = match meta {
        Some(m) => m,
        None => match fs::metadata(dir) {
            Err(e) => {
                log!(
                    Level::Error,
                    "pcmk__daemon_can_write",
                    "{} not found: {}",
                    dir.display(),
                    errno_text(&e)
                );
                return false;
            }
            Ok(m) if !m.is_dir() => {
                log!(
                    Level::Error,
                    "pcmk__daemon_can_write",
                    "{} must be a directory | st_mode=0{:o}",
                    dir.display(),
                    m.mode()
                );
                return false;
            }
            Ok(m) => m,
        },
    };
    let user = pcmk_cib::system::user_by_name(DAEMON_USER);
    let user_ok = user.is_some_and(|u| meta.uid() == u.uid && meta.mode() & 0o600 != 0);
    let group_ok =
        group_gid(DAEMON_GROUP).is_some_and(|g| meta.gid() == g && meta.mode() & 0o060 != 0);
    if !user_ok && !group_ok {
        log!(
            Level::Error,
            "pcmk__daemon_can_write",
            "{} must be owned and writable by either user {DAEMON_USER} or group {DAEMON_GROUP} | st_mode=0{:o}",
            target.display(),
            meta.mode()
        );
        return false;
    }
    true
}

/// `pcmk_rc_str(errno)`-style text of an I/O error.
fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => pcmk_results::errno::strerror(n).into_owned(),
        None => e.to_string(),
    }
}

/// What loading found.
#[derive(Debug)]
pub struct Loaded {
    pub cib: Element,
    /// 0, `-EACCES` or `-pcmk_err_schema_validation`.
    pub status: i32,
    /// Whether writes must stay off (an unusable file could not be
    /// archived).
    pub disable_writes: bool,
}

fn sig_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sig");
    PathBuf::from(s)
}

/// A fresh `dir/<prefix>XXXXXX` (mode 0600), like `mkstemp()`.
fn mkstemp(dir: &Path, prefix: &str) -> io::Result<PathBuf> {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (u64::from(std::process::id()) << 20);
    for _ in 0..100 {
        let mut name = String::from(prefix);
        for _ in 0..6 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            name.push(char::from(CHARS[(seed >> 58) as usize % CHARS.len()]));
        }
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free file name",
    ))
}

/// `cib_rename()`: move an unusable file aside as `cib.auto.XXXXXX`.
/// Returns the new name, or `None` (and writes must be disabled).
fn archive(dir: &Path, old: &Path) -> Option<PathBuf> {
    let new = match mkstemp(dir, "cib.auto.") {
        Ok(p) => p,
        Err(e) => {
            log!(
                Level::Error,
                "cib_rename",
                "Couldn't rename {} as {}/cib.auto.XXXXXX: {}",
                old.display(),
                dir.display(),
                errno_text(&e)
            );
            log!(
                Level::Error,
                "cib_rename",
                "Disabling disk writes and continuing"
            );
            return None;
        }
    };
    log!(
        Level::Error,
        "cib_rename",
        "Archiving unusable file {} as {}",
        old.display(),
        new.display()
    );
    if let Err(e) = fs::rename(old, &new) {
        let _ = fs::remove_file(&new);
        log!(
            Level::Error,
            "cib_rename",
            "Couldn't rename {} as {}: {}",
            old.display(),
            new.display(),
            errno_text(&e)
        );
        log!(
            Level::Error,
            "cib_rename",
            "Disabling disk writes and continuing"
        );
        return None;
    }
    Some(new)
}

/// `cib_file_read_and_verify()` with the reference's log lines.
fn read_and_verify(path: &Path, sig: &Path) -> Result<Element, StoreError> {
    log!(
        Level::Info,
        "retrieveCib",
        "Reading cluster configuration file {} (digest: {})",
        path.display(),
        sig.display()
    );
    match fs::metadata(path) {
        Err(e) => {
            log!(
                Level::Warning,
                "cib_file_read_and_verify",
                "Could not verify cluster configuration file {}: {} ({})",
                path.display(),
                errno_text(&e),
                e.raw_os_error().unwrap_or(0)
            );
            return Err(StoreError::Io(e));
        }
        Ok(m) if m.len() == 0 => {
            log!(
                Level::Warning,
                "cib_file_read_and_verify",
                "Cluster configuration file {} is corrupt (size is zero)",
                path.display()
            );
            return Err(StoreError::Corrupt);
        }
        Ok(_) => {}
    }
    let root = match pcmk_xml::read_file(path).ok().and_then(|p| p.root) {
        Some(r) => r,
        None => {
            log!(
                Level::Warning,
                "cib_file_read_and_verify",
                "Cluster configuration file {} is corrupt (unparseable as XML)",
                path.display()
            );
            return Err(StoreError::Corrupt);
        }
    };
    match fs::read_to_string(sig) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            log!(
                Level::Warning,
                "cib_file_verify_digest",
                "No on-disk digest present at {}",
                sig.display()
            );
            Ok(root)
        }
        Err(e) => {
            log!(
                Level::Error,
                "cib_file_verify_digest",
                "Could not read on-disk digest from {}: {}",
                sig.display(),
                errno_text(&e)
            );
            Err(StoreError::Modified)
        }
        Ok(expected) if expected.is_empty() => {
            log!(
                Level::Error,
                "cib_file_verify_digest",
                "On-disk digest at {} is empty",
                sig.display()
            );
            Err(StoreError::Modified)
        }
        Ok(expected) => {
            let actual = pcmk_xml::digest::on_disk(&root);
            if actual.eq_ignore_ascii_case(&expected) {
                Ok(root)
            } else {
                log!(
                    Level::Error,
                    "pcmk__verify_digest",
                    "Digest comparison failed: expected {expected}, calculated {actual}"
                );
                Err(StoreError::Modified)
            }
        }
    }
}

/// The backups `cib-N.raw` (not `.sig`), oldest first by status change.
fn backups(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(i64, i64, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with("cib-") || name.ends_with(".sig") {
                return None;
            }
            let path = e.path();
            let m = fs::metadata(&path).ok()?;
            m.is_file().then(|| (m.ctime(), m.ctime_nsec(), path))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, _, p)| p).collect()
}

/// `readCibXmlFile()`: the CIB to start from.
#[doc(alias = "readCibXmlFile")]
pub fn read_cib(dir: &Path, file: &str, discard_status: bool, validation: &Validation) -> Loaded {
    let sigfile = format!("{file}.sig");
    let mut disable_writes = false;
    if !daemon_can_write(dir, Some(file)) || !daemon_can_write(dir, Some(&sigfile)) {
        return Loaded {
            cib: Element::new("cib"),
            status: -EACCES,
            disable_writes: true,
        };
    }
    let path = dir.join(file);
    let sig = dir.join(&sigfile);
    let mut root = match read_and_verify(&path, &sig) {
        Ok(r) => Some(r),
        Err(StoreError::Corrupt) => {
            log!(
                Level::Warning,
                "retrieveCib",
                "Continuing but {} will NOT be used.",
                path.display()
            );
            None
        }
        Err(StoreError::Modified) => {
            log!(
                Level::Warning,
                "retrieveCib",
                "Continuing but {} will NOT be used.",
                path.display()
            );
            let kept = archive(dir, &path);
            let kept_sig = if sig.exists() {
                archive(dir, &sig)
            } else {
                None
            };
            if kept.is_none() {
                disable_writes = true;
            }
            let kept_name = kept
                .as_ref()
                .map_or_else(|| path.display().to_string(), |k| k.display().to_string());
            log!(
                Level::Error,
                "retrieveCib",
                "{} does not match its digest in {} (edited by hand?): it was kept as {}{}; \
                 to use it, check it with 'crm_verify -x {kept_name}' and load it with \
                 'cibadmin --replace --xml-file {kept_name}' once the cluster runs \
                 (raise its epoch above the running one if cibadmin refuses it as older)",
                path.display(),
                sig.display(),
                kept_name,
                kept_sig
                    .map(|s| format!(" (its old digest as {})", s.display()))
                    .unwrap_or_default()
            );
            None
        }
        Err(_) => None,
    };

    if root.is_none() {
        log!(
            Level::Warning,
            "readCibXmlFile",
            "Primary configuration corrupt or unusable, trying backups in {}",
            dir.display()
        );
        let candidates = backups(dir);
        log!(
            Level::Debug,
            "readCibXmlFile",
            "Testing {} candidates",
            candidates.len()
        );
        for candidate in candidates.iter().rev() {
            let csig = sig_of(candidate);
            match read_and_verify(candidate, &csig) {
                Ok(r) => {
                    log!(
                        Level::Notice,
                        "readCibXmlFile",
                        "Continuing with last valid configuration archive: {}",
                        candidate.display()
                    );
                    root = Some(r);
                    break;
                }
                Err(_) => {
                    log!(
                        Level::Warning,
                        "readCibXmlFile",
                        "Continuing but {} will NOT be used.",
                        candidate.display()
                    );
                }
            }
        }
    }
    let mut root = match root {
        Some(r) => r,
        None => {
            log!(
                Level::Warning,
                "readCibXmlFile",
                "Continuing with an empty configuration."
            );
            pcmk_cib::sections::empty_cib(0)
        }
    };

    if discard_status {
        root.remove_elements_named("status");
    }
    if root.first_element("status").is_none() {
        root.push_element(Element::new("status"));
    }
    if root.attr("admin_epoch").is_none() {
        for line in [
            "No value for admin_epoch was specified in the configuration.",
            "The recommended course of action is to shutdown, run crm_verify and fix any errors it reports.",
            "We will default to zero and continue but may get confused about which configuration to use if multiple nodes are powered up at the same time.",
        ] {
            log!(Level::Warning, "readCibXmlFile", "{line}");
        }
        root.set_attr("admin_epoch", "0");
    }
    for name in ["epoch", "num_updates"] {
        if root.attr(name).is_none() {
            root.set_attr(name, "0");
        }
    }
    root.remove_attr("dc-uuid");

    let validation_name = root.attr("validate-with").map(str::to_owned);
    let mut status = 0;
    let mut msgs = pcmk_cib::trace::Diags::default();
    let (valid, set) = validation.validate_xml(&root, true, &mut msgs);
    if let Some(name) = set {
        root.set_attr("validate-with", name);
    }
    if !valid {
        log!(
            Level::Error,
            "readCibXmlFile",
            "CIB does not validate with {}",
            validation_name.as_deref().unwrap_or("no schema specified")
        );
        status = -PCMK_ERR_SCHEMA_VALIDATION;
    } else if validation_name.is_none() {
        let up = validation.update_validation(
            &root,
            0,
            false,
            false,
            &pcmk_cib::NoTransforms,
            &mut msgs,
        );
        if let Some(name) = up.set_validate_with {
            root.set_attr("validate-with", name);
        }
        if up.best > 0 {
            log!(
                Level::Notice,
                "readCibXmlFile",
                "Enabling {} validation on the existing (sane) configuration",
                pcmk_schema::known()[up.best].name
            );
        } else {
            log!(
                Level::Error,
                "readCibXmlFile",
                "CIB does not validate with any known schema"
            );
            status = -PCMK_ERR_SCHEMA_VALIDATION;
        }
    }
    Loaded {
        cib: root,
        status,
        disable_writes,
    }
}

/// The owner to give new files: the daemon user when running as root.
pub fn file_owner() -> Option<Owner> {
    if pcmk_cib::system::effective_uid() != Some(0) {
        return None;
    }
    let u = pcmk_cib::system::user_by_name(DAEMON_USER)?;
    Some(Owner {
        uid: u.uid,
        gid: group_gid(DAEMON_GROUP).unwrap_or(u.gid),
    })
}

fn write_temp(dir: &Path, text: &[u8], owner: Option<Owner>) -> io::Result<PathBuf> {
    let path = mkstemp(dir, "cib.")?;
    let r = (|| {
        let mut f = OpenOptions::new().write(true).open(&path)?;
        if let Some(o) = owner {
            std::os::unix::fs::fchown(&f, Some(o.uid), Some(o.gid))?;
        }
        f.write_all(text)?;
        f.sync_all()
    })();
    match r {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Why a write failed: the exit code the reference's writer would give and
/// the reason.
#[derive(Debug)]
pub struct WriteError {
    pub exit_code: i32,
    pub reason: String,
}

/// `cib_file_write_with_digest()` for `dir/cib.xml`: refuse if the file on
/// disk was edited behind our back, back it up, write the new one
/// (without status, `num_updates` 0, `cib-last-written` = `last_written`)
/// and its digest. Returns the digest.
#[doc(alias = "cib_file_write_with_digest")]
pub fn write_cib(
    cib: Element,
    dir: &Path,
    last_written: &str,
    owner: Option<Owner>,
) -> Result<String, WriteError> {
    // Prepared in place (the caller's copy is ours to change) and turned
    // into text first, so that the tree is freed before the file on disk
    // is read: at most one of them is in memory at a time.
    let mut prepared = cib;
    store::prepare_for_disk(&mut prepared, last_written);
    let text = prepared.to_formatted();
    let digest = pcmk_xml::digest::on_disk(&prepared);
    let v = |n: &str| prepared.attr(n).unwrap_or("0").to_owned();
    let (admin_epoch, epoch) = (v("admin_epoch"), v("epoch"));
    drop(prepared);

    let path = dir.join("cib.xml");
    let sig = sig_of(&path);
    let fail = |code: CrmExit, reason: String| WriteError {
        exit_code: code.raw(),
        reason,
    };
    match store::read_and_verify(&path, None) {
        Ok(_) => {}
        Err(StoreError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
        Err(_) => {
            log!(
                Level::Error,
                "cib_file_write_with_digest",
                "{} was manually modified while the cluster was active!",
                path.display()
            );
            return Err(fail(
                CrmExit::DIGEST,
                format!("{} does not match its digest", path.display()),
            ));
        }
    }
    store::backup(dir, "cib.xml", owner).map_err(|e| {
        log!(
            Level::Error,
            "cib_file_backup",
            "Could not archive {}: {}",
            path.display(),
            errno_text(&e)
        );
        fail(CrmExit::CANTCREAT, format!("backup failed: {e}"))
    })?;
    let seq = store::read_series_sequence(dir, store::SERIES).unwrap_or(1);
    log!(
        Level::Info,
        "cib_file_backup",
        "Archived previous version as {}",
        store::series_filename(
            dir,
            store::SERIES,
            seq.wrapping_sub(1) % store::SERIES_MAX,
            false
        )
        .display()
    );

    let save_err = |what: &str, e: io::Error| {
        log!(
            Level::Error,
            "cib_file_write_with_digest",
            "Couldn't write {what} in {}: {}",
            dir.display(),
            errno_text(&e)
        );
        fail(CrmExit::CANTCREAT, format!("{what}: {e}"))
    };
    let tmp_cib = write_temp(dir, text.as_bytes(), owner).map_err(|e| save_err("the CIB", e))?;
    drop(text);
    log!(
        Level::Info,
        "cib_file_write_with_digest",
        "Wrote version {admin_epoch}.{epoch}.0 of the CIB to disk (digest: {digest})"
    );
    let tmp_sig = match write_temp(dir, digest.as_bytes(), owner) {
        Ok(p) => p,
        Err(e) => {
            let _ = fs::remove_file(&tmp_cib);
            return Err(save_err("the digest", e));
        }
    };
    log!(
        Level::Info,
        "cib_file_write_with_digest",
        "Reading cluster configuration file {} (digest: {})",
        tmp_cib.display(),
        tmp_sig.display()
    );
    if store::read_and_verify(&tmp_cib, Some(&tmp_sig)).is_err() {
        let _ = fs::remove_file(&tmp_cib);
        let _ = fs::remove_file(&tmp_sig);
        return Err(fail(
            CrmExit::CANTCREAT,
            "the written CIB does not verify".to_owned(),
        ));
    }
    // Never a moment where cib.xml and cib.xml.sig disagree: first no
    // signature (accepted), then the new CIB, then its signature.
    match fs::remove_file(&sig) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(save_err("the old digest", e));
        }
        _ => {}
    }
    sync_dir(dir);
    if let Err(e) = fs::rename(&tmp_cib, &path) {
        let _ = fs::remove_file(&tmp_sig);
        return Err(save_err("cib.xml", e));
    }
    if let Err(e) = fs::rename(&tmp_sig, &sig) {
        return Err(save_err("cib.xml.sig", e));
    }
    sync_dir(dir);
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "atrium-based-disk-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn written_files_verify_and_edits_are_archived() {
        let dir = tempdir("w");
        let mut cib = pcmk_cib::sections::empty_cib(7);
        cib.first_element_mut("status")
            .unwrap()
            .push_element(Element::new("node_state").with_attr("id", "1"));
        let d = write_cib(cib.clone(), &dir, "Thu Jan  1 00:00:00 1970", None).unwrap();
        assert_eq!(fs::read_to_string(dir.join("cib.xml.sig")).unwrap(), d);
        let back = store::read_and_verify(&dir.join("cib.xml"), None).unwrap();
        assert!(back.first_element("status").is_none());
        write_cib(cib.clone(), &dir, "x", None).unwrap();
        assert!(dir.join("cib-1.raw").exists());

        // A hand edit (whitespace between elements does not count, inside
        // a value it does): writes are refused, the loader moves it aside.
        let text = fs::read_to_string(dir.join("cib.xml")).unwrap();
        fs::write(dir.join("cib.xml"), text.replace("  <", " <")).unwrap();
        assert!(store::read_and_verify(&dir.join("cib.xml"), None).is_ok());
        fs::write(
            dir.join("cib.xml"),
            text.replace("epoch=\"7\"", "epoch=\"7 \""),
        )
        .unwrap();
        assert!(write_cib(cib.clone(), &dir, "y", None).is_err());
        // (Ownership checks need the daemon user; call the loader parts.)
        let kept = archive(&dir, &dir.join("cib.xml")).unwrap();
        assert!(kept
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("cib.auto."));
        assert!(!dir.join("cib.xml").exists());
        assert_eq!(backups(&dir), [dir.join("cib-1.raw")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
