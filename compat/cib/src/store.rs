//! The CIB on disk (lib/cib/cib_file.c, lib/common/io.c): `cib.xml` with
//! its digest in `cib.xml.sig`, numbered backups `cib-N.raw` (+ `.sig`)
//! made by hard links, the sequence counter `cib.last` (wrapping at 100),
//! atomic replacement (temporary file, fsync, rename, directory sync) and
//! digest verification on load.
//!
//! This is the I/O boundary: [`prepare_for_disk`] is pure, everything else
//! touches the file system. The CIB manager daemon and the file backend's
//! "live CIB" mode both use it.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use pcmk_results::legacy;
use pcmk_xml::tree::Element;

/// Base name of the backup series.
pub const SERIES: &str = "cib";
/// Backups kept before numbers wrap (`CIB_SERIES_MAX`).
pub const SERIES_MAX: u32 = 100;
/// Where the live CIB lives (`CRM_CONFIG_DIR`).
pub const CONFIG_DIR: &str = "/var/lib/pacemaker/cib";
/// The live CIB's file name.
pub const LIVE_NAME: &str = "cib.xml";

/// Why reading or writing the store failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be examined or read.
    Io(io::Error),
    /// Empty or not XML (`pcmk_err_cib_corrupt`).
    Corrupt,
    /// Its digest does not match its `.sig` file (`pcmk_err_cib_modified`).
    Modified,
    /// The old CIB could not be backed up (`pcmk_err_cib_backup`).
    Backup(io::Error),
    /// The new CIB could not be saved (`pcmk_err_cib_save`).
    Save(io::Error),
}

