//! The local side, read before anything is sent: every PATH walked without following a link,
//! every file opened once, every name checked against what the server can store. A symbolic
//! link, a device, a fifo or a socket anywhere, a name that is not UTF-8 or that the server
//! would store differently, an unreadable file: all refused here, so an upload never stops
//! half-way on something that was knowable before its first request.

use std::fs::{self, File, Metadata};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde_json::Value;

use crate::api::upload::{NameProblem, storable_name};

/// The most files one upload takes (the tree walk's own bound: the check after the upload
/// must be able to list them).
pub const MAX_FILES: usize = crate::api::tree::LIMITS.files;

/// One PATH to publish and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The lineage entry's name; `None` for files that go along without an entry of their own
    /// (an event's assets).
    pub name: Option<String>,
    /// The lineage kind (`file`, `dir`, `model`, …).
    pub kind: String,
    /// The local file or folder.
    pub local: PathBuf,
    /// Its run-relative destination: the file's path, or the folder's.
    pub dest: String,
    /// What the lineage entry records beside its name, kind and path.
    pub summary: Value,
    pub is_input: bool,
}

/// A file to send: its path relative to the entry's destination (`""` when the entry is this
/// one file), size and modification time (seconds) as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub rel: String,
    pub size: u64,
    pub mtime: u64,
}

/// A PATH as found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalEntry {
    pub spec: Spec,
    pub is_dir: bool,
    /// Sorted by `rel`.
    pub files: Vec<LocalFile>,
}

impl LocalEntry {
    /// The run-relative path of one of its files.
    pub fn remote_path(&self, file: &LocalFile) -> String {
        join(&self.spec.dest, &file.rel)
    }

    /// The local path of one of its files.
    pub fn local_path(&self, file: &LocalFile) -> PathBuf {
        if file.rel.is_empty() {
            self.spec.local.clone()
        } else {
            self.spec.local.join(&file.rel)
        }
    }

    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Why a PATH is refused (exit 2, nothing sent).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path} does not exist")]
    Missing { path: PathBuf },
    #[error(
        "{path} is a symbolic link: pxa uploads no links (what they point at may leave the folder)"
    )]
    Link { path: PathBuf },
    #[error("{path} is a {what}, not a regular file or folder")]
    Special { path: PathBuf, what: &'static str },
    #[error("{path}: the name is not valid UTF-8, which the server cannot store")]
    NotUtf8 { path: PathBuf },
    #[error("{path}: the server would not store this name as it is: {problem}")]
    Name { path: PathBuf, problem: NameProblem },
    #[error("cannot read {path}: {error}")]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} holds no file (empty folders are not uploaded)")]
    Empty { path: PathBuf },
    #[error("{path} holds more than {MAX_FILES} files")]
    TooMany { path: PathBuf },
}

/// Walks every spec's local PATH.
pub fn scan(specs: Vec<Spec>) -> Result<Vec<LocalEntry>, ScanError> {
    specs.into_iter().map(scan_one).collect()
}

