//! The manifest of a pulled version (every placed file with its size and BLAKE3 hash) and `verify`.
//!
//! BLAKE3 rather than SHA-256: both are cryptographic 256-bit hashes, but on the benchmark
//! machine BLAKE3 hashes 5.6 GB/s on one core and SHA-256 (SHA-NI) 1.3 GB/s, and a pull hashes
//! every byte it receives (BENCHMARKS.md). `b3sum` prints the same hex.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest's file name inside a version folder (`push` must ignore it).
pub const MANIFEST: &str = ".pxa-manifest.json";

/// The manifest format this pxa writes and reads (1 held sha256 hashes).
pub const MANIFEST_FORMAT: u32 = 2;

/// One file placed by a pull, relative to the version folder (always `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    /// Hex BLAKE3 hash of the content (of the link target text for a symlink).
    pub blake3: String,
    /// For a symbolic link: where it points (relative, inside the version folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The file's modification time when the pull placed it, in nanoseconds since the epoch:
    /// a file with this time and size still holds the bytes hashed (`pull --skip-existing`
    /// keeps it without reading it). Not part of `verify`, which always hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime_ns: Option<u64>,
}

impl FileRecord {
    /// The same record with its path under `prefix` (empty prefix: unchanged).
    pub fn under(mut self, prefix: &str) -> Self {
        if !prefix.is_empty() {
            self.path = format!("{}/{}", prefix.trim_end_matches('/'), self.path);
        }
        self
    }
}

/// `.pxa-manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this file.
    pub pxa_manifest: u32,
    pub kind: String,
    pub version: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub uuid: Option<String>,
    pub pulled_at: String,
    /// What the pull was made from (the version's state and its lineage requests): a pull
    /// that waited for this one can tell that it pulled the same thing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Where the version's run served its files: a re-pull with `--skip-existing` starts from
    /// it instead of asking for the run again (and asks when it no longer answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Streams>,
    pub files: Vec<FileRecord>,
}

/// A run's streams as a manifest records them ([`crate::api::StreamBase`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streams {
    pub base: String,
    pub namespace: String,
    pub owner: String,
    pub project: String,
    pub uuid: String,
    #[serde(default)]
    pub connection: Option<String>,
}

/// Hashes any reader, returning (bytes read, hex BLAKE3).
pub fn hash_reader<R: Read>(reader: R) -> io::Result<(u64, String)> {
    copy_hashed(reader, io::sink())
}

/// Copies `reader` into `out` while hashing it; returns (bytes copied, hex BLAKE3).
pub fn copy_hashed<R: Read, W: Write>(mut reader: R, mut out: W) -> io::Result<(u64, String)> {
    let mut hasher = blake3::Hasher::new();
    let mut buf = [0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        total += n as u64;
    }
    out.flush()?;
    Ok((total, hasher.finalize().to_hex().to_string()))
}

/// (size, hex BLAKE3) of a file on disk.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    hash_reader(File::open(path)?)
}

/// The record of a file already in place (used for the metadata files).
pub fn record_of(dir: &Path, rel: &str) -> io::Result<FileRecord> {
    let (size, blake3) = hash_file(&dir.join(rel))?;
    Ok(FileRecord {
        path: rel.to_string(),
        size,
        blake3,
        link: None,
        mtime_ns: None,
    })
}

/// A file's modification time in nanoseconds since the epoch, when the system gives one.
pub fn mtime_ns(meta: &std::fs::Metadata) -> Option<u64> {
    let t = meta.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(d.as_nanos()).ok()
}

/// One difference between a manifest and the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub problem: String,
}

/// What `verify` found in one folder.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub problems: Vec<Problem>,
    /// Files present in the folder but not in the manifest (reported, not a failure).
    pub extra: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Reads the manifest of a version folder.
pub fn read_manifest(dir: &Path) -> io::Result<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST))?;
    let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let format = value
        .get("pxa_manifest")
        .and_then(serde_json::Value::as_u64);
    if format != Some(MANIFEST_FORMAT.into()) {
        let found = format.map_or_else(|| "none".to_string(), |f| f.to_string());
        return Err(invalid(format!(
            "manifest format {found}, this pxa reads {MANIFEST_FORMAT}: pull the version again"
        )));
    }
    serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
}