impl StoreError {
    /// The legacy return code the reference gives.
    pub fn legacy_rc(&self) -> i32 {
        match self {
            StoreError::Io(e) => -e.raw_os_error().unwrap_or(pcmk_results::errno::EIO),
            StoreError::Corrupt => -legacy::PCMK_ERR_CIB_CORRUPT,
            StoreError::Modified => -legacy::PCMK_ERR_CIB_MODIFIED,
            StoreError::Backup(_) => -legacy::PCMK_ERR_CIB_BACKUP,
            StoreError::Save(_) => -legacy::PCMK_ERR_CIB_SAVE,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(e) => write!(f, "{e}"),
            StoreError::Corrupt => f.write_str("CIB file is corrupt"),
            StoreError::Modified => f.write_str("CIB file was modified (digest mismatch)"),
            StoreError::Backup(e) => write!(f, "could not back up the CIB: {e}"),
            StoreError::Save(e) => write!(f, "could not save the CIB: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// `cib_file_verify_digest()`: whether `root` matches the digest in
/// `sigfile` (a missing file counts as a match, an empty one does not).
pub fn verify_digest(root: &Element, sigfile: &Path) -> Result<bool, io::Error> {
    match fs::read_to_string(sigfile) {
        Ok(expected) if expected.is_empty() => Ok(false),
        Ok(expected) => Ok(pcmk_xml::digest::on_disk(root).eq_ignore_ascii_case(&expected)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
    }
}

fn sig_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sig");
    PathBuf::from(s)
}

/// `cib_file_read_and_verify()`: read a CIB file and check it against its
/// signature (`<path>.sig` unless `sigfile` is given).
pub fn read_and_verify(path: &Path, sigfile: Option<&Path>) -> Result<Element, StoreError> {
    let meta = fs::metadata(path).map_err(StoreError::Io)?;
    if meta.len() == 0 {
        return Err(StoreError::Corrupt);
    }
    let parsed = pcmk_xml::read_file(path).map_err(|_| StoreError::Corrupt)?;
    let root = parsed.root.ok_or(StoreError::Corrupt)?;
    let sig = sigfile.map_or_else(|| sig_path(path), Path::to_path_buf);
    match verify_digest(&root, &sig) {
        Ok(true) => Ok(root),
        Ok(false) | Err(_) => Err(StoreError::Modified),
    }
}

/// `cib_file_prepare_xml()`: what goes to disk: `num_updates` 0, the
/// given `cib-last-written` time, no status section.
pub fn prepare_for_disk(cib: &mut Element, last_written: &str) {
    cib.set_attr("num_updates", "0");
    cib.set_attr("cib-last-written", last_written);
    let pos = cib
        .children
        .iter()
        .position(|c| matches!(c, pcmk_xml::Node::Element(e) if e.name() == "status"));
    if let Some(p) = pos {
        cib.children.remove(p);
    }
}

/// `pcmk__read_series_sequence()`: the number in `<dir>/<series>.last`.
pub fn read_series_sequence(dir: &Path, series: &str) -> Option<u32> {
    let text = fs::read_to_string(dir.join(format!("{series}.last"))).ok()?;
    let t = text.trim_start();
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    t[..n].parse().ok()
}

/// `pcmk__write_series_sequence()`: store the next number (0 once it
/// reaches `max`).
pub fn write_series_sequence(dir: &Path, series: &str, sequence: u32, max: u32) -> io::Result<()> {
    if max == 0 {
        return Ok(());
    }
    let sequence = if sequence >= max { 0 } else { sequence };
    fs::write(dir.join(format!("{series}.last")), sequence.to_string())
}

/// `pcmk__series_filename()`: `<dir>/<series>-<n>.raw` (or `.bz2`).
pub fn series_filename(dir: &Path, series: &str, sequence: u32, bzip: bool) -> PathBuf {
    dir.join(format!(
        "{series}-{sequence}.{}",
        if bzip { "bz2" } else { "raw" }
    ))
}

/// Owner to give written files (root writing for the daemon user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `cib_file_backup()`: hard-link the current CIB and signature to the
/// next backup names and advance the counter.
pub fn backup(dir: &Path, filename: &str, owner: Option<Owner>) -> io::Result<()> {
    let cib_path = dir.join(filename);
    let cib_digest = sig_path(&cib_path);
    let seq = read_series_sequence(dir, SERIES).unwrap_or(0);
    let backup_path = series_filename(dir, SERIES, seq, false);
    let backup_digest = sig_path(&backup_path);
    let _ = fs::remove_file(&backup_path);
    let _ = fs::remove_file(&backup_digest);
    let link = |from: &Path, to: &Path| match fs::hard_link(from, to) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    link(&cib_path, &backup_path)?;
    link(&cib_digest, &backup_digest)?;
    write_series_sequence(dir, SERIES, seq.wrapping_add(1), SERIES_MAX)?;
    if let Some(o) = owner {
        for p in [
            backup_path,
            backup_digest,
            dir.join(format!("{SERIES}.last")),
        ] {
            match std::os::unix::fs::chown(&p, Some(o.uid), Some(o.gid)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    sync_dir(dir);
    Ok(())
}

/// A new file `<dir>/cib.XXXXXX` opened exclusively with mode 0600
/// (`mkstemp`).
fn temp_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    use std::os::unix::fs::OpenOptionsExt;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32);
    for _ in 0..100 {
        let mut name = String::from("cib.");
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
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// `cib_file_write_with_digest()`: check the CIB on disk was not edited
/// behind our back, back it up, then atomically replace `cib.xml` and
/// `cib.xml.sig` with `cib` (prepared with [`prepare_for_disk`] using
/// `last_written`). Returns the digest written.
pub fn write_with_digest(
    cib: &Element,
    dir: &Path,
    filename: &str,
    last_written: &str,
    owner: Option<Owner>,
) -> Result<String, StoreError> {
    let cib_path = dir.join(filename);
    let digest_path = sig_path(&cib_path);
    match read_and_verify(&cib_path, None) {
        Ok(_) => {}
        Err(StoreError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
        Err(_) => return Err(StoreError::Modified),
    }
    backup(dir, filename, owner).map_err(StoreError::Backup)?;

    let mut prepared = cib.clone();
    prepare_for_disk(&mut prepared, last_written);
    let text = prepared.to_formatted();
    let digest = pcmk_xml::digest::on_disk(&prepared);

    let write = |text: &str| -> Result<PathBuf, StoreError> {
        let (path, mut f) = temp_file(dir).map_err(StoreError::Save)?;
        let result = (|| {
            if let Some(o) = owner {
                std::os::unix::fs::fchown(&f, Some(o.uid), Some(o.gid))?;
            }
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })();
        match result {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(StoreError::Save(e))
            }
        }
    };
    let tmp_cib = write(&text)?;
    let tmp_digest = match write(&digest) {
        Ok(p) => p,
        Err(e) => {
            let _ = fs::remove_file(&tmp_cib);
            return Err(e);
        }
    };
    // What we wrote must read back and verify.
    if read_and_verify(&tmp_cib, Some(&tmp_digest)).is_err() {
        let _ = fs::remove_file(&tmp_cib);
        let _ = fs::remove_file(&tmp_digest);
        return Err(StoreError::Save(io::Error::other(
            "written CIB does not verify",
        )));
    }
    let mut result = Ok(digest);
    if let Err(e) = fs::rename(&tmp_cib, &cib_path) {
        result = Err(StoreError::Save(e));
    }
    if let Err(e) = fs::rename(&tmp_digest, &digest_path) {
        result = Err(StoreError::Save(e));
    }
    sync_dir(dir);
    result
}

/// `write_xml_file()`: the formatted CIB, bzip2-compressed (level 5) when
/// `compress`, written in place and synced. Returns the bytes written.
pub fn write_xml_file(xml: &Element, path: &Path, compress: bool) -> io::Result<usize> {
    let text = xml.to_formatted();
    let mut f = File::create(path)?;
    let bytes = if compress {
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(5));
        enc.write_all(text.as_bytes())?;
        let data = enc.finish()?;
        f.write_all(&data)?;
        data.len()
    } else {
        f.write_all(text.as_bytes())?;
        text.len()
    };
    match f.sync_all() {
        Err(e) if !matches!(e.raw_os_error(), Some(30) | Some(22)) => Err(e),
        _ => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "pcmk-cib-store-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn writes_verify_back_up_and_detect_edits() {
        let dir = tempdir("w");
        let cib = crate::sections::empty_cib(3);
        let d1 =
            write_with_digest(&cib, &dir, "cib.xml", "Thu Jan  1 00:00:00 1970", None).unwrap();
        let back = read_and_verify(&dir.join("cib.xml"), None).unwrap();
        assert_eq!(
            back.attr("cib-last-written"),
            Some("Thu Jan  1 00:00:00 1970")
        );
        assert!(back.first_element("status").is_none());
        assert_eq!(fs::read_to_string(dir.join("cib.xml.sig")).unwrap(), d1);
        assert_eq!(read_series_sequence(&dir, SERIES), Some(1));
        // The second write backs up the first.
        write_with_digest(&cib, &dir, "cib.xml", "x", None).unwrap();
        assert!(dir.join("cib-1.raw").exists() && dir.join("cib-1.raw.sig").exists());
        assert_eq!(read_series_sequence(&dir, SERIES), Some(2));
        // An edit behind our back is detected.
        let mut text = fs::read_to_string(dir.join("cib.xml")).unwrap();
        text = text.replace("epoch=\"3\"", "epoch=\"4\"");
        fs::write(dir.join("cib.xml"), text).unwrap();
        assert!(matches!(
            read_and_verify(&dir.join("cib.xml"), None),
            Err(StoreError::Modified)
        ));
        assert!(matches!(
            write_with_digest(&cib, &dir, "cib.xml", "x", None),
            Err(StoreError::Modified)
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sequence_wraps() {
        let dir = tempdir("s");
        write_series_sequence(&dir, SERIES, 100, SERIES_MAX).unwrap();
        assert_eq!(read_series_sequence(&dir, SERIES), Some(0));
        fs::remove_dir_all(&dir).unwrap();
    }
}