fn scan_one(spec: Spec) -> Result<LocalEntry, ScanError> {
    let meta = lstat(&spec.local)?;
    if meta.is_file() {
        check_readable(&spec.local)?;
        let file = LocalFile {
            rel: String::new(),
            size: meta.len(),
            mtime: mtime(&meta),
        };
        return Ok(LocalEntry {
            spec,
            is_dir: false,
            files: vec![file],
        });
    }
    let mut files = Vec::new();
    walk(&spec.local, "", &mut files)?;
    if files.is_empty() {
        return Err(ScanError::Empty { path: spec.local });
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(LocalEntry {
        spec,
        is_dir: true,
        files,
    })
}

/// Collects the regular files below `dir` (a folder already checked), names checked.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<LocalFile>) -> Result<(), ScanError> {
    let unreadable = |error| ScanError::Unreadable {
        path: dir.to_path_buf(),
        error,
    };
    for item in fs::read_dir(dir).map_err(unreadable)? {
        let item = item.map_err(unreadable)?;
        let path = item.path();
        let name = item
            .file_name()
            .into_string()
            .map_err(|_| ScanError::NotUtf8 { path: path.clone() })?;
        storable_name(&name).map_err(|problem| ScanError::Name {
            path: path.clone(),
            problem,
        })?;
        let rel = join(prefix, &name);
        let meta = lstat(&path)?;
        if meta.is_dir() {
            walk(&path, &rel, out)?;
        } else {
            check_readable(&path)?;
            out.push(LocalFile {
                rel,
                size: meta.len(),
                mtime: mtime(&meta),
            });
            if out.len() > MAX_FILES {
                return Err(ScanError::TooMany {
                    path: dir.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// The entry's own metadata (never a link's target); anything but a file or folder refused.
fn lstat(path: &Path) -> Result<Metadata, ScanError> {
    let meta = fs::symlink_metadata(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            ScanError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ScanError::Unreadable {
                path: path.to_path_buf(),
                error,
            }
        }
    })?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(ScanError::Link {
            path: path.to_path_buf(),
        });
    }
    if kind.is_file() || kind.is_dir() {
        return Ok(meta);
    }
    Err(ScanError::Special {
        path: path.to_path_buf(),
        what: special_kind(&meta),
    })
}

#[cfg(unix)]
fn special_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "fifo"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &Metadata) -> &'static str {
    "special file"
}

fn check_readable(path: &Path) -> Result<(), ScanError> {
    File::open(path)
        .map(drop)
        .map_err(|error| ScanError::Unreadable {
            path: path.to_path_buf(),
            error,
        })
}

fn mtime(meta: &Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(local: &Path) -> Spec {
        Spec {
            name: Some("e".into()),
            kind: "dir".into(),
            local: local.to_path_buf(),
            dest: "outputs/e".into(),
            summary: Value::Null,
            is_input: false,
        }
    }

    #[test]
    fn a_folder_is_listed_sorted_with_sizes() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("b/c")).unwrap();
        fs::create_dir_all(dir.path().join("empty")).unwrap();
        fs::write(dir.path().join("b/c/naïve x.txt"), "abc").unwrap();
        fs::write(dir.path().join("a.bin"), "").unwrap();
        let empty = dir.path().join("empty");
        assert!(matches!(
            scan(vec![spec(&empty)]),
            Err(ScanError::Empty { .. })
        ));
        let e = scan(vec![spec(dir.path())]).unwrap().remove(0);
        assert!(e.is_dir);
        let got: Vec<(&str, u64)> = e.files.iter().map(|f| (f.rel.as_str(), f.size)).collect();
        assert_eq!(got, [("a.bin", 0), ("b/c/naïve x.txt", 3)]);
        assert_eq!(e.remote_path(&e.files[1]), "outputs/e/b/c/naïve x.txt");
    }

    #[test]
    fn a_file_is_its_own_entry() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("m.bin");
        fs::write(&f, "12345").unwrap();
        let mut s = spec(&f);
        s.dest = "outputs/m.bin".into();
        let e = scan(vec![s]).unwrap().remove(0);
        assert!(!e.is_dir);
        assert_eq!(e.remote_path(&e.files[0]), "outputs/m.bin");
        assert_eq!(e.local_path(&e.files[0]), f);
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_odd_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        assert!(matches!(
            scan(vec![spec(&link)]),
            Err(ScanError::Link { .. })
        ));
        let inner = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", inner.path().join("x")).unwrap();
        assert!(matches!(
            scan(vec![spec(inner.path())]),
            Err(ScanError::Link { .. })
        ));
        let fifo = tempfile::tempdir().unwrap();
        let path = fifo.path().join("p");
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            scan(vec![spec(fifo.path())]),
            Err(ScanError::Special { what: "fifo", .. })
        ));
        let odd = tempfile::tempdir().unwrap();
        fs::write(odd.path().join("a\\b"), "").unwrap();
        assert!(matches!(
            scan(vec![spec(odd.path())]),
            Err(ScanError::Name { .. })
        ));
        let missing = dir.path().join("nope");
        assert!(matches!(
            scan(vec![spec(&missing)]),
            Err(ScanError::Missing { .. })
        ));
    }
}