/// Re-checks every file of the manifest: presence, size, BLAKE3 hash (and link targets).
pub fn verify_dir(dir: &Path) -> io::Result<VerifyReport> {
    let manifest = read_manifest(dir)?;
    let mut problems = Vec::new();
    let mut bytes = 0;
    for rec in &manifest.files {
        if let Some(p) = check_one(dir, rec) {
            problems.push(Problem {
                path: rec.path.clone(),
                problem: p,
            });
        } else {
            bytes += rec.size;
        }
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    let mut extra = Vec::new();
    walk(dir, "", &mut |rel| {
        if rel != MANIFEST && !listed.contains(rel) {
            extra.push(rel.to_string());
        }
    })?;
    Ok(VerifyReport {
        path: dir.to_path_buf(),
        files: manifest.files.len(),
        bytes,
        problems,
        extra,
    })
}

fn check_one(dir: &Path, rec: &FileRecord) -> Option<String> {
    if rec.path.split('/').any(|c| c == ".." || c.is_empty()) || rec.path.starts_with('/') {
        return Some("unsafe path in the manifest".into());
    }
    let path = dir.join(&rec.path);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some("missing".into()),
        Err(e) => return Some(format!("unreadable: {e}")),
    };
    if let Some(target) = &rec.link {
        return match std::fs::read_link(&path) {
            Ok(t) if t.to_string_lossy() == target.as_str() => None,
            Ok(t) => Some(format!(
                "link points to {} instead of {target}",
                t.display()
            )),
            Err(_) => Some("not a symbolic link".into()),
        };
    }
    if !meta.is_file() {
        return Some("not a regular file".into());
    }
    if meta.len() != rec.size {
        return Some(format!("size {} instead of {}", meta.len(), rec.size));
    }
    match hash_file(&path) {
        Ok((_, hash)) if hash == rec.blake3 => None,
        Ok((_, hash)) => Some(format!("blake3 {hash} instead of {}", rec.blake3)),
        Err(e) => Some(format!("unreadable: {e}")),
    }
}

/// Calls `f` with every file and link under `dir`, as `/`-separated relative paths.
pub fn walk(dir: &Path, prefix: &str, f: &mut dyn FnMut(&str)) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &rel, f)?;
        } else {
            f(&rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_finds_missing_changed_and_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::write(d.join("a/x.txt"), b"hello").unwrap();
        std::fs::write(d.join("y"), b"world").unwrap();
        std::fs::write(d.join("gone"), b"").unwrap();
        let files = ["a/x.txt", "y", "gone"]
            .iter()
            .map(|p| record_of(d, p).unwrap())
            .collect();
        let m = Manifest {
            pxa_manifest: MANIFEST_FORMAT,
            kind: "artifact".into(),
            version: "v".into(),
            project: None,
            uuid: None,
            pulled_at: "now".into(),
            plan: None,
            streams: None,
            files,
        };
        std::fs::write(d.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        assert!(verify_dir(d).unwrap().ok());
        std::fs::write(d.join("y"), b"World").unwrap();
        std::fs::remove_file(d.join("gone")).unwrap();
        std::fs::write(d.join("new"), b"!").unwrap();
        let r = verify_dir(d).unwrap();
        assert_eq!(r.problems.len(), 2, "{r:?}");
        assert!(r.problems[0].problem.starts_with("blake3"), "{r:?}");
        assert_eq!(r.problems[1].problem, "missing");
        assert_eq!(r.extra, vec!["new".to_string()]);
    }

    #[test]
    fn a_manifest_of_another_format_asks_for_a_new_pull() {
        let dir = tempfile::tempdir().unwrap();
        let old = r#"{"pxa_manifest":1,"kind":"artifact","version":"v","pulled_at":"now","files":[{"path":"x","size":1,"sha256":"00"}]}"#;
        std::fs::write(dir.path().join(MANIFEST), old).unwrap();
        let err = verify_dir(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "manifest format 1, this pxa reads 2: pull the version again"
        );
    }
}
